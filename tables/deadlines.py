"""Open interview sessions by deadline, derived from the ``interviews`` table (docs/api.md §6).

Never the source of truth: rebuilt from the table after every partition assignment, kept
current by the interview agent after each write (``note``). The worker's session clock asks
it every few seconds which sessions have passed their time limit, and ends them with a
command; the command is idempotent, so a session noted by two workers is ended once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class SessionDeadlines:
    def __init__(self) -> None:
        self._open: dict[tuple[str, str], tuple[str, str]] | None = None

    @property
    def built(self) -> bool:
        return self._open is not None

    def invalidate(self) -> None:
        self._open = None

    def build(self, records: Iterable[Mapping[str, Any]]) -> None:
        self._open = {}
        for record in records:
            self.note(record["tenantId"], record)

    def note(self, tenant_id: str, record: Mapping[str, Any]) -> None:
        """Reflect one written record (a no-op until built)."""
        if self._open is None:
            return
        key = (tenant_id, record["id"])
        session = record.get("session")
        if session and session.get("endedAt") is None and not record.get("deleted"):
            self._open[key] = (session["deadline"], session["sessionId"])
        else:
            self._open.pop(key, None)

    def due(self, now: str) -> list[tuple[str, str, str]]:
        """(tenant, interview id, session id) of every open session whose deadline has come
        (ISO-8601 UTC timestamps of one format compare as text)."""
        if self._open is None:
            return []
        return [
            (tenant, interview, session_id)
            for (tenant, interview), (deadline, session_id) in self._open.items()
            if deadline <= now
        ]

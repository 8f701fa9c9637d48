"""Open interview sessions by deadline, derived from the ``interviews`` table (docs/api.md §6).

Never the source of truth: rebuilt from the table after every partition assignment, kept
current by the interview agent after each write (``note``). The worker's session clock asks
it every few seconds which sessions have passed their time limit, and ends them with a
command; the command is idempotent, so a session noted by two workers is ended once.

A build may read the table a slice at a time, letting the agent write in between (``begin``,
``scanned``, ``finish``): a record the agent noted during the build is newer than the one the
build reads, which is then passed over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class SessionDeadlines:
    def __init__(self) -> None:
        self._open: dict[tuple[str, str], tuple[str, str]] | None = None
        self._touched: set[tuple[str, str]] | None = None  # noted while a build reads
        self._generation = 0

    @property
    def built(self) -> bool:
        return self._open is not None and self._touched is None

    def invalidate(self) -> None:
        self._open = None
        self._touched = None
        self._generation += 1

    def build(self, records: Iterable[Mapping[str, Any]]) -> None:
        generation = self.begin()
        for record in records:
            self.scanned(record)
        self.finish(generation)

    def begin(self) -> int:
        """Start a build; its number, for ``building`` and ``finish``."""
        self.invalidate()
        self._open, self._touched = {}, set()
        return self._generation

    def building(self, generation: int) -> bool:
        """Whether the build ``generation`` is still wanted (no invalidation since)."""
        return generation == self._generation and self._touched is not None

    def scanned(self, record: Mapping[str, Any]) -> None:
        """A record the build read: taken unless the agent noted a newer one meanwhile."""
        key = (record["tenantId"], record["id"])
        if self._touched is None or key not in self._touched:
            self._take(key, record)

    def finish(self, generation: int) -> None:
        if self.building(generation):
            self._touched = None

    def note(self, tenant_id: str, record: Mapping[str, Any]) -> None:
        """Reflect one written record (a no-op until a build began)."""
        if self._open is None:
            return
        key = (tenant_id, record["id"])
        if self._touched is not None:
            self._touched.add(key)
        self._take(key, record)

    def _take(self, key: tuple[str, str], record: Mapping[str, Any]) -> None:
        assert self._open is not None
        session = record.get("session")
        if session and session.get("endedAt") is None and not record.get("deleted"):
            self._open[key] = (session["deadline"], session["sessionId"])
        else:
            self._open.pop(key, None)

    def due(self, now: str) -> list[tuple[str, str, str]]:
        """(tenant, interview id, session id) of every open session whose deadline has come
        (ISO-8601 UTC timestamps of one format compare as text)."""
        if self._open is None or not self.built:
            return []
        return [
            (tenant, interview, session_id)
            for (tenant, interview), (deadline, session_id) in self._open.items()
            if deadline <= now
        ]

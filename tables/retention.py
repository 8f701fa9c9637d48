"""How long the command log keeps an outcome: ``Idempotency-Key`` replays are answered for a
retention period (24 h by default, docs/api.md §1), then the entry is deleted.

Deletions must happen inside the agent, while it processes a command of the same tenant (a
table write goes to the partition of the event being processed, and a tenant lives on one
partition). So the agent, after each command, deletes that tenant's entries older than the
retention, oldest first. This index of entries by tenant and time is derived state: rebuilt
from the table after every partition assignment, never the source of truth. A tenant that
sends no more commands keeps its last day of entries until it does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hirestream.tables.keys import key_parts


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class CommandLogRetention:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[str, deque[tuple[float, bytes]]] | None = None

    def invalidate(self) -> None:
        self._entries = None

    @property
    def built(self) -> bool:
        return self._entries is not None

    def build(self, items: Iterable[tuple[bytes, dict[str, Any]]]) -> None:
        """Index every entry of the table (keys ``["<tenant>","<command id>"]``)."""
        found: dict[str, list[tuple[float, bytes]]] = {}
        for key, value in items:
            tenant = key_parts(key)[0]
            found.setdefault(tenant, []).append((epoch(value["at"]), key))
        self._entries = {t: deque(sorted(entries)) for t, entries in found.items()}

    def note(self, tenant: str, key: bytes, at: str) -> None:
        assert self._entries is not None, "build() first"
        self._entries.setdefault(tenant, deque()).append((epoch(at), key))

    def expired(self, tenant: str, now: str) -> list[bytes]:
        """Remove and return the tenant's entries older than the retention at ``now``."""
        assert self._entries is not None, "build() first"
        entries = self._entries.get(tenant)
        if not entries:
            return []
        limit = epoch(now) - self.seconds
        gone = []
        while entries and entries[0][0] < limit:
            gone.append(entries.popleft()[1])
        return gone

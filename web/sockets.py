"""The candidate sockets this worker holds, by interview: so that a session ended elsewhere (by
a person, by the session clock, on another worker) is told to its candidate at once.

The worker's stream processor reads ``interview.completed`` from its end, without a consumer
group (every worker sees every completion), and calls ``ended`` for each; the socket of that
interview, if this worker holds one, sends ``{"type": "ended", ...}`` and closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class SessionSockets:
    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Queue[str]]] = {}

    @contextmanager
    def watch(self, interview_id: str) -> Iterator[asyncio.Queue[str]]:
        """A queue that receives the end reason of this interview's session."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._waiting.setdefault(interview_id, set()).add(queue)
        try:
            yield queue
        finally:
            watchers = self._waiting.get(interview_id, set())
            watchers.discard(queue)
            if not watchers:
                self._waiting.pop(interview_id, None)

    def ended(self, interview_id: str, reason: str) -> None:
        for queue in self._waiting.get(interview_id, set()):
            if queue.empty():
                queue.put_nowait(reason)

    def __len__(self) -> int:
        return sum(len(w) for w in self._waiting.values())

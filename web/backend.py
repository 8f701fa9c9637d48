"""What the web layer needs from the worker's stream processor (implemented by
``hirestream.streams.StreamProcessor``): publish a command and wait, and read the tables it
owns; and how sending a command can fail."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from hirestream.tables.queries import Entry
from hirestream.topics.records import Command, Outcome


class CommandTimeout(Exception):
    """The command was published but its outcome did not arrive in time."""


class CommandTooLarge(Exception):
    """The command would not fit in one Kafka message."""


#: The largest command the web layer publishes (the broker's default limit is 1 MiB).
MAX_COMMAND_BYTES = 1_000_000


class InterviewBackend(Protocol):
    async def send(self, command: Command, timeout_s: float) -> Outcome: ...

    def not_ready_reason(self) -> str | None: ...

    def owner_url(self, tenant_id: str) -> str | None: ...

    def record(self, tenant_id: str, interview_id: str) -> dict[str, Any] | None: ...

    def counts(self, tenant_id: str) -> dict[str, Any] | None: ...

    def enrichment(self, tenant_id: str) -> dict[str, Any] | None: ...

    def entries(self, tenant_id: str) -> list[Entry]: ...

    @property
    def index(self) -> Any: ...


BACKEND: web.AppKey[InterviewBackend] = web.AppKey("backend")

"""What the web layer needs from the worker's stream processor (implemented by
``hirestream.fleet.Fleet``): publish a command and wait, and read the tables it owns."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from hirestream.tables.queries import Entry
from hirestream.topics.records import Command, Outcome


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

"""What the web layer needs from the worker's stream processor (implemented by
``hirestream.streams.StreamProcessor``): publish a command and wait, and read the tables it
owns; and how sending a command can fail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from hirestream.candidate_tokens import TokenKeys
from hirestream.tables.index import TenantIndex
from hirestream.tables.queries import Entry
from hirestream.tables.records import InterviewRecord
from hirestream.topics.records import Command, Outcome


class CommandTimeout(Exception):
    """The command was published but its outcome did not arrive in time."""


class CommandTooLarge(Exception):
    """The command would not fit in one Kafka message."""


#: The largest command the web layer publishes (the broker's default limit is 1 MiB).
MAX_COMMAND_BYTES = 1_000_000


class InterviewBackend(Protocol):
    """The worker's stream processor, as the web layer sees it."""

    async def send(self, command: Command, timeout_s: float) -> Outcome:
        """Publish a command and wait for its outcome (``CommandTimeout``,
        ``CommandTooLarge``)."""
        ...

    def not_ready_reason(self) -> str | None: ...

    def owner_url(self, tenant_id: str) -> str | None: ...

    def record(self, tenant_id: str, interview_id: str) -> InterviewRecord | None: ...

    def counts(self, tenant_id: str) -> dict[str, Any] | None: ...

    def enrichment(self, tenant_id: str) -> dict[str, Any] | None: ...

    def entries(self, tenant_id: str) -> list[Entry]: ...

    def interview_of_session(self, tenant_id: str, session_id: str) -> str | None: ...

    @property
    def index(self) -> TenantIndex: ...

    @property
    def token_keys(self) -> TokenKeys:
        """The keys of candidate links (the mailer's, so the emailed links open here)."""
        ...

    @property
    def reply_topic(self) -> str: ...

    def expect_reply(self, correlation_id: str) -> asyncio.Future[dict[str, Any]]: ...

    def forget_reply(self, correlation_id: str) -> None: ...

    def on_session_ended(self, listener: Callable[[str, str], None]) -> None: ...

"""What every background agent does with an interview event: read it, and answer with a
command on the internal command topic whose id is derived from the event (so a redelivered
event sends the same command, which the interview agent's command log recognises)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import faust

from hirestream.topics import codec
from hirestream.topics.clock import now_iso
from hirestream.topics.records import system_command
from hirestream.topics.tenancy import derived_id

_NAMESPACE = uuid.UUID("0b7e3a52-41a6-4b8e-8f0e-6a1f0f1c2d33")

log = logging.getLogger(__name__)


def command_id(tenant_id: str, event_id: str, agent: str) -> str:
    return derived_id(_NAMESPACE, tenant_id, agent, event_id)


@dataclass
class CommandSender:
    """Sends an agent's command about the interview of an event (``commands_topic``: the
    internal command topic)."""

    commands_topic: Any
    agent: str

    async def send(self, event: dict[str, Any], kind: str, payload: dict[str, Any]) -> None:
        tenant = event["tenantId"]
        command = system_command(
            kind,
            command_id=command_id(tenant, event["eventId"], self.agent),
            tenant_id=tenant,
            interview_id=event["interviewId"],
            agent=self.agent,
            issued_at=now_iso(),
            payload=payload,
        )
        await self.commands_topic.send(key=tenant.encode(), value=codec.dumps(command))


def install_event_agent(
    app: faust.App,
    source: Any,
    name: str,
    handle: Callable[[dict[str, Any]], Awaitable[None]],
) -> Any:
    """A concurrency-1 agent that hands each well-formed event to ``handle``; a malformed
    event or a failure is logged and skipped, never stops the agent."""

    async def run(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            try:
                value = codec.loads(event.value)
                await handle(value)
            except codec.MalformedMessage as exc:
                log.warning(
                    "event=%s.skipped topic=%s offset=%s reason=%s",
                    name,
                    message.topic,
                    message.offset,
                    exc,
                )
            except Exception:
                log.exception(
                    "event=%s.failed topic=%s offset=%s", name, message.topic, message.offset
                )

    return app.agent(source, name=name, concurrency=1)(run)

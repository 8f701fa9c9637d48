"""The interview command agent: a thin Faust adapter around ``decide``.

Concurrency 1 (faust-streaming #606), at-least-once, one reply per command: every command is
answered with an outcome — a result or a typed rejection — and a malformed command is also
dead-lettered with the reason. No exception escapes the loop (an escaped exception would ack
the command without an answer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import faust

from hirestream.agents.interviews.decide import Decision, count_change, decide
from hirestream.replies import CORRELATION_ID, REPLY_TO
from hirestream.tables.declare import Tables, command_key, record_key, tenant_key
from hirestream.tables.retention import CommandLogRetention
from hirestream.topics import codec
from hirestream.topics.records import COMMAND_TYPES, Command, Event, Outcome, rejected

log = logging.getLogger(__name__)

_REQUIRED = ("commandId", "type", "tenantId", "interviewId", "issuedAt")


def parse_command(raw: bytes | None, key: bytes | None) -> Command:
    """Check the envelope of a command from the topic (payloads from the web layer were
    validated at the edge; upstream producers get the same envelope checks)."""
    value = codec.loads(raw)
    for field in _REQUIRED:
        if not isinstance(value.get(field), str) or not value[field]:
            raise codec.MalformedMessage(f"{field} is missing or not a string")
    if value["type"] not in COMMAND_TYPES:
        raise codec.MalformedMessage(f"unknown command type {value['type']!r}")
    if key != value["tenantId"].encode():
        raise codec.MalformedMessage("message key must be the tenant id")
    if not isinstance(value.get("payload", {}), dict):
        raise codec.MalformedMessage("payload must be an object")
    value.setdefault("payload", {})
    value.setdefault("fingerprint", "")
    value.setdefault("requestId", "")
    value.setdefault("actor", {"kind": "system", "id": "upstream"})
    return value  # type: ignore[return-value]


@dataclass
class InterviewAgent:
    """Everything the agent touches, and the per-command step."""

    tables: Tables
    event_topics: dict[str, Any]
    dead_letters: Any
    on_record: Callable[[str, dict[str, Any]], None]
    app: faust.App
    retention: CommandLogRetention

    async def reply(self, headers: Mapping[str, bytes], outcome: Outcome) -> None:
        """Send the outcome where the command asked for it (nothing when it did not)."""
        reply_to = headers.get(REPLY_TO)
        if not reply_to:
            return
        await self.app.producer.send(
            reply_to.decode(),
            None,
            codec.dumps(outcome),
            partition=0,
            timestamp=None,
            headers=[(CORRELATION_ID, headers.get(CORRELATION_ID, b""))],
        )

    async def handle(self, raw: bytes | None, key: bytes | None, offset: int) -> Outcome:
        try:
            command = parse_command(raw, key)
        except codec.MalformedMessage as exc:
            await self.dead_letters.send(
                key=key, value=raw or b"", headers={"reason": str(exc).encode()}
            )
            log.warning("event=command.dead_lettered offset=%s reason=%s", offset, exc)
            return rejected(400, "malformed_command", str(exc))
        tenant, command_id = command["tenantId"], command["commandId"]
        log_key = command_key(tenant, command_id)
        prior = self.tables.command_log.get(log_key)
        if prior is not None:
            if prior["fingerprint"] != command["fingerprint"]:
                return rejected(
                    422,
                    "idempotency_key_reused",
                    "Idempotency-Key was already used with a different request",
                )
            return cast(Outcome, {**prior["outcome"], "replayed": True})
        key_of_record = record_key(tenant, command["interviewId"])
        enrichment = self.tables.enrichment.get(tenant_key(tenant)) or {}
        decision = decide(
            self.tables.interviews.get(key_of_record),
            command,
            offset,
            enrichment.get("cooccurrence"),
        )
        await self._apply(command, key_of_record, decision)
        self.tables.command_log[log_key] = {
            "fingerprint": command["fingerprint"],
            "outcome": decision.outcome,
            "at": command["issuedAt"],
        }
        self._forget_old_commands(tenant, log_key, command["issuedAt"])
        if decision.replayed:
            return cast(Outcome, {**decision.outcome, "replayed": True})
        log.info(
            "event=command.decided tenant=%s command=%s request=%s type=%s status=%s",
            tenant,
            command_id,
            command["requestId"],
            command["type"],
            decision.outcome["httpStatus"],
        )
        return decision.outcome

    def _forget_old_commands(self, tenant: str, log_key: bytes, now: str) -> None:
        """Delete this tenant's command log entries past the retention (see retention.py)."""
        if not self.retention.built:
            self.retention.build(self.tables.command_log.items())
        else:
            self.retention.note(tenant, log_key, now)
        for key in self.retention.expired(tenant, now):
            self.tables.command_log.pop(key, None)

    async def _apply(self, command: Command, key_of_record: bytes, decision: Decision) -> None:
        tenant = command["tenantId"]
        if decision.record is not None:
            self.tables.interviews[key_of_record] = decision.record
            self.on_record(tenant, decision.record)
        if decision.applied is not None:
            counts = count_change(self.tables.counts.get(tenant_key(tenant)), decision.applied)
            if counts is not None:
                self.tables.counts[tenant_key(tenant)] = counts
        record = decision.record or self.tables.interviews.get(key_of_record)
        if record is None:
            return
        for event_type in decision.events:
            event: Event = {
                "eventId": f"{record['id']}:{record['version']}:{event_type}",
                "type": event_type,
                "tenantId": tenant,
                "interviewId": record["id"],
                "version": record["version"],
                "occurredAt": record["updatedAt"],
                "commandId": command["commandId"],
                "record": record,
            }
            await self.event_topics[event_type].send(key=tenant.encode(), value=codec.dumps(event))


def install(app: faust.App, commands_topic: Any, step: InterviewAgent) -> Any:
    """Register the agent on ``app``; returns the Faust agent (its ``ask`` is the command bus)."""

    async def interview_commands(stream: Any) -> None:
        async for event in stream.events():
            offset = event.message.offset
            try:
                outcome = await step.handle(event.value, event.key, offset)
            except Exception as exc:  # answer every command, whatever happened
                log.exception("event=command.failed offset=%s", offset)
                outcome = rejected(500, "internal_error", f"command failed: {type(exc).__name__}")
            headers = {k: v for k, v in (event.headers or {}).items() if isinstance(v, bytes)}
            try:
                await step.reply(headers, outcome)
            except Exception:
                log.exception("event=reply.failed offset=%s", offset)

    return app.agent(commands_topic, name="interview-commands-agent", concurrency=1)(
        interview_commands
    )

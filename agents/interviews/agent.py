"""The interview command agent: a thin Faust adapter around ``decide``.

It reads the public and the internal command topics (co-partitioned: a tenant's commands of
both land on the same partition number) with concurrency 1 (faust-streaming #606),
at-least-once. For every message, in order:

1. a command on another partition than its tenant's (an upstream producer with another
   partitioner) is moved to the tenant's partition, unchanged, and nothing else happens to it
   here: it is decided when it arrives there, in order with the tenant's other commands;
2. the envelope and the payload are checked (``topics.commands``: the web layer's validators);
3. an ``Idempotency-Key`` replay is answered from the command log, a redelivery from the
   record's memory;
4. plain personal fields are sealed under the interview's data key;
5. ``decide`` decides; a record that would not fit under the broker's message size is refused;
6. the record, the tenant's counts and the command log are written, and the events published
   (each with the interview's next ``sequence``, carrying the public record).

Every command is answered exactly once with an outcome (to its ``replyTo``, when it has one),
and a command that is not applied is also dead-lettered with the reason. No exception escapes
the loop (an escaped exception would ack the command without an answer).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import faust
import orjson

from hirestream.agents.enrich.canonical import role_families
from hirestream.agents.interviews.decide import already_applied, decide
from hirestream.agents.interviews.decision import (
    Applied,
    Decision,
    applied_with,
    net_change,
    outcome_of,
)
from hirestream.agents.interviews.followups import MAX_STEPS, followed, waiting_for
from hirestream.agents.interviews.session import transcript
from hirestream.metrics import COMMAND_SECONDS, COMMANDS, DEAD_LETTERS, command_outcome
from hirestream.personal import sealed_payload
from hirestream.privacy import answer_field, seal
from hirestream.replies import CORRELATION_ID, REPLY_TO
from hirestream.store import audit
from hirestream.store.agent_store import AgentStore
from hirestream.tables.counts import count_change
from hirestream.tables.declare import Tables
from hirestream.tables.keys import command_key, record_key, tenant_key
from hirestream.tables.limits import MAX_VALUE_BYTES, fits
from hirestream.tables.records import InterviewRecord, public_record
from hirestream.tables.retention import CommandLogRetention
from hirestream.topics import codec
from hirestream.topics.clock import now_iso
from hirestream.topics.commands import Malformed, clean_payload, parse_envelope
from hirestream.topics.deadletters import Source, dead_letter_headers
from hirestream.topics.names import (
    INTERVIEW_ASSESSMENT_REQUESTED,
    INTERVIEW_COMPLETED,
    INTERVIEW_INVITED,
)
from hirestream.topics.partitioning import partition_for
from hirestream.topics.payloads import Invalid
from hirestream.topics.records import Command, Event, Outcome, rejected
from hirestream.topics.tenancy import is_tenant_id
from hirestream.topics.vocabulary import PERSONAL_FIELDS

log = logging.getLogger(__name__)

#: Events that carry the session's transcript (answers sealed): the assessor reads them.
WITH_TRANSCRIPT = (INTERVIEW_COMPLETED, INTERVIEW_ASSESSMENT_REQUESTED)

#: Where a command was moved from (``<partition>:<offset>`` of the same topic).
REROUTED_FROM = "hirestream-rerouted-from"


@dataclass(frozen=True)
class Message:
    """What the agent needs of one Kafka message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Mapping[str, bytes]
    timestamp_ms: int

    @property
    def source(self) -> Source:
        return Source(self.topic, self.partition, self.offset)


class NotApplied(Exception):
    """A command refused before ``decide``: answered and dead-lettered."""

    def __init__(self, outcome: Outcome, command: Command | None = None) -> None:
        super().__init__(outcome.get("reason", ""))
        self.outcome = outcome
        self.command = command


@dataclass
class InterviewAgent:
    """Everything the agent touches, and the per-message step."""

    tables: Tables
    event_topics: dict[str, Any]
    dead_letters: Any
    on_record: Callable[[str, InterviewRecord], None]
    app: faust.App
    retention: CommandLogRetention
    store: AgentStore
    internal_topic: str
    partitions: int
    http_hosts: frozenset[str] = frozenset()
    #: Answers a command whose requester waits in this process, without Kafka: given the
    #: ``replyTo`` topic, the correlation id and the outcome as sent, True when it did.
    answer_here: Callable[[str, str, bytes], bool] | None = None
    #: How long a candidate link is valid when an ``interview.invite`` names no ``validDays``
    #: (``CANDIDATE_TOKEN_EXPIRY_DAYS``, as for an invitation over HTTP).
    invite_valid_days: float = 7.0

    # --- the step -------------------------------------------------------------------------

    async def handle(self, message: Message) -> Outcome | None:
        """Decide one message; its outcome, or None when it was moved to another partition."""
        tenant = message.key.decode(errors="replace") if message.key else ""
        if is_tenant_id(tenant) and partition_for(tenant, self.partitions) != message.partition:
            await self._reroute(message, partition_for(tenant, self.partitions))
            return None
        try:
            return await self._decide(message)
        except NotApplied as refused:
            await self.dead_letter(message, refused.outcome, refused.command)
            kind = refused.command["type"] if refused.command else "malformed"
            observe(kind, refused.outcome, message)
            return refused.outcome

    async def _decide(self, message: Message) -> Outcome:
        source = "internal" if message.topic == self.internal_topic else "commands"
        try:
            command = parse_envelope(
                message.value,
                message.key,
                internal=source == "internal",
                timestamp_ms=message.timestamp_ms,
            )
        except Malformed as exc:
            raise NotApplied(rejected("malformed_command", {"problem": str(exc)})) from exc
        tenant, command_id = command["tenantId"], command["commandId"]
        log_key = command_key(tenant, command_id)
        prior = self.tables.command_log.get(log_key)
        if prior is not None:
            if prior["fingerprint"] != command["fingerprint"]:
                raise NotApplied(rejected("idempotency_key_reused"), command)
            return cast(Outcome, {**prior["outcome"], "replayed": True})
        key_of_record = record_key(tenant, command["interviewId"])
        record = self.tables.interviews.get(key_of_record)
        if record is not None and record.get("tenantId") != tenant:
            raise NotApplied(rejected("not_found"), command)
        if not already_applied(record, message.offset, source):
            command = await self._prepared(command)
        enrichment = self.tables.enrichment.get(tenant_key(tenant)) or {}
        decision = decide(
            record, command, message.offset, enrichment.get("cooccurrence"), source=source
        )
        outcome = outcome_of(decision)
        if not outcome["ok"]:
            raise NotApplied(outcome, command)
        log_entry = {
            "fingerprint": command["fingerprint"],
            "outcome": outcome,
            "at": command["issuedAt"],
        }
        chain = await self._followed(decision, record, command, message.offset, source)
        final = chain[-1].record if chain else decision.record
        if final is not None and not fits(final, log_entry):
            raise NotApplied(rejected("record_too_large", {"limit": MAX_VALUE_BYTES}), command)
        await self._apply(command, key_of_record, decision, chain, message.offset, source)
        self.tables.command_log[log_key] = log_entry
        self._forget_old_commands(tenant, log_key, command["issuedAt"])
        observe(command["type"], outcome, message)
        if decision.replayed:
            return outcome
        log.info(
            "event=command.decided tenant=%s command=%s request=%s type=%s result=%s",
            tenant,
            command_id,
            command["requestId"],
            command["type"],
            decision.result,
        )
        return outcome

    async def _prepared(self, command: Command) -> Command:
        """The command with its payload checked and cleaned, plain personal fields sealed."""
        try:
            payload = clean_payload(
                command, role_families=role_families(), http_hosts=self.http_hosts
            )
        except Invalid as invalid:
            outcome = rejected("validation_failed", {"errors": invalid.messages})
            raise NotApplied(outcome, command) from invalid
        if command["type"] == "interview.invite" and "validDays" not in payload:
            payload = {**payload, "validDays": self.invite_valid_days}
        if command["type"] == "interview.create":
            payload = {
                k: v for k, v in payload.items() if k not in PERSONAL_FIELDS or v is not None
            }
        if any(k in payload for k in PERSONAL_FIELDS):
            keys = await self.store.data_keys()
            payload = await sealed_payload(
                keys, command["tenantId"], command["interviewId"], payload, payload
            )
        if command["type"] == "interview.session_answer" and "text" in payload:
            payload = await self._sealed_answer(command, payload)
        return {**command, "payload": payload}

    async def _sealed_answer(self, command: Command, payload: dict[str, Any]) -> dict[str, Any]:
        """An upstream producer's plain answer, sealed like the web layer seals one."""
        tenant, interview = command["tenantId"], command["interviewId"]
        key = await (await self.store.data_keys()).create(tenant, interview)
        field = answer_field(payload["questionIndex"])
        sealed = seal(key, tenant, interview, field, payload["text"])
        return {k: v for k, v in payload.items() if k != "text"} | {"sealedText": sealed}

    # --- effects --------------------------------------------------------------------------

    async def _followed(
        self,
        decision: Decision,
        before: InterviewRecord | None,
        command: Command,
        offset: int,
        source: str,
    ) -> list[Decision]:
        """The workflow steps the record now waits for, taken at once (``followups``)."""
        current = decision.record if decision.record is not None else before
        chain: list[Decision] = []
        for _ in range(MAX_STEPS):
            step = waiting_for(current)
            if step is None or current is None:
                break
            auto_approve = step == "plan" and await self.store.auto_approve_plans(
                command["tenantId"]
            )
            taken = followed(
                current,
                command,
                step,
                offset=offset,
                source=source,
                auto_approve_plans=auto_approve,
            )
            if taken.record is None:
                break
            chain.append(taken)
            current = taken.record
        return chain

    async def _apply(
        self,
        command: Command,
        key_of_record: bytes,
        decision: Decision,
        chain: list[Decision],
        offset: int,
        source: str,
    ) -> None:
        """Write the record once (after the command and the steps that followed it), the
        tenant's counts by the net change, and publish every event, each with the record as
        of its own step. A redelivered command publishes again what it published the first
        time (consumers deduplicate on ``eventId``)."""
        tenant = command["tenantId"]
        final = chain[-1].record if chain else decision.record
        if final is not None:
            self.tables.interviews[key_of_record] = final
            self.on_record(tenant, final)
        record = final or self.tables.interviews.get(key_of_record)
        if decision.replayed:
            effects = [(a, record) for a in applied_with(record, source, offset)]
        else:
            effects = [(decision.applied, decision.record)] if decision.applied else []
        effects += [(step.applied, step.record) for step in chain if step.applied]
        net = net_change([applied for applied, _ in effects])
        if net is not None:
            counts = count_change(
                self.tables.counts.get(tenant_key(tenant)),
                source=net.source,
                offset=net.offset,
                status_before=net.status_before,
                status_after=net.status_after,
            )
            if counts is not None:
                self.tables.counts[tenant_key(tenant)] = counts
        if record is None:
            return
        if command["type"] == "interview.purge":
            await self._purged(command, record["id"], replayed=decision.replayed)
        for applied, as_of in effects:
            await self._publish(command, applied, as_of or record)

    async def _publish(self, command: Command, applied: Applied, record: InterviewRecord) -> None:
        """The events of one applied change, numbered from its first sequence."""
        tenant = command["tenantId"]
        public = public_record(record)
        for n, event_type in enumerate(applied.events):
            sequence = applied.first_sequence + n
            event: Event = {
                "eventId": f"{record['id']}:{sequence}",
                "type": event_type,
                "tenantId": tenant,
                "interviewId": record["id"],
                "version": record["version"],
                "sequence": sequence,
                "occurredAt": record["updatedAt"],
                "commandId": applied.command_id,
                "record": public,
            }
            if event_type in WITH_TRANSCRIPT and record.get("session"):
                event["transcript"] = transcript(record["session"])
            if event_type == INTERVIEW_INVITED:
                event["invite"] = {
                    "inviteId": record.get("inviteId"),
                    "tokenExpiresAt": record.get("tokenExpiresAt"),
                    "notify": command["payload"].get("notify"),
                }
            await self.app.producer.send(
                self.event_topics[event_type].get_topic_name(),
                tenant.encode(),
                codec.dumps(event),
                partition=None,
                timestamp=None,
                headers=None,
            )

    async def _purged(self, command: Command, interview_id: str, *, replayed: bool) -> None:
        """After the record dropped its sealed copies: destroy the data key (every sealed copy
        on every topic becomes unreadable) and write the audit entry (once: a redelivered
        purge that finds the key gone has written it)."""
        tenant = command["tenantId"]
        destroyed = await (await self.store.data_keys()).destroy(tenant, interview_id)
        if replayed and not destroyed:
            return
        await audit.write(
            await self.store.pool(),
            tenant_id=tenant,
            actor=f"{command['actor']['kind']}:{command['actor']['id']}",
            action="candidate_data.purged",
            target=interview_id,
            details={"dataKeyDestroyed": destroyed, "requestId": command["requestId"]},
        )

    def _forget_old_commands(self, tenant: str, log_key: bytes, now: str) -> None:
        """Delete this tenant's command log entries past the retention (see retention.py)."""
        if not self.retention.built:
            self.retention.build(self.tables.command_log.items())
        else:
            self.retention.note(tenant, log_key, now)
        for key in self.retention.expired(tenant, now):
            self.tables.command_log.pop(key, None)

    async def _reroute(self, message: Message, partition: int) -> None:
        """Move a command to its tenant's partition, as it came (key, value, headers)."""
        headers = [(k, v) for k, v in message.headers.items() if k != REROUTED_FROM]
        headers.append((REROUTED_FROM, f"{message.partition}:{message.offset}".encode()))
        await self.app.producer.send_and_wait(
            message.topic, message.key, message.value, partition, None, headers
        )
        log.info(
            "event=command.rerouted topic=%s from=%s offset=%s to=%s",
            message.topic,
            message.partition,
            message.offset,
            partition,
        )

    async def dead_letter(
        self, message: Message, outcome: Outcome, command: Command | None
    ) -> None:
        """Copy the message as it came (key, value, headers) to the dead-letter topic, with why
        and whence: where it was read, and where it was first written when it was moved."""
        reason = outcome.get("reason") or outcome.get("code", "rejected")
        DEAD_LETTERS.labels(outcome.get("code") or "rejected").inc()
        command_id = command["commandId"] if command else readable_command_id(message.value)
        tenant = command["tenantId"] if command else None
        if tenant is None and message.key and is_tenant_id(message.key.decode(errors="replace")):
            tenant = message.key.decode()
        ours = dead_letter_headers(
            reason[:1000],
            message.source,
            dead_lettered_at=now_iso(),
            command_id=command_id,
            tenant_id=tenant,
        )
        kept = [(k, v) for k, v in message.headers.items() if k not in dict(ours)]
        await self.dead_letters.send(
            key=message.key, value=message.value or b"", headers=ours + kept
        )
        log.warning(
            "event=command.dead_lettered tenant=%s command=%s topic=%s partition=%s offset=%s "
            "reason=%s",
            tenant or "-",
            command_id or "-",
            message.topic,
            message.partition,
            message.offset,
            orjson.dumps(reason[:300]).decode(),
        )

    async def reply(self, headers: Mapping[str, bytes], outcome: Outcome) -> None:
        """Send the outcome where the command asked for it (nothing when it did not)."""
        reply_to = headers.get(REPLY_TO)
        if not reply_to:
            return
        topic = reply_to.decode(errors="replace")
        correlation = headers.get(CORRELATION_ID, b"")
        value = codec.dumps(outcome)
        if self.answer_here is not None and self.answer_here(
            topic, correlation.decode(errors="replace"), value
        ):
            return
        await self.app.producer.send(
            topic,
            None,
            value,
            partition=0,
            timestamp=None,
            headers=[(CORRELATION_ID, correlation)],
        )


def observe(kind: str, outcome: Outcome, message: Message) -> None:
    """Count the answered command and how long it took from its arrival on the topic."""
    COMMANDS.labels(kind, command_outcome(outcome)).inc()
    waited = time.time() - message.timestamp_ms / 1000 if message.timestamp_ms > 0 else 0.0
    COMMAND_SECONDS.labels(kind).observe(max(waited, 0.0))


def readable_command_id(raw: bytes | None) -> str | None:
    """The ``commandId`` of a command whose envelope was refused, when it has a sane one."""
    try:
        value = codec.loads(raw)
    except codec.MalformedMessage:
        return None
    found = value.get("commandId")
    if isinstance(found, str) and 0 < len(found) <= 200 and found.isprintable():
        return found
    return None


def install(app: faust.App, commands: Any, step: InterviewAgent) -> Any:
    """Register the agent on ``app`` (``commands``: the public and internal command topics)."""

    async def interview_commands(stream: Any) -> None:
        async for event in stream.events():
            raw = event.message
            headers = {k: v for k, v in (event.headers or {}).items() if isinstance(v, bytes)}
            message = Message(
                raw.topic,
                raw.partition,
                raw.offset,
                event.key,
                event.value,
                headers,
                int((raw.timestamp or 0) * 1000),
            )
            try:
                outcome = await step.handle(message)
            except Exception as exc:  # answer every command, whatever happened
                log.exception(
                    "event=command.failed topic=%s partition=%s offset=%s",
                    raw.topic,
                    raw.partition,
                    raw.offset,
                )
                outcome = rejected("internal_error", {"error": type(exc).__name__})
                try:
                    await step.dead_letter(message, outcome, None)
                except Exception:
                    log.exception("event=dead_letter.failed offset=%s", raw.offset)
            if outcome is None:
                continue
            try:
                await step.reply(headers, outcome)
            except Exception:
                log.exception("event=reply.failed offset=%s", raw.offset)

    return app.agent(commands, name="interview-commands-agent", concurrency=1)(interview_commands)

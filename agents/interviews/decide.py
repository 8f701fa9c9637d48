"""Decisions of the interview agent, as plain functions (no Faust, no I/O).

``decide(record, command, offset)`` returns what to do with one command: the new record (or
None when nothing changes), the events to publish, in order, and the domain outcome — a
``Result`` (created, updated, deleted, unchanged, existing) or a ``Rejection`` with a code and
its details. Turning those into HTTP statuses and words is the web layer's business
(``web/outcomes.py``). It is deterministic — every timestamp comes from the command — so a
command replayed after a crash decides the same way.

The model is state-stored: the record is the state, ``decide`` returns the next record itself
(there is no separate ``apply(state, event)``), and the events are facts about that change
for the other agents and for consumers.

Idempotency under redelivery: the agent passes each command's source (the public or the
internal command topic) and its offset there (a tenant lives on one partition of each, so
offsets order a tenant's commands of one source). Every record and every tenant's counts
remember the offset of the last command applied to them from each source, so a command replayed
after a crash is recognised as applied even when only some of the agent's table writes had
reached Kafka. Each record also remembers its last ``APPLIED_MEMORY`` commands with the status
before and after and the events published, to answer a redelivery exactly as the first time.
A command sent again under a new offset (an HTTP retry with the same ``Idempotency-Key``) is
answered by the agent's command log, for the retention period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from hirestream.agents.interviews import edits, journey, steps
from hirestream.agents.interviews.decision import (
    SOURCE,
    Applied,
    Cooccurrence,
    Decision,
    exists,
    find_applied,
    refused,
)
from hirestream.tables.records import InterviewRecord, last_offset
from hirestream.topics.records import Command
from hirestream.topics.vocabulary import PERSONAL_FIELDS

Handler = Callable[[InterviewRecord, Command, int, Cooccurrence], Decision]

#: The handler of each command type (``create`` is decided without a record).
HANDLERS: dict[str, Handler] = {
    "interview.update": edits.update,
    "interview.delete": edits.delete,
    "interview.override": edits.override,
    "interview.enrich": edits.enrich,
    "interview.supply_info": edits.supply_info,
    "interview.purge": edits.purge,
    "interview.validated": steps.validated,
    "interview.plan_generated": steps.plan_generated,
    "interview.workflow": steps.workflow,
    "interview.assessed": steps.assessed,
    "interview.invite": journey.invite,
    "interview.invite_result": journey.invite_result,
    "interview.conduct": journey.conduct,
    "interview.session_join": journey.session_join,
    "interview.session_answer": journey.session_answer,
    "interview.session_end": journey.session_end,
}


def already_applied(record: Mapping[str, Any] | None, offset: int, source: str = SOURCE) -> bool:
    """Whether this record has taken in the command at ``offset`` of ``source`` already."""
    return record is not None and offset <= last_offset(record, source)


def decide(
    record: InterviewRecord | None,
    command: Command,
    offset: int,
    cooccurrence: Cooccurrence = None,
    *,
    source: str = SOURCE,
) -> Decision:
    """Decide one command (at ``offset`` on its ``source`` topic) against its interview's
    record. The command's payload has been checked and cleaned (``topics.commands``).
    ``cooccurrence`` is the tenant's learned skill co-occurrence (for related skills)."""
    if already_applied(record, offset, source):
        assert record is not None
        # Redelivered after a crash: this record has seen this offset. Answer as the first
        # time (or, applied so long ago that the record forgot it, as of now). A command sent
        # again under a new offset is the command log's business (Idempotency-Key, 24 h).
        previous = find_applied(record, command["commandId"]) or Applied(
            command["commandId"],
            offset,
            record["status"],
            record["status"],
            "unchanged",
            (),
            source,
        )
        return _replayed(record, previous)
    command = _without_plain_personal_fields(command)
    kind = command["type"]
    if kind == "interview.create":
        decision = edits.create(record, command, offset, cooccurrence)
    elif record is None or not exists(record):
        decision = refused("not_found")
    else:
        decision = HANDLERS[kind](record, command, offset, cooccurrence)
    if decision.record is not None:
        decision.record["offsets"] = {**decision.record.get("offsets", {}), source: offset}
    if decision.applied is not None and not decision.replayed:
        applied = replace(decision.applied, source=source)
        decision = replace(decision, applied=applied)
        if decision.record is not None:
            decision.record["applied"][-1] = applied.to_json()
    return decision


def _without_plain_personal_fields(command: Command) -> Command:
    """Personal fields are stored sealed only: plain ones never reach a record (the agent
    seals them before deciding; this is the last guard)."""
    payload = command["payload"]
    if not any(k in payload for k in PERSONAL_FIELDS):
        return command
    clean = {k: v for k, v in payload.items() if k not in PERSONAL_FIELDS}
    return {**command, "payload": clean}


def _replayed(record: InterviewRecord, previous: Applied) -> Decision:
    """The record already carries this command: answer as the first time, store nothing,
    and publish its events again (consumers deduplicate on eventId)."""
    shown = None if previous.result == "deleted" else record
    return Decision(previous.result, None, shown, None, previous.events, previous, replayed=True)

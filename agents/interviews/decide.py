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
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from hirestream.agents.interviews import lifecycle
from hirestream.agents.interviews.content import canonical_content
from hirestream.agents.interviews.curation import with_enrichment, with_override
from hirestream.agents.workflow.transitions import (
    EDITABLE_STATES,
    IllegalTransition,
    allowed_actions,
)
from hirestream.tables.records import InterviewRecord, full_raw, last_offset, with_fields
from hirestream.topics.commands import raw_payload
from hirestream.topics.records import Command, Outcome, accepted, rejected
from hirestream.topics.vocabulary import PERSONAL_FIELDS, status_of

APPLIED_MEMORY = 32

#: The source of commands when none is named: the public command topic.
SOURCE = "commands"

#: Content fields: editing one of them re-runs canonicalisation, validation and planning;
#: after approval they are frozen (docs/api.md §4).
CONTENT_FIELDS = frozenset(
    {"skills", "jobDescription", "position", "level", "qualifications", "candidateResume"}
)

#: A user's ``status`` in PUT /interviews/:id, as a workflow action (docs/api.md §4).
STATUS_ACTIONS = {"approved": "approve", "rejected": "reject"}

Cooccurrence = Mapping[str, Mapping[str, int]] | None

#: What an applied command did: made the interview (or, for an override, a patch), changed
#: it, deleted it, changed nothing, or found the partner's interview of that ``externalId``.
Result = Literal["created", "updated", "deleted", "unchanged", "existing"]


@dataclass(frozen=True)
class Rejection:
    """Why a command is not applied: a code (``REJECTIONS``) and what the wording needs."""

    code: str
    details: Mapping[str, Any] = field(default_factory=dict)


#: Every rejection code ``decide`` gives, and what it means.
REJECTIONS = {
    "not_found": "no such interview in the tenant",
    "already_exists": "an interview with this id exists",
    "invalid_transition": "the action is not allowed in the state (details: state, action, "
    "allowed)",
    "status_not_settable": "a user may only set status approved or rejected (details: state, "
    "status)",
    "edit_with_status": "content and status changed in one request (details: state, status)",
}


@dataclass(frozen=True)
class Applied:
    """What a command did to one record: for replays and for the counts."""

    command_id: str
    offset: int  # where the command that changed the record stood on its source topic
    status_before: str | None  # None: the record did not exist
    status_after: str | None  # None: the record no longer exists
    result: Result
    events: tuple[str, ...] = ()
    source: str = SOURCE
    first_sequence: int = 1  # the sequence number of the first of ``events``

    def to_json(self) -> dict[str, Any]:
        return {
            "commandId": self.command_id,
            "offset": self.offset,
            "source": self.source,
            "statusBefore": self.status_before,
            "statusAfter": self.status_after,
            "result": self.result,
            "events": list(self.events),
            "firstSequence": self.first_sequence,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Applied:
        return cls(
            raw["commandId"],
            raw["offset"],
            raw["statusBefore"],
            raw["statusAfter"],
            raw["result"],
            tuple(raw.get("events", ())),
            raw.get("source", SOURCE),
            raw.get("firstSequence", 1),
        )


@dataclass(frozen=True)
class Decision:
    """What to do with one command, and what to answer."""

    result: Result | None = None  # None: rejected
    rejection: Rejection | None = None
    shown: InterviewRecord | None = None  # the record the answer shows (None: deleted)
    record: InterviewRecord | None = None  # the record to store; None: store nothing
    events: tuple[str, ...] = ()  # the events to publish about the record, in order
    applied: Applied | None = None  # set when the command changed (or had changed) a record
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.rejection is None

    @property
    def first_sequence(self) -> int:
        """The sequence number of the first event (each next one is one more)."""
        return self.applied.first_sequence if self.applied is not None else 1


def outcome_of(decision: Decision) -> Outcome:
    """The answer to the command, as it travels (``topics.records.Outcome``)."""
    if decision.rejection is not None:
        return rejected(decision.rejection.code, dict(decision.rejection.details))
    assert decision.result is not None
    shown = cast(dict[str, Any] | None, decision.shown)
    return accepted(decision.result, shown, replayed=decision.replayed)


def find_applied(record: InterviewRecord | None, command_id: str) -> Applied | None:
    if record is None:
        return None
    for raw in record.get("applied", []):
        if raw["commandId"] == command_id:
            return Applied.from_json(raw)
    return None


def _remember(record: InterviewRecord, applied: Applied) -> None:
    history = [*record.get("applied", []), applied.to_json()]
    record["applied"] = history[-APPLIED_MEMORY:]


def _exists(record: InterviewRecord | None) -> bool:
    return record is not None and not record.get("deleted", False)


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
        decision = _create(record, command, offset, cooccurrence)
    elif record is None or not _exists(record):
        decision = _rejected("not_found")
    else:
        decision = _HANDLERS[kind](record, command, offset, cooccurrence)
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


def _rejected(code: str, **details: Any) -> Decision:
    return Decision(rejection=Rejection(code, details))


def _create(
    record: InterviewRecord | None, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    if record is not None:
        external = command["payload"].get("externalId")
        if external and _exists(record) and record.get("externalId") == external:
            # The partner's idempotency key outlives the command log: the existing interview.
            return Decision("existing", shown=record, replayed=True)
        return _rejected("already_exists")
    at = command["issuedAt"]
    payload = dict(command["payload"])
    raw = payload.pop("rawPayload", None) or raw_payload(payload)
    payload.pop("sealedCleared", None)
    resume_skills = payload.pop("resumeSkills", None)
    new = cast(
        InterviewRecord,
        {
            **payload,
            **canonical_content(
                raw,
                has_resume="candidateResume" in payload.get("sealed", {}),
                resume_skills=resume_skills,
                cooccurrence=cooccurrence,
            ),
            "id": command["interviewId"],
            "tenantId": command["tenantId"],
            "version": 1,
            "createdAt": at,
            "updatedAt": at,
            "deleted": False,
            "workflowState": None,
            "status": status_of(None),
        },
    )
    events = ("interview.created",)
    new["sequence"] = len(events)
    applied = Applied(command["commandId"], offset, None, new["status"], "created", events)
    _remember(new, applied)
    return Decision("created", None, new, new, events, applied)


def _not_allowed(illegal: IllegalTransition) -> Decision:
    return _rejected(
        "invalid_transition",
        state=illegal.state,
        action=illegal.action,
        allowed=list(illegal.allowed_actions),
    )


def _content_changes(
    record: InterviewRecord, changes: dict[str, Any], cooccurrence: Cooccurrence
) -> InterviewRecord:
    """``record`` with content ``changes`` (fields as validated, ``rawPayload`` as sent,
    ``sealed`` personal fields, ``sealedCleared``, ``resumeSkills``) applied and
    canonicalised again."""
    changes = dict(changes)
    cleared = changes.pop("sealedCleared", [])
    raw_changes = changes.pop("rawPayload", None) or raw_payload(changes)
    resume_skills = changes.pop("resumeSkills", None)
    new = cast(InterviewRecord, {**record, **changes})
    if "sealed" in changes or cleared:
        sealed = {**record.get("sealed", {}), **changes.get("sealed", {})}
        new["sealed"] = {k: v for k, v in sealed.items() if k not in cleared}
    touches_content = any(f in CONTENT_FIELDS for f in changes) or (
        "candidateResume" in changes.get("sealed", {}) or "candidateResume" in cleared
    )
    if touches_content:
        new = with_fields(
            new,
            canonical_content(
                {**full_raw(record), **raw_changes},
                has_resume="candidateResume" in new.get("sealed", {}),
                resume_skills=resume_skills,
                previous=record,
                enrichment=record.get("enrichment"),
                overrides=record.get("overrides", []),
                cooccurrence=cooccurrence,
            ),
        )
    return new


def _touches_content(changes: Mapping[str, Any]) -> bool:
    return any(f in CONTENT_FIELDS for f in changes) or "candidateResume" in (
        *changes.get("sealed", {}),
        *changes.get("sealedCleared", []),
    )


def _update(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    changes = dict(command["payload"])
    requested_status = changes.pop("status", None)
    state = record.get("workflowState")
    wants_status = requested_status is not None and requested_status != record.get("status")
    if wants_status:
        action = STATUS_ACTIONS.get(requested_status)
        if action is None:
            return _rejected("status_not_settable", state=state, status=requested_status)
        if _touches_content(changes):
            return _rejected("edit_with_status", state=state, status=requested_status)
    events: tuple[str, ...] = ()
    if _touches_content(changes):
        step = lifecycle.content_edited(record)
        if step.illegal is not None:
            return _not_allowed(step.illegal)
        assert step.record is not None
        record_now, events = step.record, step.events
    else:
        record_now = record
    new = _content_changes(record_now, changes, cooccurrence)
    if wants_status:
        step = lifecycle.acted(new, {"action": STATUS_ACTIONS[requested_status]})
        if step.illegal is not None:
            return _not_allowed(step.illegal)
        assert step.record is not None
        new, events = step.record, events + step.events
    return _changed(record, new, command, offset, "updated", ("interview.updated", *events))


def _changed(
    record: InterviewRecord,
    new: InterviewRecord,
    command: Command,
    offset: int,
    result: Result,
    events: tuple[str, ...],
) -> Decision:
    """A new version of an existing record."""
    new["version"] = record["version"] + 1
    new["updatedAt"] = command["issuedAt"]
    new["status"] = status_of(new.get("workflowState"))
    first = record.get("sequence", 0) + 1
    new["sequence"] = first - 1 + len(events)
    applied = Applied(
        command["commandId"],
        offset,
        record["status"],
        new["status"],
        result,
        events,
        first_sequence=first,
    )
    _remember(new, applied)
    return Decision(result, None, new, new, events, applied)


def _unchanged(record: InterviewRecord) -> Decision:
    return Decision("unchanged", shown=record)


def _step(record: InterviewRecord, step: lifecycle.Step, command: Command, offset: int) -> Decision:
    if step.illegal is not None:
        return _not_allowed(step.illegal)
    if step.record is None:
        return _unchanged(record)
    return _changed(record, step.record, command, offset, "updated", step.events)


def _delete(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """Deleting keeps a tombstone without content (and without personal data), so replays and
    versions stay decidable."""
    tombstone: InterviewRecord = {
        "id": record["id"],
        "tenantId": record["tenantId"],
        "version": record["version"] + 1,
        "createdAt": record["createdAt"],
        "updatedAt": command["issuedAt"],
        "deleted": True,
        "status": record["status"],
        "workflowState": record.get("workflowState"),
        "applied": record.get("applied", []),
        "offsets": record.get("offsets", {}),
        "sequence": record.get("sequence", 0) + 1,
    }
    events = ("interview.deleted",)
    applied = Applied(
        command["commandId"],
        offset,
        record["status"],
        None,
        "deleted",
        events,
        first_sequence=tombstone["sequence"],
    )
    _remember(tombstone, applied)
    return Decision("deleted", None, None, tombstone, events, applied)


def _override(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    state = record.get("workflowState")
    if state not in EDITABLE_STATES:
        illegal = IllegalTransition(state, "override", allowed_actions(state))
        return _not_allowed(illegal)
    new = with_override(record, command, cooccurrence)
    step = lifecycle.content_edited(new)  # a pending plan is made again
    assert step.record is not None
    events = ("interview.updated", *step.events)
    return _changed(record, step.record, command, offset, "created", events)


def _enrich(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The background enricher's findings; a no-op (200, nothing stored) when they change
    nothing or come too late."""
    new = with_enrichment(record, command, cooccurrence)
    if new is None:
        return _unchanged(record)
    return _changed(record, new, command, offset, "updated", ("interview.updated",))


def _validated(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return _step(record, lifecycle.validated(record, command["payload"]), command, offset)


def _plan_generated(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return _step(record, lifecycle.plan_generated(record, command["payload"]), command, offset)


def _workflow(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return _step(record, lifecycle.acted(record, command["payload"]), command, offset)


def _supply_info(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """Missing information supplied (Integration API): merged like an edit, then on to
    validation again."""
    step = lifecycle.acted(record, {"action": "info_supplied"})
    if step.illegal is not None:
        return _not_allowed(step.illegal)
    assert step.record is not None
    new = _content_changes(step.record, dict(command["payload"]), cooccurrence)
    return _changed(record, new, command, offset, "updated", step.events)


def _purge(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The candidate's personal data is gone (its data key was destroyed first): drop the
    sealed copies; keep everything else (assessment, skills, counts)."""
    new = cast(InterviewRecord, {k: v for k, v in record.items() if k != "sealed"})
    new["candidatePurgedAt"] = command["issuedAt"]
    events = ("interview.candidate_data_purged",)
    return _changed(record, new, command, offset, "updated", events)


_HANDLERS: dict[str, Callable[[InterviewRecord, Command, int, Cooccurrence], Decision]] = {
    "interview.update": _update,
    "interview.delete": _delete,
    "interview.override": _override,
    "interview.enrich": _enrich,
    "interview.validated": _validated,
    "interview.plan_generated": _plan_generated,
    "interview.workflow": _workflow,
    "interview.supply_info": _supply_info,
    "interview.purge": _purge,
}

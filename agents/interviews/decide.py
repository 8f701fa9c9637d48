"""Decisions of the interview agent, as plain functions (no Faust, no I/O).

``decide(record, command, offset)`` returns what to do with one command: the new record (or
None when nothing changes), the outcome to answer with, and the events to publish, in order.
It is deterministic — every timestamp comes from the command — so a command replayed after a
crash decides the same way.

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
from dataclasses import dataclass, replace
from typing import Any

from hirestream.agents.interviews import lifecycle
from hirestream.agents.interviews.content import canonical_content
from hirestream.agents.interviews.curation import with_enrichment, with_override
from hirestream.agents.workflow.transitions import (
    EDITABLE_STATES,
    IllegalTransition,
    allowed_actions,
)
from hirestream.tables.records import full_raw
from hirestream.topics.commands import raw_payload
from hirestream.topics.records import Command, Outcome, accepted, rejected
from hirestream.topics.vocabulary import PERSONAL_FIELDS, status_of

APPLIED_MEMORY = 32

#: The source of commands when none is named: the public command topic.
SOURCE = "commands"

#: Content fields: editing one of them re-runs canonicalisation, validation and planning;
#: after approval they are frozen (API.md §4).
CONTENT_FIELDS = frozenset(
    {"skills", "jobDescription", "position", "level", "qualifications", "candidateResume"}
)

NOT_FOUND: Outcome = rejected(404, "not_found", "Interview not found")

#: A user's ``status`` in PUT /interviews/:id, as a workflow action (API.md §4).
STATUS_ACTIONS = {"approved": "approve", "rejected": "reject"}

Cooccurrence = Mapping[str, Mapping[str, int]] | None


@dataclass(frozen=True)
class Applied:
    """What a command did to one record: for replays and for the counts."""

    command_id: str
    offset: int  # where the command that changed the record stood on its source topic
    status_before: str | None  # None: the record did not exist
    status_after: str | None  # None: the record no longer exists
    http_status: int
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
            "httpStatus": self.http_status,
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
            raw["httpStatus"],
            tuple(raw.get("events", ())),
            raw.get("source", SOURCE),
            raw.get("firstSequence", 1),
        )


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    record: dict[str, Any] | None = None  # the record to store; None: store nothing
    events: tuple[str, ...] = ()  # the events to publish about the record, in order
    applied: Applied | None = None  # set when the command changed (or had changed) a record
    replayed: bool = False

    @property
    def first_sequence(self) -> int:
        """The sequence number of the first event (each next one is one more)."""
        return self.applied.first_sequence if self.applied is not None else 1


def find_applied(record: dict[str, Any] | None, command_id: str) -> Applied | None:
    if record is None:
        return None
    for raw in record.get("applied", []):
        if raw["commandId"] == command_id:
            return Applied.from_json(raw)
    return None


def _remember(record: dict[str, Any], applied: Applied) -> None:
    history = [*record.get("applied", []), applied.to_json()]
    record["applied"] = history[-APPLIED_MEMORY:]


def _exists(record: dict[str, Any] | None) -> bool:
    return record is not None and not record.get("deleted", False)


def last_offset(state: Mapping[str, Any] | None, source: str) -> int:
    """The offset of the last command from ``source`` a record (or counts) took in."""
    if state is None:
        return -1
    offset: int = state.get("offsets", {}).get(source, -1)
    return offset


def already_applied(record: Mapping[str, Any] | None, offset: int, source: str = SOURCE) -> bool:
    """Whether this record has taken in the command at ``offset`` of ``source`` already."""
    return record is not None and offset <= last_offset(record, source)


def decide(
    record: dict[str, Any] | None,
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
            command["commandId"], offset, record["status"], record["status"], 200, (), source
        )
        return _replayed(record, previous)
    command = _without_plain_personal_fields(command)
    kind = command["type"]
    if kind == "interview.create":
        decision = _create(record, command, offset, cooccurrence)
    elif record is None or not _exists(record):
        decision = Decision(NOT_FOUND)
    else:
        handler = _HANDLERS.get(kind)
        if handler is None:
            return Decision(rejected(400, "unknown_command", f"Unknown command type {kind!r}"))
        decision = handler(record, command, offset, cooccurrence)
    if decision.record is not None:
        decision.record["offsets"] = {**decision.record.get("offsets", {}), source: offset}
        decision.record.pop("offset", None)
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


def _replayed(record: dict[str, Any], previous: Applied) -> Decision:
    """The record already carries this command: answer as the first time, store nothing,
    and publish its events again (consumers deduplicate on eventId)."""
    body = {} if previous.http_status == 204 else record
    return Decision(
        accepted(body, previous.http_status), None, previous.events, previous, replayed=True
    )


def _create(
    record: dict[str, Any] | None, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    if record is not None:
        external = command["payload"].get("externalId")
        if external and _exists(record) and record.get("externalId") == external:
            # The partner's idempotency key outlives the command log: the existing interview.
            return Decision(accepted(record, 200), replayed=True)
        return Decision(rejected(409, "already_exists", "An interview with this id already exists"))
    at = command["issuedAt"]
    payload = dict(command["payload"])
    raw = payload.pop("rawPayload", None) or raw_payload(payload)
    payload.pop("sealedCleared", None)
    resume_skills = payload.pop("resumeSkills", None)
    new: dict[str, Any] = {
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
    }
    events = ("interview.created",)
    new["sequence"] = len(events)
    applied = Applied(command["commandId"], offset, None, new["status"], 201, events)
    _remember(new, applied)
    return Decision(accepted(new, 201), new, events, applied)


#: What people can do, in words; the other actions are the background agents' own.
PEOPLE_ACTIONS = {
    "approve": "approve the plan",
    "reject": "reject the plan",
    "revise": "revise the plan",
    "info_supplied": "supply information",
    "edit_content": "edit content",
    "conduct": "start the session",
    "assessment_approve": "approve the assessment",
    "assessment_reject": "reject the assessment",
    "retrigger_assessment": "re-run the assessment",
    "cancel": "cancel",
}


def _not_allowed(illegal: IllegalTransition) -> Outcome:
    """409 naming the current state and what a person may do in it."""
    allowed = [PEOPLE_ACTIONS[a] for a in illegal.allowed_actions if a in PEOPLE_ACTIONS]
    action = PEOPLE_ACTIONS.get(illegal.action, illegal.action)
    return rejected(
        409,
        "invalid_transition",
        f"Cannot {action}: the interview is in state {illegal.state or 'null'}; "
        f"allowed actions: {', '.join(allowed) or 'none'}",
    )


def _content_changes(
    record: dict[str, Any], changes: dict[str, Any], cooccurrence: Cooccurrence
) -> dict[str, Any]:
    """``record`` with content ``changes`` (fields as validated, ``rawPayload`` as sent,
    ``sealed`` personal fields, ``sealedCleared``, ``resumeSkills``) applied and
    canonicalised again."""
    changes = dict(changes)
    cleared = changes.pop("sealedCleared", [])
    raw_changes = changes.pop("rawPayload", None) or raw_payload(changes)
    resume_skills = changes.pop("resumeSkills", None)
    new = {**record, **changes}
    if "sealed" in changes or cleared:
        sealed = {**record.get("sealed", {}), **changes.get("sealed", {})}
        new["sealed"] = {k: v for k, v in sealed.items() if k not in cleared}
    touches_content = any(f in CONTENT_FIELDS for f in changes) or (
        "candidateResume" in changes.get("sealed", {}) or "candidateResume" in cleared
    )
    if touches_content:
        new.update(
            canonical_content(
                {**full_raw(record), **raw_changes},
                has_resume="candidateResume" in new.get("sealed", {}),
                resume_skills=resume_skills,
                previous=record,
                enrichment=record.get("enrichment"),
                overrides=record.get("overrides", []),
                cooccurrence=cooccurrence,
            )
        )
    return new


def _touches_content(changes: Mapping[str, Any]) -> bool:
    return any(f in CONTENT_FIELDS for f in changes) or "candidateResume" in (
        *changes.get("sealed", {}),
        *changes.get("sealedCleared", []),
    )


def _update(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    changes = dict(command["payload"])
    requested_status = changes.pop("status", None)
    state = record.get("workflowState")
    wants_status = requested_status is not None and requested_status != record.get("status")
    if wants_status:
        action = STATUS_ACTIONS.get(requested_status)
        if action is None:
            return Decision(
                rejected(
                    409,
                    "invalid_transition",
                    f"Cannot set status to {requested_status}: the interview is in state "
                    f"{state or 'null'}; a user may only set status approved or rejected, "
                    "from pending",
                )
            )
        if _touches_content(changes):
            return Decision(
                rejected(
                    409,
                    "invalid_transition",
                    f"Cannot edit content and set status to {requested_status} at once: the "
                    f"interview is in state {state or 'null'}; send them separately",
                )
            )
    events: tuple[str, ...] = ()
    if _touches_content(changes):
        step = lifecycle.content_edited(record)
        if step.illegal is not None:
            return Decision(_not_allowed(step.illegal))
        assert step.record is not None
        record_now, events = step.record, step.events
    else:
        record_now = record
    new = _content_changes(record_now, changes, cooccurrence)
    if wants_status:
        step = lifecycle.acted(new, {"action": STATUS_ACTIONS[requested_status]})
        if step.illegal is not None:
            return Decision(_not_allowed(step.illegal))
        assert step.record is not None
        new, events = step.record, events + step.events
    return _changed(record, new, command, offset, 200, ("interview.updated", *events))


def _changed(
    record: dict[str, Any],
    new: dict[str, Any],
    command: Command,
    offset: int,
    http_status: int,
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
        http_status,
        events,
        first_sequence=first,
    )
    _remember(new, applied)
    return Decision(accepted(new, http_status), new, events, applied)


def _unchanged(record: dict[str, Any]) -> Decision:
    return Decision(accepted(record, 200))


def _step(record: dict[str, Any], step: lifecycle.Step, command: Command, offset: int) -> Decision:
    if step.illegal is not None:
        return Decision(_not_allowed(step.illegal))
    if step.record is None:
        return _unchanged(record)
    return _changed(record, step.record, command, offset, 200, step.events)


def _delete(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """Deleting keeps a tombstone without content (and without personal data), so replays and
    versions stay decidable."""
    tombstone: dict[str, Any] = {
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
        204,
        events,
        first_sequence=tombstone["sequence"],
    )
    _remember(tombstone, applied)
    return Decision(accepted({}, 204), tombstone, events, applied)


def _override(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    state = record.get("workflowState")
    if state not in EDITABLE_STATES:
        illegal = IllegalTransition(state, "apply an override", allowed_actions(state))
        return Decision(_not_allowed(illegal))
    new = with_override(record, command, cooccurrence)
    step = lifecycle.content_edited(new)  # a pending plan is made again
    assert step.record is not None
    return _changed(record, step.record, command, offset, 201, ("interview.updated", *step.events))


def _enrich(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The background enricher's findings; a no-op (200, nothing stored) when they change
    nothing or come too late."""
    new = with_enrichment(record, command, cooccurrence)
    if new is None:
        return _unchanged(record)
    return _changed(record, new, command, offset, 200, ("interview.updated",))


def _validated(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return _step(record, lifecycle.validated(record, command["payload"]), command, offset)


def _plan_generated(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return _step(record, lifecycle.plan_generated(record, command["payload"]), command, offset)


def _workflow(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return _step(record, lifecycle.acted(record, command["payload"]), command, offset)


def _supply_info(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """Missing information supplied (Integration API): merged like an edit, then on to
    validation again."""
    step = lifecycle.acted(record, {"action": "info_supplied"})
    if step.illegal is not None:
        return Decision(_not_allowed(step.illegal))
    assert step.record is not None
    new = _content_changes(step.record, dict(command["payload"]), cooccurrence)
    return _changed(record, new, command, offset, 200, step.events)


def _purge(
    record: dict[str, Any], command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The candidate's personal data is gone (its data key was destroyed first): drop the
    sealed copies; keep everything else (assessment, skills, counts)."""
    new = {k: v for k, v in record.items() if k != "sealed"}
    new["candidatePurgedAt"] = command["issuedAt"]
    return _changed(record, new, command, offset, 200, ("interview.candidate_data_purged",))


_HANDLERS: dict[str, Callable[[dict[str, Any], Command, int, Cooccurrence], Decision]] = {
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


# --- counts ---------------------------------------------------------------------------------


def empty_counts() -> dict[str, Any]:
    return {"byStatus": {}, "offsets": {}}


def count_change(counts: dict[str, Any] | None, applied: Applied) -> dict[str, Any] | None:
    """The tenant's counts after ``applied``, or None when that command was counted already
    (the counts remember the offset of the last command they counted, per source)."""
    current = counts or empty_counts()
    if applied.offset <= last_offset(current, applied.source):
        return None
    by_status = dict(current["byStatus"])
    if applied.status_before is not None:
        by_status[applied.status_before] = by_status.get(applied.status_before, 0) - 1
    if applied.status_after is not None:
        by_status[applied.status_after] = by_status.get(applied.status_after, 0) + 1
    offsets = {**current.get("offsets", {}), applied.source: applied.offset}
    return {"byStatus": {k: v for k, v in by_status.items() if v}, "offsets": offsets}


def counts_view(counts: dict[str, Any] | None) -> dict[str, int]:
    """The seed's ``{total, planned, approved, inProgress, infoNeeded}`` plus the rest.
    ``approved`` counts approved and completed interviews (seed note)."""
    by = (counts or empty_counts())["byStatus"]
    return {
        "total": sum(by.values()),
        "planned": by.get("planned", 0),
        "approved": by.get("approved", 0) + by.get("completed", 0),
        "inProgress": by.get("in_progress", 0),
        "infoNeeded": by.get("info_needed", 0),
        "completed": by.get("completed", 0),
        "rejected": by.get("rejected", 0),
        "cancelled": by.get("cancelled", 0),
    }

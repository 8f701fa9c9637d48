"""Decisions of the interview agent, as plain functions (no Faust, no I/O).

``decide(record, command)`` returns what to do with one command: the new record (or None
when nothing changes), the outcome to answer with, and the event to publish. It is
deterministic — every timestamp comes from the command — so a command replayed after a crash
decides the same way.

Idempotency under redelivery: the agent passes each command's offset on its partition (a
tenant lives on one partition, so offsets order a tenant's commands). Every record and every
tenant's counts remember the offset of the last command applied to them, so a command replayed
after a crash is recognised as applied even when only some of the agent's table writes had
reached Kafka. Each record also remembers its last ``APPLIED_MEMORY`` commands with the status
before and after, to answer a replay exactly as the first time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hirestream.agents.interviews.content import canonical_content, raw_payload
from hirestream.agents.interviews.curation import with_enrichment, with_override
from hirestream.agents.interviews.states import (
    EDITABLE_STATES,
    allowed_user_actions,
    status_of,
    user_status_target,
)
from hirestream.topics.records import Command, Outcome, accepted, rejected

APPLIED_MEMORY = 32

#: Content fields: editing one of them re-runs canonicalisation and planning; after
#: approval they are frozen (API.md §4).
CONTENT_FIELDS = frozenset({"skills", "jobDescription", "position", "level", "candidateResume"})

NOT_FOUND: Outcome = rejected(404, "not_found", "Interview not found")

EVENT_OF_COMMAND = {
    "interview.create": "interview.created",
    "interview.update": "interview.updated",
    "interview.delete": "interview.deleted",
    "interview.override": "interview.updated",
    "interview.enrich": "interview.updated",
}


@dataclass(frozen=True)
class Applied:
    """What a command did to one record: for replays and for the counts."""

    command_id: str
    offset: int  # where the command that changed the record stood on its partition
    status_before: str | None  # None: the record did not exist
    status_after: str | None  # None: the record no longer exists
    http_status: int

    def to_json(self) -> dict[str, Any]:
        return {
            "commandId": self.command_id,
            "offset": self.offset,
            "statusBefore": self.status_before,
            "statusAfter": self.status_after,
            "httpStatus": self.http_status,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Applied:
        return cls(
            raw["commandId"],
            raw["offset"],
            raw["statusBefore"],
            raw["statusAfter"],
            raw["httpStatus"],
        )


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    record: dict[str, Any] | None = None  # the record to store; None: store nothing
    event_type: str | None = None  # the event to publish about ``record``
    applied: Applied | None = None  # set when the command changed (or had changed) a record


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


def decide(
    record: dict[str, Any] | None,
    command: Command,
    offset: int,
    cooccurrence: Mapping[str, Mapping[str, int]] | None = None,
) -> Decision:
    """Decide one command (at ``offset`` on its partition) against its interview's record.
    ``cooccurrence`` is the tenant's learned skill co-occurrence (for related skills)."""
    previous = find_applied(record, command["commandId"])
    if previous is None and record is not None and offset <= record.get("offset", -1):
        # Redelivered, and applied so long ago that the record forgot it: answer as of now.
        previous = Applied(command["commandId"], offset, record["status"], record["status"], 200)
    if previous is not None and record is not None:
        return _replayed(record, command, previous)
    kind = command["type"]
    if kind == "interview.create":
        decision = _create(record, command, offset, cooccurrence)
    elif kind == "interview.update":
        decision = _update(record, command, offset, cooccurrence)
    elif kind == "interview.delete":
        decision = _delete(record, command, offset)
    elif kind == "interview.override":
        decision = _override(record, command, offset, cooccurrence)
    elif kind == "interview.enrich":
        decision = _enrich(record, command, offset, cooccurrence)
    else:
        decision = Decision(rejected(400, "unknown_command", f"Unknown command type {kind!r}"))
    if decision.record is not None:
        decision.record["offset"] = offset
    return decision


def _replayed(record: dict[str, Any], command: Command, previous: Applied) -> Decision:
    """The record already carries this command: answer as the first time, store nothing,
    and publish the event again (consumers deduplicate on eventId)."""
    event = EVENT_OF_COMMAND.get(command["type"])
    if previous.http_status == 204:
        return Decision(accepted({}, 204), None, event, previous)
    return Decision(accepted(record, previous.http_status), None, event, previous)


def _create(
    record: dict[str, Any] | None,
    command: Command,
    offset: int,
    cooccurrence: Mapping[str, Mapping[str, int]] | None,
) -> Decision:
    if record is not None:
        return Decision(rejected(409, "already_exists", "An interview with this id already exists"))
    at = command["issuedAt"]
    payload = dict(command["payload"])
    raw = payload.pop("rawPayload", None) or raw_payload(payload)
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
    }
    new.setdefault("workflowState", None)
    new["status"] = status_of(new["workflowState"])
    applied = Applied(command["commandId"], offset, None, new["status"], 201)
    _remember(new, applied)
    return Decision(accepted(new, 201), new, "interview.created", applied)


def _update(
    record: dict[str, Any] | None,
    command: Command,
    offset: int,
    cooccurrence: Mapping[str, Mapping[str, int]] | None,
) -> Decision:
    if record is None or not _exists(record):
        return Decision(NOT_FOUND)
    changes = dict(command["payload"])
    state = record.get("workflowState")
    requested_status = changes.pop("status", None)
    touches_content = any(f in CONTENT_FIELDS for f in changes) or (
        "candidateResume" in changes.get("sealed", {})
    )
    if touches_content and state not in EDITABLE_STATES:
        return Decision(_not_allowed(state, "edit content"))
    cleared = changes.pop("sealedCleared", [])
    raw_changes = changes.pop("rawPayload", None) or raw_payload(changes)
    resume_skills = changes.pop("resumeSkills", None)
    new = {**record, **changes}
    if "sealed" in changes or cleared:
        sealed = {**record.get("sealed", {}), **changes.get("sealed", {})}
        new["sealed"] = {k: v for k, v in sealed.items() if k not in cleared}
    if touches_content:
        new.update(
            canonical_content(
                {**record.get("rawPayload", {}), **raw_changes},
                has_resume="candidateResume" in new.get("sealed", {}),
                resume_skills=resume_skills,
                previous=record,
                enrichment=record.get("enrichment"),
                overrides=record.get("overrides", []),
                cooccurrence=cooccurrence,
            )
        )
    if requested_status is not None and requested_status != record.get("status"):
        target = user_status_target(state, requested_status)
        if target is None:
            return Decision(_not_allowed(state, f"set status to {requested_status}"))
        new["workflowState"] = target
    new["status"] = status_of(new.get("workflowState"))
    return _changed(record, new, command, offset, 200)


def _changed(
    record: dict[str, Any], new: dict[str, Any], command: Command, offset: int, http_status: int
) -> Decision:
    """A new version of an existing record, published as ``interview.updated``."""
    new["version"] = record["version"] + 1
    new["updatedAt"] = command["issuedAt"]
    applied = Applied(command["commandId"], offset, record["status"], new["status"], http_status)
    _remember(new, applied)
    return Decision(accepted(new, http_status), new, "interview.updated", applied)


def _override(
    record: dict[str, Any] | None,
    command: Command,
    offset: int,
    cooccurrence: Mapping[str, Mapping[str, int]] | None,
) -> Decision:
    if record is None or not _exists(record):
        return Decision(NOT_FOUND)
    state = record.get("workflowState")
    if state not in EDITABLE_STATES:
        return Decision(_not_allowed(state, "apply an override"))
    return _changed(record, with_override(record, command, cooccurrence), command, offset, 201)


def _enrich(
    record: dict[str, Any] | None,
    command: Command,
    offset: int,
    cooccurrence: Mapping[str, Mapping[str, int]] | None,
) -> Decision:
    """The background enricher's findings; a no-op (200, nothing stored) when they change
    nothing or come too late."""
    if record is None or not _exists(record):
        return Decision(NOT_FOUND)
    new = with_enrichment(record, command, cooccurrence)
    if new is None:
        return Decision(accepted(record, 200))
    return _changed(record, new, command, offset, 200)


def _delete(record: dict[str, Any] | None, command: Command, offset: int) -> Decision:
    """Deleting keeps a tombstone without content (and without personal data), so replays and
    versions stay decidable."""
    if record is None or not _exists(record):
        return Decision(NOT_FOUND)
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
    }
    applied = Applied(command["commandId"], offset, record["status"], None, 204)
    _remember(tombstone, applied)
    return Decision(accepted({}, 204), tombstone, "interview.deleted", applied)


def _not_allowed(state: str | None, action: str) -> Outcome:
    allowed = allowed_user_actions(state) or ["none"]
    return rejected(
        409,
        "invalid_transition",
        f"Cannot {action}: the interview is in state {state or 'null'}; "
        f"allowed actions: {', '.join(allowed)}",
    )


# --- counts ---------------------------------------------------------------------------------


def empty_counts() -> dict[str, Any]:
    return {"byStatus": {}, "offset": -1}


def count_change(counts: dict[str, Any] | None, applied: Applied) -> dict[str, Any] | None:
    """The tenant's counts after ``applied``, or None when that command was counted already
    (the counts remember the offset of the last command they counted)."""
    current = counts or empty_counts()
    if applied.offset <= current["offset"]:
        return None
    by_status = dict(current["byStatus"])
    if applied.status_before is not None:
        by_status[applied.status_before] = by_status.get(applied.status_before, 0) - 1
    if applied.status_after is not None:
        by_status[applied.status_after] = by_status.get(applied.status_after, 0) + 1
    return {"byStatus": {k: v for k, v in by_status.items() if v}, "offset": applied.offset}


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

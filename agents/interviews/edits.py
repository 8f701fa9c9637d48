"""Decisions on an interview's content: create, update, delete, override, enrichment,
supplied information and the candidate-data purge (docs/api.md §3, §5, §8). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from hirestream.agents.interviews import lifecycle
from hirestream.agents.interviews.content import canonical_content
from hirestream.agents.interviews.curation import with_enrichment, with_override
from hirestream.agents.interviews.decision import (
    Applied,
    Cooccurrence,
    Decision,
    changed,
    exists,
    not_allowed,
    refused,
    remember,
    unchanged,
)
from hirestream.agents.interviews.session import without_candidate_turns
from hirestream.agents.workflow.transitions import (
    EDITABLE_STATES,
    IllegalTransition,
    allowed_actions,
)
from hirestream.tables.records import InterviewRecord, full_raw, with_fields
from hirestream.topics.commands import raw_payload
from hirestream.topics.records import Command
from hirestream.topics.vocabulary import status_of

#: Content fields: editing one of them re-runs canonicalisation, validation and planning;
#: after approval they are frozen (docs/api.md §4).
CONTENT_FIELDS = frozenset(
    {"skills", "jobDescription", "position", "level", "qualifications", "candidateResume"}
)

#: A user's ``status`` in PUT /interviews/:id, as a workflow action (docs/api.md §4).
STATUS_ACTIONS = {"approved": "approve", "rejected": "reject"}


def create(
    record: InterviewRecord | None, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    if record is not None:
        external = command["payload"].get("externalId")
        if external and exists(record) and record.get("externalId") == external:
            # The partner's idempotency key outlives the command log: the existing interview.
            return Decision("existing", shown=record, replayed=True)
        return refused("already_exists")
    at = command["issuedAt"]
    payload = dict(command["payload"])
    raw = payload.pop("rawPayload", None) or raw_payload(payload)
    payload.pop("sealedCleared", None)
    resume_skills = payload.pop("resumeSkills", None)
    tokens = payload.pop("searchTokens", {})
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
    new = _with_search_tokens(new, {}, payload.get("sealed", {}), tokens, [])
    events = ("interview.created",)
    new["sequence"] = len(events)
    applied = Applied(command["commandId"], offset, None, new["status"], "created", events)
    remember(new, applied)
    return Decision("created", None, new, new, events, applied)


def _content_changes(
    record: InterviewRecord, changes: dict[str, Any], cooccurrence: Cooccurrence
) -> InterviewRecord:
    """``record`` with content ``changes`` (fields as validated, ``rawPayload`` as sent,
    ``sealed`` personal fields with their ``searchTokens``, ``sealedCleared``,
    ``resumeSkills``) applied and canonicalised again."""
    changes = dict(changes)
    cleared = changes.pop("sealedCleared", [])
    raw_changes = changes.pop("rawPayload", None) or raw_payload(changes)
    resume_skills = changes.pop("resumeSkills", None)
    tokens = changes.pop("searchTokens", {})
    new = cast(InterviewRecord, {**record, **changes})
    if "sealed" in changes or cleared:
        sealed = {**record.get("sealed", {}), **changes.get("sealed", {})}
        new["sealed"] = {k: v for k, v in sealed.items() if k not in cleared}
        new = _with_search_tokens(new, record, changes.get("sealed", {}), tokens, cleared)
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


def _with_search_tokens(
    new: InterviewRecord,
    record: Mapping[str, Any],
    resealed: Mapping[str, str],
    tokens: Mapping[str, str],
    cleared: list[str],
) -> InterviewRecord:
    """``new`` with the search tokens of its sealed name and email: a field sealed again takes
    the tokens sent with it (none, when none were: stale tokens would find the old value), a
    cleared field drops its tokens, the others keep theirs."""
    kept = {
        k: v
        for k, v in record.get("searchTokens", {}).items()
        if k not in resealed and k not in cleared
    }
    merged = {**kept, **{k: v for k, v in tokens.items() if k in resealed}}
    new = cast(InterviewRecord, {k: v for k, v in new.items() if k != "searchTokens"})
    if merged:
        new["searchTokens"] = merged
    return new


def _touches_content(changes: Mapping[str, Any]) -> bool:
    return any(f in CONTENT_FIELDS for f in changes) or "candidateResume" in (
        *changes.get("sealed", {}),
        *changes.get("sealedCleared", []),
    )


def update(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    changes = dict(command["payload"])
    requested_status = changes.pop("status", None)
    state = record.get("workflowState")
    wants_status = requested_status is not None and requested_status != record.get("status")
    if wants_status:
        action = STATUS_ACTIONS.get(requested_status)
        if action is None:
            return refused("status_not_settable", state=state, status=requested_status)
        if _touches_content(changes):
            return refused("edit_with_status", state=state, status=requested_status)
    events: tuple[str, ...] = ()
    if _touches_content(changes):
        step = lifecycle.content_edited(record)
        if step.illegal is not None:
            return not_allowed(step.illegal)
        assert step.record is not None
        record_now, events = step.record, step.events
    else:
        record_now = record
    new = _content_changes(record_now, changes, cooccurrence)
    if wants_status:
        step = lifecycle.acted(new, {"action": STATUS_ACTIONS[requested_status]})
        if step.illegal is not None:
            return not_allowed(step.illegal)
        assert step.record is not None
        new, events = step.record, events + step.events
    return changed(record, new, command, offset, "updated", ("interview.updated", *events))


def delete(
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
    remember(tombstone, applied)
    return Decision("deleted", None, None, tombstone, events, applied)


def override(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    state = record.get("workflowState")
    if state not in EDITABLE_STATES:
        illegal = IllegalTransition(state, "override", allowed_actions(state))
        return not_allowed(illegal)
    new = with_override(record, command, cooccurrence)
    step = lifecycle.content_edited(new)  # a pending plan is made again
    assert step.record is not None
    events = ("interview.updated", *step.events)
    return changed(record, step.record, command, offset, "created", events)


def enrich(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The background enricher's findings; a no-op (200, nothing stored) when they change
    nothing or come too late."""
    new = with_enrichment(record, command, cooccurrence)
    if new is None:
        return unchanged(record)
    return changed(record, new, command, offset, "updated", ("interview.updated",))


def supply_info(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """Missing information supplied (Integration API): merged like an edit, then on to
    validation again."""
    step = lifecycle.acted(record, {"action": "info_supplied"})
    if step.illegal is not None:
        return not_allowed(step.illegal)
    assert step.record is not None
    new = _content_changes(step.record, dict(command["payload"]), cooccurrence)
    return changed(record, new, command, offset, "updated", step.events)


def purge(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The candidate's personal data is erased: drop the sealed copies with their search
    tokens and the session's answers (the agent destroys the data key next); keep everything
    else (assessment, skills, counts)."""
    new = cast(
        InterviewRecord,
        {k: v for k, v in record.items() if k not in ("sealed", "searchTokens")},
    )
    new["candidatePurgedAt"] = command["issuedAt"]
    if "session" in record:  # the answers are the candidate's; the questions stay
        new["session"] = without_candidate_turns(record["session"])
    events = ("interview.candidate_data_purged",)
    return changed(record, new, command, offset, "updated", events)

"""Recruiter overrides and background enrichment of an interview's canonical content
(docs/api.md §5). Pure; called by ``decide``.

An override is an immutable patch ``{id, interviewId, actor, createdAt, addSkills, removeSkills,
roleFamily, reason, before, after}`` appended to the record's ``overrides``; canonical content
is always computed with every patch applied in order, so later content edits keep them.
Enrichment records what the background enricher resolved (unknown skill → canonical skill,
unknown title → role family) and is folded into the canonical content the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hirestream.agents.enrich.canonical import apply_override
from hirestream.agents.interviews.content import recanonicalised
from hirestream.agents.workflow.transitions import EDITABLE_STATES
from hirestream.tables.records import InterviewRecord, with_fields
from hirestream.topics.records import Command


def _summary(record: Mapping[str, Any]) -> dict[str, Any]:
    payload = record.get("canonicalPayload") or {}
    return {
        "skills": payload.get("skills", []),
        "roleFamily": payload.get("roleFamily"),
        "roleCategory": payload.get("roleCategory"),
    }


def with_override(
    record: InterviewRecord,
    command: Command,
    cooccurrence: Mapping[str, Mapping[str, int]] | None,
) -> InterviewRecord:
    """The record with the command's override patch applied (state already checked)."""
    body = command["payload"]
    patch: dict[str, Any] = {
        "id": command["commandId"],
        "interviewId": record["id"],
        "actor": f"{command['actor']['kind']}:{command['actor']['id']}",
        "createdAt": command["issuedAt"],
        "addSkills": apply_override([], body.get("addSkills", []), []),
        "removeSkills": apply_override([], body.get("removeSkills", []), []),
        "roleFamily": body.get("roleFamily"),
        "reason": body.get("reason"),
        "before": _summary(record),
    }
    new: InterviewRecord = {**record, "overrides": [*record.get("overrides", []), patch]}
    new = with_fields(new, recanonicalised(new, cooccurrence))
    new["overrides"][-1] = {**patch, "after": _summary(new)}
    return new


def merged_enrichment(
    current: Mapping[str, Any] | None, found: Mapping[str, Any]
) -> dict[str, Any]:
    current = current or {}
    merged: dict[str, Any] = {"skills": {**current.get("skills", {}), **found.get("skills", {})}}
    title = found.get("title") or current.get("title")
    if title:
        merged["title"] = title
    return merged


def with_enrichment(
    record: InterviewRecord,
    command: Command,
    cooccurrence: Mapping[str, Mapping[str, int]] | None,
) -> InterviewRecord | None:
    """The record with the enricher's findings folded in, or None when nothing changes
    (nothing new, or the interview is past the point where its content may change)."""
    if record.get("workflowState") not in EDITABLE_STATES:
        return None
    enrichment = merged_enrichment(record.get("enrichment"), command["payload"])
    if enrichment == (record.get("enrichment") or {"skills": {}}):
        return None
    new: InterviewRecord = {**record, "enrichment": enrichment}
    return with_fields(new, recanonicalised(new, cooccurrence))

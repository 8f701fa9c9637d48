"""Workflow steps of an interview (docs/api.md §4), as decisions on its record. Pure.

Validation verdicts and plans come as ``interview.validated`` and ``interview.plan_generated``
(follow-up steps the interview agent takes in the message that called for them,
``followups.py``); people act through ``interview.workflow`` (approve, reject,
revise, cancel) and ``interview.supply_info``. Each moves ``workflowState`` along
``agents.workflow.transitions`` and returns the events to publish, in order. A report about an
older version of the record than the current one is stale and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hirestream.agents.workflow.transitions import IllegalTransition, Transition, try_transition
from hirestream.tables.records import InterviewRecord, with_fields
from hirestream.topics.vocabulary import status_of

#: How many earlier assessments a record keeps (a retrigger makes a new one).
ASSESSMENT_HISTORY = 10


@dataclass(frozen=True)
class Step:
    """The record after a workflow step, and the events it publishes (in order)."""

    record: InterviewRecord | None  # None: nothing changes
    events: tuple[str, ...] = ()
    illegal: IllegalTransition | None = None


def _walk(
    record: InterviewRecord, actions: list[str], **switches: bool
) -> tuple[InterviewRecord, tuple[str, ...]] | IllegalTransition:
    state = record.get("workflowState")
    events: list[str] = []
    for action in actions:
        step = try_transition(state, action, **switches)
        if isinstance(step, IllegalTransition):
            return step
        assert isinstance(step, Transition)
        state = step.state
        events.extend(step.events)
    new: InterviewRecord = {**record, "workflowState": state, "status": status_of(state)}
    return new, tuple(events)


def _stepped(
    record: InterviewRecord, actions: list[str], changes: Mapping[str, Any], **switches: bool
) -> Step:
    walked = _walk(record, actions, **switches)
    if isinstance(walked, IllegalTransition):
        return Step(None, illegal=walked)
    new, events = walked
    return Step(with_fields(new, changes), events)


def stale(record: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    return bool(payload.get("basedOnVersion") != record["version"])


def validated(record: InterviewRecord, payload: Mapping[str, Any]) -> Step:
    """The validation agent's verdict on ``basedOnVersion`` of the record."""
    if stale(record, payload):
        return Step(None)
    verdict = payload["validation"]
    state = record.get("workflowState")
    actions = ["receive"] if state is None else []
    if state in (None, "received"):
        actions += (
            ["info_valid", "skills_validated"] if verdict["outcome"] == "ok" else ["info_missing"]
        )
    elif state == "validating_skills":
        actions += ["skills_validated"] if verdict["outcome"] == "ok" else ["info_missing"]
    else:
        return Step(None)  # moved on since: nothing to do
    return _stepped(record, actions, {"validation": verdict})


def plan_generated(record: InterviewRecord, payload: Mapping[str, Any]) -> Step:
    """The planner's plan for ``basedOnVersion``; with ``autoApprovePlans`` straight on to
    approved."""
    if stale(record, payload) or record.get("workflowState") != "generating_plan":
        return Step(None)
    plan = payload["plan"]
    return _stepped(
        record,
        ["plan_generated"],
        {"plan": plan, "planId": plan["planId"], "runId": payload["runId"]},
        auto_approve_plans=bool(payload.get("autoApprovePlans")),
    )


def acted(record: InterviewRecord, payload: Mapping[str, Any]) -> Step:
    """A person's action: approve, reject, revise (with notes) or cancel a plan; approve or
    reject an assessment, or ask for a new one."""
    action = payload["action"]
    changes: dict[str, Any] = {}
    if action == "revise":
        changes["revisionNotes"] = [*record.get("revisionNotes", []), payload.get("notes", "")]
    if action == "reject" and payload.get("feedback"):
        changes["rejectionFeedback"] = payload["feedback"]
    current = record.get("assessment")
    if action in ("assessment_approve", "assessment_reject") and current:
        status = "approved" if action == "assessment_approve" else "rejected"
        changes["assessment"] = {**current, "status": status}
    return _stepped(record, [action], changes)


def assessed(record: InterviewRecord, assessment: Mapping[str, Any], *, auto_approve: bool) -> Step:
    """The assessor's result on a completed interview: assessment_pending, or straight on to
    assessment_approved with the tenant's ``autoApproveAssessments``."""
    status = "approved" if auto_approve else "pending"
    shown = {**assessment, "status": status}
    demonstrated = demonstrated_skills(assessment, record.get("plan") or {})
    history = [*record.get("assessments", []), shown][-ASSESSMENT_HISTORY:]
    changes = {
        "assessment": shown,
        "assessments": history,
        "candidateDemonstratedSkills": demonstrated,
    }
    return _stepped(record, ["assessment_ready"], changes, auto_approve_assessments=auto_approve)


#: Competency kinds that are skills (the taxonomy's, or a custom skill named by the job); a
#: qualification statement or the role itself is assessed but is not a skill.
SKILL_KINDS = ("skill", "behavioural")


def demonstrated_skills(assessment: Mapping[str, Any], plan: Mapping[str, Any]) -> list[str]:
    """The skills the candidate showed (scored 2 of 4 or more), in the plan's words: the
    canonical names its competencies took from the taxonomy, as the claimed and evidenced
    skills are. Assessed competencies the plan does not name as skills are left out; without
    a plan (an older record) every assessed name counts."""
    competencies = plan.get("competencies")
    kinds = (
        {c.get("name"): c.get("kind") for c in competencies if isinstance(c, Mapping)}
        if isinstance(competencies, list)
        else None
    )
    return [
        s["skill"]
        for s in assessment.get("skills", [])
        if s.get("score", 0) >= 2 and (kinds is None or kinds.get(s["skill"]) in SKILL_KINDS)
    ]


def content_edited(record: InterviewRecord) -> Step:
    """Content changed while planning or pending: back to validation and planning."""
    return _stepped(record, ["edit_content"], {})

"""Decisions that move an interview along the workflow: the validation agent's verdict, the
planner's plan, the assessor's assessment, and a person's actions (docs/api.md §4–§6). Pure."""

from __future__ import annotations

from dataclasses import replace

from hirestream.agents.interviews import lifecycle
from hirestream.agents.interviews.decision import Cooccurrence, Decision, step, unchanged
from hirestream.tables.records import InterviewRecord, with_fields
from hirestream.topics.records import Command


def validated(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return step(record, lifecycle.validated(record, command["payload"]), command, offset)


def plan_generated(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return step(record, lifecycle.plan_generated(record, command["payload"]), command, offset)


def workflow(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    return step(record, lifecycle.acted(record, command["payload"]), command, offset)


def assessed(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The assessor's result for one completion (``basedOnSequence``: the sequence of the
    ``interview.completed`` or ``interview.assessment_requested`` event it answers). One
    assessment per completion: a result for a completion already assessed, or arriving when
    the interview is no longer waiting for one, changes nothing."""
    payload = command["payload"]
    if (
        record.get("workflowState") != "completed"
        or record.get("assessedSequence", 0) >= payload["basedOnSequence"]
    ):
        return unchanged(record)
    assessment = {**payload["assessment"], "assessedAt": command["issuedAt"]}
    moved = lifecycle.assessed(
        record, assessment, auto_approve=bool(payload.get("autoApproveAssessments"))
    )
    if moved.record is not None:
        moved = replace(
            moved,
            record=with_fields(moved.record, {"assessedSequence": payload["basedOnSequence"]}),
        )
    return step(record, moved, command, offset)

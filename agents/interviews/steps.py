"""Decisions that move an interview along the workflow: the validation agent's verdict, the
planner's plan, and a person's approve, reject, revise or cancel (docs/api.md §4, §5). Pure."""

from __future__ import annotations

from hirestream.agents.interviews import lifecycle
from hirestream.agents.interviews.decision import Cooccurrence, Decision, step
from hirestream.tables.records import InterviewRecord
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

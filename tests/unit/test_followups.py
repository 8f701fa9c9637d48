"""The workflow steps the interview agent takes itself after a command: validation and
planning, decided like the separate agents' reports were, remembered under the trigger."""

from __future__ import annotations

import uuid
from typing import Any, cast

import pytest

from hirestream.agents.interviews.decide import decide
from hirestream.agents.interviews.decision import Decision, applied_with, net_change
from hirestream.agents.interviews.followups import MAX_STEPS, followed, waiting_for
from hirestream.tables.records import InterviewRecord
from hirestream.topics.records import Command

T0 = "2024-03-01T09:00:00.000Z"
SEALED = {"candidateName": "n" * 40, "candidateEmail": "e" * 40}


def command(kind: str, interview_id: str = "i1", **payload: Any) -> Command:
    return {
        "commandId": str(uuid.uuid4()),
        "type": kind,
        "tenantId": "t1",
        "interviewId": interview_id,
        "actor": {"kind": "user", "id": "u1"},
        "requestId": "",
        "issuedAt": T0,
        "fingerprint": "",
        "payload": payload,
    }


def created(**payload: Any) -> tuple[Command, InterviewRecord]:
    body = {
        "position": "Backend Engineer",
        "level": "senior",
        "skills": ["Python", "PostgreSQL"],
        "sealed": dict(SEALED),
        **payload,
    }
    trigger = command("interview.create", **body)
    decision = decide(None, trigger, 7)
    assert decision.record is not None
    return trigger, decision.record


def chain_after(
    record: InterviewRecord, trigger: Command, *, auto: bool = False, source: str = "commands"
) -> list[Decision]:
    """What the agent does after ``trigger``: every step the record waits for, in turn."""
    steps: list[Decision] = []
    for _ in range(MAX_STEPS):
        step = waiting_for(record)
        if step is None:
            break
        taken = followed(record, trigger, step, offset=7, source=source, auto_approve_plans=auto)
        if taken.record is None:
            break
        steps.append(taken)
        record = taken.record
    return steps


def test_a_created_interview_is_validated_and_planned_in_the_same_message() -> None:
    trigger, record = created()
    steps = chain_after(record, trigger)
    final = steps[-1].record
    assert final is not None
    assert final["workflowState"] == "pending"
    plan: dict[str, Any] = final["plan"]  # type: ignore[assignment]
    validation: dict[str, Any] = final["validation"]  # type: ignore[assignment]
    assert plan["planId"] == final["planId"]
    assert validation["outcome"] == "ok"
    events = [e for s in steps for e in s.events]
    assert events == [
        "interview.received",
        "interview.validating_skills",
        "interview.generating_plan",
        "interview.plan_generated",
    ]
    # every step is a new version with its own events numbered after the previous ones
    assert [s.record["version"] for s in steps if s.record] == [2, 3]
    assert steps[0].first_sequence == record["sequence"] + 1
    assert steps[1].first_sequence == steps[0].first_sequence + len(steps[0].events)


def test_auto_approve_plans_goes_straight_to_approved() -> None:
    trigger, record = created()
    final = chain_after(record, trigger, auto=True)[-1].record
    assert final is not None and final["workflowState"] == "approved"
    assert final["status"] == "approved"


def test_missing_information_stops_at_info_needed_and_waits() -> None:
    trigger, record = created(position=None, sealed={})
    steps = chain_after(record, trigger)
    assert len(steps) == 1
    final = steps[0].record
    assert final is not None and final["workflowState"] == "info_needed"
    assert waiting_for(final) is None
    validation: dict[str, Any] = final["validation"]  # type: ignore[assignment]
    assert set(validation["missingFields"]) >= {"position"}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (None, "validate"),
        ("received", "validate"),
        ("validating_skills", "validate"),
        ("generating_plan", "plan"),
        ("info_needed", None),
        ("pending", None),
        ("approved", None),
        ("completed", None),
        ("cancelled", None),
    ],
)
def test_which_step_a_record_waits_for(state: str | None, expected: str | None) -> None:
    assert waiting_for(cast(InterviewRecord, {"workflowState": state})) == expected


def test_a_deleted_or_missing_record_waits_for_nothing() -> None:
    assert waiting_for(None) is None
    assert waiting_for(cast(InterviewRecord, {"workflowState": None, "deleted": True})) is None


def test_the_steps_are_deterministic_for_a_redelivered_trigger() -> None:
    trigger, record = created()
    first = chain_after(record, trigger)
    again = chain_after(record, trigger)
    assert [s.record for s in first] == [s.record for s in again]
    assert [s.applied for s in first] == [s.applied for s in again]


def test_steps_are_remembered_under_the_triggers_source_and_offset() -> None:
    trigger, record = created()
    steps = chain_after(record, trigger, source="internal")
    final = steps[-1].record
    assert final is not None
    assert {(s.applied.source, s.applied.offset) for s in steps if s.applied} == {("internal", 7)}
    # the create itself was read from the public topic at offset 7: not the same message
    assert [a.command_id for a in applied_with(final, "internal", 7)] == [
        s.applied.command_id for s in steps if s.applied
    ]


def test_a_redelivered_create_finds_its_whole_chain_and_the_net_count_change() -> None:
    trigger, record = created()
    steps = chain_after(record, trigger, auto=True)
    final = steps[-1].record
    assert final is not None
    everything = applied_with(final, "commands", 7)
    assert everything[0].command_id == trigger["commandId"]
    assert [e for a in everything for e in a.events] == [
        "interview.created",
        "interview.received",
        "interview.validating_skills",
        "interview.generating_plan",
        "interview.plan_generated",
        "interview.approved",
    ]
    net = net_change(everything)
    assert net is not None
    assert (net.status_before, net.status_after) == (None, "approved")
    replay = decide(final, trigger, 7)
    assert replay.replayed and replay.record is None
    assert waiting_for(final) is None  # nothing more to do on a redelivery


def test_a_stale_report_from_a_separate_agent_changes_nothing_after_the_steps() -> None:
    """A validation command sent before this change (still on the internal topic) arrives
    after the agent validated and planned the record itself."""
    trigger, record = created()
    final = chain_after(record, trigger)[-1].record
    assert final is not None
    late = command("interview.validated", validation={"outcome": "ok"}, basedOnVersion=1)
    decision = decide(final, late, 3, source="internal")
    assert decision.result == "unchanged" and decision.record is None


def test_a_revision_asked_for_is_planned_again_with_the_notes() -> None:
    trigger, record = created()
    pending = chain_after(record, trigger)[-1].record
    assert pending is not None
    revise = command("interview.workflow", action="revise", notes="more on databases")
    asked = decide(pending, revise, 8)
    assert asked.record is not None and asked.record["workflowState"] == "generating_plan"
    steps = chain_after(asked.record, revise)
    final = steps[-1].record
    assert final is not None and final["workflowState"] == "pending"
    plan: dict[str, Any] = final["plan"]  # type: ignore[assignment]
    before: dict[str, Any] = pending["plan"]  # type: ignore[assignment]
    assert plan["revisions"][-1]["notes"] == "more on databases"
    assert plan["planId"] != before["planId"]

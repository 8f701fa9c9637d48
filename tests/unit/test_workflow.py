"""The workflow state machine (docs/api.md §4): every state × every action, exhaustively."""

from __future__ import annotations

import itertools
import json

import pytest

from hirestream.agents.workflow.transitions import (
    ACTIONS,
    EDITABLE_STATES,
    STATES,
    TERMINAL_STATES,
    IllegalTransition,
    Transition,
    allowed_actions,
    integration_state,
    is_terminal,
    transition,
    try_transition,
)
from hirestream.topics.vocabulary import STATUS_OF_STATE

PLANNING = (None, "received", "info_needed", "validating_skills", "generating_plan", "pending")
NON_TERMINAL = (*PLANNING, "approved", "in_progress", "completed", "assessment_pending")

#: The documented table, written out independently of the implementation:
#: (state, action) -> (next state, events) without auto-approval.
EXPECTED: dict[tuple[str | None, str], tuple[str | None, tuple[str, ...]]] = {
    (None, "receive"): ("received", ("interview.received",)),
    ("received", "info_missing"): ("info_needed", ("interview.info_needed",)),
    ("received", "info_valid"): ("validating_skills", ("interview.validating_skills",)),
    ("info_needed", "info_missing"): ("info_needed", ("interview.info_needed",)),
    ("info_needed", "info_supplied"): ("validating_skills", ("interview.info_completed",)),
    ("validating_skills", "info_missing"): ("info_needed", ("interview.info_needed",)),
    ("validating_skills", "skills_validated"): ("generating_plan", ("interview.generating_plan",)),
    ("generating_plan", "plan_generated"): ("pending", ("interview.plan_generated",)),
    ("pending", "approve"): ("approved", ("interview.approved",)),
    ("pending", "reject"): ("rejected", ("interview.rejected",)),
    ("pending", "revise"): ("generating_plan", ("interview.revision_requested",)),
    ("approved", "conduct"): ("in_progress", ("interview.started",)),
    ("in_progress", "conduct"): ("in_progress", ()),
    ("in_progress", "session_ended"): ("completed", ("interview.completed",)),
    ("completed", "assessment_ready"): ("assessment_pending", ("interview.assessment_pending",)),
    ("assessment_pending", "assessment_approve"): (
        "assessment_approved",
        ("interview.assessment_approved",),
    ),
    ("assessment_pending", "assessment_reject"): ("completed", ("interview.assessment_rejected",)),
    ("completed", "retrigger_assessment"): ("completed", ("interview.assessment_requested",)),
    ("assessment_pending", "retrigger_assessment"): (
        "completed",
        ("interview.assessment_requested",),
    ),
    (None, "edit_content"): (None, ("interview.content_edited",)),
    **{
        (s, "edit_content"): ("received", ("interview.content_edited",))
        for s in PLANNING
        if s is not None
    },
    **{(s, "cancel"): ("cancelled", ("interview.cancelled",)) for s in NON_TERMINAL},
}


def test_the_state_and_action_lists() -> None:
    assert set(STATUS_OF_STATE) == set(STATES)  # every state has a dashboard status
    assert len(STATES) == 13
    assert set(ACTIONS) == {action for _, action in EXPECTED}
    assert set(TERMINAL_STATES) == {"rejected", "assessment_approved", "cancelled"}
    assert set(EDITABLE_STATES) == set(PLANNING)


@pytest.mark.parametrize(
    ("state", "action"), list(itertools.product(STATES, ACTIONS)), ids=lambda v: str(v)
)
def test_every_state_and_action(state: str | None, action: str) -> None:
    expected = EXPECTED.get((state, action))
    allowed = tuple(a for a in ACTIONS if (state, a) in EXPECTED)
    if expected is not None:
        step = transition(state, action)
        assert step == Transition(state, action, expected[0], expected[1])
        assert try_transition(state, action) == step
        assert step.status == STATUS_OF_STATE[expected[0]]
        return
    with pytest.raises(IllegalTransition) as raised:
        transition(state, action)
    error = raised.value
    assert (error.state, error.action, error.allowed_actions) == (state, action, allowed)
    assert f"in state {state or 'null'}" in str(error)
    assert f"allowed actions: {', '.join(allowed) or 'none'}" in str(error)
    assert action in str(error)
    assert try_transition(state, action) == error


@pytest.mark.parametrize("state", STATES, ids=str)
def test_allowed_actions_are_the_legal_ones(state: str | None) -> None:
    assert allowed_actions(state) == tuple(a for a in ACTIONS if (state, a) in EXPECTED)


@pytest.mark.parametrize("state", NON_TERMINAL, ids=str)
def test_every_non_terminal_state_can_be_cancelled(state: str | None) -> None:
    assert not is_terminal(state)
    assert transition(state, "cancel").state == "cancelled"


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES, key=str))
def test_terminal_states_allow_nothing(state: str) -> None:
    assert is_terminal(state)
    assert allowed_actions(state) == ()
    with pytest.raises(IllegalTransition, match="allowed actions: none"):
        transition(state, "cancel")


@pytest.mark.parametrize("state", ["approved", "in_progress", "completed", "assessment_pending"])
def test_content_edits_after_approval_are_illegal(state: str) -> None:
    error = try_transition(state, "edit_content")
    assert isinstance(error, IllegalTransition)
    assert "edit_content" not in error.allowed_actions
    assert error.message.startswith(f"Cannot edit_content: the interview is in state {state}")


@pytest.mark.parametrize("state", ["received", "info_needed", "generating_plan", "pending"])
def test_content_edits_while_planning_run_the_pipeline_again(state: str) -> None:
    step = transition(state, "edit_content")
    assert (step.state, step.event, step.status) == (
        "received",
        "interview.content_edited",
        "planned",
    )


def test_auto_approved_plan_publishes_both_events() -> None:
    step = transition("generating_plan", "plan_generated", auto_approve_plans=True)
    assert step.state == "approved"
    assert step.events == ("interview.plan_generated", "interview.approved")
    assert step.event == "interview.approved"
    # The flag means nothing elsewhere.
    assert transition("pending", "revise", auto_approve_plans=True).state == "generating_plan"
    assert transition("generating_plan", "plan_generated").state == "pending"


def test_auto_approved_assessment_publishes_both_events() -> None:
    step = transition("completed", "assessment_ready", auto_approve_assessments=True)
    assert step.state == "assessment_approved"
    assert step.events == ("interview.assessment_pending", "interview.assessment_approved")
    assert transition("completed", "assessment_ready", auto_approve_plans=True).state == (
        "assessment_pending"
    )


def test_a_rejected_assessment_can_be_retriggered_and_approved() -> None:
    state: str | None = "in_progress"
    for action in (
        "session_ended",
        "assessment_ready",
        "assessment_reject",
        "retrigger_assessment",
        "assessment_ready",
        "assessment_approve",
    ):
        state = transition(state, action).state
    assert state == "assessment_approved"


def test_the_happy_path_from_null() -> None:
    path = [
        "receive",
        "info_missing",
        "info_supplied",
        "skills_validated",
        "plan_generated",
        "revise",
        "plan_generated",
        "approve",
        "conduct",
        "conduct",
        "session_ended",
        "assessment_ready",
        "assessment_approve",
    ]
    state: str | None = None
    statuses = []
    for action in path:
        step = transition(state, action)
        state = step.state
        statuses.append(step.status)
    assert statuses == [
        "planned",
        "info_needed",
        "planned",
        "planned",
        "planned",
        "planned",
        "planned",
        "approved",
        "in_progress",
        "in_progress",
        "completed",
        "completed",
        "completed",
    ]


def test_conduct_again_is_a_silent_no_op() -> None:
    step = transition("in_progress", "conduct")
    assert not step.changed and step.events == () and step.event is None


def test_unknown_names_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="unknown workflow state"):
        transition("scheduled", "cancel")
    with pytest.raises(ValueError, match="unknown workflow action"):
        transition("pending", "approve_plan")
    with pytest.raises(ValueError, match="unknown workflow state"):
        allowed_actions("PENDING")


def test_json_shapes() -> None:
    step = transition("pending", "approve")
    assert json.loads(json.dumps(step.to_json())) == {
        "stateBefore": "pending",
        "action": "approve",
        "state": "approved",
        "statusBefore": "planned",
        "status": "approved",
        "events": ["interview.approved"],
    }
    error = try_transition("rejected", "approve")
    assert isinstance(error, IllegalTransition)
    assert error.to_json() == {
        "state": "rejected",
        "action": "approve",
        "allowedActions": [],
        "message": "Cannot approve: the interview is in state rejected; allowed actions: none",
    }


def test_integration_state_is_upper_case() -> None:
    assert integration_state("assessment_pending") == "ASSESSMENT_PENDING"
    assert integration_state(None) is None

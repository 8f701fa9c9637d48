"""The workflow state machine of docs/api.md §4: states, actions, and ``transition``. Pure.

One table maps ``(state, action)`` to the next state and the events to publish::

    null --receive--> received --info_valid--> validating_skills
    received | info_needed | validating_skills --info_missing--> info_needed
    info_needed --info_supplied--> validating_skills --skills_validated--> generating_plan
    generating_plan --plan_generated--> pending            (approved with autoApprovePlans)
    pending --approve--> approved | --reject--> rejected | --revise--> generating_plan
    approved --conduct--> in_progress --session_ended--> completed
    in_progress --conduct--> in_progress                    (the same session; no event)
    completed --assessment_ready--> assessment_pending      (assessment_approved with
                                                             autoApproveAssessments)
    assessment_pending --assessment_approve--> assessment_approved
    assessment_pending --assessment_reject--> completed
    completed | assessment_pending --retrigger_assessment--> completed
    null .. pending --edit_content--> received              (null stays null; validation
                                                             runs again either way)
    every non-terminal state --cancel--> cancelled

Terminal states: rejected, assessment_approved, cancelled. An auto-approval publishes both
events (``interview.plan_generated`` then ``interview.approved``), so a subscriber to either
sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from hirestream.topics.vocabulary import status_of

State = str | None

#: Every workflow state, ``None`` (a fresh record, shown as null) first.
STATES: Final[tuple[State, ...]] = (
    None,
    "received",
    "info_needed",
    "validating_skills",
    "generating_plan",
    "pending",
    "approved",
    "rejected",
    "in_progress",
    "completed",
    "assessment_pending",
    "assessment_approved",
    "cancelled",
)

ACTIONS: Final[tuple[str, ...]] = (
    "receive",
    "info_missing",
    "info_valid",
    "info_supplied",
    "skills_validated",
    "plan_generated",
    "approve",
    "reject",
    "revise",
    "conduct",
    "session_ended",
    "assessment_ready",
    "assessment_approve",
    "assessment_reject",
    "retrigger_assessment",
    "edit_content",
    "cancel",
)

TERMINAL_STATES: Final[frozenset[State]] = frozenset(
    {"rejected", "assessment_approved", "cancelled"}
)

#: States in which content (skills, job description, position, level, résumé) may be edited.
EDITABLE_STATES: Final[frozenset[State]] = frozenset(
    {None, "received", "info_needed", "validating_skills", "generating_plan", "pending"}
)

_RAN_AGAIN = "interview.content_edited"

#: (state, action) -> (next state, events). Cancel, edits and auto-approval are added below.
_TABLE: Final[dict[tuple[State, str], tuple[State, tuple[str, ...]]]] = {
    (None, "receive"): ("received", ("interview.received",)),
    ("received", "info_missing"): ("info_needed", ("interview.info_needed",)),
    ("received", "info_valid"): ("validating_skills", ("interview.validating_skills",)),
    ("info_needed", "info_missing"): ("info_needed", ("interview.info_needed",)),
    ("info_needed", "info_supplied"): ("validating_skills", ("interview.info_completed",)),
    ("validating_skills", "info_missing"): ("info_needed", ("interview.info_needed",)),
    ("validating_skills", "skills_validated"): (
        "generating_plan",
        ("interview.generating_plan",),
    ),
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
    **{
        (state, "edit_content"): (None if state is None else "received", (_RAN_AGAIN,))
        for state in STATES
        if state in EDITABLE_STATES
    },
    **{
        (state, "cancel"): ("cancelled", ("interview.cancelled",))
        for state in STATES
        if state not in TERMINAL_STATES
    },
}


@dataclass(frozen=True)
class Transition:
    """A legal step: where it starts and ends, and the events to publish, in order."""

    state_before: State
    action: str
    state: State
    events: tuple[str, ...]

    @property
    def event(self) -> str | None:
        """The last (main) event, or None for a step that publishes nothing."""
        return self.events[-1] if self.events else None

    @property
    def status(self) -> str:
        return status_of(self.state)

    @property
    def changed(self) -> bool:
        return self.state != self.state_before

    def to_json(self) -> dict[str, Any]:
        return {
            "stateBefore": self.state_before,
            "action": self.action,
            "state": self.state,
            "statusBefore": status_of(self.state_before),
            "status": self.status,
            "events": list(self.events),
        }


class IllegalTransition(Exception):
    """``action`` is not allowed in ``state``; ``allowed_actions`` are the ones that are.

    Raised by ``transition`` and returned by ``try_transition``; its message names both."""

    def __init__(self, state: State, action: str, allowed_actions: tuple[str, ...] = ()) -> None:
        self.state = state
        self.action = action
        self.allowed_actions = tuple(allowed_actions)
        allowed = ", ".join(self.allowed_actions) or "none"
        self.message = (
            f"Cannot {action}: the interview is in state {state or 'null'}; "
            f"allowed actions: {allowed}"
        )
        super().__init__(self.message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IllegalTransition) and (
            (self.state, self.action, self.allowed_actions)
            == (other.state, other.action, other.allowed_actions)
        )

    def __hash__(self) -> int:
        return hash((self.state, self.action, self.allowed_actions))

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "action": self.action,
            "allowedActions": list(self.allowed_actions),
            "message": self.message,
        }


def _check(state: State, action: str) -> None:
    if state not in STATES:
        raise ValueError(f"unknown workflow state {state!r}")
    if action not in ACTIONS:
        raise ValueError(f"unknown workflow action {action!r}")


def allowed_actions(state: State) -> tuple[str, ...]:
    """The actions legal in ``state``, in ``ACTIONS`` order."""
    if state not in STATES:
        raise ValueError(f"unknown workflow state {state!r}")
    return tuple(a for a in ACTIONS if (state, a) in _TABLE)


def is_terminal(state: State) -> bool:
    return state in TERMINAL_STATES


def try_transition(
    state: State,
    action: str,
    *,
    auto_approve_plans: bool = False,
    auto_approve_assessments: bool = False,
) -> Transition | IllegalTransition:
    """Like ``transition``, but returns the rejection instead of raising it."""
    _check(state, action)
    step = _TABLE.get((state, action))
    if step is None:
        return IllegalTransition(state, action, allowed_actions(state))
    target, events = step
    if target == "pending" and auto_approve_plans:
        target, events = "approved", (*events, "interview.approved")
    elif target == "assessment_pending" and auto_approve_assessments:
        target, events = "assessment_approved", (*events, "interview.assessment_approved")
    return Transition(state, action, target, events)


def transition(
    state: State,
    action: str,
    *,
    auto_approve_plans: bool = False,
    auto_approve_assessments: bool = False,
) -> Transition:
    """The step ``action`` takes from ``state``; raises ``IllegalTransition`` when it is not
    allowed there, and ``ValueError`` for a state or action name that does not exist."""
    result = try_transition(
        state,
        action,
        auto_approve_plans=auto_approve_plans,
        auto_approve_assessments=auto_approve_assessments,
    )
    if isinstance(result, IllegalTransition):
        raise result
    return result


def integration_state(state: State) -> str | None:
    """The upper-case ``state`` of the Integration API and webhooks (``PENDING``)."""
    return state.upper() if state is not None else None

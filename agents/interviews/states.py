"""Workflow states and the dashboard status derived from them (API.md §4). Pure."""

from __future__ import annotations

from typing import Final

#: workflowState -> status. ``None`` (a fresh record) is planned.
STATUS_OF_STATE: Final[dict[str | None, str]] = {
    None: "planned",
    "received": "planned",
    "validating_skills": "planned",
    "generating_plan": "planned",
    "pending": "planned",
    "info_needed": "info_needed",
    "approved": "approved",
    "rejected": "rejected",
    "in_progress": "in_progress",
    "completed": "completed",
    "assessment_pending": "completed",
    "assessment_approved": "completed",
    "cancelled": "cancelled",
}

STATUSES: Final[tuple[str, ...]] = (
    "planned",
    "info_needed",
    "approved",
    "in_progress",
    "completed",
    "rejected",
    "cancelled",
)

WORKFLOW_STATES: Final[tuple[str, ...]] = tuple(s for s in STATUS_OF_STATE if s is not None)

#: States in which content fields may still be edited (planning or awaiting approval).
EDITABLE_STATES: Final[frozenset[str | None]] = frozenset(
    {None, "received", "info_needed", "validating_skills", "generating_plan", "pending"}
)

#: The status values a user may set with PUT, and the state each requires.
USER_STATUS_ACTIONS: Final[dict[str, tuple[str, str]]] = {
    # status -> (required workflowState, resulting workflowState)
    "approved": ("pending", "approved"),
    "rejected": ("pending", "rejected"),
}


def status_of(workflow_state: str | None) -> str:
    """The coarse dashboard status of a workflow state."""
    return STATUS_OF_STATE[workflow_state]


def user_status_target(current_state: str | None, requested_status: str) -> str | None:
    """The workflow state a PUT with ``status`` leads to, or None when not allowed now."""
    action = USER_STATUS_ACTIONS.get(requested_status)
    if action is None:
        return None
    required, target = action
    return target if current_state == required else None


def allowed_user_actions(current_state: str | None) -> list[str]:
    """What a user may do in this state, for the message of a 409."""
    actions = [s for s, (required, _) in USER_STATUS_ACTIONS.items() if required == current_state]
    if current_state in EDITABLE_STATES:
        actions.append("edit content")
    return actions

"""The words of the contract: workflow states and the dashboard status derived from them,
levels, personal fields, and the actions people may take (docs/api.md §3, §4). Data only."""

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


def status_of(workflow_state: str | None) -> str:
    """The coarse dashboard status of a workflow state."""
    return STATUS_OF_STATE[workflow_state]


#: Interview levels, as stored (input is case-insensitive).
LEVELS: Final[tuple[str, ...]] = ("junior", "mid", "senior", "lead", "principal")

#: A candidate's personal fields: sealed with the interview's data key before they reach any
#: table or event topic (``hirestream.privacy``).
PERSONAL_FIELDS: Final[tuple[str, ...]] = (
    "candidateName",
    "candidateEmail",
    "candidateResume",
    "candidateProfile",
)

#: The personal fields the interview list's ``search`` matches: never opened for it, but
#: through keyed-hash search tokens kept beside their sealed values (``hirestream.search_tokens``).
SEARCHED_PERSONAL_FIELDS: Final[tuple[str, ...]] = ("candidateName", "candidateEmail")

#: What a person may ask for with ``interview.workflow``; every other transition is the
#: background agents' own.
PERSON_ACTIONS: Final[tuple[str, ...]] = (
    "approve",
    "reject",
    "revise",
    "cancel",
    "assessment_approve",
    "assessment_reject",
    "retrigger_assessment",
)

"""Command outcomes as HTTP answers: the status of each result and the status and wording of
each rejection code (docs/api.md §1, §4). Pure.

The interview agent answers with domain outcomes (``topics.records.Outcome``): a result
(created, updated, ...) or a code with its details. What a person reads is decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hirestream.topics.records import Outcome
from hirestream.web.errors import Problem

RESULT_STATUS = {"created": 201, "updated": 200, "deleted": 204, "unchanged": 200, "existing": 200}

#: What people can do, in words; the other actions are the background agents' own.
PEOPLE_ACTIONS = {
    "approve": "approve the plan",
    "reject": "reject the plan",
    "revise": "revise the plan",
    "info_supplied": "supply information",
    "edit_content": "edit content",
    "override": "apply an override",
    "conduct": "start the session",
    "assessment_approve": "approve the assessment",
    "assessment_reject": "reject the assessment",
    "retrigger_assessment": "re-run the assessment",
    "cancel": "cancel",
}


def _state(details: Mapping[str, Any]) -> str:
    return str(details.get("state") or "null")


def _invalid_transition(details: Mapping[str, Any]) -> str:
    allowed = [PEOPLE_ACTIONS[a] for a in details.get("allowed", ()) if a in PEOPLE_ACTIONS]
    action = PEOPLE_ACTIONS.get(str(details.get("action")), str(details.get("action")))
    return (
        f"Cannot {action}: the interview is in state {_state(details)}; "
        f"allowed actions: {', '.join(allowed) or 'none'}"
    )


def _status_not_settable(details: Mapping[str, Any]) -> str:
    return (
        f"Cannot set status to {details.get('status')}: the interview is in state "
        f"{_state(details)}; a user may only set status approved or rejected, from pending"
    )


def _edit_with_status(details: Mapping[str, Any]) -> str:
    return (
        f"Cannot edit content and set status to {details.get('status')} at once: the "
        f"interview is in state {_state(details)}; send them separately"
    )


#: code -> (HTTP status, wording from the details)
REJECTION: dict[str, tuple[int, Callable[[Mapping[str, Any]], str | list[str]]]] = {
    "not_found": (404, lambda d: "Interview not found"),
    "already_exists": (409, lambda d: "An interview with this id already exists"),
    "invalid_transition": (409, _invalid_transition),
    "status_not_settable": (409, _status_not_settable),
    "edit_with_status": (409, _edit_with_status),
    "validation_failed": (400, lambda d: list(d.get("errors", ["invalid input"]))),
    "malformed_command": (400, lambda d: f"Malformed command: {d.get('problem', '')}"),
    "idempotency_key_reused": (
        422,
        lambda d: "Idempotency-Key was already used with a different request",
    ),
    "record_too_large": (
        413,
        lambda d: f"The interview would exceed {d.get('limit')} bytes: shorten its content",
    ),
    "candidate_email_missing": (
        400,
        lambda d: (
            "The interview has no candidateEmail: add the candidate's email "
            "(PUT /interviews/:id) before sending an invitation"
        ),
    ),
    "session_not_open": (
        404,
        lambda d: "No open session: the session has ended or is not this interview's",
    ),
    "question_mismatch": (
        409,
        lambda d: (
            f"That answer is for question {d.get('got')}, but question "
            f"{d.get('expected')} is the one waiting for an answer"
        ),
    ),
    "internal_error": (500, lambda d: "Internal server error"),
}


def status_of(outcome: Outcome) -> int:
    """The HTTP status of an applied command."""
    return RESULT_STATUS[outcome.get("result", "updated")]


def problem_of(outcome: Outcome) -> Problem:
    """The HTTP error of a command that was not applied."""
    code = outcome.get("code", "internal_error")
    status, words = REJECTION.get(code, REJECTION["internal_error"])
    return Problem(status, words(outcome.get("details") or {}), code=code)

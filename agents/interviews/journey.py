"""Decisions of the candidate journey: invitations, the start of the session, its turns and
its end (docs/api.md §6). Pure.

An invitation records when it was sent and until when the candidate's link is valid (the link's
token is derived from the interview id and that expiry, so a re-invite while it is valid gives
the same link; after expiry a new one). The mail itself is sent by the mailer agent, which
answers with ``interview.invite_result``. Conducting starts the session (approved →
in_progress); answers move it on one question at a time; the last answer, the candidate, a
person or the time limit end it (in_progress → completed, ``interview.completed``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from hirestream.agents.interviews import lifecycle
from hirestream.agents.interviews import session as sessions
from hirestream.agents.interviews.decision import (
    Cooccurrence,
    Decision,
    changed,
    not_allowed,
    refused,
    unchanged,
)
from hirestream.agents.workflow.transitions import IllegalTransition, allowed_actions
from hirestream.tables.records import InterviewRecord, with_fields
from hirestream.topics.clock import iso_millis
from hirestream.topics.records import Command
from hirestream.topics.tenancy import derived_id

_SESSIONS = uuid.UUID("9d2b7c55-4b9e-4f57-8a7e-3a4c1f2e6d10")

#: States in which a candidate may be invited.
INVITABLE = ("approved", "in_progress")
#: How long a candidate link is valid when the command does not say.
DEFAULT_VALID_DAYS = 7.0


def session_id_of(interview_id: str) -> str:
    """An interview has one session; its id is derived from the interview's."""
    return derived_id(_SESSIONS, "session", interview_id)


def _expiry(issued_at: str, days: float) -> str:
    """``days`` after ``issued_at``, in whole seconds (the link's token carries seconds)."""
    moment = datetime.fromisoformat(issued_at.replace("Z", "+00:00")) + timedelta(days=days)
    return iso_millis(moment.replace(microsecond=0))


def invite(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    state = record.get("workflowState")
    if state not in INVITABLE:
        return not_allowed(IllegalTransition(state, "invite", allowed_actions(state)))
    if "candidateEmail" not in record.get("sealed", {}):
        return refused("candidate_email_missing")
    payload = command["payload"]
    at = command["issuedAt"]
    expires = record.get("tokenExpiresAt")
    if not expires or expires <= at:
        expires = _expiry(at, float(payload.get("validDays", DEFAULT_VALID_DAYS)))
    new = with_fields(
        record,
        {
            "inviteId": payload["inviteId"],
            "inviteSentAt": at,
            "tokenExpiresAt": expires,
            "inviteEmailSent": None,
            "inviteEmailError": None,
        },
    )
    return changed(record, new, command, offset, "updated", ("interview.invited",))


def invite_result(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The mailer's report on one invitation; a report on an older one changes nothing."""
    payload = command["payload"]
    if payload["inviteId"] != record.get("inviteId"):
        return unchanged(record)
    new = with_fields(
        record,
        {"inviteEmailSent": payload["emailSent"], "inviteEmailError": payload.get("reason")},
    )
    return changed(record, new, command, offset, "updated", ("interview.updated",))


def conduct(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """approved → in_progress with a new session; in progress already → the same session."""
    if record.get("workflowState") == "in_progress":
        return unchanged(record)
    step = lifecycle.acted(record, {"action": "conduct"})
    if step.illegal is not None:
        return not_allowed(step.illegal)
    assert step.record is not None
    session_id = session_id_of(record["id"])
    started = sessions.start(
        record.get("plan") or {},
        session_id=session_id,
        at=command["issuedAt"],
        minutes=int(record.get("duration") or 45),
    )
    new = with_fields(step.record, {"sessionId": session_id, "session": started})
    return changed(record, new, command, offset, "updated", step.events)


def _open_session(record: InterviewRecord, payload: dict[str, Any]) -> dict[str, Any] | None:
    found: dict[str, Any] | None = record.get("session")
    if (
        record.get("workflowState") != "in_progress"
        or not sessions.is_open(found)
        or found is None
        or found["sessionId"] != payload.get("sessionId")
    ):
        return None
    return found


def session_join(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """A socket (re)joins: the record as it stands, or ``session_not_open``."""
    if _open_session(record, command["payload"]) is None:
        return refused("session_not_open")
    return unchanged(record)


def session_answer(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The answer to the question waiting for one (an answer to an earlier question is a
    retry: nothing changes); the last answer, or one past the time limit, ends the session."""
    payload = command["payload"]
    current = _open_session(record, payload)
    if current is None:
        return refused("session_not_open")
    position = current["position"]
    if payload["questionIndex"] < position:
        return unchanged(record)
    if payload["questionIndex"] > position:
        return refused("question_mismatch", expected=position, got=payload["questionIndex"])
    after, reason = sessions.answered(
        current, record.get("plan") or {}, sealed_text=payload["sealedText"], at=command["issuedAt"]
    )
    return _moved_on(record, after, reason, command, offset)


def session_end(
    record: InterviewRecord, command: Command, offset: int, cooccurrence: Cooccurrence
) -> Decision:
    """The candidate, a person or the time limit ends the session (ended already: nothing
    changes; a time limit that has not passed: nothing changes)."""
    payload = command["payload"]
    current = _open_session(record, payload)
    if current is None:
        if record.get("sessionId") == payload.get("sessionId"):
            return unchanged(record)
        return refused("session_not_open")
    reason = payload["reason"]
    if reason == "time_limit" and not sessions.past_deadline(current, command["issuedAt"]):
        return unchanged(record)
    after = sessions.ended(current, reason, command["issuedAt"])
    return _moved_on(record, after, reason, command, offset)


def _moved_on(
    record: InterviewRecord,
    after: dict[str, Any],
    reason: sessions.EndReason | None,
    command: Command,
    offset: int,
) -> Decision:
    if reason is None:
        return changed(
            record, with_fields(record, {"session": after}), command, offset, "updated", ()
        )
    step = lifecycle.acted(record, {"action": "session_ended"})
    assert step.record is not None
    new = with_fields(step.record, {"session": after})
    return changed(record, new, command, offset, "updated", step.events)

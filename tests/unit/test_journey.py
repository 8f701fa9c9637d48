"""The candidate journey's decisions, without Kafka: invitations, conduct, the session's turns
and its end."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest

from hirestream.agents.interviews import session
from hirestream.agents.interviews.decide import decide
from hirestream.agents.interviews.journey import session_id_of
from hirestream.agents.planner.plan import PlanInput, generate_plan
from hirestream.tables.records import InterviewRecord
from hirestream.topics.records import Command

T0 = "2024-03-01T09:00:00.000Z"
PLAN = generate_plan(
    PlanInput.from_interview(
        {
            "level": "senior",
            "duration": 45,
            "position": "Backend Engineer",
            "canonicalPayload": {"skills": ["Python", "PostgreSQL"], "roleFamily": None},
        }
    ),
    seed="run_1",
)
QUESTIONS = session.questions(PLAN)


def command(kind: str, at: str = T0, cid: str | None = None, **payload: Any) -> Command:
    return {
        "commandId": cid or str(uuid.uuid4()),
        "type": kind,
        "tenantId": "t1",
        "interviewId": "i1",
        "actor": {"kind": "user", "id": "u1"},
        "requestId": "",
        "issuedAt": at,
        "fingerprint": "",
        "payload": payload,
    }


def in_state(state: str | None, **fields: Any) -> InterviewRecord:
    record: InterviewRecord = {
        "id": "i1",
        "tenantId": "t1",
        "version": 3,
        "createdAt": T0,
        "updatedAt": T0,
        "status": "approved",
        "workflowState": state,
        "plan": PLAN,
        "duration": 45,
        "sealed": {"candidateEmail": "x" * 40, "candidateName": "y" * 40},
        "offsets": {"commands": 0},
        "sequence": 4,
    }
    return {**record, **fields}  # type: ignore[typeddict-item]


OFFSETS = itertools.count(10)


def run(record: InterviewRecord, *commands: Command) -> InterviewRecord:
    """The record after each command in turn, at ever later offsets (as on the topic)."""
    for c in commands:
        decision = decide(record, c, next(OFFSETS))
        assert decision.rejection is None, decision.rejection
        if decision.record is not None:
            record = decision.record
    return record


# --- invitations -------------------------------------------------------------------------


def test_an_approved_interview_is_invited_with_a_link_valid_seven_days() -> None:
    invite = command("interview.invite", inviteId=str(uuid.uuid4()))
    d = decide(in_state("approved"), invite, 1)
    assert d.record is not None and d.events == ("interview.invited",)
    assert d.record["inviteSentAt"] == T0
    assert d.record["tokenExpiresAt"] == "2024-03-08T09:00:00.000Z"
    assert d.record["inviteEmailSent"] is None


def test_a_reinvite_while_valid_keeps_the_expiry_and_after_expiry_renews_it() -> None:
    first = run(in_state("approved"), command("interview.invite", inviteId=str(uuid.uuid4())))
    later = "2024-03-05T09:00:00.000Z"
    again = run(first, command("interview.invite", later, inviteId=str(uuid.uuid4())))
    assert again["tokenExpiresAt"] == first["tokenExpiresAt"]
    assert again["inviteSentAt"] == later
    expired = "2024-03-09T09:00:00.000Z"
    renewed = run(again, command("interview.invite", expired, inviteId=str(uuid.uuid4())))
    assert renewed["tokenExpiresAt"] == "2024-03-16T09:00:00.000Z"


@pytest.mark.parametrize("state", ["pending", "rejected", "cancelled", "completed", None])
def test_only_approved_or_running_interviews_are_invited(state: str | None) -> None:
    d = decide(in_state(state), command("interview.invite", inviteId=str(uuid.uuid4())), 1)
    assert d.rejection is not None and d.rejection.code == "invalid_transition"


def test_no_email_no_invitation() -> None:
    record = in_state("approved", sealed={"candidateName": "y" * 40})
    d = decide(record, command("interview.invite", inviteId=str(uuid.uuid4())), 1)
    assert d.rejection is not None and d.rejection.code == "candidate_email_missing"


def test_the_mailers_report_lands_on_its_own_invitation_only() -> None:
    invite_id = str(uuid.uuid4())
    invited = run(in_state("approved"), command("interview.invite", inviteId=invite_id))
    other = command("interview.invite_result", inviteId=str(uuid.uuid4()), emailSent=True)
    stale = decide(invited, other, next(OFFSETS))
    assert stale.result == "unchanged"
    report = command("interview.invite_result", inviteId=invite_id, emailSent=False, reason="down")
    reported = run(invited, report)
    assert (reported["inviteEmailSent"], reported["inviteEmailError"]) == (False, "down")


# --- conduct and the session ------------------------------------------------------------


def test_conduct_starts_one_session_and_asks_the_greeting() -> None:
    d = decide(in_state("approved"), command("interview.conduct"), 1)
    assert d.record is not None and d.events == ("interview.started",)
    assert d.record["workflowState"] == "in_progress" and d.record["status"] == "in_progress"
    assert d.record["sessionId"] == session_id_of("i1")
    started = d.record["session"]
    assert started["turns"] == [
        {
            "index": 0,
            "role": "interviewer",
            "text": PLAN["greeting"],
            "at": T0,
            "questionIndex": 0,
            "questionId": None,
            "skill": None,
        }
    ]
    assert started["deadline"] == "2024-03-01T09:45:00.000Z"
    again = decide(d.record, command("interview.conduct"), 2)
    assert again.result == "unchanged" and again.shown == d.record


@pytest.mark.parametrize("state", ["pending", "completed", "cancelled", None])
def test_conduct_outside_approved_is_refused(state: str | None) -> None:
    d = decide(in_state(state), command("interview.conduct"), 1)
    assert d.rejection is not None and d.rejection.code == "invalid_transition"


def answer(sid: str, index: int, at: str = T0) -> Command:
    return command(
        "interview.session_answer", at, sessionId=sid, questionIndex=index, sealedText=f"s{index}"
    )


def test_every_question_waits_for_its_answer_and_the_last_one_completes() -> None:
    record = run(in_state("approved"), command("interview.conduct"))
    sid = record["sessionId"]
    for index in range(len(QUESTIONS) - 1):
        record = run(record, answer(sid, index))
        current = session.current(record["session"], PLAN)
        assert current is not None and current.index == index + 1
    last = decide(record, answer(sid, len(QUESTIONS) - 1), next(OFFSETS))
    assert last.record is not None and last.events == ("interview.completed",)
    assert last.record["workflowState"] == "completed"
    ended = last.record["session"]
    assert ended["endedReason"] == "completed"
    roles = [t["role"] for t in ended["turns"]]
    assert roles == ["interviewer", "candidate"] * len(QUESTIONS)
    assert [t["index"] for t in ended["turns"]] == list(range(2 * len(QUESTIONS)))
    assert [t["sealedText"] for t in ended["turns"][1::2]] == [
        f"s{n}" for n in range(len(QUESTIONS))
    ]


def test_an_answer_again_changes_nothing_and_an_answer_ahead_is_refused() -> None:
    record = run(in_state("approved"), command("interview.conduct"))
    sid = record["sessionId"]
    record = run(record, answer(sid, 0))
    assert decide(record, answer(sid, 0), next(OFFSETS)).result == "unchanged"
    ahead = decide(record, answer(sid, 5), next(OFFSETS))
    assert ahead.rejection is not None and ahead.rejection.code == "question_mismatch"
    wrong = decide(record, answer(str(uuid.uuid4()), 1), next(OFFSETS))
    assert wrong.rejection is not None and wrong.rejection.code == "session_not_open"


@pytest.mark.parametrize("reason", ["candidate_ended", "interviewer_ended"])
def test_the_candidate_or_a_person_ends_the_session(reason: str) -> None:
    record = run(in_state("approved"), command("interview.conduct"))
    end = command("interview.session_end", sessionId=record["sessionId"], reason=reason)
    d = decide(record, end, next(OFFSETS))
    assert d.record is not None and d.events == ("interview.completed",)
    assert d.record["session"]["endedReason"] == reason
    assert decide(d.record, end, next(OFFSETS)).result == "unchanged"


def test_the_time_limit_ends_the_session_only_once_it_has_passed() -> None:
    record = run(in_state("approved"), command("interview.conduct"))
    sid = record["sessionId"]
    early = command(
        "interview.session_end", "2024-03-01T09:44:59.000Z", sessionId=sid, reason="time_limit"
    )
    assert decide(record, early, next(OFFSETS)).result == "unchanged"
    late = command(
        "interview.session_end", "2024-03-01T09:45:00.000Z", sessionId=sid, reason="time_limit"
    )
    d = decide(record, late, next(OFFSETS))
    assert d.record is not None and d.record["session"]["endedReason"] == "time_limit"
    past = decide(record, answer(sid, 0, "2024-03-01T10:00:00.000Z"), next(OFFSETS))
    assert past.record is not None and past.record["session"]["endedReason"] == "time_limit"
    assert past.record["session"]["turns"][-1]["role"] == "candidate", "the late answer is kept"


def test_the_purge_erases_the_answers_and_keeps_the_questions() -> None:
    record = run(in_state("approved"), command("interview.conduct"))
    record = run(record, answer(record["sessionId"], 0))
    purged = run(record, command("interview.purge"))
    turns = purged["session"]["turns"]
    assert "sealed" not in purged
    assert all("sealedText" not in t for t in turns)
    assert [t["role"] for t in turns] == ["interviewer", "candidate", "interviewer"]

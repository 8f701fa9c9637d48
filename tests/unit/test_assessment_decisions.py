"""The assessment's decisions, without Kafka: one assessment per completion, the human gate,
auto-approval, a retrigger keeping the history."""

from __future__ import annotations

import itertools
from typing import Any

from hirestream.agents.assessor.agent import plain_turns
from hirestream.agents.interviews.decide import decide
from hirestream.tables.records import InterviewRecord
from hirestream.topics.records import Command

OFFSETS = itertools.count(10)
ASSESSMENT = {
    "skills": [
        {"skill": "Python", "score": 3, "evidence": [1], "rationale": "r", "required": True},
        {"skill": "Kafka", "score": 1, "evidence": [], "rationale": "r", "required": True},
    ],
    "overallScore": 55,
    "recommendation": "MAYBE",
    "model": {"name": "hirestream-rubric", "version": "1.0.0"},
}


def command(kind: str, cid: str, **payload: Any) -> Command:
    return {
        "commandId": cid,
        "type": kind,
        "tenantId": "t1",
        "interviewId": "i1",
        "actor": {"kind": "system", "id": "assessor"},
        "requestId": "",
        "issuedAt": "2024-03-01T10:00:00.000Z",
        "fingerprint": "",
        "payload": payload,
    }


def completed() -> InterviewRecord:
    return {
        "id": "i1",
        "tenantId": "t1",
        "version": 9,
        "createdAt": "2024-03-01T09:00:00.000Z",
        "updatedAt": "2024-03-01T09:50:00.000Z",
        "status": "completed",
        "workflowState": "completed",
        "sequence": 7,
        "offsets": {"internal": 0},
    }


def assessed(record: InterviewRecord, sequence: int, auto: bool = False) -> Any:
    payload = {
        "assessment": ASSESSMENT,
        "basedOnSequence": sequence,
        "autoApproveAssessments": auto,
    }
    return decide(record, command("interview.assessed", f"a{sequence}", **payload), next(OFFSETS))


def test_an_assessment_waits_for_a_person_and_names_the_demonstrated_skills() -> None:
    d = assessed(completed(), 7)
    assert d.record is not None and d.events == ("interview.assessment_pending",)
    assert d.record["workflowState"] == "assessment_pending"
    assert d.record["assessment"]["status"] == "pending"
    assert d.record["assessment"]["assessedAt"] == "2024-03-01T10:00:00.000Z"
    assert d.record["candidateDemonstratedSkills"] == ["Python"]


def test_auto_approval_goes_straight_on() -> None:
    d = assessed(completed(), 7, auto=True)
    assert d.record is not None and d.record["workflowState"] == "assessment_approved"
    assert d.events == ("interview.assessment_pending", "interview.assessment_approved")
    assert d.record["assessment"]["status"] == "approved"


def test_one_assessment_per_completion() -> None:
    first = assessed(completed(), 7).record
    assert first is not None
    assert assessed(first, 7).result == "unchanged"


def test_a_person_approves_or_rejects_and_a_retrigger_keeps_the_history() -> None:
    pending = assessed(completed(), 7).record
    assert pending is not None
    reject = command("interview.workflow", "w1", action="assessment_reject")
    rejected = decide(pending, reject, next(OFFSETS)).record
    assert rejected is not None and rejected["workflowState"] == "completed"
    assert rejected["assessment"] is not None and rejected["assessment"]["status"] == "rejected"
    again = command("interview.workflow", "w2", action="retrigger_assessment")
    requested = decide(rejected, again, next(OFFSETS))
    assert requested.events == ("interview.assessment_requested",)
    assert requested.record is not None
    second = assessed(requested.record, requested.record["sequence"]).record
    assert second is not None and len(second["assessments"]) == 2
    approve = command("interview.workflow", "w3", action="assessment_approve")
    approved = decide(second, approve, next(OFFSETS)).record
    assert approved is not None and approved["workflowState"] == "assessment_approved"


def test_the_assessor_opens_only_candidate_turns() -> None:
    transcript = {
        "turns": [
            {"index": 0, "role": "interviewer", "text": "Hello"},
            {"index": 1, "role": "candidate", "sealedText": "xx", "questionIndex": 0},
        ]
    }
    turns = plain_turns(transcript, lambda turn: f"opened {turn['sealedText']}")
    assert [t["text"] for t in turns] == ["Hello", "opened xx"]


def test_demonstrated_skills_are_the_plan_s_skills_only() -> None:
    """A qualification statement or the role may be assessed, but only skills (in the plan's
    canonical names, the taxonomy's) are demonstrated skills."""
    plan = {
        "competencies": [
            {"name": "Python", "kind": "skill"},
            {"name": "Communication", "kind": "behavioural"},
            {"name": "5+ years building HTTP APIs", "kind": "qualification"},
            {"name": "Backend Engineer", "kind": "role"},
        ]
    }
    assessment = {
        **ASSESSMENT,
        "skills": [
            {"skill": name, "score": 3, "evidence": [1], "rationale": "r", "required": True}
            for name in (
                "Python",
                "Communication",
                "5+ years building HTTP APIs",
                "Backend Engineer",
            )
        ],
    }
    record: InterviewRecord = {**completed(), "plan": plan}
    payload = {"assessment": assessment, "basedOnSequence": 7, "autoApproveAssessments": False}
    d = decide(record, command("interview.assessed", "a7", **payload), next(OFFSETS))
    assert d.record is not None
    assert d.record["candidateDemonstratedSkills"] == ["Python", "Communication"]

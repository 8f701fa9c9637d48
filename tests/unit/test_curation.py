"""Overrides, enrichment findings and the enricher's state, without Kafka."""

from __future__ import annotations

from typing import Any

from hirestream.agents.enrich.findings import find, next_state, seen, unknown_terms
from hirestream.agents.interviews.decide import decide
from hirestream.tables.records import InterviewRecord
from hirestream.topics.records import Command


def command(kind: str, cid: str, **payload: Any) -> Command:
    return {
        "commandId": cid,
        "type": kind,
        "tenantId": "t",
        "interviewId": "i",
        "actor": {"kind": "user", "id": "u"},
        "requestId": "",
        "issuedAt": "2024-01-01T00:00:00.000Z",
        "fingerprint": "",
        "payload": payload,
    }


def created(**fields: Any) -> InterviewRecord:
    record = decide(None, command("interview.create", "c0", **fields), 0).record
    assert record is not None
    return record


def test_override_is_an_immutable_patch_with_before_and_after() -> None:
    record = created(position="Sr Engineer", skills=["ReactJS", "TS"])
    d = decide(
        record,
        command(
            "interview.override",
            "c1",
            addSkills=["k8s"],
            removeSkills=["TS"],
            roleFamily="devops_sre",
            reason="r",
        ),
        1,
    )
    assert d.result == "created" and d.record is not None
    patch = d.record["overrides"][0]
    assert patch["before"]["skills"] == ["React", "TypeScript"]
    assert patch["after"] == {
        "skills": ["React", "Kubernetes"],
        "roleFamily": "devops_sre",
        "roleCategory": "engineering",
    }
    # the interview had not been validated yet: validation runs again on the new content
    assert d.record["version"] == 2
    assert d.events == ("interview.updated", "interview.content_edited")
    again = decide(d.record, command("interview.override", "c2", removeSkills=["React"]), 2)
    assert again.record is not None
    assert again.record["overrides"][0] == patch  # earlier patches never change
    assert again.record["skills"] == ["Kubernetes"]


def test_override_after_approval_is_409() -> None:
    record: InterviewRecord = {
        **created(position="Engineer"),
        "workflowState": "approved",
        "status": "approved",
    }
    d = decide(record, command("interview.override", "c1", addSkills=["Go"]), 1)
    assert d.rejection is not None and d.rejection.code == "invalid_transition"


def test_enrichment_folds_resolved_typos_in_and_is_a_no_op_when_repeated() -> None:
    record = created(position="Engineer", skills=["Kubernets", "Frobnicator Pro"])
    assert record["unknownSkills"] == ["Kubernets", "Frobnicator Pro"]
    findings = find(record)
    assert set(findings.skills) == {"Kubernets"}
    assert findings.unresolved == [("skill", "Frobnicator Pro")]
    d = decide(record, command("interview.enrich", "c1", **findings.command_payload()), 1)
    assert d.record is not None
    assert d.record["skills"] == ["Kubernetes", "Frobnicator Pro"]
    assert d.record["unknownSkills"] == ["Frobnicator Pro"]
    same = decide(d.record, command("interview.enrich", "c2", **findings.command_payload()), 2)
    assert same.record is None and same.result == "unchanged"


def test_enricher_state_counts_each_interview_once_and_skips_redelivery() -> None:
    record = created(position="Engineer", skills=["Go", "Docker", "Frobnicator Pro"])
    event = {
        "type": "interview.created",
        "occurredAt": "2024-01-01T00:00:00.000Z",
        "record": record,
    }
    state = next_state(
        None, topic="interview.created", offset=4, event=event, findings=find(record)
    )
    assert seen(state, "interview.created", 4) and not seen(state, "interview.created", 5)
    again = next_state(
        state,
        topic="interview.updated",
        offset=9,
        event={**event, "type": "interview.updated"},
        findings=find(record),
    )
    assert unknown_terms(again)[0]["count"] == 1
    assert again["cooccurrence"] == state["cooccurrence"]  # learned once per interview
    assert state["cooccurrence"]["go"]["docker"] == 1


def test_unknown_terms_are_not_counted_again_after_many_interviews() -> None:
    state = None
    first = None
    for n in range(25):
        record: InterviewRecord = {
            **created(position="Engineer", skills=["Frobnicator Pro"]),
            "id": f"i{n}",
        }
        first = first or record
        event = {
            "type": "interview.created",
            "occurredAt": "2024-01-01T00:00:00.000Z",
            "record": record,
        }
        state = next_state(state, topic="c", offset=n, event=event, findings=find(record))
    assert first is not None  # narrows the type: the loop above ran
    edited = {
        "type": "interview.updated",
        "occurredAt": "2024-01-02T00:00:00.000Z",
        "record": first,
    }
    state = next_state(state, topic="u", offset=0, event=edited, findings=find(first))
    assert unknown_terms(state)[0]["count"] == 25


def test_a_fuzzy_match_that_repeats_a_skill_is_reported_as_dropped() -> None:
    from hirestream.agents.interviews.content import canonical_content

    enrichment = {"skills": {"Kubernets": {"canonical": "Kubernetes", "score": 94.7}}}
    fields = canonical_content(
        {"skills": ["Kubernetes", "Kubernets"]},
        has_resume=False,
        resume_skills=None,
        enrichment=enrichment,
    )
    assert fields["skills"] == ["Kubernetes"]
    assert fields["diffReport"]["skills[1]"]["after"] is None

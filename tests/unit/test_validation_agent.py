"""The validation agent's pure decision: each rule, each grade, and the JSON shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hirestream.agents.validation.validate import FIELDS, grade, validate
from hirestream.agents.workflow.transitions import transition

LONG_DESCRIPTION = (
    "We are looking for an engineer to build and run the services behind our hiring platform, "
    "working with Python, PostgreSQL and Kafka in a small team."
)


def complete(**changes: Any) -> dict[str, Any]:
    """A complete, strong interview; ``changes`` replace fields (None removes one)."""
    fields: dict[str, Any] = {
        "position": "Senior Backend Engineer",
        "candidateRef": "li_app_123",
        "candidateName": "Ada Lovelace",
        "candidateEmail": "ada@example.com",
        "level": "SENIOR",
        "skills": ["Python", "PostgreSQL", "Kafka"],
        "qualifications": ["5+ years building backend services"],
        "jobDescription": LONG_DESCRIPTION,
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def test_complete_data_is_excellent() -> None:
    result = validate(complete())
    assert result.ok and result.outcome == "ok" and result.action == "info_valid"
    assert result.to_json() == {
        "outcome": "ok",
        "missingFields": [],
        "questions": [],
        "warnings": [],
        "dataQuality": "EXCELLENT",
    }
    assert transition("received", result.action).state == "validating_skills"


@pytest.mark.parametrize("position", [None, "", "   ", 42])
def test_missing_position(position: Any) -> None:
    result = validate(complete(position=position))
    assert result.missing_fields == ["position"]
    assert result.action == "info_missing"
    assert "job title" in result.to_json()["questions"][0]["question"]
    assert result.data_quality == "POOR"
    assert transition("received", result.action).state == "info_needed"


def test_missing_candidate_identity() -> None:
    result = validate(complete(candidateRef=None, candidateName=" ", candidateEmail=None))
    assert result.missing_fields == ["candidateIdentity"]
    question = result.to_json()["questions"][0]
    assert question["field"] == "candidateIdentity"
    assert "candidateRef" in question["question"] and "email" in question["question"]


@pytest.mark.parametrize("identity", ["candidateRef", "candidateName", "candidateEmail"])
def test_any_one_identity_field_is_enough(identity: str) -> None:
    fields = complete(candidateRef=None, candidateName=None, candidateEmail=None)
    fields[identity] = "ada@example.com"
    assert validate(fields).ok


@pytest.mark.parametrize("level", ["JUNIOR", "mid", "Senior", "lead", " PRINCIPAL "])
def test_levels_are_case_insensitive(level: str) -> None:
    assert validate(complete(level=level)).ok


def test_missing_level() -> None:
    result = validate(complete(level=None))
    assert result.missing_fields == ["level"]
    assert result.missing[0].question.startswith("What is the seniority of the role")


@pytest.mark.parametrize("level", ["STAFF", "intern", "3", ""])
def test_bad_level(level: str) -> None:
    result = validate(complete(level=level))
    assert result.missing_fields == ["level"]
    assert "junior, mid, senior, lead or principal" in result.missing[0].question
    if level:
        assert f'"{level}"' in result.missing[0].question


def test_no_skills_qualifications_or_description() -> None:
    result = validate(complete(skills=[" "], qualifications=[], jobDescription=None))
    assert result.missing_fields == ["requirements"]
    assert "skills or qualifications" in result.missing[0].question
    assert result.warnings == ()  # few_requirements is not repeated on top


@pytest.mark.parametrize(
    "changes",
    [
        {"skills": None, "qualifications": None},  # the job description alone
        {"skills": None, "jobDescription": None},  # qualifications alone
        {"qualifications": None, "jobDescription": None},  # skills alone
    ],
)
def test_any_one_of_skills_qualifications_or_description_is_enough(
    changes: dict[str, Any],
) -> None:
    assert validate(complete(**changes)).ok


def test_everything_missing_asks_one_question_per_field_in_order() -> None:
    result = validate({})
    assert result.missing_fields == ["position", "candidateIdentity", "level", "requirements"]
    body = result.to_json()
    assert [q["field"] for q in body["questions"]] == body["missingFields"]
    assert all(
        q["question"].endswith("?") or q["question"].endswith(".") for q in body["questions"]
    )
    assert len({q["question"] for q in body["questions"]}) == 4
    assert body["dataQuality"] == "POOR"


def test_warning_short_job_description() -> None:
    result = validate(complete(jobDescription="Backend work."))
    assert [w.code for w in result.warnings] == ["job_description_short"]
    assert result.warnings[0].field == "jobDescription"
    assert result.ok and result.data_quality == "GOOD"


def test_warning_job_description_recommended() -> None:
    result = validate(complete(skills=None, jobDescription=None))
    assert [w.code for w in result.warnings] == ["job_description_recommended", "few_requirements"]
    assert result.ok and result.data_quality == "FAIR"


def test_warning_few_requirements() -> None:
    result = validate(complete(skills=["Python"], qualifications=None))
    assert [w.code for w in result.warnings] == ["few_requirements"]
    assert result.data_quality == "GOOD"
    # Three in all, split between skills and qualifications, is enough.
    assert validate(complete(skills=["Python", "Go"])).warnings == ()


def test_warning_invalid_email() -> None:
    result = validate(complete(candidateEmail="ada at example"))
    assert [w.to_json()["code"] for w in result.warnings] == ["candidate_email_invalid"]
    assert result.ok  # the name and the reference still identify the candidate


def test_three_warnings_are_poor_but_do_not_block() -> None:
    result = validate(complete(jobDescription="Short.", skills=["Python"], candidateEmail="x@"))
    assert [w.code for w in result.warnings] == [
        "job_description_short",
        "few_requirements",
        "candidate_email_invalid",
    ]
    assert result.ok and result.data_quality == "POOR"


@pytest.mark.parametrize(
    ("missing", "warnings", "expected"),
    [
        (0, 0, "EXCELLENT"),
        (0, 1, "GOOD"),
        (0, 2, "FAIR"),
        (0, 3, "POOR"),
        (0, 7, "POOR"),
        (1, 0, "POOR"),
        (2, 1, "POOR"),
    ],
)
def test_grades(missing: int, warnings: int, expected: str) -> None:
    assert grade(missing, warnings) == expected


def test_other_fields_are_ignored_and_the_result_is_json() -> None:
    fields = complete(duration=45, candidateResume="...", status="approved")
    result = validate(fields)
    assert result == validate({k: v for k, v in fields.items() if k in FIELDS})
    assert json.loads(json.dumps(result.to_json())) == result.to_json()


def test_info_needed_can_be_answered_and_revalidated() -> None:
    first = validate(
        complete(level=None, candidateRef=None, candidateName=None, candidateEmail=None)
    )
    assert first.missing_fields == ["candidateIdentity", "level"]
    state = transition("received", first.action).state
    supplied = validate(complete(level="mid", candidateRef=None, candidateName=None))
    assert supplied.ok
    assert transition(state, "info_supplied").state == "validating_skills"

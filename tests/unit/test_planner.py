"""The planner's decisions on examples: competencies, questions by level, the greeting,
revisions, determinism and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hirestream.agents.enrich.taxonomy import load_taxonomy
from hirestream.agents.planner.bank import load_bank
from hirestream.agents.planner.budget import max_competencies
from hirestream.agents.planner.notes import Adjustments, read_notes
from hirestream.agents.planner.plan import PlanInput, generate_plan, plan_id, revise_plan

BACKEND = PlanInput(
    role_family="backend_engineering",
    level="SENIOR",
    skills=("Python", "PostgreSQL", "Elm"),
    qualifications=(
        "5+ years building backend services with Kafka",
        "Experience mentoring engineers is a plus",
        "Strong ownership of production systems",
    ),
    duration=45,
    position="Senior Backend Engineer",
    company_name="Acme",
)


def ids(plan: dict[str, Any]) -> list[str]:
    return [c["id"] for c in plan["competencies"]]


def by_id(plan: dict[str, Any], competency_id: str) -> dict[str, Any]:
    return next(c for c in plan["competencies"] if c["id"] == competency_id)


def test_the_plan_id_is_pinned_by_inputs_and_seed() -> None:
    plan = generate_plan(BACKEND, seed="run_1749123456_a1b2c3d4")
    assert plan["planId"] == "ee1e046a-d877-5e38-9f21-0aeed25c8331"
    assert plan["planId"] == plan_id(BACKEND, "run_1749123456_a1b2c3d4", 1, [])
    assert generate_plan(BACKEND, seed="another run")["planId"] != plan["planId"]
    # Spelling differences the plan normalises away do not change the id.
    assert plan_id(PlanInput(level=" senior "), "s", 1, []) == plan_id(
        PlanInput(level="SENIOR"), "s", 1, []
    )


def test_a_plan_is_json_and_deterministic() -> None:
    plan = generate_plan(BACKEND, seed="s")
    assert json.loads(json.dumps(plan)) == plan
    assert json.dumps(generate_plan(BACKEND, seed="s")) == json.dumps(plan)
    assert set(plan) == {
        "planId",
        "version",
        "seed",
        "roleFamily",
        "level",
        "duration",
        "greeting",
        "competencies",
        "timeBudget",
        "skillsCoverage",
        "adjustments",
        "revisions",
        "inputs",
        "taxonomyVersion",
        "bankVersion",
    }
    assert plan["version"] == 1 and plan["revisions"] == []
    assert plan["level"] == "senior" and plan["roleFamily"] == "backend_engineering"
    assert plan["taxonomyVersion"] == load_taxonomy().version
    assert plan["bankVersion"] == load_bank().version


def test_competencies_follow_skills_then_qualifications_then_behaviour() -> None:
    plan = generate_plan(BACKEND, seed="s")
    assert ids(plan) == [
        "python",
        "postgresql",
        "custom:elm",
        "kafka",  # named by the first qualification
        "mentoring",  # named by a nice-to-have qualification
        "qualification:3",  # names no skill: the statement itself
        "communication",  # the behavioural competency of a senior
    ]
    required = {c["id"]: c["required"] for c in plan["competencies"]}
    assert required == {
        "python": True,
        "postgresql": True,
        "custom:elm": True,
        "kafka": True,
        "mentoring": False,
        "qualification:3": True,
        "communication": False,
    }
    kinds = {c["id"]: c["kind"] for c in plan["competencies"]}
    assert kinds["mentoring"] == kinds["communication"] == "behavioural"
    assert kinds["qualification:3"] == "qualification" and kinds["custom:elm"] == "skill"
    assert by_id(plan, "qualification:3")["name"] == "Strong ownership of production systems"
    assert plan["skillsCoverage"] == {
        "Python": True,
        "PostgreSQL": True,
        "Elm": True,
        "Apache Kafka": True,
        "Mentoring": True,
    }


def test_weights_favour_required_and_earlier_competencies() -> None:
    plan = generate_plan(BACKEND, seed="s")
    weights = [c["weight"] for c in plan["competencies"] if c["required"]]
    assert weights == sorted(weights, reverse=True)
    assert min(weights) > max(c["weight"] for c in plan["competencies"] if not c["required"])
    assert sum(c["weight"] for c in plan["competencies"]) == pytest.approx(1, abs=1e-9)


def test_minimum_scores_depend_on_level_and_requirement() -> None:
    senior = generate_plan(BACKEND, seed="s")
    assert {c["minimumScore"] for c in senior["competencies"] if c["required"]} == {3}
    assert {c["minimumScore"] for c in senior["competencies"] if not c["required"]} == {2}
    junior = generate_plan(PlanInput(level="junior", skills=("Python",)), seed="s")
    assert [c["minimumScore"] for c in junior["competencies"]] == [2, 1]


@pytest.mark.parametrize(
    ("level", "difficulties"),
    [
        ("junior", [1, 2, 3]),
        ("mid", [1, 2, 3]),
        ("senior", [2, 3, 4]),
        ("lead", [3, 4, 5]),
        ("principal", [3, 4, 5]),
        (None, [1, 2, 3]),  # a missing level plans for mid
    ],
)
def test_questions_aim_at_the_level_and_warm_up(level: str | None, difficulties: list[int]) -> None:
    plan = generate_plan(PlanInput(level=level, skills=("Python",), duration=30), seed="s")
    python = by_id(plan, "python")
    assert [q["difficulty"] for q in python["questions"]] == difficulties
    assert all(q["source"] == "bank" for q in python["questions"])
    assert [q["level"] for q in python["questions"]] == [
        ["junior", "mid", "senior", "lead", "principal"][d - 1] for d in difficulties
    ]


def test_one_question_for_a_short_slot_and_the_levels_own_first() -> None:
    plan = generate_plan(PlanInput(level="principal", skills=("Go",), duration=10), seed="s")
    assert ids(plan) == ["go"]  # ten minutes hold one competency
    assert [q["id"] for q in plan["competencies"][0]["questions"]] == ["go-5"]


def test_skills_missing_from_the_bank_get_template_questions() -> None:
    plan = generate_plan(PlanInput(level="mid", skills=("Elm", "Svelte"), duration=60), seed="s")
    for competency in plan["competencies"][:2]:
        assert competency["questions"]
        for question in competency["questions"]:
            assert question["source"] == "template"
            assert question["templateId"].startswith("skill-")
            assert competency["name"] in question["text"]
            assert question["id"] == f"{competency['id']}/{question['templateId']}"
    assert by_id(plan, "svelte")["skillId"] == "svelte"  # known to the taxonomy, not the bank
    assert by_id(plan, "custom:elm")["skillId"] is None


def test_behavioural_templates_read_naturally() -> None:
    plan = generate_plan(PlanInput(level="senior", skills=("Negotiation",), duration=10), seed="s")
    question = by_id(plan, "negotiation")["questions"][0]
    assert question["source"] == "template" and question["templateId"] == "behavioural-3"
    assert "your negotiation was really tested" in question["text"]


def test_few_skills_are_filled_from_the_role_family() -> None:
    plan = generate_plan(
        PlanInput(role_family="frontend_engineering", level="mid", skills=("Figma",)), seed="s"
    )
    assert ids(plan) == ["figma", "react", "angular", "communication"]
    assert [c["required"] for c in plan["competencies"]] == [True, False, False, False]
    assert plan["skillsCoverage"] == {"Figma": True}


def test_the_family_fills_with_skills_the_bank_knows_first() -> None:
    plan = generate_plan(PlanInput(role_family="data_engineering", level="mid"), seed="s")
    assert ids(plan) == ["spark", "airflow", "kafka", "communication"]


def test_with_nothing_to_go_on_the_role_itself_is_assessed() -> None:
    plan = generate_plan(PlanInput(level="lead", position="Head of Platform"), seed="s")
    assert ids(plan) == ["role", "leadership"]
    role = plan["competencies"][0]
    assert role["kind"] == "role" and role["required"] and role["name"] == "Head of Platform"
    assert "this Head of Platform role" in role["questions"][0]["text"]


def test_the_behavioural_competency_depends_on_the_level() -> None:
    def last(level: str) -> str:
        return ids(generate_plan(PlanInput(level=level, skills=("SQL",)), seed="s"))[-1]

    assert [last(level) for level in ("junior", "mid", "senior", "lead", "principal")] == [
        "problem_solving",
        "communication",
        "communication",
        "leadership",
        "leadership",
    ]


def test_a_short_interview_keeps_the_first_competencies_and_says_what_it_dropped() -> None:
    skills = ("Python", "Go", "Rust", "Java", "Kotlin", "Swift")
    plan = generate_plan(PlanInput(level="mid", skills=skills, duration=20), seed="s")
    assert max_competencies(20) == 3
    assert ids(plan) == ["python", "go", "rust"]
    assert plan["skillsCoverage"] == {
        "Python": True,
        "Go": True,
        "Rust": True,
        "Java": False,
        "Kotlin": False,
        "Swift": False,
    }


def test_duplicates_and_spellings_collapse_to_one_competency() -> None:
    plan = generate_plan(
        PlanInput(level="mid", skills=("Python", "python3"), qualifications=("Strong Python",)),
        seed="s",
    )
    assert ids(plan) == ["python", "communication"]


def test_the_time_budget_adds_up() -> None:
    plan = generate_plan(BACKEND, seed="s")
    budget = plan["timeBudget"]
    assert (budget["greeting"], budget["candidateQuestions"], budget["wrapUp"]) == (3, 4, 2)
    assert [m["competencyId"] for m in budget["competencies"]] == ids(plan)
    minutes = sum(m["minutes"] for m in budget["competencies"])
    assert budget["greeting"] + minutes + budget["candidateQuestions"] + budget["wrapUp"] == 45
    assert budget["total"] == 45


def test_the_greeting() -> None:
    plan = generate_plan(BACKEND, seed="s")
    text = plan["greeting"]
    assert text.startswith("Hello, and thank you for joining this interview for the Senior ")
    assert "Senior Backend Engineer role at Acme" in text
    assert "AI interviewer" in text and "45 minutes" in text
    assert "about 4 minutes at the end for your own questions" in text
    assert "Python, PostgreSQL, Elm, Apache Kafka, Mentoring, Communication and your " in text
    bare = generate_plan(PlanInput(role_family="design", duration=10), seed="s")["greeting"]
    assert "for the Design role." in bare and "about 1 minute at" in bare


def test_revising_records_the_notes_and_applies_them() -> None:
    plan = generate_plan(BACKEND, seed="s")
    revised = revise_plan(plan, "  Drop Elm and focus on Kafka. Make it harder. ")
    assert revised["version"] == 2
    assert revised["revisions"] == [
        {"version": 2, "notes": "Drop Elm and focus on Kafka. Make it harder."}
    ]
    assert revised["planId"] != plan["planId"]
    assert revised["seed"] == plan["seed"] and revised["inputs"] == plan["inputs"]
    assert revised["adjustments"] == {
        "focus": ["Apache Kafka"],
        "removed": ["Elm"],
        "difficultyShift": 1,
    }
    assert ids(revised)[:3] == ["kafka", "python", "postgresql"]
    assert "custom:elm" not in ids(revised)
    assert revised["skillsCoverage"]["Elm"] is False
    assert {q["difficulty"] for c in revised["competencies"] for q in c["questions"]} == {4}
    assert revise_plan(plan, "Drop Elm and focus on Kafka. Make it harder.") == revised


def test_revisions_add_up_and_a_later_note_wins() -> None:
    plan = generate_plan(BACKEND, seed="s")
    twice = revise_plan(revise_plan(plan, "Remove Python."), "Keep Python after all; easier")
    assert twice["version"] == 3
    assert [r["version"] for r in twice["revisions"]] == [2, 3]
    assert twice["adjustments"] == {"focus": ["Python"], "removed": [], "difficultyShift": -1}
    assert ids(twice)[0] == "python"


def test_revising_needs_notes() -> None:
    plan = generate_plan(BACKEND, seed="s")
    with pytest.raises(ValueError, match="notes"):
        revise_plan(plan, "   ")


def test_regenerating_after_a_content_change_keeps_the_notes() -> None:
    plan = revise_plan(generate_plan(BACKEND, seed="s"), "skip Elm")
    edited = PlanInput(**{**BACKEND.__dict__, "skills": ("Python", "Elm", "Go")})
    again = generate_plan(edited, seed="s", previous=plan)
    assert again["version"] == 3 and again["revisions"] == plan["revisions"]
    assert "custom:elm" not in ids(again) and "go" in ids(again)


def test_inputs_from_an_interview_record() -> None:
    record = {
        "position": "Senior Frontend Engineer",
        "level": "senior",
        "skills": ["ReactJS", "TS"],
        "canonicalPayload": {
            "skills": ["React", "TypeScript"],
            "roleFamily": "frontend_engineering",
        },
        "qualifications": ["Accessibility experience", " "],
        "duration": 60,
        "candidateName": "Ada Lovelace",
    }
    inputs = PlanInput.from_interview(record)
    assert inputs == PlanInput(
        role_family="frontend_engineering",
        level="senior",
        skills=("React", "TypeScript"),
        qualifications=("Accessibility experience",),
        duration=60,
        position="Senior Frontend Engineer",
    )
    assert PlanInput.from_interview({"skills": ["Go"]}) == PlanInput(skills=("Go",), duration=45)
    assert "Ada" not in json.dumps(generate_plan(inputs, seed="s"))


@pytest.mark.parametrize("duration", [9, 181, 0, -45])
def test_durations_outside_10_to_180_are_refused(duration: int) -> None:
    with pytest.raises(ValueError, match="10–180"):
        generate_plan(PlanInput(duration=duration), seed="s")


@pytest.mark.parametrize("duration", ["45", 45.0, True])
def test_durations_must_be_whole_minutes(duration: Any) -> None:
    with pytest.raises(ValueError, match="whole minutes"):
        generate_plan(PlanInput(duration=duration), seed="s")


def test_an_unknown_role_family_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown role family"):
        generate_plan(PlanInput(role_family="astronaut"), seed="s")


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        (["Drop Java and focus on Kubernetes"], Adjustments(("Kubernetes",), ("Java",), 0)),
        (["no Elm questions; more on React"], Adjustments(("React",), ("Elm",), 0)),
        (
            ["Skip Python but add more about PostgreSQL, and make them easier"],
            Adjustments(("PostgreSQL",), ("Python",), -1),
        ),
        (["remove Java and Python"], Adjustments((), ("Java", "Python"), 0)),
        (["harder", "tougher please", "more challenging"], Adjustments((), (), 3)),
        (["harder"] * 9, Adjustments((), (), 4)),
        (["Looks good, thanks"], Adjustments()),
    ],
)
def test_reading_notes(notes: list[str], expected: Adjustments) -> None:
    assert read_notes(notes, ["Elm", "Python"], load_taxonomy()) == expected

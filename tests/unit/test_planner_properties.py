"""Properties of every plan: weights sum to 1, the time budget sums to the duration, the
planner is deterministic, and every question comes from the bank or a template."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hirestream.agents.enrich.taxonomy import load_taxonomy
from hirestream.agents.planner.apportion import split
from hirestream.agents.planner.bank import load_bank
from hirestream.agents.planner.budget import MAX_DURATION, MIN_DURATION
from hirestream.agents.planner.plan import PlanInput, generate_plan, revise_plan
from hirestream.agents.planner.questions import TEMPLATE_KIND

TAXONOMY = load_taxonomy()
BANK = load_bank()
SKILL_NAMES = sorted(s.name for s in TAXONOMY.skills.values())
BANKED = sorted(TAXONOMY.skills[s].name for s in BANK.questions)
STATEMENTS = [
    "5+ years building backend services with Kafka",
    "Experience mentoring engineers is a plus",
    "Strong ownership of production systems",
    "Has shipped a mobile app to the App Store",
    "Familiarity with Terraform preferred",
    "Comfortable presenting to executives",
]
NOTES = [
    "Drop Python and focus on Kubernetes",
    "Make it harder",
    "easier, please",
    "no Java; more on React",
    "Looks good",
]
LEVELS = ["junior", "mid", "senior", "lead", "principal", "JUNIOR", "Staff", None]

words = st.text(st.characters(codec="utf-8"), max_size=30)
inputs = st.builds(
    PlanInput,
    role_family=st.one_of(st.none(), st.sampled_from(sorted(TAXONOMY.role_families))),
    level=st.sampled_from(LEVELS),
    skills=st.lists(
        st.one_of(st.sampled_from(BANKED), st.sampled_from(SKILL_NAMES), words), max_size=12
    ).map(tuple),
    qualifications=st.lists(st.one_of(st.sampled_from(STATEMENTS), words), max_size=5).map(tuple),
    duration=st.integers(MIN_DURATION, MAX_DURATION),
    position=st.one_of(st.none(), st.sampled_from(["Senior Engineer", "Data Scientist"])),
    company_name=st.one_of(st.none(), st.just("Acme")),
)
notes = st.lists(st.one_of(st.sampled_from(NOTES), words.filter(str.strip)), max_size=3)
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_plan(plan: dict[str, Any]) -> None:
    """Every property a plan must have."""
    competencies = plan["competencies"]
    assert competencies
    assert abs(sum(c["weight"] for c in competencies) - 1) <= 1e-9
    assert all(c["weight"] > 0 for c in competencies)
    assert len({c["id"] for c in competencies}) == len(competencies)

    budget = plan["timeBudget"]
    per_competency = [m["minutes"] for m in budget["competencies"]]
    assert [m["competencyId"] for m in budget["competencies"]] == [c["id"] for c in competencies]
    assert min(per_competency) >= 1
    parts = budget["greeting"] + sum(per_competency) + budget["candidateQuestions"]
    assert parts + budget["wrapUp"] == plan["duration"] == budget["total"]

    question_ids = [q["id"] for c in competencies for q in c["questions"]]
    assert len(set(question_ids)) == len(question_ids)
    for competency in competencies:
        assert competency["questions"]
        difficulties = [q["difficulty"] for q in competency["questions"]]
        assert difficulties == sorted(difficulties)
        for question in competency["questions"]:
            check_question(competency, question)
    assert json.loads(json.dumps(plan)) == plan


def check_question(competency: dict[str, Any], question: dict[str, Any]) -> None:
    """The question is the bank's, or a template rendered for the competency, verbatim."""
    if question["source"] == "bank":
        banked = BANK.by_id[question["id"]]
        assert banked.skill == competency["skillId"]
        text, covers, difficulty = banked.text, banked.covers, banked.difficulty
    else:
        assert question["source"] == "template"
        template = BANK.templates_by_id[question["templateId"]]
        assert template.kind == TEMPLATE_KIND[competency["kind"]]
        assert competency["skillId"] not in BANK.questions  # the bank is used when it can be
        text, covers = template.render(competency["name"])
        difficulty = template.difficulty
    assert question["text"] == text
    assert question["goodAnswerCovers"] == list(covers)
    assert question["difficulty"] == difficulty


@fast
@given(inputs, st.text(max_size=20))
def test_every_plan_has_the_properties(plan_input: PlanInput, seed: str) -> None:
    check_plan(generate_plan(plan_input, seed=seed))


@fast
@given(inputs, st.text(max_size=20))
def test_the_planner_is_deterministic(plan_input: PlanInput, seed: str) -> None:
    first = generate_plan(plan_input, seed=seed)
    assert json.dumps(generate_plan(plan_input, seed=seed)) == json.dumps(first)
    # Rebuilt from what the plan records, it is the same plan.
    again = PlanInput.from_json(first["inputs"])
    assert generate_plan(again, seed=seed) == first


@fast
@given(inputs, notes)
def test_revised_plans_keep_the_properties(plan_input: PlanInput, notes: list[str]) -> None:
    plan = generate_plan(plan_input, seed="run")
    for n, note in enumerate(notes, start=2):
        revised = revise_plan(plan, note)
        assert revised["version"] == n
        assert revised["revisions"][-1] == {"version": n, "notes": note.strip()}
        assert revised["planId"] != plan["planId"]
        assert revise_plan(plan, note) == revised
        check_plan(revised)
        plan = revised


@pytest.mark.parametrize("duration", range(MIN_DURATION, MAX_DURATION + 1))
def test_the_budget_sums_to_every_duration(duration: int) -> None:
    for plan_input in (
        PlanInput(duration=duration),
        PlanInput(duration=duration, level="lead", skills=("Python", "Go", "Elm")),
        PlanInput(duration=duration, role_family="data_science", skills=tuple(BANKED[:12])),
    ):
        plan = generate_plan(plan_input, seed="s")
        budget = plan["timeBudget"]
        spent = sum(m["minutes"] for m in budget["competencies"])
        assert budget["greeting"] + spent + budget["candidateQuestions"] + budget["wrapUp"] == (
            duration
        )
        assert abs(sum(c["weight"] for c in plan["competencies"]) - 1) <= 1e-9


@given(
    st.lists(st.floats(min_value=1e-6, max_value=1e6), min_size=1, max_size=20),
    st.integers(0, 10_000),
    st.integers(0, 3),
)
def test_split_always_adds_up(weights: list[float], extra: int, minimum: int) -> None:
    total = minimum * len(weights) + extra
    parts = split(total, weights, minimum)
    assert sum(parts) == total
    assert min(parts) >= minimum

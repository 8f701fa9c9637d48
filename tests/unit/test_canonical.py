"""canonicalise(): the seed's example, the diff report, overrides, and its properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hirestream.agents.enrich.canonical import (
    Canonicalised,
    apply_override,
    canonical_skill,
    canonicalise,
    role_families,
)
from hirestream.agents.enrich.skills import resolve
from hirestream.agents.enrich.taxonomy import load_taxonomy

SEED_RESUME = """Jane Smith
Senior Software Engineer
jane@example.com

Summary
Eight years of product work for fast-growing companies.

Experience
Acme Corp, Senior Engineer (2019-2024)
- Built the customer dashboard in React and TypeScript, cutting page load time by 40%.
- Led the rewrite of the checkout flow in React.

Skills
React, TypeScript, Node.js
"""

SEED_INPUT = {
    "candidateName": "Jane Smith",
    "candidateEmail": "jane@example.com",
    "position": "Sr Engineer",
    "level": "SENIOR",
    "skills": ["ReactJS", "TS", "Node.js"],
    "jobDescription": "Build scalable platform services...",
    "candidateResume": SEED_RESUME,
}


def test_the_seed_example() -> None:
    result = canonicalise(SEED_INPUT)
    assert result.position == "Senior Engineer"
    assert result.skills == ["React", "TypeScript", "Node.js"]
    assert result.canonical_payload == {
        "skills": ["React", "TypeScript", "Node.js"],
        "jobDescription": "Build scalable platform services...",
        "candidateResume": SEED_RESUME,
        "roleFamily": "frontend_engineering",
        "roleCategory": "engineering",
        "relatedSkills": ["Next.js", "Redux", "GraphQL"],
        "taxonomyVersion": load_taxonomy().version,
    }
    assert result.diff_report == {
        "position": {"before": "Sr Engineer", "after": "Senior Engineer"},
        "skills[0]": {"before": "ReactJS", "after": "React"},
        "skills[1]": {"before": "TS", "after": "TypeScript"},
    }
    assert result.claimed_skills == ["React", "TypeScript", "Node.js"]
    assert result.evidenced_skills == ["React", "TypeScript"]
    assert result.unknown_skills == [] and result.unknown_title is None


def test_the_seed_payload_form_is_json_ready() -> None:
    result = canonicalise(SEED_INPUT)
    assert list(result.canonical_payload) == [
        "skills",
        "jobDescription",
        "candidateResume",
        "roleFamily",
        "roleCategory",
        "relatedSkills",
        "taxonomyVersion",
    ]
    assert result.diff_report["skills[0]"] == {"before": "ReactJS", "after": "React"}


def test_repeats_blanks_compounds_and_unknown_skills() -> None:
    result = canonicalise(
        {
            "position": "Engineer",
            "skills": ["react", "React.js", "  ", "HTML/CSS", " Frobnicator  ", "frobnicator", 7],
        }
    )
    assert result.skills == ["React", "HTML", "CSS", "Frobnicator"]
    assert result.unknown_skills == ["Frobnicator"]
    assert result.diff_report == {
        "skills[0]": {"before": "react", "after": "React"},
        "skills[1]": {"before": "React.js", "after": None},
        "skills[2]": {"before": "  ", "after": None},
        "skills[3]": {"before": "HTML/CSS", "after": ["HTML", "CSS"]},
        "skills[4]": {"before": " Frobnicator  ", "after": "Frobnicator"},
        "skills[5]": {"before": "frobnicator", "after": None},
        "skills[6]": {"before": 7, "after": None},
    }


def test_missing_fields() -> None:
    result = canonicalise({})
    assert result.position is None and result.skills == [] and result.diff_report == {}
    payload = result.canonical_payload
    assert payload["roleFamily"] is None and payload["roleCategory"] is None
    assert payload["jobDescription"] is None and payload["candidateResume"] is None
    assert payload["taxonomyVersion"] == load_taxonomy().version
    assert result.claimed_skills == [] and result.evidenced_skills == []


def test_without_a_resume_claims_are_the_input_skills_and_nothing_is_evidenced() -> None:
    result = canonicalise({"position": "Engineer", "skills": ["Go", "Frobnicator", "k8s"]})
    assert result.claimed_skills == ["Go", "Kubernetes"]
    assert result.evidenced_skills == []


def test_unknown_title_is_reported_and_the_skills_decide() -> None:
    result = canonicalise({"position": "chief happiness officer", "skills": ["Figma"]})
    assert result.position == "Chief Happiness Officer"
    assert result.unknown_title == "Chief Happiness Officer"
    assert result.canonical_payload["roleFamily"] == "design"
    assert result.canonical_payload["roleCategory"] == "design"
    nothing = canonicalise({"position": "Chief Happiness Officer"})
    assert nothing.canonical_payload["roleFamily"] is None


def test_generic_title_without_skills_gets_the_generic_family() -> None:
    result = canonicalise({"position": "Software Engineer"})
    assert result.canonical_payload["roleFamily"] == "software_engineering"
    assert result.unknown_title is None


def test_job_description_hints_the_family_only_when_nothing_else_does() -> None:
    hinted = canonicalise({"position": "Engineer", "jobDescription": "You will run Kubernetes."})
    assert hinted.canonical_payload["roleFamily"] == "devops_sre"
    assert hinted.skills == []


def test_role_family_override() -> None:
    result = canonicalise(SEED_INPUT, role_family_override="fullstack_engineering")
    assert result.canonical_payload["roleFamily"] == "fullstack_engineering"
    assert result.canonical_payload["roleCategory"] == "engineering"
    with pytest.raises(ValueError, match="unknown role family"):
        canonicalise(SEED_INPUT, role_family_override="wizardry")


def test_learned_cooccurrence_reaches_related_skills() -> None:
    counts = {"react": {"tailwind": 5}}  # worth 0.27: after the curated GraphQL edge (0.6)
    result = canonicalise(SEED_INPUT, cooccurrence=counts)
    assert result.canonical_payload["relatedSkills"][:4] == [
        "Next.js",
        "Redux",
        "GraphQL",
        "Tailwind CSS",
    ]


def test_role_families_lists_valid_ids() -> None:
    ids = role_families()
    assert len(ids) >= 25 and "frontend_engineering" in ids and len(ids) == len(set(ids))


def test_apply_override_canonicalises_both_lists() -> None:
    skills = ["React", "TypeScript", "Node.js"]
    assert apply_override(skills, add=["k8s", "react.js", "Frobnicator"], remove=["TS"]) == [
        "React",
        "Node.js",
        "Kubernetes",
        "Frobnicator",
    ]
    assert apply_override(skills, add=[], remove=["frobnicator", "nodejs"]) == [
        "React",
        "TypeScript",
    ]
    assert apply_override([], add=["  ", "HTML/CSS"], remove=[]) == ["HTML", "CSS"]


# --- properties ---------------------------------------------------------------------------------

TAXONOMY = load_taxonomy()
ALIASES = sorted(
    {alias for skill in TAXONOMY.skills.values() for alias in (skill.name, *skill.aliases)}
)
TITLES = ["Sr Engineer", "sr. swe", "Front-end Dev", "Eng Mgr", "UI/UX designer", "SDET", "CTO"]


def _messy(term: str) -> st.SearchStrategy[str]:
    return st.sampled_from([term, term.upper(), term.lower(), f"  {term} ", f"{term}3", f"{term}."])


skill_entries = st.one_of(
    st.sampled_from(ALIASES).flatmap(_messy),
    st.sampled_from(["HTML/CSS", "C/C++", "Git/GitHub", "UI/UX"]),
    st.text(max_size=20),
)
bodies = st.fixed_dictionaries(
    {
        "position": st.one_of(st.none(), st.sampled_from(TITLES), st.text(max_size=40)),
        "skills": st.lists(skill_entries, max_size=12),
    },
    optional={
        "jobDescription": st.text(max_size=80),
        "candidateResume": st.sampled_from([SEED_RESUME, "", "Python, Go, Rust"]),
    },
)


def _again(first: Canonicalised, raw: dict[str, Any]) -> Canonicalised:
    body = {**raw, "position": first.position, "skills": first.skills}
    return canonicalise(body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_canonicalising_a_canonical_payload_changes_nothing(raw: dict[str, Any]) -> None:
    first = canonicalise(raw)
    second = _again(first, raw)
    assert second.diff_report == {}
    assert second.position == first.position
    assert second.skills == first.skills
    assert second.canonical_payload == first.canonical_payload
    assert second.claimed_skills == first.claimed_skills
    assert second.evidenced_skills == first.evidenced_skills


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_no_skill_is_lost_or_duplicated(raw: dict[str, Any]) -> None:
    result = canonicalise(raw)
    folded = [skill.casefold() for skill in result.skills]
    assert len(folded) == len(set(folded))
    for entry in raw["skills"]:
        typed = " ".join(entry.split())
        if not typed:
            continue
        expected = [s.name for s in resolve(entry)] or [typed]
        assert all(name.casefold() in folded for name in expected), entry
    for n, entry in enumerate(raw["skills"]):
        change = result.diff_report.get(f"skills[{n}]")
        if change is not None:
            assert change["before"] == entry and change["after"] != entry


@settings(max_examples=200, deadline=None)
@given(st.lists(skill_entries, max_size=10))
def test_input_order_is_kept(entries: list[str]) -> None:
    result = canonicalise({"skills": entries})
    firsts: list[str] = []
    for entry in entries:
        names = [s.name for s in resolve(entry)] or [" ".join(entry.split())]
        firsts += [n for n in names if n and n.casefold() not in {f.casefold() for f in firsts}]
    assert result.skills == firsts


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ALIASES).flatmap(_messy))
def test_canonical_skill_is_a_fixed_point(term: str) -> None:
    name = canonical_skill(term)
    if name is not None:
        assert canonical_skill(name) == name

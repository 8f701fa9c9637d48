"""The matchers one by one: skills, titles, role families, résumé evidence, graph, fuzzy."""

from __future__ import annotations

import pytest

from hirestream.agents.enrich.families import detect_family, match_title
from hirestream.agents.enrich.fuzzy import match_skill
from hirestream.agents.enrich.fuzzy import match_title as fuzzy_title
from hirestream.agents.enrich.graph import (
    cooccurrence_increments,
    learned_weight,
    merge_counts,
    related_skills,
)
from hirestream.agents.enrich.resume import resume_skills
from hirestream.agents.enrich.skills import canonical_skill, resolve, skills_in_text
from hirestream.agents.enrich.text import compact, key, without_version
from hirestream.agents.enrich.titles import canonical_title, title_level


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" ReactJS, ", "reactjs"),
        ("Node.js.", "node.js"),
        (".NET", ".net"),
        ("C++", "c++"),
        ("C#", "c#"),
        ("ＲｅａｃｔJS", "reactjs"),
        ("Front\u2013end", "front-end"),
    ],
)
def test_key_folds_case_width_dashes_and_edges(raw: str, expected: str) -> None:
    assert key(raw) == expected


def test_compact_and_version_stripping() -> None:
    assert compact("react.js") == compact("react js") == compact("react-js") == "reactjs"
    assert without_version("python3") == "python"
    assert without_version("vue 3.4") == "vue"
    assert without_version("c++17") == "c++"
    assert without_version("k8s") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ReactJS", "React"),
        ("TS", "TypeScript"),
        ("k8s", "Kubernetes"),
        ("Postgres", "PostgreSQL"),
        ("Python3", "Python"),
        ("Angular 16", "Angular"),
        ("AWS (EC2, S3)", "Amazon Web Services"),
        ("Strong SQL skills", "SQL"),
        ("Expressjs", "Express"),
        ("MS Azure DevOps", "Azure DevOps"),
        ("Vector DBs", "Vector Databases"),
        ("asdfgh", None),
        ("", None),
        ("   ", None),
    ],
)
def test_canonical_skill(raw: str, expected: str | None) -> None:
    assert canonical_skill(raw) == expected


def test_compounds_split_only_when_every_part_is_known() -> None:
    assert [s.name for s in resolve("HTML/CSS")] == ["HTML", "CSS"]
    assert [s.name for s in resolve("C/C++")] == ["C", "C++"]
    assert [s.name for s in resolve("CI/CD")] == ["CI/CD"]
    assert resolve("terraform/terragrunt") == []
    assert resolve("R&D") == []


def test_prose_is_strict_about_ambiguous_words_and_lists_are_not() -> None:
    prose = "I react to incidents, go the extra mile and spring into action. Shipped Go and React."
    assert skills_in_text(prose) == ["go", "react"]
    assert skills_in_text("react, go, spring, node", lenient=True) == [
        "react",
        "go",
        "spring",
        "nodejs",
    ]
    assert skills_in_text("Wrote golang services and R&D notes") == ["go"]
    assert skills_in_text("Built it in Node.js, C++ and C#/.NET.") == [
        "nodejs",
        "cpp",
        "csharp",
        "dotnet",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sr Engineer", "Senior Engineer"),
        ("sr. swe", "Senior Software Engineer"),
        ("Front-end Dev", "Frontend Developer"),
        ("Eng Mgr", "Engineering Manager"),
        ("Head of Eng", "Head of Engineering"),
        ("SR ENGINEER ACME", "Senior Engineer Acme"),
        ("Jr. Full-Stack Developer (Remote)", "Junior Full Stack Developer (Remote)"),
        ("nodejs developer", "Node.js Developer"),
        ("Golang Engineer", "Golang Engineer"),
        ("Software Engineer II", "Software Engineer II"),
        ("Senior Engineer, Platform", "Senior Engineer, Platform"),
        ("CI/CD engineer", "CI/CD Engineer"),
        ("UI/UX designer", "UI/UX Designer"),
        ("Acme Inc.", "Acme Inc."),
    ],
)
def test_canonical_title(raw: str, expected: str) -> None:
    assert canonical_title(raw) == expected
    assert canonical_title(expected) == expected


def test_title_level() -> None:
    assert title_level("Sr Engineer") == "senior"
    assert title_level("Jr. Dev") == "junior"
    assert title_level("Senior Staff Engineer") == "lead"
    assert title_level("Principal Architect") == "principal"
    assert title_level("Engineering Manager") is None


def _family(title: str) -> str | None:
    found = match_title(title)
    return found.family if found else None


def test_title_patterns_prefer_the_specific_and_the_role_noun() -> None:
    assert _family("Machine Learning Data Engineer") == "data_engineering"
    assert _family("Data Engineering Manager") == "engineering_management"
    generic = match_title("Senior Engineer")
    assert generic is not None and generic.generic
    assert match_title("Chief Happiness Officer") is None


def test_generic_titles_take_the_role_family_from_the_skills() -> None:
    assert detect_family("Senior Engineer", ["react", "typescript", "nodejs"]).family == (
        "frontend_engineering"
    )
    assert detect_family("Engineer", ["nodejs", "postgresql"]).family == "backend_engineering"
    assert detect_family("Engineer", []).family == "software_engineering"
    assert detect_family("Frontend Engineer", ["python", "django"]).family == "frontend_engineering"
    unknown = detect_family("Chief Happiness Officer", [])
    assert unknown.family is None and not unknown.title_known
    assert detect_family("Chief Happiness Officer", ["figma"]).family == "design"


def test_context_skills_only_speak_when_nothing_else_does() -> None:
    assert detect_family("Engineer", [], context_skill_ids=["kubernetes"]).family == "devops_sre"
    assert detect_family("Engineer", ["swift"], context_skill_ids=["kubernetes"]).family == (
        "mobile_engineering"
    )


RESUME = """Jane Smith
Senior Software Engineer

Summary
Frontend engineer who loves Vue.js.

Experience
Acme Corp, Senior Engineer (2019-2024)
- Built the customer dashboard in React and TypeScript.
- Tech stack: GraphQL, Redis

Skills: Kubernetes
Skills
React, TypeScript, Node.js
"""


def test_claimed_and_evidenced_skills_follow_the_sections() -> None:
    found = resume_skills(RESUME)
    assert found.claimed == [
        "vue",
        "react",
        "typescript",
        "graphql",
        "redis",
        "kubernetes",
        "nodejs",
    ]
    # "Skills: Kubernetes" inside the experience section is still a claim; the job's own
    # "Tech stack:" line is evidence of that job
    assert found.evidenced == {"react", "typescript", "graphql", "redis"}


def test_a_jobs_environment_line_is_evidence_and_a_skills_line_a_claim() -> None:
    found = resume_skills(
        "Experience\nAcme (2020-2024)\nEnvironment: Terraform, AWS\nCore skills: Rust\n"
    )
    assert set(found.claimed) == {"terraform", "aws", "rust"}
    assert found.evidenced == {"terraform", "aws"}


def test_a_resume_without_headings_is_read_by_line_shape() -> None:
    found = resume_skills("Jane\nPython, Django, Docker\nI built payment services in Go at Acme.")
    assert found.claimed == ["python", "django", "docker", "go"]
    assert found.evidenced == {"go"}


def test_related_skills_strongest_first_without_present_ones() -> None:
    assert related_skills(
        ["React", "TypeScript", "Node.js"], role_family="frontend_engineering"
    ) == [
        "Next.js",
        "Redux",
        "GraphQL",
    ]
    unfiltered = related_skills(["react"])
    assert unfiltered[:2] == ["Next.js", "Redux"] and "React" not in unfiltered
    assert len(related_skills(["python", "java", "aws", "kubernetes", "react"])) == 10
    assert related_skills(["react"], limit=1) == ["Next.js"]


def test_learned_cooccurrence_adds_to_curated_edges() -> None:
    counts = {"react": {"tailwind": 40, "storybook": 1}}
    related = related_skills(["react"], cooccurrence=counts, role_family="frontend_engineering")
    assert related[:3] == ["Next.js", "Redux", "Tailwind CSS"]
    assert "Storybook" not in related  # below min_count
    assert learned_weight(0) == 0 and 0 < learned_weight(1) < learned_weight(100) < 0.8


def test_cooccurrence_increments_are_symmetric_pairs_of_known_skills() -> None:
    increments = cooccurrence_increments(["ReactJS", "TS", "Frobnicator", "React"])
    assert increments == {"react": {"typescript": 1}, "typescript": {"react": 1}}
    assert cooccurrence_increments(["React"]) == {}
    merged = merge_counts(increments, increments)
    assert merged["react"]["typescript"] == 2 and increments["react"]["typescript"] == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Kubernets", "Kubernetes"), ("Javasript", "JavaScript"), ("Postgress", "PostgreSQL")],
)
def test_fuzzy_skill_matches_misspellings(raw: str, expected: str) -> None:
    found = match_skill(raw)
    assert found is not None and found.canonical == expected and 85 <= found.score < 100


def test_fuzzy_skill_gives_up_under_the_threshold_and_on_short_terms() -> None:
    assert match_skill("Frobnicator") is None
    assert match_skill("Jav") is None
    exact = match_skill("ReactJS")
    assert exact is not None and exact.score == 100 and exact.id == "react"


def test_fuzzy_title_mends_words_then_finds_the_family() -> None:
    found = fuzzy_title("Senior Bakend Developer")
    assert found is not None
    assert (found.id, found.canonical) == ("backend_engineering", "Senior Backend Developer")
    assert found.score < 100
    assert fuzzy_title("Wizard of Light") is None

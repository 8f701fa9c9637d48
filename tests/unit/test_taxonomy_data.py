"""The shipped taxonomy data: sound, big enough, stable ids, and every alias means one skill."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hirestream.agents.enrich.canonical import canonical_skill
from hirestream.agents.enrich.taxonomy import (
    TaxonomyError,
    build_taxonomy,
    load_taxonomy,
    problems,
    read_data,
    title_tokens,
)
from hirestream.agents.enrich.text import compact, key
from hirestream.agents.enrich.titles import canonical_title

DATA_FILE = Path(__file__).parents[2] / "agents" / "enrich" / "data" / "taxonomy.json"

#: Ids other components and stored payloads rely on: they must never change meaning.
PINNED_SKILLS = {
    "react": "React",
    "typescript": "TypeScript",
    "nodejs": "Node.js",
    "nextjs": "Next.js",
    "redux": "Redux",
    "graphql": "GraphQL",
    "python": "Python",
    "kubernetes": "Kubernetes",
    "postgresql": "PostgreSQL",
    "go": "Go",
}
REQUIRED_FAMILIES = {
    "frontend_engineering": "engineering",
    "backend_engineering": "engineering",
    "fullstack_engineering": "engineering",
    "data_engineering": "engineering",
    "ml_engineering": "engineering",
    "devops_sre": "engineering",
    "mobile_engineering": "engineering",
    "qa_engineering": "engineering",
    "security_engineering": "engineering",
    "engineering_management": "engineering",
    "data_science": None,
    "product_management": None,
    "design": None,
}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return read_data()


def test_the_data_file_is_data_with_a_header_naming_version_and_sources(
    data: dict[str, Any],
) -> None:
    assert json.loads(DATA_FILE.read_text("utf-8")) == data
    meta = data["meta"]
    assert meta["version"] and meta["version"] == load_taxonomy().version
    assert len(meta["sources"]) >= 3
    assert all(source["name"] and source["usedFor"] for source in meta["sources"])


def test_the_shipped_data_has_no_problems(data: dict[str, Any]) -> None:
    assert problems(data) == []


def test_it_is_big_enough(data: dict[str, Any]) -> None:
    assert len(data["skills"]) >= 400
    assert len(data["roleFamilies"]) >= 25
    categories = Counter(skill["category"] for skill in data["skills"])
    for needed in ("frontend", "backend", "data", "cloud", "devops", "mobile", "security"):
        assert categories[needed] >= 5, needed
    for needed in ("ml_ai", "qa", "design", "product", "soft_skills"):
        assert categories[needed] >= 5, needed


def test_no_alias_maps_to_two_skills(data: dict[str, Any]) -> None:
    for view in (key, lambda term: compact(key(term))):
        owners: dict[str, set[str]] = {}
        for skill in data["skills"]:
            for term in [skill["name"], *skill["aliases"]]:
                owners.setdefault(view(term), set()).add(skill["id"])
        shared = {term: ids for term, ids in owners.items() if len(ids) > 1}
        assert shared == {}


def test_ids_are_unique_slugs_and_pinned_ones_keep_their_meaning(data: dict[str, Any]) -> None:
    skill_ids = [skill["id"] for skill in data["skills"]]
    family_ids = [family["id"] for family in data["roleFamilies"]]
    for ids in (skill_ids, family_ids):
        assert len(ids) == len(set(ids))
        assert all(i.replace("_", "").isalnum() and i == i.lower() for i in ids)
    names = {skill["id"]: skill["name"] for skill in data["skills"]}
    assert {sid: names.get(sid) for sid in PINNED_SKILLS} == PINNED_SKILLS


def test_no_dangling_references(data: dict[str, Any]) -> None:
    skill_ids = {skill["id"] for skill in data["skills"]}
    categories = set(data["categories"])
    assert {skill["category"] for skill in data["skills"]} <= categories
    for family in data["roleFamilies"]:
        assert set(family["characteristicSkills"]) <= skill_ids, family["id"]
        assert set(family["skillCategories"]) <= categories, family["id"]
    for source, target, weight in data["edges"]:
        assert source in skill_ids and target in skill_ids and source != target
        assert 0 < weight <= 1


def test_required_role_families_and_their_categories(data: dict[str, Any]) -> None:
    families = {family["id"]: family for family in data["roleFamilies"]}
    for family_id, category in REQUIRED_FAMILIES.items():
        assert family_id in families
        assert families[family_id]["roleCategory"]
        if category:
            assert families[family_id]["roleCategory"] == category
    assert sum(1 for family in families.values() if family.get("generic")) == 1


def test_seed_edges_are_curated(data: dict[str, Any]) -> None:
    edges = {(s, t) for s, t, _ in data["edges"]}
    assert {("react", "nextjs"), ("react", "redux"), ("typescript", "graphql")} <= edges


def test_every_name_and_alias_canonicalises_to_its_own_skill(data: dict[str, Any]) -> None:
    for skill in data["skills"]:
        for term in [skill["name"], *skill["aliases"]]:
            assert canonical_skill(term) == skill["name"], term


def test_title_vocabulary_is_a_fixed_point() -> None:
    vocabulary = load_taxonomy().titles
    forms = [*vocabulary.forms.values(), *(form for form, _ in vocabulary.seniority.values())]
    for form in [*forms, *vocabulary.phrases.values()]:
        assert canonical_title(form) == form, form


def test_title_patterns_are_not_shared_between_families(data: dict[str, Any]) -> None:
    seen: dict[tuple[str, ...], str] = {}
    for family in data["roleFamilies"]:
        for pattern in family["titlePatterns"]:
            words = title_tokens(pattern)
            assert seen.setdefault(words, family["id"]) == family["id"], pattern


def _broken(data: dict[str, Any], change: str) -> dict[str, Any]:
    broken = copy.deepcopy(data)
    if change == "alias":
        broken["skills"][1]["aliases"].append(broken["skills"][0]["aliases"][0])
    elif change == "edge":
        broken["edges"].append(["react", "no_such_skill", 0.5])
    elif change == "family":
        broken["roleFamilies"][0]["characteristicSkills"].append("no_such_skill")
    elif change == "id":
        broken["skills"][2]["id"] = broken["skills"][3]["id"]
    return broken


@pytest.mark.parametrize("change", ["alias", "edge", "family", "id"])
def test_problems_are_found_and_refused(data: dict[str, Any], change: str) -> None:
    broken = _broken(data, change)
    assert problems(broken)
    with pytest.raises(TaxonomyError):
        build_taxonomy(broken)

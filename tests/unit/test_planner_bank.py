"""The planner's shipped data: the question bank covers the most common skills, names only
taxonomy skills, and every question and template is well formed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hirestream.agents.enrich.taxonomy import load_taxonomy
from hirestream.agents.planner.bank import PLACEHOLDERS, build_bank, data_files, load_bank
from hirestream.agents.planner.levels import LEVELS

DATA = Path(__file__).parents[2] / "agents" / "planner" / "data"
COMMON = 60
PER_SKILL = 5


def test_the_common_skills_are_sixty_distinct_taxonomy_skills() -> None:
    common = load_bank().common_skills
    taxonomy = load_taxonomy()
    assert len(common) >= COMMON
    assert len(set(common)) == len(common)
    assert [s for s in common if s not in taxonomy.skills] == []


def test_the_bank_covers_the_most_common_skills() -> None:
    bank = load_bank()
    short = {
        skill: len(bank.questions.get(skill, ()))
        for skill in bank.most_common_skills(COMMON)
        if len(bank.questions.get(skill, ())) < PER_SKILL
    }
    assert short == {}


def test_every_common_skill_has_a_question_for_every_level() -> None:
    bank = load_bank()
    for skill in bank.most_common_skills(COMMON):
        assert {q.difficulty for q in bank.questions[skill]} == set(range(1, len(LEVELS) + 1))


def test_the_bank_names_only_taxonomy_skills() -> None:
    taxonomy = load_taxonomy()
    assert [s for s in load_bank().questions if s not in taxonomy.skills] == []


def test_every_bank_question_is_well_formed() -> None:
    bank = load_bank()
    questions = [q for qs in bank.questions.values() for q in qs]
    assert len(questions) >= COMMON * PER_SKILL
    ids = Counter(q.id for q in questions)
    assert [i for i, n in ids.items() if n > 1] == []
    texts = Counter(q.text for q in questions)
    assert [t for t, n in texts.items() if n > 1] == []
    for q in questions:
        assert q.id.startswith(f"{q.skill}-"), q.id
        assert 1 <= q.difficulty <= len(LEVELS), q.id
        assert q.text.strip() == q.text and q.text[-1] in "?.", q.id
        assert len(q.covers) >= 2, q.id
        assert all(c.strip() for c in q.covers), q.id


def test_templates_cover_every_kind_and_level_and_use_their_placeholder() -> None:
    bank = load_bank()
    assert set(bank.templates) == set(PLACEHOLDERS)
    for kind, templates in bank.templates.items():
        assert [t.difficulty for t in templates] == list(range(1, len(LEVELS) + 1)), kind
        for template in templates:
            assert PLACEHOLDERS[kind] in template.text, template.id
            assert template.id == f"{kind}-{template.difficulty}"
            assert template.covers
            rendered, covers = template.render("Elm")
            assert "{" not in rendered and all("{" not in c for c in covers), template.id


def test_the_data_files_are_json_with_the_expected_shape() -> None:
    for path in sorted((DATA / "bank").glob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        assert set(doc) == {"area", "skills"}, path.name
        for raws in doc["skills"].values():
            for raw in raws:
                assert set(raw) == {"id", "difficulty", "text", "goodAnswerCovers"}, raw["id"]


def test_a_skill_in_two_bank_files_is_refused() -> None:
    files = data_files()
    first = next(text for name, text in files if name.startswith("bank/"))
    with pytest.raises(ValueError, match="also in another bank file"):
        build_bank([("bank/a.json", first), ("bank/b.json", first)])


def test_the_version_names_the_exact_data() -> None:
    files = data_files()
    assert build_bank(files).version == load_bank().version
    changed = [(name, text.replace("?", " ?", 1)) for name, text in files]
    assert build_bank(changed).version != load_bank().version

"""Regression guard on the labelled sets in tests/data/ (bench/canonical_bench.py prints the
numbers and the misses; this only keeps them from falling below the goals)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hirestream.agents.enrich.canonical import canonicalise
from hirestream.agents.enrich.skills import resolve

DATA = Path(__file__).parents[1] / "data"


def _rows(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA / name).read_text("utf-8"))
    return rows


def _expected(wanted: str | list[str] | None) -> list[str]:
    return [] if wanted is None else [wanted] if isinstance(wanted, str) else wanted


def test_the_labelled_sets_are_big_and_varied() -> None:
    skills, titles = _rows("labelled_skills.json"), _rows("labelled_titles.json")
    assert len(skills) >= 200 and len(titles) >= 100
    kinds = {row["kind"] for row in skills}
    assert {"case", "punctuation", "version", "alias", "abbreviation", "typo", "noise"} <= kinds
    assert len({row["roleFamily"] for row in titles}) >= 25


def test_skill_accuracy_meets_the_goal() -> None:
    rows = _rows("labelled_skills.json")
    right = sum([s.name for s in resolve(row["raw"])] == _expected(row["expected"]) for row in rows)
    assert right / len(rows) >= 0.97


def test_role_family_accuracy_meets_the_goal() -> None:
    rows = _rows("labelled_titles.json")
    right = 0
    for row in rows:
        result = canonicalise({"position": row["raw"], "skills": row.get("skills", [])})
        right += result.canonical_payload["roleFamily"] == row["roleFamily"]
    assert right / len(rows) >= 0.90

"""The question bank, the question templates and the ranked common skills, shipped in ``data/``.

- ``data/bank/*.json``: per taxonomy skill id, questions with a ``difficulty`` from 1 (junior)
  to 5 (principal), the question ``text`` and what a good answer covers (``goodAnswerCovers``).
- ``data/templates.json``: generic questions by kind (``skill``, ``behavioural``,
  ``qualification``, ``role``) with a placeholder (``{skill}``, ``{qualification}``,
  ``{role}``), for what the bank lacks.
- ``data/common_skills.json``: the skills asked for most often, most common first.

Loaded once per process; ``version`` is a digest of the files, so a plan names the exact
bank it was drawn from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any

PLACEHOLDERS: Mapping[str, str] = {
    "skill": "{skill}",
    "behavioural": "{skill}",
    "qualification": "{qualification}",
    "role": "{role}",
}


@dataclass(frozen=True)
class Question:
    """A bank question about one skill."""

    id: str
    skill: str  # taxonomy skill id
    difficulty: int  # 1 (junior) .. 5 (principal)
    text: str
    covers: tuple[str, ...]  # what a good answer covers


@dataclass(frozen=True)
class Template:
    """A generic question with a placeholder for its subject."""

    id: str
    kind: str  # "skill", "behavioural", "qualification" or "role"
    difficulty: int
    text: str
    covers: tuple[str, ...]

    def render(self, subject: str) -> tuple[str, tuple[str, ...]]:
        """The question text and what a good answer covers, about ``subject``."""
        mark = PLACEHOLDERS[self.kind]
        if self.kind == "behavioural":
            subject = subject.lower()  # "your communication", not "your Communication"
        return self.text.replace(mark, subject), tuple(
            c.replace(mark, subject) for c in self.covers
        )


@dataclass(frozen=True, eq=False)
class Bank:
    version: str
    questions: Mapping[str, tuple[Question, ...]]  # skill id -> questions, by difficulty
    templates: Mapping[str, tuple[Template, ...]]  # kind -> templates, by difficulty
    common_skills: tuple[str, ...]  # most common first
    by_id: Mapping[str, Question]
    templates_by_id: Mapping[str, Template]

    def most_common_skills(self, n: int) -> tuple[str, ...]:
        return self.common_skills[:n]


def _data() -> Traversable:
    return resources.files("hirestream.agents.planner").joinpath("data")


def data_files() -> list[tuple[str, str]]:
    """(name, text) of every data file, in a fixed order."""
    data = _data()
    bank = sorted(
        (f for f in data.joinpath("bank").iterdir() if f.name.endswith(".json")),
        key=lambda f: f.name,
    )
    named = [(f"bank/{f.name}", f) for f in bank]
    named += [(name, data.joinpath(name)) for name in ("templates.json", "common_skills.json")]
    return [(name, f.read_text("utf-8")) for name, f in named]


def _covers(raw: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(c) for c in raw["goodAnswerCovers"])


def build_bank(files: list[tuple[str, str]]) -> Bank:
    """A bank from its data files' texts (as ``data_files`` lists them)."""
    digest = hashlib.sha256()
    questions: dict[str, tuple[Question, ...]] = {}
    templates: dict[str, tuple[Template, ...]] = {}
    common: tuple[str, ...] = ()
    for name, text in files:
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
        doc = json.loads(text)
        if name.startswith("bank/"):
            for skill, raws in doc["skills"].items():
                if skill in questions:
                    raise ValueError(f"{name}: skill {skill} is also in another bank file")
                found = [
                    Question(r["id"], skill, int(r["difficulty"]), r["text"], _covers(r))
                    for r in raws
                ]
                questions[skill] = tuple(sorted(found, key=lambda q: (q.difficulty, q.id)))
        elif name == "templates.json":
            for kind, raws in doc["templates"].items():
                made = [
                    Template(r["id"], kind, int(r["difficulty"]), r["text"], _covers(r))
                    for r in raws
                ]
                templates[kind] = tuple(sorted(made, key=lambda t: t.difficulty))
        elif name == "common_skills.json":
            common = tuple(doc["skills"])
    return Bank(
        version=digest.hexdigest()[:16],
        questions=questions,
        templates=templates,
        common_skills=common,
        by_id={q.id: q for qs in questions.values() for q in qs},
        templates_by_id={t.id: t for ts in templates.values() for t in ts},
    )


@cache
def load_bank() -> Bank:
    """The shipped bank, read once per process."""
    return build_bank(data_files())

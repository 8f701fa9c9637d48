"""The questions for one competency: from the bank when it has the skill, else from templates.

Questions are chosen by how close their difficulty is to the level's (ties to the easier one)
and asked easiest first, so an interview warms up before it goes deep.
"""

from __future__ import annotations

from typing import Any

from hirestream.agents.planner.bank import Bank, Question, Template
from hirestream.agents.planner.competencies import Competency
from hirestream.agents.planner.levels import level_of

#: The template set for each kind of competency the bank has no questions for.
TEMPLATE_KIND = {
    "skill": "skill",
    "behavioural": "behavioural",
    "qualification": "qualification",
    "role": "role",
}


def _closest(pool: tuple[Any, ...], target: int, count: int) -> list[Any]:
    chosen = sorted(pool, key=lambda q: (abs(q.difficulty - target), q.difficulty))[:count]
    return sorted(chosen, key=lambda q: q.difficulty)


def _from_bank(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "source": "bank",
        "difficulty": question.difficulty,
        "level": level_of(question.difficulty),
        "text": question.text,
        "goodAnswerCovers": list(question.covers),
    }


def _from_template(template: Template, competency: Competency) -> dict[str, Any]:
    text, covers = template.render(competency.name)
    return {
        "id": f"{competency.id}/{template.id}",
        "source": "template",
        "templateId": template.id,
        "difficulty": template.difficulty,
        "level": level_of(template.difficulty),
        "text": text,
        "goodAnswerCovers": list(covers),
    }


def available(competency: Competency, bank: Bank) -> int:
    """How many different questions there are for ``competency``."""
    asked = bank.questions.get(competency.skill_id or "")
    if asked:
        return len(asked)
    return len(bank.templates[TEMPLATE_KIND[competency.kind]])


def questions_for(
    competency: Competency, count: int, target: int, bank: Bank
) -> list[dict[str, Any]]:
    """``count`` questions for ``competency`` aimed at difficulty ``target``."""
    asked = bank.questions.get(competency.skill_id or "")
    if asked:
        return [_from_bank(q) for q in _closest(asked, target, count)]
    templates = bank.templates[TEMPLATE_KIND[competency.kind]]
    return [_from_template(t, competency) for t in _closest(templates, target, count)]

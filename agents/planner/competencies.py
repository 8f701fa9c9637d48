"""Which competencies a plan assesses, in priority order, and their weights.

Candidates, in this order, each once:

1. the skills of the interview (canonical names, as listed; skills the notes stress first),
   required;
2. for each qualification statement, the skills it names, or the statement itself when it
   names none; required unless it reads as a nice-to-have ("preferred", "a plus", ...);
3. while fewer than ``FILL_TO`` skills and qualifications are in, characteristic skills of the
   role family (those the bank has questions for first), optional;
4. with none of the above, the role itself (the position), required;
5. one behavioural competency for the level (problem solving for juniors, communication for
   mid and senior, leadership for leads and principals), optional.

Skills the notes remove are left out everywhere. The plan keeps as many as fit its duration,
from the top. Weights: a required competency counts 2 and an optional one 1, times
``1 - 0.5 * position / count`` (earlier ones matter more), scaled to sum to exactly 1 in steps
of 1/10,000.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from hirestream.agents.enrich.skills import skill_for, skills_in_text
from hirestream.agents.enrich.taxonomy import Taxonomy
from hirestream.agents.planner.apportion import split
from hirestream.agents.planner.bank import Bank
from hirestream.agents.planner.levels import normalise_level
from hirestream.agents.planner.notes import Adjustments

FILL_TO: Final = 3
BEHAVIOURAL_CATEGORIES: Final = frozenset({"soft_skills"})
WEIGHT_UNITS: Final = 10_000
BEHAVIOURAL: Final[dict[str | None, str]] = {
    "junior": "problem_solving",
    "mid": "communication",
    "senior": "communication",
    "lead": "leadership",
    "principal": "leadership",
    None: "communication",
}
_NICE_TO_HAVE = re.compile(
    r"\b(?:nice[\s-]to[\s-]have|preferred|preferably|a\s+plus|bonus|desirable|ideally|"
    r"optional)\b",
    re.I,
)


@dataclass(frozen=True)
class Competency:
    id: str  # the taxonomy skill id, "custom:<slug>", "qualification:<n>" or "role"
    name: str
    kind: str  # "skill", "qualification", "role" or "behavioural"
    required: bool
    skill_id: str | None = None  # the taxonomy skill, when known


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_") or "skill"


def skill_competency(name: str, required: bool, tax: Taxonomy) -> Competency:
    """A competency for one skill: known to the taxonomy (by id or any spelling) or not.
    Soft skills are behavioural competencies."""
    found = tax.skills.get(name) or skill_for(name, tax)
    if found is None:
        return Competency(f"custom:{_slug(name)}", " ".join(name.split()), "skill", required)
    kind = "behavioural" if found.category in BEHAVIOURAL_CATEGORIES else "skill"
    return Competency(found.id, found.name, kind, required, found.id)


def is_nice_to_have(statement: str) -> bool:
    return bool(_NICE_TO_HAVE.search(statement))


def candidates(
    *,
    skills: Sequence[str],
    qualifications: Sequence[str],
    role_family: str | None,
    level: str | None,
    role_name: str,
    adjustments: Adjustments,
    tax: Taxonomy,
    bank: Bank,
) -> list[Competency]:
    """Every competency the plan could assess, most important first (module docstring)."""
    found: dict[str, Competency] = {}

    def add(competency: Competency) -> None:
        if not adjustments.is_removed(competency.name):
            found.setdefault(competency.id, competency)

    stressed = {f.casefold() for f in adjustments.focus}
    for name in [*adjustments.focus, *(s for s in skills if s.casefold() not in stressed)]:
        if name.strip():
            add(skill_competency(name, True, tax))
    for n, statement in enumerate(s.strip() for s in qualifications):
        if not statement:
            continue
        required = not is_nice_to_have(statement)
        named = skills_in_text(statement, tax)
        for skill_id in named:
            add(skill_competency(skill_id, required, tax))
        if not named:
            add(Competency(f"qualification:{n + 1}", statement, "qualification", required))
    family = tax.role_families.get(role_family) if role_family else None
    if family is not None:
        listed = family.characteristic_skills
        pool = [s for s in listed if s in bank.questions] + [
            s for s in listed if s not in bank.questions
        ]
        for skill_id in pool:
            if len(found) >= FILL_TO:
                break
            add(skill_competency(skill_id, False, tax))
    if not found:
        found["role"] = Competency("role", role_name, "role", True)
    soft = tax.skills[BEHAVIOURAL[normalise_level(level)]]
    add(Competency(soft.id, soft.name, "behavioural", False, soft.id))
    return list(found.values())


def weights(competencies: Sequence[Competency]) -> list[float]:
    """Weights for the chosen competencies, summing to exactly 1 (module docstring)."""
    count = len(competencies)
    raw = [(2.0 if c.required else 1.0) * (1 - 0.5 * i / count) for i, c in enumerate(competencies)]
    return [units / WEIGHT_UNITS for units in split(WEIGHT_UNITS, raw, minimum=1)]

"""What a recruiter's revision notes ask for, read without a language model.

Each sentence or clause of the notes is read on its own, a clause ending where a focus word
(focus, add, include, emphasise, stress, concentrate, prioritise, keep, more on, more about)
begins:

- skills it names after a removal word (remove, drop, skip, exclude, omit, without, no,
  leave out) are taken out of the plan;
- skills it names otherwise are put first, as required competencies (added if missing);
- "harder", "more difficult", "tougher", "more challenging", "more senior", "deeper" make
  the questions one step harder; "easier", "simpler", "less difficult", "more junior",
  "more basic", "gentler" one step easier.

Skills are recognised through the taxonomy, and also by the plan's own skill names, so a skill
the taxonomy does not know can still be removed or stressed. Notes of several revisions add up,
oldest first: a later note wins over an earlier one about the same skill.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hirestream.agents.enrich.skills import skills_in_text
from hirestream.agents.enrich.taxonomy import Taxonomy

_CLAUSES = re.compile(r"[.;!?\n]+|,\s*(?:but|and)\s+|\s+but\s+")
_REMOVE = re.compile(r"\b(?:remove|drop|skip|exclude|omit|without|no|leave\s+out)\b", re.I)
_FOCUS = re.compile(
    r"(?=\b(?:focus|add|include|emphasi[sz]e|stress|concentrate|prioriti[sz]e|keep)\b"
    r"|\bmore\s+(?:on|about)\b)",
    re.I,
)
_HARDER = re.compile(
    r"\b(?:harder|more\s+difficult|tougher|more\s+challenging|more\s+senior|deeper)\b", re.I
)
_EASIER = re.compile(
    r"\b(?:easier|simpler|less\s+difficult|more\s+junior|more\s+basic|gentler)\b", re.I
)


@dataclass(frozen=True)
class Adjustments:
    focus: tuple[str, ...] = ()  # skill names to put first, in the order named
    removed: tuple[str, ...] = ()  # skill names to leave out
    difficulty_shift: int = 0

    def is_removed(self, name: str) -> bool:
        return name.casefold() in {r.casefold() for r in self.removed}

    def to_json(self) -> dict[str, Any]:
        return {
            "focus": list(self.focus),
            "removed": list(self.removed),
            "difficultyShift": self.difficulty_shift,
        }


def _named(clause: str, known_names: Sequence[str], tax: Taxonomy) -> list[str]:
    """Skill names in ``clause``: the taxonomy's, then the plan's own (unknown) names."""
    found = {tax.skills[sid].name: None for sid in skills_in_text(clause, tax)}
    folded = clause.casefold()
    for name in known_names:
        pattern = r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)"
        if name not in found and re.search(pattern, folded):
            found[name] = None
    return list(found)


def read_notes(notes: Iterable[str], known_names: Sequence[str], taxonomy: Taxonomy) -> Adjustments:
    """The adjustments all ``notes`` ask for, oldest first (see the module docstring)."""
    focus: dict[str, None] = {}
    removed: dict[str, None] = {}
    shift = 0
    for note in notes:
        clauses = [part for clause in _CLAUSES.split(note) for part in _FOCUS.split(clause)]
        for clause in clauses:
            names = _named(clause, known_names, taxonomy)
            if _REMOVE.search(clause) and not _FOCUS.match(clause):
                for name in names:
                    focus.pop(name, None)
                    removed[name] = None
            else:
                for name in names:
                    removed.pop(name, None)
                    focus[name] = None
            shift += bool(_HARDER.search(clause)) - bool(_EASIER.search(clause))
    return Adjustments(tuple(focus), tuple(removed), max(min(shift, 4), -4))

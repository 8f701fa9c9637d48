"""Role family detection: from the job title when it says which kind of role, else the skills.

1. The canonical title is matched against every family's title patterns (whole words). The
   longest pattern wins; between equally long ones, one ending in a role noun ("data engineer"
   over "machine learning"), then the earlier one. A pattern of the generic family ("Engineer",
   "Software Developer") does not decide: the skills do.
2. Skills vote: a characteristic skill of N families gives each 1/N, any other skill gives half a
   vote to the families whose categories include its own. Skills named in the title count double;
   the input skills count from 1 (first listed, usually the main one) down to 1/2 (last). When
   neither says anything, skills named in the qualifications or job description get a small say.
3. Ties go to the family listed first in the taxonomy. A generic title with no skill signal gives
   the generic family; an unknown title with none gives no family at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hirestream.agents.enrich.skills import skills_in_text
from hirestream.agents.enrich.taxonomy import Taxonomy, load_taxonomy, title_tokens

TITLE_SKILL_WEIGHT = 2.0
CONTEXT_SKILL_WEIGHT = 0.5


@dataclass(frozen=True)
class FamilyDecision:
    family: str | None
    source: str  # "title", "skills", "generic", "override" or "none"
    title_known: bool  # the title matched a pattern or named a skill


@dataclass(frozen=True)
class TitleMatch:
    family: str
    generic: bool
    pattern: tuple[str, ...]


def match_title(title: str | None, taxonomy: Taxonomy | None = None) -> TitleMatch | None:
    """The best title pattern in ``title`` (a specific family's beats the generic one's)."""
    tax = taxonomy or load_taxonomy()
    words = title_tokens(title or "")
    longest = max((len(p) for p in tax.title_patterns), default=0)
    best: tuple[tuple[bool, int, bool, int], TitleMatch] | None = None
    for start in range(len(words)):
        for size in range(1, min(longest, len(words) - start) + 1):
            pattern = words[start : start + size]
            family_id = tax.title_patterns.get(pattern)
            if family_id is None:
                continue
            generic = tax.role_families[family_id].generic
            rank = (not generic, size, pattern[-1] in tax.titles.role_nouns, -start)
            if best is None or rank > best[0]:
                best = (rank, TitleMatch(family_id, generic, pattern))
    return best[1] if best else None


def skill_scores(
    skill_ids: Sequence[str],
    taxonomy: Taxonomy | None = None,
    *,
    title_skill_ids: Sequence[str] = (),
    context_skill_ids: Sequence[str] = (),
) -> dict[str, float]:
    """Each family's share of the skills' votes (see the module docstring)."""
    tax = taxonomy or load_taxonomy()
    scores: dict[str, float] = {}

    def vote(skill_id: str, weight: float) -> None:
        for family_id, share in tax.skill_votes.get(skill_id, ()):
            scores[family_id] = scores.get(family_id, 0.0) + weight * share

    for skill_id in title_skill_ids:
        vote(skill_id, TITLE_SKILL_WEIGHT)
    for n, skill_id in enumerate(skill_ids):
        vote(skill_id, 1.0 - 0.5 * n / len(skill_ids))
    if not scores:
        for skill_id in context_skill_ids:
            vote(skill_id, CONTEXT_SKILL_WEIGHT)
    return scores


def _best(scores: dict[str, float], tax: Taxonomy) -> str | None:
    order = {family_id: n for n, family_id in enumerate(tax.role_families)}
    positive = [f for f, score in scores.items() if score > 0]
    return max(positive, key=lambda f: (scores[f], -order[f])) if positive else None


def detect_family(
    title: str | None,
    skill_ids: Sequence[str],
    taxonomy: Taxonomy | None = None,
    *,
    context_skill_ids: Sequence[str] = (),
) -> FamilyDecision:
    """The role family of a canonical ``title`` and canonical skill ids."""
    tax = taxonomy or load_taxonomy()
    matched = match_title(title, tax)
    if matched is not None and not matched.generic:
        return FamilyDecision(matched.family, "title", True)
    title_skills = skills_in_text(title or "", tax, lenient=True)
    scores = skill_scores(
        skill_ids, tax, title_skill_ids=title_skills, context_skill_ids=context_skill_ids
    )
    known = matched is not None or bool(title_skills)
    best = _best(scores, tax)
    if best is not None:
        return FamilyDecision(best, "skills", known)
    if matched is not None:
        return FamilyDecision(matched.family, "generic", True)
    return FamilyDecision(None, "none", known)

"""The capability graph: curated skill-to-skill edges plus co-occurrence learned from interviews.

``related_skills`` scores every neighbour of the given skills: the weight of each curated edge
into it (0–1, from the taxonomy) plus, for skills seen together in at least ``min_count``
interviews, ``LEARNED_MAX * n / (n + LEARNED_HALF)``. Skills already present are left out; with a
role family, so are skills that mean nothing to it (neither characteristic of it nor of one of its
skill categories). Strongest first, ties in the order first reached, at most ``limit``.

Co-occurrence counts are a plain mapping ``{skill id: {other skill id: count}}``, symmetric, kept
by the background agent; ``cooccurrence_increments`` gives one interview's contribution to it.
Keys are skill ids (stable across taxonomy versions); skills the taxonomy does not know are not
counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hirestream.agents.enrich.skills import skill_for
from hirestream.agents.enrich.taxonomy import Taxonomy, load_taxonomy

LEARNED_MAX = 0.8
LEARNED_HALF = 10.0
DEFAULT_LIMIT = 10
DEFAULT_MIN_COUNT = 2


def skill_ids(skills: Iterable[str], taxonomy: Taxonomy | None = None) -> list[str]:
    """Ids of the given skills (ids or names, any spelling), unknown ones dropped, no repeats."""
    tax = taxonomy or load_taxonomy()
    found: dict[str, None] = {}
    for skill in skills:
        if skill in tax.skills:
            found.setdefault(skill, None)
        elif (match := skill_for(skill, tax)) is not None:
            found.setdefault(match.id, None)
    return list(found)


def learned_weight(count: int) -> float:
    """The edge weight that ``count`` shared interviews are worth (approaches ``LEARNED_MAX``)."""
    return LEARNED_MAX * count / (count + LEARNED_HALF) if count > 0 else 0.0


def related_skills(
    skills: Iterable[str],
    taxonomy: Taxonomy | None = None,
    *,
    cooccurrence: Mapping[str, Mapping[str, int]] | None = None,
    role_family: str | None = None,
    limit: int = DEFAULT_LIMIT,
    min_count: int = DEFAULT_MIN_COUNT,
) -> list[str]:
    """Display names of the skills adjacent to ``skills``, strongest first (see module doc)."""
    tax = taxonomy or load_taxonomy()
    present = skill_ids(skills, tax)
    have = set(present)
    family = tax.role_families.get(role_family) if role_family else None
    scores: dict[str, float] = {}
    for source in present:
        for target, weight in tax.adjacency.get(source, ()):
            scores[target] = scores.get(target, 0.0) + weight
        for target, count in (cooccurrence or {}).get(source, {}).items():
            if count >= min_count and target in tax.skills:
                scores[target] = scores.get(target, 0.0) + learned_weight(count)

    def relevant(target: str) -> bool:
        if family is None:
            return True
        skill = tax.skills[target]
        return target in family.characteristic_skills or skill.category in family.skill_categories

    order = {target: n for n, target in enumerate(scores)}
    ranked = sorted(
        (t for t in scores if t not in have and relevant(t)),
        key=lambda t: (-scores[t], order[t]),
    )
    return [tax.skills[t].name for t in ranked[: max(limit, 0)]]


def cooccurrence_increments(
    skills: Iterable[str], taxonomy: Taxonomy | None = None
) -> dict[str, dict[str, int]]:
    """One interview's contribution to the co-occurrence counts: 1 for each pair, both ways."""
    present = skill_ids(skills, taxonomy)
    return {a: {b: 1 for b in present if b != a} for a in present if len(present) > 1}


def merge_counts(
    counts: Mapping[str, Mapping[str, int]], increments: Mapping[str, Mapping[str, int]]
) -> dict[str, dict[str, int]]:
    """``counts`` with ``increments`` added (a new mapping; neither argument is changed)."""
    merged = {a: dict(row) for a, row in counts.items()}
    for a, row in increments.items():
        target = merged.setdefault(a, {})
        for b, n in row.items():
            target[b] = target.get(b, 0) + n
    return merged

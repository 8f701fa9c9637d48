"""Fuzzy matching of unknown skills and titles against the taxonomy (rapidfuzz).

For the background enrichment agent, which records what it matched and how sure it was: the
synchronous path never guesses. A skill is compared with every alias by normalised Indel
similarity (``rapidfuzz.fuzz.ratio``, 0–100) on its key and on its compact form, and only terms of
at least ``MIN_LENGTH`` characters are tried (``Jav`` is not ``Java``). A title is mended word by
word: each word the vocabulary does not know is replaced by the closest title word when close
enough, then the role family is detected on the mended title.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from hirestream.agents.enrich.families import detect_family
from hirestream.agents.enrich.skills import skill_for
from hirestream.agents.enrich.taxonomy import Taxonomy, load_taxonomy, title_tokens
from hirestream.agents.enrich.text import compact, key
from hirestream.agents.enrich.titles import canonical_title

DEFAULT_SKILL_THRESHOLD = 85.0
DEFAULT_TITLE_THRESHOLD = 80.0
MIN_LENGTH = 4


@dataclass(frozen=True)
class Match:
    id: str  # the skill id, or for a title the role family id
    canonical: str  # the skill's display name, or the mended canonical title
    score: float  # 0-100; 100 for an exact (alias) match


def match_skill(
    term: str, taxonomy: Taxonomy | None = None, *, threshold: float = DEFAULT_SKILL_THRESHOLD
) -> Match | None:
    """The closest canonical skill to ``term`` and its score, or None below ``threshold``."""
    tax = taxonomy or load_taxonomy()
    exact = skill_for(term, tax)
    if exact is not None:
        return Match(exact.id, exact.name, 100.0)
    term_key = key(term)
    if len(compact(term_key)) < MIN_LENGTH:
        return None
    best: tuple[float, str] | None = None
    for query, choices, ids in (
        (term_key, tax.fuzzy_choices, tax.fuzzy_ids),
        (compact(term_key), _compact_choices(tax), tax.fuzzy_ids),
    ):
        found = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=threshold)
        if found is not None and (best is None or found[1] > best[0]):
            best = (float(found[1]), ids[found[2]])
    if best is None:
        return None
    score, skill_id = best
    return Match(skill_id, tax.skills[skill_id].name, round(score, 1))


@cache
def _compact_choices(tax: Taxonomy) -> tuple[str, ...]:
    return tuple(compact(choice) for choice in tax.fuzzy_choices)


@cache
def _title_vocabulary(tax: Taxonomy) -> tuple[str, ...]:
    words = set(tax.titles.forms) | set(tax.titles.seniority)
    words.update(word for pattern in tax.title_patterns for word in pattern)
    return tuple(sorted(w for w in words if len(w) >= MIN_LENGTH and " " not in w))


def match_title(
    title: str, taxonomy: Taxonomy | None = None, *, threshold: float = DEFAULT_TITLE_THRESHOLD
) -> Match | None:
    """The role family of ``title`` after mending misspelt words, or None if none is found.

    ``canonical`` is the mended canonical title; ``score`` the lowest similarity of a mended
    word (100 when nothing needed mending).
    """
    tax = taxonomy or load_taxonomy()
    vocabulary = _title_vocabulary(tax)
    known = set(vocabulary) | set(tax.titles.forms) | set(tax.titles.minor)
    words = title.split()
    score = 100.0
    for n, word in enumerate(words):
        folded = " ".join(title_tokens(word))
        if len(folded) < MIN_LENGTH or folded in known or skill_for(word, tax) is not None:
            continue
        found = process.extractOne(folded, vocabulary, scorer=fuzz.ratio, score_cutoff=threshold)
        if found is not None:
            words[n] = found[0]
            score = min(score, float(found[1]))
    mended = canonical_title(" ".join(words), tax)
    decision = detect_family(mended, (), tax)
    if decision.family is None:
        return None
    return Match(decision.family, mended, round(score, 1))

"""Skill matching: one typed skill to its canonical skill, and the skills named in free text.

A typed term is tried as written, then without separators, then without a trailing version
(``Python3``), without a parenthesis (``AWS (EC2, S3)``), without filler words (``Strong SQL
skills``) and without a ``js`` suffix (``Expressjs``). Each step is a dictionary look-up. A term
that joins known skills (``HTML/CSS``, ``C/C++``) is split only when every part is known.
Nothing here guesses: misspellings are left to the fuzzy matcher of the background agent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hirestream.agents.enrich.taxonomy import Skill, Taxonomy, load_taxonomy
from hirestream.agents.enrich.text import compact, fold, key, tokens, without_version

_PARENTHESIS = re.compile(r"\s*[(\[][^)\]]*(?:[)\]]|$)\s*")
_LEADING_FILLER = re.compile(
    r"^(?:(?:working|hands-on|strong|solid|good|excellent|deep|advanced|basic|proven)\s+)*"
    r"(?:(?:knowledge|experience|expertise|proficiency|familiarity|skills?)\s+(?:of|in|with)\s+"
    r"|(?:proficient|expert|experienced|skilled|familiar)\s+(?:in|with)\s+)?"
)
_VENDOR = re.compile(
    r"^(?:ms|microsoft|apache|google|amazon|oracle|ibm|adobe|atlassian|hashicorp)\s+(?=\S)"
)
_TRAILING_FILLER = re.compile(
    r"(?:\s+(?:programming|language|lang|framework|frameworks|development|developer|library|"
    r"skills?|experience|expertise|knowledge|basics|engineering|ecosystem|stack|platform|"
    r"scripting|technologies|technology|tools?))+$"
)
_SEPARATORS = re.compile(r"\s*(?:/|,|;|&|\||\+\s|\band\b)\s*")
_CLAUSES = re.compile(r"[,;:|()\[\]{}<>•·!?\"\n]|\.(?=\s|$)|\s[-–—]\s")


def _lookup(term_key: str, taxonomy: Taxonomy) -> str | None:
    return taxonomy.alias_index.get(term_key) or taxonomy.compact_index.get(compact(term_key))


def _variants(term_key: str) -> Iterator[str]:
    yield term_key
    if (bare := without_version(term_key)) is not None:
        yield bare
    unbracketed = _PARENTHESIS.sub(" ", term_key).strip()
    if unbracketed and unbracketed != term_key:
        yield unbracketed
        if (bare := without_version(unbracketed)) is not None:
            yield bare
    trimmed = _TRAILING_FILLER.sub("", _LEADING_FILLER.sub("", unbracketed)).strip()
    if trimmed and trimmed != unbracketed:
        yield trimmed
        if (bare := without_version(trimmed)) is not None:
            yield bare
    base = trimmed or unbracketed or term_key
    if (unbranded := _VENDOR.sub("", base)) != base:
        yield unbranded
    if len(base) > 3 and base.endswith("s") and not base.endswith("ss"):
        yield base[:-1]  # a plural: "Vector DBs", "Gitlabs"
    squeezed = compact(base)
    if len(squeezed) > 4 and squeezed.endswith("js"):
        yield squeezed[:-2]


def skill_for(term: str, taxonomy: Taxonomy | None = None) -> Skill | None:
    """The canonical skill ``term`` names, or None when the taxonomy does not know it."""
    tax = taxonomy or load_taxonomy()
    term_key = key(term)
    if not term_key:
        return None
    for variant in _variants(term_key):
        found = _lookup(variant, tax)
        if found is not None:
            return tax.skills[found]
    return None


def canonical_skill(term: str, taxonomy: Taxonomy | None = None) -> str | None:
    """The canonical display name of ``term`` (``"ReactJS"`` → ``"React"``), or None."""
    found = skill_for(term, taxonomy)
    return found.name if found else None


def resolve(term: str, taxonomy: Taxonomy | None = None) -> list[Skill]:
    """The skills one typed entry stands for: one, several for ``HTML/CSS``, none if unknown."""
    tax = taxonomy or load_taxonomy()
    found = skill_for(term, tax)
    if found is not None:
        return [found]
    parts = [p for p in _SEPARATORS.split(key(term)) if p]
    if len(parts) < 2:
        return []
    skills = [skill_for(part, tax) for part in parts]
    if any(s is None for s in skills):
        return []
    unique: dict[str, Skill] = {}
    for skill in skills:
        if skill is not None:
            unique.setdefault(skill.id, skill)
    return list(unique.values())


def skills_in_text(
    text: str, taxonomy: Taxonomy | None = None, *, lenient: bool = False
) -> list[str]:
    """Ids of the skills named in ``text``, in order of first mention.

    ``lenient`` is for lists of skills (a résumé's skills section, ``React, Go, Spring``), where
    every alias counts. In prose an ambiguous skill (Go, React, Swift, Spring, R) counts only when
    spelled like its display name or by an unambiguous alias (``golang``), so "go to market" or
    "react to incidents" name nothing.
    """
    tax = taxonomy or load_taxonomy()
    found: dict[str, None] = {}
    for clause in _CLAUSES.split(text):
        _scan(tokens(clause), tax, lenient, found)
    return list(found)


def _scan(words: list[str], tax: Taxonomy, lenient: bool, found: dict[str, None]) -> None:
    """Greedy longest-phrase matching over the words of one clause."""
    folded = [fold(w) for w in words]
    i = 0
    while i < len(words):
        step = 1
        longest = tax.max_phrase_tokens if folded[i] in tax.phrase_starts else 1
        for size in range(min(longest, len(words) - i), 0, -1):
            phrase = " ".join(folded[i : i + size])
            hit = _text_hit(phrase, " ".join(words[i : i + size]), tax, lenient)
            if hit is None and size == 1 and (bare := without_version(phrase)) is not None:
                hit = _text_hit(bare, None, tax, lenient)
            if hit is not None:
                found.setdefault(hit, None)
                step = size
                break
        i += step


def _text_hit(phrase: str, spelled: str | None, tax: Taxonomy, lenient: bool) -> str | None:
    if lenient:
        return tax.list_index.get(phrase)
    entry = tax.prose_index.get(phrase)
    if entry is None:
        return None
    skill_id, exact = entry
    if exact is not None and spelled != exact:
        return None
    return skill_id

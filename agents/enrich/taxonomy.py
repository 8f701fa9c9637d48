"""The versioned taxonomy shipped in ``data/taxonomy.json``, loaded once with its look-up indexes.

The data file is the source of truth (skills, role families, title vocabulary, curated edges);
this module only checks it and precomputes what the matchers need, so matching is a handful of
dictionary look-ups. ``problems(data)`` lists everything wrong with a data file (duplicate or
colliding aliases, dangling references, bad ids); ``build_taxonomy`` refuses data with problems.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from hirestream.agents.enrich.text import compact, key, phrase_key, tokens

DATA_FILE = "taxonomy.json"
_ID = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


class TaxonomyError(ValueError):
    """The taxonomy data is inconsistent; ``problems`` lists why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:10]) + (" ..." if len(problems) > 10 else ""))
        self.problems = problems


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    category: str
    aliases: tuple[str, ...]
    ambiguous: bool = False  # an English word or a letter: free text must spell it exactly
    prose_aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleFamily:
    id: str
    name: str
    role_category: str
    title_patterns: tuple[str, ...]
    characteristic_skills: tuple[str, ...]
    skill_categories: tuple[str, ...]
    generic: bool = False  # its titles say "software" but not which kind: the skills decide


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    weight: float


@dataclass(frozen=True)
class TitleWords:
    """Vocabulary for canonical job titles (lower-case key → canonical spelling)."""

    seniority: Mapping[str, tuple[str, str | None]]  # key → (form, level)
    phrases: Mapping[str, str]  # two words → form
    forms: Mapping[str, str]  # one word → form (expansions, words, acronyms)
    contextual: Mapping[str, tuple[str | None, str]]  # word → (default form, alternative)
    alt_when_next: frozenset[str]
    alt_when_previous: frozenset[str]
    alt_only_when_next: frozenset[str]
    minor: frozenset[str]
    role_nouns: frozenset[str]


@dataclass(frozen=True, eq=False)
class Taxonomy:
    version: str
    categories: Mapping[str, str]
    skills: Mapping[str, Skill]  # by id, in data order
    role_families: Mapping[str, RoleFamily]  # by id, in data order
    edges: tuple[Edge, ...]
    titles: TitleWords
    # Indexes, all derived from the above at load time.
    alias_index: Mapping[str, str]  # key(alias) → skill id
    compact_index: Mapping[str, str]  # compact(key(alias)) → skill id
    list_index: Mapping[str, str]  # phrase_key(alias) → skill id, every alias
    prose_index: Mapping[str, tuple[str, str | None]]  # phrase_key → (id, exact spelling needed)
    phrase_starts: frozenset[str]  # first tokens of multi-word phrases
    max_phrase_tokens: int
    adjacency: Mapping[str, tuple[tuple[str, float], ...]]  # curated out-edges per skill
    skill_votes: Mapping[str, tuple[tuple[str, float], ...]]  # skill id → (family id, share)
    title_patterns: Mapping[tuple[str, ...], str]  # pattern tokens → family id
    fuzzy_choices: tuple[str, ...]  # alias keys, for rapidfuzz
    fuzzy_ids: tuple[str, ...]  # the skill id of each fuzzy choice

    def skill_name(self, skill_id: str) -> str:
        return self.skills[skill_id].name


def title_tokens(title: str) -> tuple[str, ...]:
    """Lower-case words of a title for pattern matching (``"UI/UX Designer"`` → ui ux designer)."""
    return tuple(
        word.strip(".")
        for word in re.findall(r"[\w+#&.]+", key(title).replace("-", " ").replace("_", " "))
        if word.strip(".")
    )


def _skills(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(data.get("skills") or [])


def _names_and_aliases(skill: Mapping[str, Any]) -> list[str]:
    return [str(skill.get("name", "")), *(str(a) for a in skill.get("aliases") or [])]


def _collisions(kind: str, entries: Iterable[tuple[str, str]]) -> list[str]:
    owner: dict[str, str] = {}
    found: list[str] = []
    for term, skill_id in entries:
        if not term:
            continue
        other = owner.setdefault(term, skill_id)
        if other != skill_id:
            found.append(f"{kind} {term!r} belongs to both {other} and {skill_id}")
    return found


def problems(data: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a taxonomy document (empty when it is sound)."""
    found: list[str] = []
    version = (data.get("meta") or {}).get("version")
    if not isinstance(version, str) or not version.strip():
        found.append("meta.version is missing")
    categories = data.get("categories") or {}
    skill_ids: set[str] = set()
    for skill in _skills(data):
        sid = str(skill.get("id", ""))
        if not _ID.match(sid):
            found.append(f"skill id {sid!r} is not a snake_case slug")
        if sid in skill_ids:
            found.append(f"skill id {sid} is used twice")
        skill_ids.add(sid)
        if not str(skill.get("name", "")).strip():
            found.append(f"skill {sid} has no name")
        if skill.get("category") not in categories:
            found.append(f"skill {sid} has unknown category {skill.get('category')!r}")
        own = {key(term) for term in _names_and_aliases(skill)}
        for prose in skill.get("proseAliases") or []:
            if key(prose) not in own:
                found.append(f"skill {sid}: prose alias {prose!r} is not one of its aliases")
        if len(own) != len(_names_and_aliases(skill)):
            found.append(f"skill {sid} repeats an alias")
    pairs = [(term, str(s.get("id"))) for s in _skills(data) for term in _names_and_aliases(s)]
    found += _collisions("alias", ((key(t), sid) for t, sid in pairs))
    found += _collisions("compact alias", ((compact(key(t)), sid) for t, sid in pairs))
    found += _collisions("phrase", ((phrase_key(t), sid) for t, sid in pairs))

    family_ids: set[str] = set()
    pattern_owner: dict[str, str] = {}
    generic = 0
    for family in data.get("roleFamilies") or []:
        fid = str(family.get("id", ""))
        if not _ID.match(fid):
            found.append(f"role family id {fid!r} is not a snake_case slug")
        if fid in family_ids:
            found.append(f"role family id {fid} is used twice")
        family_ids.add(fid)
        generic += bool(family.get("generic"))
        if not str(family.get("roleCategory", "")).strip():
            found.append(f"role family {fid} has no roleCategory")
        for sid in family.get("characteristicSkills") or []:
            if sid not in skill_ids:
                found.append(f"role family {fid} names unknown skill {sid}")
        if not family.get("characteristicSkills"):
            found.append(f"role family {fid} has no characteristic skills")
        for category in family.get("skillCategories") or []:
            if category not in categories:
                found.append(f"role family {fid} names unknown category {category}")
        if not family.get("titlePatterns"):
            found.append(f"role family {fid} has no title patterns")
        for pattern in family.get("titlePatterns") or []:
            words = " ".join(title_tokens(str(pattern)))
            other = pattern_owner.setdefault(words, fid)
            if other != fid or not words:
                found.append(f"title pattern {pattern!r} of {fid} is also {other}'s or empty")
    if generic > 1:
        found.append("more than one role family is marked generic")

    seen_edges: set[tuple[str, str]] = set()
    for edge in data.get("edges") or []:
        if not (isinstance(edge, list) and len(edge) == 3):
            found.append(f"edge {edge!r} is not [from, to, weight]")
            continue
        source, target, weight = edge
        for end in (source, target):
            if end not in skill_ids:
                found.append(f"edge {source}->{target} names unknown skill {end}")
        if source == target:
            found.append(f"edge {source}->{target} is a loop")
        if not isinstance(weight, int | float) or not 0 < weight <= 1:
            found.append(f"edge {source}->{target} weight {weight!r} is not in (0, 1]")
        if (source, target) in seen_edges:
            found.append(f"edge {source}->{target} is listed twice")
        seen_edges.add((source, target))
    return found


def _title_words(raw: Mapping[str, Any]) -> TitleWords:
    forms: dict[str, str] = {}
    for word in [*raw.get("words", []), *raw.get("acronyms", [])]:
        forms[key(word)] = word
    for word, form in raw.get("expansions", {}).items():
        forms[key(word)] = form
    seniority = {key(k): (v["form"], v.get("level")) for k, v in raw.get("seniority", {}).items()}
    contextual = {key(c["word"]): (c.get("default"), c["alt"]) for c in raw.get("contextual", [])}
    return TitleWords(
        seniority=seniority,
        phrases={key(k): v for k, v in raw.get("phrases", {}).items()},
        forms=forms,
        contextual=contextual,
        alt_when_next=frozenset(key(w) for w in raw.get("altWhenNext", [])),
        alt_when_previous=frozenset(key(w) for w in raw.get("altWhenPrevious", [])),
        alt_only_when_next=frozenset(key(w) for w in raw.get("altOnlyWhenNext", [])),
        minor=frozenset(key(w) for w in raw.get("minorWords", [])),
        role_nouns=frozenset(key(w) for w in raw.get("roleNouns", [])),
    )


def _votes(
    skills: Mapping[str, Skill], families: Mapping[str, RoleFamily]
) -> dict[str, tuple[tuple[str, float], ...]]:
    """How much each skill says about the role family: characteristic skills split one vote
    between the families that list them; other skills split half a vote between the families
    whose skill categories include theirs; skills of no family's category say nothing."""
    listing: dict[str, list[str]] = {}
    for family in families.values():
        for sid in family.characteristic_skills:
            listing.setdefault(sid, []).append(family.id)
    votes: dict[str, tuple[tuple[str, float], ...]] = {}
    for skill in skills.values():
        fids = listing.get(skill.id)
        share = 1.0
        if not fids:
            fids = [f.id for f in families.values() if skill.category in f.skill_categories]
            share = 0.5
        if fids:
            votes[skill.id] = tuple((fid, share / len(fids)) for fid in fids)
    return votes


def build_taxonomy(data: Mapping[str, Any]) -> Taxonomy:
    """Check a taxonomy document and precompute its indexes."""
    found = problems(data)
    if found:
        raise TaxonomyError(found)
    skills: dict[str, Skill] = {}
    alias_index: dict[str, str] = {}
    compact_index: dict[str, str] = {}
    list_index: dict[str, str] = {}
    prose_index: dict[str, tuple[str, str | None]] = {}
    for raw in _skills(data):
        skill = Skill(
            id=raw["id"],
            name=raw["name"],
            category=raw["category"],
            aliases=tuple(raw.get("aliases") or ()),
            ambiguous=bool(raw.get("ambiguous")),
            prose_aliases=tuple(raw.get("proseAliases") or ()),
        )
        skills[skill.id] = skill
        for term in (skill.name, *skill.aliases):
            alias_index[key(term)] = skill.id
            compact_index[compact(key(term))] = skill.id
            list_index[phrase_key(term)] = skill.id
        if skill.ambiguous:
            prose_index[phrase_key(skill.name)] = (skill.id, " ".join(tokens(skill.name)))
            for term in skill.prose_aliases:
                prose_index[phrase_key(term)] = (skill.id, None)
        else:
            for term in (skill.name, *skill.aliases):
                prose_index[phrase_key(term)] = (skill.id, None)
    families = {
        raw["id"]: RoleFamily(
            id=raw["id"],
            name=raw["name"],
            role_category=raw["roleCategory"],
            title_patterns=tuple(raw["titlePatterns"]),
            characteristic_skills=tuple(raw["characteristicSkills"]),
            skill_categories=tuple(raw.get("skillCategories") or ()),
            generic=bool(raw.get("generic")),
        )
        for raw in data["roleFamilies"]
    }
    edges = tuple(Edge(s, t, float(w)) for s, t, w in data.get("edges") or [])
    adjacency: dict[str, list[tuple[str, float]]] = {}
    for edge in edges:
        adjacency.setdefault(edge.source, []).append((edge.target, edge.weight))
    phrases = [p for p in list_index if " " in p]
    return Taxonomy(
        version=data["meta"]["version"],
        categories=dict(data["categories"]),
        skills=skills,
        role_families=families,
        edges=edges,
        titles=_title_words(data.get("titles") or {}),
        alias_index=alias_index,
        compact_index=compact_index,
        list_index=list_index,
        prose_index=prose_index,
        phrase_starts=frozenset(p.split(" ", 1)[0] for p in phrases),
        max_phrase_tokens=max((p.count(" ") + 1 for p in list_index), default=1),
        adjacency={sid: tuple(out) for sid, out in adjacency.items()},
        skill_votes=_votes(skills, families),
        title_patterns={title_tokens(p): f.id for f in families.values() for p in f.title_patterns},
        fuzzy_choices=tuple(alias_index),
        fuzzy_ids=tuple(alias_index.values()),
    )


def read_data() -> dict[str, Any]:
    """The shipped taxonomy document, parsed."""
    text = (
        resources.files("hirestream.agents.enrich").joinpath("data", DATA_FILE).read_text("utf-8")
    )
    parsed: dict[str, Any] = json.loads(text)
    return parsed


@cache
def load_taxonomy() -> Taxonomy:
    """The shipped taxonomy, read and indexed once per process."""
    return build_taxonomy(read_data())

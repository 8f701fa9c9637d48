"""Synchronous canonicalisation of an interview's create or update body.

``canonicalise(raw)`` returns the canonical title, the canonical skills (input order, no
repeats; unknown skills kept as typed, trimmed), ``canonicalPayload`` (skills, jobDescription,
candidateResume, roleFamily, roleCategory, relatedSkills, taxonomyVersion), a ``diffReport`` with
one entry per change keyed by its JSON path in the raw body (``{"skills[0]": {"before":
"ReactJS", "after": "React"}}``; ``after`` is null for an entry dropped as a repeat or blank, and a
list for one entry split into several, ``HTML/CSS``), and the candidate's claimed and evidenced
skills. Free text (job description, résumé) is carried verbatim. Canonicalising a canonical body
again changes nothing and reports no difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hirestream.agents.enrich.families import detect_family
from hirestream.agents.enrich.graph import related_skills
from hirestream.agents.enrich.resume import resume_skills
from hirestream.agents.enrich.skills import canonical_skill, resolve, skills_in_text
from hirestream.agents.enrich.taxonomy import Taxonomy, load_taxonomy
from hirestream.agents.enrich.titles import canonical_title

__all__ = [
    "Canonicalised",
    "apply_override",
    "canonical_skill",
    "canonicalise",
    "role_families",
]


@dataclass(frozen=True)
class Canonicalised:
    position: str | None  # canonical title (None if the input had none)
    skills: list[str]  # canonical skills, input order, de-duplicated
    canonical_payload: dict[str, Any]
    diff_report: dict[str, dict[str, Any]]
    claimed_skills: list[str]
    evidenced_skills: list[str]
    unknown_skills: list[str]  # inputs the taxonomy does not know (kept as typed, trimmed)
    unknown_title: str | None  # the canonical title, when no pattern or skill in it is known


@dataclass
class _Skills:
    names: list[str]
    ids: list[str]
    unknown: list[str]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _canonical_skills(raw_skills: Any, tax: Taxonomy, diff: dict[str, dict[str, Any]]) -> _Skills:
    out = _Skills([], [], [])
    seen: set[str] = set()  # skill ids and folded unknown spellings
    for n, item in enumerate(raw_skills if isinstance(raw_skills, list | tuple) else []):
        after: Any = None
        if isinstance(item, str):
            hits = resolve(item, tax)
            if hits:
                fresh = [s for s in hits if s.id not in seen]
                seen.update(s.id for s in fresh)
                out.names += [s.name for s in fresh]
                out.ids += [s.id for s in fresh]
                names = [s.name for s in fresh]
                after = (names[0] if len(names) == 1 else names) if names else None
            else:
                typed = " ".join(item.split())
                if typed and typed.casefold() not in seen:
                    seen.add(typed.casefold())
                    out.names.append(typed)
                    out.unknown.append(typed)
                    after = typed
        if after != item:
            diff[f"skills[{n}]"] = {"before": item, "after": after}
    return out


def _context_skills(raw: Mapping[str, Any], tax: Taxonomy) -> list[str]:
    """Skills named in the qualifications and job description (a weak role-family signal)."""
    found: dict[str, None] = {}
    qualifications = raw.get("qualifications")
    for line in qualifications if isinstance(qualifications, list) else []:
        if isinstance(line, str):
            found.update(dict.fromkeys(skills_in_text(line, tax)))
    description = _text(raw.get("jobDescription"))
    if description:
        found.update(dict.fromkeys(skills_in_text(description, tax)))
    return list(found)


def canonicalise(
    raw: Mapping[str, Any],
    taxonomy: Taxonomy | None = None,
    *,
    cooccurrence: Mapping[str, Mapping[str, int]] | None = None,
    role_family_override: str | None = None,
) -> Canonicalised:
    """Canonicalise a create/update body (camelCase keys, as sent); see the module docstring."""
    tax = taxonomy or load_taxonomy()
    if role_family_override is not None and role_family_override not in tax.role_families:
        raise ValueError(f"unknown role family {role_family_override!r}")
    diff: dict[str, dict[str, Any]] = {}
    raw_position = _text(raw.get("position"))
    position = canonical_title(raw_position, tax) if raw_position else None
    position = position or None
    if raw_position is not None and position != raw_position:
        diff["position"] = {"before": raw_position, "after": position}
    skills = _canonical_skills(raw.get("skills"), tax, diff)

    decision = detect_family(position, skills.ids, tax, context_skill_ids=_context_skills(raw, tax))
    family_id = role_family_override or decision.family
    family = tax.role_families[family_id] if family_id else None
    resume = _text(raw.get("candidateResume"))
    claimed, evidenced = _candidate_skills(resume, skills.ids, tax)
    payload: dict[str, Any] = {
        "skills": skills.names,
        "jobDescription": _text(raw.get("jobDescription")),
        "candidateResume": resume,
        "roleFamily": family.id if family else None,
        "roleCategory": family.role_category if family else None,
        "relatedSkills": related_skills(
            skills.ids, tax, cooccurrence=cooccurrence, role_family=family_id
        ),
        "taxonomyVersion": tax.version,
    }
    return Canonicalised(
        position=position,
        skills=skills.names,
        canonical_payload=payload,
        diff_report=diff,
        claimed_skills=claimed,
        evidenced_skills=evidenced,
        unknown_skills=skills.unknown,
        unknown_title=position if position and not decision.title_known else None,
    )


def _candidate_skills(
    resume: str | None, input_ids: Sequence[str], tax: Taxonomy
) -> tuple[list[str], list[str]]:
    """Claimed: the résumé's skills, the requested ones first (input order), then the rest in
    résumé order; without a résumé, the input skills. Evidenced: the claimed ones the résumé
    names in experience or project text (none without a résumé)."""
    if not resume or not resume.strip():
        return [tax.skills[s].name for s in input_ids], []
    found = resume_skills(resume, tax)
    named = set(found.claimed)
    order = [s for s in input_ids if s in named] + [s for s in found.claimed if s not in input_ids]
    claimed = [tax.skills[s].name for s in order]
    evidenced = [tax.skills[s].name for s in order if s in found.evidenced]
    return claimed, evidenced


def role_families(taxonomy: Taxonomy | None = None) -> list[str]:
    """The valid role family ids, in taxonomy order (for a 400 that lists them)."""
    return list((taxonomy or load_taxonomy()).role_families)


def apply_override(
    skills: list[str], add: list[str], remove: list[str], taxonomy: Taxonomy | None = None
) -> list[str]:
    """``skills`` without the ``remove`` ones and with the ``add`` ones appended, both
    canonicalised first (``remove=["reactjs"]`` removes ``React``); order kept, no repeats."""
    tax = taxonomy or load_taxonomy()

    def names(terms: list[str]) -> list[str]:
        out: list[str] = []
        for term in terms:
            hits = resolve(term, tax)
            out += [s.name for s in hits] if hits else [" ".join(term.split())]
        return [name for name in out if name]

    removed = {name.casefold() for name in names(remove)}
    result: list[str] = []
    for name in names(skills) + names(add):
        if name.casefold() not in removed and name.casefold() not in {r.casefold() for r in result}:
            result.append(name)
    return result


def claimed_and_evidenced(skills: list[str], resume: str) -> dict[str, list[str]]:
    """Claimed and evidenced skills of a résumé (the requested skills first)."""
    result = canonicalise({"skills": skills, "candidateResume": resume})
    return {"claimed": result.claimed_skills, "evidenced": result.evidenced_skills}

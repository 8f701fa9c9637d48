"""An interview's content as the API shows it after canonicalisation (docs/api.md §3, §5). Pure.

The agent calls ``canonical_content`` on create, whenever a content field changes, when the
background enricher resolves unknown terms, and when a recruiter override is applied. Its
inputs are the non-personal input as sent (``rawPayload``), the enrichment found so far, the
recruiter's override patches (applied in order, on top of everything else) and the tenant's
learned skill co-occurrence counts.

Skills the résumé claims and evidences are worked out where the résumé is readable — the web
layer, before the résumé is sealed — and travel in the command as ``resumeSkills``; without a
résumé the claimed skills are the input skills.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hirestream.agents.enrich.canonical import apply_override, canonical_skill, canonicalise
from hirestream.agents.enrich.graph import related_skills
from hirestream.tables.records import InterviewRecord, compact_raw, full_raw


def _enriched_raw(
    raw: dict[str, Any], enrichment: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``raw`` with skills the enricher resolved replaced, and the diff entries for them."""
    resolved: Mapping[str, Mapping[str, Any]] = enrichment.get("skills", {})
    skills = raw.get("skills")
    if not resolved or not isinstance(skills, list):
        return raw, {}
    diff: dict[str, dict[str, Any]] = {}
    mapped: list[Any] = []
    present: set[str] = set()  # canonical names met so far, folded
    for n, skill in enumerate(skills):
        match = resolved.get(skill) if isinstance(skill, str) else None
        if match is None:
            mapped.append(skill)
            if isinstance(skill, str):
                present.add((canonical_skill(skill) or skill).casefold())
            continue
        mapped.append(match["canonical"])
        repeat = match["canonical"].casefold() in present
        present.add(match["canonical"].casefold())
        diff[f"skills[{n}]"] = {
            "before": skill,
            "after": None if repeat else match["canonical"],  # a repeat is dropped
            "via": "fuzzy",
            "score": match["score"],
        }
    return {**raw, "skills": mapped}, diff


def canonical_content(
    raw: dict[str, Any],
    *,
    has_resume: bool,
    resume_skills: dict[str, list[str]] | None,
    previous: InterviewRecord | None = None,
    enrichment: Mapping[str, Any] | None = None,
    overrides: Sequence[Mapping[str, Any]] = (),
    cooccurrence: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, Any]:
    """The record fields that canonicalisation sets.

    ``resume_skills`` (``{"claimed": [...], "evidenced": [...]}``) comes with a new résumé;
    when the résumé did not change, ``previous`` (the record) keeps its résumé-derived skills."""
    enrichment = enrichment or {}
    source, fuzzy_diff = _enriched_raw(raw, enrichment)
    family = next((o["roleFamily"] for o in reversed(overrides) if o.get("roleFamily")), None)
    result = canonicalise(source, role_family_override=family)
    title = enrichment.get("title")
    if family is None and title and not result.canonical_payload["roleFamily"]:
        result = canonicalise(source, role_family_override=title["roleFamily"])
    # The résumé is sealed elsewhere and the job description is the record's own field.
    stored = ("candidateResume", "jobDescription")
    payload = {k: v for k, v in result.canonical_payload.items() if k not in stored}
    skills = result.skills
    for patch in overrides:
        skills = apply_override(skills, patch.get("addSkills", []), patch.get("removeSkills", []))
    payload["skills"] = skills
    payload["relatedSkills"] = related_skills(
        skills, cooccurrence=cooccurrence, role_family=payload["roleFamily"]
    )
    fields: dict[str, Any] = {
        "skills": skills,
        "rawPayload": compact_raw(raw),
        "canonicalPayload": payload,
        "diffReport": {**result.diff_report, **fuzzy_diff},
        "unknownSkills": result.unknown_skills,
        "unknownTitle": result.unknown_title if not title else None,
    }
    if result.position:
        fields["position"] = result.position
    if resume_skills is not None:
        fields["candidateClaimedSkills"] = resume_skills["claimed"]
        fields["candidateEvidencedSkills"] = resume_skills["evidenced"]
    elif not has_resume:
        fields["candidateClaimedSkills"] = list(result.claimed_skills)
        fields["candidateEvidencedSkills"] = []
    elif previous is not None:
        fields["candidateClaimedSkills"] = previous.get("candidateClaimedSkills", [])
        fields["candidateEvidencedSkills"] = previous.get("candidateEvidencedSkills", [])
    return fields


def recanonicalised(
    record: InterviewRecord, cooccurrence: Mapping[str, Mapping[str, int]] | None = None
) -> dict[str, Any]:
    """The canonicalisation fields of ``record`` computed again from what it holds."""
    return canonical_content(
        full_raw(record),
        has_resume="candidateResume" in record.get("sealed", {}),
        resume_skills=None,
        previous=record,
        enrichment=record.get("enrichment"),
        overrides=record.get("overrides", []),
        cooccurrence=cooccurrence,
    )

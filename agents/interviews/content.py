"""An interview's content as the API shows it after canonicalisation (API.md §3). Pure.

The agent calls ``canonical_content`` on create and whenever a content field changes, with the
non-personal input as sent (``rawPayload``). Skills the résumé claims and evidences are worked
out where the résumé is readable — the web layer, before the résumé is sealed — and travel in
the command as ``resumeSkills``; without a résumé the claimed skills are the input skills.
"""

from __future__ import annotations

from typing import Any

from hirestream.agents.enrich.canonical import canonicalise

#: Input fields kept, as sent, in ``rawPayload`` (personal fields never are).
RAW_FIELDS = ("position", "skills", "level", "jobDescription", "qualifications")


def raw_payload(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in RAW_FIELDS if k in body}


def canonical_content(
    raw: dict[str, Any],
    *,
    has_resume: bool,
    resume_skills: dict[str, list[str]] | None,
    previous: dict[str, Any] | None = None,
    role_family: str | None = None,
) -> dict[str, Any]:
    """The record fields that canonicalisation sets, from ``raw`` (the ``rawPayload``).

    ``resume_skills`` (``{"claimed": [...], "evidenced": [...]}``) comes with a new résumé;
    when the résumé did not change, ``previous`` (the record) keeps its résumé-derived skills.
    ``role_family`` is a recruiter's override, kept over detection."""
    result = canonicalise(raw, role_family_override=role_family)
    payload = {k: v for k, v in result.canonical_payload.items() if k != "candidateResume"}
    fields: dict[str, Any] = {
        "skills": result.skills,
        "rawPayload": raw,
        "canonicalPayload": payload,
        "diffReport": result.diff_report,
        "unknownSkills": result.unknown_skills,
        "unknownTitle": result.unknown_title,
    }
    if result.position:
        fields["position"] = result.position
    if resume_skills is not None:
        fields["candidateClaimedSkills"] = resume_skills["claimed"]
        fields["candidateEvidencedSkills"] = resume_skills["evidenced"]
    elif not has_resume:
        fields["candidateClaimedSkills"] = result.claimed_skills
        fields["candidateEvidencedSkills"] = []
    elif previous is not None:
        fields["candidateClaimedSkills"] = previous.get("candidateClaimedSkills", [])
        fields["candidateEvidencedSkills"] = previous.get("candidateEvidencedSkills", [])
    return fields


def resume_skills(skills: list[str], resume: str) -> dict[str, list[str]]:
    """Claimed and evidenced skills of a résumé (the requested skills first)."""
    result = canonicalise({"skills": skills, "candidateResume": resume})
    return {"claimed": result.claimed_skills, "evidenced": result.evidenced_skills}

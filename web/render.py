"""Interview records as the API shows them (the seed's field order). Pure: personal fields
arrive already opened."""

from __future__ import annotations

from typing import Any

#: The seed's POST /interviews response and list item fields.
SUMMARY_FIELDS = (
    "id",
    "tenantId",
    "candidateName",
    "candidateEmail",
    "position",
    "level",
    "skills",
    "duration",
    "status",
    "workflowState",
    "planId",
    "sessionId",
    "runId",
    "createdAt",
    "updatedAt",
)

#: The seed's GET /interviews/:id fields, then API.md §3's additions.
FULL_FIELDS = (
    "id",
    "tenantId",
    "candidateName",
    "candidateEmail",
    "position",
    "level",
    "skills",
    "duration",
    "status",
    "jobDescription",
    "workflowState",
    "runId",
    "planId",
    "sessionId",
    "callbackUrl",
    "candidateClaimedSkills",
    "candidateEvidencedSkills",
    "candidateDemonstratedSkills",
    "canonicalPayload",
    "diffReport",
    "rawPayload",
    "scheduledAt",
    "externalId",
    "candidateRef",
    "candidateProfile",
    "companyName",
    "qualifications",
    "validation",
    "plan",
    "assessment",
    "inviteSentAt",
    "tokenExpiresAt",
    "version",
    "createdAt",
    "updatedAt",
)

_LIST_DEFAULTS = (
    "skills",
    "qualifications",
    "candidateClaimedSkills",
    "candidateEvidencedSkills",
    "candidateDemonstratedSkills",
)


def _value(record: dict[str, Any], personal: dict[str, str | None], field: str) -> Any:
    if field in personal:
        return personal[field]
    if field == "canonicalPayload":
        payload = record.get("canonicalPayload")
        if payload is None:
            return None
        return {**payload, "candidateResume": personal.get("candidateResume")}
    value = record.get(field)
    if value is None and field in _LIST_DEFAULTS:
        return []
    return value


def summary(record: dict[str, Any], personal: dict[str, str | None]) -> dict[str, Any]:
    return {f: _value(record, personal, f) for f in SUMMARY_FIELDS}


def list_item(record: dict[str, Any], personal: dict[str, str | None]) -> dict[str, Any]:
    return {f: _value(record, personal, f) for f in SUMMARY_FIELDS if f != "tenantId"}


def full(record: dict[str, Any], personal: dict[str, str | None]) -> dict[str, Any]:
    return {f: _value(record, personal, f) for f in FULL_FIELDS}

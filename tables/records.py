"""The interview record as stored in the ``interviews`` table, and its public form. Pure.

The interview agent is the only writer. Besides the fields the API shows, a stored record
keeps the agent's bookkeeping (``applied``: the last commands it applied; ``offsets``: where it
stood on each command topic; ``sequence``: the last event published about it), the sealed
personal fields (``sealed``), the enricher's findings and the recruiter's override patches.

A record holds each large text once: the job description is the ``jobDescription`` field, and
``rawPayload`` keeps it only where it differed from that field as sent (surrounding spaces);
``canonicalPayload`` never stores it. ``public_record`` restores both.

The public record is what ``GET /interviews/:id`` shows and what every event carries: the
fields of ``FULL_FIELDS`` with the personal ones left sealed (``sealed``), and never the
bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hirestream.topics.vocabulary import PERSONAL_FIELDS

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

#: The seed's GET /interviews/:id fields, then docs/api.md §3's additions.
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
    "revisionNotes",
    "rejectionFeedback",
    "unknownSkills",
    "unknownTitle",
    "assessment",
    "inviteSentAt",
    "tokenExpiresAt",
    "candidatePurgedAt",
    "version",
    "createdAt",
    "updatedAt",
)

#: Fields that are lists: shown as ``[]`` when the record has none.
LIST_FIELDS = (
    "skills",
    "qualifications",
    "candidateClaimedSkills",
    "candidateEvidencedSkills",
    "candidateDemonstratedSkills",
    "revisionNotes",
    "unknownSkills",
)


def compact_raw(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``rawPayload`` as stored: the job description only where it is not the field itself."""
    stored = dict(raw)
    description = stored.get("jobDescription")
    if description is None or (isinstance(description, str) and description == description.strip()):
        stored.pop("jobDescription", None)
    return stored


def full_raw(record: Mapping[str, Any]) -> dict[str, Any]:
    """``rawPayload`` with the job description restored."""
    raw = dict(record.get("rawPayload") or {})
    if "jobDescription" not in raw and record.get("jobDescription") is not None:
        raw["jobDescription"] = record["jobDescription"]
    return raw


def full_canonical(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """``canonicalPayload`` with the job description restored (as sent, like before)."""
    payload = record.get("canonicalPayload")
    if payload is None:
        return None
    return {**payload, "jobDescription": full_raw(record).get("jobDescription")}


def field_value(record: Mapping[str, Any], field: str) -> Any:
    if field == "rawPayload":
        return full_raw(record) if "rawPayload" in record else None
    if field == "canonicalPayload":
        return full_canonical(record)
    value = record.get(field)
    if value is None and field in LIST_FIELDS:
        return []
    return value


def public_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as events carry it: every public field, personal fields sealed."""
    public = {f: field_value(record, f) for f in FULL_FIELDS if f not in PERSONAL_FIELDS}
    public["sealed"] = dict(record.get("sealed") or {})
    if record.get("deleted"):
        public["deleted"] = True
    return public


def owned(record: Mapping[str, Any] | None, tenant_id: str) -> bool:
    """Whether a stored record exists, is not deleted and belongs to ``tenant_id`` (every read
    checks the record's own tenant, whatever key found it)."""
    return record is not None and not record.get("deleted") and record.get("tenantId") == tenant_id

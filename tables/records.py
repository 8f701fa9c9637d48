"""The interview record as stored in the ``interviews`` table, and its public form. Pure.

The interview agent is the only writer. Besides the fields the API shows, a stored record
keeps the agent's bookkeeping (``applied``: the last commands it applied; ``offsets``: where it
stood on each command topic; ``sequence``: the last event published about it), the sealed
personal fields (``sealed``) with the search tokens of the sealed name and email
(``searchTokens``, ``hirestream.search_tokens``), the enricher's findings and the recruiter's
override patches.

A record holds each large text once: the job description is the ``jobDescription`` field, and
``rawPayload`` keeps it only where it differed from that field as sent (surrounding spaces);
``canonicalPayload`` never stores it. ``public_record`` restores both.

The public record is what ``GET /interviews/:id`` shows and what every event carries: the
fields of ``FULL_FIELDS`` with the personal ones left sealed (``sealed``), and never the
bookkeeping or the search tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Required, TypedDict, cast

from hirestream.topics.vocabulary import PERSONAL_FIELDS


class InterviewRecord(TypedDict, total=False):
    """An interview as stored in the ``interviews`` table.

    A TypedDict, not a class: the record is JSON in the changelog, in events and in replies,
    and a TypedDict is that JSON as it is — no conversion at any boundary, orjson writes it as
    it stands — while the type checker still knows every field. ``Required`` fields are on
    every record, tombstones included."""

    id: Required[str]
    tenantId: Required[str]
    version: Required[int]
    createdAt: Required[str]
    updatedAt: Required[str]
    status: Required[str]
    workflowState: str | None
    deleted: bool
    # content (docs/api.md §3); the candidate's personal fields only ever sealed
    position: str | None
    level: str | None
    skills: list[str]
    jobDescription: str | None
    qualifications: list[str]
    scheduledAt: str | None
    duration: int
    callbackUrl: str | None
    externalId: str | None
    candidateRef: str | None
    companyName: str | None
    sealed: dict[str, str]
    searchTokens: dict[str, str]  # sealed name/email -> search tokens: never shown nor in events
    # canonicalisation, enrichment, overrides (docs/api.md §3, §5)
    rawPayload: dict[str, Any]
    canonicalPayload: dict[str, Any]
    diffReport: dict[str, dict[str, Any]]
    unknownSkills: list[str]
    unknownTitle: str | None
    candidateClaimedSkills: list[str]
    candidateEvidencedSkills: list[str]
    candidateDemonstratedSkills: list[str]
    enrichment: dict[str, Any]
    overrides: list[dict[str, Any]]
    # the workflow (docs/api.md §4, §5)
    validation: dict[str, Any] | None
    plan: dict[str, Any] | None
    planId: str | None
    runId: str | None
    revisionNotes: list[str]
    rejectionFeedback: str | None
    candidatePurgedAt: str
    # the candidate journey (docs/api.md §6)
    inviteId: str
    inviteSentAt: str
    tokenExpiresAt: str
    inviteEmailSent: bool | None
    inviteEmailError: str | None
    sessionId: str
    session: dict[str, Any]  # agents/interviews/session.py: the live session and its turns
    # the assessment (docs/api.md §6)
    assessment: dict[str, Any] | None
    assessments: list[dict[str, Any]]  # every assessment made, oldest first (the last 10)
    assessedSequence: int  # the completion event the current assessment answers
    # the agent's bookkeeping: never shown, never in an event
    applied: list[dict[str, Any]]  # the last commands applied (decide.Applied)
    offsets: dict[str, int]  # per command topic, the offset of the last command taken in
    sequence: int  # the sequence number of the last event published about the interview


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
    "assessments",
    "inviteSentAt",
    "tokenExpiresAt",
    "inviteEmailSent",
    "inviteEmailError",
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
    "assessments",
)


def with_fields(record: InterviewRecord, fields: Mapping[str, Any]) -> InterviewRecord:
    """A new record: ``record`` with ``fields`` set (the untyped results of the pure
    functions that compute some fields, such as canonicalisation)."""
    return cast(InterviewRecord, {**record, **fields})


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


def last_offset(state: Mapping[str, Any] | None, source: str) -> int:
    """The offset of the last command from ``source`` a record (or a tenant's counts) took in:
    the bookkeeping that makes a redelivered command recognisable."""
    if state is None:
        return -1
    offset: int = state.get("offsets", {}).get(source, -1)
    return offset


def owned(record: Mapping[str, Any] | None, tenant_id: str) -> bool:
    """Whether a stored record exists, is not deleted and belongs to ``tenant_id`` (every read
    checks the record's own tenant, whatever key found it)."""
    return record is not None and not record.get("deleted") and record.get("tenantId") == tenant_id

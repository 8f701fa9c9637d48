"""Command payloads for interview writes, shared by the Interviews and Integration APIs:
personal fields sealed with the interview's data key, the input kept as sent, and the skills
the résumé claims worked out while the résumé is still readable."""

from __future__ import annotations

from typing import Any

from hirestream.agents.interviews.content import raw_payload, resume_skills
from hirestream.privacy import PERSONAL_FIELDS, seal_fields, unseal_fields
from hirestream.store.datakeys import DataKeys
from hirestream.web.errors import Problem

NOT_FOUND = Problem(404, "Interview not found")


def split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public fields, personal fields)."""
    public = {k: v for k, v in fields.items() if k not in PERSONAL_FIELDS}
    personal = {k: v for k, v in fields.items() if k in PERSONAL_FIELDS}
    return public, personal


async def creation(
    keys: DataKeys, tenant: str, interview_id: str, fields: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """The payload of ``interview.create`` (the interview's data key is made here)."""
    data_key = await keys.create(tenant, interview_id)
    public, personal = split(fields)
    payload = {
        **public,
        "sealed": seal_fields(data_key, tenant, interview_id, personal),
        "rawPayload": raw_payload(body),
    }
    if fields.get("candidateResume"):
        payload["resumeSkills"] = resume_skills(fields["skills"], fields["candidateResume"])
    return payload


async def changes(
    keys: DataKeys, tenant: str, interview_id: str, fields: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """The payload of a content change: only the fields sent; ``null`` clears a personal
    field. Personal data sent after a purge is sealed under a new data key (the interview
    agent still refuses a change to an interview that does not exist)."""
    public, personal = split(fields)
    public["rawPayload"] = raw_payload(body)
    if personal:
        data_key = await keys.create(tenant, interview_id)
        public["sealed"] = seal_fields(data_key, tenant, interview_id, personal)
        public["sealedCleared"] = [k for k, v in personal.items() if v is None]
        if personal.get("candidateResume"):
            public["resumeSkills"] = resume_skills(
                fields.get("skills") or [], personal["candidateResume"]
            )
    return public


async def opened(keys: DataKeys, record: dict[str, Any]) -> dict[str, str | None]:
    """The record's personal fields in clear (all None once the key is destroyed)."""
    key = await keys.get(record["tenantId"], record["id"])
    return unseal_fields(key, record["tenantId"], record["id"], record.get("sealed", {}))

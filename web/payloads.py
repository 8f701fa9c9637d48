"""Command payloads for interview writes, shared by the Interviews and Integration APIs: the
content fields as sent (the interview agent validates them again, with the same validators),
with the personal ones sealed under the interview's data key before the command is published."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hirestream.personal import sealed_payload
from hirestream.privacy import unseal_fields
from hirestream.store.datakeys import DataKeys
from hirestream.topics.payloads import WRITABLE


def _sent(body: Mapping[str, Any], *, with_status: bool) -> dict[str, Any]:
    keep = (*WRITABLE, "status") if with_status else WRITABLE
    return {k: body[k] for k in keep if k in body}


async def creation(
    keys: DataKeys,
    tenant: str,
    interview_id: str,
    fields: Mapping[str, Any],
    body: Mapping[str, Any],
) -> dict[str, Any]:
    """The payload of ``interview.create`` (``fields``: the body as validated)."""
    return await sealed_payload(keys, tenant, interview_id, _sent(body, with_status=False), fields)


async def changes(
    keys: DataKeys,
    tenant: str,
    interview_id: str,
    fields: Mapping[str, Any],
    body: Mapping[str, Any],
) -> dict[str, Any]:
    """The payload of a content change: only the fields sent; ``null`` clears a personal
    field. Personal data sent after a purge is sealed under a new data key (the interview
    agent still refuses a change to an interview that does not exist)."""
    return await sealed_payload(keys, tenant, interview_id, _sent(body, with_status=True), fields)


async def opened(keys: DataKeys, record: Mapping[str, Any]) -> dict[str, str | None]:
    """The record's personal fields in clear (all None once the key is destroyed)."""
    key = await keys.get(record["tenantId"], record["id"])
    return unseal_fields(key, record["tenantId"], record["id"], record.get("sealed", {}))

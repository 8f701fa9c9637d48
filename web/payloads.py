"""Command payloads for interview writes, shared by the Interviews and Integration APIs: the
content fields as sent (the interview agent validates them again, with the same validators),
with the personal ones sealed under the interview's data key before the command is published
(``hirestream.personal``); and the personal fields of a record opened for an answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from hirestream.personal import sealed_payload
from hirestream.privacy import unseal_fields
from hirestream.store.datakeys import DataKeys
from hirestream.topics.payloads import WRITABLE
from hirestream.web.auth import principal
from hirestream.web.keys import DATA_KEYS


async def sealed_body(
    request: web.Request, interview_id: str, fields: Mapping[str, Any], body: Mapping[str, Any]
) -> dict[str, Any]:
    """The payload of a create or a content change: only the fields sent (and ``status``),
    the personal ones sealed (``fields``: the body as validated; ``null`` clears a personal
    field). Personal data sent after a purge is sealed under a new data key."""
    sent = {k: body[k] for k in (*WRITABLE, "status") if k in body}
    keys = request.app[DATA_KEYS]
    return await sealed_payload(keys, principal(request).tenant_id, interview_id, sent, fields)


async def opened(keys: DataKeys, record: Mapping[str, Any]) -> dict[str, str | None]:
    """The record's personal fields in clear (all None once the key is destroyed)."""
    key = await keys.get(record["tenantId"], record["id"])
    return unseal_fields(key, record["tenantId"], record["id"], record.get("sealed", {}))

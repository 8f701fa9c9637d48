"""API key management: POST/GET/DELETE /api-keys (docs/api.md §2).

POST and DELETE honour ``Idempotency-Key`` (``hirestream.web.idempotency``): a retried create
answers the same key id and the same plaintext key, which is kept only sealed under a key
derived from the tenant and the Idempotency-Key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from hirestream.store import apikeys
from hirestream.topics.tenancy import canonical_uuid, is_tenant_id
from hirestream.web.auth import principal, requires
from hirestream.web.commands import read_json
from hirestream.web.credentials import KEY_PREFIX, hash_api_key, new_api_key
from hirestream.web.errors import Problem, json_response
from hirestream.web.idempotency import idempotent
from hirestream.web.keys import AUTHENTICATOR, POOL
from hirestream.web.permissions import UnknownPermission, expand


def _key_request(body: Any) -> tuple[str, list[str], list[str] | None, datetime | None]:
    errors: list[str] = []
    if not isinstance(body, dict):
        raise Problem(400, ["body must be a JSON object"])
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors.append("name is required (1 to 200 characters)")
    permissions = body.get("permissions")
    if (
        not isinstance(permissions, list)
        or not permissions
        or not all(isinstance(p, str) for p in permissions)
    ):
        errors.append("permissions must be a non-empty list of permission codes")
        permissions = []
    tenants = body.get("tenants")
    if tenants is not None and (
        not isinstance(tenants, list) or not tenants or not all(is_tenant_id(t) for t in tenants)
    ):
        errors.append(
            "tenants must be a non-empty list of tenant ids "
            "(each 1 to 128 characters of A-Z a-z 0-9 . _ -)"
        )
    expires_at = None
    if body.get("expiresAt") is not None:
        raw = body["expiresAt"]
        try:
            expires_at = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
            if expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=UTC)
            if expires_at <= datetime.now(UTC):
                errors.append("expiresAt must be in the future")
        except ValueError:
            errors.append("expiresAt must be an ISO-8601 date-time")
    if errors:
        raise Problem(400, errors, code="validation_failed")
    return str(name).strip(), permissions, tenants, expires_at


@requires("api-key:create")
@idempotent("api-key-replay")
async def create_api_key(request: web.Request) -> web.Response:
    body, _ = await read_json(request)
    name, permissions, tenants, expires_at = _key_request(body)
    who = principal(request)
    try:
        granted = expand(permissions)
    except UnknownPermission as exc:
        raise Problem(400, [str(exc)], code="validation_failed") from exc
    if not granted <= who.permissions:
        missing = ", ".join(sorted(granted - who.permissions))
        raise Problem(403, f"Cannot grant permissions you do not hold: {missing}")
    acting_for = tenants or [who.tenant_id]
    if not set(acting_for) <= who.tenants:
        raise Problem(403, "Cannot grant tenants you may not act for")
    key = new_api_key()
    record = await apikeys.create_key(
        request.app[POOL],
        name=name,
        key_hash=hash_api_key(key),
        key_prefix=key[: len(KEY_PREFIX) + 6],
        permissions=sorted(granted),
        tenants=acting_for,
        created_by=who.actor_id,
        expires_at=expires_at,
    )
    return json_response({**record.to_json(), "key": key}, 201)


@requires("api-key:read")
async def list_api_keys(request: web.Request) -> web.Response:
    records = await apikeys.list_for_tenant(request.app[POOL], principal(request).tenant_id)
    return json_response({"data": [r.to_json() for r in records]})


@requires("api-key:delete")
@idempotent("api-key-revoke-replay")
async def revoke_api_key(request: web.Request) -> web.Response:
    key_id = canonical_uuid(request.match_info["id"])
    found = key_id is not None and await apikeys.revoke(
        request.app[POOL], principal(request).tenant_id, key_id
    )
    if not found:
        raise Problem(404, "API key not found")
    request.app[AUTHENTICATOR].forget()
    return web.Response(status=204)

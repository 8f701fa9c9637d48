"""Authentication and permission checks (docs/api.md §2).

Two ways in: ``Authorization: Bearer <jwt>`` or ``X-API-Key`` + ``X-Tenant-ID``. An
``X-Tenant-ID`` that is not a well-formed tenant id (``topics.tenancy.is_tenant_id``) is 401 with
either, before anything is looked up, so no principal ever carries one. Handlers
declare the permission they need with ``@requires("interview:read")``; the middleware
authenticates, then checks it. API key lookups are cached per worker for at most
``api_key_cache_ttl_s`` seconds, so a revocation is in force everywhere within that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web

from hirestream.store import apikeys
from hirestream.topics.tenancy import is_tenant_id
from hirestream.web.credentials import (
    CredentialRejected,
    JwtPolicy,
    Principal,
    VerifiedTokens,
    api_key_well_formed,
    hash_api_key,
)
from hirestream.web.errors import Handler, Problem
from hirestream.web.keys import AUTHENTICATOR, PRINCIPAL

REQUIRED_PERMISSION = "__hirestream_permission__"
PUBLIC = "public"


def requires(permission: str) -> Callable[[Handler], Handler]:
    """Mark the permission a handler needs (``PUBLIC`` for no authentication)."""

    def mark(handler: Handler) -> Handler:
        setattr(handler, REQUIRED_PERMISSION, permission)
        return handler

    return mark


def principal(request: web.Request) -> Principal:
    p: Principal = request[PRINCIPAL]
    return p


UNAUTHORIZED = Problem(401, "Unauthorized")
BAD_TENANT_HEADER = Problem(401, "X-Tenant-ID must be 1 to 128 characters of A-Z a-z 0-9 . _ -")


@dataclass
class _Cached:
    record: apikeys.ApiKeyRecord | None
    at: float


class Authenticator:
    def __init__(self, policy: JwtPolicy | None, pool: asyncpg.Pool, cache_ttl_s: float) -> None:
        self._policy = policy
        self._tokens = VerifiedTokens(policy) if policy is not None else None
        self._pool = pool
        self._ttl = cache_ttl_s
        self._cache: dict[bytes, _Cached] = {}

    async def authenticate(self, request: web.Request) -> Principal:
        authorization = request.headers.get("Authorization", "")
        tenant_header = request.headers.get("X-Tenant-ID")
        if tenant_header is not None and not is_tenant_id(tenant_header):
            raise BAD_TENANT_HEADER
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip() or self._tokens is None:
                raise UNAUTHORIZED
            try:
                found = self._tokens.principal(token.strip(), time.time())
            except CredentialRejected as exc:
                raise UNAUTHORIZED from exc
            if tenant_header is not None and tenant_header != found.tenant_id:
                raise Problem(403, "X-Tenant-ID does not match the token's tenant")
            return found
        key = request.headers.get("X-API-Key")
        if key:
            return await self._from_api_key(key.strip(), tenant_header)
        raise UNAUTHORIZED

    async def _from_api_key(self, key: str, tenant_header: str | None) -> Principal:
        if not api_key_well_formed(key):
            raise UNAUTHORIZED
        digest = hash_api_key(key)
        record = await self._lookup(digest)
        now = datetime.now(UTC)
        if record is None or record.revoked_at is not None:
            raise UNAUTHORIZED
        if record.expires_at is not None and record.expires_at <= now:
            raise UNAUTHORIZED
        if not tenant_header:
            raise Problem(401, "X-Tenant-ID is required with X-API-Key")
        if tenant_header not in record.tenants:
            raise Problem(403, "This API key may not act for that tenant")
        return Principal(
            "apiKey",
            record.id,
            tenant_header,
            frozenset(record.permissions),
            frozenset(record.tenants),
        )

    async def _lookup(self, digest: bytes) -> apikeys.ApiKeyRecord | None:
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and now - cached.at < self._ttl:
            return cached.record
        # Looked up by its SHA-256: timing of the indexed lookup reveals nothing about the key.
        record = await apikeys.find_by_hash(self._pool, digest)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = _Cached(record, now)
        return record

    def forget(self) -> None:
        self._cache.clear()


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    route_handler: Any = request.match_info.handler
    needed = getattr(route_handler, REQUIRED_PERMISSION, None)
    if needed == PUBLIC or request.match_info.http_exception is not None:
        return await handler(request)
    found = await request.app[AUTHENTICATOR].authenticate(request)
    request[PRINCIPAL] = found
    if needed is None or needed not in found.permissions:
        raise Problem(403, f"Insufficient permissions. Required: {needed or 'unknown'}")
    return await handler(request)

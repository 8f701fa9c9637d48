"""Tenant settings in the configuration store (docs/api.md §4, §8): workflow switches with
documented defaults, read through a short per-process cache by the agents that need them."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Final

import asyncpg
import orjson

from hirestream.store.db import open_pool

#: Every setting with its default; unknown keys are refused.
DEFAULTS: Final[dict[str, Any]] = {
    "autoApprovePlans": False,
    "autoApproveAssessments": False,
}


class InvalidSettings(ValueError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def validated(changes: Any) -> dict[str, Any]:
    """Check a PUT body: a JSON object of known settings with values of the right type."""
    if not isinstance(changes, dict):
        raise InvalidSettings(["body must be a JSON object"])
    errors = []
    for key, value in changes.items():
        if key not in DEFAULTS:
            errors.append(f"{key} is not a setting (settings: {', '.join(DEFAULTS)})")
        elif type(value) is not type(DEFAULTS[key]):
            errors.append(
                f"{key} must be a {type(DEFAULTS[key]).__name__.replace('bool', 'boolean')}"
            )
    if not changes:
        errors.append("body has no setting to change")
    if errors:
        raise InvalidSettings(errors)
    return changes


async def read(pool: asyncpg.Pool, tenant_id: str) -> dict[str, Any]:
    raw = await pool.fetchval(
        "SELECT settings FROM tenant_settings WHERE tenant_id = $1", tenant_id
    )
    stored = orjson.loads(raw) if raw else {}
    return {**DEFAULTS, **{k: v for k, v in stored.items() if k in DEFAULTS}}


async def update(pool: asyncpg.Pool, tenant_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", tenant_id)
        await conn.execute(
            "INSERT INTO tenant_settings (tenant_id, settings) VALUES ($1, $2::jsonb)"
            " ON CONFLICT (tenant_id) DO UPDATE"
            " SET settings = tenant_settings.settings || $2::jsonb, updated_at = now()",
            tenant_id,
            orjson.dumps(changes).decode(),
        )
    return await read(pool, tenant_id)


class SettingsCache:
    """Tenant settings for agents: at most ``ttl_s`` seconds old."""

    def __init__(self, pool: asyncpg.Pool, ttl_s: float = 2.0) -> None:
        self._pool = pool
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    async def get(self, tenant_id: str) -> dict[str, Any]:
        now = time.monotonic()
        hit = self._cache.get(tenant_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        settings = await read(self._pool, tenant_id)
        self._cache[tenant_id] = (now, settings)
        return settings

    def last_known(self, tenant_id: str) -> dict[str, Any] | None:
        """The settings last read for the tenant, however old (None: never read)."""
        hit = self._cache.get(tenant_id)
        return hit[1] if hit is not None else None


class SettingsReader:
    """Tenant settings for an agent, on its own small pool opened at first use."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._cache: SettingsCache | None = None
        self._lock = asyncio.Lock()

    async def __call__(self, tenant_id: str) -> dict[str, Any]:
        if self._cache is None:
            async with self._lock:
                if self._cache is None:
                    pool = await open_pool(self._dsn, min_size=1, max_size=2)
                    self._cache = SettingsCache(pool)
        return await self._cache.get(tenant_id)

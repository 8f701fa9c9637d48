"""The configuration store as the agents use it: one small pool, opened at first use (the web
layer has its own), with the interview data keys on it."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from hirestream.store.datakeys import DataKeys
from hirestream.store.db import open_pool
from hirestream.store.tenant_settings import SettingsCache

log = logging.getLogger(__name__)


class AgentStore:
    def __init__(self, dsn: str, *, max_size: int = 4) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._keys: DataKeys | None = None
        self._settings: SettingsCache | None = None
        self._lock = asyncio.Lock()

    async def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    self._pool = await open_pool(self._dsn, min_size=1, max_size=self._max_size)
        return self._pool

    async def data_keys(self) -> DataKeys:
        if self._keys is None:
            self._keys = DataKeys(await self.pool())
        return self._keys

    async def auto_approve_plans(self, tenant_id: str) -> bool:
        """The tenant's ``autoApprovePlans`` (at most a few seconds old). When the store cannot
        be read the last value read is used, else the default (false: the plan waits for a
        person), and the fallback is logged — planning never waits on the store."""
        try:
            if self._settings is None:
                self._settings = SettingsCache(await self.pool())
            settings = await self._settings.get(tenant_id)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            stale = self._settings.last_known(tenant_id) if self._settings else None
            log.warning(
                "event=settings.unavailable tenant=%s error=%s fallback=%s",
                tenant_id,
                type(exc).__name__,
                "last_known" if stale is not None else "default",
            )
            settings = stale or {}
        return bool(settings.get("autoApprovePlans", False))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

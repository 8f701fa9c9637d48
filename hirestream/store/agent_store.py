"""The configuration store as the agents use it: one small pool, opened at first use (the web
layer has its own), with the interview data keys on it."""

from __future__ import annotations

import asyncio

import asyncpg

from hirestream.store.datakeys import DataKeys


class AgentStore:
    def __init__(self, dsn: str, *, max_size: int = 4) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._keys: DataKeys | None = None
        self._lock = asyncio.Lock()

    async def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn, min_size=1, max_size=self._max_size
                    )
        return self._pool

    async def data_keys(self) -> DataKeys:
        if self._keys is None:
            self._keys = DataKeys(await self.pool())
        return self._keys

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

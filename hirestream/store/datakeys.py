"""Interview data keys (see ``hirestream.privacy``): created with the interview, read through
a per-worker cache, destroyed by the candidate-data purge."""

from __future__ import annotations

from collections import OrderedDict

import asyncpg

from hirestream.privacy import new_data_key


class DataKeys:
    """Data keys of interviews, with an in-process LRU cache (keys never change; a destroyed
    key is dropped from this worker's cache by ``destroy`` and is gone from PostgreSQL)."""

    def __init__(self, pool: asyncpg.Pool, *, cache_size: int = 100_000) -> None:
        self._pool = pool
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._cache_size = cache_size

    def _remember(self, tenant_id: str, interview_id: str, key: bytes) -> None:
        self._cache[(tenant_id, interview_id)] = key
        self._cache.move_to_end((tenant_id, interview_id))
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def create(self, tenant_id: str, interview_id: str) -> bytes:
        """The interview's key, created if it has none (idempotent for retried creates)."""
        key = new_data_key()
        stored: bytes = await self._pool.fetchval(
            "INSERT INTO data_keys (tenant_id, interview_id, key) VALUES ($1, $2, $3)"
            " ON CONFLICT (tenant_id, interview_id) DO UPDATE SET key = data_keys.key"
            " RETURNING key",
            tenant_id,
            interview_id,
            key,
        )
        self._remember(tenant_id, interview_id, stored)
        return stored

    async def get_many(self, tenant_id: str, interview_ids: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        missing: list[str] = []
        for interview_id in interview_ids:
            key = self._cache.get((tenant_id, interview_id))
            if key is None:
                missing.append(interview_id)
            else:
                found[interview_id] = key
        if missing:
            rows = await self._pool.fetch(
                "SELECT interview_id, key FROM data_keys"
                " WHERE tenant_id = $1 AND interview_id = ANY($2::text[])",
                tenant_id,
                missing,
            )
            for row in rows:
                self._remember(tenant_id, row["interview_id"], row["key"])
                found[row["interview_id"]] = row["key"]
        return found

    async def get(self, tenant_id: str, interview_id: str) -> bytes | None:
        return (await self.get_many(tenant_id, [interview_id])).get(interview_id)

    def forget(self, tenant_id: str, interview_id: str) -> None:
        """Drop a key from this worker's cache (it was destroyed elsewhere)."""
        self._cache.pop((tenant_id, interview_id), None)

    async def destroy(self, tenant_id: str, interview_id: str) -> bool:
        self.forget(tenant_id, interview_id)
        result: str = await self._pool.execute(
            "DELETE FROM data_keys WHERE tenant_id = $1 AND interview_id = $2",
            tenant_id,
            interview_id,
        )
        return result.endswith(" 1")

"""Interview data keys (see ``hirestream.privacy``): created with the interview, read through
a per-worker cache, destroyed by the candidate-data purge; and tenant search keys (see
``hirestream.search_tokens``): made on a tenant's first use, cached per worker, never changed.

The data key row is also where an interview lives: a candidate link carries an interview id and
no tenant id, and every interview that can be invited has a key (its candidate email is sealed
under it), so :meth:`DataKeys.tenant_of` finds the tenant from the interview id alone. A purged
interview has no key and therefore no tenant any more: its links die with its data."""

from __future__ import annotations

from collections import OrderedDict

import asyncpg

from hirestream.privacy import new_data_key
from hirestream.search_tokens import new_search_key


class DataKeys:
    """Data keys of interviews, with an in-process LRU cache (keys never change; a destroyed
    key is dropped from this worker's cache by ``destroy`` and is gone from PostgreSQL); and
    the search keys of tenants, cached likewise."""

    def __init__(self, pool: asyncpg.Pool, *, cache_size: int = 100_000) -> None:
        self._pool = pool
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._tenants: OrderedDict[str, str] = OrderedDict()  # interview id -> tenant id
        self._search_keys: OrderedDict[str, bytes] = OrderedDict()  # tenant id -> search key
        self._cache_size = cache_size

    def _remember(self, tenant_id: str, interview_id: str, key: bytes) -> None:
        self._cache[(tenant_id, interview_id)] = key
        self._cache.move_to_end((tenant_id, interview_id))
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _remember_tenant(self, interview_id: str, tenant_id: str) -> None:
        self._tenants[interview_id] = tenant_id
        self._tenants.move_to_end(interview_id)
        while len(self._tenants) > self._cache_size:
            self._tenants.popitem(last=False)

    async def create(self, tenant_id: str, interview_id: str) -> bytes:
        """The interview's key, created if it has none (idempotent for retried creates)."""
        if self._tenants.get(interview_id, tenant_id) != tenant_id:
            self._tenants.pop(interview_id)  # the same id in a second tenant: ambiguous now
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

    async def tenant_of(self, interview_id: str) -> str | None:
        """The tenant of ``interview_id``, from its data key row; None when it has no key (never
        created, or purged: a purged interview has no tenant any more, so its candidate links
        die with its data) or when keys of two tenants share the id (an upstream producer may
        pick any interview id: such an id resolves to no tenant rather than to the wrong one).

        Positive answers are cached like keys, and the key read along is cached too. A purge
        on another worker reaches this worker's cache through :meth:`forget`, as for keys."""
        tenant = self._tenants.get(interview_id)
        if tenant is not None:
            self._tenants.move_to_end(interview_id)
            return tenant
        rows = await self._pool.fetch(
            "SELECT tenant_id, key FROM data_keys WHERE interview_id = $1 LIMIT 2",
            interview_id,
        )
        if len(rows) != 1:
            return None
        tenant = str(rows[0]["tenant_id"])
        self._remember(tenant, interview_id, rows[0]["key"])
        self._remember_tenant(interview_id, tenant)
        return tenant

    async def search_key(self, tenant_id: str) -> bytes:
        """The tenant's search key, made on first use (by whichever worker comes first: every
        other one reads the same key back)."""
        key = self._search_keys.get(tenant_id)
        if key is not None:
            self._search_keys.move_to_end(tenant_id)
            return key
        stored: bytes = await self._pool.fetchval(
            "INSERT INTO search_keys (tenant_id, key) VALUES ($1, $2)"
            " ON CONFLICT (tenant_id) DO UPDATE SET key = search_keys.key"
            " RETURNING key",
            tenant_id,
            new_search_key(),
        )
        key = bytes(stored)
        self._search_keys[tenant_id] = key
        while len(self._search_keys) > self._cache_size:
            self._search_keys.popitem(last=False)
        return key

    def forget(self, tenant_id: str, interview_id: str) -> None:
        """Drop a key, and the tenant of its interview, from this worker's cache (it was
        destroyed elsewhere)."""
        self._cache.pop((tenant_id, interview_id), None)
        if self._tenants.get(interview_id) == tenant_id:
            self._tenants.pop(interview_id)

    async def destroy(self, tenant_id: str, interview_id: str) -> bool:
        self.forget(tenant_id, interview_id)
        result: str = await self._pool.execute(
            "DELETE FROM data_keys WHERE tenant_id = $1 AND interview_id = $2",
            tenant_id,
            interview_id,
        )
        return result.endswith(" 1")

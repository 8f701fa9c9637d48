"""Where an interview lives, from its id alone (``DataKeys.tenant_of``), against the real
PostgreSQL of the local stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from hirestream.store.datakeys import DataKeys
from hirestream.store.db import migrate, open_pool

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(stack_env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    opened = await open_pool(stack_env["DATABASE_URL"], max_size=2)
    try:
        await migrate(opened)
        yield opened
    finally:
        await opened.close()


def new_tenant() -> str:
    return f"t-{uuid.uuid4()}"


async def test_the_interview_id_is_indexed(pool: asyncpg.Pool) -> None:
    definition = await pool.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'data_keys'"
        " AND indexname = 'data_keys_by_interview'"
    )
    assert definition is not None and "(interview_id)" in definition


async def test_the_tenant_of_an_interview_with_a_key(pool: asyncpg.Pool) -> None:
    tenant = "t" * 128  # the longest tenant id: why the token carries none
    interview = str(uuid.uuid4())
    writer = DataKeys(pool)
    key = await writer.create(tenant, interview)
    reader = DataKeys(pool)  # another worker: nothing cached
    assert await reader.tenant_of(interview) == tenant
    assert await reader.tenant_of(interview) == tenant  # cached
    assert await reader.get(tenant, interview) == key  # the key read along
    assert await reader.tenant_of(str(uuid.uuid4())) is None


async def test_a_purged_interview_has_no_tenant_any_more(pool: asyncpg.Pool) -> None:
    tenant, interview = new_tenant(), str(uuid.uuid4())
    purger, other = DataKeys(pool), DataKeys(pool)
    await purger.create(tenant, interview)
    assert await purger.tenant_of(interview) == tenant
    assert await other.tenant_of(interview) == tenant
    assert await purger.destroy(tenant, interview)
    assert await purger.tenant_of(interview) is None
    assert await DataKeys(pool).tenant_of(interview) is None
    other.forget(tenant, interview)  # how the purge reaches another worker's cache
    assert await other.tenant_of(interview) is None


async def test_an_id_in_two_tenants_resolves_to_none(pool: asyncpg.Pool) -> None:
    first, second, interview = new_tenant(), new_tenant(), str(uuid.uuid4())
    keys = DataKeys(pool)
    await keys.create(first, interview)
    assert await keys.tenant_of(interview) == first
    await keys.create(second, interview)  # e.g. an upstream producer reusing the id
    assert await keys.tenant_of(interview) is None
    assert await DataKeys(pool).tenant_of(interview) is None
    await keys.destroy(second, interview)
    assert await keys.tenant_of(interview) == first


async def test_the_cache_is_bounded(pool: asyncpg.Pool) -> None:
    tenant = new_tenant()
    interviews = [str(uuid.uuid4()) for _ in range(3)]
    keys = DataKeys(pool, cache_size=2)
    for interview in interviews:
        await keys.create(tenant, interview)
        assert await keys.tenant_of(interview) == tenant
    await pool.execute("DELETE FROM data_keys WHERE tenant_id = $1", tenant)
    # the two most recent answers are still cached; the oldest was evicted and is read again
    assert [await keys.tenant_of(i) for i in interviews] == [None, tenant, tenant]

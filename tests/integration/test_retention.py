"""Idempotency-Key answers are kept for the retention period, then forgotten (docs/api.md §1)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import SEED_CREATE, auth, start_worker
from tests.support.workers import Worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def short_memory_worker(stack_env: dict[str, str], run_dir: Path) -> AsyncIterator[Worker]:
    worker = start_worker(
        stack_env,
        run_dir,
        f"hs-ret-{uuid.uuid4().hex[:8]}",
        "w1",
        extra={"HIRESTREAM_IDEMPOTENCY_RETENTION_S": "2"},
    )
    try:
        await worker.wait_ready()
        yield worker
    finally:
        worker.stop()


async def test_a_key_is_answered_within_the_retention_and_forgotten_after(
    http: aiohttp.ClientSession, short_memory_worker: Worker, tenant: str
) -> None:
    api = short_memory_worker.api
    async with http.post(f"{api}/interviews", json=SEED_CREATE, headers=auth(tenant)) as r:
        made = await r.json()
    url = f"{api}/interviews/{made['id']}"
    key = {"Idempotency-Key": "rename"}
    async with http.put(url, json={"candidateName": "A"}, headers={**auth(tenant), **key}) as r:
        assert r.status == 200
    async with http.put(url, json={"candidateName": "B"}, headers={**auth(tenant), **key}) as r:
        assert r.status == 422  # within the retention: the key is taken
    await asyncio.sleep(2.5)
    async with http.put(url, json={"position": "Lead Engineer"}, headers=auth(tenant)) as r:
        assert r.status == 200  # any later command of the tenant prunes what has expired
    async with http.put(url, json={"candidateName": "B"}, headers={**auth(tenant), **key}) as r:
        assert r.status == 200, await r.text()
        assert (await r.json())["candidateName"] == "B"

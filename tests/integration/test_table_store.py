"""The persistent table store (``HIRESTREAM_STORE=rocksdb``, tables/persistent.py): a worker
stopped (SIGTERM) or killed (SIGKILL) and started again on its data dir serves every record it
served before while reading only the changelog's tail, not the whole changelog; the memory
store serves them too, by reading everything again."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import SEED_CREATE, auth, start_worker
from tests.support.workers import Worker

pytestmark = pytest.mark.integration

PARTITIONS = 2
INTERVIEWS = 24


async def changelog_messages(bootstrap: str, topic: str) -> int:
    """Messages in the changelog now (end minus start offsets, over its partitions)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await consumer.stop()


async def applied_from_changelog(http: aiohttp.ClientSession, worker: Worker, table: str) -> float:
    """``hirestream_table_changelog_applied_total{table}`` of this worker process."""
    async with http.get(f"{worker.api}/metrics") as r:
        assert r.status == 200
        text = await r.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "hirestream_table_changelog_applied_total"
        and sample.labels.get("table") == table
    )


async def served(
    http: aiohttp.ClientSession, worker: Worker, made: dict[str, list[str]]
) -> dict[str, Any]:
    """Every record, and each tenant's counts, as the worker serves them."""
    seen: dict[str, Any] = {}
    for tenant, ids in made.items():
        for interview_id in ids:
            async with http.get(
                f"{worker.api}/interviews/{interview_id}", headers=auth(tenant)
            ) as r:
                assert r.status == 200, await r.text()
                seen[interview_id] = await r.json()
        async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
            assert r.status == 200, await r.text()
            seen[f"counts:{tenant}"] = (await r.json())["total"]
    return seen


@pytest.mark.parametrize("how", ["sigterm", "sigkill", "memory"])
async def test_a_restarted_worker_serves_its_records_reading_only_the_changelog_tail(
    stack_env: dict[str, str], run_dir: Path, http: aiohttp.ClientSession, how: str
) -> None:
    app_id = f"hs-store-{uuid.uuid4().hex[:8]}"
    store = {"HIRESTREAM_STORE": "rocksdb"}
    worker = start_worker(stack_env, run_dir, app_id, "w1", partitions=PARTITIONS, extra=store)
    try:
        await worker.wait_ready()
        tenants = [f"store-{n}-{uuid.uuid4().hex[:6]}" for n in range(3)]
        made: dict[str, list[str]] = {t: [] for t in tenants}
        for n in range(INTERVIEWS):
            tenant = tenants[n % len(tenants)]
            body = {**SEED_CREATE, "candidateName": f"Candidate {n}"}
            async with http.post(f"{worker.api}/interviews", json=body, headers=auth(tenant)) as r:
                assert r.status == 201, await r.text()
                made[tenant].append((await r.json())["id"])
        before = await served(http, worker, made)
        assert all(before[f"counts:{t}"] == len(ids) for t, ids in made.items())
        # nothing is read from the changelog while the worker writes it itself
        assert await applied_from_changelog(http, worker, "interviews") == 0
        await asyncio.sleep(1.5)  # the source offsets committed (broker_commit_interval 1 s)

        if how == "sigkill":
            worker.kill()
        else:
            worker.stop()
        if how == "memory":
            worker.env["HIRESTREAM_STORE"] = "memory"
        worker.start()
        await worker.wait_ready()

        after = await served(http, worker, made)
        assert after == before
        topic = f"{app_id}-interviews-changelog"
        written = await changelog_messages(stack_env["KAFKA_BOOTSTRAP_SERVERS"], topic)
        assert written >= INTERVIEWS
        applied = await applied_from_changelog(http, worker, "interviews")
        if how == "memory":
            assert applied == 0  # the memory store is not the persistent store: not counted
        else:
            # at most the message at each partition's stored offset (Faust seeks to it)
            assert applied <= PARTITIONS, (applied, written)

        # and it goes on writing: one more interview, counted once
        tenant = tenants[0]
        async with http.post(
            f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)
        ) as r:
            assert r.status == 201, await r.text()
        async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
            assert (await r.json())["total"] == len(made[tenant]) + 1
    finally:
        worker.stop()

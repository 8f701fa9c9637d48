"""Whole workers: SIGKILL in the middle of a stream of commands, and two workers sharing the
partitions (reads forwarded to the owner)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import SEED_CREATE, auth, start_worker

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

TENANTS = 6
CLIENTS = 12
PER_CLIENT = 15


async def _create_until_accepted(
    http: aiohttp.ClientSession,
    api: list[str],
    tenant: str,
    key: str,
    accepted: dict[str, str],
    deadline: float,
) -> None:
    """Send one create with its Idempotency-Key; on any failure (connection refused or reset,
    503, 504) send it again with the same key, until a 201 arrives."""
    loop = asyncio.get_running_loop()
    body = {**SEED_CREATE, "candidateName": f"Candidate {key}"}
    while loop.time() < deadline:
        try:
            async with http.post(
                f"{api[0]}/interviews", json=body, headers={**auth(tenant), "Idempotency-Key": key}
            ) as r:
                if r.status == 201:
                    accepted[key] = (await r.json())["id"]
                    return
                assert r.status in (503, 504), await r.text()
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.3)
    raise AssertionError(f"create {key} never accepted")


async def _listing(
    http: aiohttp.ClientSession, api: str, tenant: str, **query: str
) -> dict[str, Any]:
    params = {"limit": "100", **query}
    pages: list[dict[str, Any]] = []
    page = 1
    while True:
        async with http.get(
            f"{api}/interviews", params={**params, "page": str(page)}, headers=auth(tenant)
        ) as r:
            assert r.status == 200, await r.text()
            body = await r.json()
        pages.extend(body["data"])
        if page >= body["totalPages"]:
            return {"total": body["total"], "ids": [i["id"] for i in pages]}
        page += 1


async def test_sigkill_loses_no_accepted_command_and_counts_stay_exact(
    stack_env: dict[str, str], run_dir: Path
) -> None:
    app_id = f"hs-crash-{uuid.uuid4().hex[:8]}"
    worker = start_worker(stack_env, run_dir, app_id, "w1")
    try:
        await worker.wait_ready()
        api = [worker.api]
        tenants = [f"crash-{n}-{uuid.uuid4().hex[:6]}" for n in range(TENANTS)]
        accepted: dict[str, str] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 240
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http:

            async def client(n: int) -> None:
                for i in range(PER_CLIENT):
                    await _create_until_accepted(
                        http, api, tenants[(n + i) % TENANTS], f"k-{n}-{i}", accepted, deadline
                    )

            clients = asyncio.gather(*(client(n) for n in range(CLIENTS)))
            while len(accepted) < CLIENTS * PER_CLIENT // 4:  # noqa: ASYNC110 (polling a count)
                await asyncio.sleep(0.05)
            worker.kill()  # commands are in flight: some published, some applied, none committed
            killed_at = len(accepted)
            worker.start()
            await worker.wait_ready()
            await clients

            assert killed_at < CLIENTS * PER_CLIENT
            assert len(accepted) == CLIENTS * PER_CLIENT
            assert len(set(accepted.values())) == CLIENTS * PER_CLIENT  # one interview per key
            expected: dict[str, set[str]] = {t: set() for t in tenants}
            for key, interview_id in accepted.items():
                n, i = (int(x) for x in key.split("-")[1:])
                expected[tenants[(n + i) % TENANTS]].add(interview_id)
            for tenant in tenants:
                listed = await _listing(http, worker.api, tenant)
                assert set(listed["ids"]) == expected[tenant]
                assert listed["total"] == len(expected[tenant])
                async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
                    counts = await r.json()
                assert counts["total"] == len(expected[tenant]), counts
                assert (
                    counts["planned"]
                    == (await _listing(http, worker.api, tenant, status="planned"))["total"]
                )
    finally:
        worker.stop()


async def test_two_workers_forward_reads_to_the_owner(
    stack_env: dict[str, str], run_dir: Path
) -> None:
    app_id = f"hs-fleet-{uuid.uuid4().hex[:8]}"
    first = start_worker(stack_env, run_dir, app_id, "w1")
    second = start_worker(stack_env, run_dir, app_id, "w2")
    try:
        await asyncio.gather(first.wait_ready(), second.wait_ready())
        tenants = [f"fleet-{n}-{uuid.uuid4().hex[:6]}" for n in range(12)]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http:
            made: dict[str, str] = {}
            for n, tenant in enumerate(tenants):
                writer = (first, second)[n % 2]
                for _ in range(40):  # the group may still be settling: 503 means retry
                    async with http.post(
                        f"{writer.api}/interviews",
                        json=SEED_CREATE,
                        headers={**auth(tenant), "Idempotency-Key": tenant},
                    ) as r:
                        if r.status == 201:
                            made[tenant] = (await r.json())["id"]
                            break
                        assert r.status in (503, 504), await r.text()
                    await asyncio.sleep(0.5)
            assert len(made) == len(tenants)
            for tenant, interview_id in made.items():
                for reader in (first, second):  # one of them owns it, the other forwards
                    for _ in range(40):
                        async with http.get(
                            f"{reader.api}/interviews/{interview_id}", headers=auth(tenant)
                        ) as r:
                            if r.status != 503:
                                break
                        await asyncio.sleep(0.5)
                    assert r.status == 200, (reader.name, await r.text())
                    async with http.get(
                        f"{reader.api}/interviews/counts", headers=auth(tenant)
                    ) as r:
                        assert (await r.json())["total"] == 1
    finally:
        first.stop()
        second.stop()


async def test_reads_during_a_rebalance_answer_503_and_a_missed_deadline_504(
    stack_env: dict[str, str], run_dir: Path
) -> None:
    """While a second worker joins and partitions move, reads answer 200 or 503 with
    Retry-After — never a 404 or a 5xx — for a tenant whose interview exists; a write whose
    result misses the deadline is a 504 naming the command."""
    app_id = f"hs-edge-{uuid.uuid4().hex[:8]}"
    first = start_worker(stack_env, run_dir, app_id, "w1")
    second = None
    tenant = f"edge-{uuid.uuid4().hex[:6]}"
    seen: list[int] = []
    try:
        await first.wait_ready()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.post(
                f"{first.api}/interviews", json=SEED_CREATE, headers=auth(tenant)
            ) as r:
                made = await r.json()
            url = f"{first.api}/interviews/{made['id']}"
            second = start_worker(
                stack_env, run_dir, app_id, "w2", extra={"HIRESTREAM_COMMAND_TIMEOUT_S": "0.001"}
            )
            joined = asyncio.ensure_future(second.wait_ready())
            while not joined.done():
                async with http.get(url, headers=auth(tenant)) as r:
                    seen.append(r.status)
                    if r.status == 503:
                        assert r.headers["Retry-After"] == "1"
                        assert (await r.json())["code"] == "not_ready"
                await asyncio.sleep(0.02)
            await joined
            assert set(seen) <= {200, 503}, seen
            async with http.post(
                f"{second.api}/interviews",
                json=SEED_CREATE,
                headers={**auth(tenant), "Idempotency-Key": "late"},
            ) as r:
                assert r.status == 504
                body = await r.json()
            assert body["code"] == "command_timeout" and body["commandId"]
            assert "Idempotency-Key" in body["message"]
    finally:
        first.stop()
        if second is not None:
            second.stop()

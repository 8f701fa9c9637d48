"""Webhook delivery as its own process (``python -m hirestream webhooks``) beside a worker
started with ``HIRESTREAM_WEBHOOKS_IN_WORKER=false``: while it is down the worker records and
sends nothing (the events wait on Kafka); once it is up every delivered event reaches the
tenant's endpoint once, signed (the receiver of ``tests/integration/test_webhooks.py`` verifies
it with the ``standardwebhooks`` package), and it serves its health and metrics on
``HIRESTREAM_WEBHOOKS_PORT``."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tests.conftest import SEED_CREATE, auth, start_worker
from tests.integration.test_webhooks import Receiver
from tests.support.waiting import eventually
from tests.support.workers import free_port, service_beside

pytestmark = pytest.mark.e2e

PATH = "/hooks"
PLAN_GENERATED = "interview.plan_generated"
#: How long nothing may be recorded or sent while no webhook process runs (a delivery takes
#: well under a second when one is up).
UNSENT_FOR_S = 5.0


async def call(
    http: aiohttp.ClientSession, method: str, url: str, tenant: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, url, json=body, headers=auth(tenant)) as r:
        text = await r.text()
        return r.status, (orjson.loads(text) if text else None)


async def test_standalone_webhook_delivery_sends_what_the_worker_left_waiting(
    http: aiohttp.ClientSession, stack_env: dict[str, str], run_dir: Path
) -> None:
    app_id = f"hs-hookproc-{uuid.uuid4().hex[:8]}"
    tenant = f"hookproc-{uuid.uuid4().hex[:8]}"
    endpoint = Receiver(free_port())
    worker = start_worker(
        stack_env,
        run_dir,
        app_id,
        "w1",
        extra={
            "HIRESTREAM_WEBHOOKS_IN_WORKER": "false",
            "HIRESTREAM_CALLBACK_HTTP_HOSTS": f"127.0.0.1:{endpoint.port}",
        },
    )
    hooks = service_beside(
        worker, "webhooks", "HIRESTREAM_WEBHOOKS_PORT", run_dir / f"{app_id}-webhooks.log"
    )
    await endpoint.start()
    try:
        await worker.wait_ready()
        status, made = await call(
            http, "POST", f"{worker.api}/webhook-endpoints", tenant, {"url": endpoint.url(PATH)}
        )
        assert status == 201, made
        endpoint.secrets = {PATH: [made["secret"]]}
        status, created = await call(http, "POST", f"{worker.api}/interviews", tenant, SEED_CREATE)
        assert status == 201, created

        # No webhook process: the plan is made, and nothing is recorded or sent.
        async def planned() -> bool:
            status, found = await call(
                http, "GET", f"{worker.api}/interviews/{created['id']}", tenant
            )
            return status == 200 and found["workflowState"] == "pending"

        await eventually(planned, "the interview's plan")
        await asyncio.sleep(UNSENT_FOR_S)
        status, log = await call(http, "GET", f"{worker.api}/webhook-deliveries", tenant)
        assert status == 200 and log["data"] == [], log
        assert endpoint.received == []

        hooks.start()
        await hooks.wait_ready(timeout_s=60)

        def plan() -> list[Any]:
            return [r for r in endpoint.received if r.payload["event"] == PLAN_GENERATED]

        async def delivered() -> bool:
            return bool(plan())

        await eventually(delivered, "the plan_generated delivery", seconds=60)
        assert len(plan()) == 1, endpoint.received
        got = plan()[0]
        assert got.verified_by == [made["secret"]] and got.legacy_ok, got
        assert got.payload["interviewId"] == created["id"] and got.payload["id"] == got.webhook_id
        webhook_id = got.webhook_id

        async def logged() -> bool:
            status, log = await call(http, "GET", f"{worker.api}/webhook-deliveries", tenant)
            return status == 200 and any(
                d["webhookId"] == webhook_id and d["status"] == "delivered" for d in log["data"]
            )

        await eventually(logged, "the delivery in the tenant's log")

        async with http.get(f"{hooks.url}/health/live") as r:
            assert r.status == 200 and (await r.json()) == {"status": "ok"}
        async with http.get(f"{hooks.url}/metrics") as r:
            assert r.status == 200 and r.content_type == "text/plain"
            text = await r.text()
        assert 'hirestream_webhook_deliveries_total{outcome="delivered"}' in text, text
    finally:
        hooks.stop()
        worker.stop()
        await endpoint.stop()

"""Webhook delivery as its own process (``python -m hirestream webhooks``) beside a worker
started with ``HIRESTREAM_WEBHOOKS_IN_WORKER=false``: while it is down the worker records and
sends nothing (the events wait on Kafka); once it is up every delivered event reaches the
tenant's endpoint once, signed (verified with the ``standardwebhooks`` package), and it serves
its health and metrics on ``HIRESTREAM_WEBHOOKS_PORT``."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

from tests.conftest import SEED_CREATE, auth, start_worker
from tests.support.waiting import eventually
from tests.support.workers import ServiceProcess, free_port

pytestmark = pytest.mark.e2e

#: How long nothing may be recorded or sent while no webhook process runs (a delivery takes
#: well under a second when one is up).
UNSENT_FOR_S = 5.0


class Endpoint:
    """A receiver on 127.0.0.1 that keeps every request whose signature verifies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.secret = ""
        self.verified: list[tuple[str, dict[str, Any]]] = []
        self.refused = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.refused += 1
            return web.json_response({"error": "signature"}, status=401)
        self.verified.append((request.headers["webhook-id"], orjson.loads(body)))
        return web.json_response({"ok": True})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


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
    endpoint = Endpoint(free_port())
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
    port = free_port()
    hooks = ServiceProcess(
        "webhooks",
        port,
        {**worker.env, "HIRESTREAM_WEBHOOKS_PORT": str(port)},
        run_dir / f"{app_id}-webhooks.log",
        command="webhooks",
    )
    await endpoint.start()
    try:
        await worker.wait_ready()
        status, made = await call(
            http, "POST", f"{worker.api}/webhook-endpoints", tenant, {"url": endpoint.url}
        )
        assert status == 201, made
        endpoint.secret = made["secret"]
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
        assert endpoint.verified == [] and endpoint.refused == 0

        hooks.start()
        await hooks.wait_ready(timeout_s=60)

        async def delivered() -> bool:
            return any(p["event"] == "interview.plan_generated" for _, p in endpoint.verified)

        await eventually(delivered, "the plan_generated delivery", seconds=60)
        plan = [(i, p) for i, p in endpoint.verified if p["event"] == "interview.plan_generated"]
        assert len(plan) == 1, endpoint.verified
        webhook_id, payload = plan[0]
        assert payload["interviewId"] == created["id"] and payload["id"] == webhook_id, payload
        assert endpoint.refused == 0

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

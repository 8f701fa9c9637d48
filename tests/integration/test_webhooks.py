"""Webhook delivery on the real stack (docs/api.md §7): a worker whose recorder and scheduler
deliver to real aiohttp receivers on 127.0.0.1 (allow-listed with
``HIRESTREAM_CALLBACK_HTTP_HOSTS``), which verify every request with the ``standardwebhooks``
package and the legacy header with ``hmac``. Retries are scaled down
(``HIRESTREAM_WEBHOOK_RETRY_SCALE``) so that the schedule runs in seconds.

* a receiver down for a while, then up: every event delivered, each ``webhook-id`` once (or
  again as the same id), in order per interview and target, callback deliveries waiting for
  the tenant's callback secret;
* a slow receiver of one tenant holds at most its host's share, and another tenant's delivery
  goes at once;
* a rotation's overlap (receivers holding the old and the new secret both verify), its end,
  and a replay with the same ``webhook-id``;
* the endpoints and the delivery log isolated between tenants, and the permissions;
* endpoint URLs refused at input (a sample of the SSRF corpus of
  ``tests/integration/test_webhook_client.py``, which checks every one of them at delivery,
  before any connection);
* an endpoint disabled after 5 days of failures (the streak's start moved into the past in the
  store), and enabled again by a delivered test.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
import pytest
from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

from tests.conftest import SEED_CREATE, auth, start_worker
from tests.integration.test_webhook_client import NOT_RESOLVED
from tests.support.waiting import eventually as wait_for
from tests.support.workers import Worker, free_port

pytestmark = pytest.mark.integration

#: Every port a receiver of this module listens on (allow-listed for plain http).
PORTS = {name: free_port() for name in ("main", "slow", "fast", "rotation", "down", "isolation")}
RETRY_SCALE = "0.001"  # retries after 5 ms, 0.3 s, 1.8 s, 7.2 s, ...


# --- a real receiver --------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    webhook_id: str
    body: bytes
    payload: dict[str, Any]
    verified_by: list[str]
    legacy_ok: bool
    at: float


@dataclass
class Receiver:
    """An aiohttp app on 127.0.0.1 that verifies and records every webhook. ``secrets`` maps a
    path to the secrets a receiver there may hold; a request verifies when one of them does
    (Standard Webhooks, and the legacy header with the newest)."""

    port: int
    secrets: dict[str, list[str]] = field(default_factory=dict)
    delay_s: float = 0.0
    received: list[Received] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    _runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            body = await request.read()
            headers = dict(request.headers)
            verified_by = []
            for secret in self.secrets.get(request.path, []):
                try:
                    Webhook(secret).verify(body, headers)
                    verified_by.append(secret)
                except WebhookVerificationError:
                    pass
            legacy_ok = any(
                hmac.compare_digest(
                    headers.get("X-Webhook-Signature", ""),
                    "sha256="
                    + hmac.new(
                        secret.encode(),
                        f"{headers.get('X-Webhook-Timestamp')}.".encode() + body,
                        hashlib.sha256,
                    ).hexdigest(),
                )
                for secret in self.secrets.get(request.path, [])
            )
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            self.received.append(
                Received(
                    request.path,
                    headers.get("webhook-id", ""),
                    body,
                    orjson.loads(body),
                    verified_by,
                    legacy_ok,
                    time.monotonic(),
                )
            )
            if not verified_by or not legacy_ok:
                return web.json_response({"error": "signature"}, status=401)
            return web.json_response({"ok": True})
        finally:
            self.in_flight -= 1

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def ids(self, path: str | None = None) -> list[str]:
        return [r.webhook_id for r in self.received if path is None or r.path == path]


@pytest.fixture(scope="module")
async def hooks_worker(stack_env: dict[str, str], run_dir: Path) -> AsyncIterator[Worker]:
    """A worker of its own: the receivers' ports allow-listed, retries scaled down."""
    hosts = ",".join(f"127.0.0.1:{port}" for port in PORTS.values())
    worker = start_worker(
        stack_env,
        run_dir,
        f"hs-hooks-{uuid.uuid4().hex[:8]}",
        "hooks1",
        extra={
            "HIRESTREAM_CALLBACK_HTTP_HOSTS": hosts,
            "HIRESTREAM_WEBHOOK_RETRY_SCALE": RETRY_SCALE,
        },
    )
    try:
        await worker.wait_ready()
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="module")
async def db(stack_env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(stack_env["DATABASE_URL"], min_size=1, max_size=2)
    assert pool is not None
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def api(hooks_worker: Worker) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield Api(session, hooks_worker.api)


@dataclass
class Api:
    session: aiohttp.ClientSession
    base: str

    async def call(
        self,
        method: str,
        path: str,
        tenant: str,
        body: Any = None,
        *,
        role: str = "ADMIN",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        sent = {**auth(tenant, role), **(headers or {})}
        async with self.session.request(
            method, self.base + path, json=body, headers=sent
        ) as answer:
            text = await answer.text()
            return answer.status, (orjson.loads(text) if text else None)

    async def endpoint(self, tenant: str, url: str, **fields: Any) -> dict[str, Any]:
        status, made = await self.call("POST", "/webhook-endpoints", tenant, {"url": url, **fields})
        assert status == 201, made
        return dict(made)

    async def deliveries(self, tenant: str, query: str = "") -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = ""
        while True:
            status, page = await self.call(
                "GET", f"/webhook-deliveries?limit=100&cursor={cursor}{query}", tenant
            )
            assert status == 200, page
            found += page["data"]
            if page["nextCursor"] is None:
                return found
            cursor = page["nextCursor"]


async def eventually(check: Callable[[], Awaitable[Any]], what: str, seconds: float = 60) -> Any:
    """``tests.support.waiting.eventually`` with the longer wait deliveries may need."""
    return await wait_for(check, what, seconds)


def tenant_id() -> str:
    return f"hooks-{uuid.uuid4().hex[:10]}"


# --- down, then up: everything, once per id, in order -----------------------------------------

#: The order of the delivered events in the two interviews' lives.
LIFE_A = ["interview.plan_generated", "interview.approved"]
LIFE_B = [
    "interview.info_needed",
    "interview.info_completed",
    "interview.plan_generated",
    "interview.approved",
    "interview.cancelled",
]


async def test_a_receiver_down_then_up_gets_every_event_once_and_in_order(api: Api) -> None:
    tenant = tenant_id()
    receiver = Receiver(PORTS["main"])  # down: nothing listens yet
    assert (await api.call("PUT", "/tenant/settings", tenant, {"autoApprovePlans": True}))[0] == 200
    endpoint = await api.endpoint(tenant, receiver.url("/endpoint"))
    callback = receiver.url("/callback")

    status, a = await api.call(
        "POST", "/interviews", tenant, {**SEED_CREATE, "callbackUrl": callback}
    )
    assert status == 201, a
    status, b = await api.call(
        "POST",
        "/integration/interviews",
        tenant,
        {"position": "Backend Engineer", "callbackUrl": callback},
    )
    assert status == 201 and b["state"] == "INFO_NEEDED", b

    async def logged(events: int) -> list[dict[str, Any]] | None:
        found = await api.deliveries(tenant)
        return found if len(found) >= events else None

    # No callback secret yet: the callback deliveries wait, the endpoint's fail and retry.
    found = await eventually(lambda: logged(2), "the info_needed deliveries are recorded")
    waiting = [d for d in found if d["endpointId"] is None]
    assert waiting and all(d["status"] == "pending" and d["attempts"] == 0 for d in waiting)
    assert all(d["nextAttemptAt"] is None for d in waiting)
    assert all("callback secret" in d["lastError"] for d in waiting)

    run = f"/integration/interviews/{b['runId']}"
    status, supplied = await api.call(
        "PATCH", f"{run}/info", tenant, {"candidateRef": "c-1", "level": "SENIOR", "skills": ["Go"]}
    )
    assert status == 200, supplied

    async def approved(path: str, key: str) -> bool:
        status, body = await api.call("GET", path, tenant)
        return status == 200 and body[key] in ("approved", "APPROVED")

    await eventually(lambda: approved(f"/interviews/{a['id']}", "workflowState"), "a approved")
    await eventually(lambda: approved(run, "state"), "b approved")
    assert (await api.call("DELETE", run, tenant))[0] == 200  # cancelled

    expected = 2 * (len(LIFE_A) + len(LIFE_B))
    found = await eventually(lambda: logged(expected), "every delivery is recorded")
    assert len(found) == expected
    status, made = await api.call("POST", "/tenant/callback-secret", tenant)
    assert status == 200 and made["secret"].startswith("whsec_")
    receiver.secrets = {"/callback": [made["secret"]], "/endpoint": [endpoint["secret"]]}

    async def retried() -> bool:
        found = await api.deliveries(tenant)
        return all(d["status"] in ("failed", "pending") for d in found) and any(
            d["attempts"] >= 2 and d["endpointId"] is None for d in found
        )

    await eventually(retried, "the callback deliveries are attempted and retried, down")
    down = await api.deliveries(tenant, "&status=failed")
    assert down and all(d["lastError"].startswith("connection failed") for d in down)

    await receiver.start()  # up
    try:

        async def all_delivered() -> bool:
            return len(await api.deliveries(tenant, "&status=delivered")) == expected

        await eventually(all_delivered, "every delivery is delivered", seconds=90)
    finally:
        await receiver.stop()

    log = await api.deliveries(tenant)
    assert {d["webhookId"] for d in log} == set(receiver.ids())
    by_id: dict[str, bytes] = {}
    for r in receiver.received:
        assert r.verified_by and r.legacy_ok, r
        assert by_id.setdefault(r.webhook_id, r.body) == r.body  # a repeat is the same webhook
        assert r.payload["id"] == r.webhook_id and r.payload["tenantId"] == tenant
    for interview, life in ((a["id"], LIFE_A), (b["interviewId"], LIFE_B)):
        for path in ("/callback", "/endpoint"):
            first_seen = list(
                dict.fromkeys(
                    r.webhook_id
                    for r in receiver.received
                    if r.path == path and r.payload["interviewId"] == interview
                )
            )
            events = [orjson.loads(by_id[i])["event"] for i in first_seen]
            assert events == life, (path, events)
    states = {orjson.loads(body)["event"]: orjson.loads(body)["state"] for body in by_id.values()}
    assert states["interview.info_needed"] == "INFO_NEEDED"
    assert states["interview.cancelled"] == "CANCELLED"
    for body in by_id.values():  # no personal data: the candidate's name never appears
        assert b"Jane Smith" not in body and b"jane@example.com" not in body


# --- a slow receiver does not hold up another tenant ------------------------------------------


async def test_a_slow_receiver_does_not_hold_up_another_tenant(api: Api) -> None:
    slow_tenant, fast_tenant = tenant_id(), tenant_id()
    slow, fast = Receiver(PORTS["slow"], delay_s=6.0), Receiver(PORTS["fast"])
    slow_endpoint = await api.endpoint(slow_tenant, slow.url("/hook"))
    fast_endpoint = await api.endpoint(fast_tenant, fast.url("/hook"))
    slow.secrets = {"/hook": [slow_endpoint["secret"]]}
    fast.secrets = {"/hook": [fast_endpoint["secret"]]}
    await slow.start()
    await fast.start()
    try:
        for _ in range(10):
            test = f"/webhook-endpoints/{slow_endpoint['id']}/test"
            assert (await api.call("POST", test, slow_tenant))[0] == 202

        async def slow_busy() -> bool:
            return slow.in_flight >= 4

        await eventually(slow_busy, "the slow receiver holds its share", seconds=20)
        started = time.monotonic()
        test = f"/webhook-endpoints/{fast_endpoint['id']}/test"
        assert (await api.call("POST", test, fast_tenant))[0] == 202

        async def fast_got_it() -> bool:
            return bool(fast.received)

        await eventually(fast_got_it, "the other tenant's delivery", seconds=20)
        waited = time.monotonic() - started
        assert waited < 3.0, waited  # the slow receiver answers after 6 s
        assert not slow.received  # its first attempts are still waiting
        assert slow.most_in_flight == 4  # HIRESTREAM_WEBHOOK_HOST_CONCURRENCY
    finally:
        await slow.stop()
        await fast.stop()


# --- rotation, its overlap, replay ------------------------------------------------------------


async def test_rotation_overlap_and_replay(api: Api, db: asyncpg.Pool) -> None:
    tenant = tenant_id()
    receiver = Receiver(PORTS["rotation"])
    endpoint = await api.endpoint(tenant, receiver.url("/hook"), description="rotation")
    old = endpoint["secret"]
    status, rotated = await api.call(
        "POST", f"/webhook-endpoints/{endpoint['id']}/rotate-secret", tenant
    )
    assert status == 200 and rotated["secret"] != old
    new = rotated["secret"]
    receiver.secrets = {"/hook": [old, new]}
    await receiver.start()
    try:
        test = f"/webhook-endpoints/{endpoint['id']}/test"
        status, first = await api.call("POST", test, tenant)
        assert status == 202 and first["status"] == "pending" and first["event"] == "webhook.test"
        await eventually(lambda: _got(receiver, 1), "the test webhook")
        during = receiver.received[0]
        assert sorted(during.verified_by) == sorted([old, new])  # old and new holders verify
        assert during.legacy_ok and during.webhook_id == first["webhookId"]

        # The overlap is over once the new secret is 24 h old: only the new one signs.
        await db.execute(
            "UPDATE webhook_endpoint_secrets SET created_at = created_at - interval '25 hours'"
            " WHERE endpoint_id = $1",
            uuid.UUID(endpoint["id"]),
        )
        assert (await api.call("POST", test, tenant))[0] == 202
        await eventually(lambda: _got(receiver, 2), "the second test webhook")
        assert receiver.received[1].verified_by == [new]

        # Replay: the same webhook-id and body, signed afresh.
        status, replayed = await api.call(
            "POST", f"/webhook-deliveries/{first['id']}/replay", tenant
        )
        assert status == 202 and replayed["status"] == "pending", replayed
        await eventually(lambda: _got(receiver, 3), "the replay")
        again = receiver.received[2]
        assert again.webhook_id == first["webhookId"] and again.body == during.body
        assert again.verified_by == [new]

        async def delivered_twice() -> bool:
            found = await api.deliveries(tenant, "&event=webhook.test&status=delivered")
            mine = [d for d in found if d["id"] == first["id"]]
            return bool(mine) and mine[0]["attempts"] == 2

        await eventually(delivered_twice, "the log counts the replay")
    finally:
        await receiver.stop()


async def _got(receiver: Receiver, count: int) -> bool:
    return len(receiver.received) >= count


# --- tenants, permissions, input checks -------------------------------------------------------


async def test_endpoints_and_the_log_are_isolated_between_tenants(api: Api) -> None:
    owner, other = tenant_id(), tenant_id()
    receiver = Receiver(PORTS["isolation"])
    endpoint = await api.endpoint(owner, receiver.url("/hook"))
    status, delivery = await api.call("POST", f"/webhook-endpoints/{endpoint['id']}/test", owner)
    assert status == 202
    mine = f"/webhook-endpoints/{endpoint['id']}"
    for method, path in (
        ("GET", mine),
        ("DELETE", mine),
        ("POST", f"{mine}/rotate-secret"),
        ("POST", f"{mine}/test"),
        ("POST", f"/webhook-deliveries/{delivery['id']}/replay"),
        ("GET", "/webhook-endpoints/nonsense"),
        ("POST", "/webhook-deliveries/nonsense/replay"),
    ):
        status, body = await api.call(method, path, other)
        assert status == 404, (method, path, body)
    assert await api.call("GET", "/webhook-endpoints", other) == (200, {"data": []})
    assert await api.call("GET", "/webhook-deliveries", other) == (
        200,
        {"data": [], "nextCursor": None},
    )
    status, listed = await api.call("GET", "/webhook-endpoints", owner)
    assert status == 200 and [e["id"] for e in listed["data"]] == [endpoint["id"]]
    assert "secret" not in listed["data"][0]
    status, shown = await api.call("GET", mine, owner)
    assert status == 200 and "secret" not in shown and shown["disabledAt"] is None
    found = await api.deliveries(owner)
    assert [d["id"] for d in found] == [delivery["id"]]

    # tenant:read reads, tenant:update writes (a VIEWER holds only tenant:read)
    assert (await api.call("GET", mine, owner, role="VIEWER"))[0] == 200
    assert (await api.call("GET", "/webhook-deliveries", owner, role="VIEWER"))[0] == 200
    assert (await api.call("POST", f"{mine}/test", owner, role="VIEWER"))[0] == 403
    assert (await api.call("POST", "/tenant/callback-secret", owner, role="VIEWER"))[0] == 403
    assert (await api.call("DELETE", mine, owner))[0] == 204
    assert (await api.call("DELETE", mine, owner))[0] == 404
    status, refused = await api.call("POST", f"/webhook-deliveries/{delivery['id']}/replay", owner)
    assert (status, refused["code"]) == (409, "endpoint_deleted")
    (gone,) = await api.deliveries(owner)
    assert (gone["status"], gone["lastError"]) == ("dead", "endpoint deleted")


#: A sample of the SSRF corpus (every one of which the client refuses before connecting).
REFUSED = NOT_RESOLVED[::5]


@pytest.mark.parametrize("template", REFUSED)
async def test_internal_urls_are_refused_at_input(api: Api, template: str) -> None:
    url = template.format(port=free_port())  # a port that is not allow-listed
    status, body = await api.call("POST", "/webhook-endpoints", tenant_id(), {"url": url})
    assert status == 400, (url, body)
    assert body["code"] == "validation_failed"
    assert any(m.startswith("url ") for m in body["message"]), body


async def test_endpoint_input_checks_and_idempotency(api: Api) -> None:
    tenant = tenant_id()
    good = "https://hooks.example.com/hirestream"
    for bad, words in (
        ({"url": good, "events": ["interview.sent"]}, "unknown event"),
        ({"url": good, "events": []}, "non-empty list"),
        ({"url": good, "description": "d" * 501}, "description"),
        ({"url": "http://hooks.example.com/x"}, "url must"),
        ({}, "url is required"),
    ):
        status, body = await api.call("POST", "/webhook-endpoints", tenant, bad)
        assert status == 400 and any(words in m for m in body["message"]), (bad, body)
    events = ["interview.approved", "interview.approved", "interview.cancelled"]
    key = {"Idempotency-Key": "create-1"}
    first = await api.call(
        "POST", "/webhook-endpoints", tenant, {"url": good, "events": events}, headers=key
    )
    again = await api.call(
        "POST", "/webhook-endpoints", tenant, {"url": good, "events": events}, headers=key
    )
    assert first[0] == 201 and again == first  # the same endpoint and secret
    assert first[1]["events"] == ["interview.approved", "interview.cancelled"]
    other = await api.call("POST", "/webhook-endpoints", tenant, {"url": good}, headers=key)
    assert other[0] == 422
    for n in range(19):
        await api.endpoint(tenant, f"{good}/{n}")
    status, body = await api.call("POST", "/webhook-endpoints", tenant, {"url": good})
    assert (status, body["code"]) == (409, "too_many_endpoints")
    for query in ("status=sent", "interviewId=1", "event=interview.sent", "cursor=x", "limit=0"):
        status, body = await api.call("GET", f"/webhook-deliveries?{query}", tenant)
        assert status == 400, (query, body)


# --- disabled after 5 days of failures ----------------------------------------------------------


async def test_an_endpoint_failing_for_5_days_is_disabled_and_a_delivered_test_enables_it(
    api: Api, db: asyncpg.Pool
) -> None:
    tenant = tenant_id()
    receiver = Receiver(PORTS["down"])  # nothing listens: every attempt fails
    endpoint = await api.endpoint(tenant, receiver.url("/hook"))
    path = f"/webhook-endpoints/{endpoint['id']}"
    status, first = await api.call("POST", f"{path}/test", tenant)
    assert status == 202

    async def failing_since() -> Any:
        return await db.fetchval(
            "SELECT failing_since FROM webhook_endpoints WHERE id = $1", uuid.UUID(endpoint["id"])
        )

    await eventually(failing_since, "the first failure starts the streak")
    await db.execute(  # the streak started 5 days ago; the next failure ends the endpoint
        "UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute'"
        " WHERE id = $1",
        uuid.UUID(endpoint["id"]),
    )

    async def disabled() -> dict[str, Any] | None:
        status, shown = await api.call("GET", path, tenant)
        assert status == 200
        return shown if shown["disabledAt"] else None

    shown = await eventually(disabled, "the endpoint is disabled")
    assert shown["disabledReason"].startswith("every delivery failed for 5 days")
    (dead,) = await api.deliveries(tenant)
    assert dead["id"] == first["id"] and dead["status"] == "dead"
    assert dead["nextAttemptAt"] is None and dead["attempts"] >= 1

    receiver.secrets = {"/hook": [endpoint["secret"]]}
    await receiver.start()
    try:
        assert (await api.call("POST", f"{path}/test", tenant))[0] == 202

        async def enabled() -> bool:
            status, shown = await api.call("GET", path, tenant)
            return status == 200 and shown["disabledAt"] is None

        await eventually(enabled, "a delivered test enables it again")
        assert receiver.received and receiver.received[-1].verified_by
    finally:
        await receiver.stop()

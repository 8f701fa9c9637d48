"""Webhook delivery speed: deliveries per second to local receivers, and the delay from an
event to its delivery, in one run.

Starts the local stack and one hirestream worker on fresh topics, with local aiohttp receivers
on 127.0.0.1 allow-listed for plain http (``HIRESTREAM_CALLBACK_HTTP_HOSTS``). Every receiver
verifies each webhook's Standard Webhooks signature (the ``standardwebhooks`` package) and
answers 200. Five measurements, with the worker's defaults (16 attempts in flight, 4 per
``host:port``), each after a warm-up delivery that is not counted:

- **one at a time**: ``--idle`` test deliveries, each sent when the one before has arrived:
  the delay with nothing queued;
- **one receiver**: ``--tests`` test deliveries (``POST /webhook-endpoints/:id/test``, 16
  clients, faster than they are delivered: the delay includes the queue) to one endpoint: at
  most 4 in flight to it, so this is one receiver's share;
- **four receivers**: as many again, spread over four endpoints on four ports: the worker's
  whole concurrency;
- **events one at a time**: ``--idle-events`` interviews created by a tenant with
  auto-approved plans and one endpoint taking every event, each after the webhooks of the one
  before have arrived: each gives ``interview.plan_generated`` and ``interview.approved``,
  recorded from Kafka by the webhook consumer group (which lets the broker gather events for up
  to ``HIRESTREAM_WEBHOOKS_FETCH_WAIT_MS``) and delivered in order per interview: the delay
  from an event to its delivery with nothing queued;
- **events**: ``--interviews`` interviews created the same way by 8 clients.

Deliveries per second count from the first request to the last delivery received. The delay
is from the payload's ``timestamp`` (when the event happened, or when the test delivery was
recorded) to its arrival at the receiver, p50 and p99. Figures from a loaded or small machine
are only indicative; the benchmark always exits 0.

Run: ``python bench/webhook_bench.py [--idle 50] [--tests 400] [--interviews 100]
[--idle-events 20]``
(``make bench`` runs every benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_runs import end_run, new_run  # noqa: E402

from hirestream.web.credentials import issue_jwt  # noqa: E402
from tests.conftest import SEED_CREATE  # noqa: E402
from tests.support.workers import TEST_JWT_SECRET, Worker, free_port, worker_env  # noqa: E402

RECEIVERS = 4
#: The longest wait for everything sent to arrive.
TIMEOUT_S = 300.0


@dataclass
class Receiver:
    """A local receiver: verifies every webhook and notes when it arrived."""

    port: int
    secrets: dict[str, str] = field(default_factory=dict)  # path -> secret
    arrivals: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    repeats: int = 0
    bad: int = 0
    _runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        now = time.time()
        try:
            Webhook(self.secrets[request.path]).verify(body, dict(request.headers))
        except (KeyError, WebhookVerificationError):
            self.bad += 1
            return web.Response(status=401)
        payload = orjson.loads(body)
        if payload["id"] in self.arrivals:
            self.repeats += 1
        else:
            self.arrivals[payload["id"]] = (now, payload)
        return web.Response(status=200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@dataclass(frozen=True)
class Figures:
    what: str
    deliveries: int
    per_second: float
    p50_ms: float
    p99_ms: float
    repeats: int
    bad: int


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class Api:
    def __init__(self, http: aiohttp.ClientSession, base: str, tenant: str) -> None:
        self.http, self.base, self.tenant = http, base, tenant
        token = issue_jwt(TEST_JWT_SECRET, subject="bench", tenant_id=tenant, role="ADMIN")
        self.headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(
            method, self.base + path, json=body, headers=self.headers
        ) as answer:
            text = await answer.text()
            return answer.status, (orjson.loads(text) if text else None)

    async def endpoint(self, url: str) -> dict[str, Any]:
        status, made = await self.call("POST", "/webhook-endpoints", {"url": url})
        assert status == 201, made
        return dict(made)


async def clients(count: int, total: int, call: Callable[[int], Awaitable[None]]) -> None:
    """``count`` clients making ``total`` calls between them."""
    numbers = iter(range(total))

    async def client() -> None:
        for n in numbers:
            await call(n)

    await asyncio.gather(*(client() for _ in range(count)))


async def arrived(receivers: list[Receiver], expected: int) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while sum(len(r.arrivals) for r in receivers) < expected:
        if time.monotonic() > deadline:
            got = sum(len(r.arrivals) for r in receivers)
            raise RuntimeError(f"only {got} of {expected} webhooks arrived in {TIMEOUT_S:g} s")
        await asyncio.sleep(0.05)


def figures(what: str, receivers: list[Receiver], started: float) -> Figures:
    arrivals = [a for r in receivers for a in r.arrivals.values()]
    last = max(at for at, _ in arrivals)
    delays = [(at - epoch(payload["timestamp"])) * 1000 for at, payload in arrivals]
    return Figures(
        what,
        len(arrivals),
        len(arrivals) / (last - started),
        percentile(delays, 0.50),
        percentile(delays, 0.99),
        sum(r.repeats for r in receivers),
        sum(r.bad for r in receivers),
    )


async def tests_to(
    api: Api, receivers: list[Receiver], total: int, what: str, *, clients_n: int = 16
) -> Figures:
    """``total`` test deliveries, round robin over one endpoint per receiver, from
    ``clients_n`` clients (1: each waits for its webhook to arrive, so nothing queues)."""
    endpoints = []
    for receiver in receivers:
        made = await api.endpoint(receiver.url("/hook"))
        receiver.secrets["/hook"] = made["secret"]
        endpoints.append(made["id"])

    async def one(n: int) -> None:
        path = f"/webhook-endpoints/{endpoints[n % len(endpoints)]}/test"
        status, body = await api.call("POST", path)
        assert status == 202, body
        if clients_n == 1:
            await arrived(receivers, n + 1)

    for n in range(len(endpoints)):  # warm-up: every endpoint once, not counted
        await one(n)
    await arrived(receivers, len(endpoints))
    for receiver in receivers:
        receiver.arrivals.clear()
    started = time.time()
    await clients(clients_n, total, one)
    await arrived(receivers, total)
    return figures(what, receivers, started)


async def events_to(
    api: Api, receiver: Receiver, interviews: int, what: str, *, clients_n: int = 8
) -> Figures:
    """Interviews created and auto-approved: two webhooks each, from Kafka; from ``clients_n``
    clients (1: each create waits for its two webhooks, so nothing queues)."""
    status, _ = await api.call("PUT", "/tenant/settings", {"autoApprovePlans": True})
    assert status == 200
    made = await api.endpoint(receiver.url("/events"))
    receiver.secrets["/events"] = made["secret"]

    async def one(n: int) -> None:
        body = {**SEED_CREATE, "candidateName": f"Bench Candidate {n}"}
        status, answer = await api.call("POST", "/interviews", body)
        assert status == 201, answer
        if clients_n == 1:
            await arrived([receiver], 2 * (n + 1))

    await one(-1)  # warm-up (the consumer group has its partitions): not counted
    await arrived([receiver], 2)
    receiver.arrivals.clear()
    started = time.time()
    await clients(clients_n, interviews, one)
    await arrived([receiver], 2 * interviews)
    return figures(what, [receiver], started)


async def delete_rows(env: dict[str, str], app_id: str, tenants: list[str]) -> None:
    """Delete the run's rows in the configuration store."""
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        await conn.execute("DELETE FROM webhook_deliveries WHERE fleet = $1", app_id)
        await conn.execute("DELETE FROM webhook_progress WHERE fleet = $1", app_id)
        await conn.execute("DELETE FROM webhook_endpoints WHERE tenant_id = ANY($1)", tenants)
    finally:
        await conn.close()


async def measure(args: argparse.Namespace) -> tuple[list[Figures], Path]:
    env, _, app_id, run_dir, data_dir = new_run("whbench")
    receivers = [Receiver(free_port()) for _ in range(RECEIVERS + 4)]
    hosts = ",".join(f"127.0.0.1:{r.port}" for r in receivers)
    port = free_port()
    worker = Worker(
        "whbench",
        port,
        worker_env(
            env,
            app_id=app_id,
            name="whbench",
            port=port,
            data_dir=data_dir,
            extra={"HIRESTREAM_CALLBACK_HTTP_HOSTS": hosts, "HIRESTREAM_LOG_LEVEL": "WARNING"},
        ),
        run_dir / f"{app_id}.log",
    )
    tenants = [f"whbench-{n}-{uuid.uuid4().hex[:8]}" for n in range(5)]
    worker.start()
    for receiver in receivers:
        await receiver.start()
    timeout = aiohttp.ClientTimeout(total=60)
    try:
        await worker.wait_ready()
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=32), timeout=timeout
        ) as http:
            idle, one, events, idle_events = receivers[:4]
            four = receivers[4 : 4 + RECEIVERS]
            results = [
                await tests_to(
                    Api(http, worker.api, tenants[3]),
                    [idle],
                    args.idle,
                    "one at a time",
                    clients_n=1,
                ),
                await tests_to(
                    Api(http, worker.api, tenants[0]), [one], args.tests, "one receiver"
                ),
                await tests_to(
                    Api(http, worker.api, tenants[1]), four, args.tests, f"{RECEIVERS} receivers"
                ),
                await events_to(
                    Api(http, worker.api, tenants[4]),
                    idle_events,
                    args.idle_events,
                    "events one at a time",
                    clients_n=1,
                ),
                await events_to(
                    Api(http, worker.api, tenants[2]),
                    events,
                    args.interviews,
                    f"events ({args.interviews} interviews)",
                ),
            ]
    finally:
        for receiver in receivers:
            await receiver.stop()
        worker.stop()
        try:
            await end_run(env["KAFKA_BOOTSTRAP_SERVERS"], app_id, data_dir)
        finally:
            await delete_rows(env, app_id, tenants)
    return results, worker.log_path


def print_report(results: list[Figures], log: Path, load: tuple[float, ...]) -> None:
    print(
        f"Webhook delivery on {platform.node()} ({os.cpu_count()} cores, load "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start); worker log: {log}"
    )
    print("One worker: 16 attempts in flight at most, 4 per host:port; receivers verify.")
    print()
    print(f"{'':<24} {'deliveries':>10} {'per second':>11} {'p50 ms':>8} {'p99 ms':>8}")
    for f in results:
        print(
            f"{f.what:<24} {f.deliveries:>10} {f.per_second:>11.1f} "
            f"{f.p50_ms:>8.1f} {f.p99_ms:>8.1f}"
        )
    print()
    print("delay: from the payload's timestamp (the event, or the test's recording) to arrival")
    repeats, bad = sum(f.repeats for f in results), sum(f.bad for f in results)
    print(f"repeated webhook-ids: {repeats}; signatures that did not verify: {bad}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--idle", type=int, default=50, help="test deliveries one at a time")
    parser.add_argument("--tests", type=int, default=400, help="test deliveries per run")
    parser.add_argument("--interviews", type=int, default=100, help="interviews created")
    parser.add_argument(
        "--idle-events",
        type=int,
        default=20,
        help="interviews created one at a time, each after its webhooks arrived",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load = os.getloadavg()
    results, log = asyncio.run(measure(args))
    print_report(results, log, load)


if __name__ == "__main__":
    main()

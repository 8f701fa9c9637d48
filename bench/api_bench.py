"""Throughput and latency of the command path, next to a bare Kafka round trip.

Starts one worker on fresh topics against the local stack, then measures, in one run:
- POST /interviews and GET /interviews/:id at 1 and 32 concurrent clients
  (requests/s, p50 and p99 milliseconds);
- a bare aiokafka produce -> consume round trip on the same broker at 1 and 32 in flight,
  which is the floor under every write (a command goes to Kafka and its reply comes back).

Run: ``make bench`` or ``python bench/api_bench.py`` (after ``make stack``).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hirestream.stack import ensure_stack  # noqa: E402
from hirestream.web.credentials import issue_jwt  # noqa: E402
from tests.conftest import SEED_CREATE as BODY  # noqa: E402
from tests.support.workers import TEST_JWT_SECRET, Worker, free_port, worker_env  # noqa: E402

REQUESTS = {1: 300, 32: 3000}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(
    concurrency: int, total: int, call: Callable[[int], Awaitable[None]]
) -> tuple[float, float, float]:
    latencies: list[float] = []
    counter = iter(range(total))

    async def client() -> None:
        for n in counter:
            start = time.perf_counter()
            await call(n)
            latencies.append((time.perf_counter() - start) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    return total / elapsed, statistics.median(latencies), percentile(latencies, 0.99)


async def bare_kafka(bootstrap: str) -> dict[int, tuple[float, float, float]]:
    topic = f"bench-roundtrip-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 1, 1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="latest", group_id=None
    )
    await producer.start()
    await consumer.start()
    await consumer.seek_to_end()
    waiting: dict[bytes, asyncio.Future[None]] = {}

    async def drain() -> None:
        async for message in consumer:
            future = waiting.pop(message.key, None)
            if future is not None and not future.done():
                future.set_result(None)

    drainer = asyncio.create_task(drain())
    await asyncio.sleep(1.0)

    async def round_trip(n: int) -> None:
        key = uuid.uuid4().bytes
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting[key] = future
        await producer.send(topic, value=b'{"bench": true}', key=key)
        await future

    results = {c: await measure(c, n, round_trip) for c, n in REQUESTS.items()}
    drainer.cancel()
    await producer.stop()
    await consumer.stop()
    return results


async def main() -> None:
    env = ensure_stack().environ()
    app_id = f"hs-bench-{uuid.uuid4().hex[:8]}"
    port = free_port()
    run_dir = ROOT / ".stack" / "bench"
    run_dir.mkdir(parents=True, exist_ok=True)
    worker = Worker(
        "bench",
        port,
        worker_env(
            env,
            app_id=app_id,
            name="bench",
            port=port,
            data_dir=run_dir / "data",
            extra={"HIRESTREAM_LOG_LEVEL": "WARNING"},
        ),
        run_dir / f"{app_id}.log",
    )
    worker.start()
    try:
        await worker.wait_ready()
        tenant = f"bench-{uuid.uuid4().hex[:6]}"
        headers = {
            "Authorization": "Bearer "
            + issue_jwt(TEST_JWT_SECRET, subject="bench", tenant_id=tenant, role="ADMIN")
        }
        ids: list[str] = []
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as http:

            async def post(n: int) -> None:
                async with http.post(f"{worker.api}/interviews", json=BODY) as r:
                    assert r.status == 201, await r.text()
                    ids.append((await r.json())["id"])

            async def get(n: int) -> None:
                async with http.get(f"{worker.api}/interviews/{ids[n % len(ids)]}") as r:
                    assert r.status == 200, await r.text()
                    await r.read()

            await measure(4, 100, post)  # warm-up
            rows = []
            for concurrency, total in REQUESTS.items():
                rows.append(
                    ("POST /interviews", concurrency, *await measure(concurrency, total, post))
                )
            for concurrency, total in REQUESTS.items():
                rows.append(
                    ("GET /interviews/:id", concurrency, *await measure(concurrency, total, get))
                )
        bare = await bare_kafka(env["KAFKA_BOOTSTRAP_SERVERS"])
        for concurrency, figures in bare.items():
            rows.append(("bare Kafka round trip", concurrency, *figures))
    finally:
        worker.stop()
    print(f"{'what':<24}{'clients':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, concurrency, rate, p50, p99 in rows:
        print(f"{name:<24}{concurrency:>8}{rate:>10.0f}{p50:>10.2f}{p99:>10.2f}")
    post_p50 = {c: p50 for name, c, _, p50, _ in rows if name.startswith("POST")}
    bare_p50 = {c: p50 for name, c, _, p50, _ in rows if name.startswith("bare")}
    for c in REQUESTS:
        print(
            f"POST p50 / bare Kafka round-trip p50 at {c} clients: {post_p50[c] / bare_p50[c]:.1f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())

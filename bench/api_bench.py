"""hirestream's API next to the service a team would write instead, in one run, with wrk.

Starts the local stack, one hirestream worker on fresh topics, the peer service
(``bench/peer_service.py``: aiohttp + asyncpg, one INSERT per create) and the floor
(``bench/faust_floor.py``: the same create made the Kafka-native way with nothing else — one
command, one Faust agent, one table write, one event) on free ports, then measures the three the
same way, with wrk (``bench/wrk_driver.py``, scripts in ``bench/wrk/``):

- POST /interviews at 1 and at 32 clients, each request a distinct candidate;
- GET /interviews/:id at 32 clients, round-robin over ids created beforehand;

and for hirestream alone:

- a burst: 1,000 creates sent as fast as 32 clients allow, then the time until all 1,000 are
  ``workflowState == "pending"`` (planned by the background agents);
- a bare aiokafka produce -> consume round trip on the same broker at 1 and 32 in flight, the
  floor under every write (a command goes to Kafka and its reply comes back).

After each hirestream measurement the run waits until the worker has planned every interview
it accepted, so that its background work never runs during the next measurement.

The report is a table (requests/s, p50 and p99 ms side by side) and the ratios the project's
targets use, each MET or NOT MET. Figures from a loaded or small machine are only indicative.

Run: ``make bench``, or ``python bench/api_bench.py [--seconds 15] [--quick]`` (needs ``wrk``:
``apt-get install wrk``; ``scripts/bench.sh`` installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_runs import end_run, new_run  # noqa: E402
from wrk_driver import GET_SCRIPT, POST_SCRIPT, WrkResult, run_wrk, wrk_path  # noqa: E402

from hirestream.web.credentials import issue_jwt  # noqa: E402
from tests.conftest import SEED_CREATE  # noqa: E402
from tests.support.workers import TEST_JWT_SECRET, Worker, free_port, worker_env  # noqa: E402

FEW, MANY = 1, 32
#: Interviews created per service before the measurements; the GET measurement reads them.
SEEDED = 200
#: The longest wait for hirestream to plan what it accepted (a slow machine takes long).
SETTLE_TIMEOUT_S = 300.0
#: A body whose candidate name the wrk script replaces with a distinct one per request.
POST_BODY = orjson.dumps({**SEED_CREATE, "candidateName": "__CANDIDATE__"}).decode()


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int = 0

    @classmethod
    def of(cls, result: WrkResult) -> Figures:
        return cls(result.rps, result.p50_ms, result.p99_ms, result.requests, result.errors.total)


@dataclass
class Row:
    what: str
    clients: int
    hirestream: Figures | None = None
    peer: Figures | None = None
    floor: Figures | None = None


@dataclass(frozen=True)
class Service:
    """One API under test: where it answers and the token of its benchmark tenant."""

    name: str
    api: str  # ends with /api/v1
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Burst:
    creates: int
    accepted_s: float  # until the last 201
    pending_s: float | None  # until all are pending; None: not within SETTLE_TIMEOUT_S
    p50_ms: float
    p99_ms: float


def new_tenant_token(prefix: str) -> str:
    tenant = f"{prefix}-{uuid.uuid4().hex[:8]}"
    return issue_jwt(TEST_JWT_SECRET, subject="bench", tenant_id=tenant, role="ADMIN")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def closed_loop(
    concurrency: int,
    call: Callable[[int], Awaitable[None]],
    *,
    total: int | None = None,
    seconds: float | None = None,
) -> tuple[Figures, float]:
    """``concurrency`` clients calling ``call(n)`` back to back, ``total`` calls in all or
    until ``seconds`` have passed; the figures and the elapsed seconds."""
    latencies: list[float] = []
    counter = iter(range(total if total is not None else sys.maxsize))
    began = time.perf_counter()
    deadline = began + seconds if seconds is not None else float("inf")

    async def client() -> None:
        for n in counter:
            if time.perf_counter() >= deadline:
                return
            start = time.perf_counter()
            await call(n)
            latencies.append((time.perf_counter() - start) * 1000)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    figures = Figures(
        len(latencies) / elapsed,
        statistics.median(latencies),
        percentile(latencies, 0.99),
        len(latencies),
    )
    return figures, elapsed


# --- the services ----------------------------------------------------------------------------


def start_peer(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    return start_script(
        ["peer_service.py", "--port", str(port), "--database-url", env["DATABASE_URL"], "--reset"],
        env,
        log_path,
    )


def start_floor(
    env: dict[str, str], port: int, app_id: str, data_dir: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    arguments = ["--port", str(port), "--app-id", app_id, "--data-dir", str(data_dir)]
    return start_script(["faust_floor.py", *arguments], env, log_path)


def start_script(
    command: list[str], env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """``bench/<command[0]>`` with its arguments, in a session of its own, logging to
    ``log_path``."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / command[0]), *command[1:]],
            cwd=ROOT,
            env={**os.environ, **env, "HIRESTREAM_JWT_SECRET": TEST_JWT_SECRET},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:]


async def wait_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    """Until ``url`` answers 200 (the peer's or the floor's ``/health``)."""
    name = log_path.stem
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited:\n{log_tail(log_path)}")
            try:
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                    if r.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{name} not ready:\n{log_tail(log_path)}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


async def create(http: aiohttp.ClientSession, service: Service, name: str) -> str:
    body = {**SEED_CREATE, "candidateName": name}
    async with http.post(f"{service.api}/interviews", json=body, headers=service.headers) as r:
        if r.status != 201:
            raise RuntimeError(f"{service.name}: POST /interviews {r.status}: {await r.text()}")
        interview_id: str = (await r.json())["id"]
        return interview_id


async def seed(http: aiohttp.ClientSession, service: Service, count: int) -> list[str]:
    """``count`` interviews created through the API (also the warm-up): their ids."""
    ids: list[str] = []

    async def one(n: int) -> None:
        ids.append(await create(http, service, f"Seeded Candidate {n}"))

    await closed_loop(8, one, total=count)
    return ids


async def pipeline(http: aiohttp.ClientSession, service: Service) -> tuple[int, int]:
    """hirestream: the tenant's ``planned`` count (created up to pending) and how many are
    ``pending``."""
    async with http.get(f"{service.api}/interviews/counts", headers=service.headers) as r:
        r.raise_for_status()
        planned: int = (await r.json())["planned"]
    params = {"status": "pending", "limit": "1"}
    async with http.get(f"{service.api}/interviews", params=params, headers=service.headers) as r:
        r.raise_for_status()
        pending: int = (await r.json())["total"]
    return planned, pending


async def settle(
    http: aiohttp.ClientSession, service: Service, *, expect: int | None = None
) -> float | None:
    """Wait until every interview of the tenant that is planned is pending (and, with
    ``expect``, that ``expect`` are); the seconds waited, None after ``SETTLE_TIMEOUT_S``."""
    began = time.perf_counter()
    stable = 0
    while time.perf_counter() - began < SETTLE_TIMEOUT_S:
        planned, pending = await pipeline(http, service)
        done = pending == expect if expect is not None else planned == pending
        stable = stable + 1 if done else 0
        if stable >= (1 if expect is not None else 2):  # twice: nothing still arriving
            return time.perf_counter() - began
        await asyncio.sleep(0.1 if expect is not None else 0.3)
    return None


async def burst(http: aiohttp.ClientSession, service: Service, creates: int) -> Burst:
    """``creates`` creates from ``MANY`` clients on a fresh tenant, then until all pending."""
    began = time.perf_counter()

    async def one(n: int) -> None:
        await create(http, service, f"Burst Candidate {n}")

    figures, accepted_s = await closed_loop(MANY, one, total=creates)
    waited = await settle(http, service, expect=creates)
    pending_s = None if waited is None else time.perf_counter() - began
    return Burst(creates, accepted_s, pending_s, figures.p50_ms, figures.p99_ms)


# --- bare Kafka -------------------------------------------------------------------------------


async def bare_kafka(bootstrap: str, topic: str, seconds: float) -> dict[int, Figures]:
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

    try:
        return {c: (await closed_loop(c, round_trip, seconds=seconds))[0] for c in (FEW, MANY)}
    finally:
        drainer.cancel()
        await producer.stop()
        await consumer.stop()


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Report:
    rows: list[Row]
    burst: Burst
    settle_s: list[float | None]
    logs: list[Path]


async def compare(
    args: argparse.Namespace, hs: Service, pr: Service, fl: Service
) -> tuple[list[Row], Burst, list[float | None]]:
    """The three services, each measurement hirestream first (then until it has planned what
    it accepted), then the peer, then the floor; then the burst against hirestream."""
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        ids = {s.name: await seed(http, s, SEEDED) for s in (hs, pr, fl)}
        settled = [await settle(http, hs)]

        async def both(what: str, clients: int, path: str, script: Path) -> Row:
            row = Row(what, clients)
            for service in (hs, pr, fl):
                env = {
                    "WRK_TOKEN": service.token,
                    "WRK_BODY": POST_BODY,
                    "WRK_IDS": ",".join(ids[service.name]),
                }
                result = Figures.of(
                    await run_wrk(
                        service.api + path,
                        script,
                        connections=clients,
                        seconds=args.seconds,
                        threads=args.threads,
                        env=env,
                    )
                )
                if service is hs:
                    row.hirestream = result
                    settled.append(await settle(http, hs))
                elif service is pr:
                    row.peer = result
                else:
                    row.floor = result
            return row

        rows = [
            await both("POST /interviews", FEW, "/interviews", POST_SCRIPT),
            await both("POST /interviews", MANY, "/interviews", POST_SCRIPT),
            await both("GET /interviews/:id", MANY, "/interviews/", GET_SCRIPT),
        ]
        fresh_tenant = Service(hs.name, hs.api, new_tenant_token("burst"))
        return rows, await burst(http, fresh_tenant, args.burst), settled


async def measure(args: argparse.Namespace) -> Report:
    """Start the stack, the worker and the peer; compare; stop them; bare Kafka; clean up."""
    env, bootstrap, app_id, run_dir, data_dir = new_run("bench")
    port, peer_port, floor_port = free_port(), free_port(), free_port()
    worker = Worker(
        "bench",
        port,
        worker_env(
            env,
            app_id=app_id,
            name="bench",
            port=port,
            data_dir=data_dir,
            extra={"HIRESTREAM_LOG_LEVEL": "WARNING"},
        ),
        run_dir / f"{app_id}.log",
    )
    peer_log = run_dir / f"{app_id}-peer.log"
    floor_log = run_dir / f"{app_id}-floor.log"
    worker.start()
    peer = start_peer(env, peer_port, peer_log)
    floor = start_floor(env, floor_port, f"{app_id}-floor", data_dir / "floor", floor_log)
    try:
        try:
            await worker.wait_ready()
            await wait_healthy(peer, f"http://127.0.0.1:{peer_port}/health", peer_log)
            await wait_healthy(floor, f"http://127.0.0.1:{floor_port}/health", floor_log)
            hs = Service("hirestream", worker.api, new_tenant_token("bench"))
            pr = Service("peer", f"http://127.0.0.1:{peer_port}/api/v1", new_tenant_token("bench"))
            fl = Service(
                "floor", f"http://127.0.0.1:{floor_port}/api/v1", new_tenant_token("bench")
            )
            rows, burst_result, settled = await compare(args, hs, pr, fl)
        finally:
            stop_process(peer)
            stop_process(floor)
            worker.stop()
        bare = await bare_kafka(bootstrap, f"{app_id}-roundtrip", args.seconds)
        rows += [Row("bare Kafka round trip", c, hirestream=f) for c, f in bare.items()]
    finally:
        await end_run(bootstrap, app_id, data_dir)
    return Report(rows, burst_result, settled, [worker.log_path, peer_log, floor_log])


# --- the report ------------------------------------------------------------------------------


def ratio_line(label: str, value: float | None, checks: list[tuple[str, str, float]]) -> str:
    shown = "n/a" if value is None else f"{value:.2f}"
    verdicts = []
    for name, op, bound in checks:
        met = value is not None and (value >= bound if op == ">=" else value <= bound)
        verdicts.append(f"{name} {op} {bound:g}: {'MET' if met else 'NOT MET'}")
    return f"  {label:<44}{shown:>8}   " + "   ".join(verdicts)


def cells(f: Figures | None) -> str:
    if f is None:
        return f"{'':>9}{'':>9}{'':>9}{'':>5}"
    return f"{f.rps:>9.0f}{f.p50_ms:>9.2f}{f.p99_ms:>9.2f}{f.errors:>5}"


def div(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def rps(f: Figures | None) -> float | None:
    return None if f is None else f.rps


def p50(f: Figures | None) -> float | None:
    return None if f is None else f.p50_ms


def p99(f: Figures | None) -> float | None:
    return None if f is None else f.p99_ms


def find(rows: list[Row], what: str, clients: int) -> Row:
    return next(r for r in rows if r.what == what and r.clients == clients)


def print_report(report: Report, args: argparse.Namespace, load: tuple[float, ...]) -> None:
    print(
        f"machine: {os.cpu_count()} cores, load average at start "
        f"{' '.join(f'{x:.2f}' for x in load)}; {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"durations: {args.seconds:g} s per measurement (wrk, {args.threads} thread(s), "
        f"timeout 30 s; bare Kafka the same), {SEEDED} interviews seeded per service, "
        f"burst of {args.burst} creates at {MANY} clients"
    )
    print("peer: bench/peer_service.py (aiohttp + asyncpg, same validation and JWT, one INSERT)")
    print(
        "floor: bench/faust_floor.py (the same create through Kafka: one command, one Faust "
        "agent, one table write, one event; hirestream's Faust and Kafka settings)"
    )
    print()
    print(f"{'':<24}{'':>8} {'hirestream':-^36} {'peer':-^36} {'floor':-^36}")
    header = f"{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'err':>5}"
    print(f"{'what':<24}{'clients':>8} {header} {header} {header}")
    for row in report.rows:
        shown = f"{cells(row.hirestream)} {cells(row.peer)} {cells(row.floor)}"
        print(f"{row.what:<24}{row.clients:>8} {shown}")
    b = report.burst
    pending = "not within the timeout" if b.pending_s is None else f"{b.pending_s:.1f} s"
    print()
    print(
        f"burst (hirestream): {b.creates} creates at {MANY} clients accepted (201) in "
        f"{b.accepted_s:.1f} s ({b.creates / b.accepted_s:.0f}/s, p50 {b.p50_ms:.1f} ms, "
        f"p99 {b.p99_ms:.1f} ms); all pending after {pending}"
    )
    waits = ", ".join("timeout" if s is None else f"{s:.1f}" for s in report.settle_s)
    print(f"hirestream settle waits between measurements (s): {waits}")
    print("logs: " + ", ".join(str(p.relative_to(ROOT)) for p in report.logs))

    post_few = find(report.rows, "POST /interviews", FEW)
    post_many = find(report.rows, "POST /interviews", MANY)
    get_many = find(report.rows, "GET /interviews/:id", MANY)
    hs, pr = post_many.hirestream, post_many.peer
    print()
    few = f"{FEW} client{'s' if FEW > 1 else ''}"
    targets = [
        (
            f"creates/s at {MANY} clients, hirestream/peer",
            div(rps(hs), rps(pr)),
            [("target", ">=", 0.5), ("goal", ">=", 1.0)],
        ),
        (
            f"hirestream create p99/p50 at {MANY} clients",
            div(p99(hs), p50(hs)),
            [("target", "<=", 5.0)],
        ),
        (
            f"create p50 at {few}, hirestream/peer",
            div(p50(post_few.hirestream), p50(post_few.peer)),
            [("target", "<=", 5.0)],
        ),
        (
            f"GET req/s at {MANY} clients, hirestream/peer",
            div(rps(get_many.hirestream), rps(get_many.peer)),
            [("target", ">=", 1.0)],
        ),
    ]
    floor = [
        (
            f"creates/s at {MANY} clients, floor/peer",
            div(rps(post_many.floor), rps(pr)),
            [("target", ">=", 0.5)],
        ),
        (
            f"create p50 at {few}, floor/peer",
            div(p50(post_few.floor), p50(post_few.peer)),
            [("target", "<=", 5.0)],
        ),
    ]
    print("targets:")
    for label, value, checks in targets:
        print(ratio_line(label, value, checks))
    print()
    print("the floor (what the Kafka-native way costs before hirestream does anything):")
    for label, value, checks in floor:
        print(ratio_line(label, value, checks))
    for label, value in (
        (
            f"creates/s at {MANY} clients, hirestream/floor",
            div(rps(post_many.hirestream), rps(post_many.floor)),
        ),
        (
            f"create p50 at {few}, hirestream/floor",
            div(p50(post_few.hirestream), p50(post_few.floor)),
        ),
    ):
        print(f"  (info) {label}: {'n/a' if value is None else f'{value:.2f}'}")
    for c in (FEW, MANY):
        post = find(report.rows, "POST /interviews", c).hirestream
        bare = find(report.rows, "bare Kafka round trip", c).hirestream
        value = div(p50(post), p50(bare))
        shown = "n/a" if value is None else f"{value:.1f}x"
        clients = f"{c} client{'s' if c > 1 else ''}"
        print(f"  (info) hirestream POST p50 / bare Kafka round-trip p50 at {clients}: {shown}")
    failed = [
        r
        for r in report.rows
        for f in (r.hirestream, r.peer, r.floor)
        if f is not None and f.errors
    ]
    if failed:
        print()
        print(
            "warning: wrk counted errors (non-2xx answers, socket errors or timeouts) in: "
            + ", ".join(f"{r.what} at {r.clients}" for r in failed)
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="seconds per measurement (default 15)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 seconds per measurement, for development"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument(
        "--burst", type=int, default=1000, help="creates in the burst (default 1000)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 3.0
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load = os.getloadavg()
    if wrk_path() is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (scripts/bench.sh installs it)")
    report = asyncio.run(measure(args))
    print_report(report, args, load)


if __name__ == "__main__":
    main()

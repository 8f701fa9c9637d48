"""Create throughput with many tenants, on one worker and on two workers of one fleet, in one
run, and what N workers and P partitions serve on paper.

Starts the local stack and one hirestream worker on fresh topics (a unique app id,
``HIRESTREAM_PARTITIONS=12``), then measures POST /interviews in a closed loop, ``--clients``
clients (default 32), each request a distinct candidate, for ``--seconds`` (default 20) after
a ``--warmup`` (default 3 s) of the same load, in three configurations:

- **A**: one worker, one tenant (the single-partition baseline);
- **B**: the same worker, ``--tenants`` tenants (default 24);
- **C**: a second worker joins the fleet (same ``HIRESTREAM_APP_ID``, its own
  ``HIRESTREAM_WORKER_NAME`` and port); once both answer ``/health/ready`` with 200 and a
  create for every tenant has succeeded through each of them (the rebalance has settled),
  the same tenants, the requests spread over both workers' HTTP ports. A write sent to either
  worker is produced to Kafka and decided by the owner of the tenant's partition.

The tenants' names are chosen so that they spread evenly over the partitions
(``hirestream.topics.partitioning.partition_for``: with 24 tenants, 2 on each of the 12);
the report prints how many distinct partitions they cover. The load generator is this
process (aiohttp, not wrk: one wrk run has one URL, hence one tenant and one port): request
``n`` goes to tenant ``n mod T`` at worker ``(n div T) mod W``, with that tenant's JWT
(``issue_jwt`` with the workers' ``HIRESTREAM_JWT_SECRET``); it times every request itself.
Anything but a 201 is an error, left out of the latencies.

For each configuration: creates/s, p50/p99 latency, errors, each worker's CPU (user + system
from ``/proc/<pid>/stat``, % of one core), the machine's busy % (``/proc/stat``) and the load
generator's own CPU (``time.process_time``, % of one core, so that it is seen not to be the
limit). After each measurement the run waits until every interview created so far is
``pending`` (planned by the background agents), so that no backlog runs into the next one;
that catch-up's CPU is reported too. Then, "on paper": the CPU seconds per create measured in
A and B, what one worker process serves, and the fleet's write rate for N workers (one core
each) and P partitions, ``min(N, P) x`` one worker's rate (also at C's cost per create, both
workers together: forwarding through Kafka and standby replicas included), and the measured
ratio C/B.

Every topic of the run (prefix ``HIRESTREAM_APP_ID``) is deleted at the end, and every worker
stopped, whatever failed. A benchmark, not a test: it exits 0 whatever the figures.

Caveats: on a 2-core machine the broker, PostgreSQL, both workers and the load generator
share the cores, so C/B shows how far a second worker helps *here*, not the scaling a fleet
with a core per worker (and its own broker and database) would see; figures from a loaded
machine (the load average is printed) are only indicative.

Run: ``python bench/fleet_bench.py [--seconds 20] [--tenants 24] [--clients 32]``, or
``--quick`` (5 s per measurement, 1 s warm-up).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_runs import end_run, new_run  # noqa: E402
from proc_stats import cpu_seconds, machine_busy_s  # noqa: E402
from run_topics import TopicCleanup  # noqa: E402

from hirestream.topics.partitioning import partition_for  # noqa: E402
from hirestream.web.credentials import issue_jwt  # noqa: E402
from tests.conftest import SEED_CREATE  # noqa: E402
from tests.support.workers import TEST_JWT_SECRET, Worker, free_port, worker_env  # noqa: E402

PARTITIONS = 12
#: The longest wait for the workers to plan what they accepted (a slow machine takes long).
SETTLE_TIMEOUT_S = 300.0
#: The longest wait for the second worker to join and the fleet to accept every tenant.
JOIN_TIMEOUT_S = 180.0
#: Seconds each worker's idle CPU is read before a configuration's warm-up.
IDLE_S = 2.0
#: Before each configuration, wait until every worker is under this % of a core (for at most
#: ``QUIET_TIMEOUT_S``).
QUIET_PCT = 30.0
QUIET_TIMEOUT_S = 30.0
#: The body of every create; the candidate name (the placeholder) differs per request.
POST_BODY = orjson.dumps({**SEED_CREATE, "candidateName": "__CANDIDATE__"}).decode()
BODY_HEAD, BODY_TAIL = POST_BODY.split("__CANDIDATE__")


# --- processes, from /proc -------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    at: float  # perf_counter
    workers_cpu_s: tuple[float, ...]
    machine_busy_s: float
    own_cpu_s: float  # this process: the load generator

    @classmethod
    def of(cls, pids: Sequence[int]) -> Sample:
        return cls(
            time.perf_counter(),
            tuple(cpu_seconds(pid) for pid in pids),
            machine_busy_s(),
            time.process_time(),
        )


@dataclass(frozen=True)
class Usage:
    """CPU used between two samples."""

    seconds: float
    workers_cpu_s: tuple[float, ...]
    machine_busy_s: float
    own_cpu_s: float

    @classmethod
    def between(cls, a: Sample, b: Sample) -> Usage:
        return cls(
            b.at - a.at,
            tuple(y - x for x, y in zip(a.workers_cpu_s, b.workers_cpu_s, strict=True)),
            b.machine_busy_s - a.machine_busy_s,
            b.own_cpu_s - a.own_cpu_s,
        )

    def worker_pct(self, i: int) -> float:
        return self.workers_cpu_s[i] / self.seconds * 100 if self.seconds else 0.0

    @property
    def machine_pct(self) -> float:
        cores = os.cpu_count() or 1
        return self.machine_busy_s / (self.seconds * cores) * 100 if self.seconds else 0.0

    @property
    def own_pct(self) -> float:
        return self.own_cpu_s / self.seconds * 100 if self.seconds else 0.0


# --- tenants and targets ---------------------------------------------------------------------


def spread_tenants(count: int, prefix: str) -> list[str]:
    """``count`` tenant ids whose partitions are spread evenly: tenant ``k`` lands on partition
    ``k mod PARTITIONS`` (names are tried in turn until each partition has its share)."""
    wanted = [k % PARTITIONS for k in range(count)]
    chosen: dict[int, list[str]] = {}
    need = Counter(wanted)
    for j in itertools.count():
        if sum(need.values()) == 0:
            break
        name = f"{prefix}-{j:04d}"
        p = partition_for(name, PARTITIONS)
        if need[p] > 0:
            need[p] -= 1
            chosen.setdefault(p, []).append(name)
    return [chosen[p].pop(0) for p in wanted]


@dataclass(frozen=True)
class Target:
    """Where one request goes: a worker's create URL with one tenant's token."""

    url: str
    tenant: str
    headers: dict[str, str]


def targets_for(apis: Sequence[str], tenants: Sequence[str]) -> list[Target]:
    """Index ``i``: tenant ``i mod T`` at worker ``(i div T) mod W`` (every tenant alternates
    between the workers)."""
    tokens = {
        t: issue_jwt(TEST_JWT_SECRET, subject="bench", tenant_id=t, role="ADMIN") for t in tenants
    }
    return [
        Target(
            f"{api}/interviews",
            tenant,
            {"Authorization": f"Bearer {tokens[tenant]}", "Content-Type": "application/json"},
        )
        for api in apis
        for tenant in tenants
    ]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the load generator ----------------------------------------------------------------------


@dataclass
class Load:
    """One closed-loop run: latencies of the 201s, errors, creates per tenant."""

    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


async def closed_loop(
    http: aiohttp.ClientSession,
    targets: Sequence[Target],
    clients: int,
    seconds: float,
    names: Iterator[int],
) -> Load:
    """``clients`` clients creating back to back for ``seconds`` (then the requests in flight
    finish): request ``n`` goes to ``targets[n mod len(targets)]``."""
    load = Load()
    turn = itertools.count()
    began = time.perf_counter()
    deadline = began + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            target = targets[next(turn) % len(targets)]
            body = f"{BODY_HEAD}Fleet Candidate {next(names)}{BODY_TAIL}"
            start = time.perf_counter()
            try:
                async with http.post(target.url, data=body, headers=target.headers) as r:
                    await r.read()
                    status = r.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                load.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.1)  # a refused connection must not spin
                continue
            if status == 201:
                load.latencies_ms.append((time.perf_counter() - start) * 1000)
                load.created[target.tenant] += 1
            else:
                load.errors[f"HTTP {status}"] += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    load.seconds = time.perf_counter() - began
    return load


async def pending_total(http: aiohttp.ClientSession, api: str, target: Target) -> int:
    params = {"status": "pending", "limit": "1"}
    auth = {"Authorization": target.headers["Authorization"]}
    async with http.get(f"{api}/interviews", params=params, headers=auth) as r:
        r.raise_for_status()
        total: int = (await r.json())["total"]
        return total


async def settle(
    http: aiohttp.ClientSession, api: str, targets: Sequence[Target], created: Counter[str]
) -> float | None:
    """Wait until every tenant has as many ``pending`` interviews as were created for it (the
    background agents have planned all of them); the seconds waited, None after the
    timeout."""
    began = time.perf_counter()
    by_tenant = {t.tenant: t for t in targets}
    waiting = {t for t in by_tenant if created[t]}
    while waiting:
        if time.perf_counter() - began > SETTLE_TIMEOUT_S:
            return None
        for tenant in list(waiting):
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                if await pending_total(http, api, by_tenant[tenant]) >= created[tenant]:
                    waiting.discard(tenant)
        if waiting:
            await asyncio.sleep(0.3)
    return time.perf_counter() - began


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Measured:
    """One configuration."""

    name: str
    workers: int
    tenants: int
    partitions: int  # distinct partitions its tenants cover
    quiet_s: float  # waited for the workers to be quiet first
    idle: Usage
    load: Load
    usage: Usage
    catch_up_s: float | None
    catch_up: Usage


@dataclass
class Run:
    measured: list[Measured] = field(default_factory=list)
    join_s: float | None = None
    join_errors: Counter[str] = field(default_factory=Counter)
    logs: list[Path] = field(default_factory=list)
    topics: TopicCleanup = field(default_factory=TopicCleanup)


async def quiet(pids: Sequence[int]) -> float:
    """Wait (at most ``QUIET_TIMEOUT_S``) until every worker uses less than ``QUIET_PCT`` of a
    core over a second (e.g. a joining worker's standby replicas have caught up); the seconds
    waited."""
    began = time.perf_counter()
    while time.perf_counter() - began < QUIET_TIMEOUT_S:
        a = Sample.of(pids)
        await asyncio.sleep(1.0)
        usage = Usage.between(a, Sample.of(pids))
        if all(usage.worker_pct(i) < QUIET_PCT for i in range(len(pids))):
            break
    return time.perf_counter() - began


async def measure_one(
    http: aiohttp.ClientSession,
    args: argparse.Namespace,
    name: str,
    workers: Sequence[Worker],
    tenants: Sequence[str],
    created: Counter[str],
    names: Iterator[int],
) -> Measured:
    """Idle reading, warm-up, the measurement, then until everything created is pending."""
    pids = [w.process.pid for w in workers if w.process is not None]
    targets = targets_for([w.api for w in workers], tenants)
    quiet_s = await quiet(pids)
    before_idle = Sample.of(pids)
    await asyncio.sleep(IDLE_S)
    idle = Usage.between(before_idle, Sample.of(pids))
    warm = await closed_loop(http, targets, args.clients, args.warmup, names)
    created.update(warm.created)
    start = Sample.of(pids)
    load = await closed_loop(http, targets, args.clients, args.seconds, names)
    end = Sample.of(pids)
    created.update(load.created)
    waited = await settle(http, workers[0].api, targets, created)
    settled = Sample.of(pids)
    covered = len({partition_for(t, PARTITIONS) for t in tenants})
    return Measured(
        name,
        len(workers),
        len(tenants),
        covered,
        quiet_s,
        idle,
        load,
        Usage.between(start, end),
        waited,
        Usage.between(end, settled),
    )


async def join_fleet(
    http: aiohttp.ClientSession,
    workers: Sequence[Worker],
    tenants: Sequence[str],
    created: Counter[str],
    run: Run,
) -> None:
    """Both workers ready, then a create for every tenant through each worker, each retried
    (503/504 while partitions move) until it is a 201."""
    began = time.perf_counter()
    await asyncio.gather(*(w.wait_ready(timeout_s=JOIN_TIMEOUT_S) for w in workers))
    targets = targets_for([w.api for w in workers], tenants)
    deadline = began + JOIN_TIMEOUT_S

    async def until_created(n: int, target: Target) -> None:
        body = f"{BODY_HEAD}Joining Candidate {n}{BODY_TAIL}"
        while time.perf_counter() < deadline:
            try:
                async with http.post(target.url, data=body, headers=target.headers) as r:
                    await r.read()
                    if r.status == 201:
                        created[target.tenant] += 1
                        return
                    run.join_errors[f"HTTP {r.status}"] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                run.join_errors[type(exc).__name__] += 1
            await asyncio.sleep(0.5)
        raise RuntimeError(f"no create for {target.tenant} at {target.url} within the timeout")

    await asyncio.gather(*(until_created(n, t) for n, t in enumerate(targets)))
    for w in workers:
        async with http.get(f"{w.api}/health/ready") as r:
            if r.status != 200:
                raise RuntimeError(f"worker {w.name} not ready after the join: {r.status}")
    run.join_s = time.perf_counter() - began


def new_worker(
    stack_env: dict[str, str], app_id: str, name: str, run_dir: Path, data_dir: Path
) -> Worker:
    port = free_port()
    # Faust makes only the last level of its table folder: its parent must exist.
    (data_dir / name / "tables").mkdir(parents=True, exist_ok=True)
    return Worker(
        name,
        port,
        worker_env(
            stack_env,
            app_id=app_id,
            name=name,
            port=port,
            data_dir=data_dir,
            partitions=PARTITIONS,
            extra={"HIRESTREAM_LOG_LEVEL": "WARNING"},
        ),
        run_dir / f"{app_id}-{name}.log",
    )


async def measure(args: argparse.Namespace) -> Run:
    env, bootstrap, app_id, run_dir, data_dir = new_run("fleetbench")
    suffix = uuid.uuid4().hex[:6]
    solo = [f"fleetbench-{suffix}-solo"]
    many = spread_tenants(args.tenants, f"fleetbench-{suffix}")
    created: Counter[str] = Counter()
    names = itertools.count()
    run = Run()
    first = new_worker(env, app_id, "fleet-w1", run_dir, data_dir)
    second = new_worker(env, app_id, "fleet-w2", run_dir, data_dir)
    run.logs = [first.log_path, second.log_path]
    timeout = aiohttp.ClientTimeout(total=60)
    try:
        first.start()
        try:
            await first.wait_ready()
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
                for name, tenants in (("A", solo), ("B", many)):
                    run.measured.append(
                        await measure_one(http, args, name, [first], tenants, created, names)
                    )
                second.start()
                await join_fleet(http, [first, second], many, created, run)
                await settle(http, first.api, targets_for([first.api], many), created)
                run.measured.append(
                    await measure_one(http, args, "C", [first, second], many, created, names)
                )
        finally:
            try:
                second.stop()
            finally:
                first.stop()
    finally:  # every step, whatever failed before
        run.topics = await end_run(bootstrap, app_id, data_dir)
    return run


# --- the report ------------------------------------------------------------------------------


def print_report(
    run: Run, args: argparse.Namespace, load: tuple[float, ...], load_end: tuple[float, ...]
) -> None:
    cores = os.cpu_count() or 1
    print(
        f"machine: {cores} cores, load average at start {' '.join(f'{x:.2f}' for x in load)}, "
        f"at end {' '.join(f'{x:.2f}' for x in load_end)}; {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}"
    )
    print(
        f"run: {PARTITIONS} partitions, {args.clients} clients (closed loop, this process, "
        f"aiohttp), {args.seconds:g} s per measurement after a {args.warmup:g} s warm-up; "
        f"broker and PostgreSQL on the same machine"
    )
    by_name = {m.name: m for m in run.measured}
    many = by_name.get("B")
    if many is not None:
        print(
            f"tenants: {many.tenants}, covering {many.partitions} of {PARTITIONS} partitions "
            f"(partition_for; names chosen to spread evenly); A uses one other tenant"
        )
    if run.join_s is not None:
        refused = ", ".join(f"{k} x{v}" for k, v in run.join_errors.items()) or "none"
        print(
            f"second worker: joined, ready on both and a create per tenant through each worker "
            f"accepted {run.join_s:.1f} s after it started (refused meanwhile: {refused})"
        )
    print("logs: " + ", ".join(str(p.relative_to(ROOT)) for p in run.logs))
    print()
    labels = {
        "A": "one worker, one tenant",
        "B": f"one worker, {args.tenants} tenants",
        "C": f"two workers, {args.tenants} tenants",
    }
    header = (
        f"{'':<2}{'configuration':<26}{'creates/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'err':>5}"
        f"{'w1 CPU%':>9}{'w2 CPU%':>9}{'machine%':>10}{'bench%':>8}"
    )
    print(header)
    for m in run.measured:
        lat = m.load.latencies_ms
        p50 = f"{statistics.median(lat):.1f}" if lat else "n/a"
        p99 = f"{percentile(lat, 0.99):.1f}" if lat else "n/a"
        w2 = f"{m.usage.worker_pct(1):.0f}" if m.workers > 1 else "-"
        print(
            f"{m.name:<2}{labels[m.name]:<26}{m.load.rate:>10.1f}{p50:>9}{p99:>9}"
            f"{sum(m.load.errors.values()):>5}{m.usage.worker_pct(0):>9.0f}{w2:>9}"
            f"{m.usage.machine_pct:>10.0f}{m.usage.own_pct:>8.0f}"
        )
    print(
        "  (CPU%: of one core over the measurement; machine%: of all "
        f"{cores} cores; bench%: this load generator)"
    )
    print()
    for m in run.measured:
        errors = ", ".join(f"{k} x{v}" for k, v in m.load.errors.most_common()) or "none"
        idle = "/".join(f"{m.idle.worker_pct(i):.0f}%" for i in range(m.workers))
        catch = "timeout" if m.catch_up_s is None else f"{m.catch_up_s:.1f} s"
        catch_cpu = "/".join(f"{s:.1f}" for s in m.catch_up.workers_cpu_s)
        spread = Counter(m.load.created.values())
        per_tenant = (
            f"{min(m.load.created.values())}..{max(m.load.created.values())} per tenant"
            if spread
            else "none"
        )
        print(
            f"{m.name}: {len(m.load.latencies_ms)} creates in {m.load.seconds:.1f} s "
            f"({per_tenant}); errors: {errors}; worker CPU idle before {idle} (after "
            f"{m.quiet_s:.0f} s waiting for < {QUIET_PCT:g}%); "
            f"all pending {catch} after the measurement (worker CPU meanwhile {catch_cpu} s)"
        )
    print()
    paper(run, args)
    print()
    print(f"cleanup: {run.topics.line()}")


def cpu_per_create(m: Measured) -> tuple[float, float]:
    """Worker CPU seconds per create: over the measurement, and with the catch-up after it."""
    creates = len(m.load.latencies_ms)
    if not creates:
        return float("nan"), float("nan")
    during = sum(m.usage.workers_cpu_s)
    return during / creates, (during + sum(m.catch_up.workers_cpu_s)) / creates


def paper(run: Run, args: argparse.Namespace) -> None:
    by_name = {m.name: m for m in run.measured}
    print("on paper:")
    per_core: dict[str, float] = {}
    for name in ("A", "B"):
        m = by_name.get(name)
        if m is None:
            continue
        during, total = cpu_per_create(m)
        per_core[name] = 1 / total if total > 0 else float("nan")
        print(
            f"  {name}: {during * 1000:.1f} ms worker CPU per create during the measurement, "
            f"{total * 1000:.1f} ms with the catch-up after it; one worker process at one full "
            f"core ~ {per_core[name]:.0f} creates/s (measured {m.load.rate:.1f}/s at "
            f"{m.usage.worker_pct(0):.0f}% of a core; idle it used {m.idle.worker_pct(0):.0f}%, "
            f"counted in)"
        )
    a, b, c = by_name.get("A"), by_name.get("B"), by_name.get("C")
    if not per_core:
        return
    rate = per_core.get("B", per_core.get("A", float("nan")))
    one_partition = a.load.rate if a is not None else rate
    print(
        f"  one tenant <= one partition's rate <= one worker's: ~{one_partition:.0f} creates/s "
        f"here (A: the tenant's partition is owned by one worker process, so a tenant never "
        f"gets more than one process's share)"
    )
    fleet_rate: float | None = None
    if c is not None and c.load.latencies_ms:
        _, fleet_cpu = cpu_per_create(c)
        fleet_rate = 1 / fleet_cpu if fleet_cpu > 0 else None
        print(
            f"  C: {fleet_cpu * 1000:.1f} ms of worker CPU per create, both workers together "
            f"(half the requests reach the worker that does not own the tenant and go through "
            f"Kafka to the owner; each worker also keeps standby replicas of the other's "
            f"tables): ~{fleet_rate or float('nan'):.0f} creates/s per worker core in a fleet"
        )
    print(
        f"  fleet write rate ~ min(N, P) x one worker's rate (N workers, one core each; P "
        f"partitions, {PARTITIONS} here), until the broker or PostgreSQL saturates:"
    )
    per = f"{rate:.0f}/s (B)" + ("" if fleet_rate is None else f", {fleet_rate:.0f}/s (C)")
    print(f"    per worker: {per}")
    for n in (1, 2, 4, 8, 12, 24):
        projected = f"~{min(n, PARTITIONS) * rate:>6.0f}"
        if fleet_rate is not None and n > 1:
            projected += f"  (~{min(n, PARTITIONS) * fleet_rate:>5.0f} at C's cost)"
        print(
            f"    N={n:<3} P={PARTITIONS}: {projected} creates/s"
            + ("  (workers beyond P stand by: no partition to own)" if n > PARTITIONS else "")
        )
    if b is not None and c is not None and b.load.rate:
        print(
            f"  measured C/B (one -> two workers, {args.tenants} tenants): "
            f"{c.load.rate / b.load.rate:.2f}x ({b.load.rate:.1f} -> {c.load.rate:.1f} "
            f"creates/s); on this {os.cpu_count()}-core machine the broker, PostgreSQL, both "
            f"workers and the load generator share the cores (machine {c.usage.machine_pct:.0f}% "
            f"busy in C), so this is not the one-core-per-worker scaling above"
        )
    if a is not None and b is not None and a.load.rate:
        print(
            f"  measured B/A (one worker, one tenant -> {args.tenants} tenants): "
            f"{b.load.rate / a.load.rate:.2f}x"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="seconds per measurement (default 20)"
    )
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of warm-up load first (default 3)"
    )
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--tenants", type=int, default=24, help="tenants of B and C (default 24)")
    parser.add_argument(
        "--quick", action="store_true", help="5 s per measurement, 1 s warm-up, for development"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup = 5.0, 1.0
    if args.clients < 1 or args.tenants < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--clients and --tenants >= 1, --seconds > 0, --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load = os.getloadavg()
    run = asyncio.run(measure(args))
    print_report(run, args, load, os.getloadavg())


if __name__ == "__main__":
    main()

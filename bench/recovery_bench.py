"""Recovery and memory of the table stores (issue 12, item 4).

    python bench/recovery_bench.py [--records N] [--tenants N] [--partitions N]
                                   [--memory-store-limit N] [--seed N]

Fills the ``interviews`` changelog of a new fleet on the local stack (started when needed)
directly with N realistic interview records (default 100,000): the records of
``bench/list_bench.py``'s generator (names, emails, search tokens, every workflow state, ...)
completed with the fields a real pending interview carries (skills, job description, the
validation and the generated plan, the agent's bookkeeping: one record made by the agent's own
``decide`` and follow-up steps), spread over ``--tenants`` tenants on ``--partitions``
partitions (default 1: one worker owns them all). Then, one worker at a time, timed from the
process's start to the first ``200`` of ``GET /api/v1/health/ready``:

(a) a new worker with the memory store (``HIRESTREAM_STORE=memory``): the whole changelog is
    read into memory (skipped above ``--memory-store-limit`` records, default 200,000: about
    20 KiB of Python objects an interview would not fit this machine at 1,000,000);
(b) a new worker with the RocksDB store, from an empty data dir: the whole changelog is read
    into RocksDB;
(c) that worker stopped with SIGTERM and started again, then killed with SIGKILL and started
    again, on the same data dir: only the changelog's tail since the offset stored with the
    tables is read (``hirestream_table_changelog_applied_total`` says how many messages);
(d) the worker's resident memory (RSS) after each, less that of a worker with no records,
    per interview; and the RocksDB store's disk use per interview.

After each start a sample of the records is read back by id over HTTP (all must be 200).

The target: a restarted worker serves again in <= 60 s with 1,000,000 interviews in its
partitions. With fewer records the restart time is extrapolated linearly from two points
measured in the same run, the restart of a worker with no records (t0) and the restart with N
(tN), each of the same kind: t(1,000,000) = t0 + (tN - t0) x 1,000,000 / N. (A restart reads
only the changelog's tail, so tN - t0 is what grows with N: opening larger databases. A start
after SIGKILL also waits for the broker to drop the dead member from the consumer group, up to
HIRESTREAM_SESSION_TIMEOUT_S, whatever N: its t0 is a SIGKILL restart with no records.) The
full recoveries (a) and (b) are extrapolated the same way, for information.

Every topic, data dir and log of the run is deleted at the end. A benchmark, not a test: it
always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import aiohttp  # noqa: E402
import orjson  # noqa: E402
from aiokafka import AIOKafkaProducer  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402
from list_bench import generate  # noqa: E402

from hirestream.provision import CHANGELOG_CONFIG, changelog_topic  # noqa: E402
from hirestream.search_tokens import new_search_key  # noqa: E402
from hirestream.stack import ensure_stack  # noqa: E402
from hirestream.tables.keys import record_key  # noqa: E402
from hirestream.topics.names import INTERVIEWS_TABLE  # noqa: E402
from hirestream.topics.partitioning import partition_for  # noqa: E402
from hirestream.web.credentials import issue_jwt  # noqa: E402
from tests.support.workers import TEST_JWT_SECRET, Worker, free_port, worker_env  # noqa: E402

TARGET_S = 60.0
TARGET_RECORDS = 1_000_000
SAMPLE_READS = 200


def template_record() -> dict[str, Any]:
    """A pending interview as the agent writes it: created, validated and planned by the
    agent's own pure steps (``decide``, ``followups``)."""
    from hirestream.agents.interviews.decide import decide
    from hirestream.agents.interviews.followups import MAX_STEPS, followed, waiting_for

    issued = "2024-03-01T09:00:00.000Z"
    command: Any = {
        "commandId": str(uuid.UUID(int=1)),
        "type": "interview.create",
        "tenantId": "template",
        "interviewId": str(uuid.UUID(int=2)),
        "actor": {"kind": "user", "id": "recruiter-1"},
        "requestId": str(uuid.UUID(int=3)),
        "issuedAt": issued,
        "fingerprint": "f" * 64,
        "payload": {
            "position": "Senior Backend Engineer",
            "level": "senior",
            "skills": ["Python", "PostgreSQL", "Kafka", "Kubernetes", "gRPC"],
            "jobDescription": (
                "Design, build and run the services behind our hiring platform: event-driven "
                "APIs on Kafka, PostgreSQL schemas that scale, and the tooling around them. "
                "You will own features end to end, review code, mentor engineers and take "
                "part in the on-call rotation."
            ),
            "scheduledAt": "2024-03-08T10:00:00.000Z",
            "duration": 45,
            "companyName": "Globex",
            "sealed": {"candidateName": "n" * 80, "candidateEmail": "e" * 88},
        },
    }
    decision = decide(None, command, 7)
    record: Any = decision.record
    for _ in range(MAX_STEPS):
        step = waiting_for(record)
        if step is None:
            break
        taken = followed(
            record, command, step, offset=7, source="commands", auto_approve_plans=False
        )
        if taken.record is None:
            break
        record = taken.record
    return dict(record)


@dataclass
class Fill:
    records: int
    bytes: int
    seconds: float
    samples: dict[str, list[str]] = field(default_factory=dict)  # tenant -> some ids


async def fill_changelog(
    bootstrap: str, app_id: str, n: int, tenants: int, partitions: int, seed: int
) -> Fill:
    """Write ``n`` records straight to the fleet's ``interviews`` changelog (created here with
    the fleet's changelog configuration), ``tenants`` tenants, each on its own partition."""
    topic = changelog_topic(app_id, INTERVIEWS_TABLE)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1, topic_configs=CHANGELOG_CONFIG)])
    finally:
        await admin.close()
    template = template_record()
    search_key = new_search_key()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, acks="all", max_batch_size=512 * 1024
    )
    await producer.start()
    started = time.perf_counter()
    written = 0
    fill = Fill(0, 0, 0.0)
    rng = random.Random(seed)
    try:
        per_tenant = [n // tenants + (1 if t < n % tenants else 0) for t in range(tenants)]
        for t, count in enumerate(per_tenant):
            tenant = f"recovery-{t:03d}"
            partition = partition_for(tenant, partitions)
            fill.samples[tenant] = []
            for at in range(0, count, 5000):
                chunk = generate(min(5000, count - at), search_key, seed + t * 1_000 + at, tenant)
                pending = []
                for generated in chunk:
                    generated.pop("_plain")
                    record = {**template, **generated}
                    value = orjson.dumps(record)
                    written += len(value)
                    pending.append(
                        await producer.send(
                            topic,
                            value,
                            key=record_key(tenant, record["id"]),
                            partition=partition,
                        )
                    )
                await asyncio.gather(*pending)
                fill.samples[tenant].extend(
                    r["id"] for r in rng.sample(chunk, min(len(chunk), SAMPLE_READS))
                )
                fill.records += len(chunk)
                if fill.records % 100_000 < 5000:
                    print(f"  ... {fill.records:,} records written", flush=True)
    finally:
        await producer.stop()
    fill.bytes, fill.seconds = written, time.perf_counter() - started
    return fill


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@dataclass
class Start:
    label: str
    ready_s: float
    rss: int
    applied: float | None = None
    reads_ok: int = 0
    reads_s: float = 0.0


async def applied_messages(http: aiohttp.ClientSession, worker: Worker) -> float:
    """``hirestream_table_changelog_applied_total{table="interviews"}`` of the process."""
    async with http.get(f"{worker.api}/metrics") as r:
        text = await r.text()
    found = re.search(
        r'^hirestream_table_changelog_applied_total\{table="interviews"\} (\S+)$', text, re.M
    )
    return float(found.group(1)) if found else 0.0


async def read_back(
    http: aiohttp.ClientSession, worker: Worker, samples: dict[str, list[str]]
) -> tuple[int, float]:
    """GET a sample of the records by id: how many answered 200, and in how long."""
    ok = 0
    started = time.perf_counter()
    for tenant, ids in samples.items():
        bearer = issue_jwt(TEST_JWT_SECRET, subject="bench", tenant_id=tenant, role="ADMIN")
        headers = {"Authorization": f"Bearer {bearer}"}
        for interview_id in ids[: max(1, SAMPLE_READS // len(samples))]:
            async with http.get(f"{worker.api}/interviews/{interview_id}", headers=headers) as r:
                ok += r.status == 200
    return ok, time.perf_counter() - started


async def started(
    http: aiohttp.ClientSession,
    worker: Worker,
    label: str,
    samples: dict[str, list[str]],
    timeout_s: float,
) -> Start:
    """Start the worker and time it to ready; its memory and a read-back after that."""
    worker.start()
    ready_s = await worker.wait_ready(timeout_s, poll_s=0.1)
    await asyncio.sleep(3)  # let the first tick of the session clock and GC settle
    assert worker.process is not None
    start = Start(label, ready_s, rss_bytes(worker.process.pid))
    if worker.env.get("HIRESTREAM_STORE") == "rocksdb":
        start.applied = await applied_messages(http, worker)
    if samples:
        start.reads_ok, start.reads_s = await read_back(http, worker, samples)
    print(
        f"  {label}: ready in {ready_s:.1f} s, RSS {start.rss / 2**20:,.0f} MiB"
        + (f", {start.applied:,.0f} changelog messages read" if start.applied is not None else "")
        + (f", {start.reads_ok} of the sample read back" if samples else ""),
        flush=True,
    )
    return start


def extrapolated(t0: float, tn: float, n: int) -> float:
    """t(1,000,000) from t0 and tN; never less than tN (a slope within the noise, tN below t0,
    is no saving)."""
    return max(tn, t0 + (tn - t0) * TARGET_RECORDS / n)


async def run(args: argparse.Namespace) -> None:
    stack = ensure_stack().environ()
    bootstrap = stack["KAFKA_BOOTSTRAP_SERVERS"]
    run_id = uuid.uuid4().hex[:8]
    app_id, empty_app_id = f"hs-recbench-{run_id}", f"hs-recbench-{run_id}-empty"
    run_dir = ROOT / ".stack" / "bench" / app_id
    run_dir.mkdir(parents=True, exist_ok=True)
    timeout_s = max(300.0, args.records / 1000)
    workers: list[Worker] = []

    def worker(app: str, name: str, store: str) -> Worker:
        port = free_port()
        env = worker_env(
            stack,
            app_id=app,
            name=name,
            port=port,
            data_dir=run_dir / "data",
            partitions=args.partitions,
            extra={"HIRESTREAM_STORE": store, "HIRESTREAM_LOG_LEVEL": "WARNING"},
        )
        made = Worker(name, port, env, run_dir / f"{app}-{name}.log")
        workers.append(made)
        return made

    print(
        f"recovery bench: {args.records:,} interviews, {args.tenants} tenants, "
        f"{args.partitions} partition(s), one worker; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            # a worker with no records: the floor of a start, and of the memory
            empty = worker(empty_app_id, "w-empty", "rocksdb")
            first = await started(http, empty, "no records, first start", {}, timeout_s)
            empty.stop()
            floor = await started(http, empty, "no records, restart (SIGTERM)", {}, timeout_s)
            empty.kill()
            floor_kill = await started(http, empty, "no records, SIGKILL then start", {}, timeout_s)
            empty.stop()

            fill = await fill_changelog(
                bootstrap, app_id, args.records, args.tenants, args.partitions, args.seed
            )
            print(
                f"  changelog filled: {fill.records:,} records, "
                f"{fill.bytes / fill.records:,.0f} B a record (JSON), "
                f"{fill.bytes / 2**30:.2f} GiB, in {fill.seconds:.1f} s"
            )

            memory: Start | None = None
            if args.records <= args.memory_store_limit:
                in_memory = worker(app_id, "w-memory", "memory")
                memory = await started(
                    http, in_memory, "(a) memory store, new worker", fill.samples, timeout_s
                )
                in_memory.stop()
            else:
                print(
                    f"  (a) memory store skipped: {args.records:,} records > "
                    f"--memory-store-limit {args.memory_store_limit:,}"
                )

            rocks = worker(app_id, "w-rocksdb", "rocksdb")
            fresh = await started(
                http,
                rocks,
                "(b) RocksDB store, new worker, empty data dir",
                fill.samples,
                timeout_s,
            )
            tables_dir = run_dir / "data" / "w-rocksdb" / "tables" / app_id
            disk = disk_bytes(tables_dir)
            rocks.stop()
            after_term = await started(
                http, rocks, "(c) RocksDB store, SIGTERM then start", fill.samples, timeout_s
            )
            rocks.kill()
            after_kill = await started(
                http, rocks, "(c) RocksDB store, SIGKILL then start", fill.samples, timeout_s
            )
            rocks.stop()
    finally:
        for made in workers:
            made.stop()
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            prefixes = tuple(f"{a}{sep}" for a in (app_id, empty_app_id) for sep in ".-")
            ours = [t for t in await admin.list_topics() if t.startswith(prefixes)]
            for at in range(0, len(ours), 100):
                await admin.delete_topics(ours[at : at + 100])
        finally:
            await admin.close()
        shutil.rmtree(run_dir, ignore_errors=True)

    n = fill.records
    base = floor.rss
    print()
    print(f"{'':46} {'ready s':>8} {'RSS MiB':>8} {'B/interview':>12} {'at 1M, s':>9}")
    print(f"{'no records, first start':46} {first.ready_s:8.1f} {first.rss / 2**20:8,.0f}")
    print(f"{'no records, restart (t0)':46} {floor.ready_s:8.1f} {floor.rss / 2**20:8,.0f}")
    print(
        f"{'no records, SIGKILL then start (t0 kill)':46} {floor_kill.ready_s:8.1f} "
        f"{floor_kill.rss / 2**20:8,.0f}"
    )
    rows = [(memory, first.ready_s), (fresh, first.ready_s)]
    rows += [(after_term, floor.ready_s), (after_kill, floor_kill.ready_s)]
    for start, t0 in rows:
        if start is None:
            continue
        per = (start.rss - base) / n
        at_target = extrapolated(t0, start.ready_s, n) if n < TARGET_RECORDS else start.ready_s
        print(
            f"{start.label:46} {start.ready_s:8.1f} {start.rss / 2**20:8,.0f} {per:12,.0f} "
            f"{at_target:9.1f}"
        )
    print(
        f"RocksDB on disk: {disk / 2**20:,.0f} MiB, {disk / n:,.0f} B per interview "
        f"(the changelog: {fill.bytes / n:,.0f} B of JSON per interview)"
    )
    reads = [s for s in (memory, fresh, after_term, after_kill) if s is not None]
    print(
        "records read back by id after each start: "
        + ", ".join(f"{s.reads_ok} in {s.reads_s:.1f} s" for s in reads)
    )
    print(
        "changelog messages read by each RocksDB restart: "
        f"SIGTERM {after_term.applied or 0:,.0f}, SIGKILL {after_kill.applied or 0:,.0f} "
        f"(of {n:,} in the changelog)"
    )
    if n >= TARGET_RECORDS:
        how = f"measured at {n:,}"
        at_target = max(after_term.ready_s, after_kill.ready_s)
    else:
        # each restart from the start of its own kind with no records
        term_at = extrapolated(floor.ready_s, after_term.ready_s, n)
        kill_at = extrapolated(floor_kill.ready_s, after_kill.ready_s, n)
        at_target = max(term_at, kill_at)
        how = (
            f"extrapolated from {n:,}: SIGTERM {floor.ready_s:.1f} s + "
            f"({after_term.ready_s:.1f} - {floor.ready_s:.1f}) s x {TARGET_RECORDS:,} / {n:,} "
            f"= {term_at:.1f} s; SIGKILL {floor_kill.ready_s:.1f} s + "
            f"({after_kill.ready_s:.1f} - {floor_kill.ready_s:.1f}) s x {TARGET_RECORDS:,} / "
            f"{n:,} = {kill_at:.1f} s"
        )
    verdict = "MET" if at_target <= TARGET_S and all(s.reads_ok for s in reads) else "NOT MET"
    print(
        f"target: a restarted worker ready in <= {TARGET_S:.0f} s with {TARGET_RECORDS:,} "
        f"interviews in its partitions: {at_target:.1f} s ({how}) — {verdict} "
        f"(load average {os.getloadavg()[0]:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--memory-store-limit", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=4)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

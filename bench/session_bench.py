"""Open candidate sessions held by one worker: N concurrent candidate sockets answering at a
human pace, in one run (issue 13, item 7).

Starts the local stack and one hirestream worker on fresh topics (invitations raised to
``HIRESTREAM_INVITE_RATE_PER_MINUTE=100000``, so the per-tenant limit is not what is
measured; the assessor runs inside the worker, as by default, unless ``--no-assessor``), then:

1. **setup**: ``--tenants`` tenants (default 25) with ``autoApprovePlans``; ``--sessions``
   interviews (default 500) spread round-robin over them (so no single tenant, hence no single
   partition, carries them all), created over HTTP by 16 clients; waited on until all are
   approved;
2. **invites**: every interview invited (``POST /interviews/:id/invite``) by
   ``--invite-clients`` clients (default 32): invites/s **including the mail** (each answer
   waits for the mailer's report), how many answers say ``emailSent: true``, and how many
   messages reached the SMTP sink;
3. **start**: every candidate ``POST /candidate-access/:token/start``;
4. **open**: the worker's RSS (``/proc/<pid>/status``) is read, then every candidate opens
   ``GET /sessions/:id/ws?token=…`` (50 handshakes in flight at most) and waits for its
   greeting; when all are open (and idle) the RSS is read again: (open - before) / N is the
   memory per open session;
5. **conversation**: every candidate answers each question after a random think time
   (uniform in ``--think-min``..``--think-max`` s, default 5..15), and the delay from sending
   an answer to receiving the next question is recorded (p50, p90, p99, max over all turns;
   the last answer's delay to ``ended`` is reported apart). Goal: **p99 <= 100 ms at 500**.

Candidate access (``start`` and the socket's upgrade) is limited to 120 calls a minute per
client address, in bursts of 60 (``web/app.py``, not configurable). Real candidates come from
many addresses; here every 20 candidates connect from their own loopback address (127.0.0.2,
127.0.0.3, …: Linux routes all of 127/8 to ``lo``), so that limit is not what is measured.

Errors are anything but the expected question (in order) or ``ended``: ``error`` messages,
out-of-order questions, a socket closed or silent for 30 s, a refused start or upgrade. The
worker's CPU time (``/proc/<pid>/stat``) is reported per phase. Every topic of the run (prefix
``HIRESTREAM_APP_ID``) is deleted at the end, and the run's messages in ``.stack/mail``
removed. Figures from a loaded or small machine (the load average is printed) are only
indicative; the client shares the machine with the worker and the broker.

Run: ``python bench/session_bench.py [--sessions 500] [--tenants 25] [--think-min 5]
[--think-max 15]``, or ``--quick`` (50 sessions over 5 tenants, 0.5..2 s think times).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_runs import end_run, new_run  # noqa: E402
from proc_stats import cpu_seconds, machine_busy_s, rss_kib  # noqa: E402
from run_topics import TopicCleanup  # noqa: E402

from hirestream.stack.smtp import mail_dir  # noqa: E402
from hirestream.web.credentials import issue_jwt  # noqa: E402
from tests.conftest import SEED_CREATE  # noqa: E402
from tests.support.workers import TEST_JWT_SECRET, Worker, free_port, worker_env  # noqa: E402

T = TypeVar("T")

#: The goal: the answer -> next question delay's p99 at GOAL_SESSIONS open sessions.
GOAL_P99_MS = 100.0
GOAL_SESSIONS = 500
#: Candidates per client address: each makes 2 candidate-access calls (start, upgrade),
#: within the per-address burst of 60.
PER_ADDRESS = 20
#: Clients creating interviews and starting sessions.
SETUP_CLIENTS = 16
#: Socket handshakes in flight at once while opening.
OPEN_CLIENTS = 50
#: A candidate gives up on a socket that says nothing for this long.
NEXT_MESSAGE_TIMEOUT_S = 30.0
#: The longest wait for every interview to be planned and approved.
APPROVE_TIMEOUT_S = 600.0
#: The interviews' time limit (minutes, 10..180): far beyond the run.
DURATION_MIN = 120
INVITE_RATE_PER_MINUTE = 100_000
ANSWERS = (
    "I designed the service and measured it before and after: the trade-offs mattered, so we "
    "cut p99 latency by 40% by batching writes and moving validation off the hot path.",
    "In my last team I owned the migration to typed APIs; for example we caught a whole class "
    "of bugs at build time and shipped weekly instead of monthly.",
    "I would start from the failure modes: what happens when the broker is slow, then add "
    "back-pressure and timeouts, and test it under load with realistic data.",
)


# --- the worker process, from /proc ---------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """The processes under ``pid`` (e.g. a résumé parser), recursively."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


@dataclass(frozen=True)
class Sample:
    at: float  # perf_counter
    rss_kib: int
    cpu_s: float
    children_rss_kib: int
    machine_busy_s: float

    @classmethod
    def of(cls, pid: int) -> Sample:
        children = 0
        for child in descendants(pid):
            with contextlib.suppress(OSError, RuntimeError):
                children += rss_kib(child)
        return cls(time.perf_counter(), rss_kib(pid), cpu_seconds(pid), children, machine_busy_s())


# --- the candidates -----------------------------------------------------------------------


@dataclass
class Candidate:
    n: int
    tenant: str
    address: str  # the client address its candidate-access calls come from
    interview_id: str = ""
    token: str = ""
    session_id: str = ""
    open_ms: float | None = None  # upgrade requested -> greeting received
    questions: int = 0
    delays_ms: list[float] = field(default_factory=list)  # answer -> next question
    end_delay_ms: float | None = None  # last answer -> ended
    ended_reason: str | None = None
    errors: list[str] = field(default_factory=list)


class Disconnected(Exception):
    pass


class Gathering:
    """Counts candidates whose socket is open (or who failed to open one); ``all_here`` once
    every one of them has."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.arrived = 0
        self.all_here = asyncio.Event()
        self.go = asyncio.Event()

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived >= self.expected:
            self.all_here.set()


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def pooled(
    items: Sequence[T], clients: int, call: Callable[[T], Awaitable[None]]
) -> tuple[list[float], float]:
    """``call`` on every item, ``clients`` at a time: the latencies (ms) and elapsed s."""
    latencies: list[float] = []
    queue = iter(items)
    began = time.perf_counter()

    async def client() -> None:
        for item in queue:
            start = time.perf_counter()
            await call(item)
            latencies.append((time.perf_counter() - start) * 1000)

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - began


def headers_for(tenants: dict[str, str], tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenants[tenant]}"}


# --- setup: interviews approved, invited, started ----------------------------------------


@dataclass
class Setup:
    create_s: float = 0.0
    approved_s: float = 0.0
    invite_s: float = 0.0
    invite_ms: list[float] = field(default_factory=list)
    invited: int = 0
    email_sent: int = 0
    invite_refused: Counter[str] = field(default_factory=Counter)
    start_s: float = 0.0
    started: int = 0
    start_refused: Counter[str] = field(default_factory=Counter)
    questions_per_session: int | None = None


async def set_up(
    http: aiohttp.ClientSession,
    api: str,
    tenants: dict[str, str],
    candidates: list[Candidate],
    app_id: str,
    setup: Setup,
) -> None:
    for tenant in tenants:
        async with http.put(
            f"{api}/tenant/settings",
            json={"autoApprovePlans": True},
            headers=headers_for(tenants, tenant),
        ) as r:
            if r.status != 200:
                raise RuntimeError(f"PUT /tenant/settings {r.status}: {await r.text()}")

    async def create(c: Candidate) -> None:
        body = {
            **SEED_CREATE,
            "candidateName": f"Bench Candidate {c.n}",
            "candidateEmail": f"candidate.{c.n}.{app_id}@example.com",
            "duration": DURATION_MIN,
        }
        async with http.post(
            f"{api}/interviews", json=body, headers=headers_for(tenants, c.tenant)
        ) as r:
            if r.status != 201:
                raise RuntimeError(f"POST /interviews {r.status}: {await r.text()}")
            c.interview_id = (await r.json())["id"]

    began = time.perf_counter()
    _, setup.create_s = await pooled(candidates, SETUP_CLIENTS, create)
    per_tenant = Counter(c.tenant for c in candidates)
    waiting = dict(per_tenant)
    while waiting:
        if time.perf_counter() - began > APPROVE_TIMEOUT_S:
            raise RuntimeError(f"not all approved within {APPROVE_TIMEOUT_S:.0f} s: {waiting}")
        for tenant in list(waiting):
            params = {"status": "approved", "limit": "1"}
            async with http.get(
                f"{api}/interviews", params=params, headers=headers_for(tenants, tenant)
            ) as r:
                r.raise_for_status()
                if (await r.json())["total"] >= per_tenant[tenant]:
                    del waiting[tenant]
        await asyncio.sleep(0.5)
    setup.approved_s = time.perf_counter() - began


async def invite_all(
    http: aiohttp.ClientSession,
    api: str,
    tenants: dict[str, str],
    candidates: list[Candidate],
    clients: int,
    setup: Setup,
) -> None:
    async def invite(c: Candidate) -> None:
        url = f"{api}/interviews/{c.interview_id}/invite"
        async with http.post(url, headers=headers_for(tenants, c.tenant)) as r:
            if r.status != 200:
                setup.invite_refused[f"HTTP {r.status}"] += 1
                return
            answer = await r.json()
        c.token = answer["token"]
        setup.invited += 1
        setup.email_sent += answer["emailSent"] is True

    setup.invite_ms, setup.invite_s = await pooled(candidates, clients, invite)


async def start_all(
    sessions: dict[str, aiohttp.ClientSession],
    api: str,
    candidates: list[Candidate],
    setup: Setup,
) -> None:
    async def start(c: Candidate) -> None:
        if not c.token:
            return
        url = f"{api}/candidate-access/{c.token}/start"
        async with sessions[c.address].post(url) as r:
            if r.status != 200:
                setup.start_refused[f"HTTP {r.status}"] += 1
                c.errors.append(f"start: HTTP {r.status}")
                return
            c.session_id = (await r.json())["sessionId"]
        setup.started += 1

    _, setup.start_s = await pooled(candidates, SETUP_CLIENTS, start)


async def plan_size(
    http: aiohttp.ClientSession, api: str, tenants: dict[str, str], c: Candidate
) -> int:
    """Questions one session asks: the greeting and the plan's questions."""
    url = f"{api}/interviews/{c.interview_id}"
    async with http.get(url, headers=headers_for(tenants, c.tenant)) as r:
        r.raise_for_status()
        plan = (await r.json()).get("plan") or {}
    return 1 + sum(len(comp.get("questions", [])) for comp in plan.get("competencies", []))


# --- the sessions ----------------------------------------------------------------------------


async def next_message(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await socket.receive(timeout=NEXT_MESSAGE_TIMEOUT_S)
    if message.type == aiohttp.WSMsgType.TEXT:
        data: Any = orjson.loads(message.data)
        if not isinstance(data, dict):
            raise Disconnected(f"a message that is not an object: {message.data[:80]}")
        return data
    raise Disconnected(f"socket {message.type.name.lower()} (close code {socket.close_code})")


async def hold_session(
    c: Candidate,
    http: aiohttp.ClientSession,
    api: str,
    gate: asyncio.Semaphore,
    gathering: Gathering,
    think: tuple[float, float],
    rng: random.Random,
) -> None:
    """Open the socket, wait for everyone (``gathering``), then answer every question after a
    think time, timing each answer -> next message."""
    if not c.session_id:
        gathering.arrive()
        return
    url = f"{api}/sessions/{c.session_id}/ws?token={c.token}"
    arrived = False
    await gate.acquire()
    gated = True
    try:
        began = time.perf_counter()
        async with http.ws_connect(url, autoping=True) as socket:
            message = await next_message(socket)
            c.open_ms = (time.perf_counter() - began) * 1000
            gate.release()
            gated = False
            gathering.arrive()
            arrived = True
            await gathering.go.wait()
            await converse(c, socket, message, think, rng)
    except aiohttp.WSServerHandshakeError as exc:
        c.errors.append(f"upgrade refused: HTTP {exc.status}")
    except TimeoutError:
        c.errors.append(f"no message within {NEXT_MESSAGE_TIMEOUT_S:.0f} s")
    except Disconnected as exc:
        c.errors.append(str(exc))
    except (aiohttp.ClientError, OSError) as exc:
        c.errors.append(f"client error: {type(exc).__name__}")
    finally:
        if gated:
            gate.release()
        if not arrived:
            gathering.arrive()


async def converse(
    c: Candidate,
    socket: aiohttp.ClientWebSocketResponse,
    message: dict[str, Any],
    think: tuple[float, float],
    rng: random.Random,
) -> None:
    expected = 0
    sent_at: float | None = None
    while True:
        kind = message.get("type")
        delay = None if sent_at is None else (time.perf_counter() - sent_at) * 1000
        if kind == "ended":
            c.ended_reason = str(message.get("reason"))
            c.end_delay_ms = delay
            return
        if kind != "question":
            c.errors.append(f"{kind} message: {str(message.get('message', message))[:80]}")
            if kind != "error" or sent_at is None:
                return
            # The answer did not go through: send it again, as the candidate page would.
            await socket.send_str(orjson.dumps({"type": "answer", "text": ANSWERS[0]}).decode())
            message = await next_message(socket)
            continue
        if delay is not None:
            c.delays_ms.append(delay)
        index = message.get("index")
        if index != expected:
            c.errors.append(f"question {index} where {expected} was expected")
        expected = (index if isinstance(index, int) else expected) + 1
        c.questions += 1
        await asyncio.sleep(rng.uniform(*think))
        text = f"Answer {index}: {ANSWERS[c.n % len(ANSWERS)]}"
        sent_at = time.perf_counter()
        await socket.send_str(orjson.dumps({"type": "answer", "text": text}).decode())
        message = await next_message(socket)


@dataclass
class Sessions:
    before_open: Sample
    all_open: Sample
    ended: Sample  # when the last session ended
    after: Sample  # a second later, every socket closed
    peak_rss_kib: int
    open_s: float
    conversation_s: float
    client_cpu_s: float
    max_load: float


async def hold_all(
    sessions: dict[str, aiohttp.ClientSession],
    api: str,
    candidates: list[Candidate],
    pid: int,
    think: tuple[float, float],
    seed: int,
) -> Sessions:
    gathering = Gathering(len(candidates))
    gate = asyncio.Semaphore(OPEN_CLIENTS)
    rng = random.Random(seed)
    await asyncio.sleep(2.0)  # let the starts' work settle before the first reading
    before = Sample.of(pid)
    tasks = [
        asyncio.create_task(hold_session(c, sessions[c.address], api, gate, gathering, think, rng))
        for c in candidates
    ]
    await gathering.all_here.wait()
    opened_at = time.perf_counter()
    await asyncio.sleep(1.0)  # every socket open and idle
    all_open = Sample.of(pid)
    peak = all_open.rss_kib
    max_load = os.getloadavg()[0]
    client_cpu = time.process_time()
    gathering.go.set()
    began = time.perf_counter()
    running = asyncio.gather(*tasks)
    while not running.done():
        await asyncio.wait([running], timeout=0.5)
        peak = max(peak, rss_kib(pid))
        max_load = max(max_load, os.getloadavg()[0])
    await running
    ended = Sample.of(pid)
    conversation_s = ended.at - began
    client_cpu = time.process_time() - client_cpu
    await asyncio.sleep(1.0)
    return Sessions(
        before,
        all_open,
        ended,
        Sample.of(pid),
        peak,
        opened_at - before.at,
        conversation_s,
        client_cpu,
        max_load,
    )


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Cleanup:
    topics: TopicCleanup = field(default_factory=TopicCleanup)
    mails_removed: int = 0
    mails_found: int = 0
    note: str = ""


@dataclass
class Report:
    setup: Setup
    sessions: Sessions | None
    candidates: list[Candidate]
    cpu: dict[str, float]
    worker_cpu_total_s: float
    cleanup: Cleanup
    log: Path
    addresses: int
    load_at_end: tuple[float, float, float] = (0.0, 0.0, 0.0)


def remove_run_mail(app_id: str, cleanup: Cleanup) -> None:
    """Count and remove the run's messages in the SMTP sink's folder (addressed to
    ``candidate.<n>.<app id>@example.com``)."""
    marker = f".{app_id}@".encode()
    folder = mail_dir()
    if not folder.is_dir():
        return
    for path in folder.glob("*.eml"):
        try:
            if marker in path.read_bytes():
                cleanup.mails_found += 1
                path.unlink()
                cleanup.mails_removed += 1
        except OSError:
            continue


def address_sessions(addresses: list[str]) -> dict[str, aiohttp.ClientSession]:
    timeout = aiohttp.ClientTimeout(total=60)  # the handshakes; a socket then has no limit
    return {
        address: aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, local_addr=(address, 0)), timeout=timeout
        )
        for address in addresses
    }


async def measure(args: argparse.Namespace) -> Report:
    env, bootstrap, app_id, run_dir, data_dir = new_run("sessbench")
    port = free_port()
    extra = {
        "HIRESTREAM_LOG_LEVEL": "WARNING",
        "HIRESTREAM_INVITE_RATE_PER_MINUTE": str(INVITE_RATE_PER_MINUTE),
        "APP_URL": f"http://127.0.0.1:{port}",
    }
    if args.no_assessor:
        extra["HIRESTREAM_ASSESSOR_IN_WORKER"] = "false"
    worker = Worker(
        "sessbench",
        port,
        worker_env(env, app_id=app_id, name="sessbench", port=port, data_dir=data_dir, extra=extra),
        run_dir / f"{app_id}.log",
    )
    suffix = uuid.uuid4().hex[:6]
    tenants = {
        f"sessbench-{suffix}-{t:02d}": issue_jwt(
            TEST_JWT_SECRET, subject="bench", tenant_id=f"sessbench-{suffix}-{t:02d}", role="ADMIN"
        )
        for t in range(args.tenants)
    }
    names = list(tenants)
    addresses = [
        f"127.0.0.{2 + a}" for a in range((args.sessions + PER_ADDRESS - 1) // PER_ADDRESS)
    ]
    candidates = [
        Candidate(n, names[n % len(names)], addresses[n // PER_ADDRESS])
        for n in range(args.sessions)
    ]
    # Faust makes only the last level of its table folder (``<data>/<worker>/tables/<app>``):
    # its parent must exist, whichever table store the worker is configured with.
    (data_dir / "sessbench" / "tables").mkdir(parents=True, exist_ok=True)
    setup = Setup()
    cleanup = Cleanup()
    cpu: dict[str, float] = {}
    held: Sessions | None = None
    total_cpu = 0.0
    worker.start()
    try:
        try:
            await worker.wait_ready()
            assert worker.process is not None
            pid = worker.process.pid
            mark = cpu_seconds(pid)

            def phase(name: str) -> None:
                nonlocal mark
                now = cpu_seconds(pid)
                cpu[name] = now - mark
                mark = now

            timeout = aiohttp.ClientTimeout(total=60)
            connector = aiohttp.TCPConnector(limit=64)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
                await set_up(http, worker.api, tenants, candidates, app_id, setup)
                phase("setup (create, plan, approve)")
                setup.questions_per_session = await plan_size(
                    http, worker.api, tenants, candidates[0]
                )
                await invite_all(http, worker.api, tenants, candidates, args.invite_clients, setup)
                phase("invites (with the mail)")
            sessions = address_sessions(addresses)
            try:
                await start_all(sessions, worker.api, candidates, setup)
                phase("starts")
                held = await hold_all(
                    sessions,
                    worker.api,
                    candidates,
                    pid,
                    (args.think_min, args.think_max),
                    args.seed,
                )
                cpu["opening the sockets"] = held.all_open.cpu_s - held.before_open.cpu_s
                cpu["conversation"] = held.ended.cpu_s - held.all_open.cpu_s
            finally:
                await asyncio.gather(*(s.close() for s in sessions.values()))
            total_cpu = cpu_seconds(pid)
        finally:
            worker.stop()
    finally:  # every step, whatever failed before
        try:
            cleanup.topics = await end_run(bootstrap, app_id, data_dir)
        finally:
            remove_run_mail(app_id, cleanup)
    return Report(
        setup,
        held,
        candidates,
        cpu,
        total_cpu,
        cleanup,
        worker.log_path,
        len(addresses),
    )


# --- the report ------------------------------------------------------------------------------


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def spread(values: Sequence[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {percentile(values, 0.5):.1f} ms, p90 {percentile(values, 0.9):.1f} ms, "
        f"p99 {percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms, "
        f"mean {statistics.fmean(values):.1f} ms (n={len(values):,})"
    )


def print_report(report: Report, args: argparse.Namespace, load: tuple[float, ...]) -> None:
    n = args.sessions
    s = report.setup
    cands = report.candidates
    print(
        f"machine: {os.cpu_count()} cores, load average at start "
        f"{' '.join(f'{x:.2f}' for x in load)}, at end "
        f"{' '.join(f'{x:.2f}' for x in report.load_at_end)}; {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}"
    )
    print(
        f"run: {n} sessions over {args.tenants} tenants (round-robin, ~{n / args.tenants:.0f} "
        f"each), candidates from {report.addresses} loopback addresses ({PER_ADDRESS} each), "
        f"think time uniform {args.think_min:g}..{args.think_max:g} s, "
        f"assessor {'off' if args.no_assessor else 'inside the worker'}, "
        f"HIRESTREAM_INVITE_RATE_PER_MINUTE={INVITE_RATE_PER_MINUTE}"
    )
    print(f"worker log: {report.log.relative_to(ROOT)}")
    print()
    print("setup")
    print(
        f"  create: {n} interviews in {s.create_s:.1f} s ({n / s.create_s:.0f}/s, "
        f"{SETUP_CLIENTS} clients); all approved (plans auto-approved) {s.approved_s:.1f} s "
        f"after the first create; {s.questions_per_session} questions per session "
        f"(greeting included)"
    )
    refused = ", ".join(f"{k}: {v}" for k, v in s.invite_refused.items()) or "none"
    print(
        f"  invites: {s.invited}/{n} in {s.invite_s:.1f} s at {args.invite_clients} clients = "
        f"{s.invited / s.invite_s:.1f} invites/s including the mail; latency "
        f"p50 {percentile(s.invite_ms, 0.5):.0f} ms, p99 {percentile(s.invite_ms, 0.99):.0f} ms; "
        f"emailSent true {s.email_sent}/{s.invited}; messages in the SMTP sink "
        f"{report.cleanup.mails_found}; refused: {refused}"
    )
    refused = ", ".join(f"{k}: {v}" for k, v in s.start_refused.items()) or "none"
    print(
        f"  starts: {s.started}/{n} (POST /candidate-access/:token/start) in "
        f"{s.start_s:.1f} s; refused: {refused}"
    )
    held = report.sessions
    opened = [c.open_ms for c in cands if c.open_ms is not None]
    delays = [d for c in cands for d in c.delays_ms]
    ends = [c.end_delay_ms for c in cands if c.end_delay_ms is not None]
    if held is not None:
        print()
        print("sockets")
        print(
            f"  opened: {len(opened)}/{n} in {held.open_s:.1f} s ({OPEN_CLIENTS} handshakes "
            f"in flight at most; upgrade -> greeting {spread(opened)})"
        )
        grown = held.all_open.rss_kib - held.before_open.rss_kib
        per = grown / len(opened) if opened else float("nan")
        print(
            f"  worker RSS: {mib(held.before_open.rss_kib)} before opening, "
            f"{mib(held.all_open.rss_kib)} with {len(opened)} open (+{mib(grown)}), "
            f"peak {mib(held.peak_rss_kib)} during the conversation, "
            f"{mib(held.after.rss_kib)} after all closed"
        )
        if held.all_open.children_rss_kib or held.before_open.children_rss_kib:
            print(
                f"  (child processes' RSS: {mib(held.before_open.children_rss_kib)} before, "
                f"{mib(held.all_open.children_rss_kib)} open; not included above)"
            )
        print(f"  memory per open session: {per:.1f} KiB")
        print()
        print("conversation")
        turns = len(delays) + len(ends)
        print(
            f"  {turns:,} answers in {held.conversation_s:.1f} s "
            f"({turns / held.conversation_s:.1f} answers/s over the worker)"
        )
        print(f"  answer -> next question: {spread(delays)}")
        over = sum(d > GOAL_P99_MS for d in delays)
        print(f"    over {GOAL_P99_MS:g} ms: {over} of {len(delays):,}")
        print(f"  last answer -> ended: {spread(ends)}")
    reasons = Counter(c.ended_reason for c in cands if c.ended_reason is not None)
    completed = reasons.get("completed", 0)
    errors = Counter(
        e.split(":")[0] if e.startswith(("start", "upgrade", "client error")) else e
        for c in cands
        for e in c.errors
    )
    failed = sum(1 for c in cands if c.errors)
    print(
        f"  sessions completed: {completed}/{n}"
        + (f" (other endings: {dict(reasons)})" if len(reasons) > 1 else "")
    )
    print(f"  errors: {sum(errors.values())} in {failed} sessions")
    for what, count in errors.most_common(8):
        print(f"    {count:>5} x {what}")
    print()
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in report.cpu.items())
    print(f"worker CPU: {phases}; total since start {report.worker_cpu_total_s:.1f} s")
    if held is not None:
        share = report.cpu.get("conversation", 0.0) / held.conversation_s * 100
        print(
            f"  conversation: {share:.0f}% of one core; "
            f"{report.cpu.get('conversation', 0.0) / max(1, len(delays) + len(ends)) * 1000:.1f}"
            f" ms CPU per answer; the bench's own CPU meanwhile {held.client_cpu_s:.1f} s"
        )
        busy = held.ended.machine_busy_s - held.all_open.machine_busy_s
        worker_cpu = held.ended.cpu_s - held.all_open.cpu_s
        others = busy - worker_cpu - held.client_cpu_s
        cores = os.cpu_count() or 1
        print(
            f"  machine during the conversation: {busy / (held.conversation_s * cores) * 100:.0f}% "
            f"of {cores} cores busy ({busy:.0f} core-s: worker {worker_cpu:.0f}, bench "
            f"{held.client_cpu_s:.0f}, other processes {others:.0f}); 1-min load average up "
            f"to {held.max_load:.2f}"
        )
    c = report.cleanup
    print(
        f"cleanup: {c.topics.line()}, "
        f"{c.mails_removed} messages removed from .stack/mail{'; ' + c.note if c.note else ''}"
    )
    print()
    print("goal:")
    p99 = percentile(delays, 0.99) if delays else None
    met = p99 is not None and p99 <= GOAL_P99_MS and completed == n and not errors
    shown = "n/a" if p99 is None else f"{p99:.1f} ms"
    at = "" if n == GOAL_SESSIONS else f" (goal is set at {GOAL_SESSIONS}; this run: {n})"
    print(
        f"  answer -> next question p99 at {n} sessions {shown:>10}   "
        f"goal <= {GOAL_P99_MS:g} ms at {GOAL_SESSIONS}: {'MET' if met else 'NOT MET'}{at}"
    )
    if p99 is not None and p99 <= GOAL_P99_MS and not met:
        print("    (the p99 is within the goal, but not every session completed without error)")
    if load[0] > (os.cpu_count() or 1):
        print(
            f"note: the load average at start ({load[0]:.2f}) exceeded the core count; "
            "the figures are pessimistic"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sessions", type=int, default=500, help="concurrent candidate sessions (default 500)"
    )
    parser.add_argument(
        "--tenants", type=int, default=25, help="tenants the interviews are spread over (25)"
    )
    parser.add_argument(
        "--think-min", type=float, default=5.0, help="shortest think time, s (default 5)"
    )
    parser.add_argument(
        "--think-max", type=float, default=15.0, help="longest think time, s (default 15)"
    )
    parser.add_argument(
        "--invite-clients", type=int, default=32, help="clients sending invites (default 32)"
    )
    parser.add_argument("--seed", type=int, default=13, help="random seed of the think times")
    parser.add_argument(
        "--no-assessor",
        action="store_true",
        help="HIRESTREAM_ASSESSOR_IN_WORKER=false: completions are not scored during the run",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="50 sessions over 5 tenants, think times 0.5..2 s, for development",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.tenants, args.think_min, args.think_max = 50, 5, 0.5, 2.0
    if args.sessions < 1 or args.tenants < 1 or args.invite_clients < 1:
        parser.error("--sessions, --tenants and --invite-clients must be at least 1")
    if args.sessions > PER_ADDRESS * 250:
        parser.error(
            f"at most {PER_ADDRESS * 250} sessions (one loopback address per {PER_ADDRESS})"
        )
    if not 0 <= args.think_min <= args.think_max:
        parser.error("need 0 <= --think-min <= --think-max")
    args.tenants = min(args.tenants, args.sessions)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load = os.getloadavg()
    report = asyncio.run(measure(args))
    report.load_at_end = os.getloadavg()
    print_report(report, args, load)


if __name__ == "__main__":
    main()

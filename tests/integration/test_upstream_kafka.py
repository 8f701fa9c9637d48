"""Upstream producers on the Kafka contract, driven with a client we did not write.

An upstream system may skip HTTP and produce commands to ``<prefix>interview-commands`` with
any Kafka client. These tests produce them with ``confluent_kafka`` (librdkafka) and its
DEFAULT partitioner, ``consistent_random`` (CRC32 of the key), while the fleet places a tenant
by murmur2 (``topics.partitioning``). Every tenant here is chosen so that the two disagree: each
command lands on the wrong partition and the interview agent's reroute path is exercised.
Results are read over HTTP and from the topics (plain aiokafka consumers, no group).
"""

from __future__ import annotations

import asyncio
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from confluent_kafka import KafkaError, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from hirestream.topics.partitioning import partition_for
from tests.conftest import SEED_CREATE, auth, start_worker
from tests.integration.test_topics import list_topics, read_all
from tests.support.workers import Worker

pytestmark = pytest.mark.integration

PARTITIONS = 12  # the session worker's (and test 6's worker's) partition count
COMMANDS = "interview-commands"
DEAD_LETTERS = "interview-commands.dead-letter"
PERSONAL = ("candidateName", "candidateEmail", "candidateResume", "candidateProfile")

#: A complete upstream create: the workflow takes it to ``pending`` without asking for more.
UPSTREAM_CREATE: dict[str, Any] = {
    "candidateName": "Ada Upstream",
    "candidateEmail": "ada.upstream@example.com",
    "position": "Senior Engineer",
    "level": "SENIOR",
    "skills": ["Python", "Kafka", "PostgreSQL"],
    "jobDescription": "Build and run event-driven services for hiring teams.",
}

#: ``GET /interviews/counts`` field -> the ``status`` filters whose listings it counts
#: (``approved`` counts approved and completed interviews: the seed's note).
COUNTED_STATUSES: dict[str, tuple[str, ...]] = {
    "planned": ("planned",),
    "approved": ("approved", "completed"),
    "inProgress": ("in_progress",),
    "infoNeeded": ("info_needed",),
    "completed": ("completed",),
    "rejected": ("rejected",),
    "cancelled": ("cancelled",),
}


# --- tenants and partitions -----------------------------------------------------------------


def crc32_partition(tenant: str) -> int:
    """Where librdkafka's default partitioner (``consistent_random``) puts a non-empty key."""
    return zlib.crc32(tenant.encode()) % PARTITIONS


def upstream_tenant(label: str) -> str:
    """A fresh tenant id whose CRC32 partition is not its murmur2 partition."""
    while True:
        tenant = f"{label}-{uuid.uuid4().hex[:10]}"
        if crc32_partition(tenant) != partition_for(tenant, PARTITIONS):
            return tenant


def assert_misplaced(tenant: str, delivered: list[Delivered]) -> None:
    """librdkafka put the tenant's commands on the CRC32 partition, which is not the fleet's."""
    home = partition_for(tenant, PARTITIONS)
    assert crc32_partition(tenant) != home, tenant
    assert {d.partition for d in delivered} == {crc32_partition(tenant)}, (
        f"expected librdkafka to produce on CRC32 partition {crc32_partition(tenant)} "
        f"(murmur2: {home}), got {delivered}"
    )


# --- producing: an upstream system's own client ---------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class Delivered:
    partition: int
    offset: int


def command(
    kind: str, tenant: str, payload: Any = None, *, interview_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A command envelope as an upstream producer writes it (no issuedAt: optional)."""
    return {
        "commandId": f"up-{uuid.uuid4()}",
        "type": kind,
        "tenantId": tenant,
        "interviewId": interview_id or str(uuid.uuid4()),
        "payload": {} if payload is None else payload,
        **fields,
    }


def message(body: dict[str, Any] | bytes, key: str | bytes, **headers: str) -> Outgoing:
    """One Kafka message: ``body`` as JSON (or raw bytes), ``key`` UTF-8, string headers."""
    return Outgoing(
        key if isinstance(key, bytes) else key.encode(),
        body if isinstance(body, bytes) else orjson.dumps(body),
        tuple((k, v.encode()) for k, v in headers.items()),
    )


class Upstream:
    """An upstream system producing commands: ``confluent_kafka.Producer`` with librdkafka's
    default configuration, hence its default (CRC32) partitioner."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self._producer = Producer({"bootstrap.servers": bootstrap})

    async def send(self, *messages: Outgoing) -> list[Delivered]:
        """Produce ``messages`` back to back, in order, and wait until all are delivered."""
        return await asyncio.to_thread(self._send, messages)

    def _send(self, messages: tuple[Outgoing, ...]) -> list[Delivered]:
        delivered: list[Delivered | None] = [None] * len(messages)
        errors: list[str] = []

        def report(n: int) -> Callable[[KafkaError | None, Message], None]:
            def on_delivery(err: KafkaError | None, msg: Message) -> None:
                # A delivered message always has both; the stubs allow None (not yet produced).
                partition, offset = msg.partition(), msg.offset()
                if err is not None:
                    errors.append(f"message {n}: {err}")
                elif partition is None or offset is None:
                    errors.append(f"message {n}: delivered without a partition or an offset")
                else:
                    delivered[n] = Delivered(partition, offset)

            return on_delivery

        for n, m in enumerate(messages):
            self._producer.produce(
                self.topic, key=m.key, value=m.value, headers=list(m.headers), on_delivery=report(n)
            )
            self._producer.poll(0)
        left = self._producer.flush(30)
        assert left == 0 and not errors, f"upstream produce failed: {left} left, {errors}"
        return [d for d in delivered if d is not None]


async def create_topic(bootstrap: str, name: str) -> None:
    """A topic of one partition, created the way an upstream system would (its own admin)."""

    def create() -> None:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        futures = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        futures[name].result(30)

    await asyncio.to_thread(create)


# --- consuming: dead letters, replies, events -----------------------------------------------


@dataclass(frozen=True)
class Received:
    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    def json(self) -> Any:
        return orjson.loads(self.value or b"null")


class TopicReader:
    """Every message of one topic from the beginning, kept as it arrives (no consumer group)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.seen: list[Received] = []
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        self._tps: list[TopicPartition] = []

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        deadline = time.monotonic() + 20
        while True:
            await self._consumer._client.force_metadata_update()
            partitions = self._consumer.partitions_for_topic(self.topic)
            if partitions:
                break
            if time.monotonic() > deadline:
                await self._consumer.stop()
                raise AssertionError(f"topic {self.topic} does not exist")
            await asyncio.sleep(0.2)
        self._tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(self._tps)
        await self._consumer.seek_to_beginning(*self._tps)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()

    async def poll(self, timeout_ms: int = 300) -> None:
        batch = await self._consumer.getmany(timeout_ms=timeout_ms)
        for records in batch.values():
            self.seen.extend(
                Received(
                    m.topic,
                    m.partition,
                    m.offset,
                    m.timestamp,
                    m.key,
                    m.value,
                    {k: (v or b"").decode(errors="replace") for k, v in m.headers or ()},
                )
                for m in records
            )

    def matching(self, match: Callable[[Received], bool]) -> list[Received]:
        return [m for m in self.seen if match(m)]

    async def wait_for(
        self, match: Callable[[Received], bool], what: str, seconds: float = 30.0
    ) -> Received:
        """The first message that ``match``es, reading on until one arrives."""
        deadline = time.monotonic() + seconds
        while True:
            found = self.matching(match)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: nothing on {self.topic} after {seconds:.0f}s")
            await self.poll()

    async def read_for(self, seconds: float) -> None:
        """Keep reading for ``seconds`` (to see duplicates that may still come)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await self.poll()

    async def read_to_end(self) -> list[Received]:
        ends = await self._consumer.end_offsets(self._tps)
        while any([await self._consumer.position(tp) < ends[tp] for tp in self._tps]):
            await self.poll()
        return self.seen


def value_is(value: bytes) -> Callable[[Received], bool]:
    return lambda m: m.value == value


def correlated(correlation_id: str) -> Callable[[Received], bool]:
    return lambda m: m.headers.get("correlationId") == correlation_id


# --- HTTP -----------------------------------------------------------------------------------


def log_lines(worker: Worker, needle: str, limit: int = 15) -> str:
    """The worker's last log lines about ``needle`` (a tenant), HTTP access lines left out."""
    lines = [
        line
        for line in worker.log_tail(100_000).splitlines()
        if needle in line and "event=http.request" not in line
    ]
    return f"worker log {worker.log_path} ({needle}):\n" + "\n".join(lines[-limit:])


async def get_interview(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, interview_id: str
) -> tuple[int, Any]:
    async with http.get(f"{worker.api}/interviews/{interview_id}", headers=auth(tenant)) as r:
        return r.status, await r.json(content_type=None)


async def wait_for_interview(
    http: aiohttp.ClientSession,
    worker: Worker,
    tenant: str,
    interview_id: str,
    done: Callable[[dict[str, Any]], bool],
    what: str,
    seconds: float = 20.0,
) -> dict[str, Any]:
    """Poll ``GET /interviews/:id`` until the record exists and ``done(record)``."""
    deadline = time.monotonic() + seconds
    while True:
        status, body = await get_interview(http, worker, tenant, interview_id)
        if status == 200 and done(body):
            return dict(body)
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what}: not reached in {seconds:.0f}s; last GET {interview_id}: {status} {body}\n"
                f"{log_lines(worker, tenant)}"
            )
        await asyncio.sleep(0.2)


def in_state(*states: str) -> Callable[[dict[str, Any]], bool]:
    return lambda record: record.get("workflowState") in states


async def listing(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, status: str | None = None
) -> dict[str, Any]:
    params = {"limit": "100", **({"status": status} if status else {})}
    async with http.get(f"{worker.api}/interviews", params=params, headers=auth(tenant)) as r:
        assert r.status == 200, await r.text()
        body: dict[str, Any] = await r.json()
    return body


async def counts(http: aiohttp.ClientSession, worker: Worker, tenant: str) -> dict[str, int]:
    async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
        assert r.status == 200, await r.text()
        body: dict[str, int] = await r.json()
    return body


async def assert_counts_match_listing(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> dict[str, int]:
    """``/interviews/counts`` says what ``/interviews?status=…`` lists, for every status."""
    counted = await counts(http, worker, tenant)
    everything = await listing(http, worker, tenant)
    listed = {"total": everything["total"]}
    for field, statuses in COUNTED_STATUSES.items():
        pages = [await listing(http, worker, tenant, s) for s in statuses]
        for page in pages:
            assert len(page["data"]) == min(page["total"], 100), page
        listed[field] = sum(page["total"] for page in pages)
    assert {k: counted.get(k) for k in listed} == listed, (
        f"counts {counted} disagree with the listings {listed}"
    )
    return counted


async def snapshot(http: aiohttp.ClientSession, worker: Worker, tenant: str) -> dict[str, Any]:
    """What a tenant sees: counts and the listed interviews (id, status, position)."""
    listed = await listing(http, worker, tenant)
    return {
        "counts": await counts(http, worker, tenant),
        "total": listed["total"],
        "items": sorted((i["id"], i["status"], i["position"]) for i in listed["data"]),
    }


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def bootstrap(stack_env: dict[str, str]) -> str:
    return stack_env["KAFKA_BOOTSTRAP_SERVERS"]


@pytest.fixture
def upstream(worker: Worker, bootstrap: str) -> Upstream:
    return Upstream(bootstrap, f"{worker.env['HIRESTREAM_TOPIC_PREFIX']}{COMMANDS}")


@pytest.fixture
async def reply_topic(bootstrap: str) -> str:
    """The upstream system's own, existing reply topic (outside the fleet's names)."""
    name = f"partner-replies-{uuid.uuid4().hex[:10]}"
    await create_topic(bootstrap, name)
    return name


# --- 1. order through the reroute -----------------------------------------------------------


async def test_create_then_approve_and_a_burst_of_edits_apply_in_order(
    http: aiohttp.ClientSession,
    worker: Worker,
    upstream: Upstream,
    bootstrap: str,
    reply_topic: str,
) -> None:
    tenant = upstream_tenant("up-order")
    create = command("interview.create", tenant, UPSTREAM_CREATE)
    interview_id = create["interviewId"]
    assert_misplaced(tenant, await upstream.send(message(create, tenant)))
    pending = await wait_for_interview(
        http, worker, tenant, interview_id, in_state("pending"), "upstream create -> pending"
    )
    assert pending["candidateName"] == UPSTREAM_CREATE["candidateName"]
    assert pending["candidateEmail"] == UPSTREAM_CREATE["candidateEmail"]
    approve = command("interview.update", tenant, {"status": "approved"}, interview_id=interview_id)
    assert_misplaced(tenant, await upstream.send(message(approve, tenant)))
    approved = await wait_for_interview(
        http, worker, tenant, interview_id, in_state("approved"), "update status -> approved"
    )
    assert approved["status"] == "approved"

    # A burst: each create immediately followed by an edit of the same interview, all
    # produced back to back on the wrong partition; the reroute must keep their order.
    burst: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for n in range(20):
        made = command(
            "interview.create", tenant, {**UPSTREAM_CREATE, "position": f"Backend Engineer {n}"}
        )
        edit = command(
            "interview.update",
            tenant,
            {"position": f"Platform Engineer {n}"},
            interview_id=made["interviewId"],
        )
        burst.append((made, edit))
    sent = [
        message(c, tenant, replyTo=reply_topic, correlationId=c["commandId"])
        for pair in burst
        for c in pair
    ]
    assert_misplaced(tenant, await upstream.send(*sent))

    async with TopicReader(bootstrap, reply_topic) as replies:
        problems = []
        for made, edit in burst:
            for cmd, result in ((made, "created"), (edit, "updated")):
                reply = await replies.wait_for(
                    correlated(cmd["commandId"]), f"outcome of {cmd['type']} {cmd['commandId']}"
                )
                outcome = reply.json()
                if not outcome.get("ok") or outcome.get("result") != result:
                    problems.append(f"{cmd['type']} {cmd['payload']}: {outcome}")
                elif outcome.get("replayed"):
                    problems.append(f"{cmd['type']} answered as a replay: {outcome}")
        assert not problems, "burst commands not applied:\n" + "\n".join(problems)

    for n, (made, _edit) in enumerate(burst):

        def updated(r: dict[str, Any], n: int = n) -> bool:
            return bool(r["rawPayload"]["position"] == f"Platform Engineer {n}")

        record = await wait_for_interview(
            http,
            worker,
            tenant,
            made["interviewId"],
            updated,
            f"burst interview {n}: the update applied",
        )
        assert record["position"] == f"Platform Engineer {n}", record

    # An edit goes back through validation and planning: the workflow must move on to
    # pending. Wait for all of them together, then check the counts on that settled state.
    deadline = time.monotonic() + 20
    while True:
        states = {
            made["interviewId"]: (await get_interview(http, worker, tenant, made["interviewId"]))[1]
            for made, _ in burst
        }
        stuck = [
            f"{i}: workflowState {r['workflowState']!r}, version {r['version']}"
            for i, r in states.items()
            if r["workflowState"] != "pending"
        ]
        if not stuck or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)

    counted = await assert_counts_match_listing(http, worker, tenant)
    assert (counted["total"], counted["approved"], counted["planned"]) == (21, 1, 20), counted
    assert not stuck, (
        f"{len(stuck)} of 20 interviews created and edited back to back never reached "
        "pending (an edit at workflowState null asks for no new validation, and the verdict "
        "on version 1 is then ignored as stale):\n"
        + "\n".join(stuck)
        + "\n"
        + log_lines(worker, tenant)
    )


# --- 2. replyTo / correlationId -------------------------------------------------------------


async def test_reply_to_gets_exactly_one_outcome_per_command(
    http: aiohttp.ClientSession,
    worker: Worker,
    upstream: Upstream,
    bootstrap: str,
    reply_topic: str,
) -> None:
    tenant = upstream_tenant("up-reply")
    good = command("interview.create", tenant, UPSTREAM_CREATE)
    invalid = command("interview.create", tenant, {**UPSTREAM_CREATE, "level": "wizard"})
    unknown = command("interview.teleport", tenant, {})
    sent = [
        message(c, tenant, replyTo=reply_topic, correlationId=f"corr-{c['commandId']}")
        for c in (good, invalid, unknown)
    ]
    assert_misplaced(tenant, await upstream.send(*sent))

    async with TopicReader(bootstrap, reply_topic) as replies:
        for c in (good, invalid, unknown):
            await replies.wait_for(correlated(f"corr-{c['commandId']}"), f"outcome of {c['type']}")
        await replies.read_for(3.0)  # a second answer would arrive by now
        outcomes = {}
        for c in (good, invalid, unknown):
            answered = replies.matching(correlated(f"corr-{c['commandId']}"))
            assert len(answered) == 1, f"{c['type']}: {len(answered)} outcomes: {answered}"
            assert answered[0].partition == 0
            outcomes[c["commandId"]] = answered[0].json()

    made = outcomes[good["commandId"]]
    assert made["ok"] is True and made["result"] == "created", made
    assert made["record"]["id"] == good["interviewId"]
    assert "candidateName" not in made["record"], "an outcome carries the sealed record"
    refused = outcomes[invalid["commandId"]]
    assert refused["ok"] is False and refused["code"] == "validation_failed", refused
    assert any("level" in e for e in refused["details"]["errors"]), refused
    assert "level" in refused["reason"], refused
    malformed = outcomes[unknown["commandId"]]
    assert malformed["ok"] is False and malformed["code"] == "malformed_command", malformed
    assert "interview.teleport" in malformed["reason"], malformed
    status, _ = await get_interview(http, worker, tenant, invalid["interviewId"])
    assert status == 404


# --- 3. bad commands: dead-lettered, nothing else changes ------------------------------------


@dataclass(frozen=True)
class BadCommand:
    name: str
    message: Outgoing
    reason: str  # a fragment the ``reason`` header must contain
    command_id: str | None  # the ``commandId`` header, when the message has a readable one
    tenant_id: str | None  # the ``tenantId`` header, when the tenant is readable
    interview_id: str | None = None  # an interview the command would have created


def bad_commands(a: str, a_interview: str, b_interview: str) -> list[BadCommand]:
    """One bad upstream command per row, all for tenant ``a`` (or a malformed tenant id);
    every value is unique, so its dead letter is found by value."""
    nonce = uuid.uuid4().hex

    def row(
        name: str,
        body: dict[str, Any] | bytes,
        reason: str,
        *,
        key: str | bytes = a,
        tenant: str | None = a,
    ) -> BadCommand:
        cid = body.get("commandId") if isinstance(body, dict) else None
        readable = cid if isinstance(cid, str) and 0 < len(cid) <= 200 else None
        made = body.get("interviewId") if isinstance(body, dict) else None
        return BadCommand(name, message(body, key), reason, readable, tenant, made)

    def create(**fields: Any) -> dict[str, Any]:
        return command("interview.create", a, {**UPSTREAM_CREATE, **fields})

    def workflow(payload: dict[str, Any]) -> dict[str, Any]:
        return command("interview.workflow", a, payload, interview_id=a_interview)

    rows = [
        row("not JSON", b"{not json " + nonce.encode(), "not JSON"),
        row("a JSON array", orjson.dumps([nonce, 1]), "not a JSON object"),
        row(
            "missing commandId",
            {k: v for k, v in create().items() if k != "commandId"},
            "commandId",
        ),
        row("unknown type", command("interview.fly", a), "not a public command type"),
        row(
            "internal type on the public topic",
            command(
                "interview.plan_generated",
                a,
                {"plan": {}, "runId": "r", "basedOnVersion": 1},
                interview_id=a_interview,
            ),
            "not a public command type",
        ),
        row(
            "tenantId not the key",
            command("interview.create", f"other-{nonce[:8]}", UPSTREAM_CREATE),
            "key must be the tenant id",
            tenant=None,  # which of key and tenantId to name is the service's choice
        ),
    ]
    for label, bad in (
        ("colon", f"bad:{nonce[:6]}"),
        ("space", f"bad {nonce[:6]}"),
        ("NUL", f"bad\x00{nonce[:6]}"),
        ("non-ASCII", f"tenänt-{nonce[:6]}"),
    ):
        rows.append(
            row(
                f"tenantId with {label}",
                command("interview.create", bad, UPSTREAM_CREATE),
                "tenantId must be",
                key=bad,
                tenant=None,
            )
        )
    rows += [
        row(
            "interviewId not a UUID",
            {**create(), "interviewId": f"interview-{nonce}"},
            "interviewId must be a UUID",
        ),
        row("payload not an object", {**create(), "payload": ["position"]}, "payload must be"),
        row("position: 42", create(position=42), "position must be a string"),
        row("skills: 'Python'", create(skills="Python"), "skills must be a list"),
        row(
            "jobDescription of 900,000 characters",
            create(jobDescription="x" * 900_000),
            "jobDescription must be at most 20000 characters",
        ),
        row("level: wizard", create(level="wizard"), "level must be one of"),
        row("duration: 5", create(duration=5), "duration must be between 10 and 180"),
        row(
            "callbackUrl on loopback",
            create(callbackUrl="https://127.0.0.1/x"),
            "callbackUrl must not point at a loopback",
        ),
        row(
            "callbackUrl on cloud metadata",
            create(callbackUrl="http://169.254.169.254/latest"),
            "callbackUrl must",
        ),
        row("workflow without action", workflow({}), "action must be one of"),
        row(
            "workflow action plan_generated",
            workflow({"action": "plan_generated"}),
            "action must be one of",
        ),
        row(
            "session answer of white space only",
            command(
                "interview.session_answer",
                a,
                {"sessionId": str(uuid.uuid4()), "questionIndex": 0, "text": " \n\t "},
            ),
            "text must not be empty",
        ),
        row(
            "update of an interview that does not exist",
            command("interview.update", a, {"position": "Ghost"}),
            "not_found",
        ),
        row(
            "update of another tenant's interview",
            command("interview.update", a, {"position": "Hijacked"}, interview_id=b_interview),
            "not_found",
        ),
        row(
            "candidateEmail not an email",
            create(candidateEmail="not-an-email"),
            "candidateEmail must be an email",
        ),
    ]
    return rows


def header_problems(row: BadCommand, dead: Received, commands_topic: str) -> list[str]:
    """What is wrong with ``dead``, the dead letter of ``row``."""
    h = dead.headers
    problems = []
    if row.reason not in h.get("reason", ""):
        problems.append(f"reason {h.get('reason')!r} does not name {row.reason!r}")
    if h.get("source.topic") != commands_topic:
        problems.append(f"source.topic {h.get('source.topic')!r}")
    for name in ("source.partition", "source.offset"):
        if not h.get(name, "").isdigit():
            problems.append(f"{name} {h.get(name)!r}")
    try:
        datetime.fromisoformat(h.get("deadLetteredAt", "").replace("Z", "+00:00"))
    except ValueError:
        problems.append(f"deadLetteredAt {h.get('deadLetteredAt')!r}")
    if row.command_id is not None and h.get("commandId") != row.command_id:
        problems.append(f"commandId header {h.get('commandId')!r}, sent {row.command_id!r}")
    if row.tenant_id is not None and h.get("tenantId") != row.tenant_id:
        problems.append(f"tenantId header {h.get('tenantId')!r}, sent {row.tenant_id!r}")
    if dead.value != row.message.value:
        problems.append("the dead letter's value is not the original value")
    return problems


async def test_bad_commands_are_dead_lettered_and_change_nothing(
    http: aiohttp.ClientSession,
    worker: Worker,
    upstream: Upstream,
    bootstrap: str,
) -> None:
    prefix = worker.env["HIRESTREAM_TOPIC_PREFIX"]
    a, b = upstream_tenant("up-bad-a"), upstream_tenant("up-bad-b")
    made: dict[str, str] = {}
    for tenant in (a, b):
        async with http.post(
            f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)
        ) as r:
            assert r.status == 201, await r.text()
            made[tenant] = (await r.json())["id"]
        await wait_for_interview(http, worker, tenant, made[tenant], in_state("pending"), tenant)
    before_a = await snapshot(http, worker, a)
    _, before_b = await get_interview(http, worker, b, made[b])

    rows = bad_commands(a, made[a], made[b])
    delivered = await upstream.send(*(r.message for r in rows))
    keyed_a = [d for d, r in zip(delivered, rows, strict=True) if r.message.key == a.encode()]
    assert_misplaced(a, keyed_a)

    problems: dict[str, list[str]] = {}
    deadline = time.monotonic() + 90
    async with TopicReader(bootstrap, f"{prefix}{DEAD_LETTERS}") as dead_letters:
        for row in rows:

            def of_row(m: Received, row: BadCommand = row) -> bool:
                by_id = row.command_id is not None and m.headers.get("commandId") == row.command_id
                return m.value == row.message.value or by_id

            try:
                dead = await dead_letters.wait_for(
                    of_row, row.name, seconds=max(1.0, deadline - time.monotonic())
                )
            except AssertionError as missing:
                problems[row.name] = [f"not dead-lettered ({missing})"]
                continue
            found = header_problems(row, dead, f"{prefix}{COMMANDS}")
            if found:
                problems[row.name] = [*found, f"headers: {dead.headers}"]

    assert worker.process is not None and worker.process.poll() is None, worker.log_tail()
    # Nothing else changed: A's counts and list, A's and B's interviews, no new interview.
    assert await snapshot(http, worker, a) == before_a
    _, after_b = await get_interview(http, worker, b, made[b])
    assert (after_b["position"], after_b["workflowState"]) == (
        before_b["position"],
        before_b["workflowState"],
    ), after_b
    for row in rows:
        if row.interview_id and row.interview_id not in made.values():
            status, _ = await get_interview(http, worker, a, row.interview_id)
            assert status == 404, f"{row.name}: interview {row.interview_id} exists"
    async with http.post(f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(a)) as r:
        assert r.status == 201, await r.text()
    assert not problems, "dead letters not as the contract says:\n" + "\n".join(
        f"- {name}: {'; '.join(p)}" for name, p in problems.items()
    )


# --- 4. personal data sealed ----------------------------------------------------------------


async def assert_on_no_fleet_topic(bootstrap: str, worker: Worker, *needles: str) -> None:
    """None of ``needles`` in any key or value of any topic of this worker's fleet, except the
    public command topic and its dead letters, where the upstream's own plain copy lives."""
    prefix, app_id = worker.env["HIRESTREAM_TOPIC_PREFIX"], worker.env["HIRESTREAM_APP_ID"]
    skipped = {f"{prefix}{COMMANDS}", f"{prefix}{DEAD_LETTERS}"}
    ours = [t for t in await list_topics(bootstrap) if t.startswith((prefix, app_id))]
    scanned = [t for t in ours if t not in skipped]
    assert f"{prefix}interview.created" in scanned and f"{prefix}{COMMANDS}.internal" in scanned
    assert any(t.endswith("-changelog") for t in scanned), scanned
    for topic in scanned:
        for key, value in await read_all(bootstrap, topic):
            for needle in needles:
                assert needle.encode() not in key + value, f"{needle!r} in plain on {topic}"


async def test_plain_personal_fields_are_sealed_before_any_table_or_event(
    http: aiohttp.ClientSession, worker: Worker, upstream: Upstream, bootstrap: str
) -> None:
    tenant = upstream_tenant("up-seal")
    name = f"Quilla Farthingale {uuid.uuid4().hex[:8]}"
    email = f"quilla.{uuid.uuid4().hex[:8]}@example.org"
    resume = f"Résumé of {name}: ten years of distributed systems."
    create = command(
        "interview.create",
        tenant,
        {
            **UPSTREAM_CREATE,
            "candidateName": name,
            "candidateEmail": email,
            "candidateResume": resume,
        },
    )
    assert_misplaced(tenant, await upstream.send(message(create, tenant)))
    record = await wait_for_interview(
        http,
        worker,
        tenant,
        create["interviewId"],
        in_state("pending", "info_needed"),
        "sealed create planned",
    )
    assert (record["candidateName"], record["candidateEmail"]) == (name, email)
    await assert_on_no_fleet_topic(bootstrap, worker, name, email)


# --- 5. events ------------------------------------------------------------------------------


async def events_of(bootstrap: str, worker: Worker, interview_id: str) -> list[Received]:
    """Every event about ``interview_id`` on every event topic of the fleet."""
    prefix = worker.env["HIRESTREAM_TOPIC_PREFIX"]
    found: list[Received] = []
    for topic in sorted(await list_topics(bootstrap)):
        if topic.startswith(f"{prefix}interview."):
            async with TopicReader(bootstrap, topic) as reader:
                for m in await reader.read_to_end():
                    if m.json().get("interviewId") == interview_id:
                        found.append(m)
    return found


async def test_events_of_an_upstream_interview_are_numbered_without_gaps(
    http: aiohttp.ClientSession, worker: Worker, upstream: Upstream, bootstrap: str
) -> None:
    tenant = upstream_tenant("up-events")
    create = command("interview.create", tenant, UPSTREAM_CREATE)
    interview_id = create["interviewId"]
    assert_misplaced(tenant, await upstream.send(message(create, tenant)))
    await wait_for_interview(http, worker, tenant, interview_id, in_state("pending"), "pending")
    approve = command(
        "interview.workflow", tenant, {"action": "approve"}, interview_id=interview_id
    )
    assert_misplaced(tenant, await upstream.send(message(approve, tenant)))
    await wait_for_interview(http, worker, tenant, interview_id, in_state("approved"), "approved")

    deadline = time.monotonic() + 20
    while True:
        found = await events_of(bootstrap, worker, interview_id)
        if any(m.json()["type"] == "interview.approved" for m in found):
            break
        assert time.monotonic() < deadline, f"no interview.approved event: {found}"
        await asyncio.sleep(0.5)

    by_sequence: dict[int, dict[str, Any]] = {}
    for m in found:
        event = m.json()
        assert m.key == tenant.encode(), m
        assert m.topic.endswith(event["type"]), (m.topic, event["type"])
        assert (
            event["tenantId"] == tenant
            and event["eventId"] == f"{interview_id}:{event['sequence']}"
        )
        # The same event published again (a redelivered command) is tolerated: consumers
        # deduplicate on eventId. Two different events with one sequence are not.
        earlier = by_sequence.setdefault(event["sequence"], event)
        assert earlier == event, f"two events with sequence {event['sequence']}: {earlier} {event}"
        record = event["record"]
        assert not {"applied", "offsets"} & set(record), f"bookkeeping in {event['type']}"
        assert not set(PERSONAL) & set(record), f"plain personal field in {event['type']}"
        assert {"candidateName", "candidateEmail"} <= set(record["sealed"]), event["type"]
    sequences = sorted(by_sequence)
    assert sequences == list(range(1, len(sequences) + 1)), f"gaps: {sequences}"
    assert by_sequence[1]["type"] == "interview.created"
    # In production order (message timestamps) and in occurredAt, sequence only grows.
    first_seen: dict[int, int] = {}
    for m in sorted(found, key=lambda m: (m.timestamp, m.json()["sequence"])):
        first_seen.setdefault(m.json()["sequence"], m.timestamp)
    ordered = [by_sequence[s] for s in sequences]
    assert [first_seen[s] for s in sequences] == sorted(first_seen[s] for s in sequences)
    assert [e["occurredAt"] for e in ordered] == sorted(e["occurredAt"] for e in ordered)
    assert [e["version"] for e in ordered] == sorted(e["version"] for e in ordered)


# --- 6. poison, then SIGKILL ----------------------------------------------------------------


@pytest.mark.e2e
async def test_poison_commands_then_sigkill_the_worker_recovers_and_serves(
    stack_env: dict[str, str], run_dir: Path, bootstrap: str
) -> None:
    app_id = f"hs-uppoison-{uuid.uuid4().hex[:8]}"
    worker = start_worker(stack_env, run_dir, app_id, "w1")
    try:
        await worker.wait_ready()
        prefix = worker.env["HIRESTREAM_TOPIC_PREFIX"]
        producer = Upstream(bootstrap, f"{prefix}{COMMANDS}")
        tenant = upstream_tenant("up-poison")
        huge = message(
            command(
                "interview.create", tenant, {**UPSTREAM_CREATE, "jobDescription": "x" * 900_000}
            ),
            tenant,
        )
        broken = message(b'{"commandId": "broken-' + uuid.uuid4().hex.encode(), tenant)
        good = command("interview.create", tenant, UPSTREAM_CREATE)
        assert_misplaced(tenant, await producer.send(huge, broken, message(good, tenant)))
        # SIGKILL right after: as soon as the worker has started moving the poison (or after
        # 2 s at most), so the restarted worker meets it again, uncommitted.
        deadline = time.monotonic() + 2
        while "event=command.rerouted" not in worker.log_tail(200):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.01)
        worker.kill()
        worker.start()
        await worker.wait_ready()

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            await wait_for_interview(
                http, worker, tenant, good["interviewId"], lambda _: True, "good create", 40
            )
            async with TopicReader(bootstrap, f"{prefix}{DEAD_LETTERS}") as dead_letters:
                # At least once: a poison command decided before the kill and again after the
                # restart is dead-lettered twice. Duplicate dead letters are acceptable.
                for poison, what in ((huge, "900 KB create"), (broken, "malformed command")):
                    await dead_letters.wait_for(value_is(poison.value), what, seconds=40)
            listed = await listing(http, worker, tenant)
            assert listed["total"] == 1, listed
            assert [i["id"] for i in listed["data"]] == [good["interviewId"]]
            assert (await counts(http, worker, tenant))["total"] == 1

            again = command("interview.create", tenant, UPSTREAM_CREATE)
            await producer.send(message(again, tenant))
            await wait_for_interview(
                http, worker, tenant, again["interviewId"], lambda _: True, "create after restart"
            )
            async with http.post(
                f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)
            ) as r:
                assert r.status == 201, await r.text()
            assert (await counts(http, worker, tenant))["total"] == 3
        assert worker.process is not None and worker.process.poll() is None
    finally:
        worker.stop()

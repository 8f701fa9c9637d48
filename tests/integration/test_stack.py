"""The local stack answers for real: Kafka (metadata, produce/consume), PostgreSQL, SMTP.

These tests start whatever is missing through ``ensure_stack`` (or use the services configured
by ``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``, ``SMTP_HOST``/``SMTP_PORT``). A service that
cannot be started or reached fails them; nothing here skips.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from hirestream.stack import SmtpSink, StackEnv, ensure_stack_async, read_maildir, stack_status
from hirestream.stack.base import free_port, pid_alive

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def stack() -> StackEnv:
    return await ensure_stack_async()


def _message(subject: str, to: str = "candidate@example.test") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "interviews@hirestream.local"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Your interview is scheduled.\n")
    return message


async def test_kafka_answers_metadata(stack: StackEnv) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap_servers)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        topics = await admin.list_topics()
    finally:
        await admin.close()
    assert cluster["brokers"], cluster
    assert cluster["controller_id"] >= 0
    assert isinstance(topics, list)


async def test_kafka_produce_consume_round_trip(stack: StackEnv) -> None:
    topic = f"test-stack-{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        [described] = await admin.describe_topics([topic])
        assert len(described["partitions"]) == 3

        producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap_servers, acks="all")
        await producer.start()
        try:
            sent = {f"tenant-{i}".encode(): f"value-{i}".encode() for i in range(6)}
            for key, value in sent.items():
                await producer.send_and_wait(topic, value, key=key)
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=stack.bootstrap_servers,
            group_id=f"{topic}-group",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        received: dict[bytes, bytes] = {}
        try:
            deadline = time.monotonic() + 30
            while len(received) < len(sent) and time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=1000)
                for records in batches.values():
                    received.update((record.key, record.value) for record in records)
            await consumer.commit()
        finally:
            await consumer.stop()
        assert received == sent
    finally:
        await admin.delete_topics([topic])
        await admin.close()


async def test_postgres_answers(stack: StackEnv) -> None:
    connection = await asyncpg.connect(stack.database_url, timeout=10)
    try:
        assert await connection.fetchval("SELECT 1") == 1
        assert connection.get_server_version().major >= 15
        await connection.execute("CREATE TEMPORARY TABLE stack_probe (id int, name text)")
        await connection.execute("INSERT INTO stack_probe VALUES ($1, $2)", 1, "grüße")
        assert await connection.fetchval("SELECT name FROM stack_probe WHERE id = 1") == "grüße"
    finally:
        await connection.close()


async def test_in_process_smtp_sink_receives_a_message() -> None:
    subject = f"Interview invitation {uuid.uuid4().hex[:8]}"
    with SmtpSink() as sink:
        errors, _ = await aiosmtplib.send(
            _message(subject),
            hostname=sink.host,
            port=sink.port,
            recipients=["candidate@example.test", "hidden@example.test"],
        )
        assert errors == {}
        [received] = await sink.wait_for(1)
    assert received.subject == subject
    assert received.mail_from == "interviews@hirestream.local"
    assert received.rcpt_tos == ("candidate@example.test", "hidden@example.test")
    assert received.body_text() == "Your interview is scheduled.\n"


async def test_stack_smtp_sink_receives_a_message(stack: StackEnv) -> None:
    subject = f"Interview reminder {uuid.uuid4().hex[:8]}"
    errors, _ = await aiosmtplib.send(
        _message(subject, to="someone@example.test"),
        hostname=stack.smtp_host,
        port=stack.smtp_port,
    )
    assert errors == {}
    if os.environ.get("SMTP_HOST"):
        return  # a server configured from outside: delivery accepted is all we can see
    deadline = time.monotonic() + 10
    while True:
        found = [m for m in read_maildir() if m.subject == subject]
        if found or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert len(found) == 1
    assert found[0].rcpt_tos == ("someone@example.test",)
    assert found[0].path is not None and found[0].path.suffix == ".eml"


async def test_ensure_stack_reuses_running_services(stack: StackEnv) -> None:
    before = {status.name: status.pid for status in stack_status()}
    again = await ensure_stack_async()
    after = {status.name: status.pid for status in stack_status()}
    assert again == stack
    assert after == before


# --- `make run` (scripts/run.sh) stops only what it started -----------------------------------
#
# A separate stack under tmp_path, so the shared one (in use by other tests) is never touched:
# Kafka and PostgreSQL are "configured" at addresses of our own (nothing is started for them), so
# only an SMTP sink of our own on a free port is started and stopped. The worker never gets past
# provisioning: with a broker that accepts connections and never answers it waits (until the
# signal comes); with nothing listening it fails at once.

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def silent_broker() -> Iterator[int]:
    """A port that accepts TCP connections (kernel backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def _own_stack_env(tmp_path: Path, kafka_port: int) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SMTP_HOST", "SMTP_PORT"} and not name.startswith("HIRESTREAM_")
    }
    env.update(
        HIRESTREAM_STACK_DIR=str(tmp_path / "stack"),
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{kafka_port}",
        DATABASE_URL=f"postgresql://nobody:nothing@127.0.0.1:{free_port()}/none",
        HIRESTREAM_SMTP_PORT=str(free_port()),
        HIRESTREAM_JWT_SECRET="run-sh-test-secret-0123456789-0123456789",
        HIRESTREAM_DATA_DIR=str(tmp_path / "worker"),
        HIRESTREAM_WORKER_NAME="run-sh-test",
        HIRESTREAM_PORT=str(free_port()),
        HIRESTREAM_APP_ID=f"run-sh-{uuid.uuid4().hex[:8]}",
    )
    return env


def _stack(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "hirestream.stack", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _sink_pid(env: dict[str, str]) -> int | None:
    for line in _stack(env, "status").splitlines():
        if "service=smtp" in line and "state=running" in line:
            return int(line.split(" pid=")[1].split()[0])
    return None


class RunScript:
    """``bash scripts/run.sh`` in its own session, its stderr in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                ["bash", "scripts/run.sh"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=out,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, needle: str, time_limit: float = 60.0) -> None:
        deadline = time.monotonic() + time_limit
        while needle not in self.text():
            assert self.process.poll() is None, f"run.sh exited early:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {needle!r} from run.sh:\n{self.text()}"
            time.sleep(0.1)

    def wait(self, time_limit: float = 60.0) -> int:
        return self.process.wait(time_limit)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def cleanup_env() -> Iterator[list[dict[str, str]]]:
    """Environments whose (temporary) stack is stopped after the test."""
    envs: list[dict[str, str]] = []
    yield envs
    for env in envs:
        _stack(env, "down")


@pytest.mark.parametrize(
    ("sink_ran_before", "signum"), [(False, signal.SIGINT), (True, signal.SIGTERM)]
)
def test_run_sh_interrupted_stops_only_what_it_started(
    tmp_path: Path,
    silent_broker: int,
    cleanup_env: list[dict[str, str]],
    sink_ran_before: bool,
    signum: int,
) -> None:
    env = _own_stack_env(tmp_path, silent_broker)
    cleanup_env.append(env)
    before = None
    if sink_ran_before:
        _stack(env, "up")
        before = _sink_pid(env)
        assert before is not None
    run = RunScript(env, tmp_path / "run.log")
    try:
        run.wait_for("hirestream: serving")
        sink = _sink_pid(env)
        assert sink is not None
        time.sleep(1.0)  # the worker is waiting for the silent broker
        os.kill(run.process.pid, signum)
        run.wait()
    finally:
        run.kill()
    log = run.text()
    if sink_ran_before:
        assert "started=nothing" in log, log
        assert "event=stack.down stopped=nothing" in log, log
        assert sink == before and _sink_pid(env) == before
    else:
        assert "started=smtp" in log, log
        assert "event=stack.down stopped=smtp" in log, log
        assert _sink_pid(env) is None and not pid_alive(sink)
    assert "make stop" not in log


def test_run_sh_worker_failure_leaves_the_stack_running(
    tmp_path: Path, cleanup_env: list[dict[str, str]]
) -> None:
    env = _own_stack_env(tmp_path, free_port())  # no broker: the worker fails at once
    cleanup_env.append(env)
    run = RunScript(env, tmp_path / "run.log")
    try:
        status = run.wait()
    finally:
        run.kill()
    log = run.text()
    assert status == 1, log  # the worker's own exit status
    assert "started=smtp" in log, log
    assert "event=stack.down" not in log, log
    assert "the worker exited with status 1" in log and "`make stop`" in log, log
    assert _sink_pid(env) is not None

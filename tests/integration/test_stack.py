"""The local stack answers for real: Kafka (metadata, produce/consume), PostgreSQL, SMTP.

These tests start whatever is missing through ``ensure_stack`` (or use the services configured
by ``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``, ``SMTP_HOST``/``SMTP_PORT``). A service that
cannot be started or reached fails them; nothing here skips.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from email.message import EmailMessage

import aiosmtplib
import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from hirestream.stack import SmtpSink, StackEnv, ensure_stack_async, read_maildir, stack_status

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

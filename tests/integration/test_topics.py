"""What reaches Kafka: events on their topics, no personal data in plain text anywhere, and
malformed upstream commands dead-lettered without stopping the agent."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tests.conftest import SEED_CREATE, auth
from tests.support.workers import Worker

pytestmark = pytest.mark.integration


async def read_all(bootstrap: str, topic: str) -> list[tuple[bytes, bytes]]:
    """Every (key, value) on a topic, from the beginning to the current end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: list[tuple[bytes, bytes]] = []
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            batch = await consumer.getmany(timeout_ms=1000)
            for messages in batch.values():
                found.extend((m.key or b"", m.value or b"") for m in messages)
        return found
    finally:
        await consumer.stop()


async def list_topics(bootstrap: str) -> set[str]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return set(await consumer.topics())
    finally:
        await consumer.stop()


async def assert_on_no_topic(bootstrap: str, worker: Worker, *needles: str) -> None:
    """None of ``needles`` appears in any value of any topic of this worker's fleet."""
    prefixes = (worker.env["HIRESTREAM_TOPIC_PREFIX"], worker.env["HIRESTREAM_APP_ID"])
    ours = [t for t in await list_topics(bootstrap) if t.startswith(prefixes)]
    assert len(ours) >= 8
    for topic in ours:
        for _key, value in await read_all(bootstrap, topic):
            for needle in needles:
                assert needle.encode() not in value, topic


async def test_events_are_published_and_personal_data_is_sealed_everywhere(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    secret_name = f"Zelda Quartermaine {uuid.uuid4().hex[:6]}"
    secret_email = f"zelda.{uuid.uuid4().hex[:6]}@example.org"
    body = {
        **SEED_CREATE,
        "candidateName": secret_name,
        "candidateEmail": secret_email,
        "candidateResume": f"{secret_name} — résumé text",
    }
    async with http.post(f"{worker.api}/interviews", json=body, headers=auth(tenant)) as r:
        assert r.status == 201
        made = await r.json()
    async with http.put(
        f"{worker.api}/interviews/{made['id']}",
        headers=auth(tenant),
        json={"position": "Staff Engineer"},
    ) as r:
        assert r.status == 200
    bootstrap = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    prefix = worker.env["HIRESTREAM_TOPIC_PREFIX"]
    created = [
        orjson.loads(v)
        for k, v in await read_all(bootstrap, f"{prefix}interview.created")
        if k == tenant.encode()
    ]
    updated = [
        orjson.loads(v)
        for k, v in await read_all(bootstrap, f"{prefix}interview.updated")
        if k == tenant.encode()
    ]
    assert [e["eventId"] for e in created] == [f"{made['id']}:1"]
    assert [e["type"] for e in updated] == ["interview.updated"]
    assert created[0]["record"]["position"] == "Senior Engineer"
    # events carry the public record: no bookkeeping, personal fields only sealed
    for event in created + updated:
        assert not {"applied", "offsets", "offset", "sequence"} & set(event["record"])
        assert set(event["record"]["sealed"]) >= {"candidateName", "candidateEmail"}
        assert "candidateName" not in event["record"]
    assert created[0]["sequence"] == 1 and updated[0]["sequence"] > 1
    await assert_on_no_topic(bootstrap, worker, secret_name, secret_email)


async def test_malformed_upstream_commands_are_dead_lettered_and_the_agent_goes_on(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    bootstrap = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    prefix = worker.env["HIRESTREAM_TOPIC_PREFIX"]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    malformed = [
        b"not json",
        b"[1,2]",
        orjson.dumps({"type": "interview.create"}),
        orjson.dumps(
            {
                "commandId": "c",
                "type": "interview.fly",
                "tenantId": tenant,
                "interviewId": "i",
                "issuedAt": "x",
            }
        ),
    ]
    try:
        for value in malformed:
            await producer.send_and_wait(f"{prefix}interview-commands", value, key=tenant.encode())
    finally:
        await producer.stop()
    async with http.post(f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)) as r:
        assert r.status == 201  # the agent is still answering
    for _ in range(20):
        dead = [
            v
            for k, v in await read_all(bootstrap, f"{prefix}interview-commands.dead-letter")
            if k == tenant.encode()
        ]
        if len(dead) == 4:
            break
        await asyncio.sleep(0.5)
    assert sorted(dead) == sorted(malformed)

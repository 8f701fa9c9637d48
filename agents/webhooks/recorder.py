"""The webhook recorder: reads the lifecycle events and records their deliveries in the outbox
(docs/api.md §7). It sends nothing itself: the scheduler (``scheduler.py``) does.

It reads every event topic in its own consumer group (``<app id>-webhooks``), a plain aiokafka
group like the assessor's, so it keeps no table and another group on the same topics is not
affected. For each batch it plans the deliveries of the delivered events (``payload.fan_out``:
the interview's ``callbackUrl`` and the tenant's matching endpoints) and notes every event's
sequence per interview - of every type, so the scheduler knows when all the events before a
delivery's have been read (``rules.advance``) - in one transaction, which announces them to
every worker's scheduler (``NOTIFY``), then commits the offsets.

Its fetches gather events: the broker answers once 1 MiB is waiting or after
``HIRESTREAM_WEBHOOKS_FETCH_WAIT_MS`` (200 ms). Every fetch round names every partition of every
event topic (264 with 12 partitions), and aiokafka builds and reads each one in Python: one round
per command cost a worker about a fifth of its CPU per create. A delivery waits at most that
much longer.
At least once: a batch read again after a crash plans the same ``webhook-id``s, and the outbox
keeps the first row of each.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from mode import Service

from hirestream.agents.webhooks.payload import EVENTS, Planned, fan_out
from hirestream.agents.webhooks.rules import advance
from hirestream.groups import group_consumer
from hirestream.store import webhooks as store
from hirestream.store.db import migrate, open_pool
from hirestream.topics import codec

log = logging.getLogger(__name__)

#: Records read per batch at most (one transaction each).
BATCH = 500
#: The broker answers the recorder's fetch once this much is waiting (or the wait is over).
FETCH_MIN_BYTES = 1024 * 1024


def plan_batch(
    events: Sequence[Mapping[str, Any]],
    routes: Mapping[str, Sequence[store.Route]],
    with_callback_secret: set[str],
) -> tuple[list[Planned], dict[tuple[str, str], list[int]]]:
    """The deliveries of a batch of events, and the sequences read per (tenant, interview)."""
    planned: list[Planned] = []
    seen: dict[tuple[str, str], list[int]] = {}
    for event in events:
        tenant = event["tenantId"]
        seen.setdefault((tenant, event["interviewId"]), []).append(int(event["sequence"]))
        planned += fan_out(event, routes.get(tenant, ()), tenant in with_callback_secret)
    return planned, seen


def readable(value: bytes | None) -> dict[str, Any] | None:
    """The event in a message, or None (with a warning) when it is not one."""
    try:
        event = codec.loads(value or b"")
        if not isinstance(event, dict):
            raise codec.MalformedMessage("not a JSON object")
        for name in ("tenantId", "interviewId", "eventId", "type"):
            if not isinstance(event.get(name), str):
                raise codec.MalformedMessage(f"{name} missing")
        sequence = event.get("sequence")
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
            raise codec.MalformedMessage("sequence missing")
        if event["type"] in EVENTS and not isinstance(event.get("record"), dict):
            raise codec.MalformedMessage("record missing")
    except codec.MalformedMessage as exc:
        log.warning("event=webhooks.skipped reason=%s", exc)
        return None
    return event


def read_upto(
    batches: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]],
) -> dict[TopicPartition, int]:
    """The offsets to commit after a batch: past the last message read of each partition."""
    return {tp: messages[-1].offset + 1 for tp, messages in batches.items() if messages}


class WebhookRecorder(Service):
    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        topics: tuple[str, ...],
        fleet: str,
        dsn: str,
        kafka_options: Mapping[str, Any] | None = None,
        fetch_wait_ms: int = 200,
        **kwargs: Any,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._group_id = group_id
        self._topics = topics
        self._fleet = fleet
        self._dsn = dsn
        self._kafka_options = {
            **(kafka_options or {}),
            "fetch_max_wait_ms": fetch_wait_ms,
            "fetch_min_bytes": FETCH_MIN_BYTES,
        }
        self._consumer: AIOKafkaConsumer | None = None
        self._pool: asyncpg.Pool | None = None
        self.recorded = 0
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        self._pool = await open_pool(self._dsn, min_size=1, max_size=2)
        await migrate(self._pool)
        self._consumer = group_consumer(
            self._bootstrap, self._topics, self._group_id, self._kafka_options
        )
        await self._consumer.start()
        self.add_future(self._run())

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._pool is not None:
            await self._pool.close()

    async def _run(self) -> None:
        assert self._consumer is not None
        while not self.should_stop:
            batches = await self._consumer.getmany(timeout_ms=1000, max_records=BATCH)
            messages = [m for batch in batches.values() for m in batch]
            if not messages:
                continue
            events = [e for e in (readable(m.value) for m in messages) if e is not None]
            while True:  # the offsets move on only once the batch is recorded
                try:
                    await self.handle(events)
                    break
                except Exception:
                    log.exception("event=webhooks.record_failed events=%s", len(events))
                    await self.sleep(1.0)
                    if self.should_stop:
                        return
            try:
                # Only the partitions read: a plain commit() sends the position of every
                # assigned partition (every event topic's), each time.
                await self._consumer.commit(read_upto(batches))
            except KafkaError as exc:  # a rebalance moved the partitions: their new owner
                # reads the batch again, and the outbox keeps each webhook-id once
                log.warning("event=webhooks.commit_failed reason=%s", exc)

    async def handle(self, events: Sequence[Mapping[str, Any]]) -> int:
        """Record the deliveries of ``events``; how many were planned."""
        assert self._pool is not None
        tenants = {e["tenantId"] for e in events if e["type"] in EVENTS}
        routes, with_secret = await store.routes(self._pool, tenants) if tenants else ({}, set())
        planned, seen = plan_batch(events, routes, with_secret)
        await store.record(self._pool, self._fleet, planned, seen, advance, datetime.now(UTC))
        self.recorded += len(planned)
        if planned:
            log.info("event=webhooks.recorded deliveries=%s events=%s", len(planned), len(events))
        return len(planned)

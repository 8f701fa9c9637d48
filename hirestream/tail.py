"""Reading a topic from its end, without a consumer group: every worker sees every message
that arrives after it started (its replies, every completion). The base of ``ReplyWaiter``
and ``CompletionWatcher``."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from mode import Service


class TailConsumer(Service):
    """``kafka_options``: the connection's TLS/SASL keyword arguments
    (:func:`hirestream.kafka_security.aiokafka_options`); none for a PLAINTEXT broker."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        *,
        kafka_options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.topic = topic
        self._bootstrap = bootstrap_servers
        self._kafka_options = dict(kafka_options or {})
        self._consumer: AIOKafkaConsumer | None = None
        self.positioned = asyncio.Event()
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            group_id=None,
            **self._kafka_options,
        )
        await self._consumer.start()
        partitions = self._consumer.partitions_for_topic(self.topic)
        if not partitions:
            await self._consumer._client.force_metadata_update()
            partitions = self._consumer.partitions_for_topic(self.topic) or {0}
        assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_end(*assigned)
        for partition in assigned:
            await self._consumer.position(partition)
        self.positioned.set()
        self.add_future(self._drain())

    async def _drain(self) -> None:
        assert self._consumer is not None
        async for message in self._consumer:
            self.on_message(message)

    def on_message(self, message: ConsumerRecord[bytes, bytes]) -> None:
        raise NotImplementedError

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

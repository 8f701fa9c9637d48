"""Replies to this worker's commands: one reply topic per worker (one partition), read by a
plain aiokafka consumer without a group, from its end at start.

The interview agent sends each command's outcome to the topic named in the command's
``replyTo`` header, with the ``correlationId`` header it came with. Every HTTP request waits on
its own correlation id, so a reply sent twice (a command re-processed after a crash) finds the
waiter gone or already answered and is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from mode import Service

log = logging.getLogger(__name__)

REPLY_TO = "replyTo"
CORRELATION_ID = "correlationId"


class ReplyWaiter(Service):
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
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self.positioned = asyncio.Event()
        super().__init__(**kwargs)

    def expect(self, correlation_id: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[correlation_id] = future
        return future

    def forget(self, correlation_id: str) -> None:
        self._waiting.pop(correlation_id, None)

    async def on_start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            group_id=None,
            **self._kafka_options,
        )
        await self._consumer.start()
        partition = TopicPartition(self.topic, 0)
        self._consumer.assign([partition])
        await self._consumer.seek_to_end(partition)
        await self._consumer.position(partition)
        self.positioned.set()
        self.add_future(self._drain())

    async def _drain(self) -> None:
        assert self._consumer is not None
        async for message in self._consumer:
            headers = dict(message.headers or ())
            correlation = headers.get(CORRELATION_ID, b"").decode()
            future = self._waiting.pop(correlation, None)
            if future is None or future.done():
                continue
            try:
                future.set_result(orjson.loads(message.value or b"null"))
            except orjson.JSONDecodeError as exc:
                future.set_exception(exc)

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        for future in self._waiting.values():
            if not future.done():
                future.cancel()

"""Every completion, seen by every worker: a plain aiokafka consumer without a group reads
``interview.completed`` from its end and tells the listeners (the candidate sockets this
worker holds) which interview's session ended, and why."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from mode import Service

from hirestream.topics import codec

log = logging.getLogger(__name__)

Listener = Callable[[str, str], None]  # (interview id, end reason)


class CompletionWatcher(Service):
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
        self.listeners: list[Listener] = []
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
            partitions = self._consumer.partitions_for_topic(self.topic) or set()
        assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_end(*assigned)
        self.add_future(self._drain())

    async def _drain(self) -> None:
        assert self._consumer is not None
        async for message in self._consumer:
            try:
                event = codec.loads(message.value)
                transcript = event.get("transcript") or {}
                reason = str(transcript.get("endedReason") or "completed")
                interview = str(event["interviewId"])
            except (codec.MalformedMessage, KeyError):
                continue
            for listener in self.listeners:
                try:
                    listener(interview, reason)
                except Exception:
                    log.exception("event=completion.listener_failed interview=%s", interview)

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

"""The assessor: scores every completed interview and writes the assessment back through a
command (docs/api.md §6).

It reads ``interview.completed`` and ``interview.assessment_requested`` (a retrigger) in its
own consumer group (``<app id>-assessor``), so it runs beside the workers or as its own process
(``python -m hirestream assessor``), and another group on the same topics sees every completion
too. It is a plain aiokafka consumer group, not a Faust agent: it keeps no table, and a Faust
app has one consumer group. At least once: an event's offset is committed after its result is
on Kafka; the result's command id is derived from the event, and the interview agent keeps one
assessment per completion, so a redelivery changes nothing.

The candidate's answers travel sealed; the assessor opens them with the interview's data key
(a purged interview has none left: its answers count as empty).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from mode import Service

from hirestream.agents.assessor.scorers import Scorer
from hirestream.agents.events import command_id
from hirestream.groups import group_consumer
from hirestream.privacy import SealBroken, answer_field, unseal
from hirestream.store.agent_store import AgentStore
from hirestream.topics import codec
from hirestream.topics.clock import now_iso
from hirestream.topics.records import system_command

log = logging.getLogger(__name__)

TenantSettings = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass
class AssessorStats:
    """What ``/metrics`` of the assessor shows."""

    assessed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: list[float] = field(default_factory=list)


def plain_turns(
    transcript: Mapping[str, Any], open_answer: Callable[[Mapping[str, Any]], str]
) -> list[dict[str, Any]]:
    """The transcript's turns with the candidate's answers opened (``open_answer``). Pure."""
    turns = []
    for turn in transcript.get("turns", []):
        if turn.get("role") == "candidate":
            turns.append({**turn, "text": open_answer(turn)})
        else:
            turns.append(dict(turn))
    return turns


class Assessor(Service):
    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        topics: tuple[str, ...],
        commands_topic: str,
        scorer: Scorer,
        store: AgentStore,
        tenant_settings: TenantSettings,
        kafka_options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._group_id = group_id
        self._topics = topics
        self._commands_topic = commands_topic
        self._scorer = scorer
        self._store = store
        self._tenant_settings = tenant_settings
        self._kafka_options = dict(kafka_options or {})
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self.stats = AssessorStats()
        self.assigned = asyncio.Event()
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap, acks="all", **self._kafka_options
        )
        await self._producer.start()
        self._consumer = group_consumer(
            self._bootstrap, self._topics, self._group_id, self._kafka_options
        )
        await self._consumer.start()
        self.add_future(self._run())

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        async for message in self._consumer:
            self.assigned.set()
            try:
                await self.handle(codec.loads(message.value))
            except codec.MalformedMessage as exc:
                self.stats.skipped += 1
                log.warning(
                    "event=assessor.skipped topic=%s offset=%s reason=%s",
                    message.topic,
                    message.offset,
                    exc,
                )
            except Exception:
                self.stats.failed += 1
                log.exception(
                    "event=assessor.failed topic=%s offset=%s", message.topic, message.offset
                )
            # This message's partition only (a plain commit() sends every assigned one).
            await self._consumer.commit(
                {TopicPartition(message.topic, message.partition): message.offset + 1}
            )

    async def handle(self, event: Mapping[str, Any]) -> None:
        """Score one completion and send the result to the interview agent."""
        tenant, record = event["tenantId"], event["record"]
        transcript = event.get("transcript")
        if not transcript or not record.get("plan"):
            self.stats.skipped += 1
            log.warning("event=assessor.skipped interview=%s reason=no_transcript", record["id"])
            return
        started = asyncio.get_running_loop().time()
        data_key = await (await self._store.data_keys()).get(tenant, record["id"])

        def open_answer(turn: Mapping[str, Any]) -> str:
            sealed = turn.get("sealedText")
            if data_key is None or not sealed:
                return ""
            field = answer_field(int(turn.get("questionIndex", 0)))
            try:
                return unseal(data_key, tenant, record["id"], field, sealed)
            except SealBroken:
                return ""

        assessment = await self._scorer.score(plain_turns(transcript, open_answer), record["plan"])
        settings = await self._tenant_settings(tenant)
        command = system_command(
            "interview.assessed",
            command_id=command_id(tenant, event["eventId"], "assessor"),
            tenant_id=tenant,
            interview_id=record["id"],
            agent="assessor",
            issued_at=now_iso(),
            payload={
                "assessment": assessment,
                "basedOnSequence": event["sequence"],
                "autoApproveAssessments": bool(settings.get("autoApproveAssessments")),
            },
        )
        assert self._producer is not None
        await self._producer.send_and_wait(
            self._commands_topic, codec.dumps(command), key=tenant.encode()
        )
        elapsed = asyncio.get_running_loop().time() - started
        self.stats.assessed += 1
        self.stats.seconds = [*self.stats.seconds[-999:], elapsed]
        log.info(
            "event=assessor.assessed tenant=%s interview=%s score=%s recommendation=%s "
            "model=%s ms=%.1f",
            tenant,
            record["id"],
            assessment.get("overallScore"),
            assessment.get("recommendation"),
            assessment.get("model", {}).get("name"),
            elapsed * 1000,
        )

"""The Faust application of one worker: topics, tables, the interview agent, and the read
side the web layer uses (``InterviewBackend`` in ``hirestream.web.backend``).

Built by a factory (no module-level app), so tests and several workers in one machine each
get their own.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust
from aiokafka.partitioner import murmur2

from hirestream.agents.interviews.agent import InterviewAgent, install
from hirestream.settings import Settings
from hirestream.tables.declare import Tables, declare_tables, record_key, tenant_key
from hirestream.tables.index import TenantIndex
from hirestream.tables.queries import Entry
from hirestream.topics import codec, names
from hirestream.topics.records import Command, Outcome

log = logging.getLogger(__name__)


class CommandTimeout(Exception):
    """The command was published but its outcome did not arrive in time."""


def faust_app(settings: Settings) -> faust.App:
    return faust.App(
        settings.app_id,
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        store="memory://",
        autodiscover=False,
        datadir=str(settings.data_dir / settings.worker_name),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        web_enabled=False,
        canonical_url=settings.web_url,
        reply_to=names.reply_topic(settings.app_id, settings.worker_name),
        reply_create_topic=True,
        reply_expires=3600.0,
        processing_guarantee="at_least_once",
        table_standby_replicas=1,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        broker_commit_interval=1.0,
    )


class Fleet:
    """One worker's Faust app and the view of it that the web layer needs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = faust_app(settings)
        partitions = settings.partitions

        def topic(name: str, **kwargs: Any) -> Any:
            return self.app.topic(
                name,
                partitions=partitions,
                key_serializer="raw",
                value_serializer="raw",
                internal=True,  # declared by the worker at start, with our partition count
                **kwargs,
            )

        self.commands_topic = topic(names.INTERVIEW_COMMANDS)
        self.event_topics = {name: topic(name) for name in names.EVENT_TOPICS}
        self.dead_letters = topic(names.DEAD_LETTERS)
        self.tables: Tables = declare_tables(self.app, partitions)
        self.index = TenantIndex()
        self.agent = install(
            self.app,
            self.commands_topic,
            InterviewAgent(self.tables, self.event_topics, self.dead_letters, self.index.note),
        )
        self.app.on_partitions_assigned.connect(self._on_assigned)
        self.app.on_partitions_revoked.connect(self._on_revoked)
        self.topics_declared = asyncio.Event()
        self.app.task(self._declare_topics)

    async def _declare_topics(self) -> None:
        """Create the topics that only this fleet produces to (Faust declares the ones it
        consumes); until they exist the worker is not ready."""
        for topic in (*self.event_topics.values(), self.dead_letters, self.commands_topic):
            await topic.maybe_declare()
        self.topics_declared.set()
        log.info("event=topics.declared partitions=%s", self.settings.partitions)

    async def _on_assigned(self, sender: Any, assigned: Any, **kwargs: Any) -> None:
        self.index.invalidate()

    async def _on_revoked(self, sender: Any, revoked: Any, **kwargs: Any) -> None:
        self.index.invalidate()

    # --- writes ---------------------------------------------------------------------------

    async def send(self, command: Command, timeout_s: float) -> Outcome:
        """Publish a command keyed by its tenant and wait for its outcome, at most
        ``timeout_s`` seconds (Faust's ``ask`` has no deadline of its own)."""
        try:
            outcome: Outcome = await asyncio.wait_for(
                self.agent.ask(
                    value=codec.dumps(command),
                    key=command["tenantId"].encode(),
                    correlation_id=command["commandId"],
                ),
                timeout_s,
            )
        except TimeoutError as exc:
            raise CommandTimeout(command["commandId"]) from exc
        return outcome

    # --- reads ----------------------------------------------------------------------------

    def partition_of(self, tenant_id: str) -> int:
        """The partition of a tenant: Kafka's default partitioner on the tenant id."""
        return (murmur2(tenant_key(tenant_id)) & 0x7FFFFFFF) % self.settings.partitions

    def not_ready_reason(self) -> str | None:
        if not self.topics_declared.is_set():
            return "declaring topics"
        if self.app.rebalancing:
            return "rebalancing"
        if self.app.in_recovery or not self.app.tables.recovery.completed.is_set():
            return "recovering tables"
        return None

    def owner_url(self, tenant_id: str) -> str | None:
        """The web URL of the worker that owns this tenant's partition, None if unknown."""
        changelog = self.tables.interviews.changelog_topic.get_topic_name()
        partition = self.partition_of(tenant_id)
        for url, topics in self.app.assignor.table_metadata(changelog).items():
            if partition in topics.get(changelog, ()):
                return str(url)
        return None

    def owns(self, tenant_id: str) -> bool:
        changelog = self.tables.interviews.changelog_topic.get_topic_name()
        tp = faust.types.TP(changelog, self.partition_of(tenant_id))
        return tp in self.app.assignor.assigned_actives()

    def record(self, tenant_id: str, interview_id: str) -> dict[str, Any] | None:
        record: dict[str, Any] | None = self.tables.interviews.get(
            record_key(tenant_id, interview_id)
        )
        if record is None or record.get("deleted", False):
            return None
        return record

    def counts(self, tenant_id: str) -> dict[str, Any] | None:
        counts: dict[str, Any] | None = self.tables.counts.get(tenant_key(tenant_id))
        return counts

    def entries(self, tenant_id: str) -> list[Entry]:
        if not self.index.is_built(tenant_id):
            prefix = f"{tenant_id}:".encode()
            self.index.build(
                tenant_id,
                (v for k, v in self.tables.interviews.items() if k.startswith(prefix)),
            )
        return self.index.entries(tenant_id)

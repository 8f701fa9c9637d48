"""The Faust application of one worker: topics, tables, the interview agent, and the read
side the web layer uses (``InterviewBackend`` in ``hirestream.web.backend``).

Built by a factory (no module-level app), so tests and several workers in one machine each
get their own.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import faust
from aiokafka.partitioner import murmur2

from hirestream.agents.enrich.agent import Enricher
from hirestream.agents.enrich.agent import install as install_enricher
from hirestream.agents.interviews.agent import InterviewAgent, install
from hirestream.agents.planner.agent import install as install_planner
from hirestream.agents.validation.agent import install as install_validation
from hirestream.replies import CORRELATION_ID, REPLY_TO, ReplyWaiter
from hirestream.settings import Settings
from hirestream.store.tenant_settings import SettingsReader
from hirestream.tables.declare import Tables, declare_tables, record_key, tenant_key
from hirestream.tables.index import TenantIndex
from hirestream.tables.queries import Entry
from hirestream.tables.retention import CommandLogRetention
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
        processing_guarantee="at_least_once",
        table_standby_replicas=1,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        broker_commit_interval=1.0,
        # A worker that died is noticed after this long, and its partitions move on.
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
    )


class Fleet:
    """One worker's Faust app and the view of it that the web layer needs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = faust_app(settings)
        partitions = settings.partitions

        def topic(name: str, **kwargs: Any) -> Any:
            return self.app.topic(
                settings.topic_prefix + name,
                partitions=partitions,
                key_serializer="raw",
                value_serializer="raw",
                **kwargs,
            )

        self.commands_topic = topic(names.INTERVIEW_COMMANDS)
        self.event_topics = {name: topic(name) for name in names.EVENT_TOPICS}
        self.dead_letters = topic(names.DEAD_LETTERS)
        self.tables: Tables = declare_tables(self.app, partitions)
        self.index = TenantIndex()
        self.retention = CommandLogRetention(settings.idempotency_retention_s)
        self.replies = ReplyWaiter(
            settings.kafka_bootstrap_servers,
            names.reply_topic(settings.app_id, settings.worker_name),
        )
        self.app.service(self.replies)  # type: ignore[arg-type]  # instances are accepted
        self.agent = install(
            self.app,
            self.commands_topic,
            InterviewAgent(
                self.tables,
                self.event_topics,
                self.dead_letters,
                self.index.note,
                self.app,
                self.retention,
            ),
        )
        enriched_from = self.app.topic(
            *(
                settings.topic_prefix + n
                for n in (names.INTERVIEW_CREATED, names.INTERVIEW_UPDATED)
            ),
            key_serializer="raw",
            value_serializer="raw",
        )
        self.enricher = install_enricher(
            self.app, enriched_from, Enricher(self.tables.enrichment, self.commands_topic)
        )

        def events(*event_types: str) -> Any:
            return self.app.topic(
                *(settings.topic_prefix + t for t in event_types),
                key_serializer="raw",
                value_serializer="raw",
            )

        self.validation = install_validation(
            self.app,
            events(
                names.INTERVIEW_CREATED,
                names.INTERVIEW_CONTENT_EDITED,
                names.INTERVIEW_INFO_COMPLETED,
            ),
            self.commands_topic,
        )
        self.planner = install_planner(
            self.app,
            events(names.INTERVIEW_GENERATING_PLAN, names.INTERVIEW_REVISION_REQUESTED),
            self.commands_topic,
            SettingsReader(settings.database_url),
        )
        self.app.on_partitions_assigned.connect(self._on_partitions_changed)  # type: ignore[arg-type]
        self.app.on_partitions_revoked.connect(self._on_partitions_changed)  # type: ignore[arg-type]

    async def _on_partitions_changed(self, sender: Any, *args: Any, **kwargs: Any) -> None:
        """The listing index and the command log's retention index are derived state:
        rebuild them after any partition movement."""
        self.index.invalidate()
        self.retention.invalidate()

    # --- writes ---------------------------------------------------------------------------

    async def send(self, command: Command, timeout_s: float) -> Outcome:
        """Publish a command keyed by its tenant and wait for its outcome, at most
        ``timeout_s`` seconds in all."""
        correlation_id = str(uuid.uuid4())
        try:
            async with asyncio.timeout(timeout_s):
                await self.replies.positioned.wait()
                answer = self.replies.expect(correlation_id)
                await self.commands_topic.send(
                    key=command["tenantId"].encode(),
                    value=codec.dumps(command),
                    headers={
                        REPLY_TO: self.replies.topic.encode(),
                        CORRELATION_ID: correlation_id.encode(),
                    },
                )
                outcome: Outcome = await answer  # type: ignore[assignment]
        except TimeoutError as exc:
            raise CommandTimeout(command["commandId"]) from exc
        finally:
            self.replies.forget(correlation_id)
        return outcome

    # --- reads ----------------------------------------------------------------------------

    def partition_of(self, tenant_id: str) -> int:
        """The partition of a tenant: Kafka's default partitioner on the tenant id."""
        hashed: int = murmur2(tenant_id.encode())
        return (hashed & 0x7FFFFFFF) % self.settings.partitions

    def not_ready_reason(self) -> str | None:
        if self.app.rebalancing:
            return "rebalancing"
        recovery = self.app.tables.recovery  # type: ignore[attr-defined]
        if self.app.in_recovery or not recovery.completed.is_set():
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

    def record(self, tenant_id: str, interview_id: str) -> dict[str, Any] | None:
        record: dict[str, Any] | None = self.tables.interviews.get(
            record_key(tenant_id, interview_id)
        )
        if record is None or record.get("deleted", False):
            return None
        return record

    def enrichment(self, tenant_id: str) -> dict[str, Any] | None:
        state: dict[str, Any] | None = self.tables.enrichment.get(tenant_key(tenant_id))
        return state

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

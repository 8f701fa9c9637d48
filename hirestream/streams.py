"""One worker's stream processor: its Faust app, topics, tables and agents, and the read side
the web layer uses (it implements ``InterviewBackend`` of ``hirestream.web.backend``).

Built by a factory (no module-level app), so tests and several workers in one machine each
get their own. Every topic is declared in one way (``_topics``): keyed by the tenant id, raw
bytes in and out, with the fleet's partition count.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import faust

from hirestream.agents.enrich.agent import Enricher
from hirestream.agents.enrich.agent import install as install_enricher
from hirestream.agents.enrich.taxonomy import load_taxonomy
from hirestream.agents.events import CommandSender
from hirestream.agents.interviews.agent import InterviewAgent, install
from hirestream.agents.mailer.agent import Mailer
from hirestream.agents.mailer.agent import install as install_mailer
from hirestream.agents.planner.bank import load_bank
from hirestream.candidate_tokens import TokenKeys
from hirestream.completions import CompletionWatcher
from hirestream.faust_transport import register as register_transport
from hirestream.kafka_security import aiokafka_options, faust_credentials
from hirestream.metrics import CONSUMER_LAG
from hirestream.replies import CORRELATION_ID, REPLY_TO, ReplyWaiter
from hirestream.settings import Settings
from hirestream.store.agent_store import AgentStore
from hirestream.tables.deadlines import SessionDeadlines
from hirestream.tables.declare import Tables, declare_tables
from hirestream.tables.index import TenantIndex
from hirestream.tables.keys import record_key, tenant_key, tenant_prefix
from hirestream.tables.persistent import prefix_items, scan_values
from hirestream.tables.queries import Entry
from hirestream.tables.records import InterviewRecord, owned
from hirestream.tables.retention import CommandLogRetention
from hirestream.topics import codec, names
from hirestream.topics.clock import now_iso
from hirestream.topics.partitioning import partition_for
from hirestream.topics.records import Command, Outcome, system_command
from hirestream.topics.tenancy import derived_id
from hirestream.web.backend import MAX_COMMAND_BYTES, CommandTimeout, CommandTooLarge

log = logging.getLogger(__name__)

#: How often the session clock looks for sessions past their time limit.
SESSION_CLOCK_S = 5.0
#: Records the session clock's build reads between two turns of the event loop.
SCAN_SLICE = 500
_CLOCK = uuid.UUID("2f6c1b8e-5d1a-4f7e-9b3c-7a2e4d6f8c10")


def _ephemeral_token_keys() -> TokenKeys:
    """A key for candidate links when none is configured: valid only in this process."""
    log.warning(
        "event=settings.ephemeral_token_key reason=HIRESTREAM_CANDIDATE_TOKEN_KEYS_unset "
        "effect=candidate_links_die_with_this_worker"
    )
    return TokenKeys.parse(f"1:{base64.b64encode(secrets.token_bytes(32)).decode()}")


#: The producer's batch size per partition (below the broker's 1 MiB ``message.max.bytes``).
PRODUCER_BATCH_BYTES = 256 * 1024


#: Faust's store URL for each ``HIRESTREAM_STORE``.
STORE_URLS = {"rocksdb": "rocksdb://", "memory": "memory://"}


def faust_app(settings: Settings) -> faust.App:
    scheme = register_transport(
        settings.fetch_max_wait_ms,
        event_topics=frozenset(settings.topic_prefix + name for name in names.EVENT_TOPICS),
        event_fetch_interval_ms=settings.event_fetch_interval_ms,
    )
    return faust.App(
        settings.app_id,
        broker=f"{scheme}://{settings.kafka_bootstrap_servers}",
        broker_credentials=faust_credentials(settings),
        # HIRESTREAM_STORE: tables on disk (RocksDB on rocksdict, tables/persistent.py), or in
        # memory, rebuilt from the whole changelogs at every start.
        store=STORE_URLS[settings.store],
        autodiscover=False,
        datadir=str(settings.data_dir / settings.worker_name),
        tabledir=str(settings.tables_dir.absolute()),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        web_enabled=False,
        canonical_url=settings.web_url,
        processing_guarantee="at_least_once",
        table_standby_replicas=1,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # aiokafka keeps one produce request in flight per broker, and a message that does not
        # fit the partition's open batch waits until that batch has been sent and acknowledged.
        # Interview records and events are several KiB each: with the default 16 KiB batches
        # nearly every event and changelog write waited for the previous one's round trip.
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        broker_commit_interval=1.0,
        # A worker that died is noticed after this long, and its partitions move on.
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
    )


class StreamProcessor:
    """One worker's Faust app and the view of it that the web layer needs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The shipped taxonomy and question bank are read once per process: now, rather than
        # while the first command waits.
        load_taxonomy()
        load_bank()
        self.app = faust_app(settings)
        CONSUMER_LAG.read_from(self.consumer_lag)
        partitions = settings.partitions
        topics = self._topics
        self.commands_topic = topics(names.INTERVIEW_COMMANDS)
        self.internal_commands_topic = topics(names.INTERVIEW_COMMANDS_INTERNAL)
        self.event_topics = {name: topics(name) for name in names.EVENT_TOPICS}
        self.dead_letters = topics(names.DEAD_LETTERS)
        self.tables: Tables = declare_tables(self.app, partitions)
        self.index = TenantIndex()
        self.deadlines = SessionDeadlines()
        self.retention = CommandLogRetention(settings.idempotency_retention_s)
        self.replies = ReplyWaiter(
            settings.kafka_bootstrap_servers,
            names.reply_topic(settings.app_id, settings.worker_name),
            kafka_options=aiokafka_options(settings),
        )
        self.app.service(self.replies)  # type: ignore[arg-type]  # instances are accepted
        self.store = AgentStore(settings.database_url)
        internal = settings.topic_prefix + names.INTERVIEW_COMMANDS_INTERNAL
        self.agent = install(
            self.app,
            topics(names.INTERVIEW_COMMANDS, names.INTERVIEW_COMMANDS_INTERNAL),
            InterviewAgent(
                self.tables,
                self.event_topics,
                self.dead_letters,
                self._noted,
                self.app,
                self.retention,
                self.store,
                internal,
                partitions,
                settings.callback_http_hosts,
                self._answer_here,
                settings.candidate_token_expiry_days,
            ),
        )
        self.enricher = install_enricher(
            self.app,
            topics(names.INTERVIEW_CREATED, names.INTERVIEW_UPDATED),
            Enricher(self.tables.enrichment, self.internal_commands_topic),
        )
        self.token_keys = settings.token_keys() or _ephemeral_token_keys()
        self.mailer = install_mailer(
            self.app,
            topics(names.INTERVIEW_INVITED),
            Mailer(
                self.tables.mailings,
                self.store,
                CommandSender(self.internal_commands_topic, "mailer"),
                self.app,
                settings.smtp_config(),
                self.token_keys,
                settings.app_url,
            ),
        )
        self.app.timer(SESSION_CLOCK_S)(self._end_overdue_sessions)
        self.completions = CompletionWatcher(
            settings.kafka_bootstrap_servers,
            settings.topic_prefix + names.INTERVIEW_COMPLETED,
            kafka_options=aiokafka_options(settings),
        )
        self.app.service(self.completions)  # type: ignore[arg-type]  # instances are accepted
        self.app.on_partitions_assigned.connect(self._on_partitions_assigned)  # type: ignore[arg-type]
        self.app.on_partitions_revoked.connect(self._on_partitions_revoked)  # type: ignore[arg-type]

    def _topics(self, *topic_names: str) -> Any:
        """A Faust channel over these topics (names without the prefix): keyed by the tenant
        id, raw bytes, the fleet's partition count. The one way topics are declared."""
        return self.app.topic(
            *(self.settings.topic_prefix + name for name in topic_names),
            partitions=self.settings.partitions,
            key_serializer="raw",
            value_serializer="raw",
        )

    async def _on_partitions_revoked(self, sender: Any, revoked: Any, **kwargs: Any) -> None:
        log.info(
            "event=partitions.revoked partitions=%d rebalance=%d",
            len(revoked),
            self.app.rebalancing_count,
        )
        self._on_partitions_changed()

    async def _on_partitions_assigned(self, sender: Any, assigned: Any, **kwargs: Any) -> None:
        commands = self.settings.topic_prefix + names.INTERVIEW_COMMANDS
        log.info(
            "event=partitions.assigned partitions=%d commands=%s rebalance=%d",
            len(assigned),
            ",".join(str(tp.partition) for tp in sorted(assigned) if tp.topic == commands) or "-",
            self.app.rebalancing_count,
        )
        self._on_partitions_changed()

    def _on_partitions_changed(self) -> None:
        """The listing index, the command log's retention index and the session deadlines
        are derived state: rebuild them after any partition movement."""
        self.index.invalidate()
        self.retention.invalidate()
        self.deadlines.invalidate()

    def _noted(self, tenant_id: str, record: Any) -> None:
        """What the interview agent wrote, for the derived indexes."""
        self.index.note(tenant_id, record)
        self.deadlines.note(tenant_id, record)

    async def _end_overdue_sessions(self) -> None:
        """The session clock: end every open session past its time limit (``time_limit``).
        The command is idempotent; a session is ended once whoever notices it first."""
        if self.not_ready_reason() is not None:
            return
        if not self.deadlines.built:
            await self._build_deadlines()
            if not self.deadlines.built:
                return
        now = now_iso()
        for tenant, interview_id, session_id in self.deadlines.due(now):
            command = system_command(
                "interview.session_end",
                command_id=derived_id(_CLOCK, tenant, interview_id, session_id),
                tenant_id=tenant,
                interview_id=interview_id,
                agent="session-clock",
                issued_at=now,
                payload={"sessionId": session_id, "reason": "time_limit"},
            )
            await self.commands_topic.send(key=tenant.encode(), value=codec.dumps(command))
            log.info(
                "event=session.time_limit tenant=%s interview=%s session=%s",
                tenant,
                interview_id,
                session_id,
            )

    async def _build_deadlines(self) -> None:
        """Find the open sessions among every record of this worker's partitions, giving the
        event loop back every ``SCAN_SLICE`` records: with the RocksDB store each record is
        read from disk and decoded (a million take tens of seconds), and meanwhile the worker
        goes on heart-beating, serving and deciding. A partition movement abandons the
        build (the next tick starts again)."""
        generation = self.deadlines.begin()
        for n, record in enumerate(scan_values(self.tables.interviews), 1):
            if record and not record.get("deleted"):
                self.deadlines.scanned(record)
            if n % SCAN_SLICE == 0:
                await asyncio.sleep(0)
                if not self.deadlines.building(generation):
                    return
        self.deadlines.finish(generation)

    # --- replies other than a command's outcome -----------------------------------------

    @property
    def reply_topic(self) -> str:
        return self.replies.topic

    def expect_reply(self, correlation_id: str) -> asyncio.Future[dict[str, Any]]:
        """A future for a message to this worker's reply topic with ``correlation_id`` (the
        mailer's report on an invitation); ``forget_reply`` when done with it."""
        return self.replies.expect(correlation_id)

    def forget_reply(self, correlation_id: str) -> None:
        self.replies.forget(correlation_id)

    def on_session_ended(self, listener: Callable[[str, str], None]) -> None:
        """Call ``listener(interview id, reason)`` for every session that ends, anywhere."""
        self.completions.listeners.append(listener)

    def interview_of_session(self, tenant_id: str, session_id: str) -> str | None:
        """The interview of a session of this tenant (a partition this worker owns)."""
        for entry in self.entries(tenant_id):
            record = self.record(tenant_id, entry.interview_id)
            if record is not None and record.get("sessionId") == session_id:
                return entry.interview_id
        return None

    # --- writes ---------------------------------------------------------------------------

    async def send(self, command: Command, timeout_s: float) -> Outcome:
        """Publish a command keyed by its tenant and wait for its outcome, at most
        ``timeout_s`` seconds in all."""
        value = codec.dumps(command)
        if len(value) > MAX_COMMAND_BYTES:
            raise CommandTooLarge(command["commandId"])
        correlation_id = str(uuid.uuid4())
        try:
            async with asyncio.timeout(timeout_s):
                await self.replies.positioned.wait()
                answer = self.replies.expect(correlation_id)
                await self.commands_topic.send(
                    key=command["tenantId"].encode(),
                    value=value,
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

    def _answer_here(self, reply_to: str, correlation_id: str, value: bytes) -> bool:
        """The agent's outcome for a request this worker holds, handed over in process: the
        command itself went through Kafka (ordered and durable); only its answer skips the
        round trip through the reply topic."""
        return reply_to == self.replies.topic and self.replies.answer(correlation_id, value)

    def consumer_lag(self) -> dict[tuple[str, int], int]:
        """Messages behind the end of each partition the agents consume, as Faust's monitor
        last saw them (a partition read from nothing yet counts as caught up to its last
        commit)."""
        monitor = self.app.monitor
        lag: dict[tuple[str, int], int] = {}
        for tp, end in list(monitor.tp_end_offsets.items()):
            read = monitor.tp_read_offsets.get(tp)
            done = read + 1 if read is not None else monitor.tp_committed_offsets.get(tp, end)
            lag[(tp.topic, tp.partition)] = end - done
        return lag

    # --- reads ----------------------------------------------------------------------------

    def partition_of(self, tenant_id: str) -> int:
        return partition_for(tenant_id, self.settings.partitions)

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

    def record(self, tenant_id: str, interview_id: str) -> InterviewRecord | None:
        record: InterviewRecord | None = self.tables.interviews.get(
            record_key(tenant_id, interview_id)
        )
        return record if owned(record, tenant_id) else None

    def enrichment(self, tenant_id: str) -> dict[str, Any] | None:
        state: dict[str, Any] | None = self.tables.enrichment.get(tenant_key(tenant_id))
        return state

    def counts(self, tenant_id: str) -> dict[str, Any] | None:
        counts: dict[str, Any] | None = self.tables.counts.get(tenant_key(tenant_id))
        return counts

    def entries(self, tenant_id: str) -> list[Entry]:
        if not self.index.is_built(tenant_id):
            records = prefix_items(self.tables.interviews, tenant_prefix(tenant_id))
            self.index.build(tenant_id, (v for _, v in records if owned(v, tenant_id)))
        return self.index.entries(tenant_id)

"""Create the fleet's topics before the worker starts, with one partition count for all.

Faust would declare some of them lazily; creating every command, event, dead-letter and
changelog topic up front means the consumer's first metadata already has them all, and a
topic that exists with another partition count stops the worker with a clear message instead
of silently breaking co-partitioning (ARCHITECTURE.md rule 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from hirestream.kafka_security import aiokafka_options
from hirestream.settings import Settings
from hirestream.topics import names

log = logging.getLogger(__name__)

#: Changelogs are compacted; short segments let compaction bound replay and drop old values.
CHANGELOG_CONFIG = {
    "cleanup.policy": "compact",
    "segment.ms": "3600000",
    "min.cleanable.dirty.ratio": "0.1",
    "delete.retention.ms": "3600000",
}


#: Command topics keep a command 7 days: an upstream producer's plain personal fields live no
#: longer than that; dead letters as long, for someone to look at them.
COMMAND_CONFIG = {"cleanup.policy": "delete", "retention.ms": str(7 * 24 * 3600 * 1000)}


#: A worker's reply topic: replies are only useful for seconds.
REPLY_CONFIG = {"cleanup.policy": "delete", "retention.ms": "3600000"}


class TopicMismatch(RuntimeError):
    pass


def changelog_topic(app_id: str, table: str) -> str:
    return f"{app_id}-{table}-changelog"


def wanted_topics(settings: Settings) -> dict[str, dict[str, str]]:
    """Topic name -> topic config, for every topic the fleet needs."""
    prefix = settings.topic_prefix
    topics: dict[str, dict[str, str]] = {
        prefix + name: dict(COMMAND_CONFIG)
        for name in (names.INTERVIEW_COMMANDS, names.INTERVIEW_COMMANDS_INTERNAL)
    }
    topics[prefix + names.DEAD_LETTERS] = dict(COMMAND_CONFIG)
    topics.update({prefix + name: {} for name in names.EVENT_TOPICS})
    for table in names.TABLES:
        topics[changelog_topic(settings.app_id, table)] = dict(CHANGELOG_CONFIG)
    return topics


async def _partition_counts(
    admin: AIOKafkaAdminClient, topics: list[str], time_limit_s: float = 30.0
) -> dict[str, int]:
    """Partition count per topic, waiting while new topics' metadata is still propagating."""
    deadline = asyncio.get_running_loop().time() + time_limit_s
    while True:
        described = await admin.describe_topics(topics)
        counts = {t["topic"]: len(t.get("partitions") or []) for t in described}
        settled = all(counts.get(t, 0) > 0 for t in topics)
        if settled or asyncio.get_running_loop().time() > deadline:
            return {t: counts.get(t, 0) for t in topics}
        await asyncio.sleep(0.2)


async def provision_topics(settings: Settings) -> list[str]:
    """Create missing topics; return the names created. Raises ``TopicMismatch`` when an
    existing topic has another partition count."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, **aiokafka_options(settings)
    )
    await admin.start()
    try:
        wanted = wanted_topics(settings)
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, settings.partitions, settings.replication_factor, topic_configs=cfg)
            for name, cfg in wanted.items()
            if name not in existing
        ]
        replies = names.reply_topic(settings.app_id, settings.worker_name)
        if replies not in existing:
            missing.append(
                NewTopic(replies, 1, settings.replication_factor, topic_configs=REPLY_CONFIG)
            )
        if missing:
            # another worker may create them at the same moment
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        counts = await _partition_counts(admin, list(wanted))
        for name, count in counts.items():
            if count != settings.partitions:
                raise TopicMismatch(
                    f"topic {name} has {count} partitions, HIRESTREAM_PARTITIONS is "
                    f"{settings.partitions}: every command, event and changelog topic must have "
                    "the same partition count"
                )
        created = [t.name for t in missing]
        log.info(
            "event=topics.provisioned created=%d partitions=%d", len(created), settings.partitions
        )
        return created
    finally:
        await admin.close()

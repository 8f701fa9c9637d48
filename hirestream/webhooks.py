"""Webhook delivery as services of a worker (docs/api.md §7): the recorder (its own consumer
group on the event topics, writing the outbox) and the scheduler (sending what is due), built
from the settings. ``hirestream.worker`` runs both in every worker unless
``HIRESTREAM_WEBHOOKS_IN_WORKER`` is false."""

from __future__ import annotations

from hirestream.agents.webhooks.recorder import WebhookRecorder
from hirestream.agents.webhooks.scheduler import SchedulerConfig, WebhookScheduler
from hirestream.kafka_security import aiokafka_options
from hirestream.settings import Settings
from hirestream.topics import names


def webhooks_group(settings: Settings) -> str:
    """The recorder's own consumer group."""
    return f"{settings.app_id}-webhooks"


def build_webhooks(settings: Settings) -> tuple[WebhookRecorder, WebhookScheduler]:
    """The recorder and the scheduler of one worker."""
    scheduler = WebhookScheduler(
        dsn=settings.database_url,
        config=SchedulerConfig(
            fleet=settings.app_id,
            http_hosts=settings.callback_http_hosts,
            concurrency=settings.webhook_concurrency,
            host_concurrency=settings.webhook_host_concurrency,
            retry_scale=settings.webhook_retry_scale,
        ),
    )
    recorder = WebhookRecorder(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=webhooks_group(settings),
        topics=tuple(settings.topic_prefix + topic for topic in names.EVENT_TOPICS),
        fleet=settings.app_id,
        dsn=settings.database_url,
        kafka_options=aiokafka_options(settings),
    )
    return recorder, scheduler

"""Webhook delivery as services (docs/api.md §7): the recorder (its own consumer group on the
event topics, writing the outbox) and the scheduler (sending what is due), built from the
settings. ``hirestream.worker`` runs both in every worker unless
``HIRESTREAM_WEBHOOKS_IN_WORKER`` is false; ``python -m hirestream webhooks`` runs them as a
process of their own, with health and metrics on ``HIRESTREAM_WEBHOOKS_PORT``, so that the
API's workers spend nothing on deliveries."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from hirestream import standalone
from hirestream.agents.webhooks.recorder import WebhookRecorder
from hirestream.agents.webhooks.scheduler import SchedulerConfig, WebhookScheduler
from hirestream.kafka_security import aiokafka_options
from hirestream.metrics import REGISTRY
from hirestream.settings import Settings
from hirestream.topics import names

log = logging.getLogger(__name__)


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
        fetch_wait_ms=settings.webhooks_fetch_wait_ms,
    )
    return recorder, scheduler


async def serve(settings: Settings) -> None:
    """Run the recorder and the scheduler alone until SIGINT/SIGTERM; ``/metrics`` serves the
    process's registry (webhook deliveries by outcome among them)."""

    def metrics() -> web.Response:
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
        )

    def started() -> None:
        log.info(
            "event=webhooks.started group=%s health=http://%s:%s/health/ready",
            webhooks_group(settings),
            settings.web_host,
            settings.webhooks_port,
        )

    await standalone.serve(
        build_webhooks(settings), metrics, settings.web_host, settings.webhooks_port, started
    )

"""Webhook delivery as services (docs/api.md §7): the recorder (its own consumer group on the
event topics, writing the outbox) and the scheduler (sending what is due), built from the
settings. ``hirestream.worker`` runs both in every worker unless
``HIRESTREAM_WEBHOOKS_IN_WORKER`` is false; ``python -m hirestream webhooks`` runs them as a
process of their own, with health and metrics on ``HIRESTREAM_WEBHOOKS_PORT``, so that the
API's workers spend nothing on deliveries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web
from mode import Service
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

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
    )
    return recorder, scheduler


def health_app(services: tuple[Service, ...]) -> web.Application:
    """``/health/live``, ``/health/ready`` (every service started and running) and
    ``/metrics`` (the process's registry: webhook deliveries by outcome among them)."""

    async def live(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def ready(request: web.Request) -> web.Response:
        if all(s.started and not s.should_stop for s in services):
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "starting"}, status=503)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
        )

    app = web.Application()
    app.router.add_get("/health/live", live)
    app.router.add_get("/health/ready", ready)
    app.router.add_get("/metrics", metrics)
    return app


async def serve(settings: Settings) -> None:
    """Run the recorder and the scheduler alone until SIGINT/SIGTERM."""
    services = build_webhooks(settings)
    for service in services:
        await service.start()
    runner = web.AppRunner(health_app(services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.webhooks_port).start()
    log.info(
        "event=webhooks.started group=%s health=http://%s:%s/health/ready",
        webhooks_group(settings),
        settings.web_host,
        settings.webhooks_port,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        for service in reversed(services):
            await service.stop()

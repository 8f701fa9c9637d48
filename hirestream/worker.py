"""Run one worker: the Faust app with its agents and tables, the aiohttp API inside it, and
(by default) the assessor and webhook delivery; or the assessor alone."""

from __future__ import annotations

import asyncio
import logging
import logging.config

import faust

from hirestream.assessor import build_assessor
from hirestream.assessor import serve as serve_assessor
from hirestream.provision import provision_topics
from hirestream.settings import Settings
from hirestream.streams import StreamProcessor
from hirestream.tables.persistent import discard_stale_tables
from hirestream.web.app import create_web_app
from hirestream.web.server import WebServer
from hirestream.webhooks import build_webhooks
from hirestream.webhooks import serve as serve_webhooks

LOG_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"


def logging_config(level: str) -> dict[str, object]:
    """One line per event; our own messages are ``event=... key=value`` pairs."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"format": LOG_FORMAT}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "line"},
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "aiokafka": {"level": "WARNING"},
            "faust": {"level": "WARNING" if level.upper() != "DEBUG" else "DEBUG"},
            "mode": {"level": "WARNING"},
        },
    }


def build_worker(settings: Settings) -> faust.Worker:
    settings.tables_dir.mkdir(parents=True, exist_ok=True)  # in the worker's data dir
    processor = StreamProcessor(settings)
    web_app = create_web_app(settings, processor)
    server = WebServer(web_app, settings.web_host, settings.web_port)
    processor.app.service(server)  # type: ignore[arg-type]  # instances are accepted
    if settings.assessor_in_worker:
        processor.app.service(build_assessor(settings))  # type: ignore[arg-type]
    if settings.webhooks_in_worker:
        for service in build_webhooks(settings):
            processor.app.service(service)  # type: ignore[arg-type]
    return faust.Worker(
        processor.app,
        loglevel=settings.log_level,
        logging_config=logging_config(settings.log_level),
        redirect_stdouts=False,
        quiet=True,
    )


def run(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings.log_level))
    created = asyncio.run(provision_topics(settings))
    discard_stale_tables(settings.tables_dir, created)
    logging.getLogger(__name__).info(
        "event=worker.starting name=%s broker=%s url=%s",
        settings.worker_name,
        settings.kafka_bootstrap_servers,
        settings.web_url,
    )
    build_worker(settings).execute_from_commandline()


def run_assessor(settings: Settings) -> None:
    """Only the assessor: its own consumer group, health and metrics on its own port."""
    logging.config.dictConfig(logging_config(settings.log_level))
    asyncio.run(provision_topics(settings))
    asyncio.run(serve_assessor(settings))


def run_webhooks(settings: Settings) -> None:
    """Only webhook delivery: the recorder's consumer group and the scheduler, health and
    metrics on their own port."""
    logging.config.dictConfig(logging_config(settings.log_level))
    asyncio.run(provision_topics(settings))
    asyncio.run(serve_webhooks(settings))

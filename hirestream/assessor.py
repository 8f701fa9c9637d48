"""The assessor as a service: built from the settings, run inside a worker (the default) or as
its own process with health and metrics on its own port (``python -m hirestream assessor``).
"""

from __future__ import annotations

import logging

from aiohttp import web

from hirestream import standalone
from hirestream.agents.assessor.agent import Assessor
from hirestream.agents.assessor.scorers import scorer_from_settings
from hirestream.kafka_security import aiokafka_options
from hirestream.settings import Settings
from hirestream.store.agent_store import AgentStore
from hirestream.store.tenant_settings import SettingsReader
from hirestream.topics import names

log = logging.getLogger(__name__)


def assessor_group(settings: Settings) -> str:
    """The assessor's own consumer group."""
    return f"{settings.app_id}-assessor"


def build_assessor(settings: Settings) -> Assessor:
    prefix = settings.topic_prefix
    return Assessor(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=assessor_group(settings),
        topics=(prefix + names.INTERVIEW_COMPLETED, prefix + names.INTERVIEW_ASSESSMENT_REQUESTED),
        commands_topic=prefix + names.INTERVIEW_COMMANDS_INTERNAL,
        scorer=scorer_from_settings(
            llm_url=settings.llm_url,
            llm_model=settings.llm_model,
            llm_api_key=settings.llm_api_key,
            llm_timeout_s=settings.llm_timeout_s,
        ),
        store=AgentStore(settings.database_url, max_size=2),
        tenant_settings=SettingsReader(settings.database_url),
        kafka_options=aiokafka_options(settings),
    )


def metrics_text(assessor: Assessor) -> str:
    """The assessor's counters in the Prometheus text format."""
    stats = assessor.stats
    seconds = sorted(stats.seconds)
    p50 = seconds[len(seconds) // 2] if seconds else 0.0
    return (
        "# TYPE hirestream_assessor_assessments_total counter\n"
        f"hirestream_assessor_assessments_total {stats.assessed}\n"
        "# TYPE hirestream_assessor_failures_total counter\n"
        f"hirestream_assessor_failures_total {stats.failed}\n"
        "# TYPE hirestream_assessor_skipped_total counter\n"
        f"hirestream_assessor_skipped_total {stats.skipped}\n"
        "# TYPE hirestream_assessor_scoring_seconds_p50 gauge\n"
        f"hirestream_assessor_scoring_seconds_p50 {p50:.6f}\n"
    )


async def serve(settings: Settings) -> None:
    """Run the assessor alone until SIGINT/SIGTERM."""
    assessor = build_assessor(settings)

    def metrics() -> web.Response:
        return web.Response(text=metrics_text(assessor), content_type="text/plain")

    def started() -> None:
        log.info(
            "event=assessor.started group=%s health=http://%s:%s/health/ready",
            assessor_group(settings),
            settings.web_host,
            settings.assessor_port,
        )

    await standalone.serve([assessor], metrics, settings.web_host, settings.assessor_port, started)

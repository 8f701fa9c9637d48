"""``GET /metrics`` of a real worker, read with the Prometheus client library's own parser: the
request, command and lag series move with what the worker did, and no series names a tenant."""

from __future__ import annotations

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.conftest import SEED_CREATE, auth
from tests.support.workers import Worker

pytestmark = pytest.mark.integration


async def scrape(http: aiohttp.ClientSession, worker: Worker) -> dict[str, list[Sample]]:
    async with http.get(f"{worker.api}/metrics") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await r.text()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    return sum(
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


async def test_metrics_move_with_requests_and_commands_and_name_no_tenant(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    before = await scrape(http, worker)
    created = value(
        before.get("hirestream_commands", []),
        "hirestream_commands_total",
        type="interview.create",
        outcome="created",
    )
    async with http.post(f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)) as r:
        assert r.status == 201
        interview_id = (await r.json())["id"]
    async with http.get(f"{worker.api}/interviews/{interview_id}", headers=auth(tenant)) as r:
        assert r.status == 200
    async with http.post(
        f"{worker.api}/interviews", json={"level": "wizard"}, headers=auth(tenant)
    ) as r:
        assert r.status == 400

    after = await scrape(http, worker)
    commands = after["hirestream_commands"]
    assert (
        value(commands, "hirestream_commands_total", type="interview.create", outcome="created")
        == created + 1
    )
    requests = after["hirestream_http_request_duration_seconds"]
    route = "/api/v1/interviews"
    assert (
        value(
            requests,
            "hirestream_http_request_duration_seconds_count",
            route=route,
            method="POST",
            status="201",
        )
        >= 1
    )
    assert (
        value(
            requests,
            "hirestream_http_request_duration_seconds_count",
            route=route,
            method="POST",
            status="400",
        )
        >= 1
    )
    latency = after["hirestream_command_seconds"]
    assert value(latency, "hirestream_command_seconds_count", type="interview.create") >= 1
    # the lag of every partition the agents consume, the command topic's among them
    lag = after["hirestream_consumer_lag"]
    assert any(s.labels["topic"].endswith("interview-commands") for s in lag)
    assert all(s.value >= 0 for s in lag)
    assert "hirestream_dead_letters" in after
    assert "hirestream_webhook_deliveries" in after
    assert (
        value(
            requests,
            "hirestream_http_request_duration_seconds_count",
            route="/api/v1/interviews/{id}",
            method="GET",
            status="200",
        )
        >= 1
    )
    # nothing a tenant owns is a label value: routes are templates
    for samples in after.values():
        for sample in samples:
            for label in sample.labels.values():
                assert tenant not in label and interview_id not in label

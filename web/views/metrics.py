"""``GET /metrics``: the worker's metrics in the Prometheus text format, version 0.0.4 (the one
every Prometheus reads; ``hirestream.metrics``). Served without credentials, like the health
checks, for a scraper: no metric names a tenant, an interview or a person."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from hirestream.metrics import REGISTRY
from hirestream.web.auth import PUBLIC, requires


@requires(PUBLIC)
async def metrics(request: web.Request) -> web.Response:
    return web.Response(
        body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
    )

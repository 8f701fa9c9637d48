"""Running background services as a process of their own (``python -m hirestream assessor``,
``python -m hirestream webhooks``): health and metrics on a port, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence

from aiohttp import web
from mode import Service


def health_app(services: Sequence[Service], metrics: Callable[[], web.Response]) -> web.Application:
    """``/health/live``; ``/health/ready`` (every service started and running, else 503);
    ``/metrics`` (what ``metrics`` answers)."""

    async def live(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def ready(request: web.Request) -> web.Response:
        if all(s.started and not s.should_stop for s in services):
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "starting"}, status=503)

    async def scrape(request: web.Request) -> web.Response:
        return metrics()

    app = web.Application()
    app.router.add_get("/health/live", live)
    app.router.add_get("/health/ready", ready)
    app.router.add_get("/metrics", scrape)
    return app


async def serve(
    services: Sequence[Service],
    metrics: Callable[[], web.Response],
    host: str,
    port: int,
    on_started: Callable[[], None],
) -> None:
    """Start ``services``, serve their health and metrics on ``host:port``, call
    ``on_started``; at SIGINT or SIGTERM stop serving, then stop the services (last first)."""
    for service in services:
        await service.start()
    runner = web.AppRunner(health_app(services, metrics), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    on_started()
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

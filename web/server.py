"""The worker's HTTP server as a mode Service, started with the Faust app (before table
recovery, so that reads during recovery can answer 503 rather than refuse connections)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from mode import Service

log = logging.getLogger(__name__)


class WebServer(Service):
    def __init__(self, app: web.Application, host: str, port: int, **kwargs: Any) -> None:
        self._web_app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        self._runner = web.AppRunner(self._web_app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True)
        await site.start()
        log.info("event=web.started url=http://%s:%s", self._host, self._port)

    async def on_stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            log.info("event=web.stopped")

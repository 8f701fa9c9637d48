"""Liveness and readiness (docs/api.md §9)."""

from __future__ import annotations

from aiohttp import web

from hirestream.web.auth import PUBLIC, requires
from hirestream.web.errors import json_response
from hirestream.web.keys import BACKEND, POOL


@requires(PUBLIC)
async def live(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@requires(PUBLIC)
async def ready(request: web.Request) -> web.Response:
    """Ready when this worker's partitions are recovered and PostgreSQL answers."""
    problems: list[str] = []
    reason = request.app[BACKEND].not_ready_reason()
    if reason is not None:
        problems.append(reason)
    try:
        await request.app[POOL].fetchval("SELECT 1", timeout=2.0)
    except Exception as exc:
        problems.append(f"postgresql: {type(exc).__name__}")
    if problems:
        return json_response(
            {"status": "not ready", "reasons": problems}, 503, {"Retry-After": "1"}
        )
    return json_response({"status": "ready"})

"""Reads are answered by the worker that owns the tenant's partition (ARCHITECTURE.md rule 4).

``owner_or_forward`` returns when this worker may answer from its own tables; otherwise it
forwards the request to the owner and returns its response, or answers 503 with Retry-After
while partitions are moving. A forwarded request carries a hop header; a worker that gets a
forwarded request for a partition it does not own answers 503 instead of forwarding again.
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web

from hirestream.web.backend import BACKEND
from hirestream.web.errors import Problem

log = logging.getLogger(__name__)

FORWARDED_HEADER = "X-Hirestream-Forwarded"
_PASSED_HEADERS = ("Authorization", "X-API-Key", "X-Tenant-ID", "X-Request-ID", "Accept")

SELF_URL: web.AppKey[str] = web.AppKey("self_url", str)
HTTP_CLIENT: web.AppKey[aiohttp.ClientSession] = web.AppKey("http_client", aiohttp.ClientSession)
FORWARD_TIMEOUT: web.AppKey[float] = web.AppKey("forward_timeout", float)


def unavailable(reason: str) -> Problem:
    return Problem(
        503,
        f"Not ready: {reason}; retry shortly",
        code="not_ready",
        headers={"Retry-After": "1"},
    )


def _same(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


async def owner_or_forward(request: web.Request, tenant_id: str) -> web.Response | None:
    """None: answer locally. A response: the owner's answer (or raise 503)."""
    backend = request.app[BACKEND]
    reason = backend.not_ready_reason()
    if reason is not None:
        raise unavailable(reason)
    owner = backend.owner_url(tenant_id)
    if owner is None:
        raise unavailable("the tenant's partition has no owner yet")
    if _same(owner, request.app[SELF_URL]):
        return None
    if request.headers.get(FORWARDED_HEADER):
        raise unavailable("the tenant's partition is moving")
    return await _forward(request, owner)


async def _forward(request: web.Request, owner: str) -> web.Response:
    headers = {h: request.headers[h] for h in _PASSED_HEADERS if h in request.headers}
    headers[FORWARDED_HEADER] = "1"
    url = owner.rstrip("/") + request.rel_url.path_qs
    timeout = aiohttp.ClientTimeout(total=request.app[FORWARD_TIMEOUT])
    try:
        async with request.app[HTTP_CLIENT].request(
            request.method, url, headers=headers, timeout=timeout
        ) as answer:
            body = await answer.read()
            return web.Response(
                body=body,
                status=answer.status,
                content_type=answer.content_type,
                headers={k: v for k, v in answer.headers.items() if k == "Retry-After"},
            )
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("event=forward.failed owner=%s path=%s error=%s", owner, request.path, exc)
        raise unavailable("the partition owner did not answer") from exc

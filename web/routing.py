"""Reads are answered by the worker that owns the tenant's partition (ARCHITECTURE.md rule 6).

A view that reads the tables is decorated with ``@routed_to_owner`` (the idea of Faust's
``table_route``): it runs where the caller's tenant's partition lives, and anywhere else the
request is forwarded to that worker and its answer returned; while partitions are moving the
answer is 503 with ``Retry-After``. A forwarded request carries a hop header; a worker that gets
a forwarded request for a partition it does not own answers 503 instead of forwarding again.
Inside such a view, ``owned_record`` reads one record of the caller's tenant (404 for another
tenant's or none). ``owner_or_forward`` is the same step for a view whose tenant is not the
caller's (candidate access, where the link names the interview).
"""

from __future__ import annotations

import functools
import logging

import aiohttp
from aiohttp import web

from hirestream.tables.records import InterviewRecord
from hirestream.web.auth import principal
from hirestream.web.errors import NOT_FOUND, Handler, Problem
from hirestream.web.keys import BACKEND, FORWARD_TIMEOUT, HTTP_CLIENT, SELF_URL

log = logging.getLogger(__name__)

FORWARDED_HEADER = "X-Hirestream-Forwarded"
_PASSED_HEADERS = (
    "Authorization",
    "X-API-Key",
    "X-Tenant-ID",
    "X-Request-ID",
    "Accept",
    "Idempotency-Key",
)


def unavailable(reason: str) -> Problem:
    return Problem(
        503,
        f"Not ready: {reason}; retry shortly",
        code="not_ready",
        headers={"Retry-After": "1"},
    )


def _same(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def routed_to_owner(handler: Handler) -> Handler:
    """Run the view on the owner of the caller's tenant's partition (see the module)."""

    @functools.wraps(handler)
    async def routed(request: web.Request) -> web.StreamResponse:
        forwarded = await owner_or_forward(request, principal(request).tenant_id)
        if forwarded is not None:
            return forwarded
        return await handler(request)

    return routed


def owned_record(request: web.Request, interview_id: str) -> InterviewRecord:
    """The caller's tenant's record, read here (the view is ``@routed_to_owner``); 404 for
    another tenant's or none."""
    record = request.app[BACKEND].record(principal(request).tenant_id, interview_id)
    if record is None:
        raise NOT_FOUND
    return record


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

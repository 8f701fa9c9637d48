"""Error responses in the seed's shape, plus what machines need (docs/api.md §1):
``{"statusCode": 404, "message": "Interview not found", "error": "Not Found", "requestId": "..."}``.

Handlers raise ``Problem`` (or let a validator's ``Invalid`` through: a 400 listing every bad
field); the middleware turns it — and aiohttp's own HTTP errors (a 405 with its ``Allow``
header), a request body aiohttp cannot decode (400), and any unexpected exception (as a 500
without a traceback) — into that body. Requests aiohttp cannot parse at all never reach a
middleware: ``hirestream.web.server`` answers those in the same shape.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import orjson
from aiohttp import web

from hirestream.metrics import HTTP_REQUEST_SECONDS
from hirestream.web.keys import PRINCIPAL, REQUEST_ID
from hirestream.web.rate_limits import retry_after
from hirestream.web.validation import Invalid

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Problem(Exception):
    """An HTTP error with the project's body. ``message`` may be a list (validation)."""

    def __init__(
        self,
        status: int,
        message: str | list[str],
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message if isinstance(message, str) else "; ".join(message))
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}
        self.extra = extra or {}


def rate_limited(message: str, wait_s: float) -> Problem:
    """429 ``rate_limited``, with how long to wait (``Retry-After``, whole seconds)."""
    return Problem(429, message, code="rate_limited", headers={"Retry-After": retry_after(wait_s)})


#: Another tenant's interview, or none: the same answer (docs/api.md §1).
NOT_FOUND = Problem(404, "Interview not found")


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def problem_body(
    status: int,
    message: str | list[str],
    request_id: str,
    code: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "statusCode": status,
        "message": message,
        "error": HTTPStatus(status).phrase,
        "requestId": request_id,
    }
    if code:
        body["code"] = code
    if extra:
        body.update(extra)
    return body


def request_id_of(request: web.Request) -> str:
    rid: str = request.get(REQUEST_ID, "")
    return rid


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every response carries ``X-Request-ID``, echoed when the caller sent a sane one; every
    request is logged as one line with its tenant and request id."""
    given = request.headers.get("X-Request-ID", "")
    rid = given if 0 < len(given) <= 200 and given.isprintable() else str(uuid.uuid4())
    request[REQUEST_ID] = rid
    started = time.perf_counter()
    response = await handler(request)
    response.headers["X-Request-ID"] = rid
    who = request.get(PRINCIPAL)
    took = time.perf_counter() - started
    HTTP_REQUEST_SECONDS.labels(route_of(request), request.method, str(response.status)).observe(
        took
    )
    log.info(
        "event=http.request method=%s path=%s status=%s ms=%.1f tenant=%s request=%s",
        request.method,
        logged_path(request),
        response.status,
        took * 1000,
        getattr(who, "tenant_id", "-"),
        rid,
    )
    return response


def logged_path(request: web.Request) -> str:
    """The path as it is logged: a candidate link's token, which is the candidate's credential
    (``/candidate-access/{token}``, ``/interview/join/{token}``), written as ``{token}``. The
    query string (the session socket's ``?token=``) is never logged."""
    token = request.match_info.get("token")
    return request.path.replace(token, "{token}") if token else request.path


def route_of(request: web.Request) -> str:
    """The request's route template (``/api/v1/interviews/{id}``), ``unmatched`` for none: a
    metric label that names no interview."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


async def _allowed_methods(request: web.Request, fallback: set[str]) -> set[str]:
    """The methods of the route the path names, for ``Allow``. aiohttp's 405 lists the methods
    of every route whose pattern matches the path, so ``/interviews/counts`` would also
    advertise the PUT and DELETE of ``/interviews/{id}`` (which answer 404 there). Like the
    dispatcher, prefer the route with the longest literal prefix (the first one registered on
    a tie)."""
    best: tuple[int, set[str]] | None = None
    for resource in request.app.router.resources():
        _, allowed = await resource.resolve(request)
        literal = len(resource.canonical.partition("{")[0])
        if allowed and (best is None or literal > best[0]):
            best = (literal, set(allowed))
    return best[1] if best is not None else fallback


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = request_id_of(request)
    try:
        return await handler(request)
    except Invalid as invalid:
        body = problem_body(400, invalid.messages, rid, "validation_failed")
        return json_response(body, 400)
    except Problem as p:
        return json_response(
            problem_body(p.status, p.message, rid, p.code, p.extra), p.status, p.headers
        )
    except web.HTTPRequestEntityTooLarge:
        limit = request.app._client_max_size
        message = f"Request body too large (at most {limit} bytes)"
        return json_response(problem_body(413, message, rid, "body_too_large"), 413)
    except web.HTTPMethodNotAllowed as exc:
        allow = ", ".join(sorted(await _allowed_methods(request, exc.allowed_methods)))
        message = f"Method not allowed (allowed: {allow})"
        return json_response(problem_body(405, message, rid), 405, {"Allow": allow})
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = {404: "Not found"}.get(exc.status, exc.reason)
        return json_response(problem_body(exc.status, message, rid), exc.status)
    except web.RequestPayloadError:
        message = "The request body could not be read (broken chunked encoding or compression)"
        return json_response(problem_body(400, message, rid, "malformed_body"), 400)
    except Exception:
        log.exception("event=request.failed request=%s path=%s", rid, request.path)
        return json_response(problem_body(500, "Internal server error", rid), 500)

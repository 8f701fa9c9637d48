"""``Idempotency-Key`` for writes that are not Kafka commands (docs/api.md §1): ``@idempotent``.

A handler that writes to the configuration store directly opts in with
``@idempotent("<label>")`` (under ``@requires``). With an ``Idempotency-Key`` header (1–255
printable characters, else 400) the request is run at most once per tenant, method, path and
key within ``HIRESTREAM_IDEMPOTENCY_RETENTION_S`` (24 h):

* the same key with the same request — the same caller and the same body — answers the first
  response again (status, content type and body; for a create, the same object);
* the same key with another body, or from another caller of the tenant, is 422
  ``idempotency_key_reused`` (a replay can hold a secret, such as a new API key, that only its
  caller has seen);
* a retry while the first request still runs waits for its answer, up to ``WAIT_S``, then is
  409 ``idempotency_key_in_progress`` with ``Retry-After``; so concurrent retries run the
  handler once.

Only successful (2xx) answers are kept; when the handler fails, the key is released and a
retry runs afresh. Without the header the handler simply runs. The entries live in
``hirestream.store.idempotency`` (sealed, found by a hash).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Final

from aiohttp import web

from hirestream.store.idempotency import (
    Answer,
    Claim,
    IdempotencyStore,
    Scope,
    fingerprint,
)
from hirestream.web.auth import principal
from hirestream.web.commands import idempotency_key
from hirestream.web.errors import Handler, Problem
from hirestream.web.keys import IDEMPOTENCY

#: How long a retry waits for the first request's answer before 409.
WAIT_S: Final = 10.0
_FIRST_POLL_S: Final = 0.02
_MAX_POLL_S: Final = 0.25


def idempotent(label: str) -> Callable[[Handler], Handler]:
    """Make a write handler honour ``Idempotency-Key``; ``label`` names its answers (it goes
    into the key their sealing key is derived from, e.g. ``api-key-replay``)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def run(request: web.Request) -> web.StreamResponse:
            key = idempotency_key(request)
            if key is None:
                return await handler(request)
            return await _run_once(request, handler, label, key)

        return run

    return decorate


async def _run_once(
    request: web.Request, handler: Handler, label: str, key: str
) -> web.StreamResponse:
    who = principal(request)
    path = request.rel_url.raw_path
    scope = Scope(label, who.tenant_id, request.method, path, key)
    request_fingerprint = fingerprint(who.actor_id, request.method, path, await request.read())
    store = request.app[IDEMPOTENCY]
    claim = await _claim(store, scope, request_fingerprint)
    if claim.answer is not None:
        return replay(claim.answer)
    try:
        response = await handler(request)
    except BaseException:
        await store.release(scope)
        raise
    answer = answer_of(response)
    if answer is None:
        await store.release(scope)
    else:
        await store.complete(scope, answer)
    return response


async def _claim(store: IdempotencyStore, scope: Scope, request_fingerprint: bytes) -> Claim:
    """Own ``scope`` or get its answer, waiting up to ``WAIT_S`` while the first runs."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    pause = _FIRST_POLL_S
    while True:
        claim = await store.claim(scope, request_fingerprint)
        if claim.state == "reused":
            raise Problem(
                422,
                "Idempotency-Key was already used with a different request",
                code="idempotency_key_reused",
            )
        if claim.state != "running":
            return claim
        if loop.time() + pause > deadline:
            raise Problem(
                409,
                "A request with this Idempotency-Key is still in progress; retry shortly",
                code="idempotency_key_in_progress",
                headers={"Retry-After": "1"},
            )
        await asyncio.sleep(pause)
        pause = min(pause * 2, _MAX_POLL_S)


def answer_of(response: web.StreamResponse) -> Answer | None:
    """The replayable form of a successful response (None for anything else)."""
    if not isinstance(response, web.Response) or not 200 <= response.status < 300:
        return None
    body = response.body
    if body is None:
        return Answer(response.status, None, b"")
    if not isinstance(body, bytes):
        return None  # a streamed payload: not replayable
    return Answer(response.status, response.content_type, body)


def replay(answer: Answer) -> web.Response:
    """The first response again."""
    if answer.content_type is None:
        return web.Response(status=answer.status)
    return web.Response(status=answer.status, body=answer.body, content_type=answer.content_type)

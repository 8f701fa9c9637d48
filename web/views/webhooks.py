"""Webhook endpoints, signing secrets and the delivery log (docs/api.md §7).

Everything is the caller's tenant's: another tenant's endpoint or delivery is a 404, like an
unknown id. Writes need ``tenant:update`` and honour ``Idempotency-Key``
(``hirestream.web.idempotency``: a replayed answer holding a secret is kept only sealed);
reads need ``tenant:read``. A secret is shown only when it is made (create, rotate, the
callback secret); delivery itself happens in the background (``hirestream.agents.webhooks``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Final

from aiohttp import web

from hirestream.agents.webhooks import (
    EVENTS,
    LOG_EVENTS,
    STATUSES,
    make_test_delivery,
    new_secret,
)
from hirestream.store import webhooks as store
from hirestream.topics.clock import iso_millis
from hirestream.topics.tenancy import canonical_uuid
from hirestream.topics.urls import check_url
from hirestream.web.auth import principal, requires
from hirestream.web.commands import read_json
from hirestream.web.errors import Problem, json_response
from hirestream.web.idempotency import idempotent
from hirestream.web.keys import CALLBACK_HTTP_HOSTS, POOL, SETTINGS
from hirestream.web.validation import Invalid, list_query

MAX_DESCRIPTION: Final = 500
MAX_URL: Final = 2048
#: ``cursor`` is the ``log_seq`` of the last delivery of the previous page.
MAX_CURSOR_DIGITS: Final = 18

ENDPOINT_NOT_FOUND = Problem(404, "Webhook endpoint not found")
DELIVERY_NOT_FOUND = Problem(404, "Webhook delivery not found")


def endpoint_request(
    body: Any, http_hosts: frozenset[str]
) -> tuple[str, list[str] | None, str | None]:
    """``{url, events?, description?}`` checked: the URL under the ``callbackUrl`` rules, the
    events known (repeats dropped; null or absent: every event)."""
    if not isinstance(body, dict):
        raise Problem(400, ["body must be a JSON object"])
    errors: list[str] = []
    url = body.get("url")
    if not isinstance(url, str) or not url:
        errors.append("url is required (an https URL)")
        url = ""
    elif len(url) > MAX_URL:
        errors.append(f"url must be at most {MAX_URL} characters")
    else:
        reason = check_url(url, http_hosts)
        if reason is not None:
            errors.append(f"url {reason}")
    events = body.get("events")
    if events is not None:
        if not isinstance(events, list) or not events:
            errors.append("events must be a non-empty list of event names, or null for every event")
            events = None
        else:
            unknown = [e for e in events if not isinstance(e, str) or e not in EVENTS]
            if unknown:
                errors.append(
                    f"events has an unknown event {str(unknown[0])[:100]!r} "
                    f"(events: {', '.join(EVENTS)})"
                )
            events = list(dict.fromkeys(events))
    description = body.get("description")
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_DESCRIPTION
    ):
        errors.append(f"description must be a string of at most {MAX_DESCRIPTION} characters")
    if errors:
        raise Problem(400, errors, code="validation_failed")
    return url, events, description


def delivery_query(
    params: dict[str, str],
) -> tuple[str | None, str | None, str | None, int, int | None]:
    """``interviewId``, ``event``, ``status``, ``limit`` and ``cursor`` of the delivery log;
    empty values mean their defaults."""
    errors: list[str] = []
    interview_id = params.get("interviewId") or None
    if interview_id is not None:
        interview_id = canonical_uuid(interview_id)
        if interview_id is None:
            errors.append("interviewId must be a UUID")
    event = params.get("event") or None
    if event is not None and event not in LOG_EVENTS:
        errors.append(f"event must be one of {', '.join(LOG_EVENTS)}")
    status = params.get("status") or None
    if status is not None and status not in STATUSES:
        errors.append(f"status must be one of {', '.join(STATUSES)}")
    limit = 20
    try:
        limit = list_query({"limit": params.get("limit", "")}).limit
    except Invalid as exc:
        errors += exc.messages
    raw_cursor = params.get("cursor") or None
    cursor = None
    if raw_cursor is not None:
        if raw_cursor.isascii() and raw_cursor.isdigit() and len(raw_cursor) <= MAX_CURSOR_DIGITS:
            cursor = int(raw_cursor)
        else:
            errors.append("cursor must be the nextCursor of a previous page")
    if errors:
        raise Problem(400, errors, code="validation_failed")
    return interview_id, event, status, limit, cursor


def _id(request: web.Request, missing: Problem) -> str:
    found = canonical_uuid(request.match_info["id"])
    if found is None:
        raise missing
    return found


# --- endpoints ------------------------------------------------------------------------------


@requires("tenant:update")
@idempotent("webhook-endpoint-replay")
async def create_endpoint(request: web.Request) -> web.Response:
    body, _ = await read_json(request)
    url, events, description = endpoint_request(body, request.app[CALLBACK_HTTP_HOSTS])
    secret = new_secret()
    try:
        endpoint = await store.create_endpoint(
            request.app[POOL],
            tenant_id=principal(request).tenant_id,
            url=url,
            events=events,
            description=description,
            secret=secret,
        )
    except store.TooManyEndpoints:
        raise Problem(
            409,
            f"A tenant has at most {store.MAX_ENDPOINTS} webhook endpoints",
            code="too_many_endpoints",
        ) from None
    return json_response({**endpoint.to_json(), "secret": secret}, 201)


@requires("tenant:read")
async def list_endpoints(request: web.Request) -> web.Response:
    found = await store.list_endpoints(request.app[POOL], principal(request).tenant_id)
    return json_response({"data": [e.to_json() for e in found]})


@requires("tenant:read")
async def get_endpoint(request: web.Request) -> web.Response:
    endpoint_id = _id(request, ENDPOINT_NOT_FOUND)
    found = await store.get_endpoint(request.app[POOL], principal(request).tenant_id, endpoint_id)
    if found is None:
        raise ENDPOINT_NOT_FOUND
    return json_response(found.to_json())


@requires("tenant:update")
@idempotent("webhook-endpoint-delete-replay")
async def delete_endpoint(request: web.Request) -> web.Response:
    endpoint_id = _id(request, ENDPOINT_NOT_FOUND)
    tenant = principal(request).tenant_id
    if not await store.delete_endpoint(request.app[POOL], tenant, endpoint_id):
        raise ENDPOINT_NOT_FOUND
    return web.Response(status=204)


@requires("tenant:update")
@idempotent("webhook-secret-replay")
async def rotate_secret(request: web.Request) -> web.Response:
    endpoint_id = _id(request, ENDPOINT_NOT_FOUND)
    secret = new_secret()
    tenant = principal(request).tenant_id
    if not await store.add_endpoint_secret(request.app[POOL], tenant, endpoint_id, secret):
        raise ENDPOINT_NOT_FOUND
    return json_response({"secret": secret})


@requires("tenant:update")
@idempotent("webhook-test-replay")
async def test_endpoint(request: web.Request) -> web.Response:
    endpoint_id = _id(request, ENDPOINT_NOT_FOUND)
    pool, tenant = request.app[POOL], principal(request).tenant_id
    endpoint = await store.get_endpoint(pool, tenant, endpoint_id)
    if endpoint is None:
        raise ENDPOINT_NOT_FOUND
    now = datetime.now(UTC)
    planned = make_test_delivery(
        tenant, endpoint.id, endpoint.url, iso_millis(now), uuid.uuid4().hex
    )
    delivery = await store.insert_delivery(pool, request.app[SETTINGS].app_id, planned, now)
    return json_response(delivery.to_json(), 202)


@requires("tenant:update")
@idempotent("callback-secret-replay")
async def callback_secret(request: web.Request) -> web.Response:
    secret = new_secret()
    await store.add_callback_secret(request.app[POOL], principal(request).tenant_id, secret)
    return json_response({"secret": secret})


# --- the delivery log -----------------------------------------------------------------------


@requires("tenant:read")
async def list_deliveries(request: web.Request) -> web.Response:
    interview_id, event, status, limit, cursor = delivery_query(dict(request.query))
    page, next_cursor = await store.list_deliveries(
        request.app[POOL],
        principal(request).tenant_id,
        interview_id=interview_id,
        event=event,
        status=status,
        limit=limit,
        before=cursor,
    )
    return json_response(
        {
            "data": [d.to_json() for d in page],
            "nextCursor": None if next_cursor is None else str(next_cursor),
        }
    )


@requires("tenant:update")
@idempotent("webhook-delivery-replay")
async def replay_delivery(request: web.Request) -> web.Response:
    delivery_id = _id(request, DELIVERY_NOT_FOUND)
    tenant = principal(request).tenant_id
    try:
        found = await store.replay(request.app[POOL], tenant, delivery_id, datetime.now(UTC))
    except store.EndpointGone:
        raise Problem(
            409,
            "The delivery's webhook endpoint was deleted; it cannot be replayed",
            code="endpoint_deleted",
        ) from None
    if found is None:
        raise DELIVERY_NOT_FOUND
    return json_response(found.to_json(), 202)

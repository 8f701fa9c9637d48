"""Interview CRUD, list and counts (the seed's endpoints)."""

from __future__ import annotations

from aiohttp import web

from hirestream.privacy import unseal_fields
from hirestream.tables.counts import counts_view
from hirestream.topics.payloads import create_fields, update_fields
from hirestream.web import payloads, render
from hirestream.web.auth import principal, requires
from hirestream.web.commands import (
    act,
    command_id_for,
    create,
    idempotency_key,
    new_interview_id,
    path_id,
    read_json,
)
from hirestream.web.errors import Problem, json_response
from hirestream.web.keys import BACKEND, CALLBACK_HTTP_HOSTS, DATA_KEYS
from hirestream.web.outcomes import status_of
from hirestream.web.routing import owned_record, routed_to_owner
from hirestream.web.search import listed_page
from hirestream.web.validation import list_query


@requires("interview:create")
async def create_interview(request: web.Request) -> web.Response:
    body, raw = await read_json(request)
    fields = create_fields(body, http_hosts=request.app[CALLBACK_HTTP_HOSTS])
    key = idempotency_key(request)
    command_id = command_id_for(principal(request).tenant_id, key)
    outcome = await create(
        request,
        fields,
        body,
        command_id=command_id,
        interview_id=new_interview_id(command_id, key),
        fingerprint_body=raw,
    )
    record = outcome["record"]
    personal = await payloads.opened(request.app[DATA_KEYS], record)
    return json_response(render.summary(record, personal), status_of(outcome))


@requires("interview:update")
async def update_interview(request: web.Request) -> web.Response:
    body, raw = await read_json(request)
    interview_id = path_id(request)
    fields = update_fields(body, http_hosts=request.app[CALLBACK_HTTP_HOSTS])
    payload = await payloads.sealed_body(request, interview_id, fields, body)
    record = (await act(request, "interview.update", interview_id, payload, raw))["record"]
    return json_response(render.full(record, await payloads.opened(request.app[DATA_KEYS], record)))


@requires("interview:delete")
async def delete_interview(request: web.Request) -> web.Response:
    await act(request, "interview.delete", path_id(request), {})
    return web.Response(status=204)


@requires("interview:read")
@routed_to_owner
async def get_interview(request: web.Request) -> web.Response:
    found = owned_record(request, path_id(request))
    return json_response(render.full(found, await payloads.opened(request.app[DATA_KEYS], found)))


@requires("interview:read")
@routed_to_owner
async def get_plan(request: web.Request) -> web.Response:
    """The interview's current plan; 404 (code ``plan_not_generated``) until there is one."""
    found = owned_record(request, path_id(request))
    if found.get("plan") is None:
        state = found.get("workflowState") or "null"
        raise Problem(
            404, f"No plan yet: the interview is in state {state}", code="plan_not_generated"
        )
    return json_response(found["plan"])


@requires("interview:read")
@routed_to_owner
async def list_interviews(request: web.Request) -> web.Response:
    query = list_query(dict(request.query))
    tenant = principal(request).tenant_id
    backend = request.app[BACKEND]
    page = await listed_page(request, tenant, query)
    records = [r for r in (backend.record(tenant, i) for i in page.ids) if r is not None]
    keys = await request.app[DATA_KEYS].get_many(tenant, [r["id"] for r in records])
    data = [
        render.list_item(r, unseal_fields(keys.get(r["id"]), tenant, r["id"], r.get("sealed", {})))
        for r in records
    ]
    return json_response(
        {
            "data": data,
            "total": page.total,
            "page": page.page,
            "limit": page.limit,
            "totalPages": page.total_pages,
        }
    )


@requires("interview:read")
@routed_to_owner
async def interview_counts(request: web.Request) -> web.Response:
    tenant = principal(request).tenant_id
    return json_response(counts_view(request.app[BACKEND].counts(tenant)))


@requires("interview:assess")
async def assess_interview(request: web.Request) -> web.Response:
    raise Problem(
        400,
        "POST /interviews/:id/assess is deprecated: the assessor runs automatically when the "
        "interview ends; to re-run it use POST /a2a/interview/:id/retrigger-assessment",
        code="deprecated",
    )


@requires("interview:assess")
async def retrigger_assessment(request: web.Request) -> web.Response:
    """A new assessment of a completed interview (the earlier ones stay in its history)."""
    record = (
        await act(
            request, "interview.workflow", path_id(request), {"action": "retrigger_assessment"}
        )
    )["record"]
    return json_response({"interviewId": record["id"], "status": "queued"}, 202)

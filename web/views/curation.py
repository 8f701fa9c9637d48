"""Recruiter overrides and the tenant's unknown taxonomy terms (docs/api.md §5)."""

from __future__ import annotations

from aiohttp import web

from hirestream.agents.enrich import role_families, taxonomy_version, unknown_terms
from hirestream.topics.payloads import override_fields
from hirestream.web.auth import principal, requires
from hirestream.web.commands import (
    build_command,
    command_id_for,
    execute,
    idempotency_key,
    path_id,
    read_json,
)
from hirestream.web.errors import json_response
from hirestream.web.keys import BACKEND
from hirestream.web.routing import owned_record, routed_to_owner


@requires("interview:update")
async def apply_override(request: web.Request) -> web.Response:
    interview_id = path_id(request)
    body, raw = await read_json(request)
    patch = override_fields(body, role_families())
    tenant = principal(request).tenant_id
    command = build_command(
        request,
        kind="interview.override",
        command_id=command_id_for(tenant, idempotency_key(request)),
        interview_id=interview_id,
        payload=patch,
        raw_body=raw,
    )
    record = (await execute(request, command))["record"]
    patches = record.get("overrides", [])
    patch = next((p for p in patches if p["id"] == command["commandId"]), patches[-1])
    return json_response(patch, 201)


@requires("interview:read")
@routed_to_owner
async def list_overrides(request: web.Request) -> web.Response:
    return json_response(owned_record(request, path_id(request)).get("overrides", []))


@requires("interview:read")
@routed_to_owner
async def unknown_taxonomy_terms(request: web.Request) -> web.Response:
    """Skills and titles the enricher could not match, for review, most frequent first."""
    state = request.app[BACKEND].enrichment(principal(request).tenant_id)
    return json_response({"taxonomyVersion": taxonomy_version(), "data": unknown_terms(state)})

"""Recruiter overrides and the tenant's unknown taxonomy terms (docs/api.md §5)."""

from __future__ import annotations

from aiohttp import web

from hirestream.agents.enrich import role_families, taxonomy_version, unknown_terms
from hirestream.topics.payloads import override_fields
from hirestream.web.auth import principal, requires
from hirestream.web.commands import (
    act,
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
    record = (await act(request, "interview.override", interview_id, patch, raw))["record"]
    return json_response(record["overrides"][-1], 201)  # the patch this request made


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

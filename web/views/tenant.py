"""GET/PUT /tenant/settings (tenant:read / tenant:update); PUT honours ``Idempotency-Key``
(``hirestream.web.idempotency``)."""

from __future__ import annotations

from aiohttp import web

from hirestream.store import tenant_settings
from hirestream.web.auth import principal, requires
from hirestream.web.commands import read_json
from hirestream.web.errors import Problem, json_response
from hirestream.web.idempotency import idempotent
from hirestream.web.keys import POOL


@requires("tenant:read")
async def get_settings(request: web.Request) -> web.Response:
    settings = await tenant_settings.read(request.app[POOL], principal(request).tenant_id)
    return json_response(settings)


@requires("tenant:update")
@idempotent("tenant-settings-replay")
async def put_settings(request: web.Request) -> web.Response:
    body, _ = await read_json(request)
    try:
        changes = tenant_settings.validated(body)
    except tenant_settings.InvalidSettings as exc:
        raise Problem(400, exc.messages, code="validation_failed") from exc
    settings = await tenant_settings.update(
        request.app[POOL], principal(request).tenant_id, changes
    )
    return json_response(settings)

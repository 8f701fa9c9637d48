"""The aiohttp application factory: typed app keys, cleanup contexts, middlewares, routes.

``create_web_app(settings, backend)`` builds the app a worker serves; the backend is the
worker's stream processor (``hirestream.streams.StreamProcessor``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from hirestream.settings import Settings
from hirestream.store.datakeys import DataKeys
from hirestream.store.db import migrate, open_pool
from hirestream.store.idempotency import IdempotencyStore
from hirestream.web import routing
from hirestream.web.auth import AUTHENTICATOR, Authenticator, auth_middleware
from hirestream.web.backend import BACKEND, InterviewBackend
from hirestream.web.commands import COMMAND_TIMEOUT
from hirestream.web.credentials import jwt_policy
from hirestream.web.errors import error_middleware, request_id_middleware
from hirestream.web.idempotency import IDEMPOTENCY
from hirestream.web.resume.service import resume_parser_ctx
from hirestream.web.server import secure_headers
from hirestream.web.views import (
    apikeys,
    curation,
    health,
    integration,
    interviews,
    openapi,
    resume,
    tenant,
)

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = await open_pool(settings.database_url)
    await migrate(pool)
    app[apikeys.POOL] = pool
    app[interviews.DATA_KEYS] = DataKeys(pool)
    policy = jwt_policy(
        settings.jwt_secret,
        settings.jwt_public_key,
        settings.jwt_algorithms,
        settings.jwt_issuer,
        settings.jwt_audience,
    )
    app[AUTHENTICATOR] = Authenticator(policy, pool, settings.api_key_cache_ttl_s)
    app[IDEMPOTENCY] = IdempotencyStore(pool, retention_s=settings.idempotency_retention_s)
    yield
    await pool.close()


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app[routing.HTTP_CLIENT] = session
        yield


def add_routes(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_get(f"{prefix}/health/live", health.live)
    r.add_get(f"{prefix}/health/ready", health.ready)
    r.add_get(f"{prefix}/openapi.json", openapi.openapi_document)
    r.add_get(f"{prefix}/schemas/{{name}}.json", openapi.kafka_schema)
    r.add_post(f"{prefix}/interviews/parse-resume", resume.parse_resume)
    r.add_get(f"{prefix}/interviews/counts", interviews.interview_counts)
    r.add_post(f"{prefix}/interviews", interviews.create_interview)
    r.add_get(f"{prefix}/interviews", interviews.list_interviews)
    r.add_get(f"{prefix}/interviews/{{id}}", interviews.get_interview)
    r.add_put(f"{prefix}/interviews/{{id}}", interviews.update_interview)
    r.add_delete(f"{prefix}/interviews/{{id}}", interviews.delete_interview)
    r.add_get(f"{prefix}/interviews/{{id}}/plan", interviews.get_plan)
    r.add_post(f"{prefix}/interviews/{{id}}/assess", interviews.assess_interview)
    r.add_post(f"{prefix}/interviews/{{id}}/override", curation.apply_override)
    r.add_get(f"{prefix}/interviews/{{id}}/overrides", curation.list_overrides)
    r.add_get(f"{prefix}/taxonomy/unknown", curation.unknown_taxonomy_terms)
    r.add_get(f"{prefix}/tenant/settings", tenant.get_settings)
    r.add_put(f"{prefix}/tenant/settings", tenant.put_settings)
    run = f"{prefix}/integration/interviews/{{runId}}"
    r.add_post(f"{prefix}/integration/interviews", integration.create)
    r.add_get(run, integration.get)
    r.add_delete(run, integration.cancel)
    r.add_patch(f"{run}/info", integration.supply_info)
    r.add_post(f"{run}/plan/approve", integration.approve_plan)
    r.add_post(f"{run}/plan/reject", integration.reject_plan)
    r.add_patch(f"{run}/plan/revise", integration.revise_plan)
    r.add_delete(f"{run}/candidate-data", integration.purge_candidate_data)
    r.add_post(f"{prefix}/api-keys", apikeys.create_api_key)
    r.add_get(f"{prefix}/api-keys", apikeys.list_api_keys)
    r.add_delete(f"{prefix}/api-keys/{{id}}", apikeys.revoke_api_key)


def create_web_app(settings: Settings, backend: InterviewBackend) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[request_id_middleware, error_middleware, auth_middleware],
    )
    app[SETTINGS] = settings
    app[BACKEND] = backend
    app[routing.SELF_URL] = settings.web_url
    app[routing.FORWARD_TIMEOUT] = settings.forward_timeout_s
    app[COMMAND_TIMEOUT] = settings.command_timeout_s
    app[interviews.CALLBACK_HTTP_HOSTS] = settings.callback_http_hosts
    app.cleanup_ctx.extend([_database, _http_client, resume_parser_ctx])
    app.on_response_prepare.append(secure_headers)
    add_routes(app, settings.api_prefix)
    return app

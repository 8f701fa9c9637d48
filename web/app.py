"""The aiohttp application factory: typed app keys (``web/keys.py``), cleanup contexts,
middlewares, routes (``web/routes.py``).

``create_web_app(settings, backend)`` builds the app a worker serves; the backend is the
worker's stream processor (``hirestream.streams.StreamProcessor``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from hirestream.documents.service import ResumeParser
from hirestream.settings import Settings
from hirestream.store.datakeys import DataKeys
from hirestream.store.db import migrate, open_pool
from hirestream.store.idempotency import IdempotencyStore
from hirestream.web.auth import Authenticator, auth_middleware
from hirestream.web.backend import InterviewBackend
from hirestream.web.credentials import jwt_policy
from hirestream.web.errors import error_middleware, request_id_middleware
from hirestream.web.keys import (
    ACCESS_LIMIT,
    AUTHENTICATOR,
    BACKEND,
    CALLBACK_HTTP_HOSTS,
    COMMAND_TIMEOUT,
    DATA_KEYS,
    FORWARD_TIMEOUT,
    HTTP_CLIENT,
    IDEMPOTENCY,
    INVITE_LIMIT,
    POOL,
    RESUME_PARSER,
    SELF_URL,
    SETTINGS,
    SOCKETS,
    TOKEN_KEYS,
)
from hirestream.web.rate_limits import RateLimit
from hirestream.web.routes import add_routes
from hirestream.web.server import secure_headers
from hirestream.web.sockets import SessionSockets
from hirestream.web.views.candidates import candidate_headers

#: Candidate links: requests per minute for one link and for one client address.
ACCESS_PER_MINUTE = 120


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = await open_pool(settings.database_url)
    await migrate(pool)
    app[POOL] = pool
    app[DATA_KEYS] = DataKeys(pool)
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
        app[HTTP_CLIENT] = session
        yield


async def resume_parser_context(app: web.Application) -> AsyncIterator[None]:
    """A ``ResumeParser`` (limits from the environment) for the application's lifetime."""
    parser = ResumeParser()
    await parser.start()
    app[RESUME_PARSER] = parser
    try:
        yield
    finally:
        await parser.close()


def create_web_app(settings: Settings, backend: InterviewBackend) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[request_id_middleware, candidate_headers, error_middleware, auth_middleware],
    )
    app[SETTINGS] = settings
    app[BACKEND] = backend
    app[SELF_URL] = settings.web_url
    app[FORWARD_TIMEOUT] = settings.forward_timeout_s
    app[COMMAND_TIMEOUT] = settings.command_timeout_s
    app[CALLBACK_HTTP_HOSTS] = settings.callback_http_hosts
    app[TOKEN_KEYS] = backend.token_keys
    app[INVITE_LIMIT] = RateLimit(
        per_minute=settings.invite_rate_per_minute, burst=settings.invite_rate_per_minute
    )
    app[ACCESS_LIMIT] = RateLimit(per_minute=ACCESS_PER_MINUTE, burst=ACCESS_PER_MINUTE // 2)
    sockets = SessionSockets()
    app[SOCKETS] = sockets
    backend.on_session_ended(sockets.ended)
    app.cleanup_ctx.extend([_database, _http_client, resume_parser_context])
    app.on_response_prepare.append(secure_headers)
    add_routes(app, settings.api_prefix)
    return app

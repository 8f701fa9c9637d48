"""Every typed key of the web application and of a request, in one place (the aiohttp demos'
``typedefs``): what the app factory puts on the application, and what the middlewares put on
a request. Modules import the keys from here, never from one another."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    import asyncpg

    from hirestream.candidate_tokens import TokenKeys
    from hirestream.documents.service import ResumeParser
    from hirestream.settings import Settings
    from hirestream.store.datakeys import DataKeys
    from hirestream.store.idempotency import IdempotencyStore
    from hirestream.web.auth import Authenticator
    from hirestream.web.backend import InterviewBackend
    from hirestream.web.rate_limits import RateLimit
    from hirestream.web.sockets import SessionSockets

# --- the application ----------------------------------------------------------------------
SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
BACKEND: web.AppKey[InterviewBackend] = web.AppKey("backend")
POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool")
DATA_KEYS: web.AppKey[DataKeys] = web.AppKey("data_keys")
AUTHENTICATOR: web.AppKey[Authenticator] = web.AppKey("authenticator")
IDEMPOTENCY: web.AppKey[IdempotencyStore] = web.AppKey("idempotency")
RESUME_PARSER: web.AppKey[ResumeParser] = web.AppKey("resume_parser")
HTTP_CLIENT: web.AppKey[aiohttp.ClientSession] = web.AppKey("http_client", aiohttp.ClientSession)
#: This worker's own URL, as the other workers reach it (to tell a forwarded read from its own).
SELF_URL: web.AppKey[str] = web.AppKey("self_url", str)
FORWARD_TIMEOUT: web.AppKey[float] = web.AppKey("forward_timeout", float)
COMMAND_TIMEOUT: web.AppKey[float] = web.AppKey("command_timeout", float)
#: ``host:port`` entries whose callback URLs may be plain http (development only).
CALLBACK_HTTP_HOSTS: web.AppKey[frozenset[str]] = web.AppKey("callback_http_hosts", frozenset)
TOKEN_KEYS: web.AppKey[TokenKeys] = web.AppKey("token_keys")
INVITE_LIMIT: web.AppKey[RateLimit] = web.AppKey("invite_limit")
ACCESS_LIMIT: web.AppKey[RateLimit] = web.AppKey("access_limit")
SOCKETS: web.AppKey[SessionSockets] = web.AppKey("sockets")

# --- a request ----------------------------------------------------------------------------
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
#: Who is calling (set by the auth middleware; ``hirestream.web.credentials.Principal``).
PRINCIPAL: web.RequestKey[Any] = web.RequestKey("principal", object)

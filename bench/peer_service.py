"""A peer for ``bench/api_bench.py``: the interview service a team would write instead.

aiohttp + asyncpg, one process, one PostgreSQL table; what hirestream is compared with.

- ``POST /api/v1/interviews``: the JSON body checked with hirestream's own validator
  (``hirestream.topics.payloads.create_fields``: the same required fields and limits), a
  Bearer JWT checked with pyjwt, HS256, with hirestream's own claim checks
  (``hirestream.web.credentials.principal_from_jwt``; ``interview:create`` required), then one
  ``INSERT`` — a single statement, so one transaction — and 201 with the summary JSON
  (hirestream's ``SUMMARY_FIELDS``).
- ``GET /api/v1/interviews/{id}``: one ``SELECT`` by primary key and tenant (``interview:read``
  required); 404 for an unknown id, another tenant's, or an id that is not a UUID.
- ``GET /health``: 200 (readiness for the benchmark).

Errors have hirestream's shape (``statusCode``, ``message``, ``error``, ``requestId``) and every
answer an ``X-Request-ID``; JSON is read and written with orjson, as hirestream does. What the
peer does not do, and hirestream does: seal personal fields, Idempotency-Key, events, the
workflow after a create. The rows live in the schema ``peer_bench`` (created on start;
``--reset`` empties the table first).

Run: ``python bench/peer_service.py --port 8090 --database-url postgresql://...``
(the JWT secret from ``--jwt-secret`` or ``HIRESTREAM_JWT_SECRET``); or import
``create_app``.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hirestream.topics.clock import iso_millis  # noqa: E402
from hirestream.topics.payloads import Invalid, create_fields  # noqa: E402
from hirestream.web.credentials import (  # noqa: E402
    CredentialRejected,
    JwtPolicy,
    principal_from_jwt,
)

SCHEMA = "peer_bench"
PREFIX = "/api/v1"

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.interviews (
    id uuid PRIMARY KEY,
    tenant_id text NOT NULL,
    fields jsonb NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL
);
"""
INSERT = (
    "INSERT INTO peer_bench.interviews (id, tenant_id, fields, status, created_at) "
    "VALUES ($1, $2, $3::jsonb, $4, $5)"
)
SELECT = (
    "SELECT fields::text AS fields, status, created_at FROM peer_bench.interviews "
    "WHERE id = $1 AND tenant_id = $2"
)

POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool", asyncpg.Pool)
POLICY: web.AppKey[JwtPolicy] = web.AppKey("policy", JwtPolicy)


class PeerError(Exception):
    """An HTTP error answered in hirestream's error shape."""

    def __init__(self, status: int, message: str | list[str]) -> None:
        super().__init__(message if isinstance(message, str) else "; ".join(message))
        self.status = status
        self.message = message


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


@web.middleware
async def errors_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    request_id = str(uuid.uuid4())
    try:
        response = await handler(request)
    except PeerError as exc:
        response = _problem(exc.status, exc.message, request_id)
    except Invalid as exc:
        response = _problem(400, exc.messages, request_id)
    except web.HTTPException as exc:
        response = _problem(exc.status, exc.reason, request_id)
    response.headers["X-Request-ID"] = request_id
    return response


def _problem(status: int, message: str | list[str], request_id: str) -> web.Response:
    body = {
        "statusCode": status,
        "message": message,
        "error": HTTPStatus(status).phrase,
        "requestId": request_id,
    }
    return json_response(body, status)


def tenant_of(request: web.Request, permission: str) -> str:
    """The caller's tenant, from a verified Bearer JWT that grants ``permission``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PeerError(401, "Unauthorized")
    try:
        principal = principal_from_jwt(token.strip(), request.app[POLICY])
    except CredentialRejected as exc:
        raise PeerError(401, "Unauthorized") from exc
    if permission not in principal.permissions:
        raise PeerError(403, f"Insufficient permissions. Required: {permission}")
    return principal.tenant_id


def summary(
    interview_id: str, tenant: str, fields: dict[str, Any], status: str, created_at: str
) -> dict[str, Any]:
    """hirestream's ``SUMMARY_FIELDS``; the peer has no workflow, plan or session."""
    return {
        "id": interview_id,
        "tenantId": tenant,
        "candidateName": fields.get("candidateName"),
        "candidateEmail": fields.get("candidateEmail"),
        "position": fields.get("position"),
        "level": fields.get("level"),
        "skills": fields.get("skills"),
        "duration": fields.get("duration"),
        "status": status,
        "workflowState": None,
        "planId": None,
        "sessionId": None,
        "runId": None,
        "createdAt": created_at,
        "updatedAt": created_at,
    }


async def create_interview(request: web.Request) -> web.Response:
    tenant = tenant_of(request, "interview:create")
    raw = await request.read()
    if raw.strip() and request.content_type != "application/json":
        raise PeerError(415, f"Content-Type must be application/json (got {request.content_type})")
    if not raw.strip():
        raise PeerError(400, ["body is required and must be a JSON object"])
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PeerError(400, [f"body must be valid JSON ({exc.msg})"]) from exc
    fields = create_fields(body)
    interview_id = uuid.uuid4()
    created_at = datetime.now(UTC)
    # One statement: its own transaction (an explicit BEGIN/COMMIT would add two round trips
    # and nothing else).
    await request.app[POOL].execute(
        INSERT, interview_id, tenant, orjson.dumps(fields).decode(), "planned", created_at
    )
    return json_response(
        summary(str(interview_id), tenant, fields, "planned", iso_millis(created_at)), 201
    )


async def get_interview(request: web.Request) -> web.Response:
    tenant = tenant_of(request, "interview:read")
    try:
        interview_id = uuid.UUID(request.match_info["id"])
    except ValueError as exc:
        raise PeerError(404, "Interview not found") from exc
    row = await request.app[POOL].fetchrow(SELECT, interview_id, tenant)
    if row is None:
        raise PeerError(404, "Interview not found")
    fields: dict[str, Any] = orjson.loads(row["fields"])
    created_at = iso_millis(row["created_at"])
    return json_response(
        {
            "id": str(interview_id),
            "tenantId": tenant,
            **fields,
            "status": row["status"],
            "workflowState": None,
            "createdAt": created_at,
            "updatedAt": created_at,
        }
    )


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def prepare_schema(pool: asyncpg.Pool, *, reset: bool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        # Serialises concurrent starts: CREATE ... IF NOT EXISTS can race with itself.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", SCHEMA)
        await conn.execute(DDL)
        if reset:
            await conn.execute(f"TRUNCATE {SCHEMA}.interviews")


def create_app(
    database_url: str, jwt_secret: str, *, pool_size: int = 32, reset: bool = False
) -> web.Application:
    """The peer service; its pool (``pool_size`` connections, opened on start) and schema are
    set up when the application starts."""
    if len(jwt_secret.encode()) < 32:
        raise ValueError("the JWT secret must be at least 32 bytes")
    app = web.Application(middlewares=[errors_middleware], client_max_size=1024 * 1024)
    app[POLICY] = JwtPolicy(jwt_secret, ("HS256",))

    async def pool_context(app: web.Application) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(database_url, min_size=pool_size, max_size=pool_size)
        await prepare_schema(pool, reset=reset)
        app[POOL] = pool
        yield
        await pool.close()

    app.cleanup_ctx.append(pool_context)
    app.router.add_post(f"{PREFIX}/interviews", create_interview)
    app.router.add_get(f"{PREFIX}/interviews/{{id}}", get_interview)
    app.router.add_get("/health", health)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL URL (default: $DATABASE_URL)",
    )
    parser.add_argument(
        "--jwt-secret",
        default=os.environ.get("HIRESTREAM_JWT_SECRET", ""),
        help="HS256 secret, at least 32 bytes (default: $HIRESTREAM_JWT_SECRET)",
    )
    parser.add_argument("--pool-size", type=int, default=32)
    parser.add_argument("--reset", action="store_true", help="empty the table on start")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    if not args.jwt_secret:
        parser.error("--jwt-secret or HIRESTREAM_JWT_SECRET is required")
    app = create_app(args.database_url, args.jwt_secret, pool_size=args.pool_size, reset=args.reset)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()

"""The HTTP layer of a real worker against hostile and broken input: request heads aiohttp
cannot parse (raw sockets), the headers every response carries, 405 with Allow, ill-formed
tenant ids and token claims, and Idempotency-Key on the writes that are not Kafka commands
(API keys, tenant settings), checked in PostgreSQL too."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import aiohttp
import asyncpg
import jwt
import pytest

from hirestream.store.idempotency import Answer, Claim, IdempotencyStore, Scope, fingerprint
from tests.conftest import auth, token
from tests.support.workers import TEST_JWT_SECRET, Worker

pytestmark = pytest.mark.integration

MARKER = "ZQXJ-echo-marker"
TENANT_RULE = "X-Tenant-ID must be 1 to 128 characters of A-Z a-z 0-9 . _ -"


# ---- helpers -----------------------------------------------------------------------------


class RawAnswer:
    """A response read off a socket: status, headers (lower-case names) and body."""

    def __init__(self, data: bytes) -> None:
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.raw = data

    def json(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.body)
        return result


async def raw_request(worker: Worker, data: bytes, timeout_s: float = 10.0) -> RawAnswer:
    """Send ``data`` as it is and read the answer until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", worker.port)
    try:
        writer.write(data)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout_s)
    finally:
        writer.close()
    assert answer, "no answer"
    return RawAnswer(answer)


def head(lines: list[bytes], path: bytes = b"/api/v1/health/live") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(lines) + b"\r\n"


def assert_error_shape(status: int, body: dict[str, Any], headers: Any) -> None:
    assert body["statusCode"] == status
    assert set(body) <= {"statusCode", "message", "error", "requestId", "code"}
    assert body["message"] and body["error"]
    assert body["requestId"] == headers["X-Request-ID"]


def assert_common_headers(headers: Any) -> None:
    assert headers["Server"] == "hirestream"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Request-ID"]


async def create_key(
    http: aiohttp.ClientSession,
    worker: Worker,
    tenant: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    async with http.post(
        f"{worker.api}/api-keys", json=body, headers={**auth(tenant), **(headers or {})}
    ) as r:
        return r.status, await r.json()


async def list_keys(http: aiohttp.ClientSession, worker: Worker, tenant: str) -> list[Any]:
    async with http.get(f"{worker.api}/api-keys", headers=auth(tenant)) as r:
        assert r.status == 200
        data: list[Any] = (await r.json())["data"]
        return data


# ---- 1. request heads aiohttp cannot parse -----------------------------------------------


async def test_a_20_kb_authorization_header_is_a_json_431_without_echo(worker: Worker) -> None:
    value = b"Bearer " + MARKER.encode() + b"A" * 20_000
    answer = await raw_request(worker, head([b"Authorization: " + value + b"\r\n"]))
    assert answer.status == 431
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["statusCode"] == 431
    assert body["error"] == "Request Header Fields Too Large"
    assert body["message"].startswith("Request header fields too large")
    assert body["requestId"] == answer.headers["x-request-id"]
    assert MARKER.encode() not in answer.raw and b"AAAA" not in answer.raw
    assert answer.headers["server"] == "hirestream"
    assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "request_bytes",
    [
        head([b"X-Big: " + MARKER.encode() + b"v" * 9000 + b"\r\n"]),
        head([MARKER.encode() + b"n" * 9000 + b": v\r\n"]),
        head([f"X-H{i}: {MARKER}\r\n".encode() for i in range(200)]),
        head([], path=b"/" + MARKER.encode() + b"p" * 9000),
    ],
    ids=["long-value", "long-name", "200-fields", "long-request-line"],
)
async def test_oversized_heads_are_431(worker: Worker, request_bytes: bytes) -> None:
    answer = await raw_request(worker, request_bytes)
    assert answer.status == 431
    body = answer.json()
    assert body["statusCode"] == 431 and body["requestId"]
    assert MARKER.encode() not in answer.raw
    assert answer.headers["server"] == "hirestream"


async def test_a_header_just_under_the_limit_is_served(worker: Worker) -> None:
    answer = await raw_request(
        worker, head([b"X-Pad: " + b"p" * 8000 + b"\r\n", b"Connection: close\r\n"])
    )
    assert answer.status == 200


@pytest.mark.parametrize(
    "request_bytes",
    [
        head([b"Bad Header" + MARKER.encode() + b": <script>\r\n"]),
        head([b"X-Tenant-ID: acme\x00" + MARKER.encode() + b"\r\n"]),
        head([b"X-Ctl: a\x01" + MARKER.encode() + b"\r\n"]),
        b"\x16\x03\x01\x02\x00" + MARKER.encode() + b"\r\n\r\n",
        b"GET /" + MARKER.encode() + b" HTTP/9.9\r\nHost: x\r\n\r\n",
        b"POST /api/v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: "
        + MARKER.encode()
        + b"\r\n\r\n",
        b"POST /api/v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + MARKER.encode(),
        MARKER.encode() + b"\r\n\r\n",
    ],
    ids=[
        "space-in-name",
        "nul-in-tenant",
        "control-char",
        "tls-hello",
        "bad-version",
        "bad-length",
        "length-and-chunked",
        "garbage",
    ],
)
async def test_unparsable_requests_are_a_json_400_without_echo(
    worker: Worker, request_bytes: bytes
) -> None:
    answer = await raw_request(worker, request_bytes)
    assert answer.status == 400
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert body["message"].startswith("Malformed HTTP request")
    assert body["requestId"] == answer.headers["x-request-id"]
    assert MARKER.encode() not in answer.raw
    assert answer.headers["server"] == "hirestream"
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_a_broken_chunked_body_is_a_json_400(worker: Worker, tenant: str) -> None:
    bearer = token(tenant).encode()
    request_bytes = (
        b"PUT /api/v1/tenant/settings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + bearer
        + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        + b"Connection: close\r\n\r\n"
        + b'5\r\n{"aut\r\nzz'
        + MARKER.encode()
        + b"\r\n\r\n"
    )
    answer = await raw_request(worker, request_bytes)
    assert answer.status == 400
    body = answer.json()
    assert body["statusCode"] == 400 and body["requestId"]
    assert MARKER.encode() not in answer.raw


async def test_the_worker_keeps_serving_after_malformed_requests(
    http: aiohttp.ClientSession, worker: Worker
) -> None:
    await asyncio.gather(
        *(raw_request(worker, head([b"X-Big: " + b"v" * 9000 + b"\r\n"])) for _ in range(20))
    )
    async with http.get(f"{worker.api}/health/live") as r:
        assert r.status == 200


# ---- 2, 3. headers on every response -----------------------------------------------------


async def test_every_kind_of_response_has_the_common_headers(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    requests = [
        ("GET", "/health/live", {}, 200),
        ("GET", "/openapi.json", {}, 200),
        ("GET", "/tenant/settings", auth(tenant), 200),
        ("GET", "/tenant/settings", {}, 401),
        ("GET", "/tenant/settings", auth(tenant, role="VIEWER", permissions=[]), 403),
        ("GET", "/no/such/path", {}, 404),
        ("DELETE", "/tenant/settings", {}, 405),
        ("HEAD", "/health/live", {}, 200),
    ]
    for method, path, headers, status in requests:
        async with http.request(method, f"{worker.api}{path}", headers=headers) as r:
            assert r.status == status, (method, path)
            assert_common_headers(r.headers)
            assert "Python" not in r.headers["Server"] and "aiohttp" not in r.headers["Server"]


# ---- 4. 405 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/tenant/settings", {"GET", "HEAD", "PUT"}),
        ("POST", "/health/live", {"GET", "HEAD"}),
        ("PATCH", "/api-keys", {"GET", "HEAD", "POST"}),
    ],
)
async def test_405_lists_the_allowed_methods(
    http: aiohttp.ClientSession, worker: Worker, method: str, path: str, allowed: set[str]
) -> None:
    async with http.request(method, f"{worker.api}{path}") as r:
        assert r.status == 405
        assert {m.strip() for m in r.headers["Allow"].split(",")} == allowed
        assert r.content_type == "application/json"
        body = await r.json()
    assert_error_shape(405, body, r.headers)
    assert body["error"] == "Method Not Allowed"


# ---- 6. token claims of the wrong type -----------------------------------------------------


def _signed(**claims: Any) -> dict[str, str]:
    base: dict[str, Any] = {"sub": "tester", "exp": int(time.time()) + 600}
    encoded = jwt.encode({**base, **claims}, TEST_JWT_SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {encoded}"}


@pytest.mark.parametrize(
    "claims",
    [
        {"tenantId": "acme", "role": ["ADMIN"]},
        {"tenantId": "acme", "role": {"ADMIN": True}},
        {"tenantId": "acme", "permissions": "interview:*"},
        {"tenantId": "acme", "permissions": [1, 2]},
        {"tenantId": "acme", "role": "ADMIN", "sub": 12},
        {"tenantId": "acme", "role": "ADMIN", "sub": ""},
        {"tenantId": 5, "role": "ADMIN"},
        {"tenantId": "acme\x00evil", "role": "ADMIN"},
        {"tenantId": "acme:evil", "role": "ADMIN"},
        {"tenantId": "a/b", "role": "ADMIN"},
        {"tenantId": "a b", "role": "ADMIN"},
        {"tenantId": "acmé", "role": "ADMIN"},
        {"tenantId": "t" * 129, "role": "ADMIN"},
    ],
)
async def test_tokens_with_claims_of_the_wrong_type_are_401(
    http: aiohttp.ClientSession, worker: Worker, claims: dict[str, Any]
) -> None:
    for path in ("/tenant/settings", "/interviews"):
        async with http.get(f"{worker.api}{path}", headers=_signed(**claims)) as r:
            assert r.status == 401
            body = await r.json()
        assert_error_shape(401, body, r.headers)
        assert body["message"] == "Unauthorized"


# ---- 7. X-Tenant-ID ----------------------------------------------------------------------

BAD_TENANT_HEADERS = ["a:b", "a b", "a/b", "acmé", "t" * 129, "", "../x", "a,b"]


@pytest.mark.parametrize("value", BAD_TENANT_HEADERS)
async def test_an_ill_formed_x_tenant_id_is_401_with_an_api_key(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, value: str
) -> None:
    status, created = await create_key(
        http, worker, tenant, {"name": "ci", "permissions": ["tenant:read"]}
    )
    assert status == 201
    headers = {"X-API-Key": created["key"], "X-Tenant-ID": value}
    async with http.get(f"{worker.api}/tenant/settings", headers=headers) as r:
        assert r.status == 401
        body = await r.json()
    assert_error_shape(401, body, r.headers)
    assert body["message"] == TENANT_RULE
    headers["X-Tenant-ID"] = tenant
    async with http.get(f"{worker.api}/tenant/settings", headers=headers) as r:
        assert r.status == 200


@pytest.mark.parametrize("value", BAD_TENANT_HEADERS)
async def test_an_ill_formed_x_tenant_id_is_401_with_a_token(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, value: str
) -> None:
    headers = {**auth(tenant), "X-Tenant-ID": value}
    async with http.get(f"{worker.api}/tenant/settings", headers=headers) as r:
        assert r.status == 401
        assert (await r.json())["message"] == TENANT_RULE


async def test_x_tenant_id_with_a_token_must_be_its_tenant(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    async with http.get(
        f"{worker.api}/tenant/settings", headers={**auth(tenant), "X-Tenant-ID": "other-tenant"}
    ) as r:
        assert r.status == 403
    async with http.get(
        f"{worker.api}/tenant/settings", headers={**auth(tenant), "X-Tenant-ID": tenant}
    ) as r:
        assert r.status == 200


async def test_a_nul_in_a_tenant_id_never_reaches_postgresql(
    http: aiohttp.ClientSession, worker: Worker, stack_env: dict[str, str]
) -> None:
    evil = "nul\x00tenant"
    async with http.put(
        f"{worker.api}/tenant/settings",
        json={"autoApprovePlans": True},
        headers=_signed(tenantId=evil, role="ADMIN"),
    ) as r:
        assert r.status == 401
    answer = await raw_request(
        worker,
        b"GET /api/v1/tenant/settings HTTP/1.1\r\nHost: x\r\nX-API-Key: k\r\n"
        b"X-Tenant-ID: nul\x00tenant\r\n\r\n",
    )
    assert answer.status == 400
    conn = await asyncpg.connect(stack_env["DATABASE_URL"])
    try:
        found = await conn.fetchval("SELECT count(*) FROM tenants WHERE id LIKE 'nul%tenant'")
    finally:
        await conn.close()
    assert found == 0


# ---- 8. POST /api-keys: tenants, Idempotency-Key -------------------------------------------


@pytest.mark.parametrize("bad", ["a:b", "a b", "", "t" * 129, "acmé", "x\x00y", 5])
async def test_api_key_tenants_must_be_tenant_ids(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, bad: Any
) -> None:
    status, body = await create_key(
        http, worker, tenant, {"name": "ci", "permissions": ["tenant:read"], "tenants": [bad]}
    )
    assert status == 400
    assert body["code"] == "validation_failed"
    assert any(message.startswith("tenants must be") for message in body["message"])


async def test_a_retried_create_answers_the_same_key(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    body = {"name": "retried", "permissions": ["tenant:read"]}
    headers = {"Idempotency-Key": f"create-{uuid.uuid4()}"}
    status, first = await create_key(http, worker, tenant, body, headers)
    assert status == 201
    status, again = await create_key(http, worker, tenant, body, headers)
    assert status == 201
    assert again == first  # the same id and the same plaintext key
    assert [k["id"] for k in await list_keys(http, worker, tenant)] == [first["id"]]
    replayed = {"X-API-Key": again["key"], "X-Tenant-ID": tenant}
    async with http.get(f"{worker.api}/tenant/settings", headers=replayed) as r:
        assert r.status == 200
    status, other = await create_key(http, worker, tenant, {**body, "name": "other"}, headers)
    assert status == 422
    assert other["code"] == "idempotency_key_reused" and other["statusCode"] == 422
    status, fresh = await create_key(http, worker, tenant, body)  # no key: a new one
    assert status == 201 and fresh["id"] != first["id"]


async def test_concurrent_retries_create_one_key(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    body = {"name": "concurrent", "permissions": ["tenant:read"]}
    headers = {"Idempotency-Key": f"burst-{uuid.uuid4()}"}
    answers = await asyncio.gather(
        *(create_key(http, worker, tenant, body, headers) for _ in range(8))
    )
    assert {status for status, _ in answers} == {201}
    assert len({created["id"] for _, created in answers}) == 1
    assert len({created["key"] for _, created in answers}) == 1
    assert len(await list_keys(http, worker, tenant)) == 1


async def test_the_key_is_reused_by_another_caller_of_the_tenant(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    body = {"name": "mine", "permissions": ["tenant:read"]}
    key = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
    status, _ = await create_key(http, worker, tenant, body, key)
    assert status == 201
    other_user = {**_signed(tenantId=tenant, role="ADMIN", sub="someone-else"), **key}
    async with http.post(f"{worker.api}/api-keys", json=body, headers=other_user) as r:
        assert r.status == 422
        assert (await r.json())["code"] == "idempotency_key_reused"
    status, _ = await create_key(http, worker, f"{tenant}-b", body, key)  # another tenant
    assert status == 201


async def test_a_failed_create_keeps_no_answer(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    headers = {"Idempotency-Key": f"fails-{uuid.uuid4()}"}
    body = {"name": "ci", "permissions": ["interview:read"], "tenants": ["not-mine"]}
    status, _ = await create_key(http, worker, tenant, body, headers)
    assert status == 403
    status, _ = await create_key(http, worker, tenant, body, headers)
    assert status == 403  # ran again, not a 422 or a stored answer


@pytest.mark.parametrize("bad", ["k" * 256, "tab\there"])
async def test_a_bad_idempotency_key_is_400(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, bad: str
) -> None:
    status, body = await create_key(
        http,
        worker,
        tenant,
        {"name": "ci", "permissions": ["tenant:read"]},
        {"Idempotency-Key": bad},
    )
    assert status == 400
    assert body["message"] == ["Idempotency-Key must be 1 to 255 printable characters"]


async def test_postgresql_alone_cannot_reveal_a_replayable_key(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    idempotency_key = f"sealed-{uuid.uuid4()}"
    status, created = await create_key(
        http,
        worker,
        tenant,
        {"name": "sealed", "permissions": ["tenant:read"]},
        {"Idempotency-Key": idempotency_key},
    )
    assert status == 201
    conn = await asyncpg.connect(stack_env["DATABASE_URL"])
    try:
        rows = await conn.fetch("SELECT * FROM idempotency_entries")
    finally:
        await conn.close()
    assert rows
    stored = b"".join(
        value if isinstance(value, bytes) else str(value).encode()
        for row in rows
        for value in row.values()
    )
    for secret in (created["key"], created["key"][len("ak_live_") :], idempotency_key, tenant):
        assert secret.encode() not in stored


# ---- 8. DELETE /api-keys/:id ---------------------------------------------------------------


@pytest.mark.parametrize(
    "key_id",
    [
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "0b5c2d9e-8a6f-4e1b-9c3d",
        "1" * 32,
        "urn:uuid:0b5c2d9e-8a6f-4e1b-9c3d-7f2a1b0c9d8e",
    ],
)
async def test_revoking_an_unknown_or_malformed_id_is_404(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, key_id: str
) -> None:
    async with http.delete(f"{worker.api}/api-keys/{key_id}", headers=auth(tenant)) as r:
        assert r.status == 404
        body = await r.json()
    assert body["message"] == "API key not found"


async def test_a_retried_revoke_answers_204(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    status, created = await create_key(
        http, worker, tenant, {"name": "doomed", "permissions": ["tenant:read"]}
    )
    assert status == 201
    headers = {**auth(tenant), "Idempotency-Key": f"revoke-{uuid.uuid4()}"}
    url = f"{worker.api}/api-keys/{created['id'].upper()}"
    for _ in range(2):
        async with http.delete(url, headers=headers) as r:
            assert r.status == 204
            assert await r.read() == b""
    (listed,) = await list_keys(http, worker, tenant)
    assert listed["revokedAt"] is not None


# ---- 8. PUT /tenant/settings ---------------------------------------------------------------


async def test_a_retried_settings_change_answers_the_first_response(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    url = f"{worker.api}/tenant/settings"
    keyed = {**auth(tenant), "Idempotency-Key": f"settings-{uuid.uuid4()}"}
    async with http.put(url, json={"autoApprovePlans": True}, headers=keyed) as r:
        assert r.status == 200
        first = await r.json()
    assert first["autoApprovePlans"] is True
    async with http.put(url, json={"autoApprovePlans": False}, headers=auth(tenant)) as r:
        assert r.status == 200
    async with http.put(url, json={"autoApprovePlans": True}, headers=keyed) as r:
        assert r.status == 200
        assert await r.json() == first  # the first answer, not run again
    async with http.get(url, headers=auth(tenant)) as r:
        assert (await r.json())["autoApprovePlans"] is False
    async with http.put(url, json={"autoApproveAssessments": True}, headers=keyed) as r:
        assert r.status == 422
        assert (await r.json())["code"] == "idempotency_key_reused"


async def test_a_retry_waits_for_the_first_answer_or_is_409(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    body = b'{"autoApprovePlans": true}'
    key = f"slow-{uuid.uuid4()}"
    path = "/api/v1/tenant/settings"
    scope = Scope("tenant-settings-replay", tenant, "PUT", path, key)
    request_fingerprint = fingerprint("user:tester", "PUT", path, body)
    headers = {**auth(tenant), "Idempotency-Key": key, "Content-Type": "application/json"}
    pool = await asyncpg.create_pool(stack_env["DATABASE_URL"], min_size=1, max_size=2)
    assert pool is not None
    try:
        store = IdempotencyStore(pool)
        assert (await store.claim(scope, request_fingerprint)).state == "owned"  # "running"
        answer = Answer(200, "application/json", b'{"first": "answer"}')

        async def answer_later() -> None:
            await asyncio.sleep(0.5)
            await store.complete(scope, answer)

        later = asyncio.create_task(answer_later())
        async with http.put(f"{worker.api}/tenant/settings", data=body, headers=headers) as r:
            assert r.status == 200
            assert await r.json() == {"first": "answer"}  # waited, then replayed
        await later

        stuck = Scope("tenant-settings-replay", tenant, "PUT", path, key + "-stuck")
        assert (await store.claim(stuck, request_fingerprint)).state == "owned"
        stuck_headers = {**headers, "Idempotency-Key": stuck.key}
        started = time.monotonic()
        async with http.put(f"{worker.api}/tenant/settings", data=body, headers=stuck_headers) as r:
            assert r.status == 409
            assert r.headers["Retry-After"] == "1"
            assert (await r.json())["code"] == "idempotency_key_in_progress"
        assert 9 < time.monotonic() - started < 20
    finally:
        await pool.close()


async def test_the_store_expires_entries_and_takes_over_dead_claims(
    worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    pool = await asyncpg.create_pool(stack_env["DATABASE_URL"], min_size=1, max_size=2)
    assert pool is not None
    try:
        short = IdempotencyStore(pool, retention_s=0.2, lease_s=0.2)
        scope = Scope("test", tenant, "POST", "/x", f"k-{uuid.uuid4()}")
        first, second = fingerprint("a"), fingerprint("b")
        assert (await short.claim(scope, first)).state == "owned"
        assert (await short.claim(scope, first)).state == "running"
        assert (await short.claim(scope, second)).state == "reused"
        await asyncio.sleep(0.3)
        assert (await short.claim(scope, second)).state == "owned"  # the lease ran out
        await short.complete(scope, Answer(201, "text/plain", b"done"))
        assert await short.claim(scope, second) == Claim(
            "answered", Answer(201, "text/plain", b"done")
        )
        await asyncio.sleep(0.3)
        assert (await short.claim(scope, first)).state == "owned"  # expired: a new request
        await short.release(scope)
        assert (await short.claim(scope, second)).state == "owned"
        await asyncio.sleep(0.3)
        assert await short.sweep() >= 1
        count = await pool.fetchval(
            "SELECT count(*) FROM idempotency_entries WHERE lookup = $1", scope.lookup
        )
        assert count == 0
    finally:
        await pool.close()


async def test_parse_resume_refuses_an_undecodable_part_name(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="fi\xff' + MARKER.encode() + b'"; '
        b'filename="cv.pdf"\r\n\r\n%PDF-1.4\r\n--xyz--\r\n'
    )
    headers = {**auth(tenant), "Content-Type": "multipart/form-data; boundary=xyz"}
    async with http.post(f"{worker.api}/interviews/parse-resume", data=body, headers=headers) as r:
        raw = await r.read()
        assert r.status == 400
    answer = json.loads(raw)
    assert answer["code"] == "malformed_multipart"
    assert MARKER.encode() not in raw


# ---- found by schemathesis (tests/integration/test_schemathesis.py) ------------------------


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/interviews/counts", {"GET", "HEAD"}),
        ("/interviews/parse-resume", {"POST"}),
        (f"/interviews/{uuid.UUID(int=1)}", {"DELETE", "GET", "HEAD", "PUT"}),
    ],
)
async def test_allow_lists_the_methods_of_the_route_the_path_names(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, path: str, allowed: set[str]
) -> None:
    """/interviews/counts and /interviews/parse-resume also match /interviews/{id}, whose PUT
    and DELETE (404 there) are not theirs to advertise."""
    async with http.request("OPTIONS", f"{worker.api}{path}", headers=auth(tenant)) as r:
        assert r.status == 405
        assert {m.strip() for m in r.headers["Allow"].split(",")} == allowed
        body = await r.json()
    assert_error_shape(405, body, r.headers)


async def test_a_malformed_idempotency_key_is_400_even_with_an_external_id(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    url = f"{worker.api}/integration/interviews"
    create = {"externalId": "ats-1", "position": "Engineer"}
    bad = {**auth(tenant), "Idempotency-Key": "k" * 256}
    async with http.post(url, json=create, headers=bad) as r:
        assert r.status == 400
        body = await r.json()
    assert_error_shape(400, body, r.headers)
    assert body["message"] == ["Idempotency-Key must be 1 to 255 printable characters"]
    async with http.post(url, json=create, headers=auth(tenant)) as r:
        assert r.status == 201  # the refused request created nothing


async def test_a_whole_number_of_minutes_written_with_a_fraction_is_a_duration(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    """JSON (and the document's `type: integer`) does not tell 30 from 30.0."""
    create = {"candidateName": "Jane Smith", "position": "Senior Engineer"}
    url = f"{worker.api}/interviews"
    async with http.post(url, json={**create, "duration": 30.0}, headers=auth(tenant)) as r:
        assert r.status == 201
        assert (await r.json())["duration"] == 30
    async with http.post(url, json={**create, "duration": 30.5}, headers=auth(tenant)) as r:
        assert r.status == 400
        assert (await r.json())["message"] == ["duration must be a whole number of minutes"]


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("notes\u00a0(optional)", 200),  # a no-break space
        ("a\u200bb", 200),  # a zero-width space
        ("\ue000private", 200),  # a private-use character
        ("tab\there", 400),
        ("c1\u0085control", 400),
    ],
)
async def test_parse_resume_refuses_only_control_characters_in_part_names(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, name: str, status: int
) -> None:
    """An ignored form field may be named with any character but a control character (and
    invalid UTF-8, above), as the 400's message says."""
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="'
        + name.encode()
        + b'"\r\n\r\nignored\r\n'
        + b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="cv.txt"\r\n\r\n'
        + b"Jane Smith\nSenior Python developer, eight years of backend work.\r\n--xyz--\r\n"
    )
    headers = {**auth(tenant), "Content-Type": "multipart/form-data; boundary=xyz"}
    async with http.post(f"{worker.api}/interviews/parse-resume", data=body, headers=headers) as r:
        assert r.status == status
        answer = await r.json()
    if status == 200:
        assert answer["resumeText"].startswith("Jane Smith")
    else:
        assert answer["code"] == "malformed_multipart"


# ---- query and body shapes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["99999999999999999999999", "10000001", "0", "-1", "1e3", "２", "1.5"]
)
async def test_a_page_out_of_range_is_400_naming_it(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, page: str
) -> None:
    async with http.get(
        f"{worker.api}/interviews", params={"page": page}, headers=auth(tenant)
    ) as r:
        assert r.status == 400, page
        body = await r.json()
        assert body["message"] == ["page must be a whole number from 1 to 10000000"]
        assert_common_headers(r.headers)


async def test_the_largest_page_is_an_empty_page(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    async with http.get(
        f"{worker.api}/interviews", params={"page": "10000000"}, headers=auth(tenant)
    ) as r:
        assert r.status == 200
        body = await r.json()
        assert body["data"] == [] and body["page"] == 10000000


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/interviews"), ("POST", "/api-keys"), ("PUT", "/tenant/settings")],
)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_a_json_body_sent_as_another_type_is_415(
    http: aiohttp.ClientSession,
    worker: Worker,
    tenant: str,
    method: str,
    path: str,
    content_type: str,
) -> None:
    headers = {**auth(tenant), "Content-Type": content_type}
    async with http.request(
        method, f"{worker.api}{path}", data=b'{"name": "x"}', headers=headers
    ) as r:
        assert r.status == 415, (method, path)
        body = await r.json()
        assert body["code"] == "unsupported_media_type"
        assert content_type in body["message"]
        assert_common_headers(r.headers)

"""The Interviews API over real HTTP against a real worker on the real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp
import pytest

from tests.conftest import SEED_CREATE, auth, token
from tests.support.workers import Worker

pytestmark = pytest.mark.integration

SEED_CREATE_KEYS = {
    "id",
    "tenantId",
    "candidateName",
    "candidateEmail",
    "position",
    "level",
    "skills",
    "duration",
    "status",
    "workflowState",
    "planId",
    "sessionId",
    "runId",
    "createdAt",
    "updatedAt",
}


async def create(
    http: aiohttp.ClientSession,
    worker: Worker,
    tenant: str,
    body: dict[str, Any] | None = None,
    /,  # positional only: a header can never land in ``body`` (``create(..., **headers)``)
    **headers: str,
) -> dict[str, Any]:
    async with http.post(
        f"{worker.api}/interviews", json=body or SEED_CREATE, headers={**auth(tenant), **headers}
    ) as r:
        assert r.status == 201, await r.text()
        result: dict[str, Any] = await r.json()
        return result


async def test_create_answers_the_seed_shape(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    async with http.post(f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)) as r:
        assert r.status == 201
        assert r.headers["X-Request-ID"]
        body = await r.json()
    assert set(body) == SEED_CREATE_KEYS
    assert body["tenantId"] == tenant and body["level"] == "senior" and body["duration"] == 45
    assert body["status"] == "planned" and body["workflowState"] is None
    assert body["candidateName"] == "Jane Smith" and body["candidateEmail"] == "jane@example.com"
    uuid.UUID(body["id"], version=4)
    assert body["createdAt"].endswith("Z") and len(body["createdAt"]) == 24


async def test_read_your_write_get_and_list(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    created = await create(http, worker, tenant)
    async with http.get(f"{worker.api}/interviews/{created['id']}", headers=auth(tenant)) as r:
        assert r.status == 200
        full = await r.json()
    assert full["id"] == created["id"] and full["jobDescription"] == SEED_CREATE["jobDescription"]
    assert full["version"] >= 1 and full["scheduledAt"] == "2024-02-01T10:00:00.000Z"
    async with http.get(f"{worker.api}/interviews", headers=auth(tenant)) as r:
        listed = await r.json()
    assert [i["id"] for i in listed["data"]] == [created["id"]]
    assert listed["total"] == 1 and listed["page"] == 1 and listed["totalPages"] == 1


async def test_list_pagination_newest_first_search_and_status(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    ids = []
    for n in range(5):
        made = await create(
            http,
            worker,
            tenant,
            {**SEED_CREATE, "candidateName": f"Cand {n}", "candidateEmail": f"c{n}@example.com"},
        )
        ids.append(made["id"])
    async with http.get(f"{worker.api}/interviews?page=2&limit=2", headers=auth(tenant)) as r:
        page = await r.json()
    assert [i["id"] for i in page["data"]] == [ids[2], ids[1]]
    assert (page["total"], page["page"], page["limit"], page["totalPages"]) == (5, 2, 2, 3)
    async with http.get(f"{worker.api}/interviews?search=C3@EXAMPLE", headers=auth(tenant)) as r:
        found = await r.json()
    assert [i["id"] for i in found["data"]] == [ids[3]]
    async with http.get(f"{worker.api}/interviews?search=senior%20eng", headers=auth(tenant)) as r:
        assert (await r.json())["total"] == 5
    async with http.get(f"{worker.api}/interviews?status=PLANNED", headers=auth(tenant)) as r:
        assert (await r.json())["total"] == 5
    async with http.get(f"{worker.api}/interviews?status=approved", headers=auth(tenant)) as r:
        assert (await r.json())["total"] == 0
    async with http.get(f"{worker.api}/interviews?limit=1000", headers=auth(tenant)) as r:
        assert (await r.json())["limit"] == 100


async def test_search_finds_any_fragment_of_name_or_email_whatever_its_case_or_form(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    people = [
        ("Zoë Ångström", "zoe.a@example.org"),
        ("JÜRGEN Straße", "j.strasse@example.de"),
        ("Li Wu", "li@wu.cn"),
    ]
    ids = []
    for name, email in people:
        body = {**SEED_CREATE, "candidateName": name, "candidateEmail": email}
        ids.append((await create(http, worker, tenant, body))["id"])

    async def found(search: str, **params: str) -> list[str]:
        async with http.get(
            f"{worker.api}/interviews",
            params={"search": search, "limit": "100", **params},
            headers=auth(tenant),
        ) as r:
            assert r.status == 200, await r.text()
            answer = await r.json()
        assert answer["total"] == len(answer["data"]) or "page" in params
        return [i["id"] for i in answer["data"]]

    assert await found("Ö") == [ids[0]]  # one character
    assert await found("wu") == [ids[2]]  # two
    assert await found("STRASSE") == await found("straße") == [ids[1]]  # ß is ss
    assert await found("i w") == [ids[2]]
    assert await found("@example.") == [ids[1], ids[0]]  # newest first
    assert await found("ＺＯＥ") == [ids[0]]  # fullwidth letters are letters
    assert await found("senior eng") == [ids[2], ids[1], ids[0]]  # the position, in plain
    assert await found("zz9") == []
    assert await found("e", page="2", limit="2") == [ids[0]]
    async with http.put(
        f"{worker.api}/interviews/{ids[2]}", headers=auth(tenant), json={"candidateEmail": None}
    ) as r:
        assert r.status == 200, await r.text()
    assert await found("li@wu") == []  # a cleared email is no longer found
    assert await found("li w") == [ids[2]]  # its name still is


async def test_update_delete_and_counts(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    a = await create(http, worker, tenant)
    b = await create(http, worker, tenant)
    async with http.get(f"{worker.api}/interviews/{a['id']}", headers=auth(tenant)) as r:
        before = await r.json()
    async with http.put(
        f"{worker.api}/interviews/{a['id']}",
        headers=auth(tenant),
        json={
            "position": "Staff Engineer",
            "candidateName": "Jane Q. Smith",
            "tenantId": "ignored",
            "id": "ignored",
        },
    ) as r:
        assert r.status == 200, await r.text()
        updated = await r.json()
    assert updated["position"] == "Staff Engineer" and updated["candidateName"] == "Jane Q. Smith"
    assert updated["version"] > before["version"]
    assert updated["tenantId"] == tenant and updated["id"] == a["id"]
    async with http.put(
        f"{worker.api}/interviews/{a['id']}", headers=auth(tenant), json={"status": "in_progress"}
    ) as r:
        assert r.status == 409
        assert "Cannot set status to in_progress" in (await r.json())["message"]
    async with http.delete(f"{worker.api}/interviews/{b['id']}", headers=auth(tenant)) as r:
        assert r.status == 204
    async with http.get(f"{worker.api}/interviews/{b['id']}", headers=auth(tenant)) as r:
        assert r.status == 404
        assert (await r.json())["message"] == "Interview not found"
    async with http.delete(f"{worker.api}/interviews/{b['id']}", headers=auth(tenant)) as r:
        assert r.status == 404
    async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
        counts = await r.json()
    assert counts["total"] == 1 and counts["planned"] + counts["infoNeeded"] == 1
    assert {"total", "planned", "approved", "inProgress", "infoNeeded"} <= counts.keys()


async def test_assess_is_deprecated_after_the_permission_check(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    made = await create(http, worker, tenant)
    url = f"{worker.api}/interviews/{made['id']}/assess"
    async with http.post(url, headers=auth(tenant, "RECRUITER")) as r:
        assert r.status == 403
    async with http.post(url, headers=auth(tenant)) as r:
        assert r.status == 400
        assert "retrigger-assessment" in (await r.json())["message"]


async def test_tenants_never_see_each_other(http: aiohttp.ClientSession, worker: Worker) -> None:
    a, b = f"tenant-a-{uuid.uuid4().hex[:6]}", f"tenant-b-{uuid.uuid4().hex[:6]}"
    made = await create(http, worker, a)
    url = f"{worker.api}/interviews/{made['id']}"
    for method, body in (("GET", None), ("PUT", {"position": "x"}), ("DELETE", None)):
        async with http.request(method, url, json=body, headers=auth(b)) as r:
            assert r.status == 404, method
            assert (await r.json())["message"] == "Interview not found"
    async with http.post(f"{url}/assess", headers=auth(b)) as r:
        assert r.status in (400, 404)  # deprecated for everyone; never 403
    async with http.get(f"{worker.api}/interviews", headers=auth(b)) as r:
        assert (await r.json())["total"] == 0
    async with http.get(f"{worker.api}/interviews/counts", headers=auth(b)) as r:
        assert (await r.json())["total"] == 0
    async with http.get(url, headers=auth(a)) as r:
        assert r.status == 200


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("ADMIN", {"create", "read", "update", "delete", "counts"}),
        ("RECRUITER", {"create", "read", "update", "counts"}),
        ("VIEWER", {"read", "counts"}),
    ],
)
async def test_permission_matrix(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, role: str, allowed: set[str]
) -> None:
    made = await create(http, worker, tenant)
    url = f"{worker.api}/interviews/{made['id']}"
    calls = {
        "create": ("POST", f"{worker.api}/interviews", SEED_CREATE, "interview:create"),
        "read": ("GET", url, None, "interview:read"),
        "counts": ("GET", f"{worker.api}/interviews/counts", None, "interview:read"),
        "update": ("PUT", url, {"position": "Lead Engineer"}, "interview:update"),
        "delete": ("DELETE", url, None, "interview:delete"),
    }
    for name, (method, target, body, permission) in calls.items():
        async with http.request(method, target, json=body, headers=auth(tenant, role)) as r:
            if name in allowed:
                assert r.status < 300, (role, name, await r.text())
            else:
                assert r.status == 403, (role, name)
                assert (await r.json())["message"] == (
                    f"Insufficient permissions. Required: {permission}"
                )


async def test_credentials_are_checked(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    import jwt

    url = f"{worker.api}/interviews"
    none_alg = jwt.encode(
        {"sub": "x", "tenantId": tenant, "role": "ADMIN", "exp": 9999999999},
        key="",
        algorithm="none",
    )
    expired = token(tenant, ttl_s=-120)
    wrong_key = jwt.encode(
        {"sub": "x", "tenantId": tenant, "role": "ADMIN", "exp": 9999999999},
        "another-secret-that-is-long-enough-0123",
        algorithm="HS256",
    )
    for headers in (
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": f"Bearer {none_alg}"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {wrong_key}"},
        {"Authorization": "Basic Zm9vOmJhcg=="},
        {"X-API-Key": "ak_live_bogus", "X-Tenant-ID": tenant},
    ):
        async with http.get(url, headers=headers) as r:
            assert r.status == 401, headers
            body = await r.json()
            assert body["statusCode"] == 401 and body["message"] == "Unauthorized"
    async with http.get(url, headers={**auth(tenant), "X-Tenant-ID": "someone-else"}) as r:
        assert r.status == 403
    async with http.get(url, headers=auth(tenant, None, ["interview:read"])) as r:
        assert r.status == 200


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "body must be valid JSON"),
        (b"", 400, "body is required"),
        (b"[1,2,3]", 400, "body must be a JSON object"),
        (b'{"position": "x"}', 400, "candidateName is required"),
        (
            b'{"candidateName": "x", "position": "x", "candidateEmail": "nope"}',
            400,
            "candidateEmail must be an email",
        ),
        (
            b'{"candidateName": "' + b"x" * 300 + b'", "position": "x"}',
            400,
            "candidateName must be at most 200 characters",
        ),
        (b"[" * 5000 + b"]" * 5000, 400, "body must be valid JSON"),
        (b'{"candidateName": "' + b"x" * (1024 * 1024 + 10) + b'"}', 413, "too large"),
    ],
)
async def test_bad_input_gets_a_clear_4xx(
    http: aiohttp.ClientSession,
    worker: Worker,
    tenant: str,
    body: bytes,
    status: int,
    fragment: str,
) -> None:
    async with http.post(
        f"{worker.api}/interviews",
        data=body,
        headers={**auth(tenant), "Content-Type": "application/json"},
    ) as r:
        assert r.status == status, await r.text()
        answer = await r.json()
    message = (
        answer["message"] if isinstance(answer["message"], str) else " ".join(answer["message"])
    )
    assert fragment in message, answer
    assert answer["statusCode"] == status and answer["requestId"]


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=abc", "limit=0", "limit=x", "status=bogus"]
)
async def test_bad_list_query_is_400(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, query: str
) -> None:
    async with http.get(f"{worker.api}/interviews?{query}", headers=auth(tenant)) as r:
        assert r.status == 400
        assert isinstance((await r.json())["message"], list)


async def test_idempotency_key_replays_and_refuses_a_different_body(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    key = {"Idempotency-Key": f"create-{uuid.uuid4()}"}
    first = await create(http, worker, tenant, **key)
    again = await create(http, worker, tenant, **key)
    assert again == first
    async with http.post(
        f"{worker.api}/interviews",
        headers={**auth(tenant), **key},
        json={**SEED_CREATE, "position": "Other"},
    ) as r:
        assert r.status == 422
    results = await asyncio.gather(
        *(create(http, worker, tenant, **{"Idempotency-Key": "parallel-key"}) for _ in range(5))
    )
    assert len({r["id"] for r in results}) == 1
    async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
        assert (await r.json())["total"] == 2


async def test_health(http: aiohttp.ClientSession, worker: Worker) -> None:
    async with http.get(f"{worker.api}/health/live") as r:
        assert r.status == 200
    async with http.get(f"{worker.api}/health/ready") as r:
        assert r.status == 200


async def test_api_keys_lifecycle(http: aiohttp.ClientSession, worker: Worker, tenant: str) -> None:
    async with http.post(
        f"{worker.api}/api-keys",
        headers=auth(tenant),
        json={"name": "ats", "permissions": ["interview:read", "interview:create"]},
    ) as r:
        assert r.status == 201, await r.text()
        created = await r.json()
    key = created["key"]
    assert key.startswith("ak_live_") and created["tenants"] == [tenant]
    key_headers = {"X-API-Key": key, "X-Tenant-ID": tenant}
    async with http.post(f"{worker.api}/interviews", headers=key_headers, json=SEED_CREATE) as r:
        assert r.status == 201
    async with http.delete(f"{worker.api}/interviews/x", headers=key_headers) as r:
        assert r.status == 403
    async with http.get(
        f"{worker.api}/interviews", headers={**key_headers, "X-Tenant-ID": "other"}
    ) as r:
        assert r.status == 403
    async with http.get(f"{worker.api}/api-keys", headers=auth(tenant)) as r:
        listed = await r.json()
    assert [k["id"] for k in listed["data"]] == [created["id"]]
    assert "key" not in listed["data"][0] and "keyHash" not in listed["data"][0]
    async with http.post(
        f"{worker.api}/api-keys",
        headers=key_headers,
        json={"name": "x", "permissions": ["interview:read"]},
    ) as r:
        assert r.status == 403  # the key itself lacks api-key:create
    async with http.post(
        f"{worker.api}/api-keys",
        headers=auth(tenant, "RECRUITER"),
        json={"name": "x", "permissions": ["interview:read"]},
    ) as r:
        assert r.status == 403
    async with http.post(
        f"{worker.api}/api-keys",
        headers=auth(tenant),
        json={"name": "x", "permissions": ["interview:fly"]},
    ) as r:
        assert r.status == 400
    async with http.delete(f"{worker.api}/api-keys/{created['id']}", headers=auth(tenant)) as r:
        assert r.status == 204
    for _ in range(25):  # revocation is in force within 5 s on every worker
        async with http.get(f"{worker.api}/interviews", headers=key_headers) as r:
            if r.status == 401:
                break
        await asyncio.sleep(0.2)
    assert r.status == 401


SEED_RAW = {
    "candidateName": "Jane Smith",
    "candidateEmail": "jane@example.com",
    "position": "Sr Engineer",
    "level": "SENIOR",
    "skills": ["ReactJS", "TS", "Node.js"],
    "jobDescription": "Build scalable platform services...",
    "callbackUrl": "https://ats.example.com/webhook",
    "candidateResume": (
        "Jane Smith\nSenior Software Engineer\n\nExperience\n"
        "Acme Corp, Senior Engineer (2019-2024)\n"
        "- Built the booking front end in React and TypeScript.\n\n"
        "Skills\nReact, TypeScript, Node.js\n"
    ),
}


async def test_seed_get_example_is_reproduced_from_the_seed_input(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    made = await create(http, worker, tenant, SEED_RAW)
    assert made["position"] == "Senior Engineer"
    async with http.get(f"{worker.api}/interviews/{made['id']}", headers=auth(tenant)) as r:
        got = await r.json()
    assert got["position"] == "Senior Engineer"
    assert got["skills"] == ["React", "TypeScript", "Node.js"]
    assert got["callbackUrl"] == "https://ats.example.com/webhook"
    assert got["candidateClaimedSkills"] == ["React", "TypeScript", "Node.js"]
    assert got["candidateEvidencedSkills"] == ["React", "TypeScript"]
    assert got["candidateDemonstratedSkills"] == []
    payload = got["canonicalPayload"]
    assert payload["skills"] == ["React", "TypeScript", "Node.js"]
    assert payload["jobDescription"] == "Build scalable platform services..."
    assert payload["candidateResume"].startswith("Jane Smith")
    assert (payload["roleFamily"], payload["roleCategory"]) == (
        "frontend_engineering",
        "engineering",
    )
    assert payload["relatedSkills"][:3] == ["Next.js", "Redux", "GraphQL"]
    assert payload["taxonomyVersion"]
    assert got["diffReport"]["skills[0]"] == {"before": "ReactJS", "after": "React"}
    assert got["diffReport"]["position"] == {"before": "Sr Engineer", "after": "Senior Engineer"}
    assert got["rawPayload"]["position"] == "Sr Engineer"
    assert got["rawPayload"]["skills"] == ["ReactJS", "TS", "Node.js"]
    seed_keys = {
        "id",
        "tenantId",
        "candidateName",
        "candidateEmail",
        "position",
        "level",
        "skills",
        "duration",
        "status",
        "jobDescription",
        "workflowState",
        "runId",
        "planId",
        "sessionId",
        "callbackUrl",
        "candidateClaimedSkills",
        "candidateEvidencedSkills",
        "candidateDemonstratedSkills",
        "canonicalPayload",
        "diffReport",
        "rawPayload",
        "createdAt",
        "updatedAt",
    }
    assert seed_keys <= got.keys()
    async with http.put(
        f"{worker.api}/interviews/{made['id']}",
        headers=auth(tenant),
        json={"skills": ["k8s", "Golang"]},
    ) as r:
        assert r.status == 200
        edited = await r.json()
    assert edited["skills"] == ["Kubernetes", "Go"]
    assert edited["rawPayload"]["skills"] == ["k8s", "Golang"]
    assert edited["rawPayload"]["position"] == "Sr Engineer"

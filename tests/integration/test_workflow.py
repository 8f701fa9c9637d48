"""The interview workflow end to end over HTTP, with its events observed on their topics by
a plain Kafka consumer: planning, the human gate, auto-approval, missing information, the
Integration API with an API key, externalId idempotency and the candidate-data purge."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp
import asyncpg
import orjson
import pytest

from tests.conftest import SEED_CREATE, auth
from tests.integration.test_topics import assert_on_no_topic, list_topics, read_all
from tests.support.workers import Worker

pytestmark = pytest.mark.integration


async def wait_for_state(
    http: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    states: set[str],
    key: str = "workflowState",
    seconds: float = 15.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        async with http.get(url, headers=headers) as r:
            assert r.status == 200, await r.text()
            body: dict[str, Any] = await r.json()
        if body[key] in states or time.monotonic() > deadline:
            assert body[key] in states, body
            return body
        await asyncio.sleep(0.05)


async def events_of(
    worker: Worker, stack_env: dict[str, str], tenant: str, interview_id: str
) -> list[dict[str, Any]]:
    bootstrap = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    prefix = worker.env["HIRESTREAM_TOPIC_PREFIX"]
    found = []
    for topic in await list_topics(bootstrap):
        if topic.startswith(f"{prefix}interview.") and "dead-letter" not in topic:
            for key, value in await read_all(bootstrap, topic):
                event = orjson.loads(value)
                if key == tenant.encode() and event["interviewId"] == interview_id:
                    found.append(event)
    return sorted(found, key=lambda e: (e["version"], e["eventId"]))


async def test_create_reaches_pending_with_a_plan_then_is_approved(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    started = time.monotonic()
    async with http.post(f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)) as r:
        made = await r.json()
    url = f"{worker.api}/interviews/{made['id']}"
    pending = await wait_for_state(http, url, auth(tenant), {"pending"}, seconds=2.0)
    reached_in = time.monotonic() - started
    assert reached_in < 2.0
    assert pending["status"] == "planned" and pending["planId"] and pending["runId"]
    plan = pending["plan"]
    assert plan["planId"] == pending["planId"]
    assert abs(sum(c["weight"] for c in plan["competencies"]) - 1) < 1e-9
    assert plan["timeBudget"]["total"] == pending["duration"] == 45
    assert pending["validation"]["dataQuality"] in {"EXCELLENT", "GOOD", "FAIR", "POOR"}
    async with http.get(f"{url}/plan", headers=auth(tenant, "VIEWER")) as r:
        assert r.status == 200
        assert await r.json() == plan
    async with http.put(url, headers=auth(tenant), json={"status": "approved"}) as r:
        assert r.status == 200, await r.text()
        approved = await r.json()
    assert (approved["workflowState"], approved["status"]) == ("approved", "approved")
    async with http.put(url, headers=auth(tenant), json={"skills": ["Go"]}) as r:
        assert r.status == 409
        assert "state approved" in (await r.json())["message"]
    async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
        counts = await r.json()
    assert (counts["total"], counts["approved"], counts["planned"]) == (1, 1, 0)
    async with http.get(f"{worker.api}/interviews?status=APPROVED", headers=auth(tenant)) as r:
        assert (await r.json())["total"] == 1
    types = [e["type"] for e in await events_of(worker, stack_env, tenant, made["id"])]
    for expected in (
        "interview.created",
        "interview.received",
        "interview.validating_skills",
        "interview.generating_plan",
        "interview.plan_generated",
        "interview.updated",
        "interview.approved",
    ):
        assert expected in types, types
    assert types.index("interview.plan_generated") < types.index("interview.approved")


async def test_auto_approve_plans_setting(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    async with http.get(f"{worker.api}/tenant/settings", headers=auth(tenant, "VIEWER")) as r:
        assert await r.json() == {"autoApprovePlans": False, "autoApproveAssessments": False}
    async with http.put(
        f"{worker.api}/tenant/settings",
        headers=auth(tenant, "RECRUITER"),
        json={"autoApprovePlans": True},
    ) as r:
        assert r.status == 403
    async with http.put(
        f"{worker.api}/tenant/settings",
        headers=auth(tenant),
        json={"autoApprovePlans": "yes", "colour": 1},
    ) as r:
        assert r.status == 400
        assert len((await r.json())["message"]) == 2
    async with http.put(
        f"{worker.api}/tenant/settings", headers=auth(tenant), json={"autoApprovePlans": True}
    ) as r:
        assert (await r.json())["autoApprovePlans"] is True
    await asyncio.sleep(2.1)  # agents cache settings for 2 s
    async with http.post(f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)) as r:
        made = await r.json()
    done = await wait_for_state(
        http, f"{worker.api}/interviews/{made['id']}", auth(tenant), {"approved"}
    )
    assert done["plan"] is not None


async def test_integration_flow_with_an_api_key(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    async with http.post(
        f"{worker.api}/api-keys",
        headers=auth(tenant),
        json={"name": "ats", "permissions": ["interview:*"]},
    ) as r:
        key = (await r.json())["key"]
    headers = {"X-API-Key": key, "X-Tenant-ID": tenant}
    base = f"{worker.api}/integration/interviews"
    # incomplete: no position, no candidate identity
    async with http.post(base, headers=headers, json={"level": "SENIOR", "skills": ["Go"]}) as r:
        assert r.status == 201, await r.text()
        made = await r.json()
    assert made["state"] == "INFO_NEEDED" and made["dataQuality"] == "POOR"
    assert set(made["missingFields"]) >= {"position"}
    run = f"{base}/{made['runId']}"
    info = await wait_for_state(http, run, headers, {"INFO_NEEDED"}, key="state")
    async with http.get(
        f"{worker.api}/interviews/{made['interviewId']}/plan", headers=headers
    ) as r:
        assert r.status == 404
        assert (await r.json())["code"] == "plan_not_generated"
    assert info["questions"] and all(q["question"] for q in info["questions"])
    async with http.post(f"{run}/plan/approve", headers=headers) as r:
        assert r.status == 409
        assert "state info_needed" in (await r.json())["message"]
    async with http.patch(
        f"{run}/info",
        headers=headers,
        json={
            "position": "Backend Engineer",
            "candidateRef": "cand-77",
            "jobDescription": "Design and run the payments APIs.",
        },
    ) as r:
        assert r.status == 200, await r.text()
    pending = await wait_for_state(http, run, headers, {"PENDING"}, key="state")
    first_plan = pending["plan"]["planId"]
    async with http.patch(f"{run}/plan/revise", headers=headers, json={}) as r:
        assert r.status == 400
    async with http.patch(
        f"{run}/plan/revise", headers=headers, json={"notes": "Focus on Go, harder questions"}
    ) as r:
        assert r.status == 200
    revised = await wait_for_state(http, run, headers, {"PENDING"}, key="state")
    assert revised["plan"]["planId"] != first_plan and revised["plan"]["version"] == 2
    async with http.post(f"{run}/plan/approve", headers=headers) as r:
        assert r.status == 200
        body = await r.json()
    assert body["state"] == "APPROVED" and "interviewLink" in body
    async with http.get(f"{worker.api}/interviews/{made['interviewId']}", headers=headers) as r:
        same = await r.json()
    assert same["workflowState"] == "approved" and same["candidateRef"] == "cand-77"
    async with http.delete(run, headers=headers) as r:
        assert r.status == 200
        assert (await r.json())["state"] == "CANCELLED"
    async with http.delete(run, headers=headers) as r:
        assert r.status == 409
    async with http.get(f"{base}/run_{uuid.uuid4().hex}", headers=headers) as r:
        assert r.status == 404
    async with http.get(f"{base}/nonsense", headers=headers) as r:
        assert r.status == 404
    async with http.get(run, headers={**auth(f"{tenant}-x")}) as r:
        assert r.status == 404
    # reject from pending
    async with http.post(base, headers=headers, json={**SEED_CREATE, "externalId": "job-9"}) as r:
        second = await r.json()
    run2 = f"{base}/{second['runId']}"
    await wait_for_state(http, run2, headers, {"PENDING"}, key="state")
    async with http.post(
        f"{run2}/plan/reject", headers=headers, json={"feedback": "Wrong level"}
    ) as r:
        assert r.status == 200
        assert (await r.json())["state"] == "REJECTED"


async def test_external_id_replay_under_concurrency_makes_one_interview(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    body = {**SEED_CREATE, "externalId": f"ats-app-{uuid.uuid4().hex[:6]}"}
    url = f"{worker.api}/integration/interviews"

    async def one(n: int) -> tuple[int, dict[str, Any]]:
        async with http.post(
            url, headers=auth(tenant), json={**body, "jobDescription": f"variant {n}"}
        ) as r:
            return r.status, await r.json()

    answers = await asyncio.gather(*(one(n) for n in range(10)))
    assert sorted(status for status, _ in answers) == [200] * 9 + [201]
    assert len({a["interviewId"] for _, a in answers}) == 1
    assert len({orjson.dumps(a) for _, a in answers}) == 1  # the same body every time
    async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
        assert (await r.json())["total"] == 1


async def test_purge_leaves_no_trace_of_the_candidate(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    name = f"Orla Vantongeren {uuid.uuid4().hex[:6]}"
    email = f"orla.{uuid.uuid4().hex[:6]}@example.net"
    body = {
        **SEED_CREATE,
        "candidateName": name,
        "candidateEmail": email,
        "candidateResume": f"{name}\n{email}\nExperience\nBuilt React apps.",
        "candidateProfile": f"{name} likes Go",
    }
    async with http.post(
        f"{worker.api}/integration/interviews", headers=auth(tenant), json=body
    ) as r:
        made = await r.json()
    run = f"{worker.api}/integration/interviews/{made['runId']}"
    url = f"{worker.api}/interviews/{made['interviewId']}"
    await wait_for_state(http, url, auth(tenant), {"pending"})
    async with http.delete(f"{run}/candidate-data", headers=auth(tenant, "RECRUITER")) as r:
        assert r.status == 403
    async with http.delete(f"{run}/candidate-data", headers=auth(tenant)) as r:
        assert r.status == 200, await r.text()
        assert (await r.json())["purged"] is True
    async with http.get(url, headers=auth(tenant)) as r:
        record = await r.json()
    assert record["candidateName"] is None and record["candidateEmail"] is None
    assert record["canonicalPayload"]["candidateResume"] is None
    assert record["candidateProfile"] is None
    assert record["plan"] is not None and record["skills"]  # the rest is kept
    async with http.get(
        f"{worker.api}/interviews?search={name.split()[1]}", headers=auth(tenant)
    ) as r:
        assert (await r.json())["total"] == 0
    async with http.get(f"{worker.api}/interviews/counts", headers=auth(tenant)) as r:
        assert (await r.json())["total"] == 1
    # no topic value holds them in plain text (they never did: sealed) ...
    await assert_on_no_topic(stack_env["KAFKA_BOOTSTRAP_SERVERS"], worker, name, email)
    # ... and no database row: the data key that opened the sealed copies is gone
    conn = await asyncpg.connect(stack_env["DATABASE_URL"])
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM data_keys WHERE tenant_id = $1 AND interview_id = $2",
                tenant,
                made["interviewId"],
            )
            == 0
        )
        for table in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ):
            query = f'SELECT t::text AS row FROM "{table["table_name"]}" t'  # noqa: S608
            rows = await conn.fetch(query)
            assert not any(name in r["row"] or email in r["row"] for r in rows), table
        audit = await conn.fetch(
            "SELECT action, target FROM audit_log WHERE tenant_id = $1", tenant
        )
        assert [(a["action"], a["target"]) for a in audit] == [
            ("candidate_data.purged", made["interviewId"])
        ]
    finally:
        await conn.close()

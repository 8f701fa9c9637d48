"""The candidate journey on the real stack: an approved interview is invited (the email read
back from the SMTP sink), the candidate opens the link, starts, answers every question over
the WebSocket, the session completes, ``interview.completed`` is on its topic, the assessor
scores it, and a person approves the assessment."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from hirestream.stack import read_maildir
from tests.conftest import SEED_CREATE, auth
from tests.integration.test_topics import read_all
from tests.support.waiting import eventually
from tests.support.workers import Worker

pytestmark = pytest.mark.integration

LINK = re.compile(r"https?://\S+/interview/join/([A-Za-z0-9_-]+)")


async def approved_interview(http: aiohttp.ClientSession, worker: Worker, tenant: str) -> str:
    """An interview of ``tenant`` taken to approved (plans auto-approved)."""
    async with http.put(
        f"{worker.api}/tenant/settings", json={"autoApprovePlans": True}, headers=auth(tenant)
    ) as r:
        assert r.status == 200
    body = {
        **SEED_CREATE,
        "candidateName": f"Robin Candidate {uuid.uuid4().hex[:6]}",
        "candidateEmail": f"robin.{uuid.uuid4().hex[:8]}@example.com",
        "duration": 20,
    }
    async with http.post(f"{worker.api}/interviews", json=body, headers=auth(tenant)) as r:
        assert r.status == 201, await r.text()
        interview_id: str = (await r.json())["id"]

    async def approved() -> bool:
        async with http.get(f"{worker.api}/interviews/{interview_id}", headers=auth(tenant)) as r:
            return bool((await r.json())["workflowState"] == "approved")

    await eventually(approved, "the interview is approved")
    return interview_id


async def invite(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, interview_id: str
) -> dict[str, Any]:
    url = f"{worker.api}/interviews/{interview_id}/invite"
    async with http.post(url, headers=auth(tenant)) as r:
        assert r.status == 200, await r.text()
        answer: dict[str, Any] = await r.json()
        return answer


async def take_the_interview(
    http: aiohttp.ClientSession, worker: Worker, token: str, answers: int | None = None
) -> list[dict[str, Any]]:
    """Start and answer questions over the socket (all of them, or ``answers``); the
    messages the server sent."""
    async with http.post(f"{worker.api}/candidate-access/{token}/start") as r:
        assert r.status == 200, await r.text()
        session = await r.json()
    received: list[dict[str, Any]] = []
    url = f"{worker.api}/sessions/{session['sessionId']}/ws?token={token}"
    async with http.ws_connect(url) as socket:
        sent = 0
        async for message in socket:
            data = orjson.loads(message.data)
            received.append(data)
            if data["type"] == "ended" or (answers is not None and sent == answers):
                break
            if data["type"] == "question":
                await socket.send_str(
                    orjson.dumps(
                        {
                            "type": "answer",
                            "text": f"Answer {data['index']}: I designed and measured this "
                            "because the trade-offs mattered; for example we cut latency 40%.",
                        }
                    ).decode()
                )
                sent += 1
    return received


async def test_the_whole_journey(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    interview_id = await approved_interview(http, worker, tenant)
    invited = await invite(http, worker, tenant, interview_id)
    assert invited["emailSent"] is True
    token = invited["token"]
    assert len(token) <= 128 and invited["interviewLink"].endswith(f"/interview/join/{token}")

    async def mailed() -> Any:
        for message in read_maildir():
            if token in message.data.decode(errors="replace"):
                return message
        return None

    message = await eventually(mailed, "the invitation in the SMTP sink")
    parsed = message.message
    assert parsed.get_content_type() == "multipart/alternative"
    bodies = [part.get_content() for part in parsed.iter_parts()]
    assert any(LINK.search(b) for b in bodies) and len(bodies) == 2
    assert "Senior Engineer" in str(parsed["Subject"])

    again = await invite(http, worker, tenant, interview_id)
    assert (again["token"], again["interviewLink"]) == (token, invited["interviewLink"])

    async with http.get(f"{worker.api}/candidate-access/{token}") as r:
        assert r.status == 200
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Cache-Control"] == "no-store"
        access = await r.json()
    assert access["position"] == "Senior Engineer" and access["candidateName"].startswith("Robin")

    received = await take_the_interview(http, worker, token)
    questions = [m for m in received if m["type"] == "question"]
    assert [q["index"] for q in questions] == list(range(len(questions)))
    assert received[-1] == {"type": "ended", "reason": "completed"}

    async with http.get(
        f"{worker.api}/interviews/{interview_id}/transcript", headers=auth(tenant)
    ) as r:
        transcript = await r.json()
    answers = [t for t in transcript["turns"] if t["role"] == "candidate"]
    assert len(answers) == len(questions) and answers[0]["text"].startswith("Answer 0:")
    assert transcript["endedReason"] == "completed"

    prefix = worker.env["HIRESTREAM_TOPIC_PREFIX"]
    bootstrap = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    completed = [
        orjson.loads(v)
        for k, v in await read_all(bootstrap, f"{prefix}interview.completed")
        if k == tenant.encode()
    ]
    assert [e["interviewId"] for e in completed] == [interview_id]
    assert b"Answer 0:" not in orjson.dumps(completed[0]), "answers travel sealed"
    assert len(completed[0]["transcript"]["turns"]) == 2 * len(questions)

    async def assessed() -> Any:
        async with http.get(f"{worker.api}/interviews/{interview_id}", headers=auth(tenant)) as r:
            record = await r.json()
        return record if record["workflowState"] == "assessment_pending" else None

    record = await eventually(assessed, "the assessment", seconds=45)
    assessment = record["assessment"]
    assert assessment["status"] == "pending" and 0 <= assessment["overallScore"] <= 100
    assert assessment["recommendation"] in ("STRONG_HIRE", "HIRE", "MAYBE", "NO_HIRE")
    assert record["candidateDemonstratedSkills"] == [
        s["skill"] for s in assessment["skills"] if s["score"] >= 2
    ]
    run = "run_" + interview_id.replace("-", "")
    approve = f"{worker.api}/integration/interviews/{run}/assessment/approve"
    async with http.post(approve, headers=auth(tenant)) as r:
        assert r.status == 200, await r.text()
        assert (await r.json())["state"] == "ASSESSMENT_APPROVED"
    async with http.post(approve, headers=auth(tenant)) as r:
        assert r.status == 409


async def test_links_that_do_not_open(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    interview_id = await approved_interview(http, worker, tenant)
    token = (await invite(http, worker, tenant, interview_id))["token"]
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (flipped, token[:-1], "x" * 51, token + "A"):
        async with http.get(f"{worker.api}/candidate-access/{bad}") as r:
            assert r.status == 404, bad
            assert r.headers["Referrer-Policy"] == "no-referrer"
            assert (await r.json())["statusCode"] == 404
    async with http.get(f"{worker.url}/interview/join/{flipped}") as r:
        assert r.status == 404 and "text/html" in r.headers["Content-Type"]
    async with http.get(f"{worker.url}/interview/join/{token}") as r:
        assert r.status == 200 and "Content-Security-Policy" in r.headers
    run = "run_" + interview_id.replace("-", "")
    async with http.delete(f"{worker.api}/integration/interviews/{run}", headers=auth(tenant)) as r:
        assert r.status == 200
    async with http.get(f"{worker.api}/candidate-access/{token}") as r:
        assert r.status == 404, "a cancelled interview's link is dead"


async def test_invite_refusals(http: aiohttp.ClientSession, worker: Worker, tenant: str) -> None:
    body = {**SEED_CREATE}
    body.pop("candidateEmail")
    async with http.post(f"{worker.api}/interviews", json=body, headers=auth(tenant)) as r:
        no_email = (await r.json())["id"]
    async with http.post(f"{worker.api}/interviews/{no_email}/invite", headers=auth(tenant)) as r:
        assert r.status in (400, 409), await r.text()
    async with http.post(f"{worker.api}/interviews", json=SEED_CREATE, headers=auth(tenant)) as r:
        pending = (await r.json())["id"]
    async with http.post(f"{worker.api}/interviews/{pending}/invite", headers=auth(tenant)) as r:
        assert r.status == 409
    async with http.post(f"{worker.api}/interviews/{pending}/conduct", headers=auth(tenant)) as r:
        assert r.status == 409


async def test_a_second_consumer_group_sees_every_completion(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, stack_env: dict[str, str]
) -> None:
    prefix = worker.env["HIRESTREAM_TOPIC_PREFIX"]
    consumer = AIOKafkaConsumer(
        f"{prefix}interview.completed",
        bootstrap_servers=stack_env["KAFKA_BOOTSTRAP_SERVERS"],
        group_id=f"partner-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        mine = []
        for _ in range(2):
            interview_id = await approved_interview(http, worker, tenant)
            token = (await invite(http, worker, tenant, interview_id))["token"]
            await take_the_interview(http, worker, token)
            mine.append(interview_id)
        seen: set[str] = set()
        deadline = time.monotonic() + 30
        while not set(mine) <= seen and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            for messages in batch.values():
                seen.update(orjson.loads(m.value or b"{}").get("interviewId", "") for m in messages)
        assert set(mine) <= seen
    finally:
        await consumer.stop()


async def test_a_person_ends_a_session_and_the_candidate_is_told(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    interview_id = await approved_interview(http, worker, tenant)
    token = (await invite(http, worker, tenant, interview_id))["token"]
    async with http.post(f"{worker.api}/candidate-access/{token}/start") as r:
        session = await r.json()
    url = f"{worker.api}/sessions/{session['sessionId']}/ws?token={token}"
    async with http.ws_connect(url) as socket:
        greeting = orjson.loads((await socket.receive()).data)
        assert greeting == {**greeting, "type": "question", "index": 0}
        await socket.send_str('{"type": "answer"}')
        error = orjson.loads((await socket.receive()).data)
        assert error["type"] == "error", "a bad message is answered, the session goes on"
        end = f"{worker.api}/sessions/{session['sessionId']}/end"
        async with http.post(end, headers=auth(tenant)) as r:
            assert r.status == 200, await r.text()
            assert (await r.json())["reason"] == "interviewer_ended"
        ended = orjson.loads((await socket.receive(timeout=10)).data)
        assert ended == {"type": "ended", "reason": "interviewer_ended"}
    async with http.post(f"{worker.api}/sessions/{uuid.uuid4()}/end", headers=auth(tenant)) as r:
        assert r.status == 404


async def test_a_retrigger_makes_a_new_assessment_and_keeps_the_first(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    interview_id = await approved_interview(http, worker, tenant)
    retrigger = f"{worker.api}/a2a/interview/{interview_id}/retrigger-assessment"
    async with http.post(retrigger, headers=auth(tenant)) as r:
        assert r.status == 409, "not completed yet"
    async with http.post(
        f"{worker.api}/interviews/{interview_id}/assess", headers=auth(tenant)
    ) as r:
        assert r.status == 400 and "retrigger-assessment" in (await r.json())["message"]
    token = (await invite(http, worker, tenant, interview_id))["token"]
    await take_the_interview(http, worker, token)

    async def assessments(count: int) -> Callable[[], Awaitable[Any]]:
        async def check() -> Any:
            url = f"{worker.api}/interviews/{interview_id}"
            async with http.get(url, headers=auth(tenant)) as r:
                record = await r.json()
            pending = record["workflowState"] == "assessment_pending"
            return record if pending and len(record["assessments"]) == count else None

        return check

    await eventually(await assessments(1), "the first assessment", seconds=45)
    async with http.post(retrigger, headers=auth(tenant)) as r:
        assert r.status == 202
        assert await r.json() == {"interviewId": interview_id, "status": "queued"}
    record = await eventually(await assessments(2), "the second assessment", seconds=45)
    assert record["assessment"] == record["assessments"][-1]

"""The assessor as its own process (``python -m hirestream assessor``) beside a worker started
with ``HIRESTREAM_ASSESSOR_IN_WORKER=false``: it scores the fleet's completions, serves its
health and metrics on ``HIRESTREAM_ASSESSOR_PORT``, and a completion made while it is down
waits on Kafka (the worker scores nothing) and is scored once it is back."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tests.conftest import auth, start_worker
from tests.integration.test_candidate_journey import approved_interview, invite
from tests.support.waiting import eventually
from tests.support.workers import Worker, service_beside

pytestmark = pytest.mark.e2e

#: How long a completion must stay unscored while no assessor runs (one is scored in well
#: under a second when an assessor is up).
UNSCORED_FOR_S = 6.0


def on_topic(skill: str) -> str:
    """An answer naming ``skill``, with reasons, trade-offs, numbers, an example, a failure and
    a result: the rubric scorer gives it more than 0, so a score above 0 shows the assessor
    opened the sealed answers (it reads their data keys from the database)."""
    return (
        f"At my last job I chose {skill} for the billing service because the trade-offs "
        "mattered: stricter checks versus speed of iteration. For example, we had an outage "
        "from a race condition in production, so I measured the hot path and rewrote it. "
        "As a result latency dropped 40% and incidents went from 6 to 1 per quarter."
    )


async def started_session(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> tuple[str, str, str]:
    """An approved interview of ``tenant``, invited and started by its candidate: the interview
    id, the session id and the session's socket URL."""
    interview_id = await approved_interview(http, worker, tenant)
    token = (await invite(http, worker, tenant, interview_id))["token"]
    async with http.post(f"{worker.api}/candidate-access/{token}/start") as r:
        assert r.status == 200, await r.text()
        session_id = (await r.json())["sessionId"]
    return interview_id, session_id, f"{worker.api}/sessions/{session_id}/ws?token={token}"


async def completed_over_the_socket(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> str:
    """An interview of ``tenant`` whose candidate answers every question over the socket, on
    its topic."""
    interview_id, _, url = await started_session(http, worker, tenant)
    async with http.ws_connect(url) as socket:
        while True:
            message = orjson.loads((await socket.receive(timeout=15)).data)
            if message["type"] == "ended":
                assert message["reason"] == "completed", message
                break
            if message["type"] == "question":
                text = on_topic(message["skill"] or "Python")  # the greeting has no skill
                await socket.send_str(orjson.dumps({"type": "answer", "text": text}).decode())
    return interview_id


async def ended_by_a_person(http: aiohttp.ClientSession, worker: Worker, tenant: str) -> str:
    """An interview of ``tenant`` with one answer, then ended by a person."""
    interview_id, session_id, url = await started_session(http, worker, tenant)
    async with http.ws_connect(url) as socket:
        first = orjson.loads((await socket.receive(timeout=15)).data)
        assert first["type"] == "question" and first["index"] == 0, first
        answer = "I split the monolith because deploys took an hour; we measured a 40% win."
        await socket.send_str(orjson.dumps({"type": "answer", "text": answer}).decode())
        second = orjson.loads((await socket.receive(timeout=15)).data)
        assert second["type"] == "question" and second["index"] == 1, "the answer is recorded"
        async with http.post(f"{worker.api}/sessions/{session_id}/end", headers=auth(tenant)) as r:
            assert r.status == 200, await r.text()
        ended = orjson.loads((await socket.receive(timeout=15)).data)
        assert ended == {"type": "ended", "reason": "interviewer_ended"}, ended
    return interview_id


async def record_of(
    http: aiohttp.ClientSession, worker: Worker, tenant: str, interview_id: str
) -> dict[str, Any]:
    async with http.get(f"{worker.api}/interviews/{interview_id}", headers=auth(tenant)) as r:
        assert r.status == 200, await r.text()
        record: dict[str, Any] = await r.json()
        return record


async def assessed(
    http: aiohttp.ClientSession,
    worker: Worker,
    tenant: str,
    interview_id: str,
    seconds: float = 45,
) -> dict[str, Any]:
    """The record once the assessment is on it, checked as the journey test checks it."""

    async def pending() -> dict[str, Any] | None:
        record = await record_of(http, worker, tenant, interview_id)
        return record if record["workflowState"] == "assessment_pending" else None

    record: dict[str, Any] = await eventually(
        pending, f"the assessment of {interview_id}", seconds=seconds
    )
    assessment = record["assessment"]
    assert assessment["status"] == "pending" and 0 <= assessment["overallScore"] <= 100
    assert assessment["recommendation"] in ("STRONG_HIRE", "HIRE", "MAYBE", "NO_HIRE")
    assert record["candidateDemonstratedSkills"] == [
        s["skill"] for s in assessment["skills"] if s["score"] >= 2
    ]
    assert len(record["assessments"]) == 1, "one assessment per completion"
    return record


async def metrics(http: aiohttp.ClientSession, assessor: Worker) -> dict[str, float]:
    """The assessor's ``/metrics``: Prometheus text, sample name -> value."""
    async with http.get(f"{assessor.url}/metrics") as r:
        assert r.status == 200 and r.content_type == "text/plain", r.content_type
        text = await r.text()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def assessed_lines(process: Worker) -> int:
    return process.log_tail(lines=100_000).count("event=assessor.assessed")


async def test_a_standalone_assessor_scores_the_fleet(
    http: aiohttp.ClientSession, stack_env: dict[str, str], run_dir: Path
) -> None:
    app_id = f"hs-assessproc-{uuid.uuid4().hex[:8]}"
    tenant = f"assessproc-{uuid.uuid4().hex[:8]}"
    worker = start_worker(
        stack_env, run_dir, app_id, "w1", extra={"HIRESTREAM_ASSESSOR_IN_WORKER": "false"}
    )
    assessor = service_beside(
        worker, "assessor", "HIRESTREAM_ASSESSOR_PORT", run_dir / f"{app_id}-assessor.log"
    )
    try:
        assessor.start()  # beside the worker: both provision the fleet's topics
        await asyncio.gather(worker.wait_ready(), assessor.wait_ready(timeout_s=60))

        # Two interviews of one tenant, one answered in full, one ended by a person.
        first, second = await asyncio.gather(
            completed_over_the_socket(http, worker, tenant),
            ended_by_a_person(http, worker, tenant),
        )
        answered = (await assessed(http, worker, tenant, first))["assessment"]
        assert answered["overallScore"] > 0, "the answers were opened and read"
        assert all(s["score"] >= 1 for s in answered["skills"]), answered["skills"]
        await assessed(http, worker, tenant, second)

        async with http.get(f"{assessor.url}/health/live") as r:
            assert r.status == 200 and (await r.json()) == {"status": "ok"}
        async with http.get(f"{assessor.url}/health/ready") as r:
            assert r.status == 200
        samples = await metrics(http, assessor)
        assert samples["hirestream_assessor_assessments_total"] == 2, samples
        assert samples["hirestream_assessor_failures_total"] == 0, assessor.log_tail()
        assert samples["hirestream_assessor_skipped_total"] == 0, assessor.log_tail()
        assert samples["hirestream_assessor_scoring_seconds_p50"] > 0, samples
        assert assessed_lines(assessor) == 2
        assert assessed_lines(worker) == 0, "the worker runs no assessor"

        # The assessor stops: a completion waits, unscored, on its topic.
        assessor.stop()
        assert assessor.process is not None and assessor.process.returncode == 0, (
            f"SIGTERM is a clean stop:\n{assessor.log_tail()}"
        )
        third = await ended_by_a_person(http, worker, tenant)

        async def completed() -> bool:
            record = await record_of(http, worker, tenant, third)
            return bool(record["workflowState"] == "completed")

        await eventually(completed, "the third interview is completed")
        deadline = time.monotonic() + UNSCORED_FOR_S
        while time.monotonic() < deadline:
            record = await record_of(http, worker, tenant, third)
            assert record["workflowState"] == "completed", "scored with no assessor running"
            assert not record.get("assessment"), record["assessment"]
            await asyncio.sleep(0.5)
        assert assessed_lines(worker) == 0, "the worker runs no assessor"

        # Back again: the waiting completion is scored; the two before it are not scored again
        # (their offsets were committed).
        assessor.start()
        await assessor.wait_ready(timeout_s=60)
        await assessed(http, worker, tenant, third)
        samples = await metrics(http, assessor)
        assert samples["hirestream_assessor_assessments_total"] == 1, samples
        assert samples["hirestream_assessor_failures_total"] == 0, assessor.log_tail()
        for interview_id in (first, second):
            record = await record_of(http, worker, tenant, interview_id)
            assert record["workflowState"] == "assessment_pending"
            assert len(record["assessments"]) == 1
        assert assessed_lines(worker) == 0, "the worker runs no assessor"
    finally:
        assessor.stop()
        worker.stop()

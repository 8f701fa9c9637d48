"""The candidate journey through faults: an SMTP server that is down (the invite still answers,
with ``emailSent: false``, and works once the server is back), and a worker SIGKILLed in the
middle of a session (the candidate rejoins, no answered turn is lost)."""

from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiosmtpd.controller import Controller

from hirestream.stack.smtp import ReceivedMessage, SinkHandler
from tests.conftest import auth, start_worker
from tests.integration.test_candidate_journey import approved_interview, invite
from tests.support.waiting import eventually
from tests.support.workers import free_port

pytestmark = pytest.mark.e2e


async def test_smtp_down_then_back(
    http: aiohttp.ClientSession, stack_env: dict[str, str], run_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {**stack_env, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_TIMEOUT_S": "3"}
    worker = start_worker(env, run_dir, f"hs-smtp-{uuid.uuid4().hex[:8]}", "w1")
    tenant = f"smtp-{uuid.uuid4().hex[:8]}"
    try:
        await worker.wait_ready()
        interview_id = await approved_interview(http, worker, tenant)
        down = await invite(http, worker, tenant, interview_id)
        assert down["emailSent"] is False and down["token"]

        async def reason_kept() -> bool:
            url = f"{worker.api}/interviews/{interview_id}"
            async with http.get(url, headers=auth(tenant)) as r:
                record = await r.json()
            return bool(record["inviteEmailSent"] is False and record["inviteEmailError"])

        await eventually(reason_kept, "the failed email is on the record")
        received: list[ReceivedMessage] = []
        sink = Controller(
            SinkHandler(tmp_path, on_message=received.append), hostname="127.0.0.1", port=port
        )
        sink.start()
        try:
            back = await invite(http, worker, tenant, interview_id)
            assert back["emailSent"] is True
            assert back["token"] == down["token"], "the same link while it is valid"
            assert any(down["token"] in m.data.decode(errors="replace") for m in received)
        finally:
            sink.stop()
    finally:
        worker.stop()


async def test_a_worker_killed_mid_session_loses_no_answer(
    http: aiohttp.ClientSession, stack_env: dict[str, str], run_dir: Path
) -> None:
    app_id = f"hs-kill-{uuid.uuid4().hex[:8]}"
    tenant = f"kill-{uuid.uuid4().hex[:8]}"
    worker = start_worker(stack_env, run_dir, app_id, "w1")
    try:
        await worker.wait_ready()
        interview_id = await approved_interview(http, worker, tenant)
        token = (await invite(http, worker, tenant, interview_id))["token"]
        async with http.post(f"{worker.api}/candidate-access/{token}/start") as r:
            session = await r.json()
        socket_path = f"/sessions/{session['sessionId']}/ws?token={token}"
        async with http.ws_connect(worker.api + socket_path) as socket:
            for expected in (0, 1):
                question = orjson.loads((await socket.receive()).data)
                assert question["index"] == expected
                await socket.send_str(
                    orjson.dumps({"type": "answer", "text": f"answer {expected}"}).decode()
                )
            after = orjson.loads((await socket.receive()).data)
            assert after["index"] == 2, "both answers were recorded before the next question"
            worker.kill()
        worker.start()
        await worker.wait_ready()

        async def rejoined() -> dict[str, object] | None:
            try:
                async with http.ws_connect(worker.api + socket_path) as again:
                    first: dict[str, object] = orjson.loads((await again.receive()).data)
                    return first
            except aiohttp.WSServerHandshakeError:
                return None  # the partition is still moving (503): try again

        first = await eventually(rejoined, "the rejoined socket", seconds=60)
        assert first["type"] == "question" and first["index"] == 2
        async with http.get(
            f"{worker.api}/interviews/{interview_id}/transcript", headers=auth(tenant)
        ) as r:
            turns = (await r.json())["turns"]
        assert [t["text"] for t in turns if t["role"] == "candidate"] == ["answer 0", "answer 1"]
    finally:
        worker.stop()

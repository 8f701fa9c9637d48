"""Candidate link expiry on the real stack (docs/api.md §6), with a worker of its own whose
links live ``LINK_SECONDS`` (``CANDIDATE_TOKEN_EXPIRY_DAYS`` set to a few seconds in days):

- right after the invite the link opens, its ``expiresAt`` is now plus the configured time,
  and a re-invite while it is valid gives the same token and link;
- once it has expired, the candidate endpoints (access, start) and the session socket answer
  404 in the error shape, with the candidate headers;
- a re-invite after expiry makes a new token and link, mailed through the SMTP sink, and the
  new link opens (the session too) while the old one stays dead;
- a tampered token (a character flipped, truncated, another interview's token with one byte
  changed, a token signed for another expiry) is answered exactly like an unknown one.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from hirestream.candidate_tokens import TOKEN_CHARS, TokenKeys, issue
from hirestream.stack import read_maildir
from tests.conftest import auth, start_worker
from tests.integration.test_candidate_journey import LINK, approved_interview, invite
from tests.support.waiting import eventually
from tests.support.workers import TEST_CANDIDATE_TOKEN_KEYS, Worker

pytestmark = pytest.mark.e2e

#: How long a candidate link of this module's worker is valid. The expiry is whole seconds
#: (truncated), so a link opens for between LINK_SECONDS - 1 and LINK_SECONDS seconds.
LINK_SECONDS = 6
#: What a link that does not open says (web/links.py).
NOT_VALID = "This interview link is not valid or has expired"
CANDIDATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
#: The first bytes of a decoded token: version (1), key id (1), expiry (4), interview id (16);
#: then the MAC (16) — hirestream.candidate_tokens.
TOKEN_PARTS = {"version": 0, "key id": 1, "expiry": 3, "interview id": 10, "mac": 30}


@pytest.fixture(scope="module")
async def short_links(stack_env: dict[str, str], run_dir: Path) -> AsyncIterator[Worker]:
    """A worker of this module whose candidate links live ``LINK_SECONDS``."""
    days = LINK_SECONDS / 86400
    assert float(repr(days)) * 86400 == pytest.approx(LINK_SECONDS)
    worker = start_worker(
        stack_env,
        run_dir,
        f"hs-expiry-{uuid.uuid4().hex[:8]}",
        "w1",
        extra={"CANDIDATE_TOKEN_EXPIRY_DAYS": repr(days)},
    )
    try:
        await worker.wait_ready()
        yield worker
    finally:
        worker.stop()


# --- helpers --------------------------------------------------------------------------------


def moment(iso: str) -> float:
    """An ISO-8601 instant ("…Z") as seconds since the epoch."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def seconds_left(expires_at: float, what: str, needed: float = 0.5) -> None:
    """Fail clearly (not flakily later) when the link is about to expire before ``what``."""
    left = expires_at - time.time()
    assert left > needed, (
        f"the stack was too slow: {left:.2f} s of the link's {LINK_SECONDS} s left before "
        f"{what}; raise LINK_SECONDS"
    )


async def candidate_call(
    http: aiohttp.ClientSession, method: str, url: str, request_id: str | None
) -> tuple[int, dict[str, str], bytes]:
    headers = {"X-Request-ID": request_id} if request_id else {}
    async with http.request(method, url, headers=headers) as r:
        return r.status, dict(r.headers), await r.read()


async def access(
    http: aiohttp.ClientSession, worker: Worker, token: str, request_id: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    url = f"{worker.api}/candidate-access/{token}"
    return await candidate_call(http, "GET", url, request_id)


async def start(
    http: aiohttp.ClientSession, worker: Worker, token: str, request_id: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    url = f"{worker.api}/candidate-access/{token}/start"
    return await candidate_call(http, "POST", url, request_id)


async def socket_handshake(
    http: aiohttp.ClientSession,
    worker: Worker,
    session_id: str,
    token: str,
    request_id: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """A WebSocket opening handshake sent by hand, so that a refusal's headers and body can be
    read (a client's ``ws_connect`` only raises on it). Only for refusals: a 101 would leave
    the connection upgraded."""
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
    }
    if request_id:
        headers["X-Request-ID"] = request_id
    url = f"{worker.api}/sessions/{session_id}/ws"
    async with http.get(url, params={"token": token}, headers=headers) as r:
        return r.status, dict(r.headers), await r.read()


def assert_not_valid(
    answer: tuple[int, dict[str, str], bytes], what: str, candidate_headers: bool = True
) -> dict[str, Any]:
    """A 404 in the error shape saying the link is not valid; its body. ``candidate_headers``:
    also ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``, which docs/api.md §6
    promises on ``/candidate-access/*`` answers only (``candidate_headers`` in
    web/views/candidates.py matches that path), so not on the session socket's refusal."""
    status, headers, raw = answer
    assert status == 404, f"{what}: {status} {raw[:300]!r}"
    assert headers.get("Content-Type", "").startswith("application/json"), what
    body: dict[str, Any] = orjson.loads(raw)
    assert body.keys() == {"statusCode", "message", "error", "requestId"}, (what, body)
    assert (body["statusCode"], body["message"], body["error"]) == (404, NOT_VALID, "Not Found")
    assert body["requestId"] and body["requestId"] == headers.get("X-Request-ID"), (what, body)
    if candidate_headers:
        found = {name: headers.get(name) for name in CANDIDATE_HEADERS}
        assert found == CANDIDATE_HEADERS, f"{what}: {found}"
    return body


async def mails_with(token: str, seconds: float = 30) -> list[str]:
    """The bodies (text and HTML) of the sink's messages whose link carries ``token``, waited
    for: the mail goes out when the invitation's event reaches the mailer."""

    async def found() -> list[str]:
        bodies: list[str] = []
        for message in await asyncio.to_thread(read_maildir):
            if token.encode() not in message.data:
                continue
            parsed = message.message
            parts = parsed.iter_parts() if parsed.is_multipart() else [parsed]
            bodies.extend(part.get_content() for part in parts)
        return bodies

    bodies: list[str] = await eventually(found, f"a mail with the link {token[:12]}…", seconds)
    return bodies


def changed_byte(token: str, index: int) -> str:
    """``token`` with byte ``index`` of its decoded form changed, encoded again (canonically,
    so that it is well formed and only its content is wrong)."""
    raw = bytearray(base64.urlsafe_b64decode(token + "="))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def flipped(token: str, index: int) -> str:
    """``token`` with character ``index`` replaced by another URL-safe character."""
    return token[:index] + ("B" if token[index] == "A" else "A") + token[index + 1 :]


# --- the tests ------------------------------------------------------------------------------


async def test_a_link_expires_and_a_reinvite_makes_a_new_one(
    http: aiohttp.ClientSession, short_links: Worker
) -> None:
    worker = short_links
    tenant = f"expiry-{uuid.uuid4().hex[:8]}"
    interview_id = await approved_interview(http, worker, tenant)

    # 1. Right after the invite: the link opens until now + LINK_SECONDS (whole seconds).
    before = time.time()
    invited = await invite(http, worker, tenant, interview_id)
    after = time.time()
    token, link = invited["token"], invited["interviewLink"]
    assert invited["emailSent"] is True, invited
    assert token and len(token) == TOKEN_CHARS and link.endswith(f"/interview/join/{token}")
    status, headers, raw = await access(http, worker, token)
    assert status == 200, f"a fresh link does not open: {status} {raw!r}"
    assert {name: headers.get(name) for name in CANDIDATE_HEADERS} == CANDIDATE_HEADERS
    opened = orjson.loads(raw)
    assert opened.keys() == {"candidateName", "position", "expiresAt"}, opened
    assert opened["candidateName"].startswith("Robin Candidate")
    assert opened["position"] == "Senior Engineer"
    expires_at = moment(opened["expiresAt"])
    assert before + LINK_SECONDS - 1.05 <= expires_at <= after + LINK_SECONDS + 0.05, (
        f"expiresAt {opened['expiresAt']} is not the invite time "
        f"({datetime.fromtimestamp(before, UTC).isoformat()}) plus {LINK_SECONDS} s"
    )
    assert expires_at == int(expires_at), "the expiry is whole seconds (the token carries them)"

    seconds_left(expires_at, "the re-invite", needed=2)
    again = await invite(http, worker, tenant, interview_id)
    assert (again["token"], again["interviewLink"]) == (token, link), "same link while valid"
    assert again["emailSent"] is True, again

    seconds_left(expires_at, "the start")
    status, _, raw = await start(http, worker, token)
    assert status == 200, f"a valid link does not start: {status} {raw!r}"
    session_id = orjson.loads(raw)["sessionId"]
    assert any(link in body for body in await mails_with(token)), "the first mail has the link"

    # 2. Once expired: access, start and the session socket are 404, like an unknown link.
    await asyncio.sleep(max(0.0, expires_at - time.time()))
    deadline = expires_at + 10

    async def refused() -> tuple[int, dict[str, str], bytes] | None:
        answer = await access(http, worker, token)
        if answer[0] == 200:
            assert time.time() < deadline, f"the link still opens 10 s after {expires_at}"
            return None
        return answer

    assert_not_valid(await eventually(refused, "the link expires", seconds=12), "access")
    assert_not_valid(await start(http, worker, token), "start")
    socket_refusal = await socket_handshake(http, worker, session_id, token)
    assert_not_valid(socket_refusal, "the session socket", candidate_headers=False)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refusal:
        await http.ws_connect(f"{worker.api}/sessions/{session_id}/ws?token={token}")
    assert refusal.value.status == 404

    # 3. A re-invite after expiry: a new token and link, mailed; it opens, the old one does not.
    before = time.time()
    renewed = await invite(http, worker, tenant, interview_id)
    after = time.time()
    new_token, new_link = renewed["token"], renewed["interviewLink"]
    assert renewed["emailSent"] is True, renewed
    assert new_token and new_token != token and new_link != link
    assert new_link.endswith(f"/interview/join/{new_token}") and len(new_token) == TOKEN_CHARS
    bodies = await mails_with(new_token)
    assert any(new_link in body for body in bodies), "the new mail carries the new link"
    assert not any(token in body for body in bodies), "and not the old one"
    linked = [match.group(1) for match in map(LINK.search, bodies) if match]
    assert len(linked) == len(bodies) and set(linked) == {new_token}, linked

    status, _, raw = await access(http, worker, new_token)
    assert status == 200, f"the new link does not open: {status} {raw!r}"
    reopened = orjson.loads(raw)
    new_expires_at = moment(reopened["expiresAt"])
    assert before + LINK_SECONDS - 1.05 <= new_expires_at <= after + LINK_SECONDS + 0.05
    assert new_expires_at > expires_at
    async with http.get(f"{worker.api}/interviews/{interview_id}", headers=auth(tenant)) as r:
        assert (await r.json())["tokenExpiresAt"] == reopened["expiresAt"]
    assert_not_valid(await access(http, worker, token), "the old link after the re-invite")
    assert_not_valid(await start(http, worker, token), "start with the old link")

    seconds_left(new_expires_at, "the rejoin")
    status, _, raw = await start(http, worker, new_token)
    assert status == 200 and orjson.loads(raw)["sessionId"] == session_id, raw
    async with http.ws_connect(
        f"{worker.api}/sessions/{session_id}/ws?token={new_token}"
    ) as socket:
        first = orjson.loads((await socket.receive(timeout=10)).data)
    assert first["type"] == "question" and first["index"] == 0, "the session waited"


async def test_tampered_links_are_unknown_links(
    http: aiohttp.ClientSession, short_links: Worker
) -> None:
    worker = short_links
    tenant = f"tamper-{uuid.uuid4().hex[:8]}"
    first_id = await approved_interview(http, worker, tenant)
    other_id = await approved_interview(http, worker, tenant)
    token = (await invite(http, worker, tenant, first_id))["token"]
    other = (await invite(http, worker, tenant, other_id))["token"]
    status, _, raw = await access(http, worker, token)
    assert status == 200, raw
    expires_at = moment(orjson.loads(raw)["expiresAt"])
    async with http.post(f"{worker.api}/candidate-access/{other}/start") as r:
        assert r.status == 200, await r.text()
        session_id = (await r.json())["sessionId"]

    keys = TokenKeys.parse(TEST_CANDIDATE_TOKEN_KEYS)
    foreign = TokenKeys.parse("1:" + base64.b64encode(b"another-fleet-s-candidate-key-01").decode())
    later = datetime.fromtimestamp(expires_at, UTC) + timedelta(hours=1)
    unknown = {
        "random characters": "x" * TOKEN_CHARS,
        "signed, for no interview": issue(str(uuid.uuid4()), later, keys),
    }
    tampered = {
        "first character flipped": flipped(token, 0),
        "middle character flipped": flipped(token, TOKEN_CHARS // 2),
        "last character flipped": flipped(token, TOKEN_CHARS - 1),
        "truncated by one": token[:-1],
        "truncated by half": token[: TOKEN_CHARS // 2],
        "one character more": token + "A",
        **{
            f"other's {part} byte changed": changed_byte(other, i)
            for part, i in TOKEN_PARTS.items()
        },
        "signed under another secret": issue(first_id, later, foreign),
        "signed for another expiry": issue(first_id, later, keys),
    }
    seconds_left(expires_at, "the tampered tokens are tried", needed=2)

    request_id = f"tamper-{uuid.uuid4().hex}"
    reference: dict[str, tuple[int, dict[str, str], bytes]] = {
        "access": await access(http, worker, unknown["random characters"], request_id),
        "start": await start(http, worker, unknown["random characters"], request_id),
    }
    for answer in reference.values():
        assert_not_valid(answer, "an unknown token")
    for name, bad in {**unknown, **tampered}.items():
        assert bad not in (token, other), name
        for kind, call in (("access", access), ("start", start)):
            answer = await call(http, worker, bad, request_id)
            assert_not_valid(answer, f"{kind} with {name}")
            assert answer[2] == reference[kind][2], f"{kind} with {name}: another body"
            for header in ("Content-Type", *CANDIDATE_HEADERS):
                assert answer[1].get(header) == reference[kind][1].get(header), (name, header)

    socket_reference = await socket_handshake(
        http, worker, session_id, unknown["random characters"], request_id
    )
    assert_not_valid(socket_reference, "the socket with an unknown token", candidate_headers=False)
    for name in ("middle character flipped", "other's mac byte changed", "truncated by one"):
        answer = await socket_handshake(http, worker, session_id, tampered[name], request_id)
        assert_not_valid(answer, f"the socket with {name}", candidate_headers=False)
        assert answer[2] == socket_reference[2], f"the socket with {name}: another body"

    # The real links still open: the 404s above were the tampering, not the expiry.
    assert time.time() < expires_at, "the link expired during the test: raise LINK_SECONDS"
    for real in (token, other):
        status, _, raw = await access(http, worker, real)
        assert status == 200, f"a valid link stopped opening: {status} {raw!r}"

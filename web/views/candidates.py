"""The candidate journey over HTTP (docs/api.md §6): invitations, conduct, candidate access by
link token, a person ending a session, the transcript.

Candidate access has no login: the link's token is the credential. It is checked without a
database read (``hirestream.candidate_tokens``); the interview's tenant then comes from the
configuration store (a purged interview has none: its link is dead), and the record decides:
the token must be the interview's current one (same expiry) and the interview not cancelled,
rejected or deleted. Anything else is a 404, like an unknown token. Every
``/candidate-access/*`` answer carries ``Referrer-Policy: no-referrer`` and
``Cache-Control: no-store`` (``CANDIDATE_HEADERS``, set by ``candidate_headers``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from hirestream.agents.interviews import transcript as transcript_of
from hirestream.candidate_tokens import verify
from hirestream.privacy import SealBroken, answer_field, unseal
from hirestream.tables.records import InterviewRecord
from hirestream.web import payloads
from hirestream.web.auth import PUBLIC, principal, requires
from hirestream.web.commands import (
    act,
    build_command,
    candidate_command,
    command_id_for,
    execute,
    idempotency_key,
    path_id,
    record_of,
)
from hirestream.web.errors import Problem, json_response, rate_limited
from hirestream.web.keys import (
    BACKEND,
    DATA_KEYS,
    INVITE_LIMIT,
    SETTINGS,
    TOKEN_KEYS,
)
from hirestream.web.links import candidate_claims, current_for, interview_link
from hirestream.web.routing import owned_record, owner_or_forward, routed_to_owner

CANDIDATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


# --- a person ---------------------------------------------------------------------------


@requires("interview:update")
async def invite(request: web.Request) -> web.Response:
    """Invite the candidate: the link (the same one while it is valid) and whether the email
    went out, as the mailer reports it within the request's deadline."""
    interview_id = path_id(request)
    tenant = principal(request).tenant_id
    wait = request.app[INVITE_LIMIT].take(tenant, time.monotonic())
    if wait:
        raise rate_limited("Too many invitations for this tenant; try again shortly", wait)
    key = idempotency_key(request)
    command_id = command_id_for(tenant, key)
    invite_id = str(uuid.uuid5(uuid.UUID(command_id), "invite")) if key else str(uuid.uuid4())
    backend = request.app[BACKEND]
    settings = request.app[SETTINGS]
    report = backend.expect_reply(invite_id)
    started = time.monotonic()
    try:
        payload = {
            "inviteId": invite_id,
            "validDays": settings.candidate_token_expiry_days,
            "notify": {"replyTo": backend.reply_topic, "correlationId": invite_id},
        }
        command = build_command(
            request,
            kind="interview.invite",
            command_id=command_id,
            interview_id=interview_id,
            payload=payload,
            raw_body=b"",
        )
        outcome = await execute(request, command)
        record = record_of(outcome)
        email_sent = record.get("inviteEmailSent")
        remaining = settings.command_timeout_s - (time.monotonic() - started)
        if email_sent is None and not outcome.get("replayed") and remaining > 0:
            try:
                answer = await asyncio.wait_for(asyncio.shield(report), remaining)
                email_sent = bool(answer.get("emailSent"))
            except TimeoutError:
                email_sent = False
    finally:
        backend.forget_reply(invite_id)
    link = interview_link(request, record)
    token = link.rsplit("/", 1)[-1] if link else None
    return json_response({"interviewLink": link, "token": token, "emailSent": bool(email_sent)})


@requires("interview:conduct")
async def conduct(request: web.Request) -> web.Response:
    record = (await act(request, "interview.conduct", path_id(request), {}))["record"]
    return json_response(
        {"sessionId": record["sessionId"], "interviewId": record["id"], "status": "created"}
    )


@requires("interview:conduct")
@routed_to_owner
async def end_session(request: web.Request) -> web.Response:
    """A person ends a session (``interviewer_ended``)."""
    tenant = principal(request).tenant_id
    session_id = path_id(request, "sessionId")
    interview_id = request.app[BACKEND].interview_of_session(tenant, session_id)
    if interview_id is None:
        raise Problem(404, "Session not found")
    record = (
        await act(
            request,
            "interview.session_end",
            interview_id,
            {"sessionId": session_id, "reason": "interviewer_ended"},
        )
    )["record"]
    session = record.get("session") or {}
    return json_response(
        {
            "sessionId": session_id,
            "interviewId": interview_id,
            "status": "ended",
            "reason": session.get("endedReason"),
        }
    )


@requires("interview:read")
@routed_to_owner
async def transcript(request: web.Request) -> web.Response:
    record = owned_record(request, path_id(request))
    session = record.get("session")
    if not session:
        raise Problem(404, "No session yet: the interview has not been conducted")
    data_key = await request.app[DATA_KEYS].get(record["tenantId"], record["id"])
    turns = []
    for turn in transcript_of(session)["turns"]:
        text = turn.get("text")
        if turn["role"] == "candidate":
            text = _opened_answer(data_key, record, turn)
        turns.append({"index": turn["index"], "role": turn["role"], "text": text, "at": turn["at"]})
    return json_response(
        {
            "sessionId": session["sessionId"],
            "startedAt": session["startedAt"],
            "endedAt": session.get("endedAt"),
            "endedReason": session.get("endedReason"),
            "turns": turns,
        }
    )


def _opened_answer(key: bytes | None, record: InterviewRecord, turn: dict[str, Any]) -> str | None:
    """A candidate's answer in clear; None once erased (purge) or unreadable."""
    sealed = turn.get("sealedText")
    if key is None or not sealed:
        return None
    field = answer_field(int(turn["questionIndex"]))
    try:
        return unseal(key, record["tenantId"], record["id"], field, sealed)
    except SealBroken:
        return None


# --- the candidate ------------------------------------------------------------------------


@requires(PUBLIC)
async def access(request: web.Request) -> web.Response:
    """``{candidateName, position, expiresAt}`` for a valid link."""
    claims, tenant = await candidate_claims(request, request.match_info["token"])
    forwarded = await owner_or_forward(request, tenant)
    if forwarded is not None:
        return forwarded
    record = current_for(request.app[BACKEND].record(tenant, claims.interview_id), claims)
    personal = await payloads.opened(request.app[DATA_KEYS], record)
    return json_response(
        {
            "candidateName": personal.get("candidateName"),
            "position": record.get("position"),
            "expiresAt": record.get("tokenExpiresAt"),
        }
    )


@requires(PUBLIC)
async def start(request: web.Request) -> web.Response:
    """The candidate starts the interview: conduct, as a person would."""
    claims, tenant = await candidate_claims(request, request.match_info["token"])
    forwarded = await owner_or_forward(request, tenant)
    if forwarded is not None:
        return forwarded
    current_for(request.app[BACKEND].record(tenant, claims.interview_id), claims)
    command = candidate_command(request, tenant, claims.interview_id, "interview.conduct", {})
    record = (await execute(request, command))["record"]
    return json_response(
        {"sessionId": record["sessionId"], "interviewId": record["id"], "status": "created"}
    )


async def link_is_valid(app: web.Application, token: str) -> bool:
    """For the candidate page: whether the link opens an interview (no rate limit here: the
    page's own API calls are limited)."""
    claims = verify(token, app[TOKEN_KEYS], datetime.now(UTC))
    if claims is None:
        return False
    return await app[DATA_KEYS].tenant_of(claims.interview_id) is not None


@web.middleware
async def candidate_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    """``Referrer-Policy`` and ``Cache-Control`` on every candidate-access answer, errors
    included (this middleware sits outside the error middleware)."""
    response: web.StreamResponse = await handler(request)
    if "/candidate-access/" in request.path:
        response.headers.update(CANDIDATE_HEADERS)
    return response

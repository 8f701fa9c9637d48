"""The candidate's link to an interview: ``<APP_URL>/interview/join/<token>``, its token
derived from the interview id and the link's expiry (docs/api.md §6); made here for a record
(``interview_link``) and checked here for every candidate request (``candidate_claims``, then
``current_for`` on the record), whether over HTTP or the session socket."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aiohttp import web

from hirestream.candidate_tokens import Claims, issue, verify
from hirestream.tables.records import InterviewRecord
from hirestream.topics.clock import iso_millis
from hirestream.web.errors import Problem, rate_limited
from hirestream.web.keys import ACCESS_LIMIT, DATA_KEYS, SETTINGS, TOKEN_KEYS

LINK_NOT_VALID = Problem(404, "This interview link is not valid or has expired")
#: Interviews a link no longer opens.
CLOSED_STATES = ("cancelled", "rejected")


def interview_link(request: web.Request, record: InterviewRecord) -> str | None:
    """The candidate's link while the interview's token is valid, else None."""
    expires = record.get("tokenExpiresAt")
    if not expires or expires <= iso_millis(datetime.now(UTC)):
        return None
    moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    token = issue(record["id"], moment, request.app[TOKEN_KEYS])
    return f"{request.app[SETTINGS].app_url.rstrip('/')}/interview/join/{token}"


async def candidate_claims(request: web.Request, token: str) -> tuple[Claims, str]:
    """The token checked (404 otherwise, after the rate limits), and its tenant."""
    limit = request.app[ACCESS_LIMIT]
    now = time.monotonic()
    address = request.remote or "-"
    wait = max(limit.take(f"token:{token[:128]}", now), limit.take(f"address:{address}", now))
    if wait:
        raise rate_limited("Too many requests; try again shortly", wait)
    claims = verify(token, request.app[TOKEN_KEYS], datetime.now(UTC))
    if claims is None:
        raise LINK_NOT_VALID
    tenant = await request.app[DATA_KEYS].tenant_of(claims.interview_id)
    if tenant is None:
        raise LINK_NOT_VALID
    return claims, tenant


def current_for(record: InterviewRecord | None, claims: Claims) -> InterviewRecord:
    """The record, when the token is its current one and the interview still open."""
    if (
        record is None
        or record.get("workflowState") in CLOSED_STATES
        or record.get("tokenExpiresAt") != iso_millis(claims.expires_at)
    ):
        raise LINK_NOT_VALID
    return record

"""The candidate's link to an interview: ``<APP_URL>/interview/join/<token>``, its token
derived from the interview id and the link's expiry (docs/api.md §6)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from hirestream.candidate_tokens import issue
from hirestream.tables.records import InterviewRecord
from hirestream.topics.clock import iso_millis
from hirestream.web.keys import SETTINGS, TOKEN_KEYS


def interview_link(request: web.Request, record: InterviewRecord) -> str | None:
    """The candidate's link while the interview's token is valid, else None."""
    expires = record.get("tokenExpiresAt")
    if not expires or expires <= iso_millis(datetime.now(UTC)):
        return None
    moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    token = issue(record["id"], moment, request.app[TOKEN_KEYS])
    return f"{request.app[SETTINGS].app_url.rstrip('/')}/interview/join/{token}"

"""POST /interviews/parse-resume: the résumé parser behind the permission check, its
rejections in the project's error body."""

from __future__ import annotations

from aiohttp import web

from hirestream.web.auth import requires
from hirestream.web.errors import Problem
from hirestream.web.resume.errors import ResumeRejected
from hirestream.web.resume.handler import parse_resume as parse


@requires("interview:create")
async def parse_resume(request: web.Request) -> web.StreamResponse:
    try:
        return await parse(request)
    except ResumeRejected as rejected:
        retry = getattr(rejected, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        raise Problem(
            rejected.status, rejected.message, code=rejected.code, headers=headers
        ) from rejected

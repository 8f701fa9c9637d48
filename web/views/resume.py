"""POST /interviews/parse-resume: one file in, ``{"resumeText", "originalLength"}`` out.

The upload is checked and read by ``web.resume_upload`` (one file in the part ``file``, bounded
parts and sizes); the text is extracted in a child process by the worker's ``ResumeParser``
(``hirestream.documents``). A refusal keeps its stable code, in the project's error body.
"""

from __future__ import annotations

from aiohttp import web

from hirestream.documents.errors import ResumeRejected
from hirestream.web.auth import requires
from hirestream.web.errors import Problem, json_response
from hirestream.web.keys import RESUME_PARSER
from hirestream.web.resume_upload import check_upload, read_upload


@requires("interview:create")
async def parse_resume(request: web.Request) -> web.Response:
    parser = request.app[RESUME_PARSER]
    try:
        check_upload(request, parser.limits)
        async with parser.request_slot():
            data = await read_upload(request, parser.limits)
            result = await parser.parse(data)
    except ResumeRejected as rejected:
        retry = getattr(rejected, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        raise Problem(
            rejected.status, rejected.message, code=rejected.code, headers=headers
        ) from rejected
    return json_response({"resumeText": result.text, "originalLength": result.original_length})

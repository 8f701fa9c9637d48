"""``POST /interviews/parse-resume``: one file in, ``{"resumeText", "originalLength"}`` out.

The body must be ``multipart/form-data`` with exactly one file, in the part named ``file``;
other (non-file) fields are read and ignored (at most 32 parts and 64 KiB of fields). The file
is streamed into memory and refused with 413 as soon as it passes ``HIRESTREAM_RESUME_MAX_BYTES``
(or at once when ``Content-Length`` already says so), so no more than the limit is ever
buffered. At most ``HIRESTREAM_RESUME_MAX_PENDING`` uploads are received at once per worker
(503 ``busy`` after ``HIRESTREAM_RESUME_QUEUE_TIMEOUT_S``), and a body that does not arrive
within ``HIRESTREAM_RESUME_UPLOAD_TIMEOUT_S`` is 408. The file's name and Content-Type are
ignored: the type comes from the bytes. Extraction runs in a child process
(``ResumeParser``). Errors are raised as ``ResumeRejected``; the application's error middleware
renders them. The permission check (``interview:create``) belongs to the auth layer.

``resumeText`` is cut to ``HIRESTREAM_RESUME_MAX_CHARS`` characters; ``originalLength`` is the
length of the raw extracted text, before cleaning and cutting.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import BodyPartReader, MultipartReader, web

from hirestream.web.resume.config import Limits
from hirestream.web.resume.errors import ResumeRejected, rejected
from hirestream.web.resume.service import RESUME_PARSER

__all__ = ["FIELD", "parse_resume", "read_upload"]

FIELD = "file"
_CHUNK = 64 * 1024
_FORM_FIELDS_MAX_BYTES = 64 * 1024  # all non-file fields together
_MULTIPART_OVERHEAD = 16 * 1024  # boundaries and part headers around the file
_MAX_PARTS = 32


async def parse_resume(request: web.Request) -> web.Response:
    parser = request.app[RESUME_PARSER]
    limits = parser.limits
    _check_content_type(request)
    length = request.content_length
    body_limit = limits.max_bytes + _FORM_FIELDS_MAX_BYTES + _MULTIPART_OVERHEAD
    if length is not None and length > body_limit:
        raise _too_large(limits)
    async with parser.request_slot():
        data = await read_upload(request, limits)
        result = await parser.parse(data)
    return web.json_response(
        {"resumeText": result.text, "originalLength": result.original_length}, dumps=_dumps
    )


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _check_content_type(request: web.Request) -> None:
    if request.content_type != "multipart/form-data":
        raise rejected("not_multipart")
    if "boundary=" not in request.headers.get("Content-Type", "").lower():
        raise rejected("not_multipart", "The multipart/form-data body has no boundary.")


def _too_large(limits: Limits) -> ResumeRejected:
    return rejected("file_too_large", f"The file is larger than {limits.max_bytes} bytes.")


async def read_upload(request: web.Request, limits: Limits) -> bytes:
    """The bytes of the single file of a multipart body (see the module docstring)."""
    try:
        async with asyncio.timeout(limits.upload_timeout_s):
            return await _read_parts(request, limits)
    except TimeoutError:
        raise rejected("upload_timeout") from None


async def _read_parts(request: web.Request, limits: Limits) -> bytes:
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError, KeyError, LookupError):
        raise rejected("not_multipart") from None
    data: bytes | None = None
    other_name: str | None = None
    files = 0
    parts = 0
    field_bytes = 0
    while True:
        try:
            part = await reader.next()
        except (ValueError, AssertionError, LookupError):
            raise rejected("malformed_multipart") from None
        if part is None:
            break
        parts += 1
        if parts > _MAX_PARTS:
            raise rejected("malformed_multipart", f"More than {_MAX_PARTS} form fields.")
        if isinstance(part, MultipartReader):
            raise rejected("malformed_multipart", "Nested multipart bodies are not accepted.")
        if part.name == FIELD or part.filename is not None:
            files += 1
            if files > 1:
                raise rejected("too_many_files")
            content = await _read_part(part, limits.max_bytes, _too_large(limits))
            if part.name == FIELD:
                data = content
            else:
                other_name = part.name or ""
        else:
            field = await _read_part(
                part,
                _FORM_FIELDS_MAX_BYTES - field_bytes,
                rejected("file_too_large", "The form fields besides the file are too large."),
            )
            field_bytes += len(field)
    if data is None:
        if other_name is not None:
            raise rejected(
                "file_missing", f"Send the file in the '{FIELD}' field, not '{other_name}'."
            )
        raise rejected("file_missing")
    return data


async def _read_part(part: BodyPartReader, limit: int, too_large: ResumeRejected) -> bytes:
    """The raw bytes of a part (no transfer decoding), refused once past ``limit``."""
    buffer = bytearray()
    try:
        while True:
            chunk = await part.read_chunk(_CHUNK)
            if not chunk:
                break
            buffer += chunk
            if len(buffer) > limit:
                raise too_large
    except (ValueError, AssertionError, LookupError):
        raise rejected("malformed_multipart") from None
    return bytes(buffer)

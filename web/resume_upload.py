"""Reading the upload of ``POST /interviews/parse-resume`` (the view is ``web/views/resume.py``).

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

A body that cannot be parsed is 400 with a message naming the problem and nothing of the
request in it: ``not_multipart`` without a ``boundary`` parameter, ``malformed_multipart`` for
an invalid or repeated boundary, a body that is truncated or not delimited by its boundary, a
malformed part header (control character, no ':', too long, too many), an unparsable
Content-Disposition, or a part name or file name with a control character, invalid UTF-8 or
more than 200 characters. Only a field name of plain characters is ever quoted back.

``resumeText`` is cut to ``HIRESTREAM_RESUME_MAX_CHARS`` characters; ``originalLength`` is the
length of the raw extracted text, before cleaning and cutting.
"""

from __future__ import annotations

import asyncio
import re
import warnings
from typing import Final

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.helpers import parse_mimetype
from aiohttp.http_exceptions import BadHttpMessage, HttpProcessingError, LineTooLong
from aiohttp.multipart import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    parse_content_disposition,
)

from hirestream.documents.config import Limits
from hirestream.documents.errors import ResumeRejected, rejected

__all__ = ["FIELD", "check_upload", "read_upload"]

FIELD = "file"
_CHUNK = 64 * 1024
_FORM_FIELDS_MAX_BYTES = 64 * 1024  # all non-file fields together
_MULTIPART_OVERHEAD = 16 * 1024  # boundaries and part headers around the file
_MAX_PARTS = 32
_MAX_NAME_CHARS = 200  # a part's name or file name
# RFC 2046 §5.1.1: 1 to 70 characters of bchars, not ending with a space.
_BOUNDARY: Final = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
# A field name that may be quoted back in a message (anything else is not repeated).
_QUOTABLE_NAME: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
# A control character (Unicode Cc), or a lone surrogate: a byte that was not UTF-8 (aiohttp
# decodes part headers with ``surrogateescape``). Other characters are allowed in names.
_UNSAFE_CHAR: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# What aiohttp's multipart reader raises on a body it cannot parse (besides
# ``HttpProcessingError`` for part headers and ``RequestPayloadError`` for the HTTP framing).
_PARSE_ERRORS: Final = (ValueError, AssertionError, LookupError, RuntimeError)


def check_upload(request: web.Request, limits: Limits) -> None:
    """Refuse at once what cannot be a good upload: another media type, a malformed
    boundary, or a ``Content-Length`` already past the limit."""
    _check_content_type(request)
    length = request.content_length
    body_limit = limits.max_bytes + _FORM_FIELDS_MAX_BYTES + _MULTIPART_OVERHEAD
    if length is not None and length > body_limit:
        raise _too_large(limits)


def _check_content_type(request: web.Request) -> None:
    """``multipart/form-data`` with exactly one valid ``boundary`` parameter."""
    if request.content_type != "multipart/form-data":
        raise rejected("not_multipart")
    mimetype = parse_mimetype(request.headers.get("Content-Type", ""))
    boundaries = mimetype.parameters.getall("boundary", [])
    if not boundaries:
        raise rejected(
            "not_multipart", "The multipart/form-data Content-Type has no boundary parameter."
        )
    if len(boundaries) > 1:
        raise rejected(
            "malformed_multipart", "The Content-Type has more than one boundary parameter."
        )
    if _BOUNDARY.fullmatch(boundaries[0]) is None:
        raise rejected(
            "malformed_multipart",
            "The multipart boundary is not valid: 1 to 70 letters, digits, spaces or "
            "'()+_,-./:=? characters, not ending with a space (RFC 2046).",
        )


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
    except _PARSE_ERRORS:
        raise rejected("not_multipart") from None
    data: bytes | None = None
    other_name: str | None = None
    files = 0
    parts = 0
    field_bytes = 0
    while True:
        part = await _next_part(request, reader)
        if part is None:
            break
        parts += 1
        if parts > _MAX_PARTS:
            raise rejected("malformed_multipart", f"More than {_MAX_PARTS} form fields.")
        if isinstance(part, MultipartReader):
            raise rejected("malformed_multipart", "Nested multipart bodies are not accepted.")
        name, filename = _names_of(part)
        if name == FIELD or filename is not None:
            files += 1
            if files > 1:
                raise rejected("too_many_files")
            content = await _read_part(request, part, limits.max_bytes, _too_large(limits))
            if name == FIELD:
                data = content
            else:
                other_name = name or ""
        else:
            field = await _read_part(
                request,
                part,
                _FORM_FIELDS_MAX_BYTES - field_bytes,
                rejected("file_too_large", "The form fields besides the file are too large."),
            )
            field_bytes += len(field)
    if data is None:
        if other_name is None:
            raise rejected("file_missing")
        if _QUOTABLE_NAME.fullmatch(other_name) is None:
            raise rejected("file_missing", f"Send the file in the '{FIELD}' field.")
        raise rejected("file_missing", f"Send the file in the '{FIELD}' field, not '{other_name}'.")
    return data


async def _next_part(
    request: web.Request, reader: MultipartReader
) -> MultipartReader | BodyPartReader | None:
    """The next part, or None after the closing boundary; a body that cannot be parsed is
    ``malformed_multipart`` with a message saying what is wrong."""
    try:
        return await reader.next()
    except HttpProcessingError as exc:
        raise _bad_part_headers(exc) from None
    except web.RequestPayloadError:
        raise _unreadable_body() from None
    except _PARSE_ERRORS:
        raise _malformed_body(request) from None


def _names_of(part: BodyPartReader) -> tuple[str | None, str | None]:
    """A part's name and file name, refused when its Content-Disposition cannot be parsed or
    either holds a control character, invalid UTF-8 or more than 200 characters."""
    header = part.headers.get("Content-Disposition")
    if header is not None and not _disposition_parses(header):
        raise rejected(
            "malformed_multipart", "A part's Content-Disposition header cannot be parsed."
        )
    name, filename = part.name, part.filename
    for value in (name, filename):
        if value is not None and (len(value) > _MAX_NAME_CHARS or _UNSAFE_CHAR.search(value)):
            raise rejected(
                "malformed_multipart",
                "A part's name or file name holds a control character or invalid UTF-8, or is "
                f"longer than {_MAX_NAME_CHARS} characters.",
            )
    return name, filename


def _disposition_parses(header: str) -> bool:
    """Whether aiohttp parses a Content-Disposition without dropping any of it (it warns, and
    ignores the header or parameter, where it cannot)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", BadContentDispositionHeader)
        warnings.simplefilter("error", BadContentDispositionParam)
        try:
            disposition, _ = parse_content_disposition(header)
        except (BadContentDispositionHeader, BadContentDispositionParam):
            return False
    return disposition is not None


def _bad_part_headers(exc: HttpProcessingError) -> ResumeRejected:
    if isinstance(exc, LineTooLong):
        return rejected("malformed_multipart", "A part header line is too long.")
    if isinstance(exc, BadHttpMessage) and exc.message == "Too many headers received":
        return rejected("malformed_multipart", "A part has too many header lines.")
    return rejected(
        "malformed_multipart",
        "A part header is malformed (a control character, or a line without ':').",
    )


def _malformed_body(request: web.Request) -> ResumeRejected:
    if request.content.at_eof():
        return rejected(
            "malformed_multipart",
            "The multipart body ends before its closing boundary (truncated, or not "
            "delimited by the boundary given in Content-Type).",
        )
    return rejected(
        "malformed_multipart",
        "The multipart body is malformed: a boundary line, or a part's Content-Type, is not valid.",
    )


def _unreadable_body() -> ResumeRejected:
    return rejected(
        "malformed_multipart",
        "The request body could not be read (broken chunked encoding or compression).",
    )


async def _read_part(
    request: web.Request, part: BodyPartReader, limit: int, too_large: ResumeRejected
) -> bytes:
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
    except web.RequestPayloadError:
        raise _unreadable_body() from None
    except _PARSE_ERRORS:
        raise _malformed_body(request) from None
    return bytes(buffer)

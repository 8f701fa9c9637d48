"""``POST /interviews/parse-resume`` over real HTTP, with the real parsers and child processes.

The application here is a minimal one: the handler, the parser's cleanup context and a small
error middleware that renders ``ResumeRejected`` the way the API does
(``statusCode``/``message``/``error``/``code``/``requestId``). Authentication (403 without
``interview:create``) belongs to the full application and is tested there.

Every document the tests generate (``resume_fixtures.GENERATED``) is uploaded, and, when
``HIRESTREAM_CORPUS_DIR`` points at the real-résumé corpus, every document of the corpus too;
none may answer 5xx. Token F1 is measured against the reference text with running page
headers/footers and page numbers kept once (``resume_fixtures.once_per_document``), since the
endpoint drops them as the issue asks; a generated document's reference is the text put in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from http import HTTPStatus
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hirestream.documents.config import Limits
from hirestream.documents.service import ResumeParser
from hirestream.web.app import resume_parser_context as resume_parser_ctx
from hirestream.web.errors import error_middleware, request_id_middleware
from hirestream.web.keys import RESUME_PARSER
from hirestream.web.views.resume import parse_resume
from tests import resume_fixtures as fx

pytestmark = pytest.mark.integration

ROUTE = "/api/v1/interviews/parse-resume"
DEFAULT_TIMEOUT_S = Limits().timeout_s
Client = TestClient[web.Request, web.Application]


# ---- a minimal application ---------------------------------------------------------------


def make_app(limits: Limits | None = None) -> web.Application:
    app = web.Application(middlewares=[request_id_middleware, error_middleware])
    app.router.add_post(ROUTE, parse_resume)
    if limits is None:
        app.cleanup_ctx.append(resume_parser_ctx)
    else:

        async def parser_ctx(app: web.Application) -> AsyncIterator[None]:
            parser = ResumeParser(limits)
            await parser.start()
            app[RESUME_PARSER] = parser
            yield
            await parser.close()

        app.cleanup_ctx.append(parser_ctx)
    return app


@contextlib.asynccontextmanager
async def serve(limits: Limits | None = None) -> AsyncIterator[Client]:
    async with TestClient(TestServer(make_app(limits), host="127.0.0.1")) as client:
        yield client


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[Client]:
    async with serve() as c:
        yield c


def parser_of(client: Client) -> ResumeParser:
    return client.app[RESUME_PARSER]


async def upload(
    client: Client,
    data: bytes,
    filename: str = "resume.pdf",
    content_type: str = "application/octet-stream",
) -> tuple[int, dict[str, Any]]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    async with client.post(ROUTE, data=form) as response:
        body = await response.json()
    assert response.status < 500, body
    return response.status, body


def assert_error(status: int, body: dict[str, Any], expected: tuple[int, str]) -> None:
    assert (status, body["code"]) == expected, body
    assert body["statusCode"] == status
    assert body["error"] == HTTPStatus(status).phrase
    assert body["message"]
    assert body["requestId"]


# ---- generated documents and the corpus ---------------------------------------------------

F1_FLOOR = 0.95  # every document, AltaCV's icons and links included (read from /ActualText)


@pytest.mark.parametrize("name", list(fx.GENERATED))
async def test_generated_document_over_http(client: Client, name: str) -> None:
    generated = fx.generated(name)
    status, body = await upload(client, generated.data, filename=name)
    if generated.refused is not None:
        assert_error(status, body, generated.refused)
        return
    assert status == 200, body
    assert set(body) == {"resumeText", "originalLength"}
    text = body["resumeText"]
    assert text.strip()
    assert body["originalLength"] >= len(text) * 0.9
    f1 = fx.token_f1(text, fx.once_per_document(generated.reference))
    assert f1 >= F1_FLOOR, f"{name}: token F1 {f1:.3f}"


# Not configured: no documents, and the test is skipped. Configured: a missing folder, manifest
# or document raises here, so the module fails (never skips).
CORPUS = fx.corpus_documents() if fx.corpus_configured() else []
REFUSED = {
    "pdfplumber_empty.pdf": (422, "empty_document"),
    "pdfplumber_password-example.pdf": (422, "encrypted"),
    "textract_ocr_text.pdf": (422, "no_text_layer"),
}
# The reference of this document holds the date LibreOffice computed when it rendered the DATE
# field; the document stores (and shows until refreshed) its last result, 4/24/2016.
STORED_FIELD = {"oxpt_CA012-fldSimple.docx": "4/24/2016"}


@fx.requires_corpus
@pytest.mark.parametrize("doc", CORPUS, ids=[doc.name for doc in CORPUS])
async def test_corpus_document_over_http(client: Client, doc: fx.CorpusDoc) -> None:
    status, body = await upload(client, doc.path.read_bytes(), filename=doc.name)
    if doc.name in REFUSED:
        assert_error(status, body, REFUSED[doc.name])
        return
    assert status == 200, body
    assert set(body) == {"resumeText", "originalLength"}
    text = body["resumeText"]
    assert text.strip()
    assert body["originalLength"] >= len(text) * 0.9
    if doc.name in STORED_FIELD:
        assert text == STORED_FIELD[doc.name]
        return
    if not doc.ref_ok:
        return  # e.g. mirrored pages written backwards in the reference
    if doc.suffix == ".txt":
        reference = doc.path.read_bytes().decode("utf-8-sig")
    else:
        reference_or_none = doc.reference()
        assert reference_or_none is not None, f"reference of {doc.name} is missing"
        reference = reference_or_none
    f1 = fx.token_f1(text, fx.once_per_document(reference))
    assert f1 >= F1_FLOOR, f"{doc.name}: token F1 {f1:.3f}"


SOURCES = ["generated", pytest.param("corpus", marks=fx.requires_corpus)]


def same_resume_pairs(source: str) -> list[tuple[str, bytes, bytes]]:
    """(name, PDF, DOCX) of résumés written both ways."""
    if source == "generated":
        two_column = fx.sample_resume(jobs=16)
        return [
            ("resume", fx.generated("resume.pdf").data, fx.generated("resume_plain.docx").data),
            (
                "two_column",
                fx.generated("resume_two_column.pdf").data,
                fx.plain_resume_docx(two_column).data,
            ),
        ]
    return [
        (
            stem,
            fx.corpus_file(f"{stem}.pdf").read_bytes(),
            fx.corpus_file(f"{stem}.docx").read_bytes(),
        )
        for stem in ("soupboss_01-Accountant", "soupboss_02-Desktop_Support")
    ]


@pytest.mark.parametrize("source", SOURCES)
async def test_same_resume_as_pdf_and_docx_reads_the_same(client: Client, source: str) -> None:
    for name, pdf_data, docx_data in same_resume_pairs(source):
        _, pdf = await upload(client, pdf_data)
        _, docx = await upload(client, docx_data)
        assert fx.token_f1(pdf["resumeText"], docx["resumeText"]) >= 0.97, name


# ---- hostile and broken files ------------------------------------------------------------

HOSTILE: dict[str, tuple[Callable[[], bytes], tuple[int, str]]] = {
    "zip_bomb_docx": (fx.docx_zip_bomb, (422, "zip_bomb")),
    "docx_with_5000_entries": (fx.docx_many_entries, (422, "zip_bomb")),
    "docx_lying_about_its_size": (fx.docx_lying_sizes, (422, "zip_bomb")),
    "pdf_with_5000_pages": (lambda: fx.pdf_bytes(["page"], pages=5000), (422, "too_many_pages")),
    "truncated_pdf": (
        lambda: fx.truncated(fx.generated("resume.pdf").data),
        (422, "corrupt_document"),
    ),
    "truncated_corpus_pdf": (
        lambda: fx.truncated(fx.corpus_file("soupboss_01-Accountant.pdf").read_bytes()),
        (422, "corrupt_document"),
    ),
    "pdf_flate_bomb": (fx.pdf_flate_bomb, (422, "too_much_memory")),
    "empty_file": (lambda: b"", (422, "empty_document")),
    "random_bytes": (fx.random_bytes, (415, "unsupported_type")),
    "png_named_pdf": (fx.png_bytes, (415, "unsupported_type")),
    "encrypted_docx": (fx.encrypted_office_bytes, (422, "encrypted")),
    "legacy_doc": (
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096),
        (415, "unsupported_type"),
    ),
}


CORPUS_HOSTILE = {"truncated_corpus_pdf"}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=fx.requires_corpus) if name in CORPUS_HOSTILE else name
        for name in HOSTILE
    ],
)
async def test_hostile_file_gets_its_4xx_in_time(client: Client, name: str) -> None:
    make, expected = HOSTILE[name]
    data = make()
    started = time.perf_counter()
    status, body = await upload(client, data, filename="resume.pdf", content_type="application/pdf")
    elapsed = time.perf_counter() - started
    assert_error(status, body, expected)
    assert elapsed < DEFAULT_TIMEOUT_S, f"{name} took {elapsed:.1f}s"


@pytest.mark.parametrize("source", SOURCES)
async def test_type_comes_from_the_bytes_not_the_name(client: Client, source: str) -> None:
    _, pdf, docx = same_resume_pairs(source)[0]
    status, named_right = await upload(client, docx, "cv.docx", "application/msword")
    assert status == 200
    status, named_pdf = await upload(client, docx, "cv.pdf", "application/pdf")
    assert status == 200
    assert named_pdf == named_right  # the same DOCX gives the same answer whatever its name
    status, pdf_named_docx = await upload(client, pdf, "cv.docx", "text/plain")
    assert status == 200
    assert fx.token_f1(pdf_named_docx["resumeText"], named_right["resumeText"]) >= 0.97


async def test_extraction_deadline_kills_the_child() -> None:
    limits = Limits(timeout_s=0.5)
    async with serve(limits) as client:
        started = time.perf_counter()
        data = fx.slow_pdf()  # seconds of work
        status, body = await upload(client, data)
        elapsed = time.perf_counter() - started
        assert_error(status, body, (422, "timeout"))
        assert elapsed < 2.0
        parser = parser_of(client)
        assert parser.stats.killed == 1
        # the worker is fine afterwards
        status, _ = await upload(client, fx.pdf_bytes(["Jane Doe"]))
        assert status == 200


async def test_memory_limit_is_configurable() -> None:
    async with serve(Limits(memory_bytes=256 * 1024**2)) as client:
        status, body = await upload(client, fx.pdf_flate_bomb(300 * 1024**2))
        assert_error(status, body, (422, "too_much_memory"))
        status, _ = await upload(client, fx.generated("resume_long.pdf").data)
        assert status == 200  # a normal 5-page résumé fits in 256 MiB


async def test_page_limit_is_configurable() -> None:
    async with serve(Limits(max_pages=3)) as client:
        status, body = await upload(client, fx.generated("resume_long.pdf").data)
        assert_error(status, body, (422, "too_many_pages"))
        assert "3" in body["message"]


async def test_output_is_capped_and_original_length_is_raw() -> None:
    async with serve(Limits(max_chars=500)) as client:
        status, body = await upload(client, fx.generated("resume_long.pdf").data)
        assert status == 200
        assert len(body["resumeText"]) <= 500
        assert body["originalLength"] > 10_000


async def test_resume_parser_ctx_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIRESTREAM_RESUME_MAX_CHARS", "300")
    monkeypatch.setenv("HIRESTREAM_RESUME_SPARE_WORKERS", "0")
    async with serve() as client:
        assert parser_of(client).limits.max_chars == 300
        status, body = await upload(client, fx.generated("resume_long.pdf").data)
        assert status == 200
        assert len(body["resumeText"]) <= 300


# ---- size limit --------------------------------------------------------------------------


async def test_upload_over_10_mib_is_413(client: Client) -> None:
    data = fx.pdf_bytes(["x"], padding=10 * 1024 * 1024)
    assert len(data) > 10 * 1024 * 1024
    status, body = await upload(client, data)
    assert_error(status, body, (413, "file_too_large"))


def _pdf_of_size(size: int) -> bytes:
    padding = size - len(fx.pdf_bytes(["Jane Doe"], padding=1)) + 1
    for _ in range(5):
        data = fx.pdf_bytes(["Jane Doe"], padding=padding)
        if len(data) == size:
            return data
        padding += size - len(data)
    raise AssertionError("could not build a PDF of the requested size")


async def test_upload_limit_is_exact() -> None:
    limits = Limits(max_bytes=256 * 1024)
    async with serve(limits) as client:
        status, body = await upload(client, _pdf_of_size(limits.max_bytes))
        assert status == 200, body
        status, body = await upload(client, _pdf_of_size(limits.max_bytes + 1))
        assert_error(status, body, (413, "file_too_large"))


def _multipart(boundary: str, parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode()


async def test_streamed_upload_without_content_length_stops_at_the_limit() -> None:
    limits = Limits(max_bytes=64 * 1024)
    body = _multipart("b0undary", [("file", "big.pdf", b"%PDF-1.4 " + b"x" * 1024 * 1024)])

    async def chunks() -> AsyncIterator[bytes]:  # sent chunked: no Content-Length
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    async with serve(limits) as client:
        headers = {"Content-Type": "multipart/form-data; boundary=b0undary"}
        async with client.post(ROUTE, data=chunks(), headers=headers) as response:
            assert response.status == 413
            assert (await response.json())["code"] == "file_too_large"
        assert parser_of(client).stats.completed == 0  # refused before any extraction


# ---- malformed requests ------------------------------------------------------------------


async def _post_raw(client: Client, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    async with client.post(ROUTE, data=body, headers={"Content-Type": content_type}) as response:
        payload = await response.json()
        return response.status, payload


async def test_missing_file_field_is_400(client: Client) -> None:
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("name", "Jane")
    async with client.post(ROUTE, data=form) as response:
        assert_error(response.status, await response.json(), (400, "file_missing"))


async def test_file_under_another_field_name_is_400(client: Client) -> None:
    body = _multipart("xyz", [("resume", "cv.pdf", fx.pdf_bytes(["Jane"]))])
    status, payload = await _post_raw(client, body, "multipart/form-data; boundary=xyz")
    assert_error(status, payload, (400, "file_missing"))
    assert "resume" in payload["message"]


async def test_two_files_are_400(client: Client) -> None:
    form = aiohttp.FormData()
    form.add_field("file", fx.pdf_bytes(["One"]), filename="a.pdf")
    form.add_field("file", fx.pdf_bytes(["Two"]), filename="b.pdf")
    async with client.post(ROUTE, data=form) as response:
        assert_error(response.status, await response.json(), (400, "too_many_files"))
    body = _multipart("xyz", [("other", "a.pdf", b"%PDF-"), ("file", "b.pdf", b"%PDF-")])
    status, payload = await _post_raw(client, body, "multipart/form-data; boundary=xyz")
    assert_error(status, payload, (400, "too_many_files"))


async def test_extra_form_fields_are_ignored(client: Client) -> None:
    form = aiohttp.FormData()
    form.add_field("note", "hello")
    form.add_field("file", fx.pdf_bytes(["Jane Doe"]), filename="cv.pdf")
    async with client.post(ROUTE, data=form) as response:
        assert response.status == 200
        assert (await response.json())["resumeText"] == "Jane Doe"


async def test_too_many_parts_or_field_bytes_are_refused(client: Client) -> None:
    fields = [(f"f{i}", None, b"x") for i in range(40)]
    body = _multipart("xyz", [*fields, ("file", "cv.pdf", fx.pdf_bytes(["Jane"]))])
    status, payload = await _post_raw(client, body, "multipart/form-data; boundary=xyz")
    assert_error(status, payload, (400, "malformed_multipart"))
    body = _multipart("xyz", [("note", None, b"x" * 100_000), ("file", "cv.pdf", b"%PDF-")])
    status, payload = await _post_raw(client, body, "multipart/form-data; boundary=xyz")
    assert_error(status, payload, (413, "file_too_large"))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"file": "x"}', "application/json"),
        (b"file=abc", "application/x-www-form-urlencoded"),
        (b"plain", "text/plain"),
        (b"--x\r\n", "multipart/form-data"),  # no boundary parameter
        (b"--x\r\n", "multipart/mixed; boundary=x"),
    ],
)
async def test_non_multipart_body_is_400(client: Client, body: bytes, content_type: str) -> None:
    status, payload = await _post_raw(client, body, content_type)
    assert_error(status, payload, (400, "not_multipart"))


async def test_garbage_multipart_body_is_400(client: Client) -> None:
    status, payload = await _post_raw(
        client, b"this is not multipart at all", "multipart/form-data; boundary=zzz"
    )
    assert status == 400
    assert payload["code"] in {"malformed_multipart", "file_missing"}


ODD = b"QZX-odd"  # never repeated in an answer
_PDF_PART = b"%PDF-1.4 Jane Doe"


def _raw_part(disposition: bytes, *, extra: bytes = b"", boundary: bytes = b"xyz") -> bytes:
    """One complete part (headers as given) and the closing boundary."""
    return (
        b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n" + extra
        + b"\r\n" + _PDF_PART + b"\r\n--" + boundary + b"--\r\n"
    )  # fmt: skip


_FILE = b'form-data; name="file"; filename="cv.pdf"'
_MANY_HEADERS = b"".join(b"X-%d: v\r\n" % i for i in range(300))
_XYZ = "multipart/form-data; boundary=xyz"
MALFORMED: dict[str, tuple[bytes, str, str, str]] = {
    # name: (body, content type, code, a fragment of the message)
    "truncated_in_the_file": (
        b"--xyz\r\nContent-Disposition: " + _FILE + b"\r\n\r\n%PDF-1.4 " + ODD,
        _XYZ,
        "malformed_multipart",
        "ends before its closing boundary",
    ),
    "truncated_in_the_headers": (
        b"--xyz\r\nContent-Disposition: form-da",
        _XYZ,
        "malformed_multipart",
        "ends before its closing boundary",
    ),
    "garbage": (b"\x00\x01" + ODD + b" garbage", _XYZ, "malformed_multipart", "boundary"),
    "wrong_boundary": (
        _raw_part(_FILE),
        "multipart/form-data; boundary=abc",
        "malformed_multipart",
        "boundary",
    ),
    "empty_body": (b"", _XYZ, "malformed_multipart", "boundary"),
    "empty_boundary": (
        _raw_part(_FILE),
        "multipart/form-data; boundary=",
        "malformed_multipart",
        "boundary is not valid",
    ),
    "quoted_empty_boundary": (
        _raw_part(_FILE),
        'multipart/form-data; boundary=""',
        "malformed_multipart",
        "boundary is not valid",
    ),
    "boundary_over_70": (
        _raw_part(_FILE, boundary=b"b" * 71),
        "multipart/form-data; boundary=" + "b" * 71,
        "malformed_multipart",
        "boundary is not valid",
    ),
    "boundary_with_odd_characters": (
        _raw_part(_FILE, boundary=b"a<b>"),
        "multipart/form-data; boundary=a<b>",
        "malformed_multipart",
        "boundary is not valid",
    ),
    "two_boundaries": (
        _raw_part(_FILE),
        _XYZ + "; boundary=abc",
        "malformed_multipart",
        "more than one boundary",
    ),
    "no_boundary_parameter": (
        _raw_part(_FILE),
        "multipart/form-data; xboundary=xyz",
        "not_multipart",
        "no boundary parameter",
    ),
    "control_character_in_the_name": (
        _raw_part(b'form-data; name="fi\x01' + ODD + b'"; filename="a"'),
        _XYZ,
        "malformed_multipart",
        "part header is malformed",
    ),
    "nul_in_the_name": (
        _raw_part(b'form-data; name="fi\x00' + ODD + b'"; filename="a"'),
        _XYZ,
        "malformed_multipart",
        "part header is malformed",
    ),
    "cr_in_the_name": (
        _raw_part(b'form-data; name="fi\r' + ODD + b'"; filename="a"'),
        _XYZ,
        "malformed_multipart",
        "part header is malformed",
    ),
    "invalid_utf8_in_the_name": (
        _raw_part(b'form-data; name="fi\xff' + ODD + b'"; filename="a"'),
        _XYZ,
        "malformed_multipart",
        "name or file name",
    ),
    "encoded_control_character_in_the_name": (
        _raw_part(b"form-data; name*=utf-8''fi%01" + ODD + b'; filename="a"'),
        _XYZ,
        "malformed_multipart",
        "name or file name",
    ),
    "encoded_control_character_in_the_file_name": (
        _raw_part(b"form-data; name=\"file\"; filename*=utf-8''cv%00" + ODD),
        _XYZ,
        "malformed_multipart",
        "name or file name",
    ),
    "overlong_name": (
        _raw_part(b'form-data; name="' + b"n" * 201 + b'"; filename="a"'),
        _XYZ,
        "malformed_multipart",
        "name or file name",
    ),
    "header_line_without_colon": (
        _raw_part(_FILE, extra=ODD + b"\r\n"),
        _XYZ,
        "malformed_multipart",
        "part header is malformed",
    ),
    "control_character_in_a_header": (
        _raw_part(_FILE, extra=b"X-Odd: a\x01" + ODD + b"\r\n"),
        _XYZ,
        "malformed_multipart",
        "part header is malformed",
    ),
    "header_line_too_long": (
        _raw_part(_FILE, extra=b"X-Odd: " + ODD * 2000 + b"\r\n"),
        _XYZ,
        "malformed_multipart",
        "too long",
    ),
    "too_many_headers": (
        _raw_part(_FILE, extra=_MANY_HEADERS),
        _XYZ,
        "malformed_multipart",
        "too many header lines",
    ),
    "unparsable_disposition": (
        _raw_part(b';;;==="' + ODD),
        _XYZ,
        "malformed_multipart",
        "Content-Disposition",
    ),
    "bad_disposition_parameter": (
        _raw_part(b"form-data; name*=utf-8''fi%FF" + ODD),
        _XYZ,
        "malformed_multipart",
        "Content-Disposition",
    ),
    "nested_multipart_without_boundary": (
        _raw_part(_FILE, extra=b"Content-Type: multipart/mixed\r\n"),
        _XYZ,
        "malformed_multipart",
        "Content-Type",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_malformed_multipart_is_400_naming_the_problem(client: Client, case: str) -> None:
    body, content_type, code, fragment = MALFORMED[case]
    async with client.post(ROUTE, data=body, headers={"Content-Type": content_type}) as response:
        raw = await response.read()
        payload = await response.json()
    assert_error(response.status, payload, (400, code))
    assert fragment in payload["message"], payload["message"]
    assert ODD not in raw


async def test_a_field_name_is_quoted_back_only_when_plain(client: Client) -> None:
    body = _raw_part(b'form-data; name="r\xc3\xa9sum\xc3\xa9 <b>"; filename="cv.pdf"')
    status, payload = await _post_raw(client, body, _XYZ)
    assert_error(status, payload, (400, "file_missing"))
    assert payload["message"] == "Send the file in the 'file' field."


async def test_the_parser_answers_after_malformed_bodies(client: Client) -> None:
    for body, content_type, _, _ in MALFORMED.values():
        await _post_raw(client, body, content_type)
    form = aiohttp.FormData()
    form.add_field("file", fx.pdf_bytes(["Jane Doe"]), filename="cv.pdf")
    async with client.post(ROUTE, data=form) as response:
        assert response.status == 200
        assert (await response.json())["resumeText"] == "Jane Doe"


async def test_request_id_is_echoed(client: Client) -> None:
    form = aiohttp.FormData()
    form.add_field("file", b"", filename="empty.pdf")
    async with client.post(ROUTE, data=form, headers={"X-Request-ID": "req-42"}) as response:
        assert (await response.json())["requestId"] == "req-42"


async def test_stalled_upload_gets_408() -> None:
    limits = Limits(upload_timeout_s=0.5)
    async with serve(limits) as client:
        assert client.server.port is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
        head = (
            f"POST {ROUTE} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n\r\n"
            '--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4'
        )
        writer.write(head.encode())
        await writer.drain()
        started = time.perf_counter()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
        assert time.perf_counter() - started < 3
        assert b" 408 " in status_line
        writer.close()


# ---- concurrency -------------------------------------------------------------------------


async def test_ten_large_uploads_at_once_are_bounded() -> None:
    limits = Limits(max_pending=4)
    big = fx.pdf_bytes(["Large file"], padding=9 * 1024 * 1024)
    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - before - 0.01)

    async with serve(limits) as client:
        tick = asyncio.create_task(ticker())
        results = await asyncio.gather(*(upload(client, big) for _ in range(10)))
        stop.set()
        await tick
        parser = parser_of(client)
        assert [status for status, _ in results] == [200] * 10
        assert all(body["resumeText"] == "Large file" for _, body in results)
        assert parser.stats.peak_active <= limits.concurrency
        assert parser.stats.peak_pending <= limits.max_pending
        assert max(lags) < 0.5, f"event loop stalled for {max(lags):.2f}s"


async def test_busy_worker_answers_503_with_retry_after() -> None:
    limits = Limits(max_pending=1, queue_timeout_s=0.2)
    slow = fx.slow_pdf()
    async with serve(limits) as client:
        first = asyncio.create_task(upload(client, slow))
        await asyncio.sleep(0.3)
        form = aiohttp.FormData()
        form.add_field("file", fx.pdf_bytes(["Jane"]), filename="cv.pdf")
        async with client.post(ROUTE, data=form) as response:
            assert_error(response.status, await response.json(), (503, "busy"))
            assert response.headers["Retry-After"] == "1"
        status, _ = await first
        assert status == 200

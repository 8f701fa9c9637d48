"""File type from the bytes, plain-text decoding, the zip pre-check, and the limits."""

from __future__ import annotations

import io
import zipfile

import pytest

from hirestream.documents.config import Limits
from hirestream.documents.errors import CODES, ResumeRejected, rejected
from hirestream.documents.sniff import decode_text, detect_kind
from tests import resume_fixtures as fx


def _rejection(data: bytes, limits: Limits | None = None) -> ResumeRejected:
    with pytest.raises(ResumeRejected) as info:
        detect_kind(data, limits)
    return info.value


# ---- type detection ----------------------------------------------------------------------


def test_pdf_is_found_by_its_header_even_after_junk() -> None:
    assert detect_kind(fx.pdf_bytes(["Jane"])) == "pdf"
    assert detect_kind(b"GPL Ghostscript junk\n" + fx.pdf_bytes(["Jane"])) == "pdf"


def test_docx_is_found_by_its_content_not_its_name() -> None:
    assert detect_kind(fx.docx_bytes(fx.paragraphs_xml("Jane"))) == "docx"


def test_docx_with_another_main_part_name_is_found_by_content_types() -> None:
    data = fx.docx_bytes(fx.paragraphs_xml("Jane"))
    renamed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            name = "word/main.xml" if info.filename == "word/document.xml" else info.filename
            dst.writestr(name, src.read(info))
    assert detect_kind(renamed.getvalue()) == "docx"


@pytest.mark.parametrize(
    ("entry", "what"),
    [("xl/workbook.xml", "spreadsheets"), ("mimetype", "OpenDocument"), ("a.txt", "zip")],
)
def test_other_zip_formats_are_unsupported(entry: str, what: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(entry, "x")
    error = _rejection(buffer.getvalue())
    assert (error.status, error.code) == (415, "unsupported_type")
    assert what in error.message


def test_ole_files_are_legacy_doc_or_encrypted() -> None:
    assert _rejection(fx.encrypted_office_bytes()).code == "encrypted"
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048
    error = _rejection(legacy)
    assert (error.status, error.code) == (415, "unsupported_type")


@pytest.mark.parametrize(
    "data",
    [fx.png_bytes(), b"\xff\xd8\xff\xe0" + b"\x00" * 64, b"GIF89a" + b"\x00" * 16, b"{\\rtf1 hi}"],
)
def test_known_binary_formats_are_unsupported(data: bytes) -> None:
    assert _rejection(data).code == "unsupported_type"


@pytest.mark.parametrize("size", [16, 300, 64 * 1024])
def test_random_bytes_are_not_text(size: int) -> None:
    data = fx.random_bytes(size=size, seed=size)
    assert detect_kind(data) == "txt"  # no known signature: only decoding can tell
    with pytest.raises(ResumeRejected) as info:
        decode_text(data)
    assert (info.value.status, info.value.code) == (415, "unsupported_type")


def test_empty_file() -> None:
    error = _rejection(b"")
    assert (error.status, error.code) == (422, "empty_document")


def test_text_starting_like_a_bitmap_is_still_text() -> None:
    assert detect_kind(b"BMW service engineer\nMunich") == "txt"


# ---- zip pre-check -----------------------------------------------------------------------


def test_zip_bomb_is_refused_from_the_directory() -> None:
    error = _rejection(fx.docx_zip_bomb())
    assert (error.status, error.code) == (422, "zip_bomb")


def test_too_many_entries_is_a_zip_bomb() -> None:
    assert _rejection(fx.docx_many_entries(1200)).code == "zip_bomb"


def test_lying_declared_size_is_a_zip_bomb() -> None:
    assert _rejection(fx.docx_lying_sizes()).code == "zip_bomb"


def test_compression_ratio_limit() -> None:
    data = fx.docx_zip_bomb(4 * 1024 * 1024)  # 4 MiB of spaces: ratio ~1000:1
    error = _rejection(data)  # within the size limits, but far too compressible
    assert (error.code, error.message) == (
        "zip_bomb",
        "An entry of the archive is compressed suspiciously well.",
    )
    assert detect_kind(data, Limits(zip_max_ratio=5000)) == "docx"
    assert _rejection(data, Limits(zip_max_ratio=5000, zip_max_bytes=1024**2)).code == "zip_bomb"


def test_broken_zip_is_corrupt() -> None:
    data = fx.docx_bytes(fx.paragraphs_xml("Jane"))
    assert _rejection(data[: len(data) // 2]).code == "corrupt_document"


# ---- text decoding -----------------------------------------------------------------------

SAMPLE = "Renée Müller — “Senior” engineer, 10 € / ½ day\nZürich"


@pytest.mark.parametrize(
    "encoded",
    [
        SAMPLE.encode("utf-8"),
        b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"),
        SAMPLE.encode("utf-16"),  # with BOM
        b"\xfe\xff" + SAMPLE.encode("utf-16-be"),
        b"\xff\xfe\x00\x00" + SAMPLE.encode("utf-32-le"),
    ],
)
def test_unicode_encodings_with_bom(encoded: bytes) -> None:
    assert decode_text(encoded) == SAMPLE


def test_bomless_utf16_is_recognised() -> None:
    assert decode_text("Jane Doe, engineer".encode("utf-16-le")) == "Jane Doe, engineer"
    assert decode_text("Jane Doe, engineer".encode("utf-16-be")) == "Jane Doe, engineer"


def test_windows_1252_and_latin1_fallbacks() -> None:
    assert decode_text("Renée “quoted” — 10 €".encode("cp1252")) == "Renée “quoted” — 10 €"
    assert decode_text("Ærøskøbing, Málaga".encode("latin-1")) == "Ærøskøbing, Málaga"
    # 0x81 is undefined in Windows-1252: replaced (and later removed), not a control character
    assert decode_text(b"caf\xe9 \x81ok") == "café \ufffdok"


def test_binary_masquerading_as_text_is_refused() -> None:
    with pytest.raises(ResumeRejected) as info:
        decode_text(b"Jane\x00Doe")
    assert info.value.code == "unsupported_type"
    with pytest.raises(ResumeRejected):
        decode_text(bytes(range(1, 32)) * 10 + b"text")


# ---- limits and errors -------------------------------------------------------------------


def test_limits_defaults() -> None:
    limits = Limits.from_env({})
    assert limits.max_bytes == 10 * 1024 * 1024
    assert limits.timeout_s == 15
    assert limits.memory_bytes == 1024**3
    assert limits.max_chars == 100_000
    assert limits.concurrency == 2


def test_limits_from_env() -> None:
    limits = Limits.from_env(
        {
            "HIRESTREAM_RESUME_MAX_BYTES": "2048",
            "HIRESTREAM_RESUME_TIMEOUT_S": "2.5",
            "HIRESTREAM_RESUME_CONCURRENCY": " 4 ",
            "HIRESTREAM_RESUME_SPARE_WORKERS": "0",
            "HIRESTREAM_RESUME_MAX_PAGES": "",
        }
    )
    assert (limits.max_bytes, limits.timeout_s, limits.concurrency) == (2048, 2.5, 4)
    assert limits.spare_workers == 0
    assert limits.max_pages == 50
    assert Limits.from_dict(limits.to_dict()) == limits


@pytest.mark.parametrize(
    ("name", "value"),
    [("HIRESTREAM_RESUME_MAX_BYTES", "ten"), ("HIRESTREAM_RESUME_CONCURRENCY", "0")],
)
def test_bad_limits_fail_at_start(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="must be"):
        Limits.from_env({name: value})


def test_every_code_has_a_4xx_or_503_status() -> None:
    for code, (status, message) in CODES.items():
        assert 400 <= status < 500 or status == 503, code
        assert message
        error = rejected(code)
        assert (error.status, error.code, error.message) == (status, code, message)
        assert (error.retry_after is not None) == (status == 503)

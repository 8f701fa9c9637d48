"""``extract(data) -> Extracted``: bytes of an upload in, clean ``resumeText`` out.

This is what the extraction child process runs (``worker``), and what unit tests call directly.
It is synchronous and has no asyncio or aiohttp in it; the PDF and DOCX libraries are imported
on first use. Every refusal is a ``ResumeRejected``; ``MemoryError`` is left to the caller (the
child reports it as ``too_much_memory``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from hirestream.documents import cleaning
from hirestream.documents.config import Limits
from hirestream.documents.errors import rejected
from hirestream.documents.sniff import Kind, decode_text, detect_kind

__all__ = ["Extracted", "extract", "preload"]

_MIN_SCAN_TEXT = 50  # fewer letters/digits than this on an image-covered PDF: a scan
_ALNUM_RE = re.compile(r"[^\W_]")


@dataclass(frozen=True, slots=True)
class Extracted:
    """The result of one extraction."""

    #: cleaned text, at most ``Limits.max_chars`` characters
    text: str
    #: length in characters of the raw extracted text, before cleaning and truncation
    original_length: int
    #: the type found in the bytes
    kind: Kind
    #: PDF pages (None for DOCX and text)
    pages: int | None = None
    #: True when ``text`` was cut to ``Limits.max_chars``
    truncated: bool = False
    #: peak resident memory of the extracting process in KiB, when it is known
    peak_rss_kib: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "originalLength": self.original_length,
            "kind": self.kind,
            "pages": self.pages,
            "truncated": self.truncated,
            "peakRssKib": self.peak_rss_kib,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extracted:
        return cls(
            text=str(data["text"]),
            original_length=int(data["originalLength"]),
            kind=data["kind"],
            pages=None if data.get("pages") is None else int(data["pages"]),
            truncated=bool(data.get("truncated", False)),
            peak_rss_kib=None if data.get("peakRssKib") is None else int(data["peakRssKib"]),
        )


def preload() -> None:
    """Import the document libraries and run each extractor once on a tiny built-in document,
    so that library loading and first-use set-up are paid before a file arrives (the child does
    this before it says it is ready)."""
    import io

    import docx

    from hirestream.documents import docx_extract, pdf_extract  # noqa: F401

    document = docx.Document()
    document.add_paragraph("Warm-up document")
    buffer = io.BytesIO()
    document.save(buffer)
    for sample in (_WARMUP_PDF, buffer.getvalue(), b"Warm-up text"):
        extract(sample, Limits())


def _warmup_pdf() -> bytes:
    stream = b"BT /F1 12 Tf 72 720 Td (Warm-up document) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


_WARMUP_PDF = _warmup_pdf()


def extract(data: bytes, limits: Limits | None = None) -> Extracted:
    """Detect the type from the bytes, extract, check, clean and cap the text."""
    limits = limits or Limits.from_env()
    if len(data) > limits.max_bytes:
        raise rejected("file_too_large", f"The file is larger than {limits.max_bytes} bytes.")
    kind = detect_kind(data, limits)
    pages: int | None = None
    scanned = False
    if kind == "pdf":
        from hirestream.documents.pdf_extract import extract_pdf, is_scan

        pdf = extract_pdf(data, limits)
        raw_pages = pdf.pages
        raw = "\f".join(raw_pages)
        pages = len(raw_pages)
        scanned = is_scan(pdf.image_coverage)
    elif kind == "docx":
        from hirestream.documents.docx_extract import extract_docx

        raw = extract_docx(data, limits)
        raw_pages = [raw]
    else:
        raw = decode_text(data)
        raw_pages = [raw]

    if cleaning.is_garbled(raw):
        raise rejected("garbled_text")
    text = cleaning.clean_pages(raw_pages, source=kind)
    visible = sum(1 for _ in itertools.islice(_ALNUM_RE.finditer(text), _MIN_SCAN_TEXT))
    if visible == 0 or (scanned and visible < _MIN_SCAN_TEXT):
        if scanned:
            raise rejected("no_text_layer")
        raise rejected("empty_document", "The document contains no text.")
    capped = cleaning.truncate(text, limits.max_chars)
    return Extracted(
        text=capped,
        original_length=len(raw),
        kind=kind,
        pages=pages,
        truncated=len(capped) < len(text),
    )

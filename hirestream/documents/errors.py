"""Refusals of the résumé parsing endpoint and their stable error codes.

Every refusal is raised as ``ResumeRejected(status, code, message)``. The application's error
middleware turns it into ``{"statusCode", "message", "error", "code", "requestId"}``; ``code`` is
stable and meant for machines, ``message`` for people. Hostile or broken input never causes a 5xx.

==================  ======  ==============================================================
code                status  when
==================  ======  ==============================================================
not_multipart       400     the body is not ``multipart/form-data`` (or has no boundary)
malformed_multipart 400     the multipart body cannot be parsed: an invalid boundary
                            parameter, a truncated or garbled body, a malformed part
                            header, a part name with a control character or invalid
                            UTF-8, nesting, more than 32 parts
file_missing        400     no part named ``file``
too_many_files      400     more than one file in the body
upload_timeout      408     the upload did not arrive within ``HIRESTREAM_RESUME_UPLOAD_TIMEOUT_S``
file_too_large      413     the file (or the body) exceeds ``HIRESTREAM_RESUME_MAX_BYTES``
unsupported_type    415     the bytes are not PDF, DOCX or text (images, legacy .doc, other
                            zip formats, RTF, binary data); the file name and Content-Type
                            are never trusted
encrypted           422     password-protected PDF or DOCX
empty_document      422     zero bytes, or a document with no text at all
no_text_layer       422     a scanned / image-only PDF (no OCR is done)
garbled_text        422     the text layer is unreadable (broken font encoding)
corrupt_document    422     the PDF or DOCX cannot be read (truncated, malformed)
too_many_pages      422     more PDF pages than ``HIRESTREAM_RESUME_MAX_PAGES``
zip_bomb            422     the DOCX archive is too large or too compressed once unpacked
                            (checked on the zip directory, before unpacking)
timeout             422     extraction took longer than ``HIRESTREAM_RESUME_TIMEOUT_S``; the
                            extracting process was killed
too_much_memory     422     extraction needed more than ``HIRESTREAM_RESUME_MEMORY_BYTES``
extraction_failed   422     the extracting process died without an answer (parser crash)
busy                503     too many uploads in progress on this worker; retry later
                            (``retry_after`` is set)
parser_unavailable  503     the extraction process could not be started (server problem)
==================  ======  ==============================================================
"""

from __future__ import annotations

from typing import Final

__all__ = ["CODES", "ResumeRejected", "rejected"]

#: code -> (HTTP status, default message)
CODES: Final[dict[str, tuple[int, str]]] = {
    "not_multipart": (400, "The request body must be multipart/form-data with a 'file' field."),
    "malformed_multipart": (400, "The multipart/form-data body could not be parsed."),
    "file_missing": (400, "The multipart body has no 'file' field."),
    "too_many_files": (400, "Send exactly one file in the 'file' field."),
    "upload_timeout": (408, "The upload did not complete in time."),
    "file_too_large": (413, "The file is too large."),
    "unsupported_type": (
        415,
        "Unsupported file type: upload a PDF, a DOCX or a plain-text file.",
    ),
    "encrypted": (422, "The document is password-protected; upload a copy without a password."),
    "empty_document": (422, "The document is empty."),
    "no_text_layer": (
        422,
        "The document has no text layer (scanned or image-only PDF?); upload a PDF with "
        "selectable text, a DOCX or a text file.",
    ),
    "garbled_text": (
        422,
        "The text of this document cannot be read (broken font encoding); upload a DOCX or "
        "another PDF export.",
    ),
    "corrupt_document": (422, "The document is damaged or incomplete and cannot be read."),
    "too_many_pages": (422, "The document has too many pages."),
    "zip_bomb": (422, "The document is too large or too complex once unpacked."),
    "timeout": (422, "Reading the document took too long."),
    "too_much_memory": (422, "Reading the document needed too much memory."),
    "extraction_failed": (422, "The document could not be read."),
    "busy": (503, "Too many résumé uploads are being processed; retry shortly."),
    "parser_unavailable": (503, "The résumé parser is not available; retry shortly."),
}


class ResumeRejected(Exception):
    """A refused résumé upload: HTTP ``status``, stable ``code`` and a human ``message``.

    ``retry_after`` (seconds) is set for the 503 codes; the error middleware should send it as
    the ``Retry-After`` header.
    """

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"ResumeRejected({self.status}, {self.code!r}, {self.message!r})"


def rejected(code: str, message: str | None = None) -> ResumeRejected:
    """The ``ResumeRejected`` for a known ``code``, with its status and default message."""
    status, default = CODES[code]
    retry_after = 1 if status == 503 else None
    return ResumeRejected(status, code, message or default, retry_after=retry_after)

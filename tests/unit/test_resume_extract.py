"""``extract(data)``: what the extraction child runs, called directly."""

from __future__ import annotations

import pytest

from hirestream.documents.config import Limits
from hirestream.documents.errors import ResumeRejected
from hirestream.documents.extract import Extracted, extract
from tests import resume_fixtures as fx


def _code(data: bytes, limits: Limits | None = None) -> tuple[int, str]:
    with pytest.raises(ResumeRejected) as info:
        extract(data, limits or Limits())
    return info.value.status, info.value.code


def test_text_file_is_decoded_and_cleaned() -> None:
    raw = "Renée  Doe\r\n\r\n\r\n• Led “platform” team — 10 €\r\n".encode("cp1252")
    result = extract(raw, Limits())
    assert result.kind == "txt"
    assert result.text == "Renée Doe\n\n- Led “platform” team — 10 €"
    assert result.original_length == len(raw.decode("cp1252"))
    assert result.pages is None
    assert not result.truncated


def test_type_comes_from_the_bytes() -> None:
    docx = fx.docx_bytes(fx.paragraphs_xml("Jane Doe", "Engineer"))
    pdf = fx.pdf_bytes(["Jane Doe\nEngineer"])
    assert extract(docx, Limits()).kind == "docx"
    assert extract(pdf, Limits()).kind == "pdf"
    assert extract(docx, Limits()).text == extract(pdf, Limits()).text == "Jane Doe\nEngineer"


def test_original_length_counts_raw_text_before_cleaning() -> None:
    raw = "Jane" + " " * 500 + "Doe\n\n\n\n\n"
    result = extract(raw.encode(), Limits())
    assert result.text == "Jane Doe"
    assert result.original_length == len(raw)


def test_output_is_capped() -> None:
    raw = ("word " * 5000).encode()
    result = extract(raw, Limits(max_chars=1000))
    assert len(result.text) <= 1000
    assert result.truncated
    assert result.original_length == 25_000


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", (422, "empty_document")),
        (b"   \n\t \r\n", (422, "empty_document")),
        (fx.docx_bytes(fx.paragraphs_xml("", "")), (422, "empty_document")),
        (fx.pdf_bytes([""]), (422, "empty_document")),
        (fx.random_bytes(), (415, "unsupported_type")),
        (fx.png_bytes(), (415, "unsupported_type")),
        (fx.encrypted_office_bytes(), (422, "encrypted")),
        (fx.pdf_bytes(["x"], pages=2000), (422, "too_many_pages")),
        (fx.docx_zip_bomb(), (422, "zip_bomb")),
    ],
)
def test_refusals(data: bytes, expected: tuple[int, str]) -> None:
    assert _code(data) == expected


def test_too_large() -> None:
    assert _code(b"x" * 2048, Limits(max_bytes=1024)) == (413, "file_too_large")


def test_unreadable_font_encoding_is_garbled() -> None:
    soup = " ".join(["bQM/", "Xtzp", "kfrg?", "MQW", "zzkt`"] * 30)
    assert _code(fx.pdf_bytes([soup])) == (422, "garbled_text")


F1_FLOOR = 0.95  # as for the corpus over HTTP


@pytest.mark.parametrize("name", fx.GENERATED_READABLE)
def test_generated_document_reads_like_its_source(name: str) -> None:
    generated = fx.generated(name)
    assert generated.refused is None
    result = extract(generated.data, Limits())
    assert result.kind == name.rsplit(".", 1)[1]
    assert result.pages == generated.pages
    assert result.original_length >= len(result.text) * 0.9
    f1 = fx.token_f1(result.text, fx.once_per_document(generated.reference))
    assert f1 >= F1_FLOOR, f"{name}: token F1 {f1:.3f}"


@pytest.mark.parametrize("name", fx.GENERATED_REFUSED)
def test_generated_refusals(name: str) -> None:
    generated = fx.generated(name)
    assert generated.refused is not None
    assert _code(generated.data) == generated.refused


@fx.requires_corpus
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pdfplumber_empty.pdf", (422, "empty_document")),
        ("pdfplumber_password-example.pdf", (422, "encrypted")),
        ("textract_ocr_text.pdf", (422, "no_text_layer")),
    ],
)
def test_corpus_refusals(name: str, expected: tuple[int, str]) -> None:
    assert _code(fx.corpus_file(name).read_bytes()) == expected


def test_text_in_every_encoding_reads_the_same() -> None:
    texts = {
        encoding: extract(fx.resume_txt(encoding).data, Limits()).text
        for encoding in ("utf-8", "utf-8-sig", "utf-16", "cp1252")
    }
    assert texts["utf-8"].startswith("Zoë Müller — Développeuse\nzoe.muller@example.org")
    assert "- Led the “platform” team — budget 120 000 €" in texts["utf-8"]
    assert texts["utf-8-sig"] == texts["utf-16"] == texts["utf-8"]
    assert texts["cp1252"] == texts["utf-8"].replace("→", "->")


def test_pdf_and_docx_of_the_same_resume_agree() -> None:
    pdf = extract(fx.generated("resume.pdf").data, Limits())
    docx = extract(fx.generated("resume_plain.docx").data, Limits())
    assert fx.token_f1(pdf.text, docx.text) >= 0.98
    assert pdf.pages == 2


@fx.requires_corpus
def test_pdf_and_docx_of_the_same_corpus_resume_agree() -> None:
    pdf = extract(fx.corpus_file("soupboss_01-Accountant.pdf").read_bytes(), Limits())
    docx = extract(fx.corpus_file("soupboss_01-Accountant.docx").read_bytes(), Limits())
    assert fx.token_f1(pdf.text, docx.text) >= 0.98
    assert pdf.pages == 2


def test_result_round_trips_through_json_dict() -> None:
    result = Extracted("text", 10, "pdf", pages=2, truncated=True, peak_rss_kib=1234)
    assert Extracted.from_dict(result.to_dict()) == result

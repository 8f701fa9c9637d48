"""PDF extraction: pre-flight with pypdfium2, pdfplumber tuned as the corpus measurements say."""

from __future__ import annotations

import time
from typing import Any

import pytest

from hirestream.documents.actual_text import ACTUAL_TEXT_FONT
from hirestream.documents.config import Limits
from hirestream.documents.errors import ResumeRejected
from hirestream.documents.pdf_extract import (
    attach_accents,
    count_pages,
    drop_icon_glyphs,
    extract_pdf,
    is_scan,
)
from tests import resume_fixtures as fx


def _rejected(data: bytes, limits: Limits | None = None) -> ResumeRejected:
    with pytest.raises(ResumeRejected) as info:
        extract_pdf(data, limits or Limits())
    return info.value


def test_pages_in_order_with_paragraph_gaps() -> None:
    pdf = extract_pdf(fx.pdf_bytes(["Jane Doe\nEngineer\n\nSkills", "Page two"]), Limits())
    assert pdf.pages == ["Jane Doe\nEngineer\n\nSkills", "Page two"]
    assert pdf.image_coverage == 0.0


def test_words_are_not_glued_together() -> None:
    # LaTeX-style: words placed by positioning, no space glyphs (x_tolerance=1, not 3)
    content = b"BT /F1 11 Tf 72 700 Td [(Seasoned)-250(SRE)-250(leader)] TJ ET"
    assert extract_pdf(fx.pdf_from_contents([content]), Limits()).pages == ["Seasoned SRE leader"]


def test_page_count_is_cheap_even_for_thousands_of_pages() -> None:
    data = fx.pdf_bytes(["x"], pages=10_000)
    started = time.perf_counter()
    assert count_pages(data) == 10_000
    assert time.perf_counter() - started < 1.0


def test_too_many_pages_refused_before_extraction() -> None:
    error = _rejected(fx.pdf_bytes(["x"], pages=5000))
    assert (error.status, error.code) == (422, "too_many_pages")
    assert _rejected(fx.pdf_bytes(["x"], pages=3), Limits(max_pages=2)).code == "too_many_pages"


def test_encrypted_pdf() -> None:
    assert _rejected(fx.generated("encrypted.pdf").data).code == "encrypted"


@fx.requires_corpus
def test_encrypted_corpus_pdf() -> None:
    data = fx.corpus_file("pdfplumber_password-example.pdf").read_bytes()
    assert _rejected(data).code == "encrypted"


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_pdf_is_corrupt(fraction: float) -> None:
    data = fx.truncated(fx.generated("resume.pdf").data, fraction)
    assert _rejected(data).code == "corrupt_document"


@fx.requires_corpus
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_corpus_pdf_is_corrupt(fraction: float) -> None:
    data = fx.truncated(fx.corpus_file("soupboss_01-Accountant.pdf").read_bytes(), fraction)
    assert _rejected(data).code == "corrupt_document"


def test_multi_page_resume_keeps_its_pages_and_running_lines() -> None:
    generated = fx.generated("resume.pdf")
    pdf = extract_pdf(generated.data, Limits())
    assert len(pdf.pages) == generated.pages == 2
    resume = fx.sample_resume()
    for number, page in enumerate(pdf.pages, start=1):
        lines = [line for line in page.split("\n") if line.strip()]
        assert lines[0] == resume.running_header
        assert lines[-2:] == [resume.running_footer, f"Page {number} of 2"]
    assert "Zoë Müller — Développeuse" in pdf.pages[0]
    assert "• Conçu et livré un service de facturation en Go" in pdf.pages[0]


def test_two_column_page_keeps_both_columns() -> None:
    generated = fx.generated("resume_two_column.pdf")
    pdf = extract_pdf(generated.data, Limits())
    assert len(pdf.pages) == generated.pages == 3
    first = pdf.pages[0]
    for sidebar in ("Contact", "Universität Zürich (2011)", "Docker, Kubernetes, Terraform"):
        assert sidebar in first
    assert "Expérience professionnelle" in first


def test_composite_font_text_in_any_script() -> None:
    pdf = extract_pdf(fx.generated("resume_cjk_vi.pdf").data, Limits())
    assert pdf.pages[0].split("\n")[0] == "张伟 — 软件工程师"
    assert "Kafka 消息系统与 PostgreSQL 数据库" in pdf.pages[0]
    assert pdf.pages[1].split("\n")[0] == "Nguyễn Thị Hoa — Kỹ sư phần mềm"


def test_garbage_after_the_header_is_corrupt() -> None:
    assert _rejected(b"%PDF-1.7\n" + fx.random_bytes(4096)).code == "corrupt_document"


def test_rotated_text_is_not_reversed() -> None:
    content = (
        b"BT /F1 11 Tf 72 700 Td (Horizontal text) Tj ET "
        b"BT /F1 11 Tf 0 1 -1 0 300 300 Tm (Sideways label) Tj ET"
    )
    text = extract_pdf(fx.pdf_from_contents([content]), Limits()).pages[0]
    assert "Sideways" in text and "label" in text
    assert "syawediS" not in text


def test_fake_bold_page_is_deduplicated() -> None:
    drawn_twice = (
        b"BT /F1 11 Tf 72 700 Td (Professional Experience) Tj ET "
        b"BT /F1 11 Tf 72.3 700 Td (Professional Experience) Tj ET"
    )
    assert extract_pdf(fx.pdf_from_contents([drawn_twice]), Limits()).pages == [
        "Professional Experience"
    ]


def _char(
    text: str, x0: float, top: float, width: float = 6.0, size: float = 10.0
) -> dict[str, Any]:
    return {
        "text": text,
        "x0": x0,
        "x1": x0 + width,
        "top": top,
        "bottom": top + size,
        "upright": True,
        "fontname": "CMR10",
    }


def test_spacing_accent_over_a_letter_is_combined() -> None:
    chars = [_char("e", 10, 100), _char("\u00b4", 11, 99, width=3), _char("t", 16, 100)]
    assert [c["text"] for c in attach_accents(chars)] == ["é", "t"]


def test_dotless_i_with_accent() -> None:
    chars = [_char("\u0131", 10, 100, width=3), _char("\u00b4", 10, 99, width=3)]
    assert [c["text"] for c in attach_accents(chars)] == ["í"]


def test_typed_acute_used_as_apostrophe_is_kept() -> None:
    # "don´t": the accent has its own place, it is not drawn over the n
    chars = [_char("n", 10, 100), _char("\u00b4", 17, 100, width=3), _char("t", 21, 100)]
    assert [c["text"] for c in attach_accents(chars)] == ["n", "\u00b4", "t"]


def test_icon_fonts_dropped_and_dingbats_become_bullets() -> None:
    chars = [
        {**_char("z", 0, 0), "fontname": "ABCDEF+FontAwesome5Free-Solid"},
        {**_char("n", 0, 0), "fontname": "Wingdings-Regular"},
        {**_char("A", 0, 0), "fontname": "ABCDEF+Calibri"},
    ]
    assert [c["text"] for c in drop_icon_glyphs(chars)] == ["\u2022", "A"]


def _page(content: bytes) -> str:
    return extract_pdf(fx.pdf_from_contents([content]), Limits()).pages[0]


def test_actual_text_replaces_the_glyphs_it_spans() -> None:
    # an icon labelled by its ActualText, then link text whose actual text is the full URL
    content = (
        b"/Span << /ActualText (email: ) >> BDC BT /F1 11 Tf 72 700 Td (+) Tj ET EMC "
        b"/Span << /ActualText (mailto:jane@example.org) >> BDC "
        b"BT /F1 11 Tf 90 700 Td (jane@example.org) Tj ET EMC"
    )
    assert _page(content).split() == ["email:", "mailto:jane@example.org"]


def test_actual_text_in_utf16_and_nested_spans() -> None:
    # UTF-16 with a byte-order mark; the outermost span wins over the one inside it
    utf16 = "Date: ".encode("utf-16-be").hex().upper().encode()
    content = (
        b"/Span << /ActualText <FEFF" + utf16 + b"> >> BDC "
        b"/Span << /ActualText (inner) >> BDC BT /F1 11 Tf 72 700 Td (z) Tj ET EMC EMC "
        b"BT /F1 11 Tf 100 700 Td (May 2020) Tj ET"
    )
    assert _page(content).split() == ["Date:", "May", "2020"]


def test_empty_actual_text_removes_the_glyphs() -> None:
    content = (
        b"BT /F1 11 Tf 72 700 Td (Skills) Tj ET "
        b"/Span << /ActualText () >> BDC BT /F1 11 Tf 120 700 Td (***) Tj ET EMC"
    )
    assert _page(content) == "Skills"


def test_actual_text_on_blank_glyphs_is_ignored() -> None:
    # InDesign: a bullet's symbol-font code as the ActualText of a space beside the bullet
    content = (
        b"BT /F1 11 Tf 72 700 Td (Acidosis) Tj ET "
        b"/Span << /ActualText (h) >> BDC BT /F1 11 Tf 120 700 Td ( ) Tj ET EMC "
        b"BT /F1 11 Tf 130 700 Td (low) Tj ET"
    )
    assert _page(content).split() == ["Acidosis", "low"]


def test_actual_text_on_an_icon_font_glyph_is_kept() -> None:
    chars = [{**_char("email:", 0, 0), "fontname": ACTUAL_TEXT_FONT}]
    assert [c["text"] for c in drop_icon_glyphs(chars)] == ["email:"]


def _span(actual: bytes, x: int, y: int, glyphs: bytes) -> bytes:
    """Glyphs at (x, y) whose meaning is only in their /ActualText."""
    head = b"/Span << /ActualText (%s) >> BDC " % actual
    return head + b"BT /F1 9 Tf %d %d Td (%s) Tj ET EMC " % (x, y, glyphs)


def test_sidebar_icon_labels_and_links_are_read() -> None:
    # An AltaCV-like page: a sidebar whose icons, link texts and skill "bubbles" carry their
    # meaning only in /ActualText, beside a main column.
    sidebar = (
        _span(b"email: ", 40, 760, b"@")
        + b"BT /F1 9 Tf 60 760 Td (zoe@example.org) Tj ET "
        + _span(b"Date: ", 40, 744, b"#")
        + b"BT /F1 9 Tf 60 744 Td (May 2020) Tj ET "
        + _span(b"https://example.org/zoe", 40, 728, b"example.org/zoe")
        + b"BT /F1 9 Tf 40 712 Td (English) Tj ET "
        + _span(b"5", 90, 712, b"ooooo")
    )
    main = b"BT /F1 11 Tf 220 760 Td (Experience) Tj ET BT /F1 11 Tf 220 700 Td (Lead) Tj ET"
    text = _page(sidebar + main)
    for label in ("email:", "Date:", "https://example.org/zoe", "English 5", "Experience"):
        assert label in text
    assert "ooooo" not in text


@fx.requires_corpus
def test_altacv_icon_labels_and_links_are_read() -> None:
    # The AltaCV sample labels its icons and links with /ActualText only.
    data = fx.corpus_file("altacv_sample.pdf").read_bytes()
    text = "\n".join(extract_pdf(data, Limits()).pages)
    for label in ("email:", "Date:", "https://github.com/your_id", "English 5"):
        assert label in text


def test_image_only_pdf_is_a_scan() -> None:
    pdf = extract_pdf(fx.generated("scan.pdf").data, Limits())
    assert "".join(pdf.pages).strip() == ""
    assert is_scan(pdf.image_coverage)


@fx.requires_corpus
def test_image_only_corpus_pdf_is_a_scan() -> None:
    pdf = extract_pdf(fx.corpus_file("textract_ocr_text.pdf").read_bytes(), Limits())
    assert "".join(pdf.pages).strip() == ""
    assert is_scan(pdf.image_coverage)


def test_image_outside_the_page_does_not_make_a_scan() -> None:
    pdf = extract_pdf(fx.generated("image_outside_page.pdf").data, Limits())
    assert 0 < pdf.image_coverage < 0.1  # only the part of the image on the page counts
    assert not is_scan(pdf.image_coverage)
    assert pdf.pages[0].split() == ["2021", "3", "31"]


@fx.requires_corpus
def test_image_outside_the_page_of_a_corpus_pdf_does_not_make_a_scan() -> None:
    pdf = extract_pdf(fx.corpus_file("pdfplumber_malformed-932.pdf").read_bytes(), Limits())
    assert not is_scan(pdf.image_coverage)
    assert pdf.pages[0].split() == ["2021", "3", "31"]

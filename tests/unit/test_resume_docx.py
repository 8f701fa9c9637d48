"""DOCX extraction: every paragraph in document order, once, and nothing hidden or deleted."""

from __future__ import annotations

import io
import zipfile

import pytest

from hirestream.documents.config import Limits
from hirestream.documents.docx_extract import extract_docx
from hirestream.documents.errors import ResumeRejected
from tests import resume_fixtures as fx

STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"


def _text(body_xml: str) -> str:
    return extract_docx(fx.docx_bytes(body_xml), Limits())


def _run(text: str, props: str = "") -> str:
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def test_paragraphs_in_order() -> None:
    assert _text(fx.paragraphs_xml("First", "Second", "Third")) == "First\nSecond\nThird"


def test_tables_between_paragraphs_row_by_row() -> None:
    table = (
        "<w:tbl><w:tblPr/><w:tblGrid/>"
        "<w:tr><w:tc><w:p>" + _run("2019") + "</w:p></w:tc>"
        "<w:tc><w:p>" + _run("Acme") + "</w:p></w:tc></w:tr>"
        "<w:tr><w:tc><w:p>" + _run("Role") + "</w:p><w:p>" + _run("Team") + "</w:p></w:tc>"
        "<w:tc><w:p>" + _run("Detail") + "</w:p></w:tc></w:tr>"
        "</w:tbl>"
    )
    body = _p(_run("Before")) + table + _p(_run("After"))
    assert _text(body) == "Before\n2019 | Acme\nRole\nTeam\nDetail\nAfter"


def test_text_box_once_after_its_anchor_paragraph() -> None:
    box = "<w:txbxContent>" + _p(_run("In the box")) + "</w:txbxContent>"
    anchor = (
        "<w:p>"
        + _run("Anchor")
        + "<w:r><mc:AlternateContent>"
        + f"<mc:Choice Requires='wps'><w:drawing>{box}</w:drawing></mc:Choice>"
        + f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>"
        + "</mc:AlternateContent></w:r></w:p>"
    )
    assert _text(anchor + _p(_run("Next"))) == "Anchor\nIn the box\nNext"


def test_content_controls_block_and_inline() -> None:
    block = (
        "<w:sdt><w:sdtPr/><w:sdtContent>" + _p(_run("Block control")) + "</w:sdtContent></w:sdt>"
    )
    inline = _p(_run("Name: "), "<w:sdt><w:sdtContent>" + _run("Jane") + "</w:sdtContent></w:sdt>")
    assert _text(block + inline) == "Block control\nName: Jane"


def test_tracked_changes_insertions_kept_deletions_dropped() -> None:
    body = _p(
        _run("Led "),
        '<w:ins w:id="1" w:author="x">' + _run("three ") + "</w:ins>",
        '<w:del w:id="2" w:author="x"><w:r><w:delText>two </w:delText></w:r></w:del>',
        _run("teams"),
    )
    assert _text(body) == "Led three teams"


def test_fields_keep_their_result_not_their_instruction() -> None:
    simple = _p('<w:fldSimple w:instr=" DATE ">' + _run("4/24/2016") + "</w:fldSimple>")
    complex_field = _p(
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r><w:instrText xml:space="preserve"> HYPERLINK "https://x.io" </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        _run("x.io"),
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    )
    assert _text(simple + complex_field) == "4/24/2016\nx.io"


def test_hyperlinks_and_smart_tags_are_descended() -> None:
    body = _p(
        '<w:hyperlink r:id="rId9">' + _run("jane@example.com") + "</w:hyperlink>",
        '<w:smartTag w:element="City">' + _run(" Paris") + "</w:smartTag>",
    )
    assert _text(body) == "jane@example.com Paris"


def test_hidden_runs_are_dropped() -> None:
    hidden = _run("SEO keywords ", "<w:rPr><w:vanish/></w:rPr>")
    not_hidden = _run("shown ", '<w:rPr><w:vanish w:val="false"/></w:rPr>')
    assert _text(_p(_run("Visible "), hidden, not_hidden, _run("text"))) == "Visible shown text"


def test_tabs_breaks_and_special_characters() -> None:
    body = _p(
        "<w:r><w:t>Engineer</w:t><w:tab/><w:t>2019</w:t><w:br/><w:t>Next line</w:t></w:r>"
    ) + _p(
        '<w:r><w:t>e</w:t><w:noBreakHyphen/><w:t>mail</w:t><w:sym w:font="Symbol" w:char="F0B7"/>'
        "</w:r>",
    )
    assert _text(body) == "Engineer\t2019\nNext line\ne-mail\uf0b7"


def test_tab_stop_definitions_are_not_text() -> None:
    body = (
        '<w:p><w:pPr><w:tabs><w:tab w:val="right" w:pos="9000"/></w:tabs></w:pPr>'
        + _run("Title")
        + "</w:p>"
    )
    assert _text(body) == "Title"


def test_headers_and_footers_of_several_sections_once() -> None:
    text = extract_docx(fx.generated("resume_sections.docx").data, Limits())
    lines = text.split("\n")
    assert lines[:2] == [fx.HEADER_1, fx.HEADER_2]
    assert lines[-1] == fx.FOOTER_1
    for part in (fx.HEADER_1, fx.HEADER_2, fx.FOOTER_1):
        assert text.count(part) == 1, part


@fx.requires_corpus
def test_headers_and_footers_from_the_corpus_once() -> None:
    data = fx.corpus_file("pydocx_hdr-header-footer.docx").read_bytes()
    text = extract_docx(data, Limits())
    lines = text.split("\n")
    assert lines[0] == "Header for section-1"
    assert lines[-1] == "Footer for section 1"
    assert text.count("Header for section-1") == 1
    assert text.count("Footer for section 1") == 1


def test_odd_even_and_first_page_headers_each_once() -> None:
    text = extract_docx(fx.generated("resume_odd_even.docx").data, Limits())
    for part in (*fx.ODD_EVEN_PARTS.values(), *fx.ODD_EVEN_BODY):
        assert text.count(part) == 1, part
    lines = text.split("\n")
    assert lines[0] == fx.ODD_EVEN_PARTS["first_page_header"]
    assert lines[-1] == fx.ODD_EVEN_PARTS["even_page_footer"]


@fx.requires_corpus
def test_odd_even_and_first_page_headers_of_a_corpus_document_each_once() -> None:
    data = fx.corpus_file("pydocx_doc-odd-even-hdrs.docx").read_bytes()
    text = extract_docx(data, Limits())
    for part in ("Odd page header.", "Even page header.", "First Page.", "Second Page."):
        assert text.count(part) == 1, part


def _long_lines_are_unique(text: str) -> None:
    lines = [line for line in text.split("\n") if len(line) > 30]
    assert lines
    assert len(lines) == len(set(lines))


def test_text_boxes_are_not_duplicated() -> None:
    text = extract_docx(fx.generated("resume_text_boxes.docx").data, Limits())
    _long_lines_are_unique(text)
    lines = text.split("\n")
    anchors = (fx.sample_resume().headline, "Profil", "Langues")
    for anchor, box in zip(anchors, fx.TEXT_BOXES, strict=True):
        start = lines.index(anchor) + 1  # each box once, right after its anchor paragraph
        assert lines[start : start + len(box)] == list(box)
        for line in box:
            assert text.count(line) == 1, line


@fx.requires_corpus
def test_corpus_text_boxes_are_not_duplicated() -> None:
    data = fx.corpus_file("soupboss_Mickey01.docx").read_bytes()
    _long_lines_are_unique(extract_docx(data, Limits()))


def test_generated_resume_reads_like_the_document() -> None:
    generated = fx.generated("resume.docx")
    text = extract_docx(generated.data, Limits())
    resume = fx.sample_resume()
    lines = text.split("\n")
    assert lines[0] == resume.running_header
    assert lines[-1] == resume.running_footer
    assert lines[1] == "Zoë Müller — Développeuse"  # its hidden keyword run dropped
    assert "senior lead" not in text
    job = resume.jobs[0]
    assert f"{job.dates} | {job.title} — {job.employer}" in lines  # a table row
    box = "Disponible immédiatement — télétravail possible"
    assert text.count(box) == 1 and lines.index(box) == lines.index("Points forts") + 1
    assert "Python, Go, SQL" in lines  # block content control
    assert f"Langues : {resume.languages}" in lines  # inline content control
    assert "Disponibilité : dès avril — mis à jour le 3 mars 2025" in lines  # ins, del, field
    assert "en septembre" not in text
    assert "עברית: מהנדסת תוכנה בכירה" in lines
    assert "中文：软件工程师，熟悉 Python 和 Kafka" in lines
    assert fx.token_f1(text, generated.reference) >= 0.99


def test_zip_bomb_is_refused_before_unpacking() -> None:
    with pytest.raises(ResumeRejected) as info:
        extract_docx(fx.docx_zip_bomb(), Limits())
    assert info.value.code == "zip_bomb"


def test_damaged_package_is_corrupt() -> None:
    data = fx.docx_bytes("<w:p>")  # not well-formed XML
    with pytest.raises(ResumeRejected) as info:
        extract_docx(data, Limits())
    assert (info.value.status, info.value.code) == (422, "corrupt_document")


def test_deep_nesting_is_refused_not_crashing() -> None:
    body = "<w:sdt><w:sdtContent>" * 3000 + _p(_run("x")) + "</w:sdtContent></w:sdt>" * 3000
    with pytest.raises(ResumeRejected) as info:
        _text(body)
    assert info.value.code == "corrupt_document"


def test_strict_open_xml_is_unsupported_not_corrupt() -> None:
    data = fx.docx_bytes(fx.paragraphs_xml("Jane"))
    strict = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(strict, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "word/document.xml":
                content = content.replace(fx.W_NS.encode(), STRICT_W.encode())
            dst.writestr(info.filename, content)
    with pytest.raises(ResumeRejected) as error:
        extract_docx(strict.getvalue(), Limits())
    assert (error.value.status, error.value.code) == (415, "unsupported_type")

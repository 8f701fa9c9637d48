"""The résumé text-cleaning rules, one by one, then the whole pipeline."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hirestream.documents import cleaning as c

# ---- 1. line breaks ----------------------------------------------------------------------


def test_line_breaks_are_normalised() -> None:
    assert c.normalize_line_breaks("a\r\nb\rc\u2028d\x85e") == "a\nb\nc\nd\ne"


def test_page_and_paragraph_breaks_become_empty_lines() -> None:
    assert c.normalize_line_breaks("page one\fpage two") == "page one\n\npage two"
    assert c.normalize_line_breaks("one\u2029two") == "one\n\ntwo"


# ---- 2. Unicode --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ﬁnance", "finance"),
        ("eﬃcient ﬂow", "efficient flow"),
        ("ﬀ ﬄ ﬆ", "ff ffl st"),
    ],
)
def test_ligatures_are_expanded(raw: str, expected: str) -> None:
    assert c.normalize_unicode(raw) == expected


def test_nfkc_folds_width_and_spaces_but_keeps_case_and_accents() -> None:
    assert c.normalize_unicode("ＡＢＣ１２３") == "ABC123"
    assert c.normalize_unicode("José\u00a0Müller\u2009Ødegård") == "José Müller Ødegård"
    assert c.normalize_unicode("Cafe\u0301") == "Café"  # combining accent composed


# ---- 3. bullets --------------------------------------------------------------------------


@pytest.mark.parametrize("bullet", ["•", "●", "▪", "■", "◦", "‣", "⁃", "∙", "·", "➢", "✓", "►"])
def test_line_initial_bullets_become_dashes(bullet: str) -> None:
    assert c.standardize_bullets(f"{bullet} Led the team") == "- Led the team"
    assert c.standardize_bullets(f"  {bullet}Led the team") == "- Led the team"


def test_private_use_symbol_bullets_become_dashes() -> None:
    assert c.standardize_bullets("\uf0b7 Budgeting\n\uf0a7 Payroll") == "- Budgeting\n- Payroll"


def test_lone_bullet_line_is_joined_with_the_next_line() -> None:
    assert c.standardize_bullets("•\nManaged a team\n•\nShipped") == "- Managed a team\n- Shipped"


def test_asterisk_bullet_needs_a_space() -> None:
    assert c.standardize_bullets("* Python") == "- Python"
    assert c.standardize_bullets("*Note: remote") == "*Note: remote"


def test_bullets_inside_a_line_are_separators_and_stay() -> None:
    assert c.standardize_bullets("Python • Go • Rust") == "Python • Go • Rust"
    assert c.standardize_bullets("- already a dash") == "- already a dash"


# ---- 4. glyph artefacts ------------------------------------------------------------------


def test_cid_glyphs_are_removed() -> None:
    assert c.remove_glyph_artifacts("(cid:131) Led (cid:7)migration") == " Led migration"


def test_private_use_icons_are_removed() -> None:
    assert c.remove_glyph_artifacts("\uf0e0 jane@example.com \U000f0001x") == " jane@example.com x"


# ---- 5. control characters ---------------------------------------------------------------


def test_control_and_invisible_characters_are_removed() -> None:
    raw = "a\x00b\x07c\x1bd\x9fe\u200bf\u2060g\ufeffh\ufffdi"
    assert c.remove_control_chars(raw) == "abcdefghi"


def test_tabs_newlines_and_joiners_are_kept() -> None:
    raw = "a\tb\nc\u200cd\u200de"
    assert c.remove_control_chars(raw) == raw


# ---- 6. fake bold ------------------------------------------------------------------------


def test_doubled_words_are_halved() -> None:
    assert c.collapse_doubled_characters("la cciirrccuullaattiioonn du") == "la circulation du"
    assert c.collapse_doubled_characters("EEXXPPEERRIIEENNCCEE") == "EXPERIENCE"


@pytest.mark.parametrize("word", ["112233", "aabb", "bookkeeper", "Mississippi", "001122aa"])
def test_ordinary_words_and_numbers_are_not_halved(word: str) -> None:
    assert c.collapse_doubled_characters(word) == word


def test_doubled_word_share() -> None:
    assert c.doubled_word_share("cciirrccuullaattiioonn normal") == 0.5
    assert c.doubled_word_share("short") == 0.0


# ---- 7. whitespace -----------------------------------------------------------------------


def test_whitespace_is_collapsed_and_paragraphs_are_kept() -> None:
    raw = "  Jane \t Doe  \n\n\n\n Senior   Engineer \n\nSkills\n"
    assert c.collapse_whitespace(raw) == "Jane Doe\n\nSenior Engineer\n\nSkills"


def test_single_line_breaks_survive() -> None:
    assert c.collapse_whitespace("line one\nline two") == "line one\nline two"


# ---- page furniture ----------------------------------------------------------------------


def test_repeated_header_kept_once_and_page_footers_dropped() -> None:
    bodies = ["Experience\nAcme Corp", "Education\nState University", "Skills\nPython, Go"]
    pages = [f"Jane Doe · Résumé\n{body}\nPage {n} of 3" for n, body in enumerate(bodies, 1)]
    result = c.drop_page_furniture(pages)
    assert result == ["Jane Doe · Résumé\n" + bodies[0], bodies[1], bodies[2]]


def test_footer_with_changing_numbers_is_dropped_after_first_page() -> None:
    footer = "February {d}, 2026 Jane Doe · Résumé {n}"
    pages = [f"Text {n}\nbody\n" + footer.format(d=10, n=n) for n in (1, 2)]
    result = c.drop_page_furniture(pages)
    assert result[0].endswith("Jane Doe · Résumé 1")
    assert "Résumé" not in result[1]


def test_bare_page_numbers_dropped_only_when_they_match_the_page() -> None:
    pages = ["Alpha\nbody one\n1", "Beta\nbody two\n2", "Gamma\nbody three\n2021"]
    assert c.drop_page_furniture(pages) == [
        "Alpha\nbody one",
        "Beta\nbody two",
        "Gamma\nbody three\n2021",
    ]


def test_content_lines_are_not_furniture() -> None:
    pages = ["Experience\nAcme\n2019 – 2021", "Education\nMIT\n2015 – 2019"]
    assert c.drop_page_furniture(pages) == pages  # dates have fewer than 3 letters: kept
    repeated_inside = ["Head A\nTeam lead\nTeam lead\nx\ny\nz", "Head B\nTeam lead\nq\nr\ns"]
    # "Team lead" is an edge line on both pages: it repeats as furniture would; kept once.
    assert c.drop_page_furniture(repeated_inside)[0].count("Team lead") == 2


def test_single_page_is_untouched() -> None:
    assert c.drop_page_furniture(["Page 1 of 1\nJane"]) == ["Page 1 of 1\nJane"]


@pytest.mark.parametrize(
    ("line", "page", "expected"),
    [
        ("Page 2 of 3", None, True),
        ("page 4", None, True),
        ("2 / 3", None, True),
        ("- 2 -", 2, True),
        ("2", 2, True),
        ("2", 3, False),
        ("2021", 1, False),
        ("Seite 2 von 5", None, True),
        ("Page two", None, False),
        ("12 years of experience", 12, False),
    ],
)
def test_page_number_lines(line: str, page: int | None, expected: bool) -> None:
    assert c.is_page_number_line(line, page) is expected


# ---- 8./9. hyphenation -------------------------------------------------------------------


def test_line_end_hyphenation_is_joined() -> None:
    assert c.join_hyphenated_line_breaks("project manage-\nment") == "project management"
    assert c.join_hyphenated_line_breaks("devel- \n  opment") == "development"


def test_real_hyphens_at_line_end_are_kept() -> None:
    assert c.join_hyphenated_line_breaks("Jean-\nPierre") == "Jean-\nPierre"
    assert c.join_hyphenated_line_breaks("2019-\n2021") == "2019-\n2021"
    assert c.join_hyphenated_line_breaks("Skills -\nlist") == "Skills -\nlist"


def test_soft_hyphen_at_line_end_always_joins() -> None:
    assert c.join_hyphenated_line_breaks("Ent\u00ad\nWicklung") == "EntWicklung"


def test_soft_hyphens_in_lines() -> None:
    assert c.resolve_soft_hyphens("high\u00adimpact", visible=True) == "high-impact"
    assert c.resolve_soft_hyphens("Ent\u00adwicklung", visible=False) == "Entwicklung"


# ---- truncation --------------------------------------------------------------------------


def test_truncate_leaves_short_text_alone() -> None:
    assert c.truncate("short text", 100) == "short text"


def test_truncate_cuts_at_a_word_boundary_near_the_cap() -> None:
    text = "word " * 100
    cut = c.truncate(text, 52)
    assert len(cut) <= 52
    assert cut.endswith("word")


def test_truncate_cuts_hard_without_a_nearby_boundary() -> None:
    assert c.truncate("x" * 50, 10) == "x" * 10


# ---- quality -----------------------------------------------------------------------------


def test_cid_soup_is_garbled() -> None:
    assert c.is_garbled(" ".join(["(cid:12)(cid:40)"] * 40 + ["word"] * 40))


def test_vowelless_latin_soup_is_garbled() -> None:
    soup = " ".join(["bQM", "Xtzp", "kfrg", "MQW", "zzkt"] * 20)
    assert c.is_garbled(soup)


@pytest.mark.parametrize(
    "text",
    [
        "Senior engineer with ten years of experience in distributed systems. " * 10,
        "AWS GCP SQL K8S HTML CSS Python developer building reliable services " * 10,
        "资深软件工程师,十年分布式系统经验。" * 20,
        "Привет! Меня зовут Мухаммад, я инженер." * 10,
        "",
    ],
)
def test_real_text_is_not_garbled(text: str) -> None:
    assert not c.is_garbled(text)


# ---- pipeline ----------------------------------------------------------------------------

KEEP = (
    "Contact: Jane.O'Neil+jobs@Example.co.uk, https://example.com/a-b_c?x=1&y=2#top "
    "(C++; C#; .NET!) — “quoted” 50% $120,000 [2019–2021] {a: b} <tag> ~/path\\file"
)


def test_pipeline_never_drops_emails_urls_punctuation_or_case() -> None:
    for source in ("pdf", "docx", "txt"):
        assert c.clean_text(KEEP, source=source) == KEEP


def test_pipeline_on_a_typical_pdf_page() -> None:
    pages = [
        "JANE DOE\n(cid:3) jane@x.io \uf0e0\n\n•\nLed ﬁnance re-\norganisation\x07\n1",
        "JANE DOE\nMore\u00a0text  here\n2",
    ]
    assert c.clean_pages(pages, source="pdf") == (
        "JANE DOE\njane@x.io\n\n- Led finance reorganisation\n\nMore text here"
    )


def test_pipeline_on_docx_keeps_final_hyphens_and_drops_soft_ones() -> None:
    text = "Skills -\nplanning\nEnt\u00adwicklung"
    assert c.clean_text(text, source="docx") == "Skills -\nplanning\nEntwicklung"


_CLEAN_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd\u200b]|\n{3,}| {2,}|\r")


@given(st.text(max_size=400))
def test_pipeline_output_is_always_clean(raw: str) -> None:
    for source in ("pdf", "docx", "txt"):
        out = c.clean_text(raw, source=source)
        assert _CLEAN_RE.search(out) is None
        assert out == out.strip()
        assert "(cid:" not in out or "(cid:" in raw.replace("(cid:", "", 1)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@given(st.lists(_WORD, min_size=1, max_size=5), _WORD, _WORD, st.integers(0, 999))
def test_emails_and_urls_survive_anywhere(words: list[str], user: str, host: str, n: int) -> None:
    email = f"{user}.{n}@{host}.com"
    url = f"https://{host}.org/{user}?id={n}"
    text = " ".join([*words, email, "\n", url, *words])
    out = c.clean_text(text, source="pdf")
    assert email in out
    assert url in out

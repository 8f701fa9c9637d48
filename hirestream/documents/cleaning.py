"""Cleaning rules that turn extracted text into ``resumeText``.

Each rule is a plain function ``str -> str`` (the page-furniture rule works on a list of pages)
with its own unit tests; ``clean_pages`` applies them in order. The rules only remove
extraction artefacts: they never lower-case, transliterate, or drop e-mail addresses, URLs or
punctuation, because the text pre-fills ``candidateResume`` / the job description and must
read like the document.

Order (``clean_pages``), per page:

1. ``normalize_line_breaks``   CR LF / CR / form feed / U+2028 / U+2029 -> ``\\n``
2. ``normalize_unicode``       NFKC: ligatures (ﬁ ﬂ ﬃ), full-width forms, NBSP and thin spaces
3. ``standardize_bullets``     a bullet glyph at the start of a line -> ``- ``; a bullet alone on
                               its line is joined to the next line
4. ``remove_glyph_artifacts``  ``(cid:N)`` and private-use characters (icon fonts)
5. ``remove_control_chars``    C0/C1 controls except ``\\n``/``\\t``; zero-width space, word joiner,
                               BOM, U+FFFD
6. ``collapse_doubled_characters`` (PDF) "fake bold" words ``cciirrccuullaattiioonn``
7. ``collapse_whitespace``     runs of blanks -> one space, lines stripped, at most one empty line

then ``drop_page_furniture`` (PDF): repeated headers/footers and page numbers; the pages are
joined with an empty line; then on the whole text:

8. ``join_hyphenated_line_breaks``  ``manage-\\nment`` -> ``management`` (PDF and text)
9. ``resolve_soft_hyphens``    U+00AD: a visible hyphen in a PDF, invisible in DOCX/TXT
10. ``collapse_whitespace`` again, and ``truncate`` (by the caller) to the character cap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Literal

__all__ = [
    "Source",
    "clean_pages",
    "clean_text",
    "collapse_doubled_characters",
    "collapse_whitespace",
    "drop_page_furniture",
    "is_garbled",
    "is_page_number_line",
    "join_hyphenated_line_breaks",
    "normalize_line_breaks",
    "normalize_unicode",
    "remove_control_chars",
    "remove_glyph_artifacts",
    "resolve_soft_hyphens",
    "standardize_bullets",
    "truncate",
]

Source = Literal["pdf", "docx", "txt"]

SOFT_HYPHEN = "\u00ad"

# ---- 1. line breaks ----------------------------------------------------------------------

_LINE_BREAKS = str.maketrans(
    {
        "\r": "\n",
        "\x0b": "\n",  # vertical tab (Word's manual line break in some exports)
        "\x0c": "\n\n",  # form feed: a page break
        "\x85": "\n",  # NEL
        "\u2028": "\n",  # line separator
        "\u2029": "\n\n",  # paragraph separator
    }
)


def normalize_line_breaks(text: str) -> str:
    """``\\r\\n``, ``\\r``, NEL and U+2028 become ``\\n``; a form feed or U+2029 an empty line."""
    return text.replace("\r\n", "\n").translate(_LINE_BREAKS)


# ---- 2. Unicode --------------------------------------------------------------------------


def normalize_unicode(text: str) -> str:
    """NFKC: expands ligatures (``ﬁ`` -> ``fi``), full-width letters and digits, and turns
    no-break and typographic spaces into plain spaces. Letters keep their case and accents."""
    return unicodedata.normalize("NFKC", text)


# ---- 3. bullets --------------------------------------------------------------------------

# Bullet glyphs seen in résumés, plus the private-use code points that Symbol and Wingdings
# bullets land on when a PDF or DOCX has no Unicode mapping for them.
_BULLETS = (
    "•‣⁃◦●○◉◎■□▪▫◆◇◈❖►▶▸▹▻➢➣➤➔→⇒⇨✓✔✗✘★☆✦✧∙·⦿⦾⬤⚫⚪♦❯❱⁌⁍"
    "\uf0b7\uf0a7\uf0a8\uf0d8\uf076\uf0fc\uf06c\uf06e\uf0e8\uf0f0\uf0d7\uf075\uf077\uf0a4\uf0b2"
)
_BULLET_CLASS = "[" + re.escape(_BULLETS) + "]"
_LONE_BULLET_RE = re.compile(rf"(?m)^[ \t]*{_BULLET_CLASS}[ \t]*\n[ \t]*(?=[^\s{_BULLETS}])")
_LEADING_BULLET_RE = re.compile(rf"(?m)^[ \t]*(?:{_BULLET_CLASS}|\*(?=[ \t]))[ \t]*(?=\S)")


def standardize_bullets(text: str) -> str:
    """A bullet glyph (``•``, ``▪``, ``➢``, ``✓``, Symbol/Wingdings private-use bullets, a ``*``
    followed by a space...) at the start of a line becomes ``- ``. A bullet that stands alone on
    its line (Word and Quartz exports put it there) is joined with the next line. Bullets used as
    separators inside a line (``Python • Go``) are kept."""
    text = _LONE_BULLET_RE.sub("- ", text)
    return _LEADING_BULLET_RE.sub("- ", text)


# ---- 4. glyph artefacts ------------------------------------------------------------------

_CID_RE = re.compile(r"\(cid:\d+\)")
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


def remove_glyph_artifacts(text: str) -> str:
    """Remove ``(cid:N)`` (glyphs without a Unicode mapping) and private-use characters (icon
    fonts such as FontAwesome). Run ``standardize_bullets`` first: it maps the private-use
    bullets to ``- ``."""
    return _PRIVATE_USE_RE.sub("", _CID_RE.sub("", text))


# ---- 5. control characters ---------------------------------------------------------------

_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\ufffd\u180e]")


def remove_control_chars(text: str) -> str:
    """Remove C0/C1 control characters except ``\\n`` and ``\\t``, and the invisible zero-width
    space, word joiner, BOM and replacement character. Zero-width (non-)joiners and direction
    marks are kept: they change how some scripts read."""
    return _CONTROL_RE.sub("", text)


# ---- 6. duplicated "fake bold" characters -------------------------------------------------

_WORD_RE = re.compile(r"\w+")


def collapse_doubled_characters(text: str) -> str:
    """Halve words printed twice with a small offset ("fake bold"): a word of 6 or more
    characters in which every character is doubled (``cciirrccuullaattiioonn`` ->
    ``circulation``). Words without at least 3 letters (``112233``) are left alone."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 6 or len(word) % 2 or word[0::2] != word[1::2]:
            return word
        half = word[0::2]
        if sum(ch.isalpha() for ch in half) < 3:
            return word
        return half

    return _WORD_RE.sub(fix, text)


def doubled_word_share(text: str) -> float:
    """Share of words of 6+ characters that look doubled (see ``collapse_doubled_characters``)."""
    words = [w for w in _WORD_RE.findall(text) if len(w) >= 6]
    if not words:
        return 0.0
    doubled = sum(1 for w in words if len(w) % 2 == 0 and w[0::2] == w[1::2])
    return doubled / len(words)


# ---- 7. whitespace -----------------------------------------------------------------------

_BLANKS_RE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES_RE = re.compile(r"\n{3,}")


def collapse_whitespace(text: str) -> str:
    """Runs of spaces and tabs (and any other non-newline blank) become one space, every line is
    stripped, three or more newlines become one empty line (paragraphs are kept), and the text
    is stripped."""
    text = _BLANKS_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _MANY_NEWLINES_RE.sub("\n\n", text).strip()


# ---- page furniture (PDF) ----------------------------------------------------------------

_PAGE_WORDS = r"(?:page|p\.|pg\.?|seite|página|pagina|страница|стр\.?)"
_PAGE_NUMBER_RE = re.compile(
    rf"^[-–—\s]*(?:{_PAGE_WORDS}\s*)?(\d{{1,4}})\s*(?:(?:/|of|von|de|di|из)\s*\d{{1,4}})?[-–—\s]*$",
    re.IGNORECASE,
)
_PAGE_NUMBER_MARKED_RE = re.compile(
    rf"^[-–—\s]*(?:{_PAGE_WORDS}\s*\d{{1,4}}|\d{{1,4}}\s*(?:/|of|von|de|di|из)\s*\d{{1,4}})",
    re.IGNORECASE,
)
_DIGITS_RE = re.compile(r"\d+")
_EDGE_LINES = 2


def is_page_number_line(line: str, page_number: int | None = None) -> bool:
    """A line that is only a page number: ``Page 2``, ``2 of 3``, ``2/3``, ``- 2 -``. A bare
    number counts only when it equals ``page_number`` (a year or a count is not a page number).
    """
    match = _PAGE_NUMBER_RE.match(line.strip())
    if match is None:
        return False
    if _PAGE_NUMBER_MARKED_RE.match(line.strip()):
        return True
    return page_number is not None and int(match.group(1)) == page_number


def _furniture_key(line: str) -> str | None:
    key = " ".join(_DIGITS_RE.sub("#", line).split()).casefold()
    if sum(ch.isalpha() for ch in key) < 3:
        return None
    return key


def drop_page_furniture(pages: Sequence[str]) -> list[str]:
    """Drop running headers/footers and page numbers from the pages of a PDF.

    Only the first and last two non-empty lines of each page are candidates. A candidate line
    that repeats (digits masked, so ``Page 2``/``Page 3`` match) on at least half of the pages,
    and on two or more, is page furniture: its first occurrence is kept (résumé headers hold the
    name and contact details) and later ones are dropped. Candidate lines that are only a page
    number are dropped everywhere. A single page is returned unchanged.
    """
    if len(pages) < 2:
        return list(pages)
    split = [page.split("\n") for page in pages]
    edges: list[set[int]] = []
    counts: Counter[str] = Counter()
    for lines in split:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edge = set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])
        edges.append(edge)
        counts.update({k for i in edge if (k := _furniture_key(lines[i])) is not None})
    threshold = max(2, math.ceil(len(pages) / 2))
    repeated = {key for key, n in counts.items() if n >= threshold}
    seen: set[str] = set()
    result: list[str] = []
    for number, (lines, edge) in enumerate(zip(split, edges, strict=True), start=1):
        kept: list[str] = []
        for i, line in enumerate(lines):
            if i in edge:
                if is_page_number_line(line, number):
                    continue
                key = _furniture_key(line)
                if key is not None and key in repeated:
                    if key in seen:
                        continue
                    seen.add(key)
            kept.append(line)
        result.append("\n".join(kept))
    return result


# ---- 8./9. hyphenation -------------------------------------------------------------------

_HYPHEN_BREAK_RE = re.compile(r"(?<=[^\W\d_])([-\u00ad])[ \t]*\n[ \t]*(?=([^\W\d_]))")


def join_hyphenated_line_breaks(text: str) -> str:
    """Join a word split at the end of a line: ``manage-\\nment`` -> ``management`` when the next
    line starts with a lower-case letter; a soft hyphen at the end of a line always joins.
    ``Jean-\\nPierre`` and ``2019-\\n2021`` are kept."""

    def join(match: re.Match[str]) -> str:
        if match.group(1) == SOFT_HYPHEN or match.group(2).islower():
            return ""
        return match.group(0)

    return _HYPHEN_BREAK_RE.sub(join, text)


def resolve_soft_hyphens(text: str, *, visible: bool) -> str:
    """Soft hyphens (U+00AD) left inside lines. In a PDF only printed glyphs are extracted, so a
    soft hyphen was drawn as a hyphen (LuaTeX writes ``high­impact``): ``visible=True`` turns it
    into ``-``. In DOCX or text it is an invisible break opportunity and is removed."""
    return text.replace(SOFT_HYPHEN, "-" if visible else "")


# ---- output cap --------------------------------------------------------------------------


def truncate(text: str, max_chars: int) -> str:
    """Cut ``text`` to at most ``max_chars`` characters, at the last line break or space in the
    final tenth when there is one (no half words), and strip the end."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    boundary = max(cut.rfind("\n"), cut.rfind(" "))
    if boundary >= max_chars * 0.9:
        cut = cut[:boundary]
    return cut.rstrip()


# ---- quality -----------------------------------------------------------------------------

_LATIN_WORD_RE = re.compile(r"\b[A-Za-zÀ-ÖØ-öø-ɏ]{3,}\b")
_VOWELS = frozenset("aeiouyAEIOUY")
_GARBLED_MIN_WORDS = 50
_GARBLED_MAX_CID_SHARE = 0.10
_GARBLED_MIN_VOWEL_SHARE = 0.50


def _has_vowel(word: str) -> bool:
    return any(unicodedata.normalize("NFD", ch)[0] in _VOWELS for ch in word)


def is_garbled(raw_text: str) -> bool:
    """True when the raw extracted text is unreadable: more than 10 % of its words are unmapped
    ``(cid:N)`` glyphs, or fewer than half of its Latin words (3+ letters, at least 50 of them)
    contain a vowel (a broken font encoding yields ``*?M/`b?2F``-like text)."""
    words = raw_text.split()
    if not words:
        return False
    cids = len(_CID_RE.findall(raw_text))
    if cids >= 20 and cids > _GARBLED_MAX_CID_SHARE * len(words):
        return True
    latin = _LATIN_WORD_RE.findall(raw_text)
    if len(latin) < _GARBLED_MIN_WORDS:
        return False
    with_vowel = sum(1 for word in latin if _has_vowel(word))
    return with_vowel < _GARBLED_MIN_VOWEL_SHARE * len(latin)


# ---- pipeline ----------------------------------------------------------------------------


def _clean_page(text: str, source: Source) -> str:
    text = normalize_line_breaks(text)
    text = normalize_unicode(text)
    text = standardize_bullets(text)
    text = remove_glyph_artifacts(text)
    text = remove_control_chars(text)
    if source == "pdf":
        text = collapse_doubled_characters(text)
    return collapse_whitespace(text)


def clean_pages(pages: Sequence[str], *, source: Source) -> str:
    """All rules, in the order of the module docstring, on the pages of one document (one
    "page" for DOCX and text). The result is not truncated."""
    cleaned = [_clean_page(page, source) for page in pages]
    if source == "pdf":
        cleaned = drop_page_furniture(cleaned)
    text = "\n\n".join(page for page in cleaned if page)
    if source != "docx":  # in a DOCX, lines are paragraphs: a final hyphen is the author's
        text = join_hyphenated_line_breaks(text)
    text = resolve_soft_hyphens(text, visible=source == "pdf")
    return collapse_whitespace(text)


def clean_text(text: str, *, source: Source = "txt") -> str:
    """``clean_pages`` for a single page of text."""
    return clean_pages([text], source=source)

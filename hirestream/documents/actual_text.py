"""pdfplumber pages that honour ``/ActualText`` (PDF 32000-1, 14.9.4).

A PDF can say what a run of glyphs *means*: ``/Span << /ActualText (email: ) >> BDC ... EMC``
around an icon glyph, or ``/ActualText (https://github.com/me)`` around the visible
``github.com/me``. pdfminer.six, and so pdfplumber, report the glyphs and drop the property
list; poppler (which made the corpus references) and pdfium print the ActualText instead.

``ActualTextPage`` is a pdfplumber ``Page`` whose layout comes from ``ActualTextDevice``, a
subclass of pdfplumber's own device: the characters drawn inside the outermost marked-content
sequence that carries ``/ActualText`` become *one* character whose text is the ActualText, with
``fontname`` set to ``ACTUAL_TEXT_FONT`` (it is no longer a glyph of the icon font it was drawn
with, so the icon-font filter keeps it). An empty ActualText removes the characters (they stand
for no text). A sequence that draws no character adds nothing, as in poppler and pdfium; one
that draws only spaces keeps them (see ``_replace``). Only property lists written in the content
stream are read, not ones named from the page's ``/Properties`` resource; the generators in the
corpus (TeX, InDesign) write them inline.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from pdfminer.layout import LTChar, LTContainer, LTPage
from pdfminer.pdfinterp import PDFPageInterpreter, PDFStackT
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent
from pdfplumber.utils.exceptions import PdfminerException

__all__ = ["ACTUAL_TEXT_FONT", "ActualTextDevice", "ActualTextPage"]

ACTUAL_TEXT_FONT = "ActualText"


@dataclass(slots=True)
class _Span:
    text: str
    #: the characters drawn inside the span, with the layout container each was added to
    chars: list[tuple[LTContainer[Any], LTChar]] = field(default_factory=list)


class ActualTextDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's layout device, with the glyphs of an ActualText span replaced by its text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._spans: list[_Span | None] = []  # open marked-content sequences, outermost first

    def begin_tag(self, tag: PSLiteral, props: PDFStackT | None = None) -> None:
        super().begin_tag(tag, props)
        actual = resolve1(props.get("ActualText")) if isinstance(props, dict) else None
        self._spans.append(_Span(decode_text(actual)) if isinstance(actual, bytes) else None)

    def end_tag(self) -> None:
        super().end_tag()
        if self._spans:
            span = self._spans.pop()
            if span is not None and span.chars:
                _replace(span)

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        adv: float = super().render_char(*args, **kwargs)
        span = next((span for span in self._spans if span is not None), None)
        char = self.cur_item._objs[-1] if self.cur_item._objs else None
        if span is not None and isinstance(char, LTChar):
            span.chars.append((self.cur_item, char))
        return adv


def _replace(span: _Span) -> None:
    """The span's characters -> one character carrying its ActualText (none if it is empty),
    as wide as all of them and as high as a typical one (an icon taller than the text beside it
    must not lift the text off its line). A span that draws only blank glyphs is left alone:
    InDesign writes the character code of a symbol-font bullet (``h``, ``¢``) as the
    ActualText of a space drawn next to the bullet glyph, which would print the bullet twice."""
    chars = [char for _, char in span.chars]
    if all(char.get_text().isspace() for char in chars):
        return
    first = chars[0]
    dropped = {id(char) for char in (chars[1:] if span.text else chars)}
    for container in {id(container): container for container, _ in span.chars}.values():
        container._objs = [obj for obj in container._objs if id(obj) not in dropped]
    if span.text:
        first._text = span.text
        first.fontname = ACTUAL_TEXT_FONT
        first.set_bbox(
            (
                min(char.x0 for char in chars),
                statistics.median_low(char.y0 for char in chars),
                max(char.x1 for char in chars),
                statistics.median_low(char.y1 for char in chars),
            )
        )


class ActualTextPage(Page):
    """A pdfplumber page laid out by ``ActualTextDevice`` (pdfplumber's ``Page.layout`` with the
    device swapped)."""

    @property
    def layout(self) -> LTPage:
        if hasattr(self, "_layout"):
            return self._layout
        device = ActualTextDevice(
            self.pdf.rsrcmgr, pageno=self.page_number, laparams=self.pdf.laparams
        )
        try:
            PDFPageInterpreter(self.pdf.rsrcmgr, device).process_page(self.page_obj)
        except Exception as error:
            raise PdfminerException(error) from error
        self._layout: LTPage = device.get_result()
        return self._layout

"""Shared helpers for the résumé parsing tests and bench: the corpus, token-F1, hostile files.

The shared corpus lives next to the repository (``<repo>/../shared/corpus/resumes``); it holds
real documents, ``*.ref.txt`` reference texts and, for DOCX, ``*.render.ref.txt`` (the document
rendered by LibreOffice and read back by pdftotext). ``MANIFEST.tsv`` says which references are
good (``ref_quality``). The documents include real people's résumés: never copy their text into
test code, snapshots or logs.
"""

from __future__ import annotations

import csv
import io
import random
import re
import struct
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus" / "resumes"
MANIFEST = CORPUS_DIR / "MANIFEST.tsv"


# ---- corpus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusDoc:
    name: str
    path: Path
    difficulty: str
    ref_quality: str

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def ref_ok(self) -> bool:
        return self.ref_quality.startswith("ok")

    @property
    def ref_path(self) -> Path:
        return self.path.with_name(self.name + ".ref.txt")

    @property
    def render_ref_path(self) -> Path:
        return self.path.with_name(self.name + ".render.ref.txt")

    def reference(self) -> str | None:
        """The reference text to score against: the rendered one for DOCX, else ``.ref.txt``."""
        path = self.render_ref_path if self.suffix == ".docx" else self.ref_path
        if not path.exists():
            return None
        return path.read_text(encoding="utf-8-sig")


def corpus_documents() -> list[CorpusDoc]:
    """Every document of the manifest. Raises (so a test fails, never skips) when it is missing."""
    if not MANIFEST.is_file():
        raise FileNotFoundError(f"the shared résumé corpus is missing: {MANIFEST}")
    docs: list[CorpusDoc] = []
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            path = CORPUS_DIR / row["filename"]
            if not path.is_file():
                raise FileNotFoundError(
                    f"corpus document listed in the manifest is missing: {path}"
                )
            docs.append(CorpusDoc(row["filename"], path, row["difficulty"], row["ref_quality"]))
    if not docs:
        raise FileNotFoundError(f"the corpus manifest lists no documents: {MANIFEST}")
    return docs


# ---- token F1 ----------------------------------------------------------------------------

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_HYPHEN_BREAK_RE = re.compile(r"(\w)[-\u00ad]\s*\n\s*(\w)")


def tokens(text: str) -> list[str]:
    """Tokens for scoring: NFKC, lower case, line-end hyphens joined, soft hyphens dropped, runs
    of letters/digits (each CJK character is a token of its own)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _HYPHEN_BREAK_RE.sub(r"\1\2", text).replace("\u00ad", "")
    return _TOKEN_RE.findall(text)


def token_f1(candidate: str, reference: str) -> float:
    """Bag-of-words F1 (token counts matter) of ``candidate`` against ``reference``."""
    got, want = Counter(tokens(candidate)), Counter(tokens(reference))
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(got.values())
    recall = overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


_DIGITS_RE = re.compile(r"\d+")
_PAGE_NUMBER_RE = re.compile(
    r"^\W*(?:page\s*)?\d{1,3}(?:\s*(?:/|of)\s*\d{1,3})?\W*$", re.IGNORECASE
)


def once_per_document(reference: str) -> str:
    """A reference with running page headers, footers and page numbers kept once.

    The references (pdftotext, and LibreOffice renderings of DOCX) repeat a running header or
    footer on every page (pages are separated by form feeds); the issue asks the endpoint to
    drop repeated headers/footers/page numbers and to put DOCX headers and footers in the text
    once. To score extraction rather than that rule, a line among the first or last three
    non-empty lines of a page is dropped when a line equal to it (digits masked) already
    appeared in that position on an earlier page, or when it is only a page number. Nothing
    else is touched; a one-page reference is returned unchanged.
    """
    pages = reference.split("\f")
    if sum(1 for page in pages if page.strip()) < 2:
        return reference
    seen: set[str] = set()
    pages_out: list[str] = []
    for page in pages:
        lines = page.split("\n")
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edge = set(filled[:3] + filled[-3:])
        kept: list[str] = []
        for i, line in enumerate(lines):
            if i in edge:
                if _PAGE_NUMBER_RE.match(line.strip()):
                    continue
                key = " ".join(_DIGITS_RE.sub("#", line).split())
                if key in seen:
                    continue
                seen.add(key)
            kept.append(line)
        pages_out.append("\n".join(kept))
    return "\f".join(pages_out)


# ---- hostile files -----------------------------------------------------------------------


def pdf_bytes(page_texts: list[str], *, pages: int | None = None, padding: int = 0) -> bytes:
    """A small valid PDF, one page per text (lines 16 pt apart, Helvetica 11). With ``pages``,
    that many pages all showing ``page_texts[0]`` (one shared content stream). ``padding``
    adds an unreferenced stream of that many random bytes (a large file that is cheap to read).
    """
    contents = [text_content(text) for text in page_texts]
    return pdf_from_contents(contents, pages=pages, padding=padding)


def text_content(text: str, *, x: float = 72, y: float = 760) -> bytes:
    lines = []
    for line in text.split("\n"):
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        lines.append(f"BT /F1 11 Tf {x} {y} Td ({escaped}) Tj ET")
        y -= 16
    return "\n".join(lines).encode("latin-1")


def pdf_from_contents(
    contents: list[bytes], *, pages: int | None = None, padding: int = 0
) -> bytes:
    """A PDF whose pages draw the given content streams with font ``/F1`` (Helvetica)."""
    count = pages if pages is not None else len(contents)
    streams = contents if pages is None else contents[:1]
    objects: list[bytes] = []
    # 1: catalog, 2: pages, 3: font, then the content streams, then the page objects
    first_content = 4
    first_page = first_content + len(streams)
    kids = " ".join(f"{first_page + i} 0 R" for i in range(count))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for stream in streams:
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    for i in range(count):
        content = first_content + (0 if pages is not None else i)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>".encode()
        )
    if padding:
        junk = random_bytes(padding, seed=padding)
        objects.append(b"<< /Length %d >>\nstream\n" % len(junk) + junk + b"\nendstream")
    return _assemble_pdf(objects)


def _assemble_pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def flate_bomb_stream(inflated_bytes: int) -> bytes:
    """A zlib stream that inflates to ``inflated_bytes`` spaces, built in milliseconds: one
    raw-deflate block for 1 MiB of spaces, ended by a full flush (byte-aligned, no reference to
    earlier data), repeated, then an empty final block and the Adler-32 checksum."""
    chunk = b" " * (1024 * 1024)
    count = max(1, inflated_bytes // len(chunk))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    adler = 1
    for _ in range(count):
        adler = zlib.adler32(chunk, adler)
    return b"\x78\xda" + block * count + final + adler.to_bytes(4, "big")


def pdf_flate_bomb(inflated_bytes: int = 512 * 1024**2) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_bytes`` (default 512 MiB) of
    spaces: more than an extraction child limited to a few hundred MiB can hold."""
    stream = flate_bomb_stream(inflated_bytes)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return _assemble_pdf(objects)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(body_xml: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal DOCX whose ``w:body`` holds ``body_xml`` (``w:`` prefix declared)."""
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<w:body>{body_xml}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def paragraphs_xml(*texts: str) -> str:
    return "".join(f'<w:p><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:p>' for t in texts)


def docx_zip_bomb(inflated_bytes: int = 1024**3) -> bytes:
    """A DOCX whose ``word/document.xml`` inflates to ``inflated_bytes`` (default 1 GiB) of
    whitespace inside a valid document, about 1 MB on disk, with truthful sizes and CRC in the
    zip directory. Built from one repeated deflate block, so it takes milliseconds."""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'
    ).encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    chunk = b" " * (1024 * 1024)
    count = max(1, inflated_bytes // len(chunk))
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    middle = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = middle.compress(chunk) + middle.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = last.compress(tail) + last.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    document = _ZipEntry(
        "word/document.xml",
        start + block * count + end,
        crc,
        len(head) + count * len(chunk) + len(tail),
    )
    return _zip_archive(
        [
            _ZipEntry.deflated("[Content_Types].xml", _CONTENT_TYPES.encode()),
            _ZipEntry.deflated("_rels/.rels", _RELS.encode()),
            document,
        ]
    )


@dataclass(frozen=True)
class _ZipEntry:
    name: str
    deflated_data: bytes
    crc: int
    size: int

    @classmethod
    def deflated(cls, name: str, data: bytes) -> _ZipEntry:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        return cls(name, packed, zlib.crc32(data), len(data))


def _zip_archive(entries: list[_ZipEntry]) -> bytes:
    """A zip archive (deflate, no zip64) written by hand from pre-compressed entries."""
    out = io.BytesIO()
    central = io.BytesIO()
    for entry in entries:
        name = entry.name.encode()
        fields = struct.pack(
            "<HHHHHIIIHH",
            20,
            0,
            8,
            0,
            0x21,
            entry.crc,
            len(entry.deflated_data),
            entry.size,
            len(name),
            0,
        )
        offset = out.tell()
        out.write(b"PK\x03\x04" + fields + name + entry.deflated_data)
        central.write(
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHII", 0, 0, 0, 0, offset)
            + name
        )
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(
        b"PK\x05\x06"
        + struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(directory), start, 0)
    )
    return out.getvalue()


def docx_many_entries(entries: int = 5000) -> bytes:
    """A small DOCX with thousands of (empty) extra entries."""
    return docx_bytes(
        paragraphs_xml("Many entries"),
        extra={f"customXml/item{i}.xml": b"" for i in range(entries)},
    )


def docx_lying_sizes() -> bytes:
    """A DOCX whose zip directory declares ``word/document.xml`` as 4 GiB long."""
    data = bytearray(docx_bytes(paragraphs_xml("Lying sizes")))
    name = b"word/document.xml"
    # central directory entries: signature PK\x01\x02, uncompressed size at offset 24
    start = 0
    while True:
        index = data.find(b"PK\x01\x02", start)
        if index < 0:
            break
        name_len = int.from_bytes(data[index + 28 : index + 30], "little")
        if bytes(data[index + 46 : index + 46 + name_len]) == name:
            data[index + 24 : index + 28] = (0xFFFFFFFE).to_bytes(4, "little")
        start = index + 4
    return bytes(data)


def random_bytes(size: int = 64 * 1024, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: int(len(data) * fraction)]


def png_bytes() -> bytes:
    """A 1x1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        )

    header = (1).to_bytes(4, "big") * 2 + b"\x08\x00\x00\x00\x00"
    pixels = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def encrypted_office_bytes() -> bytes:
    """The start of an OLE2 compound file holding an ``EncryptionInfo`` stream (what Word writes
    for a password-protected DOCX); enough for type detection."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 98
    return header + directory + b"\x00" * 1024

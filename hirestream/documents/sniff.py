"""File type from the bytes (never from the name or Content-Type) and plain-text decoding.

``detect_kind`` answers ``"pdf"``, ``"docx"`` or ``"txt"`` or raises ``ResumeRejected``:

* ``%PDF-`` in the first KiB -> PDF (some generators put junk before the header).
* A zip archive -> the directory is checked against the zip limits *before* anything is unpacked
  (entry count, declared uncompressed sizes, compression ratio: ``zip_bomb``); then it is a DOCX
  if it holds ``word/document.xml`` or declares a WordprocessingML main part, else
  ``unsupported_type`` (xlsx, pptx, odt, plain zip...).
* An OLE2 compound file is a legacy ``.doc`` (``unsupported_type``) or a password-protected
  Office document (``encrypted``).
* Known binary formats (images, archives, executables, RTF, PostScript) -> ``unsupported_type``.
* Anything else is text if ``decode_text`` accepts it.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from typing import Literal

from hirestream.documents.config import Limits
from hirestream.documents.errors import rejected

__all__ = ["Kind", "check_zip", "decode_text", "detect_kind"]

Kind = Literal["pdf", "docx", "txt"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_RATIO_MIN_ENTRY_BYTES = 1024 * 1024
_CONTENT_TYPES_MAX_BYTES = 1024 * 1024
_DOCX_MAIN_TYPES = (
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
_BINARY_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"BM", "BMP image"),
    (b"RIFF", "RIFF media file"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"\x7fELF", "executable"),
    (b"{\\rtf", "RTF document"),
    (b"%!PS", "PostScript document"),
)
# UTF-16 "EncryptionInfo": the stream an encrypted OOXML (DOCX) document carries inside OLE2.
_OLE_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def detect_kind(data: bytes, limits: Limits | None = None) -> Kind:
    """The document type of ``data``, or ``ResumeRejected`` for empty/unsupported/hostile input."""
    limits = limits or Limits()
    if not data:
        raise rejected("empty_document", "The file is empty (0 bytes).")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(_ZIP_MAGICS):
        return _zip_kind(data, limits)
    if data.startswith(_OLE_MAGIC):
        if _OLE_ENCRYPTION_INFO in data:
            raise rejected("encrypted", "The Office document is password-protected.")
        raise rejected(
            "unsupported_type",
            "Legacy Word (.doc) and other OLE files are not supported; save it as DOCX or PDF.",
        )
    for magic, name in _BINARY_MAGICS:
        if data.startswith(magic) and not (magic == b"BM" and _looks_like_text(data[:512])):
            raise rejected(
                "unsupported_type",
                f"This looks like a {name}; upload a PDF, a DOCX or a plain-text file.",
            )
    return "txt"


def check_zip(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse an archive whose *directory* promises too much; nothing is decompressed here.

    Python's ``zipfile`` never returns more than an entry's declared size (and checks the CRC),
    so checking the declared sizes bounds what unpacking can cost.
    """
    infos = archive.infolist()
    if len(infos) > limits.zip_max_entries:
        raise rejected("zip_bomb", f"The archive has too many entries ({len(infos)}).")
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > limits.zip_max_entry_bytes:
            raise rejected("zip_bomb", "An entry of the archive is too large once unpacked.")
        if size >= _RATIO_MIN_ENTRY_BYTES and size > limits.zip_max_ratio * max(
            info.compress_size, 1
        ):
            raise rejected("zip_bomb", "An entry of the archive is compressed suspiciously well.")
    if total > limits.zip_max_bytes:
        raise rejected("zip_bomb", "The archive is too large once unpacked.")


def _zip_kind(data: bytes, limits: Limits) -> Kind:
    names: set[str] = set()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_zip(archive, limits)
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            info = _find(archive, "[Content_Types].xml")
            if info is not None and info.file_size <= _CONTENT_TYPES_MAX_BYTES:
                content_types = archive.read(info)
                if any(t in content_types for t in _DOCX_MAIN_TYPES):
                    return "docx"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise rejected("corrupt_document", "The file is a damaged zip archive.") from None
    except NotImplementedError:  # compression method zipfile does not implement
        raise rejected("unsupported_type", "The archive uses an unsupported compression.") from None
    if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
        what = "spreadsheets and presentations are"
    elif "mimetype" in names:
        what = "OpenDocument files are"
    else:
        what = "zip archives are"
    raise rejected("unsupported_type", f"Only DOCX is read among Office formats; {what} not.")


def _find(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    try:
        return archive.getinfo(name)
    except KeyError:
        return None


# ---- plain text --------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_MAX_CONTROL_SHARE = 0.01
# Unicode category Cc minus \t \n \v \f \r.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def decode_text(data: bytes) -> str:
    """Decode a plain-text upload, or refuse it as binary (``unsupported_type``).

    A BOM decides (UTF-8, UTF-16, UTF-32). Without one: UTF-16 when every other byte is NUL
    (BOM-less UTF-16 of mostly ASCII text), then strict UTF-8, then the Latin-1 fallback:
    Windows-1252, which decodes every Latin-1 text the same way and also its “smart quotes”
    and €. The result is refused if it holds NUL characters or more than 1 % control
    characters: that is binary data, not text.
    """
    text = _decode(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not _looks_like_decoded_text(text):
        raise rejected(
            "unsupported_type",
            "The file is not a PDF, a DOCX or readable text; upload one of those.",
        )
    return text


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    utf16 = _bomless_utf16(data)  # before UTF-8: NUL bytes are valid UTF-8
    if utf16 is not None:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Latin-1 and its Windows superset: the five bytes Windows-1252 leaves undefined become
    # U+FFFD (removed by the cleaning), instead of C1 control characters.
    return data.decode("cp1252", errors="replace")


def _bomless_utf16(data: bytes) -> str | None:
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    pairs = len(sample) // 2
    if odd_nuls >= 0.3 * pairs and even_nuls == 0:
        return "utf-16-le"
    if even_nuls >= 0.3 * pairs and odd_nuls == 0:
        return "utf-16-be"
    return None


def _looks_like_decoded_text(text: str) -> bool:
    if "\x00" in text:
        return False
    limit = int(_MAX_CONTROL_SHARE * len(text))
    controls = itertools.islice(_CONTROL_RE.finditer(text), limit + 1)
    return sum(1 for _ in controls) <= limit


def _looks_like_text(sample: bytes) -> bool:
    try:
        return _looks_like_decoded_text(sample.decode("utf-8"))
    except UnicodeDecodeError:
        return False

"""Text normalisation shared by every matcher, so the data and the input fold the same way.

Three views of a term:

* ``key``: Unicode NFKC, case folded, typographic dashes and quotes made plain, whitespace
  collapsed, surrounding punctuation dropped (``" ReactJS, "`` → ``"reactjs"``). Leading dots and
  trailing ``+``/``#`` survive because they carry meaning (``.net``, ``c++``, ``c#``).
* ``compact``: the key without spaces, dots, hyphens, underscores, slashes and apostrophes
  (``"react.js"`` → ``"reactjs"``, ``"ci/cd"`` → ``"cicd"``).
* ``tokens``: words of free text for phrase look-ups (``"Built it in Node.js."`` →
  ``built it in node.js``), keeping ``C++``, ``C#``, ``.NET``, ``R&D`` and ``node.js`` whole.
"""

from __future__ import annotations

import re
import unicodedata

_PLAIN = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)
_SPACES = re.compile(r"\s+")
_EDGE = " \"'`,;:!?()[]{}<>*•·|-_~=^/\\"
_COMPACT_DROP = re.compile(r"[\s.\-_/']+")
_VERSION = re.compile(r"^(?P<base>.*?[^\W\d_+#]|.*?(?:\+\+|#))[\s\-_]*v?\d+(?:\.\d+)*(?:\.x)?\+?$")
_TOKEN = re.compile(r"\.?[^\W_](?:[\w+#]|[.\-&'](?=[^\W_]))*")


def fold(text: str) -> str:
    """NFKC, case folded, plain dashes and quotes, single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_PLAIN).casefold()
    return _SPACES.sub(" ", text).strip()


def key(term: str) -> str:
    """The look-up key of a skill or alias: folded and without surrounding punctuation."""
    folded = fold(term).strip(_EDGE)
    while folded.endswith(".") and not folded.endswith(".."):
        folded = folded[:-1].rstrip(_EDGE)
    return folded


def compact(term_key: str) -> str:
    """The key without separators: ``react.js``, ``react js`` and ``react-js`` meet here."""
    return _COMPACT_DROP.sub("", term_key)


def without_version(term_key: str) -> str | None:
    """``python3`` → ``python``, ``vue 3.4`` → ``vue``, ``c++17`` → ``c++``; None if no version."""
    found = _VERSION.match(term_key)
    if found is None:
        return None
    base = found.group("base").rstrip(" -_")
    return base or None


def tokens(text: str) -> list[str]:
    """The words of ``text`` in their original spelling (fold each for look-ups)."""
    return _TOKEN.findall(text)


def phrase_key(text: str) -> str:
    """The token key of a phrase: its folded tokens joined by single spaces."""
    return " ".join(fold(t) for t in tokens(text))

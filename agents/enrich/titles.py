"""Canonical job titles: abbreviations spelled out, known words in their usual spelling.

``Sr Engineer`` → ``Senior Engineer``, ``sr. swe`` → ``Senior Software Engineer``, ``Front-end
Dev`` → ``Frontend Developer``, ``Eng Mgr`` → ``Engineering Manager``. Words the vocabulary does
not know keep the caller's spelling (a company or team name, ``MERN``), except that they are
capitalised when all of them were typed in lower case, or when the whole title was shouted in
upper case. Punctuation and parentheses stay where they were. Applying ``canonical_title`` to its
own output changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from hirestream.agents.enrich.taxonomy import Taxonomy, TitleWords, load_taxonomy
from hirestream.agents.enrich.text import compact, key

_CHUNK = re.compile(r"^([^\w.+#&]*)(.*?)([^\w+#&]*)$", re.S)
_LEVELS = ("junior", "mid", "senior", "lead", "principal")


@dataclass(frozen=True)
class _Word:
    text: str
    prefix: str = ""
    suffix: str = ""
    join: str = " "  # what stood before it: a space or a slash


def _skill_spelling(word_key: str, tax: Taxonomy) -> str | None:
    """The skill ``word_key`` is a spelling of (``nodejs`` → ``Node.js``), if any."""
    skill_id = tax.alias_index.get(word_key)
    if skill_id and compact(key(tax.skills[skill_id].name)) == compact(word_key):
        return tax.skills[skill_id].name
    return None


def _spelled_whole(core: str, tax: Taxonomy) -> bool:
    """A word with a slash that is one term (``CI/CD``, ``TCP/IP``), not two (``UI/UX``)."""
    whole = key(core)
    return "/" in core and (whole in tax.titles.forms or _skill_spelling(whole, tax) is not None)


def _words(title: str, tax: Taxonomy) -> list[_Word]:
    words: list[_Word] = []
    for chunk in title.split():
        match = _CHUNK.match(chunk)
        prefix, core, suffix = match.groups() if match else ("", chunk, "")
        if not core:
            words.append(_Word(chunk))
            continue
        parts = [core] if _spelled_whole(core, tax) else core.split("/")
        for n, part in enumerate(parts):
            words.append(
                _Word(
                    part,
                    prefix=prefix if n == 0 else "",
                    suffix=suffix if n == len(parts) - 1 else "",
                    join=" " if n == 0 else "/",
                )
            )
    return words


def _meaning(word: _Word | None, vocab: TitleWords) -> str:
    """The folded canonical form of a neighbouring word (``mgr`` means ``manager``)."""
    if word is None:
        return ""
    k = key(word.text)
    if k in vocab.seniority:
        return key(vocab.seniority[k][0])
    return key(vocab.forms.get(k, k))


def _glued(words: list[_Word], start: int, size: int) -> bool:
    """True when ``size`` words from ``start`` are separated by plain spaces only."""
    run = words[start : start + size]
    return len(run) == size and all(
        _wordlike(w.text)
        and (n == 0 or (w.join == " " and not w.prefix))
        and (n == size - 1 or not w.suffix)
        for n, w in enumerate(run)
    )


def _wordlike(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _phrase(words: list[_Word], start: int, tax: Taxonomy) -> tuple[str, int] | None:
    """A known multi-word phrase at ``start``: a title phrase or a skill's own name."""
    if _glued(words, start, 2):
        two = key(f"{words[start].text} {words[start + 1].text}")
        if two in tax.titles.phrases:
            return tax.titles.phrases[two], 2
    for size in (3, 2):
        if not _glued(words, start, size):
            continue
        name = _skill_spelling(key(" ".join(w.text for w in words[start : start + size])), tax)
        if name is not None:
            return name, size
    return None


def _single(words: list[_Word], i: int, tax: Taxonomy, *, first: bool) -> str | None:
    """The canonical form of one word, or None when the vocabulary does not know it."""
    vocab = tax.titles
    text = words[i].text
    k = key(text)
    if k in vocab.contextual:
        default, alt = vocab.contextual[k]
        after = _meaning(words[i + 1] if i + 1 < len(words) else None, vocab)
        before = _meaning(words[i - 1] if i > 0 else None, vocab)
        if default is None:
            return alt if after in vocab.alt_only_when_next else text
        use_alt = after in vocab.alt_when_next or before in vocab.alt_when_previous
        return alt if use_alt else default
    if k in vocab.seniority:
        return vocab.seniority[k][0]
    if k in vocab.forms:
        return vocab.forms[k]
    if k in vocab.minor:
        return text[:1].upper() + text[1:].lower() if first else text.lower()
    return _skill_spelling(k, tax)


def _recased(unknown: list[str], typed: list[str], known: list[str]) -> bool:
    """Capitalise unknown words when all were typed in lower case, or when the whole title was
    typed in upper case and a known word shows it was shouting (``SR`` → ``Senior``); an
    upper-case word in a normally typed title is an acronym (``MERN``) and stays."""
    cased = [w for w in unknown if w.lower() != w.upper()]
    if not cased:
        return False
    if all(w.islower() for w in cased):
        return True
    shouting = all(w.isupper() for w in typed if w.lower() != w.upper())
    return shouting and any(not form.isupper() for form in known if form.lower() != form.upper())


def canonical_title(title: str, taxonomy: Taxonomy | None = None) -> str:
    """The canonical spelling of a job title (see the module docstring)."""
    tax = taxonomy or load_taxonomy()
    text = " ".join(unicodedata.normalize("NFKC", title).split())
    words = _words(text, tax)
    out: list[_Word] = []
    unknown: list[int] = []  # positions in ``out`` of words the vocabulary does not know
    typed: list[str] = []  # every word as typed
    known: list[str] = []  # the canonical forms of the known ones
    i = 0
    while i < len(words):
        word = words[i]
        if not word.text.strip(".") or not any(c.isalnum() or c in "+#&" for c in word.text):
            out.append(word)
            i += 1
            continue
        phrase = _phrase(words, i, tax)
        if phrase is not None:
            merged, size = phrase
            typed += [w.text for w in words[i : i + size]]
            known.append(merged)
            out.append(replace(word, text=merged, suffix=words[i + size - 1].suffix))
            i += size
            continue
        found = _single(words, i, tax, first=not out)
        typed.append(word.text)
        if found is None:
            unknown.append(len(out))
        else:
            known.append(found)
        form = word.text if found is None else found
        suffix = word.suffix
        if suffix.startswith(".") and key(form) != key(word.text):
            suffix = suffix[1:]  # the dot of an abbreviation spelled out: "Sr." → "Senior"
        out.append(replace(word, text=form, suffix=suffix))
        i += 1
    if _recased([out[n].text for n in unknown], typed, known):
        for n in unknown:
            if out[n].text.isascii() and out[n].text.isalpha():
                out[n] = replace(out[n], text=out[n].text[:1].upper() + out[n].text[1:].lower())
    return "".join(
        (w.join if n else "") + w.prefix + w.text + w.suffix for n, w in enumerate(out)
    ).strip()


def title_level(title: str, taxonomy: Taxonomy | None = None) -> str | None:
    """The level a title implies (``junior``, ``mid``, ``senior``, ``lead``, ``principal``)."""
    tax = taxonomy or load_taxonomy()
    found = [
        level
        for word in _words(canonical_title(title, tax), tax)
        if (entry := tax.titles.seniority.get(key(word.text))) and (level := entry[1])
    ]
    return max(found, key=_LEVELS.index) if found else None

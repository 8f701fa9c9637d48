"""Keyed-hash search tokens of a candidate's name and email: what lets the interview list answer
``?search=`` over sealed personal fields without opening any of them. Pure.

The question is the one the list has always answered: is the (folded) query a substring of the
(folded) name, email or position? Position is not personal and is compared in plain text by the
index; name and email (``SEARCHED_PERSONAL_FIELDS``) are sealed, so when they are sealed
(``hirestream.personal``) their tokens are computed too and travel beside them, as
``searchTokens`` (``{field: token text}``), in the command and the stored record — never in a
public record, an event or an answer.

**Tokens.** A token is HMAC-SHA256, truncated to ``TOKEN_BYTES`` (8), of a gram (a run of
characters) of the folded value, under a per-field subkey of the tenant's search key (random,
32 bytes, in PostgreSQL: ``hirestream.store.datakeys``); the field's name is in the subkey, so
the same gram has unrelated tokens in the name and in the email. For a folded value ``s`` of
``L`` characters a field keeps:

- ``sequence``: the token of every ``GRAM``-gram (3 characters) in order, ``s[0:3]``,
  ``s[1:4]``, … (``L - 2`` tokens; none when ``L < 3``);
- ``short``: the distinct tokens of its 1- and 2-grams, sorted (at most ``2L - 1``).

**Queries.** A query ``q`` of ``m`` characters:

- ``m <= 3``: one token, of ``q`` itself. A field has it iff ``q`` is one of its grams (a short
  gram, or a 3-gram of its sequence): the index's posting of that token is the exact answer.
- ``m > 3``: the tokens of the ``m - 2`` 3-grams of ``q``, in order. A field matches iff that
  run of tokens appears, token-aligned, in the field's ``sequence``: consecutive 3-grams overlap
  by two characters, so equal tokens at ``p, p+1, …, p+m-3`` say that ``s[p:p+m] == q``, and a
  field containing ``q`` has exactly those tokens there. The index intersects the postings of
  the distinct query tokens to find candidates (every match has them all) and checks the run
  in each candidate's sequence (``contains``), comparing the first ``RUN_BYTES`` (4) of each
  token (``FieldTokens.run``: half the memory, and the candidate has every full token already).

So the answer is exact for every query length — no false negatives, and no false positives but
for a collision of two distinct grams' 64-bit tokens, which for ``D`` distinct grams of one
field in a tenant happens with probability below ``D² / 2⁶⁵`` (3·10⁻⁸ for a million grams), or
for a run of at least two 32-bit prefixes colliding at once (below ``L / 2⁶⁴`` a candidate).

**Size.** At most ``3L - 3`` tokens of 8 bytes per field (``L - 2`` in the sequence, ``2L - 1``
short), as ``v1.<base64url sequence>.<base64url short>``: about 11 characters a token. Values
are bounded before folding (name 200 characters, email 254, ASCII); a folded value longer than
``MAX_FOLDED_CHARS`` (only exotic compatibility characters expand that far) gets no tokens and
is searched like a record written before tokens existed (the web layer opens it once; see
``hirestream.web.search``). So a field's tokens are at most 24,552 bytes (32,741 characters),
and a typical name and email about 90 tokens (~1 KB) together.

**What they reveal.** Tokens are deterministic under the tenant's key, as any index that
answers one query for every record must be: whoever reads stored records without the key sees
no character, but sees which grams records share and the lengths of names and emails, so
frequency analysis over many of a tenant's records could guess common grams (deterministic
searchable encryption's known leakage). They are dropped with the
sealed values by the candidate-data purge; copies in older changelog and command messages
remain until compaction and retention remove them, and with the tenant's search key (not
destroyed by a purge: it serves every interview) a guessed value could be confirmed against
them, where the sealed copies are unreadable at once.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from hirestream.topics.vocabulary import SEARCHED_PERSONAL_FIELDS

SCHEME: Final = "v1"
#: The length of the grams of a field's sequence: queries of up to this many characters are one
#: token each.
GRAM: Final = 3
TOKEN_BYTES: Final = 8
#: What of each sequence token the index keeps to check a run: its first 4 bytes.
RUN_BYTES: Final = 4
KEY_BYTES: Final = 32
#: Longer folded values get no tokens (see the module's docstring).
MAX_FOLDED_CHARS: Final = 1024
_SUBKEY_LABEL: Final = b"hirestream search tokens v1 "

#: One field's token function: a gram -> its ``TOKEN_BYTES`` token.
GramToken = Callable[[str], bytes]

__all__ = [
    "GRAM",
    "MAX_FOLDED_CHARS",
    "RUN_BYTES",
    "SCHEME",
    "SEARCHED_PERSONAL_FIELDS",
    "TOKEN_BYTES",
    "FieldProbe",
    "FieldTokens",
    "GramToken",
    "Probe",
    "contains",
    "field_tokens",
    "fold",
    "gram_token",
    "narrow",
    "new_search_key",
    "probe",
    "search_tokens",
    "token_ints",
    "token_text",
]


def new_search_key() -> bytes:
    """A new tenant search key."""
    return os.urandom(KEY_BYTES)


def fold(text: str) -> str:
    """The form in which a query and the values it is looked for in are compared: Unicode NFKC,
    case-folded, NFKC again (so ``"JÖRG"``, ``"jörg"`` and ``"ｊｏ\u0308ｒｇ"`` are one)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def gram_token(key: bytes, field: str) -> GramToken:
    """The token function of one field under a tenant's search key."""
    subkey = hmac.digest(key, _SUBKEY_LABEL + field.encode(), "sha256")

    def token(gram: str) -> bytes:
        return hmac.digest(subkey, gram.encode("utf-8", "surrogatepass"), "sha256")[:TOKEN_BYTES]

    return token


def narrow(tokens: bytes) -> bytes:
    """A concatenation of tokens with each cut to its first ``RUN_BYTES``."""
    return memoryview(tokens).cast("I")[:: TOKEN_BYTES // RUN_BYTES].tobytes()


def token_ints(tokens: bytes) -> list[int]:
    """The tokens of a concatenation of tokens, in order, as the ints the index keys them by
    (each token's 8 bytes read as one unsigned int of this machine's byte order)."""
    return memoryview(tokens).cast("Q").tolist()


@dataclass(frozen=True, slots=True)
class FieldTokens:
    """The search tokens of one folded value: ``sequence``, the tokens of its 3-grams in order,
    and ``short``, the distinct tokens of its 1- and 2-grams, sorted (each a concatenation of
    ``TOKEN_BYTES`` tokens)."""

    sequence: bytes
    short: bytes

    def text(self) -> str:
        """As stored: ``v1.<base64url sequence>.<base64url short>``, unpadded."""
        return f"{SCHEME}.{_encode(self.sequence)}.{_encode(self.short)}"

    @staticmethod
    def parse(text: str) -> FieldTokens | None:
        """The tokens of a stored text; None when it is not a text of this scheme."""
        parts = text.split(".") if isinstance(text, str) else []
        if len(parts) != 3 or parts[0] != SCHEME:
            return None
        sequence, short = _decode(parts[1]), _decode(parts[2])
        if sequence is None or short is None:
            return None
        return FieldTokens(sequence, short)

    def run(self) -> bytes:
        """The ``sequence`` with each token cut to its first ``RUN_BYTES``: what the index keeps
        to check runs (``contains``)."""
        return narrow(self.sequence)

    def tokens(self) -> list[int]:
        """Every distinct token (``token_ints``): what the index posts the field under (the
        short ones are distinct already, and no gram of 3 characters is a shorter one)."""
        distinct = token_ints(self.short)
        distinct.extend(set(token_ints(self.sequence)))
        return distinct


def field_tokens(token: GramToken, folded: str) -> FieldTokens:
    """The tokens of a folded value."""
    sequence = b"".join(token(folded[i : i + GRAM]) for i in range(len(folded) - GRAM + 1))
    grams = {folded[i : i + n] for n in range(1, GRAM) for i in range(len(folded) - n + 1)}
    return FieldTokens(sequence, b"".join(sorted({token(g) for g in grams})))


def token_text(
    key: bytes, field: str, value: str, *, limit: int | None = MAX_FOLDED_CHARS
) -> str | None:
    """The stored token text of one field's value; None when its folded form is longer than
    ``limit`` (None: no limit, for tokens kept in memory only)."""
    folded = fold(value)
    if limit is not None and len(folded) > limit:
        return None
    return field_tokens(gram_token(key, field), folded).text()


def search_tokens(key: bytes, values: Mapping[str, str | None]) -> dict[str, str]:
    """``searchTokens`` for the searched personal fields among ``values`` (plain, as validated;
    None values and values too long to tokenise get none)."""
    out: dict[str, str] = {}
    for field in SEARCHED_PERSONAL_FIELDS:
        value = values.get(field)
        if value is not None:
            text = token_text(key, field, value)
            if text is not None:
                out[field] = text
    return out


@dataclass(frozen=True, slots=True)
class FieldProbe:
    """A query's tokens for one field: ``exact``, the token of the whole query when it has at
    most ``GRAM`` characters (the field's posting of it is the answer); otherwise ``grams``,
    the distinct tokens of its 3-grams (a match has them all), and ``run``, all of them in
    order, narrowed (a match has them consecutively in its own ``FieldTokens.run``)."""

    exact: int | None
    grams: frozenset[int]
    run: bytes


@dataclass(frozen=True, slots=True)
class Probe:
    """What the index looks a query up with: ``text``, the folded query (position is compared
    in plain text), and its tokens for each searched personal field."""

    text: str
    fields: Mapping[str, FieldProbe]


def probe(key: bytes, folded_query: str) -> Probe:
    """The probe of a folded, non-empty query under a tenant's search key."""
    fields: dict[str, FieldProbe] = {}
    for field in SEARCHED_PERSONAL_FIELDS:
        token = gram_token(key, field)
        if len(folded_query) <= GRAM:
            exact = token_ints(token(folded_query))[0]
            fields[field] = FieldProbe(exact, frozenset(), b"")
        else:
            run = b"".join(
                token(folded_query[i : i + GRAM]) for i in range(len(folded_query) - GRAM + 1)
            )
            fields[field] = FieldProbe(None, frozenset(token_ints(run)), narrow(run))
    return Probe(folded_query, fields)


def contains(runs: bytes, run: bytes) -> bool:
    """Whether the narrowed tokens ``run`` appear consecutively, aligned, in ``runs`` (a
    field's ``FieldTokens.run``)."""
    at = runs.find(run)
    while at != -1:
        if at % RUN_BYTES == 0:
            return True
        at = runs.find(run, at + 1)
    return False


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


_FROM_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")


def _decode(text: str) -> bytes | None:
    try:
        encoded = text.encode("ascii")
        if b"+" in encoded or b"/" in encoded:
            return None
        padded = encoded.translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4)
        raw = binascii.a2b_base64(padded, strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    return None if len(raw) % TOKEN_BYTES else raw

"""Keyed-hash search tokens (hirestream.search_tokens): a query matches a value's tokens exactly
when it is a substring of the folded value — held against a brute-force oracle for every query
length, non-ASCII text and emails — and the tokens travel, are applied and are erased with the
sealed values they stand beside."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, cast

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hirestream.agents.interviews.decide import decide
from hirestream.personal import sealed_payload
from hirestream.search_tokens import (
    GRAM,
    MAX_FOLDED_CHARS,
    TOKEN_BYTES,
    FieldTokens,
    contains,
    field_tokens,
    fold,
    gram_token,
    narrow,
    probe,
    search_tokens,
    token_ints,
    token_text,
)
from hirestream.store.datakeys import DataKeys
from hirestream.tables.records import InterviewRecord, public_record
from hirestream.topics.commands import SEARCH_TOKENS_MAX, clean_payload
from hirestream.topics.payloads import Invalid
from hirestream.topics.records import Command
from hirestream.web.validation import list_query

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
#: Few letters (so that queries often match), case pairs, letters that fold to several
#: (ß, ǰ, ﬁ, İ), compatibility forms (fullwidth Ａ), a combining accent, final sigma, an emoji.
ALPHABET = "abcab xyz.-_@0äÄöÖßẞİıǰﬁＡΣσς\u0301👍"
SEALED = "c2VhbGVk" * 8  # a sealed value as the validators see it (the tokens never open it)


def matches(field: str, value: str, folded_query: str) -> bool:
    """The scheme's decision for one value, as the index takes it for one record: the exact
    token is among the value's tokens, or the query's run of 3-gram tokens is in its sequence."""
    text = token_text(KEY, field, value, limit=None)
    assert text is not None
    tokens = FieldTokens.parse(text)
    assert tokens is not None
    wanted = probe(KEY, folded_query).fields[field]
    if wanted.exact is not None:
        return wanted.exact in tokens.tokens()
    return wanted.grams <= set(tokens.tokens()) and contains(tokens.run(), wanted.run)


def oracle(value: str, folded_query: str) -> bool:
    return folded_query in fold(value)


@settings(max_examples=400, deadline=None)
@given(
    value=st.text(ALPHABET, max_size=24),
    query=st.text(ALPHABET, min_size=1, max_size=9),
    field=st.sampled_from(["candidateName", "candidateEmail"]),
)
@example(value="Straße", query="SS", field="candidateName")
@example(value="ﬁnn", query="FI", field="candidateName")
@example(value="aaaa", query="aaa", field="candidateName")
@example(value="abab", query="baba", field="candidateName")
def test_a_query_matches_exactly_when_it_is_a_substring(value: str, query: str, field: str) -> None:
    folded = fold(query)
    if folded:
        assert matches(field, value, folded) is oracle(value, folded)


@settings(max_examples=200, deadline=None)
@given(value=st.text(ALPHABET, min_size=1, max_size=30), data=st.data())
def test_every_substring_of_a_value_finds_it(value: str, data: st.DataObject) -> None:
    folded = fold(value)
    start = data.draw(st.integers(0, len(folded) - 1))
    end = data.draw(st.integers(start + 1, len(folded)))
    assert matches("candidateName", value, folded[start:end])


@settings(max_examples=150, deadline=None)
@given(email=st.emails(), data=st.data())
def test_emails_and_their_fragments(email: str, data: st.DataObject) -> None:
    folded = fold(email)
    start = data.draw(st.integers(0, len(folded) - 1))
    end = data.draw(st.integers(start + 1, min(len(folded), start + 12)))
    assert matches("candidateEmail", email, folded[start:end])
    assert not matches("candidateEmail", email, folded + "x")
    missing = data.draw(st.text("@.-_abcxyz0123", min_size=1, max_size=6))
    assert matches("candidateEmail", email, missing) is oracle(email, missing)


def test_every_one_and_two_character_query_against_brute_force() -> None:
    letters = sorted({c for c in fold("abxy .@äßİ👍") if c})
    values = ["", "a", "ab", "ba", "abba", "x.y@b", "Straße", "ÄBY", "İ👍 a", "yyyy"]
    for n in (1, 2):
        for query in ("".join(p) for p in itertools.product(letters, repeat=n)):
            for value in values:
                assert matches("candidateName", value, query) is oracle(value, query), (
                    value,
                    query,
                )


def test_queries_of_every_length_up_to_the_value_and_beyond() -> None:
    value = "Anna-Maria O'Brien-Smith"
    folded = fold(value)
    for length in range(1, len(folded) + 2):
        for start in range(len(folded) - length + 1):
            assert matches("candidateName", value, folded[start : start + length])
        assert not matches("candidateName", value, "q" * length)
    # a run of the query's grams in the wrong place is no match
    assert not matches("candidateName", "abcXbcd", "abcd")
    assert matches("candidateName", "abcXbcd abcd", "abcd")


def test_runs_are_checked_aligned_on_narrowed_tokens() -> None:
    sequence = bytes(range(24))  # three tokens
    assert narrow(sequence) == bytes([0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19])
    runs = narrow(sequence)
    assert contains(runs, bytes([8, 9, 10, 11, 16, 17, 18, 19]))
    assert not contains(runs, bytes([10, 11, 16, 17]))  # the same bytes, across two tokens
    assert contains(bytes([10, 11, 16, 17]) + runs, bytes([10, 11, 16, 17]))


def test_fold_is_case_and_compatibility_insensitive() -> None:
    assert fold("JÖRG") == fold("jörg") == fold("ｊｏ\u0308ｒｇ") == "jörg"
    assert fold("Straße") == "strasse" and fold("ΣΊΣΥΦΟΣ") == fold("σίσυφος")
    assert list_query({"search": "  JÖ  "}).search == "jö"
    assert list_query({"search": "   "}).search is None


def test_tokens_depend_on_the_key_and_the_field() -> None:
    name, email = gram_token(KEY, "candidateName"), gram_token(KEY, "candidateEmail")
    assert len(name("ann")) == TOKEN_BYTES
    assert name("ann") != email("ann") != gram_token(OTHER_KEY, "candidateEmail")("ann")
    assert name("ann") == gram_token(KEY, "candidateName")("ann")


def test_the_stored_size_is_bounded() -> None:
    tokens = field_tokens(gram_token(KEY, "candidateName"), "abcde")
    assert len(tokens.sequence) == (5 - GRAM + 1) * TOKEN_BYTES  # abc bcd cde
    assert len(tokens.short) == 9 * TOKEN_BYTES  # a b c d e ab bc cd de
    worst = "".join(chr(0x4E00 + i) for i in range(MAX_FOLDED_CHARS))  # all grams distinct
    text = token_text(KEY, "candidateName", worst)
    assert text is not None
    parsed = FieldTokens.parse(text)
    assert parsed is not None
    assert len(parsed.sequence) + len(parsed.short) == (3 * MAX_FOLDED_CHARS - 3) * TOKEN_BYTES
    assert len(text) <= SEARCH_TOKENS_MAX
    too_long = "ﷺ" * 100  # 200 characters as sent at most, but each folds to 18
    assert len(fold(too_long)) > MAX_FOLDED_CHARS
    assert token_text(KEY, "candidateName", too_long) is None
    assert token_text(KEY, "candidateName", too_long, limit=None) is not None
    assert search_tokens(KEY, {"candidateName": too_long}) == {}


def test_search_tokens_are_for_name_and_email_only() -> None:
    tokens = search_tokens(
        KEY, {"candidateName": "Ann", "candidateEmail": None, "candidateResume": "CV"}
    )
    assert set(tokens) == {"candidateName"}
    assert tokens["candidateName"] == token_text(KEY, "candidateName", "ann")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "v1",
        "v1.AAAAAAAAAAA",
        "v2.AAAAAAAAAAA.",
        "v1.AAAA.",  # 3 bytes: not whole tokens
        "v1.AAAAAAAAAAA.AAAAAAAAAA$",
        "v1.AAAAAAAAAAA.AAAAAAAAAAA.",
        "v1.AAAAAAAAAA+.",  # not the URL-safe alphabet
        "v1.é.",
    ],
)
def test_texts_not_of_the_scheme_are_refused(text: str) -> None:
    assert FieldTokens.parse(text) is None


def test_texts_round_trip() -> None:
    tokens = field_tokens(gram_token(KEY, "candidateEmail"), "j.doe@example.com")
    text = tokens.text()
    assert FieldTokens.parse(text) == tokens
    assert len(set(token_ints(tokens.short))) == len(tokens.short) // TOKEN_BYTES  # distinct
    assert FieldTokens.parse(FieldTokens(b"", b"").text()) == FieldTokens(b"", b"")
    assert tokens.run() == narrow(tokens.sequence) and len(tokens.run()) * 2 == len(tokens.sequence)


# --- on the wire ------------------------------------------------------------------------------


def _command(kind: str, **payload: Any) -> Command:
    return {
        "commandId": "c1",
        "type": kind,
        "tenantId": "t1",
        "interviewId": "00000000-0000-4000-8000-000000000001",
        "actor": {"kind": "user", "id": "u1"},
        "requestId": "r1",
        "issuedAt": "2024-01-15T10:00:00.000Z",
        "fingerprint": "f",
        "payload": payload,
    }


def _clean(**payload: Any) -> dict[str, Any]:
    return clean_payload(
        _command("interview.update", **payload), role_families=[], http_hosts=frozenset()
    )


def test_the_fleet_takes_tokens_of_sealed_fields_only() -> None:
    text = token_text(KEY, "candidateName", "Ann Lee")
    assert text is not None
    kept = _clean(sealed={"candidateName": SEALED}, searchTokens={"candidateName": text})
    assert kept["searchTokens"] == {"candidateName": text}
    worst = token_text(KEY, "candidateName", "".join(chr(0x4E00 + i) for i in range(1024)))
    assert _clean(sealed={"candidateName": SEALED}, searchTokens={"candidateName": worst})
    for wrong in (
        {"candidateEmail": text},  # not sealed in this payload
        {"candidateResume": text},  # not a searched field
        {"candidateName": "v1.AAAA$."},
        {"candidateName": 7},
        {"candidateName": "v1." + "A" * SEARCH_TOKENS_MAX + "."},
        ["candidateName"],
    ):
        with pytest.raises(Invalid, match="searchTokens"):
            _clean(sealed={"candidateName": SEALED}, searchTokens=wrong)


class _Keys:
    """The data keys and the tenant search key, in memory."""

    async def create(self, tenant_id: str, interview_id: str) -> bytes:
        return bytes(32)

    async def search_key(self, tenant_id: str) -> bytes:
        return KEY


def _sealed(payload: dict[str, Any]) -> dict[str, Any]:
    keys = cast(DataKeys, _Keys())
    return asyncio.run(sealed_payload(keys, "t1", "i1", payload, payload))


def test_sealing_makes_the_tokens_beside_the_sealed_values() -> None:
    out = _sealed({"candidateName": "Ann Lee", "candidateEmail": "ann@x.io", "position": "Dev"})
    assert set(out["sealed"]) == {"candidateName", "candidateEmail"}
    assert out["searchTokens"] == search_tokens(
        KEY, {"candidateName": "Ann Lee", "candidateEmail": "ann@x.io"}
    )
    assert "candidateName" not in out and out["position"] == "Dev"
    earlier = {"candidateEmail": "v1.."}
    mixed = _sealed(
        {"candidateName": "Bo", "sealed": {"candidateEmail": SEALED}, "searchTokens": earlier}
    )
    assert set(mixed["searchTokens"]) == {"candidateName", "candidateEmail"}
    assert mixed["searchTokens"]["candidateEmail"] == "v1.."
    cleared = _sealed({"candidateName": None, "candidateResume": "A CV"})
    assert "searchTokens" not in cleared and cleared["sealedCleared"] == ["candidateName"]


# --- in the record ----------------------------------------------------------------------------


_offsets = itertools.count(1)


def _decided(record: InterviewRecord | None, kind: str, **payload: Any) -> InterviewRecord:
    offset = next(_offsets)
    decision = decide(record, {**_command(kind, **payload), "commandId": f"c{offset}"}, offset)
    assert decision.record is not None, decision
    return decision.record


def _tokens(name: str) -> str:
    text = token_text(KEY, "candidateName", name)
    assert text is not None
    return text


def test_the_record_keeps_tokens_beside_the_sealed_values_and_never_shows_them() -> None:
    created = _decided(
        None,
        "interview.create",
        position="Engineer",
        sealed={"candidateName": SEALED, "candidateEmail": SEALED},
        searchTokens={"candidateName": _tokens("Ann"), "candidateResume": "v1.."},
    )
    assert created["searchTokens"] == {"candidateName": _tokens("Ann")}
    assert "searchTokens" not in public_record(created)
    assert "searchTokens" not in str(public_record(created))

    renamed = _decided(
        created,
        "interview.update",
        sealed={"candidateName": SEALED + "A"},
        searchTokens={"candidateName": _tokens("Bo")},
    )
    assert renamed["searchTokens"] == {"candidateName": _tokens("Bo")}

    resealed_without = _decided(renamed, "interview.update", sealed={"candidateName": SEALED})
    assert "searchTokens" not in resealed_without  # stale tokens would find the old name

    again = _decided(
        created, "interview.update", sealed={"candidateEmail": SEALED + "B"}, position="Dev"
    )
    assert again["searchTokens"] == {"candidateName": _tokens("Ann")}  # untouched

    cleared = _decided(created, "interview.update", sealedCleared=["candidateName"])
    assert "searchTokens" not in cleared and "candidateName" not in cleared["sealed"]


def test_the_purge_drops_the_tokens_with_the_sealed_values() -> None:
    created = _decided(
        None,
        "interview.create",
        position="Engineer",
        sealed={"candidateName": SEALED},
        searchTokens={"candidateName": _tokens("Ann")},
    )
    purged = _decided(created, "interview.purge")
    assert "sealed" not in purged and "searchTokens" not in purged
    assert purged["position"] == "Engineer"

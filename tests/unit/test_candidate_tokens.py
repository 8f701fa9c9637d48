"""Candidate link tokens: format, tampering, expiry, rotation (frozen clock: ``now`` is passed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hirestream.candidate_tokens import (
    MAX_TOKEN_CHARS,
    TOKEN_CHARS,
    Claims,
    TokenKeys,
    expiry_for,
    issue,
    verify,
)
from hirestream.settings import Settings
from tests.support.workers import TEST_CANDIDATE_TOKEN_KEYS

NOW = datetime(2024, 2, 1, 10, 0, 0, tzinfo=UTC)
EXPIRES = expiry_for(NOW, 7)
INTERVIEW = "0b6f3c1e-52a4-4c1d-9f0e-8a7b6c5d4e3f"
OLD_SECRET = bytes(range(32))
NEW_SECRET = bytes(range(100, 140))
OLD = f"1:{base64.b64encode(OLD_SECRET).decode()}"
NEW = f"2:{base64.urlsafe_b64encode(NEW_SECRET).decode().rstrip('=')}"
KEYS = TokenKeys.parse(OLD)
URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def decode(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_round_trip() -> None:
    token = issue(INTERVIEW, EXPIRES, KEYS)
    assert verify(token, KEYS, NOW) == Claims(INTERVIEW, EXPIRES, 1)


def test_upper_case_interview_id_gives_the_canonical_one_back() -> None:
    claims = verify(issue(INTERVIEW.upper(), EXPIRES, KEYS), KEYS, NOW)
    assert claims is not None and claims.interview_id == INTERVIEW


def test_short_url_safe_and_of_fixed_length() -> None:
    token = issue(INTERVIEW, EXPIRES, KEYS)
    assert len(token) == TOKEN_CHARS == 51 and len(token) <= MAX_TOKEN_CHARS
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)


def test_nothing_readable_in_it() -> None:
    tenant = "acme-corporation"
    token = issue(INTERVIEW, EXPIRES, KEYS)
    raw = decode(token)
    for text in (INTERVIEW, INTERVIEW.replace("-", ""), tenant, "acme"):
        assert text not in token and text.encode() not in raw
        assert text.upper() not in token.upper()


def test_deterministic() -> None:
    assert issue(INTERVIEW, EXPIRES, KEYS) == issue(INTERVIEW, EXPIRES, KEYS)
    assert issue(INTERVIEW, EXPIRES, KEYS) != issue(INTERVIEW, EXPIRES + timedelta(seconds=1), KEYS)
    other = "0b6f3c1e-52a4-4c1d-9f0e-8a7b6c5d4e40"
    assert issue(INTERVIEW, EXPIRES, KEYS) != issue(other, EXPIRES, KEYS)
    same_instant = EXPIRES.astimezone(timezone(timedelta(hours=2)))
    assert issue(INTERVIEW, same_instant, KEYS) == issue(INTERVIEW, EXPIRES, KEYS)


def test_every_bit_flip_of_the_bytes_is_rejected() -> None:
    raw = decode(issue(INTERVIEW, EXPIRES, KEYS))
    for index in range(len(raw)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[index] ^= 1 << bit
            assert verify(encode(bytes(flipped)), KEYS, NOW) is None, (index, bit)


def test_every_bit_flip_of_the_characters_is_rejected() -> None:
    token = issue(INTERVIEW, EXPIRES, KEYS)
    for index, char in enumerate(token):
        for bit in range(8):
            changed = token[:index] + chr(ord(char) ^ (1 << bit)) + token[index + 1 :]
            assert verify(changed, KEYS, NOW) is None, (index, bit)


def test_truncations_and_extensions_are_rejected() -> None:
    token = issue(INTERVIEW, EXPIRES, KEYS)
    for end in range(len(token)):
        assert verify(token[:end], KEYS, NOW) is None
    for suffix in ("A", "=", "\n", " ", token):
        assert verify(token + suffix, KEYS, NOW) is None
    assert verify(" " + token, KEYS, NOW) is None
    assert verify(token + "=" * (-len(token) % 4), KEYS, NOW) is None  # padded is not ours


def test_expiry_is_exclusive() -> None:
    token = issue(INTERVIEW, EXPIRES, KEYS)
    assert verify(token, KEYS, EXPIRES - timedelta(seconds=1)) is not None
    assert verify(token, KEYS, EXPIRES) is None
    assert verify(token, KEYS, EXPIRES + timedelta(seconds=1)) is None


def test_a_token_of_a_retired_key_is_rejected() -> None:
    token = issue(INTERVIEW, EXPIRES, TokenKeys.parse(f"{OLD},{NEW}"))  # signed by key 1
    assert verify(token, TokenKeys.parse(f"{OLD},{NEW}"), NOW) is not None
    assert verify(token, TokenKeys.parse(NEW), NOW) is None  # key 1 retired
    # key id 2 with key 1's old secret: the id is part of what the MAC covers
    assert verify(token, TokenKeys.parse(f"2:{base64.b64encode(OLD_SECRET).decode()}"), NOW) is None


def test_rotation_keeps_old_tokens_valid_while_the_old_key_is_listed() -> None:
    old_token = issue(INTERVIEW, EXPIRES, KEYS)
    rotated = TokenKeys.parse(f"{NEW}, {OLD}")
    assert rotated.signing_key_id == 2 and rotated.key_ids == (2, 1)
    claims = verify(old_token, rotated, NOW)
    assert claims is not None and claims.key_id == 1
    new_token = issue(INTERVIEW, EXPIRES, rotated)
    assert new_token != old_token
    assert verify(new_token, rotated, NOW) == Claims(INTERVIEW, EXPIRES, 2)
    assert verify(new_token, KEYS, NOW) is None  # a worker that does not know the new key yet


def test_an_unknown_version_is_rejected_even_with_a_good_mac() -> None:
    raw = bytearray(decode(issue(INTERVIEW, EXPIRES, KEYS)))
    raw[0] = 2
    body = bytes(raw[:22])
    forged = body + hmac.new(OLD_SECRET, body, hashlib.sha256).digest()[:16]
    assert verify(encode(forged), KEYS, NOW) is None


def test_verify_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone"):
        verify(issue(INTERVIEW, EXPIRES, KEYS), KEYS, NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("interview_id", "expires_at"),
    [
        ("not-a-uuid", EXPIRES),
        (INTERVIEW.replace("-", ""), EXPIRES),
        (INTERVIEW, EXPIRES.replace(tzinfo=None)),
        (INTERVIEW, EXPIRES + timedelta(microseconds=1)),
        (INTERVIEW, datetime(1969, 12, 31, tzinfo=UTC)),
        (INTERVIEW, datetime(2107, 1, 1, tzinfo=UTC)),
    ],
)
def test_issue_refuses_bad_input(interview_id: str, expires_at: datetime) -> None:
    with pytest.raises(ValueError):
        issue(interview_id, expires_at, KEYS)


def test_expiry_for_whole_seconds_in_utc() -> None:
    issued = datetime(2024, 2, 1, 11, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=1)))
    assert expiry_for(issued, 7) == datetime(2024, 2, 8, 10, 0, 0, tzinfo=UTC)
    assert expiry_for(issued, 0.5).tzinfo == UTC
    for days in (0.0, -1.0, float("nan"), float("inf"), 1e12):
        with pytest.raises(ValueError):
            expiry_for(NOW, days)
    with pytest.raises(ValueError):
        expiry_for(NOW.replace(tzinfo=None), 7)


@pytest.mark.parametrize(
    "spec",
    [
        "",
        ",",
        "1",
        f"x:{base64.b64encode(OLD_SECRET).decode()}",
        f"256:{base64.b64encode(OLD_SECRET).decode()}",
        f"-1:{base64.b64encode(OLD_SECRET).decode()}",
        f"1:{base64.b64encode(bytes(31)).decode()}",
        "1:not base64!",
        f"{OLD},{OLD}",
        f"{OLD},",
    ],
)
def test_parse_refuses_bad_specs_without_quoting_secrets(spec: str) -> None:
    with pytest.raises(ValueError) as caught:
        TokenKeys.parse(spec)
    assert base64.b64encode(OLD_SECRET).decode() not in str(caught.value)


def test_keys_never_show_their_secrets() -> None:
    keys = TokenKeys.parse(f"{NEW},{OLD}")
    assert repr(keys) == "TokenKeys(key_ids=(2, 1))" and str(keys) == repr(keys)
    assert keys.secret(1) == OLD_SECRET and keys.secret(2) == NEW_SECRET and keys.secret(3) is None


@given(st.text(max_size=300))
def test_verify_never_raises_on_any_text(text: str) -> None:
    assert verify(text, KEYS, NOW) is None


@given(st.text(alphabet=URL_SAFE, min_size=TOKEN_CHARS - 1, max_size=TOKEN_CHARS + 1))
def test_verify_never_raises_on_token_shaped_text(text: str) -> None:
    assert verify(text, KEYS, NOW) is None


@given(st.binary(min_size=38, max_size=38))
def test_verify_never_accepts_forged_bytes(raw: bytes) -> None:
    assert verify(encode(raw), KEYS, NOW) is None


def test_settings_read_and_check_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIRESTREAM_CANDIDATE_TOKEN_KEYS", raising=False)
    assert Settings.from_env().token_keys() is None
    monkeypatch.setenv("HIRESTREAM_CANDIDATE_TOKEN_KEYS", TEST_CANDIDATE_TOKEN_KEYS)
    settings = Settings.from_env()
    keys = settings.token_keys()
    assert keys is not None and keys.key_ids == (1,)
    assert TEST_CANDIDATE_TOKEN_KEYS.split(":")[1] not in repr(settings)
    short = "1:" + base64.b64encode(b"too short").decode()
    monkeypatch.setenv("HIRESTREAM_CANDIDATE_TOKEN_KEYS", short)
    with pytest.raises(ValueError, match="HIRESTREAM_CANDIDATE_TOKEN_KEYS") as caught:
        Settings.from_env()
    assert short[2:] not in str(caught.value)

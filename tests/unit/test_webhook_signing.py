"""Webhook secrets and signatures, verified the way receivers verify them: with the
``standardwebhooks`` package for the Standard Webhooks headers, with plain ``hmac`` for the
legacy ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks import Webhook, WebhookVerificationError

from hirestream.agents.webhooks.signing import (
    ROTATION_OVERLAP_S,
    SECRET_PREFIX,
    active_secrets,
    legacy_headers,
    new_secret,
    secret_key,
    sign_v1,
    standard_headers,
)

BODY = b'{"id":"evt_1","event":"interview.approved","data":{"name":"J\xc3\xa9r\xc3\xb4me"}}'
WEBHOOK_ID = "msg_2b7f0c1e9a4d4f7e8c3a"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def now_s() -> int:
    return int(time.time())


def verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def legacy_verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    """What a legacy receiver does: HMAC-SHA256 of "timestamp.body" keyed by its secret."""
    signed = headers["X-Webhook-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Webhook-Signature"])


def flip_a_bit(signature: str) -> str:
    version, _, encoded = signature.partition(",")
    raw = bytearray(base64.b64decode(encoded))
    raw[0] ^= 1
    return f"{version},{base64.b64encode(raw).decode()}"


def test_new_secret_has_the_standard_form_and_is_random() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith(SECRET_PREFIX)
        raw = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
        assert len(raw) == 32
        assert secret_key(secret) == raw


def test_a_receiver_verifies_the_standard_headers() -> None:
    secret = new_secret()
    headers = standard_headers(WEBHOOK_ID, now_s(), BODY, [secret])
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == WEBHOOK_ID
    assert headers["webhook-signature"].startswith("v1,")
    assert " " not in headers["webhook-signature"]
    assert Webhook(secret).verify(BODY, headers)["event"] == "interview.approved"


def test_the_signature_is_hmac_sha256_of_id_timestamp_body() -> None:
    secret = new_secret()
    ts = 1_700_000_000
    expected = hmac.new(secret_key(secret), f"{WEBHOOK_ID}.{ts}.".encode() + BODY, "sha256")
    assert (
        sign_v1(WEBHOOK_ID, ts, BODY, secret)
        == "v1," + base64.b64encode(expected.digest()).decode()
    )
    headers = standard_headers(WEBHOOK_ID, ts, BODY, [secret])
    assert headers["webhook-timestamp"] == "1700000000"
    assert headers["webhook-signature"] == sign_v1(WEBHOOK_ID, ts, BODY, secret)


def test_during_an_overlap_old_and_new_secret_holders_both_verify() -> None:
    old, new, stranger = new_secret(), new_secret(), new_secret()
    signing = active_secrets([(old, T0), (new, T0 + timedelta(days=3))], T0 + timedelta(days=3))
    assert signing == (new, old)
    headers = standard_headers(WEBHOOK_ID, now_s(), BODY, signing)
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert verifies(old, BODY, headers)
    assert verifies(new, BODY, headers)
    assert not verifies(stranger, BODY, headers)


def test_after_the_overlap_only_the_new_secret_verifies() -> None:
    old, new = new_secret(), new_secret()
    rotated = T0 + timedelta(days=3)
    signing = active_secrets([(old, T0), (new, rotated)], rotated + timedelta(hours=24))
    headers = standard_headers(WEBHOOK_ID, now_s(), BODY, signing)
    assert verifies(new, BODY, headers)
    assert not verifies(old, BODY, headers)


@pytest.mark.parametrize(
    "tamper",
    [
        "body",
        "body-appended",
        "timestamp",
        "id",
        "signature",
        "drop-id",
        "drop-timestamp",
        "drop-signature",
    ],
)
def test_tampering_fails_verification(tamper: str) -> None:
    old, new = new_secret(), new_secret()
    ts = now_s()
    headers = standard_headers(WEBHOOK_ID, ts, BODY, [new, old])
    body = BODY
    if tamper == "body":
        body = BODY.replace(b"approved", b"rejected")
    elif tamper == "body-appended":
        body = BODY + b" "
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(ts + 1)
    elif tamper == "id":
        headers["webhook-id"] = WEBHOOK_ID + "x"
    elif tamper == "signature":
        headers["webhook-signature"] = " ".join(
            map(flip_a_bit, headers["webhook-signature"].split(" "))
        )
    else:
        del headers["webhook-" + tamper.removeprefix("drop-")]
    assert verifies(new, BODY, standard_headers(WEBHOOK_ID, ts, BODY, [new, old]))
    assert not verifies(new, body, headers)
    assert not verifies(old, body, headers)


def test_a_stale_timestamp_is_refused_by_the_receiver_not_by_us() -> None:
    secret = new_secret()
    headers = standard_headers(WEBHOOK_ID, now_s() - 3600, BODY, [secret])
    assert not verifies(secret, BODY, headers)  # replay protection on the receiver's side


def test_legacy_headers_verify_with_a_plain_hmac_check() -> None:
    secret = new_secret()
    ts = now_s()
    headers = legacy_headers(ts, BODY, secret)
    assert headers["X-Webhook-Timestamp"] == str(ts)
    assert headers["X-Webhook-Signature"].startswith("sha256=")
    assert len(headers["X-Webhook-Signature"]) == len("sha256=") + 64
    assert legacy_verifies(secret, BODY, headers)
    assert not legacy_verifies(new_secret(), BODY, headers)
    assert not legacy_verifies(secret, BODY + b"x", headers)
    stale = dict(headers, **{"X-Webhook-Timestamp": str(ts - 1)})
    assert not legacy_verifies(secret, BODY, stale)


def test_during_an_overlap_the_newest_secret_signs_the_legacy_header() -> None:
    old, new = new_secret(), new_secret()
    signing = active_secrets([(new, T0 + timedelta(hours=1)), (old, T0)], T0 + timedelta(hours=2))
    headers = legacy_headers(now_s(), BODY, signing[0])
    assert legacy_verifies(new, BODY, headers)
    assert not legacy_verifies(old, BODY, headers)


def test_the_header_sets_do_not_collide() -> None:
    secret = new_secret()
    ts = now_s()
    merged = standard_headers(WEBHOOK_ID, ts, BODY, [secret]) | legacy_headers(ts, BODY, secret)
    assert len({name.lower() for name in merged}) == 5
    assert verifies(secret, BODY, merged) and legacy_verifies(secret, BODY, merged)


def test_active_secrets_keeps_the_newest_and_the_previous_while_the_overlap_lasts() -> None:
    a, b, c = "whsec_" + "A" * 44, "whsec_" + "B" * 44, "whsec_" + "C" * 44
    rotated = T0 + timedelta(days=10)
    history = [(b, rotated), (a, T0)]
    assert active_secrets([(a, T0)], T0 + timedelta(days=400)) == (a,)
    assert active_secrets(history, rotated) == (b, a)
    assert active_secrets(history, rotated + timedelta(hours=23, minutes=59)) == (b, a)
    assert active_secrets(history, rotated + timedelta(hours=24)) == (b,)
    assert active_secrets(history, rotated + timedelta(days=30)) == (b,)
    # a second rotation within the overlap: only the two newest sign
    third = rotated + timedelta(hours=2)
    assert active_secrets([*history, (c, third)], third + timedelta(hours=1)) == (c, b)
    # a custom overlap, and equal creation times (the later one in the input is newer)
    assert active_secrets(history, rotated + timedelta(seconds=59), overlap_s=60) == (b, a)
    assert active_secrets(history, rotated + timedelta(seconds=60), overlap_s=60) == (b,)
    assert active_secrets([(a, T0), (b, T0)], T0) == (b, a)
    assert active_secrets([], T0) == ()
    assert ROTATION_OVERLAP_S == 24 * 3600


@pytest.mark.parametrize(
    "secret",
    ["", "whsec_", "secret", "whsec_not base64!", "whsec_QUJ", "WHSEC_" + "A" * 44],
)
def test_malformed_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        standard_headers(WEBHOOK_ID, 1, BODY, [secret])
    with pytest.raises(ValueError):
        legacy_headers(1, BODY, secret)


@pytest.mark.parametrize("webhook_id", ["", "msg 1", "msg\r\nX-Evil: 1", "msg_é", "msg\t1"])
def test_bad_ids_are_refused(webhook_id: str) -> None:
    with pytest.raises(ValueError):
        standard_headers(webhook_id, 1, BODY, [new_secret()])


def test_bad_timestamps_and_no_secrets_are_refused() -> None:
    secret = new_secret()
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError):
            standard_headers(WEBHOOK_ID, bad, BODY, [secret])  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            legacy_headers(bad, BODY, secret)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        standard_headers(WEBHOOK_ID, 1, BODY, [])


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=300), suffix=st.text(alphabet="abcdef0123456789_-", max_size=20))
def test_any_body_and_id_verify_with_both_schemes(body: bytes, suffix: str) -> None:
    secret = new_secret()
    ts = now_s()
    headers = standard_headers("msg_" + suffix, ts, body, [secret])
    expected = base64.b64decode(sign_v1("msg_" + suffix, ts, body, secret)[3:])
    signed = f"msg_{suffix}.{ts}.".encode() + body
    assert hmac.compare_digest(expected, hmac.new(secret_key(secret), signed, "sha256").digest())
    assert headers["webhook-signature"] == sign_v1("msg_" + suffix, ts, body, secret)
    assert legacy_verifies(secret, body, legacy_headers(ts, body, secret))

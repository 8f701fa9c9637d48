"""Webhook secrets and signature headers (docs/api.md §7). Pure: no I/O, no clock.

Secrets have the Standard Webhooks form ``whsec_<base64 of 32 random bytes>``; the HMAC key of
the Standard Webhooks signature is the base64-decoded part, as every Standard Webhooks library
reads it.

Every delivery carries two signatures:

* Standard Webhooks: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``, a
  space-separated list of ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, one per active
  secret. During a rotation overlap there are two, so a receiver holding either the old or
  the new secret verifies.
* Legacy (the original product's): ``X-Webhook-Timestamp`` and ``X-Webhook-Signature:
  sha256=<hex HMAC-SHA256 of "timestamp.body">``. Its key is the secret string exactly as the
  partner was given it (UTF-8, ``whsec_`` prefix included), which is what a plain
  ``hmac.new(secret.encode(), ...)`` check uses. The header has room for one signature only,
  so during an overlap the NEWEST secret signs it: a legacy receiver switches to the new secret
  when it rotates (it has it in hand then: rotation is what handed it out); only Standard
  Webhooks receivers get the overlap.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as random_source
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

__all__ = [
    "ROTATION_OVERLAP_S",
    "SECRET_PREFIX",
    "active_secrets",
    "legacy_headers",
    "new_secret",
    "secret_key",
    "sign_v1",
    "standard_headers",
]

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
ROTATION_OVERLAP_S = 24 * 3600  # the old secret also signs for 24 h after a rotation
_SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(random_source.token_bytes(_SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (its decoded bytes); ValueError if malformed."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is whsec_ and base64") from None
    if not key:
        raise ValueError("a webhook secret must not be empty")
    return key


def sign_v1(webhook_id: str, timestamp: int, body: bytes, secret: str) -> str:
    """One Standard Webhooks signature: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""
    _check_id(webhook_id)
    signed = f"{webhook_id}.{_seconds(timestamp)}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_headers(
    webhook_id: str, timestamp: int, body: bytes, secrets: Sequence[str]
) -> dict[str, str]:
    """The Standard Webhooks headers, one ``v1,`` signature per secret, in the given order.

    ``timestamp`` is in whole seconds since the epoch. Raises ValueError for no secrets, a
    malformed secret, an id that is empty or holds whitespace or non-ASCII characters, or a
    negative timestamp.
    """
    if not secrets:
        raise ValueError("at least one secret signs a webhook")
    signatures = [sign_v1(webhook_id, timestamp, body, secret) for secret in secrets]
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(dict.fromkeys(signatures)),
    }


def legacy_headers(timestamp: int, body: bytes, secret: str) -> dict[str, str]:
    """The legacy pair: ``X-Webhook-Timestamp`` and ``X-Webhook-Signature: sha256=<hex>``.

    The HMAC key is the secret string itself (UTF-8); pass the newest active secret.
    """
    secret_key(secret)  # the same secrets as the standard headers: refuse a malformed one
    signed = f"{_seconds(timestamp)}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return {"X-Webhook-Timestamp": str(timestamp), "X-Webhook-Signature": f"sha256={digest}"}


def active_secrets(
    secrets_with_created_at: Iterable[tuple[str, datetime]],
    now: datetime,
    overlap_s: float = ROTATION_OVERLAP_S,
) -> tuple[str, ...]:
    """The secrets that sign now, newest first: the newest, and the one before it while
    ``now`` is less than ``overlap_s`` after the newest was created. Older ones never sign.

    Among equal creation times the later one in the input counts as newer. Empty input gives
    an empty tuple.
    """
    ordered = sorted(
        enumerate(secrets_with_created_at), key=lambda item: (item[1][1], item[0]), reverse=True
    )
    if not ordered:
        return ()
    (_, (newest, created_at)), rest = ordered[0], ordered[1:]
    if rest and now < created_at + timedelta(seconds=overlap_s):
        return newest, rest[0][1][0]
    return (newest,)


def _seconds(timestamp: int) -> str:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise ValueError("a webhook timestamp is whole seconds since the epoch")
    return str(timestamp)


def _check_id(webhook_id: str) -> None:
    if not webhook_id or not webhook_id.isascii() or not webhook_id.isprintable():
        raise ValueError("a webhook id is non-empty printable ASCII")
    if any(c.isspace() for c in webhook_id):
        raise ValueError("a webhook id has no whitespace")

"""Candidate link tokens: the credential in ``<APP_URL>/interview/join/<token>`` (docs/api.md §6).

Pure. A token names one interview and an expiry, signed under a server key, and is checked
without any database read. Its bytes, before encoding::

    version (1) | key id (1) | expiry (uint32, seconds since the epoch, big-endian)
        | interview id (the UUID's 16 bytes) | MAC (16)

where the MAC is the first 16 bytes of HMAC-SHA256, under the key named by the key id, over
everything before it. The token is those 38 bytes in unpadded base64url: 51 URL-safe
characters, no tenant id, no name, no email, nothing readable as text (the interview id is in
it as raw bytes, visible to whoever decodes it, but it is no personal data).

Keys come from ``HIRESTREAM_CANDIDATE_TOKEN_KEYS``: comma-separated ``<key id>:<base64 secret>``
entries, the key id a number 0–255, each secret at least 32 bytes. The first key signs; every
listed key verifies. To rotate, list a new key first and keep the old one listed until the
last token it signed has expired; a key no longer listed makes its tokens invalid at once.

Issuing is deterministic: the same interview, expiry and signing key always give the same
token, so a re-invite while the link is valid sends the same link.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from hirestream.topics.tenancy import canonical_uuid

VERSION: Final = 1
MIN_SECRET_BYTES: Final = 32
MAX_TOKEN_CHARS: Final = 128
_MAC_BYTES: Final = 16
_BODY_BYTES: Final = 1 + 1 + 4 + 16
_TOKEN_BYTES: Final = _BODY_BYTES + _MAC_BYTES
TOKEN_CHARS: Final = math.ceil(_TOKEN_BYTES * 8 / 6)  # 51
_MAX_EXPIRY: Final = 2**32 - 1
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_CHARS}}}")
_KEY_ID = re.compile(r"[0-9]{1,3}")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


@dataclass(frozen=True)
class TokenKeys:
    """The token keys of the fleet: ``(key id, secret)`` pairs, the first one signing.

    Its ``repr`` shows the key ids only, never a secret."""

    keys: tuple[tuple[int, bytes], ...] = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("no candidate token key")
        seen: set[int] = set()
        for key_id, secret in self.keys:
            if not 0 <= key_id <= 255:
                raise ValueError(f"key id {key_id} is not a number 0-255")
            if key_id in seen:
                raise ValueError(f"key id {key_id} is listed twice")
            if len(secret) < MIN_SECRET_BYTES:
                raise ValueError(
                    f"the secret of key id {key_id} has {len(secret)} bytes, "
                    f"at least {MIN_SECRET_BYTES} are needed"
                )
            seen.add(key_id)

    def __repr__(self) -> str:
        return f"TokenKeys(key_ids={self.key_ids!r})"

    @property
    def signing_key_id(self) -> int:
        return self.keys[0][0]

    @property
    def key_ids(self) -> tuple[int, ...]:
        return tuple(key_id for key_id, _ in self.keys)

    def secret(self, key_id: int) -> bytes | None:
        """The secret of ``key_id`` when it is listed."""
        for listed, secret in self.keys:
            if listed == key_id:
                return secret
        return None

    @classmethod
    def parse(cls, spec: str) -> TokenKeys:
        """Keys from ``<kid>:<base64 secret>,…`` (standard or URL-safe base64, padding optional).

        Raises ``ValueError`` naming the bad entry by position, never quoting a secret."""
        keys: list[tuple[int, bytes]] = []
        for position, entry in enumerate(spec.split(","), start=1):
            key_id_text, sep, secret_text = entry.strip().partition(":")
            if not sep or _KEY_ID.fullmatch(key_id_text) is None or int(key_id_text) > 255:
                raise ValueError(f"entry {position} must be <key id 0-255>:<base64 secret>")
            secret = _decode_secret(secret_text.strip())
            if secret is None:
                raise ValueError(f"the secret of entry {position} is not base64")
            keys.append((int(key_id_text), secret))
        return cls(tuple(keys))


@dataclass(frozen=True)
class Claims:
    """What a valid token says."""

    interview_id: str  # lower-case hyphenated UUID
    expires_at: datetime  # UTC, whole seconds
    key_id: int  # the key that signed it


def expiry_for(issued_at: datetime, days: float) -> datetime:
    """``issued_at`` plus ``days``, in UTC, truncated to whole seconds."""
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    if not math.isfinite(days) or days <= 0:
        raise ValueError("days must be a positive number")
    try:
        expires = issued_at + timedelta(days=days)
    except OverflowError as exc:
        raise ValueError("days is too large") from exc
    return expires.astimezone(UTC).replace(microsecond=0)


def issue(interview_id: str, expires_at: datetime, keys: TokenKeys) -> str:
    """The token of ``interview_id`` (a UUID) valid until ``expires_at`` (timezone-aware, whole
    seconds, as :func:`expiry_for` gives), signed with the first key."""
    canonical = canonical_uuid(interview_id)
    if canonical is None:
        raise ValueError("interview_id must be a UUID")
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    seconds = expires_at.timestamp()
    if not seconds.is_integer():
        raise ValueError("expires_at must be whole seconds (see expiry_for)")
    if not 0 <= seconds <= _MAX_EXPIRY:
        raise ValueError("expires_at is out of range (1970 to 2106)")
    key_id, secret = keys.keys[0]
    body = bytes((VERSION, key_id)) + int(seconds).to_bytes(4, "big") + uuid.UUID(canonical).bytes
    return _encode(body + _mac(secret, body))


def verify(token: str, keys: TokenKeys, now: datetime) -> Claims | None:
    """The claims of a valid token, else None: malformed, too long, tampered with, of an unknown
    version or key, or expired (valid while ``now`` is before its expiry). Never raises for any
    string; the MAC is compared in constant time."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(token, str) or _TOKEN.fullmatch(token) is None:
        return None
    raw = base64.urlsafe_b64decode(token + "=")
    if len(raw) != _TOKEN_BYTES or _encode(raw) != token:
        return None  # non-canonical: unused trailing bits set
    body, mac = raw[:_BODY_BYTES], raw[_BODY_BYTES:]
    version, key_id = body[0], body[1]
    secret = keys.secret(key_id)
    if version != VERSION or secret is None:
        return None
    if not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    expiry = int.from_bytes(body[2:6], "big")
    if now.timestamp() >= expiry:
        return None
    return Claims(
        interview_id=str(uuid.UUID(bytes=body[6:22])),
        expires_at=datetime.fromtimestamp(expiry, UTC),
        key_id=key_id,
    )


def _mac(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()[:_MAC_BYTES]


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_secret(text: str) -> bytes | None:
    if _BASE64.fullmatch(text) is None:
        return None
    unpadded = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


__all__ = [
    "MAX_TOKEN_CHARS",
    "TOKEN_CHARS",
    "Claims",
    "TokenKeys",
    "expiry_for",
    "issue",
    "verify",
]

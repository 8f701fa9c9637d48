"""Credentials: JWT verification and the API key format. Pure (no I/O).

API keys look like ``ak_live_<43 base64url chars: 256 random bits><6 hex chars: CRC-32 check>``
so that secret scanners can recognise them and typos are caught before any lookup; only the
SHA-256 of a key is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import zlib
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from hirestream.topics.tenancy import is_tenant_id
from hirestream.web.permissions import ROLE_PERMISSIONS, UnknownPermission, expand

KEY_PREFIX = "ak_live_"
_RANDOM_CHARS = 43  # 32 bytes in unpadded base64url
_CHECK_CHARS = 6


@dataclass(frozen=True)
class Principal:
    """Who is calling, for which tenant, with which permissions."""

    kind: Literal["user", "apiKey"]
    subject: str  # user id, or the API key id
    tenant_id: str
    permissions: frozenset[str]
    tenants: frozenset[str]  # every tenant this credential may act for

    @property
    def actor_id(self) -> str:
        return f"{self.kind}:{self.subject}"


class CredentialRejected(Exception):
    """401: no, malformed, expired or otherwise invalid credentials."""


class TenantForbidden(Exception):
    """403: valid credentials that may not act for the requested tenant."""


# --- API keys -------------------------------------------------------------------------------


def _check(body: str) -> str:
    return f"{zlib.crc32(body.encode()) & 0xFFFFFF:06x}"


def new_api_key() -> str:
    body = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"{KEY_PREFIX}{body}{_check(body)}"


def api_key_well_formed(key: str) -> bool:
    if not key.startswith(KEY_PREFIX) or len(key) != len(KEY_PREFIX) + _RANDOM_CHARS + 6:
        return False
    body, check = key[len(KEY_PREFIX) : -_CHECK_CHARS], key[-_CHECK_CHARS:]
    return hmac.compare_digest(_check(body), check)


def hash_api_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


# --- JWT ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JwtPolicy:
    key: str  # HS secret, or PEM public key
    algorithms: tuple[str, ...]
    issuer: str = ""
    audience: str = ""
    leeway_s: int = 30


ALLOWED_ALGORITHMS = frozenset({"HS256", "RS256", "ES256"})


def jwt_policy(
    secret: str, public_key: str, algorithms: tuple[str, ...], issuer: str, audience: str
) -> JwtPolicy | None:
    """One algorithm family per deployment: a public key (RS256/ES256) wins over a secret."""
    unknown = set(algorithms) - ALLOWED_ALGORITHMS
    if unknown:
        raise ValueError(f"unsupported JWT algorithms: {sorted(unknown)}")
    if public_key:
        algs = tuple(a for a in algorithms if not a.startswith("HS")) or ("RS256", "ES256")
        return JwtPolicy(public_key, algs, issuer, audience)
    if secret:
        if len(secret.encode()) < 32:
            raise ValueError("HIRESTREAM_JWT_SECRET must be at least 32 bytes")
        return JwtPolicy(secret, ("HS256",), issuer, audience)
    return None


def principal_from_jwt(token: str, policy: JwtPolicy) -> Principal:
    """The caller a verified token names (``verified_jwt``)."""
    return verified_jwt(token, policy)[0]


def verified_jwt(token: str, policy: JwtPolicy) -> tuple[Principal, float]:
    """The caller a verified token names. Every claim used must have the right type: ``sub``
    1–255 printable characters, ``tenantId`` a well-formed tenant id
    (``hirestream.topics.tenancy.is_tenant_id``), ``permissions`` (unless absent or null) a list of
    known permission codes, ``role`` (unless absent or null) a string, naming a known role
    when there is no ``permissions``. Anything else is ``CredentialRejected`` (401), never an
    exception of another kind. With the principal: until when the token is accepted (its
    ``exp`` plus the policy's leeway, seconds since the epoch)."""
    try:
        claims = jwt.decode(
            token,
            policy.key,
            algorithms=list(policy.algorithms),
            issuer=policy.issuer or None,
            audience=policy.audience or None,
            leeway=policy.leeway_s,
            options={"require": ["exp", "sub"], "verify_aud": bool(policy.audience)},
        )
    except jwt.PyJWTError as exc:
        raise CredentialRejected(str(exc)) from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255 or not subject.isprintable():
        raise CredentialRejected("token sub must be 1 to 255 printable characters")
    tenant = claims.get("tenantId")
    if not isinstance(tenant, str) or not is_tenant_id(tenant):
        raise CredentialRejected("token has no well-formed tenantId")
    permissions = _claimed_permissions(claims)
    until = float(claims["exp"]) + policy.leeway_s
    return Principal("user", subject, tenant, permissions, frozenset({tenant})), until


class VerifiedTokens:
    """Tokens verified lately, so that a client sending one token with every request pays for
    its signature and claims once. An entry answers only while its token is still accepted
    (``exp`` plus leeway, the same bound ``jwt.decode`` applies) and for at most ``ttl_s``; a
    token that was refused is not kept (it is checked again, and refused again). At most
    ``max_entries`` are kept, the oldest dropped first. The lookup is by the whole token: a
    principal comes back only for the very token that was verified."""

    def __init__(self, policy: JwtPolicy, *, ttl_s: float = 300.0, max_entries: int = 10_000):
        self._policy = policy
        self._ttl_s = ttl_s
        self._max = max_entries
        self._entries: dict[str, tuple[Principal, float]] = {}

    def principal(self, token: str, now: float) -> Principal:
        """The principal of ``token`` at ``now`` (seconds since the epoch);
        ``CredentialRejected`` for a token that is not accepted."""
        kept = self._entries.get(token)
        if kept is not None:
            if now < kept[1]:
                return kept[0]
            del self._entries[token]
        found, until = verified_jwt(token, self._policy)
        if len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = (found, min(until, now + self._ttl_s))
        return found


def _claimed_permissions(claims: dict[str, Any]) -> frozenset[str]:
    """The permissions of ``permissions`` (a list of codes) or else of ``role``; a claim that
    is present (not null) must have the right type even when the other one decides."""
    role = claims.get("role")
    if role is not None and not isinstance(role, str):
        raise CredentialRejected("token role must be a string")
    listed = claims.get("permissions")
    if listed is not None:
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            raise CredentialRejected("token permissions must be a list of permission codes")
        try:
            return expand(listed)
        except UnknownPermission as exc:
            raise CredentialRejected(str(exc)) from exc
    if role in ROLE_PERMISSIONS:
        return ROLE_PERMISSIONS[role]
    raise CredentialRejected("token has neither permissions nor a known role")


def issue_jwt(
    secret: str,
    *,
    subject: str,
    tenant_id: str,
    role: str | None = None,
    permissions: list[str] | None = None,
    ttl_s: int = 24 * 3600,
    issuer: str = "",
    audience: str = "",
) -> str:
    """A development HS256 token (the CLI's ``token`` command)."""
    import time

    now = int(time.time())
    claims: dict[str, Any] = {"sub": subject, "tenantId": tenant_id, "iat": now, "exp": now + ttl_s}
    if role:
        claims["role"] = role
    if permissions is not None:
        claims["permissions"] = permissions
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")

"""The cache of verified tokens (web/credentials.VerifiedTokens): a token's signature and
claims are checked once, and its principal served only while the token is accepted."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from hirestream.web import credentials
from hirestream.web.credentials import CredentialRejected, JwtPolicy, VerifiedTokens

SECRET = "a-secret-that-is-at-least-32-bytes-long"
POLICY = JwtPolicy(SECRET, ("HS256",), leeway_s=30)


def token(tenant: str = "acme", exp_in: float = 600, **extra: Any) -> str:
    claims = {"sub": "u1", "tenantId": tenant, "role": "ADMIN", "exp": int(time.time() + exp_in)}
    return jwt.encode({**claims, **extra}, SECRET, algorithm="HS256")


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every real verification the cache asks for (the verification itself is not replaced)."""
    made: list[str] = []
    real = credentials.verified_jwt

    def counted(raw: str, policy: JwtPolicy) -> Any:
        made.append(raw)
        return real(raw, policy)

    monkeypatch.setattr(credentials, "verified_jwt", counted)
    return made


def test_a_token_is_verified_once(checks: list[str]) -> None:
    tokens = VerifiedTokens(POLICY)
    raw, now = token(), time.time()
    first = tokens.principal(raw, now)
    again = tokens.principal(raw, now + 1)
    assert first == again and first.tenant_id == "acme"
    assert checks == [raw]


def test_a_token_is_checked_again_once_past_its_expiry(checks: list[str]) -> None:
    tokens = VerifiedTokens(POLICY)
    raw, now = token(exp_in=60), time.time()
    tokens.principal(raw, now)
    exp = jwt.decode(raw, options={"verify_signature": False})["exp"]
    tokens.principal(raw, exp + POLICY.leeway_s - 1)  # still accepted: from the cache
    assert len(checks) == 1
    tokens.principal(raw, exp + POLICY.leeway_s + 1)  # past it: verified again (by the
    assert len(checks) == 2  # real clock, where it is still valid)


def test_an_entry_lives_at_most_its_ttl(checks: list[str]) -> None:
    tokens = VerifiedTokens(POLICY, ttl_s=10)
    raw, now = token(), time.time()
    tokens.principal(raw, now)
    tokens.principal(raw, now + 9)
    tokens.principal(raw, now + 11)
    assert len(checks) == 2


def test_an_expired_token_is_refused_even_after_it_was_served() -> None:
    tokens = VerifiedTokens(JwtPolicy(SECRET, ("HS256",), leeway_s=0))
    raw = token(exp_in=1)
    assert tokens.principal(raw, time.time()).tenant_id == "acme"
    time.sleep(2.1)
    with pytest.raises(CredentialRejected):
        tokens.principal(raw, time.time())


@pytest.mark.parametrize(
    "raw",
    [
        token(exp_in=-120),  # expired
        token(tenant="bad:tenant"),
        jwt.encode(
            {"sub": "u1", "tenantId": "acme", "exp": 2**40}, "another-secret-of-32-bytes-or-more"
        ),
        "not-a-token",
    ],
)
def test_a_refused_token_is_refused_every_time_and_not_kept(checks: list[str], raw: str) -> None:
    tokens = VerifiedTokens(POLICY)
    for _ in range(2):
        with pytest.raises(CredentialRejected):
            tokens.principal(raw, time.time())
    assert len(checks) == 2


def test_the_oldest_entry_goes_first_when_full(checks: list[str]) -> None:
    tokens = VerifiedTokens(POLICY, max_entries=2)
    a, b, c = token("a"), token("b"), token("c")
    now = time.time()
    for raw in (a, b, c):
        tokens.principal(raw, now)
    tokens.principal(c, now)
    tokens.principal(b, now)
    assert len(checks) == 3  # b and c kept
    tokens.principal(a, now)
    assert len(checks) == 4  # a was dropped


def test_a_principal_is_served_only_for_the_very_token(checks: list[str]) -> None:
    tokens = VerifiedTokens(POLICY)
    raw = token()
    tokens.principal(raw, time.time())
    tampered = raw[:-2] + ("A" if raw[-2] != "A" else "B") + raw[-1]
    with pytest.raises(CredentialRejected):
        tokens.principal(tampered, time.time())

"""JWT verification and the API key format, without a server."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hirestream.web.credentials import (
    CredentialRejected,
    api_key_well_formed,
    hash_api_key,
    issue_jwt,
    jwt_policy,
    new_api_key,
    principal_from_jwt,
)
from hirestream.web.permissions import ROLE_PERMISSIONS, UnknownPermission, expand

SECRET = "a-secret-that-is-at-least-32-bytes-long"


def claims(**extra: object) -> dict[str, object]:
    return {"sub": "u1", "tenantId": "acme", "exp": int(time.time()) + 60, **extra}


def test_hs256_token_with_a_role() -> None:
    policy = jwt_policy(SECRET, "", ("HS256",), "", "")
    assert policy is not None
    who = principal_from_jwt(
        issue_jwt(SECRET, subject="u1", tenant_id="acme", role="VIEWER"), policy
    )
    assert who.tenant_id == "acme" and who.permissions == ROLE_PERMISSIONS["VIEWER"]
    assert who.actor_id == "user:u1"


def test_short_secrets_unknown_algorithms_and_alg_none_are_refused() -> None:
    with pytest.raises(ValueError):
        jwt_policy("short", "", ("HS256",), "", "")
    with pytest.raises(ValueError):
        jwt_policy(SECRET, "", ("HS512",), "", "")
    policy = jwt_policy(SECRET, "", ("HS256",), "", "")
    assert policy is not None
    unsigned = jwt.encode(claims(role="ADMIN"), key="", algorithm="none")
    with pytest.raises(CredentialRejected):
        principal_from_jwt(unsigned, policy)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_public_key_families(algorithm: str) -> None:
    private = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    policy = jwt_policy(SECRET, public_pem, ("RS256", "ES256", "HS256"), "idp", "hirestream")
    assert policy is not None and "HS256" not in policy.algorithms  # never both families
    token = jwt.encode(
        claims(permissions=["interview:*"], iss="idp", aud="hirestream"),
        private,
        algorithm=algorithm,
    )
    who = principal_from_jwt(token, policy)
    assert "interview:create" in who.permissions and "api-key:create" not in who.permissions
    with pytest.raises(CredentialRejected):  # an HS256 token signed with the public key text
        principal_from_jwt(
            jwt.encode(
                claims(role="ADMIN", iss="idp", aud="hirestream"), SECRET, algorithm="HS256"
            ),
            policy,
        )
    with pytest.raises(CredentialRejected):  # wrong audience
        principal_from_jwt(
            jwt.encode(claims(role="ADMIN", iss="idp", aud="other"), private, algorithm=algorithm),
            policy,
        )


def test_claims_are_checked() -> None:
    policy = jwt_policy(SECRET, "", ("HS256",), "", "")
    assert policy is not None
    for bad in (
        claims(),
        {"sub": "u", "exp": int(time.time()) + 60, "role": "ADMIN"},
        claims(role="GOD"),
        claims(permissions=["interview:fly"]),
        {"sub": "u", "tenantId": "acme", "role": "ADMIN"},
    ):
        with pytest.raises(CredentialRejected):
            principal_from_jwt(jwt.encode(bad, SECRET, algorithm="HS256"), policy)
    within_leeway = claims(role="ADMIN", exp=int(time.time()) - 10)
    assert principal_from_jwt(jwt.encode(within_leeway, SECRET, algorithm="HS256"), policy)


def test_api_keys_carry_a_checksum_and_are_stored_hashed() -> None:
    key = new_api_key()
    assert key.startswith("ak_live_") and api_key_well_formed(key)
    assert len(key) - len("ak_live_") >= 43  # 256 random bits
    typo = key[:-7] + ("A" if key[-7] != "A" else "B") + key[-6:]
    assert not api_key_well_formed(typo)
    assert len(hash_api_key(key)) == 32 and hash_api_key(key) != key.encode()
    assert new_api_key() != key


def test_permission_wildcards() -> None:
    assert expand(["interview:*"]) == {
        p for p in ROLE_PERMISSIONS["ADMIN"] if p.startswith("interview:")
    }
    assert expand(["*"]) == ROLE_PERMISSIONS["ADMIN"]
    with pytest.raises(UnknownPermission):
        expand(["interview:fly"])


WRONG_CLAIMS = {
    "role is a list": claims(role=["ADMIN"]),
    "role is an object": claims(role={"name": "ADMIN"}),
    "role is a number": claims(role=1),
    "permissions is a string": claims(permissions="interview:*"),
    "permissions holds a number": claims(permissions=["interview:read", 1]),
    "permissions holds a list": claims(permissions=[["interview:read"]]),
    "permissions is an object": claims(permissions={"interview:read": True}),
    "sub is a number": claims(sub=42, role="ADMIN"),
    "sub is a list": claims(sub=["u1"], role="ADMIN"),
    "sub is empty": claims(sub="", role="ADMIN"),
    "sub holds NUL": claims(sub="u\x001", role="ADMIN"),
    "sub is too long": claims(sub="u" * 256, role="ADMIN"),
    "tenantId is a number": claims(tenantId=7, role="ADMIN"),
    "tenantId is a list": claims(tenantId=["acme"], role="ADMIN"),
    "tenantId is null": claims(tenantId=None, role="ADMIN"),
    "tenantId is empty": claims(tenantId="", role="ADMIN"),
    "tenantId holds NUL": claims(tenantId="acme\x00", role="ADMIN"),
    "tenantId holds a colon": claims(tenantId="acme:other", role="ADMIN"),
    "tenantId holds a slash": claims(tenantId="acme/other", role="ADMIN"),
    "tenantId holds a space": claims(tenantId="acme corp", role="ADMIN"),
    "tenantId ends with a newline": claims(tenantId="acme\n", role="ADMIN"),
    "tenantId is not ASCII": claims(tenantId="acmé", role="ADMIN"),
    "tenantId is too long": claims(tenantId="t" * 129, role="ADMIN"),
}


@pytest.mark.parametrize("case", list(WRONG_CLAIMS))
def test_claims_of_the_wrong_type_are_rejected(case: str) -> None:
    policy = jwt_policy(SECRET, "", ("HS256",), "", "")
    assert policy is not None
    token = jwt.encode(WRONG_CLAIMS[case], SECRET, algorithm="HS256")
    with pytest.raises(CredentialRejected):
        principal_from_jwt(token, policy)


def test_well_formed_claims_at_the_limits_are_accepted() -> None:
    policy = jwt_policy(SECRET, "", ("HS256",), "", "")
    assert policy is not None
    for good in (
        claims(tenantId="t" * 128, sub="u" * 255, role="VIEWER"),
        claims(tenantId="A-z_0.9", permissions=["interview:read"], role=None),
        claims(permissions=["interview:read"], role="NOT-A-ROLE"),  # permissions decide
        claims(permissions=None, role="RECRUITER"),
    ):
        who = principal_from_jwt(jwt.encode(good, SECRET, algorithm="HS256"), policy)
        assert who.tenant_id == good["tenantId"] and who.subject == good["sub"]
        assert who.permissions

"""Sealing of a candidate's personal fields with the interview's own data key.

Personal fields (``PERSONAL_FIELDS``) never travel or rest in plain text on Kafka: commands,
table changelogs and events carry them sealed with AES-256-GCM under a random data key that
exists once per interview, in the configuration store (PostgreSQL). Destroying that key — the
candidate-data purge — makes every copy on every topic unreadable at once (crypto-shredding).

The associated data binds a sealed value to its tenant, interview and field, so a ciphertext
cannot be replayed into another record. Pure functions; key storage lives in
``hirestream.store.datakeys``.
"""

from __future__ import annotations

import base64
import contextlib
import os
from typing import Any, Final

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hirestream.topics.vocabulary import PERSONAL_FIELDS

_NONCE_BYTES: Final = 12


class SealBroken(ValueError):
    """A sealed value that does not open with the given key (tampered or wrong key)."""


def answer_field(question_index: int) -> str:
    """The sealed field of the candidate's answer to one question: bound to that question,
    so an answer cannot be moved to another turn."""
    return f"answer:{question_index}"


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _aad(tenant_id: str, interview_id: str, field: str) -> bytes:
    return orjson.dumps([tenant_id, interview_id, field])


def seal(key: bytes, tenant_id: str, interview_id: str, field: str, value: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, value.encode(), _aad(tenant_id, interview_id, field))
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(key: bytes, tenant_id: str, interview_id: str, field: str, token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token.encode())
        plain = AESGCM(key).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(tenant_id, interview_id, field)
        )
        return plain.decode()
    except (InvalidTag, ValueError) as exc:
        raise SealBroken(f"{field} of interview {interview_id} does not open") from exc


def seal_fields(
    key: bytes, tenant_id: str, interview_id: str, personal: dict[str, Any]
) -> dict[str, str]:
    """Seal each present personal field; ``None`` values are kept out (nothing to hide)."""
    return {
        field: seal(key, tenant_id, interview_id, field, str(value))
        for field, value in personal.items()
        if field in PERSONAL_FIELDS and value is not None
    }


def unseal_fields(
    key: bytes | None, tenant_id: str, interview_id: str, sealed: dict[str, str]
) -> dict[str, str | None]:
    """Open every sealed field; with no key (destroyed), every personal field is None, and a
    value that does not open under the key (tampered, or sealed under another key) is None."""
    opened: dict[str, str | None] = dict.fromkeys(PERSONAL_FIELDS)
    if key is None:
        return opened
    for field, token in sealed.items():
        if field in opened:
            with contextlib.suppress(SealBroken):
                opened[field] = unseal(key, tenant_id, interview_id, field, token)
    return opened

"""Idempotency-Key answers of writes that are not Kafka commands, in PostgreSQL.

Writes through Kafka keep their answers in the command log; a write made directly in the
configuration store (API keys, tenant settings) opts in through ``hirestream.web.idempotency``,
which runs it as: ``claim`` the key, run the handler, then ``complete`` with its answer (or
``release`` the key when it failed). The same key with the same request within
``retention_s`` (24 h) gets the first answer back; with another request, ``reused``.

Neither the key nor the tenant is stored. A ``Scope`` (one Idempotency-Key of one tenant on one
method and path) is found by ``lookup`` — the SHA-256 of the JSON array ``["lookup", tenant,
method, path, key]`` — and its answer is sealed with AES-256-GCM under ``seal_key`` — HKDF-SHA256
of ``[label, tenant, key]`` — so the database alone cannot reveal an answer (the plaintext of a
new API key is one). Expired rows are deleted opportunistically, at most once a minute per
process, by ``claim``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass
from typing import Final, Literal

import asyncpg
import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES: Final = 12
_HKDF_INFO: Final = b"hirestream idempotency answer v1"
_SWEEP_BATCH: Final = 1000


@dataclass(frozen=True)
class Answer:
    """A response kept for replay: status, content type (None without a body) and body."""

    status: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class Scope:
    """One Idempotency-Key of one tenant on one method and path; ``label`` names what its
    answers are (e.g. ``api-key-replay``) and goes into the sealing key."""

    label: str
    tenant_id: str
    method: str
    path: str
    key: str

    @property
    def lookup(self) -> bytes:
        """The row's id: the SHA-256 of ``["lookup", tenant, method, path, key]``."""
        parts = ["lookup", self.tenant_id, self.method, self.path, self.key]
        return hashlib.sha256(orjson.dumps(parts)).digest()

    def seal_key(self) -> bytes:
        """The AES-256 key of this scope's answer: HKDF-SHA256 of ``[label, tenant, key]``."""
        material = orjson.dumps([self.label, self.tenant_id, self.key])
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(material)


def seal(scope: Scope, answer: Answer) -> bytes:
    """``answer`` encrypted for ``scope``: a random nonce, then the AES-GCM ciphertext (bound to
    the scope's lookup, so a sealed answer cannot be moved to another row)."""
    plain = orjson.dumps(
        {
            "status": answer.status,
            "contentType": answer.content_type,
            "body": base64.b64encode(answer.body).decode(),
        }
    )
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(scope.seal_key()).encrypt(nonce, plain, scope.lookup)


def unseal(scope: Scope, sealed: bytes) -> Answer:
    """The answer ``seal`` encrypted (``cryptography.exceptions.InvalidTag`` if tampered)."""
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    plain = orjson.loads(AESGCM(scope.seal_key()).decrypt(nonce, ciphertext, scope.lookup))
    return Answer(plain["status"], plain["contentType"], base64.b64decode(plain["body"]))


def fingerprint(*parts: str | bytes) -> bytes:
    """The SHA-256 identifying a request (caller, method, path, body): a retry must match."""
    encoded = [p.hex() if isinstance(p, bytes) else p for p in parts]
    return hashlib.sha256(orjson.dumps(["request", *encoded])).digest()


@dataclass(frozen=True)
class Claim:
    """What ``IdempotencyStore.claim`` found for a key: ``owned`` (this request runs, then
    completes or releases the key), ``answered`` (``answer`` is the first response),
    ``running`` (the first request has not answered yet) or ``reused`` (the key belongs to a
    different request)."""

    state: Literal["owned", "answered", "running", "reused"]
    answer: Answer | None = None


_CLAIM = """
INSERT INTO idempotency_entries AS e (lookup, fingerprint, lease_until, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3::float8),
        now() + make_interval(secs => $4::float8))
ON CONFLICT (lookup) DO UPDATE
   SET fingerprint = EXCLUDED.fingerprint, sealed = NULL, lease_until = EXCLUDED.lease_until,
       expires_at = EXCLUDED.expires_at, created_at = now()
 WHERE e.expires_at <= now() OR (e.sealed IS NULL AND e.lease_until <= now())
RETURNING true
"""

_SWEEP = """
DELETE FROM idempotency_entries WHERE lookup IN (
    SELECT lookup FROM idempotency_entries WHERE expires_at <= now() LIMIT $1)
"""


class IdempotencyStore:
    """Idempotency-Key entries: claimed by the first request, completed with its answer.

    A claim that has not completed within ``lease_s`` (its worker died) may be taken over by a
    retry; an entry is kept for ``retention_s``."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        retention_s: float = 24 * 3600.0,
        lease_s: float = 60.0,
        sweep_every_s: float = 60.0,
    ) -> None:
        self._pool = pool
        self._retention_s = retention_s
        self._lease_s = lease_s
        self._sweep_every_s = sweep_every_s
        self._next_sweep = 0.0

    async def claim(self, scope: Scope, request_fingerprint: bytes) -> Claim:
        """Claim ``scope`` for a request, or say what holds it."""
        await self._sweep_when_due()
        owned = await self._pool.fetchval(
            _CLAIM, scope.lookup, request_fingerprint, self._lease_s, self._retention_s
        )
        if owned:
            return Claim("owned")
        row = await self._pool.fetchrow(
            "SELECT fingerprint, sealed FROM idempotency_entries WHERE lookup = $1",
            scope.lookup,
        )
        if row is None:  # released in the meantime: the next claim will own it
            return Claim("running")
        if bytes(row["fingerprint"]) != request_fingerprint:
            return Claim("reused")
        if row["sealed"] is None:
            return Claim("running")
        return Claim("answered", unseal(scope, bytes(row["sealed"])))

    async def complete(self, scope: Scope, answer: Answer) -> None:
        """Keep the answer of the request that owns ``scope``."""
        await self._pool.execute(
            "UPDATE idempotency_entries SET sealed = $2 WHERE lookup = $1 AND sealed IS NULL",
            scope.lookup,
            seal(scope, answer),
        )

    async def release(self, scope: Scope) -> None:
        """Give ``scope`` up without an answer (the request failed): a retry runs afresh."""
        await self._pool.execute(
            "DELETE FROM idempotency_entries WHERE lookup = $1 AND sealed IS NULL", scope.lookup
        )

    async def sweep(self) -> int:
        """Delete up to a batch of expired entries; return how many."""
        result: str = await self._pool.execute(_SWEEP, _SWEEP_BATCH)
        return int(result.rsplit(" ", 1)[-1])

    async def _sweep_when_due(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self._sweep_every_s
            await self.sweep()

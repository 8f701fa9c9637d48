-- Answers of writes that are not Kafka commands (API keys, tenant settings), kept so that a
-- retry with the same Idempotency-Key gets the first answer (hirestream.store.idempotency).
-- Nothing here names the tenant or the key in clear: a row is found by a hash of both, and
-- the answer is sealed (AES-256-GCM) under a key derived from both, so the database alone
-- can neither find a caller's entry nor read it (an API key's plaintext is in such an answer).
CREATE TABLE idempotency_entries (
    lookup       bytea PRIMARY KEY,            -- sha256 of ["lookup", tenant, method, path, key]
    fingerprint  bytea NOT NULL,               -- sha256 of the request (caller, method, path, body)
    sealed       bytea,                        -- nonce + ciphertext of the answer; NULL while the
                                               -- first request is still running
    lease_until  timestamptz NOT NULL,         -- a running first request is presumed dead after
    expires_at   timestamptz NOT NULL,         -- deleted (opportunistically) after this
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_entries_expires ON idempotency_entries (expires_at);

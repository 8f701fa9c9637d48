"""API keys in PostgreSQL: only the SHA-256 of a key is stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    name: str
    key_prefix: str
    permissions: list[str]
    tenants: list[str]
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            if value is None:
                return None
            return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")

        return {
            "id": self.id,
            "name": self.name,
            "keyPrefix": self.key_prefix,
            "permissions": self.permissions,
            "tenants": self.tenants,
            "createdBy": self.created_by,
            "createdAt": iso(self.created_at),
            "expiresAt": iso(self.expires_at),
            "revokedAt": iso(self.revoked_at),
        }


def _record(row: asyncpg.Record) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=str(row["id"]),
        name=row["name"],
        key_prefix=row["key_prefix"],
        permissions=list(row["permissions"]),
        tenants=list(row["tenants"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


_COLUMNS = (
    "id, name, key_prefix, permissions, tenants, created_by, created_at, expires_at, revoked_at"
)


async def create_key(
    pool: asyncpg.Pool,
    *,
    name: str,
    key_hash: bytes,
    key_prefix: str,
    permissions: list[str],
    tenants: list[str],
    created_by: str,
    expires_at: datetime | None,
) -> ApiKeyRecord:
    async with pool.acquire() as conn, conn.transaction():
        for tenant in tenants:
            await conn.execute(
                "INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", tenant
            )
        row = await conn.fetchrow(
            f"INSERT INTO api_keys (id, name, key_hash, key_prefix, permissions, tenants,"
            f" created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            f" RETURNING {_COLUMNS}",
            uuid.uuid4(),
            name,
            key_hash,
            key_prefix,
            permissions,
            tenants,
            created_by,
            expires_at,
        )
    return _record(row)


async def find_by_hash(pool: asyncpg.Pool, key_hash: bytes) -> ApiKeyRecord | None:
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM api_keys WHERE key_hash = $1", key_hash)
    return None if row is None else _record(row)


async def list_for_tenant(pool: asyncpg.Pool, tenant_id: str) -> list[ApiKeyRecord]:
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM api_keys WHERE $1 = ANY(tenants) ORDER BY created_at",
        tenant_id,
    )
    return [_record(r) for r in rows]


async def revoke(pool: asyncpg.Pool, tenant_id: str, key_id: str) -> bool:
    """Revoke a key that acts for ``tenant_id``; False when there is no such key."""
    try:
        parsed = uuid.UUID(key_id)
    except ValueError:
        return False
    result: str = await pool.execute(
        "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())"
        " WHERE id = $1 AND $2 = ANY(tenants)",
        parsed,
        tenant_id,
    )
    return result.endswith(" 1")

"""The audit log: immutable entries of what was done to whose data, by whom."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson


async def write(
    pool: asyncpg.Pool,
    *,
    tenant_id: str,
    actor: str,
    action: str,
    target: str | None,
    details: dict[str, Any],
) -> None:
    await pool.execute(
        "INSERT INTO audit_log (tenant_id, actor, action, target, details)"
        " VALUES ($1, $2, $3, $4, $5::jsonb)",
        tenant_id,
        actor,
        action,
        target,
        orjson.dumps(details).decode(),
    )

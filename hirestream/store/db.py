"""Connection pool and versioned SQL migrations, applied at start under an advisory lock so
that several workers starting together apply each migration once."""

from __future__ import annotations

import logging
from importlib import resources

import asyncpg

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 7_341_001  # advisory lock id for migrations


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration shipped, in version order."""
    folder = resources.files("hirestream.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text()))
    return sorted(found)


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Apply the migrations not applied yet; return their names."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version int PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, name, sql in migration_files():
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        version,
                        name,
                    )
                log.info("event=migration.applied name=%s", name)
                applied_now.append(name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now


async def _keep_session(connection: asyncpg.Connection) -> None:
    """What a connection needs before it goes back to the pool: nothing more than asyncpg
    does anyway (roll back a transaction left open, drop listeners). Our connections keep no
    session state (no SET, no LISTEN; advisory locks are released where taken), so asyncpg's
    default reset - one more round trip to PostgreSQL on every release - buys nothing."""


async def open_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """The one way a pool is opened (the web layer's, the agents', the webhook services')."""
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, reset=_keep_session)
    assert pool is not None
    return pool

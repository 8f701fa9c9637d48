"""Webhook endpoints, signing secrets and the delivery outbox in PostgreSQL (docs/api.md §7;
tables in ``migrations/004_webhooks.sql``).

Three users: the API (endpoints, secrets, the delivery log, replays and test deliveries), the
recorder (``record``: deliveries and the interviews' read events, in one transaction) and the
scheduler of every worker (``claim`` due deliveries with ``FOR UPDATE SKIP LOCKED``, so
several workers share the outbox without taking the same row, then ``finish`` each attempt).

Every write that makes a delivery due announces it with ``NOTIFY hirestream_webhooks``
(payload: the fleet, ``*`` for every fleet), so the scheduler of every worker wakes at once
(``listen``) instead of at its next poll.

A claimed delivery is *leased*: its attempt is counted and ``next_attempt_at`` moves to the end
of the lease, so a worker that dies mid-attempt leaves it to be tried again once the lease is
over. ``finish`` is fenced on the attempt count: an attempt overtaken by a replay or a newer
lease does not overwrite what came after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

import asyncpg

from hirestream.topics.clock import iso_millis

#: Endpoints per tenant at most (each event fans out to every one).
MAX_ENDPOINTS: Final = 20
#: Deliveries live (pending or failed) or in flight block the later ones of their interview.
LIVE: Final = ("pending", "failed")
#: The channel on which deliveries that became due are announced (payload: the fleet, or *).
CHANNEL: Final = "hirestream_webhooks"
EVERY_FLEET: Final = "*"


class TooManyEndpoints(Exception):
    """The tenant has ``MAX_ENDPOINTS`` endpoints already."""


class EndpointGone(Exception):
    """The delivery's endpoint was deleted: there is no secret to sign a replay with."""


def _iso(value: datetime | None) -> str | None:
    return None if value is None else iso_millis(value)


# --- endpoints and secrets ------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    id: str
    url: str
    events: list[str] | None
    description: str | None
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "events": self.events,
            "description": self.description,
            "createdAt": _iso(self.created_at),
            "disabledAt": _iso(self.disabled_at),
            "disabledReason": self.disabled_reason,
        }


_ENDPOINT = "id, url, events, description, created_at, disabled_at, disabled_reason"


def _endpoint(row: asyncpg.Record) -> Endpoint:
    events = row["events"]
    return Endpoint(
        id=str(row["id"]),
        url=row["url"],
        events=None if events is None else list(events),
        description=row["description"],
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
        disabled_reason=row["disabled_reason"],
    )


async def create_endpoint(
    pool: asyncpg.Pool,
    *,
    tenant_id: str,
    url: str,
    events: list[str] | None,
    description: str | None,
    secret: str,
) -> Endpoint:
    """A new endpoint with its first secret; ``TooManyEndpoints`` past ``MAX_ENDPOINTS``."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", tenant_id)
        # One creation at a time per tenant, so the count below cannot be raced past.
        await conn.execute("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", tenant_id)
        count = await conn.fetchval(
            "SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1", tenant_id
        )
        if count >= MAX_ENDPOINTS:
            raise TooManyEndpoints
        row = await conn.fetchrow(
            f"INSERT INTO webhook_endpoints (id, tenant_id, url, events, description)"
            f" VALUES ($1, $2, $3, $4, $5) RETURNING {_ENDPOINT}",
            uuid.uuid4(),
            tenant_id,
            url,
            events,
            description,
        )
        await conn.execute(
            "INSERT INTO webhook_endpoint_secrets (endpoint_id, secret) VALUES ($1, $2)",
            row["id"],
            secret,
        )
    return _endpoint(row)


async def list_endpoints(pool: asyncpg.Pool, tenant_id: str) -> list[Endpoint]:
    rows = await pool.fetch(
        f"SELECT {_ENDPOINT} FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id",
        tenant_id,
    )
    return [_endpoint(r) for r in rows]


async def get_endpoint(pool: asyncpg.Pool, tenant_id: str, endpoint_id: str) -> Endpoint | None:
    row = await pool.fetchrow(
        f"SELECT {_ENDPOINT} FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2",
        uuid.UUID(endpoint_id),
        tenant_id,
    )
    return None if row is None else _endpoint(row)


async def delete_endpoint(pool: asyncpg.Pool, tenant_id: str, endpoint_id: str) -> bool:
    """Delete an endpoint and its secrets; its live deliveries become ``dead``."""
    async with pool.acquire() as conn, conn.transaction():
        deleted = await conn.fetchval(
            "DELETE FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2 RETURNING id",
            uuid.UUID(endpoint_id),
            tenant_id,
        )
        if deleted is None:
            return False
        await conn.execute(
            "UPDATE webhook_deliveries SET status = 'dead', next_attempt_at = NULL,"
            " last_error = 'endpoint deleted'"
            " WHERE endpoint_id = $1 AND status IN ('pending', 'failed')",
            deleted,
        )
    return True


async def add_endpoint_secret(
    pool: asyncpg.Pool, tenant_id: str, endpoint_id: str, secret: str
) -> bool:
    """Rotate: ``secret`` signs from now on (the previous one beside it for 24 h)."""
    result: str = await pool.execute(
        "INSERT INTO webhook_endpoint_secrets (endpoint_id, secret)"
        " SELECT id, $3 FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2",
        uuid.UUID(endpoint_id),
        tenant_id,
        secret,
    )
    return result.endswith(" 1")


async def add_callback_secret(pool: asyncpg.Pool, tenant_id: str, secret: str) -> None:
    """The tenant's (first or next) secret for ``callbackUrl`` deliveries."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", tenant_id)
        await conn.execute(
            "INSERT INTO webhook_callback_secrets (tenant_id, secret) VALUES ($1, $2)",
            tenant_id,
            secret,
        )
        await conn.execute(  # the callback deliveries that waited for it are due now
            "UPDATE webhook_deliveries SET next_attempt_at = now(), last_error = NULL"
            " WHERE tenant_id = $1 AND endpoint_id IS NULL AND status = 'pending'"
            " AND next_attempt_at IS NULL",
            tenant_id,
        )
        await _notify(conn, EVERY_FLEET)


async def signing_secrets(
    pool: asyncpg.Pool, tenant_id: str, endpoint_id: str | None
) -> list[tuple[str, datetime]]:
    """The two newest secrets of an endpoint (or of the tenant's callbacks), oldest first, with
    their creation times: what ``signing.active_secrets`` chooses from."""
    if endpoint_id is None:
        rows = await pool.fetch(
            "SELECT secret, created_at FROM webhook_callback_secrets WHERE tenant_id = $1"
            " ORDER BY created_at DESC, id DESC LIMIT 2",
            tenant_id,
        )
    else:
        rows = await pool.fetch(
            "SELECT s.secret, s.created_at FROM webhook_endpoint_secrets s"
            " JOIN webhook_endpoints e ON e.id = s.endpoint_id"
            " WHERE s.endpoint_id = $1 AND e.tenant_id = $2"
            " ORDER BY s.created_at DESC, s.id DESC LIMIT 2",
            uuid.UUID(endpoint_id),
            tenant_id,
        )
    return [(r["secret"], r["created_at"]) for r in reversed(rows)]


# --- the outbox: recording ------------------------------------------------------------------


class OutboxRow(Protocol):
    """A delivery to record (``agents.webhooks.payload.Planned``): ids derived by the caller."""

    @property
    def id(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def webhook_id(self) -> str: ...
    @property
    def endpoint_id(self) -> str | None: ...
    @property
    def target(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def interview_id(self) -> str | None: ...
    @property
    def sequence(self) -> int | None: ...
    @property
    def body(self) -> bytes: ...
    @property
    def waiting_for_secret(self) -> bool: ...


#: The log's ``lastError`` of a callback delivery recorded before the tenant had a secret.
WAITING_NOTE: Final = "waiting for the tenant's callback secret (POST /tenant/callback-secret)"


@dataclass(frozen=True)
class Route:
    """An enabled endpoint, as the recorder fans an event out to it."""

    endpoint_id: str
    url: str
    events: list[str] | None
    created_at: datetime | None = None  # an endpoint hears of events from its creation on


async def routes(
    pool: asyncpg.Pool, tenant_ids: Iterable[str]
) -> tuple[dict[str, list[Route]], set[str]]:
    """The enabled endpoints of these tenants, and which of them have a callback secret."""
    tenants = sorted(set(tenant_ids))
    rows = await pool.fetch(
        "SELECT tenant_id, id, url, events, created_at FROM webhook_endpoints"
        " WHERE tenant_id = ANY($1::text[]) AND disabled_at IS NULL ORDER BY created_at, id",
        tenants,
    )
    found: dict[str, list[Route]] = {}
    for r in rows:
        events = None if r["events"] is None else list(r["events"])
        found.setdefault(r["tenant_id"], []).append(
            Route(str(r["id"]), r["url"], events, r["created_at"])
        )
    with_secret = await pool.fetch(
        "SELECT DISTINCT tenant_id FROM webhook_callback_secrets WHERE tenant_id = ANY($1::text[])",
        tenants,
    )
    return found, {r["tenant_id"] for r in with_secret}


Advance = Callable[[int, Sequence[int], Sequence[int]], tuple[int, tuple[int, ...]]]

_INSERT = (
    "INSERT INTO webhook_deliveries (id, fleet, tenant_id, webhook_id, endpoint_id, target, url,"
    " host, event, interview_id, sequence, body, next_attempt_at, last_error)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    " ON CONFLICT (webhook_id) DO NOTHING"
)


def _insert_args(fleet: str, d: OutboxRow, now: datetime) -> tuple[Any, ...]:
    endpoint = None if d.endpoint_id is None else uuid.UUID(d.endpoint_id)
    return (
        uuid.UUID(d.id),
        fleet,
        d.tenant_id,
        d.webhook_id,
        endpoint,
        d.target,
        d.url,
        d.host,
        d.event,
        d.interview_id,
        d.sequence,
        d.body,
        None if d.waiting_for_secret else now,  # a waiting callback delivery is not due
        WAITING_NOTE if d.waiting_for_secret else None,
    )


async def record(
    pool: asyncpg.Pool,
    fleet: str,
    deliveries: Sequence[OutboxRow],
    seen: Mapping[tuple[str, str], Sequence[int]],
    advance: Advance,
    now: datetime,
) -> None:
    """Record deliveries (a ``webhook_id`` recorded before is left as it is) and the events read
    per (tenant, interview), in one transaction: once an interview's progress says an event was
    read, its deliveries are in the outbox."""
    keys = sorted(seen)
    tenants = [t for t, _ in keys]
    interviews = [i for _, i in keys]
    async with pool.acquire() as conn, conn.transaction():
        if keys:
            # Creates the missing rows and locks them all (in key order: no deadlock between
            # two recorders during a rebalance), returning where each interview stood.
            rows = await conn.fetch(
                "INSERT INTO webhook_progress AS p (fleet, tenant_id, interview_id)"
                " SELECT $1, t, i FROM unnest($2::text[], $3::text[]) AS u(t, i)"
                " ON CONFLICT (fleet, tenant_id, interview_id) DO UPDATE SET updated_at = now()"
                " RETURNING p.tenant_id, p.interview_id, p.seen_upto, p.ahead",
                fleet,
                tenants,
                interviews,
            )
            changed = []
            for r in rows:
                before = (r["seen_upto"], tuple(r["ahead"]))
                after = advance(before[0], before[1], seen[(r["tenant_id"], r["interview_id"])])
                if after != before:
                    changed.append((fleet, r["tenant_id"], r["interview_id"], after[0], after[1]))
            await conn.executemany(
                "UPDATE webhook_progress SET seen_upto = $4, ahead = $5, updated_at = now()"
                " WHERE fleet = $1 AND tenant_id = $2 AND interview_id = $3",
                changed,
            )
        await conn.executemany(_INSERT, [_insert_args(fleet, d, now) for d in deliveries])
        await _notify(conn, fleet)  # new deliveries, or earlier ones now in order


async def insert_delivery(
    pool: asyncpg.Pool, fleet: str, delivery: OutboxRow, now: datetime
) -> Delivery:
    """Record one delivery made by the API (a test delivery) and return it as the log shows it."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_INSERT, *_insert_args(fleet, delivery, now))
        await _notify(conn, fleet)
    found = await get_delivery(pool, delivery.tenant_id, delivery.id)
    assert found is not None
    return found


# --- the outbox: the log --------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    id: str
    log_seq: int
    webhook_id: str
    endpoint_id: str | None
    url: str
    event: str
    interview_id: str | None
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhookId": self.webhook_id,
            "endpointId": self.endpoint_id,
            "url": self.url,
            "event": self.event,
            "interviewId": self.interview_id,
            "status": self.status,
            "attempts": self.attempts,
            "lastStatusCode": self.last_status_code,
            "lastError": self.last_error,
            "nextAttemptAt": _iso(self.next_attempt_at),
            "createdAt": _iso(self.created_at),
            "deliveredAt": _iso(self.delivered_at),
        }


_DELIVERY = (
    "id, log_seq, webhook_id, endpoint_id, url, event, interview_id, status, attempts,"
    " last_status_code, last_error, next_attempt_at, created_at, delivered_at"
)


def _delivery(row: asyncpg.Record) -> Delivery:
    endpoint = row["endpoint_id"]
    return Delivery(
        id=str(row["id"]),
        log_seq=row["log_seq"],
        webhook_id=row["webhook_id"],
        endpoint_id=None if endpoint is None else str(endpoint),
        url=row["url"],
        event=row["event"],
        interview_id=row["interview_id"],
        status=row["status"],
        attempts=row["attempts"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
    )


async def list_deliveries(
    pool: asyncpg.Pool,
    tenant_id: str,
    *,
    interview_id: str | None,
    event: str | None,
    status: str | None,
    limit: int,
    before: int | None,
) -> tuple[list[Delivery], int | None]:
    """A page of the tenant's deliveries, newest first, and the cursor of the next page (None:
    this is the last). Keyset pagination on ``log_seq``: a page never repeats or skips a row,
    whatever is recorded meanwhile."""
    rows = await pool.fetch(
        f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE tenant_id = $1"
        " AND ($2::text IS NULL OR interview_id = $2) AND ($3::text IS NULL OR event = $3)"
        " AND ($4::text IS NULL OR status = $4) AND ($5::bigint IS NULL OR log_seq < $5)"
        " ORDER BY log_seq DESC LIMIT $6",
        tenant_id,
        interview_id,
        event,
        status,
        before,
        limit + 1,
    )
    page = [_delivery(r) for r in rows[:limit]]
    return page, (page[-1].log_seq if len(rows) > limit else None)


async def get_delivery(pool: asyncpg.Pool, tenant_id: str, delivery_id: str) -> Delivery | None:
    row = await pool.fetchrow(
        f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE id = $1 AND tenant_id = $2",
        uuid.UUID(delivery_id),
        tenant_id,
    )
    return None if row is None else _delivery(row)


async def replay(
    pool: asyncpg.Pool, tenant_id: str, delivery_id: str, now: datetime
) -> Delivery | None:
    """Attempt a delivery again now, with the same ``webhook-id`` and body, and a fresh retry
    schedule (``schedule_base``). None: no such delivery of the tenant; ``EndpointGone``: its
    endpoint was deleted."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT fleet, endpoint_id FROM webhook_deliveries WHERE id = $1 AND tenant_id = $2"
            " FOR UPDATE",
            uuid.UUID(delivery_id),
            tenant_id,
        )
        if row is None:
            return None
        if row["endpoint_id"] is not None:
            exists = await conn.fetchval(
                "SELECT 1 FROM webhook_endpoints WHERE id = $1", row["endpoint_id"]
            )
            if exists is None:
                raise EndpointGone
        updated = await conn.fetchrow(
            "UPDATE webhook_deliveries d SET status = 'pending', schedule_base = attempts,"
            " next_attempt_at = CASE WHEN endpoint_id IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM webhook_callback_secrets s WHERE s.tenant_id = d.tenant_id)"
            f" THEN NULL ELSE $2::timestamptz END WHERE id = $1 RETURNING {_DELIVERY}",
            uuid.UUID(delivery_id),
            now,
        )
        await _notify(conn, row["fleet"])
    return _delivery(updated)


# --- the outbox: the scheduler --------------------------------------------------------------


async def _notify(conn: asyncpg.Connection, fleet: str) -> None:
    """Announce due deliveries (sent when the transaction commits)."""
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, fleet)


async def listen(dsn: str, fleet: str, wake: Callable[[], None]) -> asyncpg.Connection:
    """A connection of its own that calls ``wake`` whenever deliveries of ``fleet`` become
    due; close it to stop."""
    conn = await asyncpg.connect(dsn)

    def heard(connection: Any, pid: int, channel: str, payload: str) -> None:
        if payload in (fleet, EVERY_FLEET):
            wake()

    await conn.add_listener(CHANNEL, heard)
    return conn


@dataclass(frozen=True)
class Claimed:
    """A delivery leased for one attempt (its ``attempts`` count this attempt)."""

    id: str
    tenant_id: str
    webhook_id: str
    endpoint_id: str | None
    url: str
    host: str
    body: bytes
    attempts: int
    schedule_base: int

    @property
    def attempts_in_schedule(self) -> int:
        """Attempts since the delivery was recorded or last replayed, this one included."""
        return self.attempts - self.schedule_base


Choose = Callable[[list[tuple[str, str]]], list[str]]

_DUE = """
SELECT d.id, d.host FROM webhook_deliveries d
WHERE d.fleet = $1 AND d.status IN ('pending', 'failed') AND d.next_attempt_at <= $2
  AND d.host <> ALL($3::text[])
  AND (d.endpoint_id IS NOT NULL
       OR EXISTS (SELECT 1 FROM webhook_callback_secrets s WHERE s.tenant_id = d.tenant_id))
  AND (d.interview_id IS NULL OR (
       NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                   WHERE e.tenant_id = d.tenant_id AND e.interview_id = d.interview_id
                     AND e.target = d.target AND e.sequence < d.sequence
                     AND e.status IN ('pending', 'failed'))
       AND (d.created_at <= $4
            OR EXISTS (SELECT 1 FROM webhook_progress p
                       WHERE p.fleet = d.fleet AND p.tenant_id = d.tenant_id
                         AND p.interview_id = d.interview_id AND p.seen_upto >= d.sequence - 1))))
ORDER BY d.next_attempt_at, d.log_seq
LIMIT $5
FOR UPDATE OF d SKIP LOCKED
"""


async def claim(
    pool: asyncpg.Pool,
    fleet: str,
    *,
    now: datetime,
    lease_until: datetime,
    order_wait_until: datetime,
    busy_hosts: Sequence[str],
    scan: int,
    choose: Choose,
) -> list[Claimed]:
    """Lease the due deliveries ``choose`` picks among the first ``scan`` due ones.

    Due: live, ``next_attempt_at`` reached, not to a host in ``busy_hosts``, signable (a
    callback delivery waits for the tenant's callback secret), and first in its interview's
    order: no earlier live delivery of the interview to the same target, and every earlier
    event of the interview read (or the delivery recorded before ``order_wait_until``: the
    missing events are not coming). Rows another worker holds are skipped, not waited for.
    """
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(_DUE, fleet, now, list(busy_hosts), order_wait_until, scan)
        chosen = choose([(str(r["id"]), r["host"]) for r in rows])
        if not chosen:
            return []
        leased = await conn.fetch(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2,"
            " last_attempt_at = $3 WHERE id = ANY($1::uuid[])"
            " RETURNING id, tenant_id, webhook_id, endpoint_id, url, host, body, attempts,"
            " schedule_base",
            [uuid.UUID(i) for i in chosen],
            lease_until,
            now,
        )
    order = {delivery_id: n for n, delivery_id in enumerate(chosen)}
    found = [
        Claimed(
            id=str(r["id"]),
            tenant_id=r["tenant_id"],
            webhook_id=r["webhook_id"],
            endpoint_id=None if r["endpoint_id"] is None else str(r["endpoint_id"]),
            url=r["url"],
            host=r["host"],
            body=bytes(r["body"]),
            attempts=r["attempts"],
            schedule_base=r["schedule_base"],
        )
        for r in leased
    ]
    return sorted(found, key=lambda c: order[c.id])


async def finish(
    pool: asyncpg.Pool,
    claimed: Claimed,
    *,
    status: str,
    next_attempt_at: datetime | None,
    last_status_code: int | None,
    last_error: str | None,
    delivered_at: datetime | None,
) -> bool:
    """Record an attempt's outcome; False when the delivery moved on meanwhile (leased again,
    or made dead by its endpoint's deletion or disabling), and the outcome is dropped."""
    async with pool.acquire() as conn, conn.transaction():
        done = await conn.fetchrow(
            "UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4,"
            " last_status_code = $5, last_error = $6, delivered_at = coalesce($7, delivered_at)"
            " WHERE id = $1 AND attempts = $2 AND status IN ('pending', 'failed')"
            " RETURNING tenant_id, interview_id, target, sequence",
            uuid.UUID(claimed.id),
            claimed.attempts,
            status,
            next_attempt_at,
            last_status_code,
            last_error,
            delivered_at,
        )
        if done is not None and done["interview_id"] is not None and status == "failed":
            # The later deliveries of the interview to this target cannot go before it: they
            # are not due before it either (so the scheduler does not look at them meanwhile).
            await conn.execute(
                "UPDATE webhook_deliveries SET next_attempt_at = $5"
                " WHERE tenant_id = $1 AND interview_id = $2 AND target = $3 AND sequence > $4"
                " AND status IN ('pending', 'failed') AND next_attempt_at < $5",
                done["tenant_id"],
                done["interview_id"],
                done["target"],
                done["sequence"],
                next_attempt_at,
            )
    return done is not None


async def release(pool: asyncpg.Pool, claimed: Iterable[Claimed], now: datetime) -> None:
    """Give back leases of attempts that will not finish (the worker is stopping): due now."""
    await pool.executemany(
        "UPDATE webhook_deliveries SET next_attempt_at = $3"
        " WHERE id = $1 AND attempts = $2 AND status IN ('pending', 'failed')",
        [(uuid.UUID(c.id), c.attempts, now) for c in claimed],
    )


async def endpoint_failed(
    pool: asyncpg.Pool, endpoint_id: str, now: datetime
) -> tuple[datetime, bool] | None:
    """Note a failed attempt: (the start of the endpoint's failure streak, whether it is
    disabled already); None when the endpoint is gone."""
    row = await pool.fetchrow(
        "UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $2) WHERE id = $1"
        " RETURNING failing_since, disabled_at",
        uuid.UUID(endpoint_id),
        now,
    )
    return None if row is None else (row["failing_since"], row["disabled_at"] is not None)


async def endpoint_delivered(pool: asyncpg.Pool, endpoint_id: str) -> None:
    """A delivered attempt ends the failure streak, and enables a disabled endpoint again."""
    await pool.execute(
        "UPDATE webhook_endpoints SET failing_since = NULL, disabled_at = NULL,"
        " disabled_reason = NULL WHERE id = $1"
        " AND (failing_since IS NOT NULL OR disabled_at IS NOT NULL)",
        uuid.UUID(endpoint_id),
    )


async def disable_endpoint(
    pool: asyncpg.Pool, endpoint_id: str, reason: str, now: datetime
) -> bool:
    """Disable an endpoint (no new events go to it); its live deliveries become ``dead``."""
    async with pool.acquire() as conn, conn.transaction():
        done = await conn.fetchval(
            "UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = $3"
            " WHERE id = $1 AND disabled_at IS NULL RETURNING id",
            uuid.UUID(endpoint_id),
            now,
            reason,
        )
        if done is None:
            return False
        await conn.execute(
            "UPDATE webhook_deliveries SET status = 'dead', next_attempt_at = NULL,"
            " last_error = coalesce(last_error || '; ', '') || 'endpoint disabled'"
            " WHERE endpoint_id = $1 AND status IN ('pending', 'failed')",
            done,
        )
    return True


async def wake_waiting(pool: asyncpg.Pool, fleet: str, now: datetime) -> None:
    """Make due the callback deliveries still waiting although their tenant has a secret now
    (recorded while the secret was being made)."""
    await pool.execute(
        "UPDATE webhook_deliveries d SET next_attempt_at = $2, last_error = NULL"
        " WHERE d.fleet = $1 AND d.status = 'pending' AND d.next_attempt_at IS NULL"
        " AND d.endpoint_id IS NULL"
        " AND EXISTS (SELECT 1 FROM webhook_callback_secrets s WHERE s.tenant_id = d.tenant_id)",
        fleet,
        now,
    )


async def forget_old(pool: asyncpg.Pool, fleet: str, older_than: datetime) -> None:
    """Retention: the fleet's callback deliveries that waited for a secret since before
    ``older_than`` become dead; delivered and dead deliveries recorded before it, and
    interviews' progress untouched since, are deleted."""
    await pool.execute(
        "UPDATE webhook_deliveries SET status = 'dead', last_error = 'no callback secret came'"
        " WHERE fleet = $1 AND status = 'pending' AND next_attempt_at IS NULL"
        " AND created_at < $2",
        fleet,
        older_than,
    )
    await pool.execute(
        "DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'dead') AND created_at < $1",
        older_than,
    )
    await pool.execute("DELETE FROM webhook_progress WHERE updated_at < $1", older_than)

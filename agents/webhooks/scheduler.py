"""The webhook scheduler: works off the outbox, in every worker (docs/api.md §7).

A loop claims due deliveries (``store.claim``: ``FOR UPDATE SKIP LOCKED``, so the workers of a
fleet share the outbox and never take the same row; each claimed row is leased for
``lease_s``), and attempts each in a task of its own:

* signed at send time with the target's active secrets (``signing.active_secrets``: the newest,
  and the one before it during a rotation's 24 h overlap), Standard Webhooks and legacy
  headers, the ``webhook-timestamp`` being the time of this attempt;
* sent with ``client.deliver`` (the URL checked and resolved again, checked addresses only);
* recorded with ``rules.after_attempt`` (delivered, failed and scheduled again, or dead), and
  the endpoint's failure streak with it: an endpoint failing for 5 days is disabled.

Concurrency is bounded twice: at most ``concurrency`` attempts in flight in this worker, and
at most ``host_concurrency`` to one ``host:port`` (``rules.choose``), so a slow or hanging
receiver holds at most its own share and every other tenant's deliveries go on. The loop wakes
when an attempt ends, when the outbox announces due deliveries (``LISTEN``: recorded by any
worker's recorder, a test, a replay, a new callback secret), and every ``poll_interval_s``
(retries coming due; and if the listening connection is lost, until it is back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from mode import Service

from hirestream.agents.webhooks import client
from hirestream.agents.webhooks.rules import (
    Candidate,
    Result,
    Transition,
    after_attempt,
    choose,
    disable_reason,
    should_disable,
)
from hirestream.agents.webhooks.signing import active_secrets, legacy_headers, standard_headers
from hirestream.metrics import WEBHOOK_DELIVERIES
from hirestream.store import webhooks as store
from hirestream.store.db import migrate, open_pool

log = logging.getLogger(__name__)

Deliver = Callable[..., Awaitable[Result]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SchedulerConfig:
    """How one worker's scheduler works (``hirestream.settings``)."""

    fleet: str
    http_hosts: frozenset[str] = frozenset()
    concurrency: int = 16
    host_concurrency: int = 4
    retry_scale: float = 1.0
    poll_interval_s: float = 0.5
    #: Longer than one attempt can take (the client's 15 s), with room to record it.
    lease_s: float = 60.0
    #: After this, a delivery goes even if some earlier event of its interview was never read.
    order_wait_s: float = 300.0
    retention: timedelta = timedelta(days=30)


def headers_for(
    webhook_id: str, body: bytes, secrets: list[tuple[str, datetime]], now: datetime
) -> dict[str, str] | None:
    """The signature headers of one attempt, or None when there is no secret to sign with."""
    active = active_secrets(secrets, now)
    if not active:
        return None
    timestamp = int(now.timestamp())
    return standard_headers(webhook_id, timestamp, body, active) | legacy_headers(
        timestamp, body, active[0]
    )


class WebhookScheduler(Service):
    def __init__(
        self,
        *,
        dsn: str,
        config: SchedulerConfig,
        deliver: Deliver = client.deliver,
        clock: Clock = utc_now,
        **kwargs: Any,
    ) -> None:
        self._dsn = dsn
        self.config = config
        self._deliver = deliver
        self._clock = clock
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._listened_at: float | None = None
        self._wake = asyncio.Event()
        self._in_flight: dict[str, store.Claimed] = {}
        self._by_host: Counter[str] = Counter()
        self._attempt_tasks: set[asyncio.Task[None]] = set()
        self._swept_at: float | None = None
        self._forgotten_at: float | None = None
        super().__init__(**kwargs)

    def wake(self) -> None:
        """Look for due deliveries now (the outbox announced some)."""
        self._wake.set()

    async def on_start(self) -> None:
        self._pool = await open_pool(self._dsn, min_size=1, max_size=4)
        await migrate(self._pool)
        self.add_future(self._run())

    async def on_stop(self) -> None:
        tasks = list(self._attempt_tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._listener is not None:
            await self._listener.close()
        if self._pool is not None:
            if self._in_flight:  # their leases are given back: another worker goes on
                await store.release(self._pool, self._in_flight.values(), self._clock())
            await self._pool.close()

    async def _run(self) -> None:
        while not self.should_stop:
            self._wake.clear()  # a wake-up from now on is for the next round
            await self._keep_listening()
            try:
                claimed = await self.claim_round()
                await self._maintain()
            except Exception:
                log.exception("event=webhooks.claim_failed")
                claimed = 0
            if claimed:
                continue  # there may be more due right now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.poll_interval_s)

    async def _keep_listening(self) -> None:
        """(Re)open the listening connection, at most every 5 s; polling covers the gaps."""
        if self._listener is not None and not self._listener.is_closed():
            return
        if self._listened_at is not None and time.monotonic() - self._listened_at < 5.0:
            return
        self._listened_at = time.monotonic()
        try:
            self._listener = await store.listen(self._dsn, self.config.fleet, self.wake)
        except Exception as exc:
            log.warning("event=webhooks.listen_failed reason=%s (polling only)", exc)

    async def claim_round(self) -> int:
        """Claim what may start now and start it; how many started."""
        assert self._pool is not None
        cfg = self.config
        free = cfg.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        busy = [host for host, n in self._by_host.items() if n >= cfg.host_concurrency]

        def pick(rows: list[tuple[str, str]]) -> list[str]:
            candidates = [Candidate(delivery_id, host) for delivery_id, host in rows]
            return [c.id for c in choose(candidates, free, self._by_host, cfg.host_concurrency)]

        now = self._clock()
        claimed = await store.claim(
            self._pool,
            cfg.fleet,
            now=now,
            lease_until=now + timedelta(seconds=cfg.lease_s),
            order_wait_until=now - timedelta(seconds=cfg.order_wait_s),
            busy_hosts=busy,
            scan=max(4 * free, 32),
            choose=pick,
        )
        for delivery in claimed:
            self._in_flight[delivery.id] = delivery
            self._by_host[delivery.host] += 1
            task = asyncio.create_task(self._attempt(delivery))
            self._attempt_tasks.add(task)
            task.add_done_callback(self._attempt_tasks.discard)
        return len(claimed)

    async def _attempt(self, delivery: store.Claimed) -> None:
        try:
            await self.attempt(delivery)
        except Exception:  # the lease runs out and another attempt follows
            log.exception("event=webhooks.attempt_failed delivery=%s", delivery.id)
        finally:
            self._in_flight.pop(delivery.id, None)
            self._by_host[delivery.host] -= 1
            if self._by_host[delivery.host] <= 0:
                del self._by_host[delivery.host]
            self._wake.set()

    async def attempt(self, delivery: store.Claimed) -> Transition:
        """One attempt of a claimed delivery, recorded."""
        assert self._pool is not None
        cfg = self.config
        secrets = await store.signing_secrets(self._pool, delivery.tenant_id, delivery.endpoint_id)
        started = time.monotonic()
        headers = headers_for(delivery.webhook_id, delivery.body, secrets, self._clock())
        if headers is None:  # the endpoint was deleted meanwhile
            gone = "endpoint deleted" if delivery.endpoint_id else "no callback secret"
            transition = Transition("dead", None, None, gone, None)
        else:
            result = await self._deliver(
                delivery.url, delivery.body, headers, http_hosts=cfg.http_hosts
            )
            transition = after_attempt(
                result,
                attempts_in_schedule=delivery.attempts_in_schedule,
                now=self._clock(),
                seed=delivery.id,
                retry_scale=cfg.retry_scale,
            )
        await store.finish(
            self._pool,
            delivery,
            status=transition.status,
            next_attempt_at=transition.next_attempt_at,
            last_status_code=transition.last_status_code,
            last_error=transition.last_error,
            delivered_at=transition.delivered_at,
        )
        WEBHOOK_DELIVERIES.labels(transition.status).inc()
        log.info(
            "event=webhooks.attempt tenant=%s delivery=%s attempt=%s status=%s code=%s ms=%.1f",
            delivery.tenant_id,
            delivery.id,
            delivery.attempts,
            transition.status,
            transition.last_status_code,
            (time.monotonic() - started) * 1000,
        )
        if delivery.endpoint_id is not None and headers is not None:
            await self._endpoint_health(delivery, transition)
        return transition

    async def _endpoint_health(self, delivery: store.Claimed, transition: Transition) -> None:
        assert self._pool is not None and delivery.endpoint_id is not None
        if not transition.failure:
            await store.endpoint_delivered(self._pool, delivery.endpoint_id)
            return
        now = self._clock()
        streak = await store.endpoint_failed(self._pool, delivery.endpoint_id, now)
        if streak is None:
            return
        failing_since, disabled = streak
        if not disabled and should_disable(failing_since, now):
            reason = disable_reason(failing_since)
            if await store.disable_endpoint(self._pool, delivery.endpoint_id, reason, now):
                log.warning(
                    "event=webhooks.endpoint_disabled tenant=%s endpoint=%s",
                    delivery.tenant_id,
                    delivery.endpoint_id,
                )

    async def _maintain(self) -> None:
        """Every minute, the callback deliveries whose secret came while they were recorded;
        every hour, retention (30 days)."""
        assert self._pool is not None
        now, cfg = time.monotonic(), self.config
        if self._swept_at is None or now - self._swept_at >= 60:
            self._swept_at = now
            await store.wake_waiting(self._pool, cfg.fleet, self._clock())
        if self._forgotten_at is None or now - self._forgotten_at >= 3600:
            self._forgotten_at = now
            await store.forget_old(self._pool, cfg.fleet, self._clock() - cfg.retention)

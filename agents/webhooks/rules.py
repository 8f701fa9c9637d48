"""The life of one webhook delivery and the scheduler's choices (docs/api.md §7). Pure.

A delivery is ``pending`` until its first attempt, then ``delivered``, ``failed`` (another
attempt is scheduled) or ``dead`` (no more attempts; a replay starts again):

* a 2xx is ``delivered``;
* an answer the same request will get again - a 3xx (redirects are not followed), a 4xx other
  than 408 and 429, a URL the rules refuse - is ``dead`` at once: retrying for 24 h would
  only hammer a receiver that has already said no; the tenant fixes the endpoint and replays;
* anything else (connection errors, timeouts, 5xx, 408, 429) is ``failed`` with the next
  attempt from ``schedule.retry_delay`` (times a scale factor: 1 in production, smaller in
  tests), and ``dead`` after the last attempt of the schedule.

The scheduler keeps order per interview and target (``seen_upto``/``advance``: every earlier
event of the interview has been read, so every earlier delivery is in the outbox) and
fairness between receivers (``choose``: at most so many attempts in flight per host).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from hirestream.agents.webhooks.schedule import DISABLE_AFTER, retry_delay, should_disable

__all__ = [
    "LIVE",
    "MAX_AHEAD",
    "STATUSES",
    "Candidate",
    "Result",
    "Transition",
    "advance",
    "after_attempt",
    "choose",
    "disable_reason",
    "error_text",
    "should_disable",
]

STATUSES: Final[tuple[str, ...]] = ("pending", "delivered", "failed", "dead")
#: Statuses with an attempt still to come.
LIVE: Final[tuple[str, ...]] = ("pending", "failed")
#: Sequences kept beyond the contiguous prefix, per interview, before the gap is given up on.
MAX_AHEAD: Final = 1000
_EXCERPT = 200


class Result(Protocol):
    """What one attempt came to (``client.DeliveryResult`` has these fields)."""

    @property
    def delivered(self) -> bool: ...
    @property
    def status(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def answer_excerpt(self) -> str: ...
    @property
    def retryable(self) -> bool: ...


@dataclass(frozen=True)
class Transition:
    """A delivery's state after an attempt."""

    status: str
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None

    @property
    def failure(self) -> bool:
        """Whether the attempt failed (the endpoint's failure streak goes on)."""
        return self.status != "delivered"


def after_attempt(
    result: Result,
    *,
    attempts_in_schedule: int,
    now: datetime,
    seed: str,
    retry_scale: float = 1.0,
) -> Transition:
    """The state after an attempt that came to ``result``.

    ``attempts_in_schedule`` counts the attempts made since the delivery was recorded or last
    replayed, this one included (at least 1); ``seed`` (the delivery id) makes the schedule's
    jitter the same every time it is computed.
    """
    if result.delivered:
        return Transition("delivered", None, result.status, None, now)
    error = error_text(result)
    if not result.retryable:
        return Transition("dead", None, result.status, error, None)
    delay = retry_delay(attempts_in_schedule, seed)
    if delay is None:
        return Transition("dead", None, result.status, error, None)
    return Transition("failed", now + delay * retry_scale, result.status, error, None)


def error_text(result: Result) -> str:
    """The delivery log's ``lastError``: the client's phrase, and for an HTTP answer the start
    of what the receiver said (printable characters only)."""
    error = result.error or "not delivered"
    excerpt = "".join(c if c.isprintable() else " " for c in result.answer_excerpt)
    excerpt = " ".join(excerpt.split())[:_EXCERPT]
    return f"{error}: {excerpt}" if result.status is not None and excerpt else error


@dataclass(frozen=True)
class Candidate:
    """A due delivery, as the scheduler chooses among them."""

    id: str
    host: str


def choose(
    candidates: Sequence[Candidate],
    free: int,
    in_flight: Mapping[str, int],
    host_limit: int,
) -> list[Candidate]:
    """The candidates to attempt now, in their order (most overdue first): at most ``free``,
    and at most ``host_limit`` in flight per host counting ``in_flight``. A slow host fills
    its own share and no more, so the rest go to other receivers."""
    chosen: list[Candidate] = []
    counts = dict(in_flight)
    for candidate in candidates:
        if len(chosen) >= free:
            break
        if counts.get(candidate.host, 0) >= host_limit:
            continue
        counts[candidate.host] = counts.get(candidate.host, 0) + 1
        chosen.append(candidate)
    return chosen


def advance(
    seen_upto: int, ahead: Iterable[int], sequences: Iterable[int]
) -> tuple[int, tuple[int, ...]]:
    """An interview's read events after ``sequences`` were read too.

    ``seen_upto`` is the contiguous prefix (every sequence from 1 to it has been read) and
    ``ahead`` the sequences read beyond a gap. Event topics are read in parallel, so an
    interview's events arrive in any order across topics; a delivery of sequence ``n`` may be
    attempted once ``seen_upto >= n - 1``. More than ``MAX_AHEAD`` sequences beyond a gap
    means the gap will not fill (its events are gone from Kafka): it is given up on.
    """
    pending = {n for n in (*ahead, *sequences) if n > seen_upto}
    while seen_upto + 1 in pending:
        seen_upto += 1
        pending.discard(seen_upto)
    if len(pending) > MAX_AHEAD:
        return advance(min(pending) - 1, pending, ())
    return seen_upto, tuple(sorted(pending))


def disable_reason(failing_since: datetime) -> str:
    """Why an endpoint was disabled (``GET /webhook-endpoints/:id``'s ``disabledReason``)."""
    days = DISABLE_AFTER // timedelta(days=1)
    since = failing_since.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"every delivery failed for {days} days (failing since {since})"

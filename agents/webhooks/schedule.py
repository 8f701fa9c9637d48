"""When a failed webhook delivery is tried again, and when an endpoint is disabled. Pure.

The first attempt is immediate. After attempt ``n`` fails, the next one waits
``RETRY_DELAYS[n - 1]``: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; after the eighth attempt
the delivery is ``dead``. Every delay carries jitter of up to ±20 % so that a receiver coming
back from an outage is not hit by every delivery at the same second, with two bounds:

* the first retry comes within 5 s (its jitter only shortens it: 4 to 5 s);
* the delays add up to at least 24 h (the last one is lengthened when the ones before it came
  out short; it stays within its own ±20 %), so a delivery is never ``dead`` before a receiver
  has had a whole day to come back. Attempts never run before their time, so the span from the
  first attempt to the last is at least the sum of the delays.

The jitter is deterministic: a hash of a seed (the delivery id) and the attempt number, so a
replayed or re-decided schedule is the same schedule, and tests can state it.

An endpoint whose deliveries have failed continuously for 5 days is disabled
(``should_disable``); any delivered attempt ends the streak.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

__all__ = [
    "DISABLE_AFTER",
    "JITTER",
    "MAX_ATTEMPTS",
    "MIN_RETRY_SPAN",
    "RETRY_DELAYS",
    "next_attempt_at",
    "retry_delay",
    "should_disable",
]

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1  # the first attempt and one per delay
JITTER = 0.2
MIN_RETRY_SPAN = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)


def retry_delay(attempts_made: int, seed: str) -> timedelta | None:
    """The wait after the ``attempts_made``-th attempt failed; None when it was the last.

    Raises ValueError when ``attempts_made`` is below 1 (the first attempt does not wait).
    """
    if attempts_made < 1:
        raise ValueError("attempts_made counts attempts already made: at least 1")
    if attempts_made >= MAX_ATTEMPTS:
        return None
    index = attempts_made - 1
    delay = _jittered(index, seed)
    if index == len(RETRY_DELAYS) - 1:
        before = sum((_jittered(i, seed) for i in range(index)), timedelta())
        delay = max(delay, MIN_RETRY_SPAN - before)
    return delay


def next_attempt_at(attempts_made: int, last_attempt_at: datetime, seed: str) -> datetime | None:
    """When to try again after the ``attempts_made``-th attempt (made at ``last_attempt_at``)
    failed; None means the delivery is dead. The result keeps ``last_attempt_at``'s zone."""
    delay = retry_delay(attempts_made, seed)
    return None if delay is None else last_attempt_at + delay


def should_disable(first_failure_at: datetime | None, now: datetime) -> bool:
    """Whether an endpoint failing continuously since ``first_failure_at`` (None: its last
    delivery succeeded) has failed for 5 days and is to be disabled."""
    return first_failure_at is not None and now - first_failure_at >= DISABLE_AFTER


def _jittered(index: int, seed: str) -> timedelta:
    """``RETRY_DELAYS[index]`` times a factor in [0.8, 1.2] (the first one: [0.8, 1.0]),
    rounded to milliseconds."""
    digest = hashlib.sha256(f"{seed}\x00{index}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    high = 1.0 if index == 0 else 1 + JITTER
    factor = (1 - JITTER) + fraction * (high - (1 - JITTER))
    nominal_ms = RETRY_DELAYS[index] // timedelta(milliseconds=1)
    return timedelta(milliseconds=round(nominal_ms * factor))

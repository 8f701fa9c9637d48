"""Rate limits of one worker: a token bucket per key (a tenant's invitations, a candidate
link, a client address). Pure: the caller passes the time.

Each worker counts for itself (a fleet of N workers lets up to N times the rate through); the
limits protect the SMTP server and slow down guessing at candidate links, for which that is
enough. A refused call learns how long to wait (``Retry-After``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class RateLimit:
    """At most ``per_minute`` calls per key in any minute, in bursts of up to ``burst``."""

    per_minute: float
    burst: int
    max_keys: int = 100_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, at)

    def take(self, key: str, now: float) -> float:
        """0 when the call may go ahead (and counts), else the seconds to wait."""
        rate = self.per_minute / 60.0
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * rate)
        if tokens >= 1.0:
            self._remember(key, tokens - 1.0, now)
            return 0.0
        self._remember(key, tokens, now)
        return (1.0 - tokens) / rate

    def _remember(self, key: str, tokens: float, now: float) -> None:
        if key not in self._buckets and len(self._buckets) >= self.max_keys:
            self._buckets.clear()  # a flood of keys: forget, rather than grow without bound
        self._buckets[key] = (tokens, now)


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` value: whole seconds, at least one."""
    return str(max(1, math.ceil(seconds)))

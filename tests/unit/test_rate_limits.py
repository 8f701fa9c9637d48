"""Per-key token buckets, with a frozen clock."""

from __future__ import annotations

from hirestream.web.rate_limits import RateLimit, retry_after


def test_a_burst_then_the_rate() -> None:
    limit = RateLimit(per_minute=60, burst=3)
    assert [limit.take("t", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limit.take("t", 0.0)
    assert 0.9 < wait <= 1.0 and retry_after(wait) == "1"
    assert limit.take("t", 1.0) == 0.0
    assert limit.take("other", 0.0) == 0.0, "keys are counted apart"


def test_tokens_never_pile_up_beyond_the_burst() -> None:
    limit = RateLimit(per_minute=6, burst=2)
    assert limit.take("t", 0.0) == 0.0
    assert limit.take("t", 3600.0) == 0.0 and limit.take("t", 3600.0) == 0.0
    assert limit.take("t", 3600.0) > 0


def test_a_flood_of_keys_is_bounded() -> None:
    limit = RateLimit(per_minute=1, burst=1, max_keys=10)
    for n in range(100):
        limit.take(str(n), 0.0)
    assert len(limit._buckets) <= 10

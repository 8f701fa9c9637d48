"""The webhook retry schedule and the endpoint health rule (docs/api.md §7)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hirestream.agents.webhooks.schedule import (
    DISABLE_AFTER,
    JITTER,
    MAX_ATTEMPTS,
    MIN_RETRY_SPAN,
    RETRY_DELAYS,
    next_attempt_at,
    retry_delay,
    should_disable,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NOMINAL = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
SEEDS = [f"dlv_{i:04d}" for i in range(300)] + ["", "550e8400-e29b-41d4-a716-446655440000"]


def delays(seed: str) -> list[timedelta]:
    found = [retry_delay(n, seed) for n in range(1, MAX_ATTEMPTS)]
    assert all(d is not None for d in found)
    return [d for d in found if d is not None]


def attempt_times(seed: str, start: datetime = T0) -> list[datetime]:
    """When each attempt runs, if each one fails and runs exactly on time."""
    times = [start]
    while (following := next_attempt_at(len(times), times[-1], seed)) is not None:
        times.append(following)
    return times


def test_the_nominal_schedule() -> None:
    assert list(RETRY_DELAYS) == NOMINAL
    assert MAX_ATTEMPTS == 8
    assert JITTER == 0.2
    assert sum(NOMINAL, timedelta()) >= MIN_RETRY_SPAN == timedelta(hours=24)


def test_each_delay_is_within_its_jitter_and_the_first_retry_within_5_s() -> None:
    for seed in SEEDS:
        found = delays(seed)
        assert timedelta(seconds=4) <= found[0] <= timedelta(seconds=5), seed
        for delay, nominal in zip(found[1:], NOMINAL[1:], strict=True):
            assert nominal * 0.8 <= delay <= nominal * 1.2, (seed, delay, nominal)


def test_eight_attempts_spanning_at_least_24_h_then_dead() -> None:
    for seed in SEEDS:
        times = attempt_times(seed)
        assert len(times) == 8
        assert times[-1] - times[0] >= timedelta(hours=24), seed
        assert times == sorted(times)
        assert next_attempt_at(8, times[-1], seed) is None
        assert retry_delay(8, seed) is None and retry_delay(50, seed) is None


def test_the_jitter_is_deterministic_per_seed_and_varies_across_seeds() -> None:
    assert delays("dlv_a") == delays("dlv_a")
    assert attempt_times("dlv_a") == attempt_times("dlv_a")
    assert delays("dlv_a") != delays("dlv_b")
    for n in range(1, MAX_ATTEMPTS):
        spread = {retry_delay(n, seed) for seed in SEEDS}
        assert len(spread) > len(SEEDS) // 2  # actually jittered, not a constant


def test_the_jitter_covers_both_directions() -> None:
    for n in range(2, MAX_ATTEMPTS - 1):
        nominal = NOMINAL[n - 1]
        found = [d for seed in SEEDS if (d := retry_delay(n, seed)) is not None]
        assert min(found) < nominal * 0.85 and max(found) > nominal * 1.15
        mean = sum(found, timedelta()) / len(found)
        assert nominal * 0.95 < mean < nominal * 1.05


def test_the_last_delay_makes_up_for_short_ones_before_it() -> None:
    lengthened = 0
    for seed in SEEDS:
        found = delays(seed)
        before = sum(found[:-1], timedelta())
        assert found[-1] >= MIN_RETRY_SPAN - before
        lengthened += found[-1] == MIN_RETRY_SPAN - before
    assert lengthened > 0  # some seeds need it: 0.8 x the nominal total is under 24 h


def test_next_attempt_is_relative_to_the_last_attempt_and_keeps_its_zone() -> None:
    seed = "dlv_zone"
    late = T0 + timedelta(minutes=7)  # the attempt ran late: the next one counts from it
    assert next_attempt_at(2, late, seed) == late + delays(seed)[1]
    paris = late.astimezone(timezone(timedelta(hours=1)))
    following = next_attempt_at(2, paris, seed)
    assert following == late + delays(seed)[1] and following is not None
    assert following.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("attempts_made", [0, -1])
def test_attempts_made_counts_from_one(attempts_made: int) -> None:
    with pytest.raises(ValueError):
        next_attempt_at(attempts_made, T0, "dlv")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.datetimes(timezones=st.just(UTC)))
def test_any_seed_gives_a_schedule_within_bounds(seed: str, start: datetime) -> None:
    try:
        times = attempt_times(seed, start)
    except OverflowError:
        return  # near datetime.max
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 7 and gaps[0] <= timedelta(seconds=5)
    assert sum(gaps, timedelta()) >= timedelta(hours=24)
    assert sum(gaps, timedelta()) <= sum(NOMINAL, timedelta()) * 1.2


def test_an_endpoint_failing_for_5_days_is_disabled() -> None:
    assert timedelta(days=5) == DISABLE_AFTER
    assert not should_disable(None, T0)
    assert not should_disable(T0, T0)
    assert not should_disable(T0, T0 + timedelta(days=4, hours=23, minutes=59))
    assert should_disable(T0, T0 + timedelta(days=5))
    assert should_disable(T0, T0 + timedelta(days=30))
    assert not should_disable(T0 + timedelta(hours=1), T0)  # a clock behind the failure

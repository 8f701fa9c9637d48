"""When the worker's consumer fetches the event topics its background agents read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hirestream.event_fetch import EventFetchWindow
from hirestream.settings import Settings


def test_interval_zero_fetches_them_in_every_round() -> None:
    window = EventFetchWindow(interval_ms=0)
    assert all(window.include(t, fetched_at_ms=None, waiting=False) for t in (0, 1, 5, 1000))
    assert window.wait_ms(0) is None


def test_the_window_opens_at_once_and_closes_when_a_fetch_answer_covered_them() -> None:
    window = EventFetchWindow(interval_ms=100, recheck_ms=25)
    assert not window.is_open
    assert window.include(1000, fetched_at_ms=None, waiting=False)  # the first round opens it
    assert window.is_open
    assert window.wait_ms(1000) == 25
    assert window.include(1010, fetched_at_ms=990, waiting=False)  # an answer from before it
    assert not window.include(1020, fetched_at_ms=1015, waiting=False)  # covered: closed
    assert not window.is_open
    assert window.wait_ms(1020) == 100
    assert not window.include(1080, fetched_at_ms=1015, waiting=False)
    assert window.wait_ms(1080) == 40
    assert window.include(1120, fetched_at_ms=1015, waiting=False)  # the next window


def test_records_waiting_to_be_handed_over_are_always_fetched() -> None:
    window = EventFetchWindow(interval_ms=100)
    window.include(1000, fetched_at_ms=None, waiting=False)
    assert not window.include(1010, fetched_at_ms=1005, waiting=False)
    # aiokafka holds back the broker's fetches while fetched records wait: never leave them
    assert window.include(1011, fetched_at_ms=1005, waiting=True)


def test_a_window_that_no_answer_covers_closes_after_the_interval() -> None:
    window = EventFetchWindow(interval_ms=100)
    assert window.include(0, fetched_at_ms=None, waiting=False)
    assert window.include(99, fetched_at_ms=None, waiting=False)
    assert not window.include(100, fetched_at_ms=None, waiting=False)
    assert window.include(200, fetched_at_ms=None, waiting=False)


@given(
    st.lists(st.tuples(st.integers(0, 50), st.booleans(), st.booleans()), min_size=1, max_size=200)
)
def test_never_more_than_an_interval_without_fetching_them(
    steps: list[tuple[int, bool, bool]],
) -> None:
    """Whatever the rounds' timing and answers, the event partitions are included at least
    once in any interval (plus one round's gap), so their events are never starved."""
    window = EventFetchWindow(interval_ms=100)
    now, last_included, fetched_at = 0.0, 0.0, None
    for gap, answered, waiting in steps:
        now += gap
        if window.include(now, fetched_at_ms=fetched_at, waiting=waiting):
            assert now - last_included <= 100 + 50
            last_included = now
            if answered:
                fetched_at = now
        wait = window.wait_ms(now)
        assert wait is not None and 1 <= wait <= 100


def test_the_interval_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().event_fetch_interval_ms == 100
    monkeypatch.setenv("HIRESTREAM_EVENT_FETCH_INTERVAL_MS", "0")
    assert Settings.from_env().event_fetch_interval_ms == 0
    for wrong in ("-1", "10001"):
        monkeypatch.setenv("HIRESTREAM_EVENT_FETCH_INTERVAL_MS", wrong)
        with pytest.raises(ValueError, match="HIRESTREAM_EVENT_FETCH_INTERVAL_MS"):
            Settings.from_env()

"""What ``make run`` may stop: only the services it started, and only while they still run with
the pid they had when it started them (``hirestream.stack.lifecycle``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hirestream.stack.base import StackError
from hirestream.stack.lifecycle import (
    SERVICES,
    format_record,
    parse_record,
    read_record,
    services_to_stop,
    write_record,
)


def test_stops_what_it_started_and_still_runs() -> None:
    started = {"kafka": 100, "smtp": 300}
    running = {"kafka": 100, "postgres": 200, "smtp": 300}
    assert services_to_stop(started, running) == ["smtp", "kafka"]  # stopping order


def test_leaves_services_that_ran_before_alone() -> None:
    # nothing started by this run: the tests' (or another terminal's) stack keeps running
    assert services_to_stop({}, {"kafka": 100, "postgres": 200, "smtp": 300}) == []


def test_leaves_a_service_restarted_by_someone_else_alone() -> None:
    # `make stop` in another terminal, then the tests started Kafka again: another pid
    assert services_to_stop({"kafka": 100, "smtp": 300}, {"kafka": 101, "smtp": 300}) == ["smtp"]


def test_nothing_to_stop_when_it_stopped_already() -> None:
    assert services_to_stop({"kafka": 100, "postgres": 200}, {}) == []


def test_unknown_pid_matches_the_running_service() -> None:
    assert services_to_stop({"postgres": None}, {"postgres": 200}) == ["postgres"]
    assert services_to_stop({"postgres": None}, {}) == []


pids = st.dictionaries(st.sampled_from(SERVICES), st.integers(1, 5))


@given(started=pids, running=pids)
def test_stops_exactly_the_started_services_still_running_with_their_pid(
    started: dict[str, int], running: dict[str, int]
) -> None:
    chosen = services_to_stop(started, running)
    assert set(chosen) == {n for n in started if running.get(n) == started[n]}
    assert chosen == [n for n in SERVICES if n in chosen]


def test_record_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "started"
    write_record(path, {"postgres": None, "kafka": 4242})
    assert read_record(path) == {"kafka": 4242, "postgres": None}
    assert not list(tmp_path.glob("*.partial"))
    write_record(path, {})
    assert read_record(path) == {}


def test_an_empty_record_means_nothing_was_started(tmp_path: Path) -> None:
    # the file `mktemp` created when `up` failed before writing it
    path = tmp_path / "started"
    path.write_text("")
    assert read_record(path) == {}
    assert parse_record("\n") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not a JSON object"),
        ("[1, 2]", "not a JSON object"),
        ('{"zookeeper": 1}', "unknown service 'zookeeper'"),
        ('{"kafka": "12"}', "positive whole number"),
        ('{"kafka": 0}', "positive whole number"),
        ('{"kafka": true}', "positive whole number"),
    ],
)
def test_a_malformed_record_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_record(text)


def test_reading_a_malformed_or_missing_record_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "started"
    path.write_text("{")
    with pytest.raises(StackError, match="started"):
        read_record(path)
    with pytest.raises(StackError, match="cannot read"):
        read_record(tmp_path / "missing")


def test_recording_an_unknown_service_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown service"):
        format_record({"redis": 1})

"""The command log's retention index, without Kafka."""

from __future__ import annotations

from hirestream.tables.keys import command_key as key
from hirestream.tables.retention import CommandLogRetention


def test_entries_past_the_retention_are_returned_oldest_first_per_tenant() -> None:
    retention = CommandLogRetention(seconds=60)
    retention.build(
        [
            (key("t1", "c2"), {"at": "2024-01-01T00:00:30.000Z"}),
            (key("t1", "c1"), {"at": "2024-01-01T00:00:00.000Z"}),
            (key("t2", "c3"), {"at": "2024-01-01T00:00:00.000Z"}),
        ]
    )
    retention.note("t1", key("t1", "c4"), "2024-01-01T00:01:10.000Z")
    assert retention.expired("t1", "2024-01-01T00:01:10.000Z") == [key("t1", "c1")]
    assert retention.expired("t1", "2024-01-01T00:01:31.000Z") == [key("t1", "c2")]
    assert retention.expired("t1", "2024-01-01T00:01:31.000Z") == []
    assert retention.expired("t2", "2024-01-01T00:00:59.000Z") == []
    assert retention.expired("nobody", "2030-01-01T00:00:00.000Z") == []


def test_keys_whose_parts_contain_separators_keep_their_entries_apart() -> None:
    retention = CommandLogRetention(seconds=1)
    retention.build([(key("org", "eu:c1"), {"at": "2024-01-01T00:00:00.000Z"})])
    assert retention.expired("org:eu", "2024-01-02T00:00:00.000Z") == []
    assert retention.expired("org", "2024-01-02T00:00:00.000Z") == [key("org", "eu:c1")]


def test_invalidated_until_built_again() -> None:
    retention = CommandLogRetention(seconds=1)
    assert not retention.built
    retention.build([])
    assert retention.built
    retention.invalidate()
    assert not retention.built

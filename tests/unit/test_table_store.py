"""The persistent table store (tables/persistent.py) without Kafka: a write reaches RocksDB only
with its acknowledged changelog offset, so the database is always a prefix of the changelog;
reads see the writes still waiting; ``HIRESTREAM_STORE`` is checked."""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.types import TP

from hirestream.settings import Settings
from hirestream.streams import faust_app
from hirestream.tables import persistent
from hirestream.tables.declare import declare_tables
from hirestream.tables.persistent import RocksStore, discard_stale_tables, prefix_items

TOPIC = "hs-unit-interviews-changelog"


def app_on(tmp_path: Path, store: str = "rocksdb") -> faust.App:
    settings = dataclasses.replace(
        Settings(), app_id="hs-unit", data_dir=tmp_path, worker_name="w1", store=store
    )
    settings.tables_dir.mkdir(parents=True)
    return faust_app(settings)


@pytest.fixture
def in_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes happen while an agent processes a message of partition 0."""
    event = SimpleNamespace(message=SimpleNamespace(partition=0))
    monkeypatch.setattr(persistent, "current_event", lambda: event)


def acked(key: bytes, value: bytes | None, offset: int) -> Any:
    """A changelog write's future, acknowledged at ``offset`` of partition 0."""
    metadata = SimpleNamespace(topic_partition=TP(TOPIC, 0), offset=offset)
    return SimpleNamespace(message=SimpleNamespace(key=key, value=value), result=lambda: metadata)


def failed(key: bytes, value: bytes | None) -> Any:
    def result() -> Any:
        raise RuntimeError("broker said no")

    return SimpleNamespace(message=SimpleNamespace(key=key, value=value), result=result)


def store_of(app: faust.App) -> RocksStore:
    store = declare_tables(app, 1).interviews.data
    assert isinstance(store, RocksStore)
    store._active_partitions = lambda: [0]  # type: ignore[method-assign]
    return store


def on_disk(store: RocksStore, key: bytes) -> bytes | None:
    value: bytes | None = store._db_for_partition(0).get(key)
    return value


@pytest.mark.usefixtures("in_partition")
def test_a_write_reaches_the_database_with_its_acknowledged_offset(tmp_path: Path) -> None:
    store = store_of(app_on(tmp_path))
    store[b"k1"] = {"v": 1}
    store[b"k1"] = {"v": 2}
    assert store[b"k1"] == {"v": 2}  # read before Kafka has it
    assert on_disk(store, b"k1") is None
    assert store.persisted_offset(TP(TOPIC, 0)) is None

    store.on_changelog_acked(acked(b"k1", b'{"v":1}', 10))
    assert on_disk(store, b"k1") == b'{"v":1}'
    assert store.persisted_offset(TP(TOPIC, 0)) == 10
    assert store[b"k1"] == {"v": 2}  # the second write still waits

    store.on_changelog_acked(acked(b"k1", b'{"v":2}', 11))
    assert on_disk(store, b"k1") == b'{"v":2}'
    assert store._unacked == {}
    assert store[b"k1"] == {"v": 2}
    assert store.persisted_offset(TP(TOPIC, 0)) == 11


@pytest.mark.usefixtures("in_partition")
def test_deletes_failures_and_stale_acknowledgements(tmp_path: Path) -> None:
    store = store_of(app_on(tmp_path))
    store[b"k1"] = {"v": 1}
    store.on_changelog_acked(acked(b"k1", b'{"v":1}', 5))
    del store[b"k1"]
    assert b"k1" not in store
    with pytest.raises(KeyError):
        store[b"k1"]
    assert on_disk(store, b"k1") == b'{"v":1}'
    store.on_changelog_acked(acked(b"k1", None, 6))
    assert on_disk(store, b"k1") is None

    store[b"k2"] = {"v": 1}
    store.on_changelog_acked(failed(b"k2", b'{"v":1}'))
    assert store[b"k2"] == {"v": 1}  # still readable, as in a memory store; never on disk
    assert on_disk(store, b"k2") is None
    assert store.persisted_offset(TP(TOPIC, 0)) == 6

    store._unacked.clear()
    store[b"k3"] = {"v": 1}
    store.on_changelog_acked(acked(b"k3", b'{"v":1}', 4))  # recovery already went past it
    assert on_disk(store, b"k3") is None
    assert store.persisted_offset(TP(TOPIC, 0)) == 6


@pytest.mark.usefixtures("in_partition")
def test_reads_merge_the_waiting_writes_with_the_database(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    table = declare_tables(app, 1).interviews
    store = table.data
    store._active_partitions = lambda: [0]
    for n, key in enumerate([b'["a","1"]', b'["a","2"]', b'["b","1"]']):
        store[key] = {"n": n}
        store.on_changelog_acked(acked(key, f'{{"n":{n}}}'.encode(), n))
    store[b'["a","2"]'] = {"n": 20}  # waiting
    store[b'["a","3"]'] = {"n": 3}  # waiting, new
    del store[b'["a","1"]']  # waiting delete
    assert dict(store.items()) == {
        b'["a","2"]': {"n": 20},
        b'["a","3"]': {"n": 3},
        b'["b","1"]': {"n": 2},
    }
    assert len(store) == 3
    assert dict(prefix_items(table, b'["a",')) == {
        b'["a","2"]': {"n": 20},
        b'["a","3"]': {"n": 3},
    }


@pytest.mark.usefixtures("in_partition")
def test_a_killed_worker_keeps_only_what_kafka_acknowledged(tmp_path: Path) -> None:
    store = store_of(app_on(tmp_path))
    store[b"kept"] = {"v": 1}
    store.on_changelog_acked(acked(b"kept", b'{"v":1}', 0))
    store[b"lost"] = {"v": 1}  # never acknowledged: the worker dies here
    store._dbs.clear()
    del store
    gc.collect()

    again = store_of(app_on_again(tmp_path))
    again._db_for_partition(0)  # the partition assigned again: its database opened
    assert again[b"kept"] == {"v": 1}
    assert b"lost" not in again
    assert again.persisted_offset(TP(TOPIC, 0)) == 0


def app_on_again(tmp_path: Path) -> faust.App:
    settings = dataclasses.replace(
        Settings(), app_id="hs-unit", data_dir=tmp_path, worker_name="w1", store="rocksdb"
    )
    return faust_app(settings)


def test_the_memory_store_is_still_faust_s(tmp_path: Path) -> None:
    table = declare_tables(app_on(tmp_path, "memory"), 1).interviews
    assert not isinstance(table.data, RocksStore)


def test_stale_tables_are_discarded_when_the_changelogs_are_new(tmp_path: Path) -> None:
    tables = tmp_path / "tables" / "hs-unit"
    (tables / "interviews-0.db").mkdir(parents=True)
    discard_stale_tables(tables, ["hs-unit.interview-commands"])
    assert tables.exists()
    discard_stale_tables(tables, ["hs-unit-interviews-changelog"])
    assert not tables.exists()


def test_the_store_setting_is_checked() -> None:
    assert Settings().store == "rocksdb"
    assert Settings(store="memory").store == "memory"
    with pytest.raises(ValueError, match="HIRESTREAM_STORE must be one of rocksdb, memory"):
        Settings(store="disk")


def test_the_store_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIRESTREAM_STORE", "Memory")
    assert Settings.from_env().store == "memory"
    monkeypatch.setenv("HIRESTREAM_STORE", "redis")
    with pytest.raises(ValueError, match="HIRESTREAM_STORE"):
        Settings.from_env()

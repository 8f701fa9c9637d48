"""The persistent table store (``HIRESTREAM_STORE=rocksdb``): faust-streaming's RocksDB store
on ``rocksdict``, made to hold only what the changelog holds.

Faust's RocksDB store keeps, in each partition's database, the changelog offset it has
applied up to, so a restarted worker reads only the changelog's tail from there instead of
the whole topic. Three things are changed here, and the rest is faust-streaming's own:

1. **A write reaches the database only once Kafka has acknowledged it.** Faust's store writes
   the database at once and the offset when the changelog write is acknowledged; a worker
   killed in between restarts with values the changelog never got. The interview agent would
   then answer the redelivered command from its command log without writing again, and the
   changelog (and every other worker, and standby) would never see the write. Here a write
   waits in memory (``_Unacked``, read before the database) until its changelog message is
   acknowledged, and is then written with that message's offset in one atomic batch: the
   database is always exactly a prefix of the changelog, as a memory store rebuilt from it is.
2. **Bounded memory.** One block cache and one memtable budget for every database of the
   process (Faust makes a 2 GiB cache and 3 × 64 MiB memtables for each partition's
   database).
3. **One directory per fleet** (``Settings.tables_dir``: ``<data dir>/<worker>/tables/<app
   id>``), so workers of different app ids with one name and data dir never share a database,
   and ``discard_stale_tables`` empties it when the changelog topics were just created: the
   offsets stored in it belong to topics that no longer exist.

Recovery and standby replicas write through Faust's own ``apply_changelog_batch`` (messages
and offset), counted in ``hirestream_table_changelog_applied_total``.
"""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
import rocksdict
from faust.stores import rocksdb as faust_rocksdb
from faust.streams import current_event
from faust.types import TP

from hirestream.metrics import TABLE_CHANGELOG_APPLIED

log = logging.getLogger(__name__)

#: The block cache every table database of the process shares (uncompressed blocks).
BLOCK_CACHE_BYTES = 64 * 1024 * 1024
#: The memtables of every table database of the process together (a flush makes room).
WRITE_BUFFERS_BYTES = 64 * 1024 * 1024
#: Memtable size of each partition's database, and how many may be in memory at once.
WRITE_BUFFER_BYTES = 16 * 1024 * 1024
MAX_WRITE_BUFFERS = 2
#: Files each database keeps open (a partition's database holds a few dozen at most).
MAX_OPEN_FILES = 512


@functools.cache
def _block_cache() -> rocksdict.Cache:
    return rocksdict.Cache(BLOCK_CACHE_BYTES)


@functools.cache
def _write_buffers() -> rocksdict.WriteBufferManager:
    return rocksdict.WriteBufferManager(WRITE_BUFFERS_BYTES, False)


class _Options(faust_rocksdb.RocksDBOptions):
    """How a partition's database is opened: rocksdict, the shared cache, small buffers."""

    def __init__(self) -> None:
        super().__init__(use_rocksdict=True)

    def as_options(self) -> rocksdict.Options:
        options = rocksdict.Options(raw_mode=True)
        options.create_if_missing(True)
        options.set_max_open_files(MAX_OPEN_FILES)
        options.set_write_buffer_size(WRITE_BUFFER_BYTES)
        options.set_max_write_buffer_number(MAX_WRITE_BUFFERS)
        options.set_write_buffer_manager(_write_buffers())
        options.set_target_file_size_base(faust_rocksdb.DEFAULT_TARGET_FILE_SIZE_BASE)
        table = rocksdict.BlockBasedOptions()
        table.set_bloom_filter(10, block_based=False)
        table.set_block_cache(_block_cache())
        table.set_cache_index_and_filter_blocks(True)
        options.set_block_based_table_factory(table)
        options.set_compression_type(rocksdict.DBCompressionType.lz4())
        return options

    def open(self, path: Path, *, read_only: bool = False) -> rocksdict.Rdict:
        db = rocksdict.Rdict(
            str(path),
            options=self.as_options(),
            access_type=rocksdict.AccessType.read_write(),
        )
        db.set_read_options(rocksdict.ReadOptions())
        return db


@dataclass
class _Unacked:
    """The latest value written to a key (None: deleted) and how many of the key's changelog
    writes are not acknowledged yet."""

    partition: int
    value: bytes | None
    pending: int


class RocksStore(faust_rocksdb.Store):
    """Faust's RocksDB store on rocksdict; a write reaches the database once acknowledged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.use_rocksdict = True
        self.rocksdb_options = _Options()
        self._unacked: dict[bytes, _Unacked] = {}

    # --- writes: remembered until Kafka has them -------------------------------------------

    def _set(self, key: bytes, value: bytes | None) -> None:
        event = current_event()
        if event is None:
            raise RuntimeError("a table is written only while an agent processes a message")
        self._remember(key, value, event.message.partition)

    def _del(self, key: bytes) -> None:
        event = current_event()
        if event is None:
            raise RuntimeError("a table is written only while an agent processes a message")
        self._remember(key, None, event.message.partition)

    def _remember(self, key: bytes, value: bytes | None, partition: int) -> None:
        unacked = self._unacked.get(key)
        if unacked is None:
            self._unacked[key] = _Unacked(partition, value, 1)
        else:
            unacked.partition, unacked.value = partition, value
            unacked.pending += 1

    def on_changelog_acked(self, fut: Any) -> None:
        """A changelog write of this table was acknowledged (or failed): write its key and
        value with its offset in one batch, unless the database is already past it."""
        message = fut.message
        key: bytes = message.key
        try:
            metadata = fut.result()
        except Exception:  # the value stays readable here, as it would in a memory store
            log.exception("event=table.changelog_write_failed table=%s", self.table_name)
            return
        tp: TP = metadata.topic_partition
        offset: int = metadata.offset
        unacked = self._unacked.get(key)
        if unacked is not None:
            unacked.pending -= 1
            if unacked.pending <= 0:
                del self._unacked[key]
        db = self._db_for_partition(tp.partition)
        stored = db.get(self.offset_key)
        if stored is not None and int(stored) >= offset:
            return  # recovery has applied it already
        batch = rocksdict.WriteBatch(raw_mode=True)
        if message.value is None:
            batch.delete(key)
        else:
            batch.put(key, message.value)
        batch.put(self.offset_key, str(offset).encode())
        db.write(batch)

    def apply_changelog_batch(self, batch: Any, to_key: Any, to_value: Any) -> None:
        events = list(batch)
        super().apply_changelog_batch(events, to_key, to_value)
        TABLE_CHANGELOG_APPLIED.labels(self.table_name).inc(len(events))

    # --- reads: what is not acknowledged yet first -----------------------------------------

    def _get(self, key: bytes) -> bytes | None:
        unacked = self._unacked.get(key)
        if unacked is not None:
            return unacked.value
        value: bytes | None = super()._get(key)
        return value

    def _contains(self, key: bytes) -> bool:
        unacked = self._unacked.get(key)
        if unacked is not None:
            return unacked.value is not None
        return bool(super()._contains(key))

    def _active_partitions(self) -> list[int]:
        actives = self.app.assignor.assigned_actives()
        topic = self.table.changelog_topic.get_topic_name()
        return [p for p in list(self._dbs) if TP(topic, p) in actives or self.table.is_global]

    def _iteritems(self) -> Iterator[tuple[bytes, bytes]]:
        partitions = self._active_partitions()
        unacked = dict(self._unacked)
        for partition in partitions:
            for key, value in self._visible_items(self._dbs[partition]):
                if key not in unacked:
                    yield key, value
        for key, pending in unacked.items():
            if pending.value is not None and pending.partition in partitions:
                yield key, pending.value

    def _iterkeys(self) -> Iterator[bytes]:
        for key, _ in self._iteritems():
            yield key

    def _itervalues(self) -> Iterator[bytes]:
        for _, value in self._iteritems():
            yield value

    def _size(self) -> int:
        return sum(1 for _ in self._iterkeys())

    def prefix_items(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """The (key, value) pairs of the active partitions whose key starts with ``prefix``,
        read from the first such key on (not every key of the table)."""
        partitions = self._active_partitions()
        unacked = {k: v for k, v in self._unacked.items() if k.startswith(prefix)}
        for partition in partitions:
            for key, value in self._dbs[partition].items(from_key=prefix):
                if not key.startswith(prefix):
                    break
                if key != self.offset_key and key not in unacked:
                    yield key, value
        for key, pending in unacked.items():
            if pending.value is not None and pending.partition in partitions:
                yield key, pending.value

    def reset_state(self) -> None:
        self._unacked.clear()
        super().reset_state()


class PersistentTable(faust.Table):
    """A table whose ``rocksdb://`` store is ``RocksStore``, told of each acknowledged write."""

    def _new_store_by_url(self, url: Any) -> Any:
        if str(url).startswith("rocksdb:"):
            return RocksStore(
                url,
                self.app,
                self,
                table_name=self.name,
                key_type=self.key_type,
                key_serializer=self.key_serializer,
                value_serializer=self.value_serializer,
                value_type=self.value_type,
                loop=self.loop,
                options=self.options,
            )
        return super()._new_store_by_url(url)

    def _on_changelog_sent(self, fut: Any) -> None:
        store = self.data
        if isinstance(store, RocksStore):
            store.on_changelog_acked(fut)
        else:
            super()._on_changelog_sent(fut)


def prefix_items(table: Any, prefix: bytes) -> Iterator[tuple[bytes, Any]]:
    """The decoded (key, value) pairs of ``table`` whose key starts with ``prefix``: a range
    read with the RocksDB store, a filtered scan with the memory store."""
    store = table.data
    if isinstance(store, RocksStore):
        for key, value in store.prefix_items(prefix):
            yield key, store._decode_value(value)
    else:
        for key, value in table.items():
            if key.startswith(prefix):
                yield key, value


def scan_values(table: Any) -> Iterator[Any]:
    """Every value of ``table``'s active partitions, safe to read across awaits while the
    agents write: the RocksDB store's iterators read a snapshot; the memory store's dict is
    copied first (cheap: its values are not decoded)."""
    if isinstance(table.data, RocksStore):
        return iter(table.values())
    return iter(list(table.values()))


def discard_stale_tables(tables_dir: Path, created_topics: list[str]) -> None:
    """Empty the fleet's table directory when its changelog topics were just created: what it
    holds (and the offsets stored with it) belongs to topics that are gone."""
    if any(t.endswith("-changelog") for t in created_topics) and tables_dir.exists():
        log.warning("event=tables.discarded dir=%s reason=changelog_topics_created", tables_dir)
        shutil.rmtree(tables_dir)

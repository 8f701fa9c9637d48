"""Table declarations.

Every table key starts with the tenant id (``tables.keys``), and every table is written only by
an agent while it processes a message keyed by that tenant, so each changelog partition holds
exactly the tenants of the same command partition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust

from hirestream.tables.persistent import PersistentTable
from hirestream.topics import names


@dataclass(frozen=True)
class Tables:
    interviews: Any  # ["<tenant>","<interview id>"] -> record (tables/records.py)
    counts: Any  # ["<tenant>"] -> {"byStatus": {...}, "offsets": {source: n}}
    command_log: Any  # ["<tenant>","<command id>"] -> {"fingerprint", "outcome", "at"}
    enrichment: Any  # ["<tenant>"] -> the enricher's state (agents/enrich/findings.py)
    mailings: Any  # ["<tenant>","<invite id>"] -> what the mailer did (agents/mailer/agent.py)


def declare_tables(app: faust.App, partitions: int) -> Tables:
    def table(name: str, help_: str) -> Any:
        # app.Table with our table class: with the ``rocksdb://`` store, a value reaches the
        # database once its changelog write is acknowledged (tables/persistent.py).
        declared: Any = PersistentTable(
            app,
            name=name,
            default=None,
            beacon=app.tables.beacon,
            partitions=partitions,
            key_type=bytes,
            # Compaction must be able to bound replay (and, after a purge, drop the old
            # values): roll segments hourly, clean eagerly.
            extra_topic_configs={
                "segment.ms": "3600000",
                "min.cleanable.dirty.ratio": "0.1",
                "delete.retention.ms": "3600000",
            },
            help=help_,
        )
        # Keys are UTF-8 bytes, raw in the changelog both when written and when recovered,
        # so recovery gives back the very keys the agent wrote. (Faust 0.15 otherwise writes
        # them raw but decodes them as JSON during recovery.)
        declared.key_serializer = "raw"
        declared.value_serializer = "json"
        return app.tables.add(declared)

    return Tables(
        interviews=table(names.INTERVIEWS_TABLE, "Interview records by tenant:interview id"),
        counts=table(names.COUNTS_TABLE, "Interview counts by status, per tenant"),
        command_log=table(names.COMMANDS_TABLE, "Outcome of every command, by tenant:command"),
        enrichment=table(
            names.ENRICHMENT_TABLE, "Unknown terms and skill co-occurrence, per tenant"
        ),
        mailings=table(names.MAILINGS_TABLE, "Invitations the mailer sent, by tenant:invite"),
    )

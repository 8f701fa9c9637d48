"""A per-tenant listing index derived from the ``interviews`` table.

Never the source of truth: it is rebuilt from the table the first time a tenant is listed
after every partition assignment (``invalidate``), and kept current by the agent after each
write (``note``). Search text (which needs personal fields opened) is cached per record version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hirestream.tables.queries import Entry


def entry_of(record: Mapping[str, Any]) -> Entry:
    return Entry(
        interview_id=record["id"],
        created_at=record["createdAt"],
        status=record["status"],
        workflow_state=record.get("workflowState"),
        version=record["version"],
    )


class TenantIndex:
    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {}
        self._search: dict[tuple[str, str], tuple[int, str]] = {}

    def invalidate(self) -> None:
        """Forget everything (partitions were assigned or revoked)."""
        self._entries.clear()
        self._search.clear()

    def is_built(self, tenant_id: str) -> bool:
        return tenant_id in self._entries

    def build(self, tenant_id: str, records: Iterable[Mapping[str, Any]]) -> None:
        self._entries[tenant_id] = {
            r["id"]: entry_of(r) for r in records if not r.get("deleted", False)
        }

    def note(self, tenant_id: str, record: Mapping[str, Any]) -> None:
        """Reflect one written record, if this tenant's index is built."""
        entries = self._entries.get(tenant_id)
        if entries is None:
            return
        if record.get("deleted", False):
            entries.pop(record["id"], None)
            self._search.pop((tenant_id, record["id"]), None)
        else:
            entries[record["id"]] = entry_of(record)

    def entries(self, tenant_id: str) -> list[Entry]:
        return list(self._entries.get(tenant_id, {}).values())

    def search_text(self, tenant_id: str, entry: Entry) -> str | None:
        cached = self._search.get((tenant_id, entry.interview_id))
        if cached is not None and cached[0] == entry.version:
            return cached[1]
        return None

    def remember_search_text(self, tenant_id: str, entry: Entry, text: str) -> None:
        self._search[(tenant_id, entry.interview_id)] = (entry.version, text)

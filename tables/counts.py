"""A tenant's interview counts by status: the ``counts`` table's values and the API's view of
them (docs/api.md §4). Pure.

The interview agent changes a tenant's counts with every command that creates, deletes or moves
an interview between statuses, in the same step as the record. Counts remember the offset of the
last command they counted from each source topic, so a command redelivered after a crash is not
counted twice; they are exact, and equal what ``GET /interviews?status=`` lists.
"""

from __future__ import annotations

from typing import Any

from hirestream.tables.records import last_offset


def empty_counts() -> dict[str, Any]:
    return {"byStatus": {}, "offsets": {}}


def count_change(
    counts: dict[str, Any] | None,
    *,
    source: str,
    offset: int,
    status_before: str | None,
    status_after: str | None,
) -> dict[str, Any] | None:
    """The tenant's counts after one command moved an interview from ``status_before`` to
    ``status_after`` (None: it did not exist / no longer exists), or None when that command
    (``offset`` on ``source``) was counted already."""
    current = counts or empty_counts()
    if offset <= last_offset(current, source):
        return None
    by_status = dict(current["byStatus"])
    if status_before is not None:
        by_status[status_before] = by_status.get(status_before, 0) - 1
    if status_after is not None:
        by_status[status_after] = by_status.get(status_after, 0) + 1
    offsets = {**current.get("offsets", {}), source: offset}
    return {"byStatus": {k: v for k, v in by_status.items() if v}, "offsets": offsets}


def counts_view(counts: dict[str, Any] | None) -> dict[str, int]:
    """``{total, planned, approved, inProgress, infoNeeded}`` plus the other statuses;
    ``approved`` counts approved and completed interviews."""
    by = (counts or empty_counts())["byStatus"]
    return {
        "total": sum(by.values()),
        "planned": by.get("planned", 0),
        "approved": by.get("approved", 0) + by.get("completed", 0),
        "inProgress": by.get("in_progress", 0),
        "infoNeeded": by.get("info_needed", 0),
        "completed": by.get("completed", 0),
        "rejected": by.get("rejected", 0),
        "cancelled": by.get("cancelled", 0),
    }

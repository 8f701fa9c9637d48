"""The time, as the API writes it: ISO-8601 UTC with milliseconds (``...T10:00:00.000Z``)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_millis(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso_millis(datetime.now(UTC))

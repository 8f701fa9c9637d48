"""Interview records as the API shows them (the seed's field order). Pure: personal fields
arrive already opened."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hirestream.tables.records import FULL_FIELDS, SUMMARY_FIELDS, field_value

__all__ = ["FULL_FIELDS", "SUMMARY_FIELDS", "full", "list_item", "summary"]


def _value(record: Mapping[str, Any], personal: dict[str, str | None], field: str) -> Any:
    if field in personal:
        return personal[field]
    value = field_value(record, field)
    if field == "canonicalPayload" and value is not None:
        return {**value, "candidateResume": personal.get("candidateResume")}
    return value


def summary(record: Mapping[str, Any], personal: dict[str, str | None]) -> dict[str, Any]:
    return {f: _value(record, personal, f) for f in SUMMARY_FIELDS}


def list_item(record: Mapping[str, Any], personal: dict[str, str | None]) -> dict[str, Any]:
    return {f: _value(record, personal, f) for f in SUMMARY_FIELDS if f != "tenantId"}


def full(record: Mapping[str, Any], personal: dict[str, str | None]) -> dict[str, Any]:
    return {f: _value(record, personal, f) for f in FULL_FIELDS}

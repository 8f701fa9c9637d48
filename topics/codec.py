"""JSON codec for command and event values (orjson)."""

from __future__ import annotations

from typing import Any

import orjson


class MalformedMessage(ValueError):
    """A message on a topic that is not a JSON object."""


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def loads(raw: bytes | str | None) -> dict[str, Any]:
    if raw is None:
        raise MalformedMessage("empty message")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedMessage(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise MalformedMessage("not a JSON object")
    return value

"""The largest value the fleet writes to a table changelog or an event topic. Pure.

Kafka refuses a message above the broker's ``message.max.bytes`` (1 MiB by default), and a
changelog write that Kafka refuses stops a worker. Every value is therefore checked against
``MAX_VALUE_BYTES`` — under that limit, with room for the envelope around a record — before it
is written; what would not fit is refused (a command) or not written (derived state).
"""

from __future__ import annotations

from typing import Any

import orjson

MAX_VALUE_BYTES = 900_000


def fits(*values: Any) -> bool:
    """Whether each value, as JSON, fits under ``MAX_VALUE_BYTES``."""
    return all(len(orjson.dumps(v)) <= MAX_VALUE_BYTES for v in values)

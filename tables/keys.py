"""Table keys. Pure.

Keys are JSON arrays (``["acme","<interview id>"]``): an encoding with no ambiguity, so no
tenant's key can be another tenant's key or prefix whatever the ids contain, and
``tenant_prefix`` selects exactly one tenant's two-part keys.
"""

from __future__ import annotations

import orjson


def record_key(tenant_id: str, interview_id: str) -> bytes:
    return orjson.dumps([tenant_id, interview_id])


def command_key(tenant_id: str, command_id: str) -> bytes:
    return orjson.dumps([tenant_id, command_id])


def tenant_key(tenant_id: str) -> bytes:
    return orjson.dumps([tenant_id])


def tenant_prefix(tenant_id: str) -> bytes:
    """The start of every two-part key of this tenant, and of no other tenant's key."""
    return orjson.dumps([tenant_id])[:-1] + b","


def key_parts(key: bytes) -> list[str]:
    parts: list[str] = orjson.loads(key)
    return parts

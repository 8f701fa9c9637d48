"""Tenant ids, path ids and ids derived from them (docs/api.md §2). Pure.

A tenant id is 1–128 characters of ``A-Z a-z 0-9 . _ -``: a UUID, a slug or ``t-<uuid>`` all
work, while separators, spaces, control characters, NUL and non-ASCII never do. It is checked
once, where a principal is made (JWT, API key with ``X-Tenant-ID``, the CLI) or where an
upstream command enters the fleet; everything after that may rely on it.

Ids the fleet derives from several inputs (command ids from an ``Idempotency-Key``, interview
ids from an ``externalId``) hash an unambiguous encoding of those inputs — a JSON array — so no
two different input tuples can ever give the same id, whatever characters they contain.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

import orjson

TENANT_ID_PATTERN: Final = r"^[A-Za-z0-9._-]{1,128}$"
_TENANT_ID = re.compile(TENANT_ID_PATTERN)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_tenant_id(value: object) -> bool:
    """Whether ``value`` is a well-formed tenant id."""
    return isinstance(value, str) and _TENANT_ID.fullmatch(value) is not None


def canonical_uuid(value: object) -> str | None:
    """The lower-case hyphenated form of a UUID given as 36 characters, else None."""
    if not isinstance(value, str) or _UUID.fullmatch(value) is None:
        return None
    return value.lower()


def derived_id(namespace: uuid.UUID, *parts: str) -> str:
    """A UUIDv5 of ``parts`` in an encoding with no ambiguity (a JSON array)."""
    return str(uuid.uuid5(namespace, orjson.dumps(list(parts)).decode()))

"""Permissions and the role table (docs/api.md §2). Pure."""

from __future__ import annotations

from typing import Final

PERMISSIONS: Final[tuple[str, ...]] = (
    "interview:create",
    "interview:read",
    "interview:update",
    "interview:delete",
    "interview:conduct",
    "interview:assess",
    "interview:approve",
    "api-key:create",
    "api-key:read",
    "api-key:delete",
    "tenant:read",
    "tenant:update",
    "audit:read",
)

ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "ADMIN": frozenset(PERMISSIONS),
    "RECRUITER": frozenset(
        {
            "interview:create",
            "interview:read",
            "interview:update",
            "interview:conduct",
            "interview:approve",
            "tenant:read",
        }
    ),
    "VIEWER": frozenset({"interview:read", "tenant:read"}),
}


class UnknownPermission(ValueError):
    pass


def expand(codes: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Expand ``interview:*`` style wildcards and ``*``; unknown codes raise."""
    result: set[str] = set()
    for code in codes:
        if code == "*":
            result.update(PERMISSIONS)
        elif code.endswith(":*"):
            prefix = code[:-1]
            matched = [p for p in PERMISSIONS if p.startswith(prefix)]
            if not matched:
                raise UnknownPermission(f"unknown permission {code!r}")
            result.update(matched)
        elif code in PERMISSIONS:
            result.add(code)
        else:
            raise UnknownPermission(f"unknown permission {code!r}")
    return frozenset(result)

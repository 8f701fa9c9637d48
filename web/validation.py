"""Request validation for interviews (API.md §3, §4). Pure: each function takes what the
client sent and returns clean values, or raises ``Invalid`` with one human-readable message
per bad field, each naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from hirestream.agents.interviews.states import STATUSES
from hirestream.clock import iso_millis
from hirestream.tables.queries import FILTERABLE, ListQuery

LEVELS = ("junior", "mid", "senior", "lead", "principal")
MAX_LIMIT = 100
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)

#: Read-only fields are never taken from a body (API.md §1); they are dropped silently,
#: like any unknown field.
WRITABLE = (
    "candidateName",
    "candidateEmail",
    "position",
    "level",
    "skills",
    "jobDescription",
    "candidateResume",
    "qualifications",
    "scheduledAt",
    "duration",
    "callbackUrl",
    "externalId",
    "candidateRef",
    "candidateProfile",
    "companyName",
)


class Invalid(ValueError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class _Checker:
    errors: list[str]

    def text(
        self,
        body: dict[str, Any],
        field: str,
        max_len: int,
        *,
        required: bool = False,
        nullable: bool = True,
    ) -> str | None:
        if field not in body or (body[field] is None and nullable and not required):
            if required:
                self.errors.append(f"{field} is required")
            return None
        raw = body[field]
        if not isinstance(raw, str):
            self.errors.append(f"{field} must be a string")
            return None
        value = raw.strip()
        if not value and (required or not nullable):
            self.errors.append(f"{field} must not be empty")
        elif len(value) > max_len:
            self.errors.append(f"{field} must be at most {max_len} characters")
        return value

    def strings(
        self, body: dict[str, Any], field: str, max_items: int, max_len: int
    ) -> list[str] | None:
        if field not in body or body[field] is None:
            return None
        value = body[field]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errors.append(f"{field} must be a list of strings")
            return None
        if len(value) > max_items:
            self.errors.append(f"{field} must have at most {max_items} items")
        items = [v.strip() for v in value]
        if any(len(v) > max_len for v in items):
            self.errors.append(f"each of {field} must be at most {max_len} characters")
        if any(not v for v in items):
            self.errors.append(f"{field} must not contain empty strings")
        return items


def _email(checker: _Checker, value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > 254 or not _EMAIL.match(value):
        checker.errors.append("candidateEmail must be an email")
    return value


def _level(checker: _Checker, value: str | None) -> str | None:
    if value is None:
        return None
    if value.lower() not in LEVELS:
        checker.errors.append(f"level must be one of {', '.join(v.upper() for v in LEVELS)}")
        return None
    return value.lower()


def _scheduled(checker: _Checker, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        checker.errors.append("scheduledAt must be an ISO-8601 date-time")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return iso_millis(parsed)


def _duration(checker: _Checker, body: dict[str, Any]) -> int | None:
    if "duration" not in body or body["duration"] is None:
        return None
    value = body["duration"]
    if isinstance(value, bool) or not isinstance(value, int):
        checker.errors.append("duration must be a whole number of minutes")
        return None
    if not 10 <= value <= 180:
        checker.errors.append("duration must be between 10 and 180 minutes")
    return value


def _callback(checker: _Checker, value: str | None, http_hosts: frozenset[str]) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme == "http" and parts.hostname in http_hosts:
        return value
    if parts.scheme != "https" or not parts.hostname:
        checker.errors.append("callbackUrl must be an https URL")
    return value


def _fields(
    body: dict[str, Any], *, creating: bool, http_hosts: frozenset[str], required: bool = True
) -> dict[str, Any]:
    c = _Checker([])
    needed = creating and required
    out: dict[str, Any] = {
        "candidateName": c.text(body, "candidateName", 200, required=needed, nullable=False),
        "position": c.text(body, "position", 200, required=needed, nullable=False),
        "candidateEmail": _email(c, c.text(body, "candidateEmail", 254)),
        "level": _level(c, c.text(body, "level", 20)),
        "skills": c.strings(body, "skills", 50, 100),
        "jobDescription": c.text(body, "jobDescription", 20_000),
        "candidateResume": c.text(body, "candidateResume", 100_000),
        "qualifications": c.strings(body, "qualifications", 30, 500),
        "scheduledAt": _scheduled(c, c.text(body, "scheduledAt", 64)),
        "duration": _duration(c, body),
        "callbackUrl": _callback(c, c.text(body, "callbackUrl", 2048), http_hosts),
        "externalId": c.text(body, "externalId", 200),
        "candidateRef": c.text(body, "candidateRef", 200),
        "candidateProfile": c.text(body, "candidateProfile", 20_000),
        "companyName": c.text(body, "companyName", 200),
    }
    if not creating:
        for field in ("candidateName", "position", "duration"):
            if field in body and body[field] is None:
                c.errors.append(f"{field} must not be null")
    if c.errors:
        raise Invalid(c.errors)
    return out


def create_input(
    body: Any, *, http_hosts: frozenset[str] = frozenset(), required: bool = True
) -> dict[str, Any]:
    """The fields of a new interview, with defaults (``duration`` 45, empty lists).
    ``required=False`` (the Integration API) accepts incomplete data: the workflow asks for
    what is missing."""
    if not isinstance(body, dict):
        raise Invalid(["body must be a JSON object"])
    fields = _fields(body, creating=True, http_hosts=http_hosts, required=required)
    fields["duration"] = fields["duration"] or 45
    fields["skills"] = fields["skills"] or []
    fields["qualifications"] = fields["qualifications"] or []
    return fields


def update_input(body: Any, *, http_hosts: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Only the fields the client sent (``null`` clears an optional field), plus ``status``."""
    if not isinstance(body, dict):
        raise Invalid(["body must be a JSON object"])
    fields = _fields(body, creating=False, http_hosts=http_hosts)
    changes = {k: fields[k] for k in WRITABLE if k in body}
    if "status" in body:
        status = body["status"]
        if not isinstance(status, str) or status.lower() not in STATUSES:
            raise Invalid([f"status must be one of {', '.join(STATUSES)}"])
        changes["status"] = status.lower()
    if not changes:
        raise Invalid(["body has no field to update"])
    return changes


def _positive_int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise Invalid([f"{name} must be a positive whole number"])
    value = int(raw)
    if value < 1:
        raise Invalid([f"{name} must be a positive whole number"])
    return value


def list_query(params: dict[str, str]) -> ListQuery:
    """``page`` ≥ 1 (default 1), ``limit`` 1–100 (default 20; above 100 is clamped),
    ``status`` (status or workflowState, case-insensitive), ``search`` (≤ 200 chars)."""
    page = _positive_int(params.get("page"), "page", 1)
    limit = min(_positive_int(params.get("limit"), "limit", 20), MAX_LIMIT)
    status = params.get("status") or None
    if status is not None:
        status = status.lower()
        if status not in FILTERABLE:
            raise Invalid([f"status must be one of {', '.join(sorted(FILTERABLE))}"])
    search = params.get("search") or None
    if search is not None:
        if len(search) > 200:
            raise Invalid(["search must be at most 200 characters"])
        search = search.strip().lower() or None
    return ListQuery(page=page, limit=limit, status=status, search=search)


def override_input(body: Any, role_families: list[str]) -> dict[str, Any]:
    """``{addSkills[], removeSkills[], roleFamily?, reason?}`` (API.md §5); an unknown role
    family is refused with the list of valid ones."""
    if not isinstance(body, dict):
        raise Invalid(["body must be a JSON object"])
    c = _Checker([])
    add = c.strings(body, "addSkills", 50, 100) or []
    remove = c.strings(body, "removeSkills", 50, 100) or []
    family = c.text(body, "roleFamily", 100)
    reason = c.text(body, "reason", 1000)
    if family is not None and family not in role_families:
        c.errors.append(f"roleFamily must be one of {', '.join(role_families)}")
    if not c.errors and not add and not remove and not family:
        c.errors.append("an override needs addSkills, removeSkills or roleFamily")
    if c.errors:
        raise Invalid(c.errors)
    return {"addSkills": add, "removeSkills": remove, "roleFamily": family, "reason": reason}

"""Command payloads: their fields, limits and validation, one set for every way in (docs/api.md
§3, §10). Pure.

The web layer validates a request body with these functions before it publishes a command,
and the interview agent validates every command's payload with the same functions again, so
an upstream producer writing to the command topic gets exactly the checks an HTTP client
gets. Each function returns clean values or raises ``Invalid`` with one human-readable message
per bad field, each naming the field. The fields are declared as data (``CONTENT_FIELDS``), so
the JSON Schema of each command (``topics.schemas``) is generated from the same declarations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from hirestream.topics.clock import iso_millis
from hirestream.topics.urls import check_url
from hirestream.topics.vocabulary import LEVELS, PERSON_ACTIONS, PERSONAL_FIELDS, STATUSES

EMAIL_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_EMAIL = re.compile(EMAIL_PATTERN)

Kind = Literal["text", "email", "level", "strings", "datetime", "duration", "url"]


class Invalid(ValueError):
    """Bad input: one message per bad field."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Field:
    """One content field of an interview: its kind and limits."""

    name: str
    kind: Kind
    max_len: int = 0  # characters of a text, or of each item of a list
    max_items: int = 0  # items of a list
    description: str = ""

    @property
    def personal(self) -> bool:
        return self.name in PERSONAL_FIELDS


#: Every field a create or an update may carry (read-only fields are never taken from input).
CONTENT_FIELDS: tuple[Field, ...] = (
    Field("candidateName", "text", 200, description="personal; sealed before any table"),
    Field("candidateEmail", "email", 254, description="personal; sealed before any table"),
    Field("position", "text", 200),
    Field("level", "level", 20, description="case-insensitive; stored lower-case"),
    Field("skills", "strings", 100, 50),
    Field("jobDescription", "text", 20_000),
    Field("candidateResume", "text", 100_000, description="personal; sealed"),
    Field("qualifications", "strings", 500, 30),
    Field("scheduledAt", "datetime", 64),
    Field("duration", "duration", description="minutes, 10 to 180; 45 when absent"),
    Field("callbackUrl", "url", 2048, description="https; no internal address or name"),
    Field("externalId", "text", 200, description="the partner's id: idempotent per tenant"),
    Field("candidateRef", "text", 200, description="the partner's own id of the candidate"),
    Field("candidateProfile", "text", 20_000, description="personal; sealed"),
    Field("companyName", "text", 200),
)
WRITABLE: tuple[str, ...] = tuple(f.name for f in CONTENT_FIELDS)
_BY_NAME = {f.name: f for f in CONTENT_FIELDS}

#: Fields that may not be null once they have a value.
NOT_NULLABLE = ("candidateName", "position", "duration")
#: Fields a create through ``POST /interviews`` must have.
REQUIRED_ON_CREATE = ("candidateName", "position")


@dataclass
class _Checker:
    errors: list[str]

    def text(self, body: Mapping[str, Any], field: str, max_len: int, *, required: bool) -> Any:
        nullable = field not in NOT_NULLABLE
        if field not in body or (body[field] is None and nullable and not required):
            if required:
                self.errors.append(f"{field} is required")
            return None
        raw = body[field]
        if not isinstance(raw, str):
            self.errors.append(f"{field} must be a string")
            return None
        value = raw.strip()
        if not value and (required or field in NOT_NULLABLE):
            self.errors.append(f"{field} must not be empty")
        elif len(value) > max_len:
            self.errors.append(f"{field} must be at most {max_len} characters")
        return value

    def strings(self, body: Mapping[str, Any], field: Field) -> list[str] | None:
        if field.name not in body or body[field.name] is None:
            return None
        value = body[field.name]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errors.append(f"{field.name} must be a list of strings")
            return None
        if len(value) > field.max_items:
            self.errors.append(f"{field.name} must have at most {field.max_items} items")
        items = [v.strip() for v in value]
        if any(len(v) > field.max_len for v in items):
            self.errors.append(f"each of {field.name} must be at most {field.max_len} characters")
        if any(not v for v in items):
            self.errors.append(f"{field.name} must not contain empty strings")
        return items

    def field(
        self,
        body: Mapping[str, Any],
        field: Field,
        *,
        required: bool,
        http_hosts: frozenset[str],
    ) -> Any:
        if field.kind == "strings":
            return self.strings(body, field)
        if field.kind == "duration":
            return self.duration(body)
        value = self.text(body, field.name, field.max_len, required=required)
        if value is None:
            return None
        if field.kind == "email":
            return self.email(value)
        if field.kind == "level":
            return self.level(value)
        if field.kind == "datetime":
            return self.moment(field.name, value)
        if field.kind == "url":
            return self.url(field.name, value, http_hosts)
        return value

    def email(self, value: str) -> str:
        if len(value) > 254 or not _EMAIL.fullmatch(value):
            self.errors.append("candidateEmail must be an email")
        return value

    def level(self, value: str) -> str | None:
        if value.lower() not in LEVELS:
            self.errors.append(f"level must be one of {', '.join(v.upper() for v in LEVELS)}")
            return None
        return value.lower()

    def moment(self, name: str, value: str) -> str | None:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.errors.append(f"{name} must be an ISO-8601 date-time")
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        try:
            return iso_millis(parsed)
        except OverflowError:
            self.errors.append(f"{name} must be an ISO-8601 date-time")
            return None

    def duration(self, body: Mapping[str, Any]) -> int | None:
        if "duration" not in body or body["duration"] is None:
            return None
        value = body["duration"]
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 45.0 is the whole number 45 (JSON does not tell them apart)
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.append("duration must be a whole number of minutes")
            return None
        if not 10 <= value <= 180:
            self.errors.append("duration must be between 10 and 180 minutes")
        return value

    def url(self, name: str, value: str, http_hosts: frozenset[str]) -> str:
        reason = check_url(value, http_hosts)
        if reason is not None:
            self.errors.append(f"{name} {reason}")
        return value


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise Invalid(["body must be a JSON object"])
    return body


def _content(
    body: Mapping[str, Any], *, creating: bool, required: bool, http_hosts: frozenset[str]
) -> dict[str, Any]:
    c = _Checker([])
    out = {
        f.name: c.field(
            body,
            f,
            required=creating and required and f.name in REQUIRED_ON_CREATE,
            http_hosts=http_hosts,
        )
        for f in CONTENT_FIELDS
    }
    if not creating:
        for name in NOT_NULLABLE:
            if name in body and body[name] is None:
                c.errors.append(f"{name} must not be null")
    if c.errors:
        raise Invalid(c.errors)
    return out


def create_fields(
    body: Any, *, http_hosts: frozenset[str] = frozenset(), required: bool = True
) -> dict[str, Any]:
    """The fields of a new interview, with defaults (``duration`` 45, empty lists).
    ``required=False`` (the Integration API, upstream producers) accepts incomplete data: the
    workflow asks for what is missing."""
    fields = _content(_object(body), creating=True, required=required, http_hosts=http_hosts)
    fields["duration"] = fields["duration"] or 45
    fields["skills"] = fields["skills"] or []
    fields["qualifications"] = fields["qualifications"] or []
    return fields


def update_fields(
    body: Any, *, http_hosts: frozenset[str] = frozenset(), allow_status: bool = True
) -> dict[str, Any]:
    """Only the fields sent (``null`` clears an optional field), plus ``status``."""
    body = _object(body)
    fields = _content(body, creating=False, required=False, http_hosts=http_hosts)
    changes = {k: fields[k] for k in WRITABLE if k in body}
    if "status" in body:
        status = body["status"]
        if not allow_status:
            raise Invalid(["status cannot be set here: supply the missing fields"])
        if not isinstance(status, str) or status.lower() not in STATUSES:
            raise Invalid([f"status must be one of {', '.join(STATUSES)}"])
        changes["status"] = status.lower()
    if not changes:
        raise Invalid(["body has no field to update"])
    return changes


def override_fields(body: Any, role_families: list[str]) -> dict[str, Any]:
    """``{addSkills[], removeSkills[], roleFamily?, reason?}``; an unknown role family is
    refused with the list of valid ones."""
    body = _object(body)
    c = _Checker([])
    add = c.strings(body, Field("addSkills", "strings", 100, 50)) or []
    remove = c.strings(body, Field("removeSkills", "strings", 100, 50)) or []
    family = c.text(body, "roleFamily", 100, required=False)
    reason = c.text(body, "reason", 1000, required=False)
    if family is not None and family not in role_families:
        c.errors.append(f"roleFamily must be one of {', '.join(role_families)}")
    if not c.errors and not add and not remove and not family:
        c.errors.append("an override needs addSkills, removeSkills or roleFamily")
    if c.errors:
        raise Invalid(c.errors)
    return {"addSkills": add, "removeSkills": remove, "roleFamily": family, "reason": reason}


def workflow_fields(body: Any) -> dict[str, Any]:
    """A person's action: ``{action: approve|reject|revise|cancel, notes?, feedback?}``;
    ``revise`` needs ``notes``."""
    body = _object(body)
    action = body.get("action")
    if action not in PERSON_ACTIONS:
        raise Invalid([f"action must be one of {', '.join(PERSON_ACTIONS)}"])
    c = _Checker([])
    notes = c.text(body, "notes", 5000, required=action == "revise")
    feedback = c.text(body, "feedback", 5000, required=False)
    if action == "revise" and not c.errors and not notes:
        c.errors.append("notes must not be empty")
    if c.errors:
        raise Invalid(c.errors)
    out: dict[str, Any] = {"action": action}
    if action == "revise":
        out["notes"] = notes
    if action == "reject" and feedback:
        out["feedback"] = feedback
    return out


def public_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in PERSONAL_FIELDS}


def personal_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k in PERSONAL_FIELDS}

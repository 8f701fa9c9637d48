"""JSON Schema (2020-12) of every command and event, generated from the declarations in
``topics`` (docs/kafka.md).

``python -m hirestream.topics.schemas`` writes them to ``topics/published/`` (checked in; a unit
test fails when they drift from the code); the API serves them at
``GET /api/v1/schemas/<name>.json``. Names: ``command.<type>`` and ``event.<type>``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from hirestream.topics.commands import (
    ACTOR_KINDS,
    INTERNAL_COMMANDS,
    PUBLIC_COMMANDS,
    SEARCH_TOKENS_MAX,
)
from hirestream.topics.journey import END_REASONS, MAX_ANSWER_CHARS
from hirestream.topics.names import EVENT_TOPICS
from hirestream.topics.payloads import CONTENT_FIELDS, EMAIL_PATTERN, NOT_NULLABLE, Field
from hirestream.topics.tenancy import TENANT_ID_PATTERN
from hirestream.topics.vocabulary import (
    LEVELS,
    PERSON_ACTIONS,
    PERSONAL_FIELDS,
    SEARCHED_PERSONAL_FIELDS,
    STATUSES,
)

FOLDER = Path(__file__).with_name("published")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _either_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


def _nullable(schema: dict[str, Any], field: Field) -> dict[str, Any]:
    if field.name in NOT_NULLABLE:
        return schema
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]}


def field_schema(field: Field) -> dict[str, Any]:
    """The schema of one content field (limits apply to the value with spaces trimmed)."""
    schema: dict[str, Any]
    if field.kind == "strings":
        schema = {
            "type": "array",
            "maxItems": field.max_items,
            "items": {"type": "string", "maxLength": field.max_len, "pattern": "\\S"},
        }
    elif field.kind == "duration":
        schema = {"type": "integer", "minimum": 10, "maximum": 180}
    elif field.kind == "level":
        words = "|".join(_either_case(level) for level in LEVELS)
        schema = {"type": "string", "pattern": f"^(?:{words})$"}
    else:
        schema = {"type": "string", "maxLength": field.max_len}
        schema.update(
            {
                "email": {"format": "email", "pattern": EMAIL_PATTERN},
                "datetime": {"format": "date-time"},
            }.get(field.kind, {})
        )
        if field.kind == "url":
            schema.update(format="uri", pattern="^https?://")
    if field.description:
        schema["description"] = field.description
    return _nullable(schema, field)


def _content(*, with_status: bool) -> dict[str, Any]:
    properties = {f.name: field_schema(f) for f in CONTENT_FIELDS}
    if with_status:
        properties["status"] = {
            "enum": list(STATUSES),
            "description": "approved or rejected from pending; anything else is refused",
        }
    properties["sealed"] = {
        "type": "object",
        "description": "Personal fields sealed by the web layer (upstream producers send them "
        "plain: the fleet seals them)",
        "propertyNames": {"enum": list(PERSONAL_FIELDS)},
        "additionalProperties": {"type": "string"},
    }
    properties["searchTokens"] = {
        "type": "object",
        "description": "Keyed-hash search tokens of the sealed candidateName and candidateEmail "
        "(made where they are sealed; never in an event)",
        "propertyNames": {"enum": list(SEARCHED_PERSONAL_FIELDS)},
        "additionalProperties": {
            "type": "string",
            "pattern": "^v1\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*$",
            "maxLength": SEARCH_TOKENS_MAX,
        },
    }
    return {"type": "object", "properties": properties}


def payload_schema(kind: str) -> dict[str, Any]:
    """The schema of a command type's payload."""
    if kind == "interview.create":
        return _content(with_status=False)
    if kind == "interview.update":
        return _content(with_status=True)
    if kind == "interview.supply_info":
        return _content(with_status=False)
    if kind == "interview.override":
        skills = {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 100}}
        return {
            "type": "object",
            "properties": {
                "addSkills": skills,
                "removeSkills": skills,
                "roleFamily": {"type": ["string", "null"], "maxLength": 100},
                "reason": {"type": ["string", "null"], "maxLength": 1000},
            },
        }
    if kind == "interview.workflow":
        return {
            "type": "object",
            "required": ["action"],
            "properties": {
                "action": {"enum": list(PERSON_ACTIONS)},
                "notes": {"type": "string", "maxLength": 5000, "description": "for revise"},
                "feedback": {"type": ["string", "null"], "maxLength": 5000},
            },
        }
    if kind in _JOURNEY:
        return _JOURNEY[kind]
    if kind in INTERNAL_COMMANDS:
        return {"type": "object", "description": "written by the fleet's own agents only"}
    return {"type": "object", "maxProperties": 0}


_UUID = {"type": "string", "pattern": UUID_PATTERN}
_JOURNEY: dict[str, dict[str, Any]] = {
    "interview.invite": {
        "type": "object",
        "required": ["inviteId"],
        "properties": {
            "inviteId": _UUID,
            "validDays": {"type": "number", "exclusiveMinimum": 0, "maximum": 365},
            "notify": {
                "type": "object",
                "required": ["replyTo", "correlationId"],
                "description": "where the mailer reports whether the mail went out",
                "properties": {
                    "replyTo": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,249}$"},
                    "correlationId": {"type": "string", "minLength": 1, "maxLength": 200},
                },
            },
        },
    },
    "interview.session_join": {
        "type": "object",
        "required": ["sessionId"],
        "properties": {"sessionId": _UUID},
    },
    "interview.session_answer": {
        "type": "object",
        "required": ["sessionId", "questionIndex"],
        "properties": {
            "sessionId": _UUID,
            "questionIndex": {"type": "integer", "minimum": 0, "maximum": 1000},
            "text": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_ANSWER_CHARS,
                "pattern": "\\S",
                "description": "plain: the fleet seals it; not only white space",
            },
            "sealedText": {"type": "string", "description": "sealed by the web layer"},
        },
        "oneOf": [{"required": ["text"]}, {"required": ["sealedText"]}],
    },
    "interview.session_end": {
        "type": "object",
        "required": ["sessionId", "reason"],
        "properties": {"sessionId": _UUID, "reason": {"enum": list(END_REASONS)}},
    },
}


def command_schema(kind: str) -> dict[str, Any]:
    topic = "interview-commands.internal" if kind in INTERNAL_COMMANDS else "interview-commands"
    return {
        "$schema": DIALECT,
        "$id": f"command.{kind}.json",
        "title": f"{kind} command",
        "description": f"The value of a {kind} command on {topic}; the message key is the "
        "tenant id (UTF-8).",
        "type": "object",
        "required": ["commandId", "type", "tenantId", "interviewId"],
        "properties": {
            "commandId": {"type": "string", "minLength": 1, "maxLength": 200},
            "type": {"const": kind},
            "tenantId": {"type": "string", "pattern": TENANT_ID_PATTERN},
            "interviewId": {"type": "string", "pattern": UUID_PATTERN},
            "issuedAt": {
                "type": "string",
                "format": "date-time",
                "description": "defaults to the message's timestamp",
            },
            "actor": {
                "type": "object",
                "required": ["kind", "id"],
                "properties": {
                    "kind": {"enum": list(ACTOR_KINDS)},
                    "id": {"type": "string", "minLength": 1, "maxLength": 200},
                },
            },
            "requestId": {"type": "string", "maxLength": 200},
            "fingerprint": {"type": "string", "maxLength": 128},
            "payload": payload_schema(kind),
        },
    }


#: Events that also carry the session's transcript (candidate answers sealed).
EVENTS_WITH_TRANSCRIPT = ("interview.completed", "interview.assessment_requested")

_TRANSCRIPT = {
    "type": "object",
    "description": "The session's turns in order; a candidate's answer is sealed under the "
    "interview's data key (sealedText), or erased after a purge.",
    "required": ["sessionId", "startedAt", "turns"],
    "properties": {
        "sessionId": {"type": "string", "pattern": UUID_PATTERN},
        "startedAt": {"type": "string", "format": "date-time"},
        "endedAt": {"type": ["string", "null"], "format": "date-time"},
        "endedReason": {"enum": ["completed", *END_REASONS, None]},
        "turns": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "role", "at", "questionIndex"],
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "role": {"enum": ["interviewer", "candidate"]},
                    "at": {"type": "string", "format": "date-time"},
                    "questionIndex": {"type": "integer", "minimum": 0},
                    "text": {"type": "string", "description": "The question (interviewer)."},
                    "questionId": {"type": ["string", "null"]},
                    "skill": {"type": ["string", "null"]},
                    "sealedText": {"type": "string", "description": "The answer, sealed."},
                    "erased": {"const": True},
                },
                "not": {"required": ["answer"]},
            },
        },
    },
}

_INVITE = {
    "type": "object",
    "description": "The invitation: its id, when the candidate's link expires, and whether "
    "the candidate is to be emailed.",
    "required": ["inviteId", "tokenExpiresAt"],
    "properties": {
        "inviteId": {"type": ["string", "null"]},
        "tokenExpiresAt": {"type": ["string", "null"], "format": "date-time"},
        "notify": {"type": ["boolean", "null"]},
    },
}


def event_schema(kind: str) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if kind in EVENTS_WITH_TRANSCRIPT:
        extra["transcript"] = _TRANSCRIPT
    if kind == "interview.invited":
        extra["invite"] = _INVITE
    return {
        "$schema": DIALECT,
        "$id": f"event.{kind}.json",
        "title": f"{kind} event",
        "description": f"The value of an event on the {kind} topic; the key is the tenant id. "
        "(interviewId, sequence) is unique and increasing across all event topics.",
        "type": "object",
        "required": [
            "eventId",
            "type",
            "tenantId",
            "interviewId",
            "version",
            "sequence",
            "occurredAt",
            "commandId",
            "record",
        ],
        "properties": {
            "eventId": {"type": "string", "description": "<interviewId>:<sequence>"},
            "type": {"const": kind},
            "tenantId": {"type": "string", "pattern": TENANT_ID_PATTERN},
            "interviewId": {"type": "string", "pattern": UUID_PATTERN},
            "version": {"type": "integer", "minimum": 1},
            "sequence": {"type": "integer", "minimum": 1},
            "occurredAt": {"type": "string", "format": "date-time"},
            "commandId": {"type": "string"},
            "record": {
                "type": "object",
                "description": "The public record, as GET /interviews/:id shows it, with the "
                "personal fields sealed under the interview's data key (sealed).",
                "required": ["id", "tenantId", "status", "version", "sealed"],
                "properties": {
                    "id": {"type": "string", "pattern": UUID_PATTERN},
                    "tenantId": {"type": "string"},
                    "status": {"enum": list(STATUSES)},
                    "version": {"type": "integer"},
                    "sealed": {
                        "type": "object",
                        "propertyNames": {"enum": list(PERSONAL_FIELDS)},
                    },
                },
                "not": {"anyOf": [{"required": [f]} for f in PERSONAL_FIELDS]},
            },
            **extra,
        },
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every schema by name."""
    found = {
        f"command.{kind}": command_schema(kind)
        for kind in sorted(PUBLIC_COMMANDS | INTERNAL_COMMANDS)
    }
    found.update({f"event.{kind}": event_schema(kind) for kind in EVENT_TOPICS})
    return found


def rendered(schema: dict[str, Any]) -> bytes:
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2) + b"\n"


def write(folder: Path = FOLDER) -> list[Path]:
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("*.json"):
        stale.unlink()
    written = []
    for name, schema in all_schemas().items():
        path = folder / f"{name}.json"
        path.write_bytes(rendered(schema))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(path.name, file=sys.stderr)

"""Command, outcome and event records as they travel on Kafka (docs/kafka.md).

A command is what the web layer (or an upstream producer) asks for; the interview agent
answers every command exactly once with an outcome, and records facts as events.

Command (value on ``interview-commands``, key = tenant id; ``topics.commands`` checks it)::

    {"commandId": "...", "type": "interview.create", "tenantId": "...", "interviewId": "...",
     "issuedAt": "2024-01-15T10:00:00.000Z", "payload": {...},
     "actor": {"kind": "user" | "apiKey" | "system", "id": "..."}, "requestId": "...",
     "fingerprint": "sha256 of method+path+body"}

``issuedAt``, ``actor``, ``requestId`` and ``fingerprint`` are optional for upstream producers.

Outcome (reply, to the topic named in the command's ``replyTo`` header)::

    {"ok": true, "httpStatus": 201, "record": {...}} or
    {"ok": false, "httpStatus": 404, "code": "not_found", "message": "Interview not found"}

Event (value on ``interview.<what>``, key = tenant id)::

    {"eventId": "<interviewId>:<sequence>", "type": "interview.created", "tenantId": "...",
     "interviewId": "...", "version": 1, "sequence": 1, "occurredAt": "...",
     "commandId": "...", "record": {...the public record...}}

``sequence`` numbers an interview's events across all event topics (unique, increasing);
several events of one command share the record's ``version``.

Personal fields (candidate name, email, résumé, profile) are never in plain text in a table or
an event: they travel sealed with the interview's own data key (see ``hirestream.privacy``), so
destroying that key erases them from every topic and table at once.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict


class Actor(TypedDict):
    kind: Literal["user", "apiKey", "system"]
    id: str


class Command(TypedDict):
    commandId: str
    type: str
    tenantId: str
    interviewId: str
    actor: Actor
    requestId: str
    issuedAt: str
    fingerprint: str
    payload: dict[str, Any]


class Outcome(TypedDict):
    ok: bool
    httpStatus: int
    replayed: NotRequired[bool]  # answered from an earlier time the command was applied
    record: NotRequired[dict[str, Any]]
    code: NotRequired[str]
    message: NotRequired[str]
    errors: NotRequired[list[str]]  # validation: one message per bad field


class Event(TypedDict):
    eventId: str
    type: str
    tenantId: str
    interviewId: str
    version: int
    sequence: int
    occurredAt: str
    commandId: str
    record: dict[str, Any]


def accepted(record: dict[str, Any], http_status: int) -> Outcome:
    return {"ok": True, "httpStatus": http_status, "record": record}


def rejected(http_status: int, code: str, message: str) -> Outcome:
    return {"ok": False, "httpStatus": http_status, "code": code, "message": message}


def system_command(
    kind: str,
    *,
    command_id: str,
    tenant_id: str,
    interview_id: str,
    agent: str,
    issued_at: str,
    payload: dict[str, Any],
) -> Command:
    """A command a background agent sends about an interview (no reply expected)."""
    return {
        "commandId": command_id,
        "type": kind,
        "tenantId": tenant_id,
        "interviewId": interview_id,
        "actor": {"kind": "system", "id": agent},
        "requestId": "",
        "issuedAt": issued_at,
        "fingerprint": "",
        "payload": payload,
    }

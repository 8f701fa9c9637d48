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
    kind: Literal["user", "apiKey", "system", "candidate"]
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
    """The answer to a command: applied (``result``, the record) or not (``code``)."""

    ok: bool
    result: NotRequired[str]  # created | updated | deleted | unchanged | existing
    record: NotRequired[dict[str, Any]]  # the interview after the command (not when deleted)
    replayed: NotRequired[bool]  # answered from an earlier time the command was applied
    code: NotRequired[str]  # why not: not_found, invalid_transition, validation_failed, ...
    details: NotRequired[dict[str, Any]]  # what the code needs (state, action, errors, ...)
    reason: NotRequired[str]  # the same, as one line


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
    transcript: NotRequired[dict[str, Any]]  # interview.completed: the turns, answers sealed
    invite: NotRequired[dict[str, Any]]  # interview.invited: {inviteId, tokenExpiresAt, notify}


def accepted(result: str, record: dict[str, Any] | None, *, replayed: bool = False) -> Outcome:
    outcome: Outcome = {"ok": True, "result": result}
    if record is not None:
        outcome["record"] = record
    if replayed:
        outcome["replayed"] = True
    return outcome


def rejected(code: str, details: dict[str, Any] | None = None) -> Outcome:
    details = details or {}
    return {"ok": False, "code": code, "details": details, "reason": reason_of(code, details)}


def reason_of(code: str, details: dict[str, Any]) -> str:
    """A rejection in one line, for logs and dead letters: the code and its details."""
    if not details:
        return code
    if "errors" in details:
        return f"{code}: {'; '.join(map(str, details['errors']))}"
    shown = ", ".join(f"{k} {v}" for k, v in details.items())
    return f"{code}: {shown}"


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

"""Turning an HTTP write into a command and its outcome into a response.

The command id is derived from the ``Idempotency-Key`` header when there is one (so a retry
is the same command, and a create retried gets the same interview id), else random. The
fingerprint (method, path and body) lets the agent tell a replay from a reused key (422).
Derived ids hash an unambiguous encoding of their inputs (``hirestream.topics.tenancy.derived_id``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, cast

import orjson
from aiohttp import web

from hirestream.tables.records import InterviewRecord
from hirestream.topics.clock import now_iso
from hirestream.topics.records import Command, Outcome
from hirestream.topics.tenancy import canonical_uuid, derived_id
from hirestream.web import payloads
from hirestream.web.auth import principal
from hirestream.web.backend import CommandTimeout, CommandTooLarge
from hirestream.web.errors import NOT_FOUND, Problem, request_id_of
from hirestream.web.keys import BACKEND, COMMAND_TIMEOUT
from hirestream.web.outcomes import problem_of

_NAMESPACE = uuid.UUID("6f1f4a0e-7a51-4d0e-9a53-2b0f7c1d9e11")


#: Media types a JSON body may be sent as.
JSON_TYPES = ("application/json",)


def path_id(request: web.Request, name: str = "id") -> str:
    """A path id: a UUID (lower-cased), anything else is an unknown id (404)."""
    found = canonical_uuid(request.match_info[name])
    if found is None:
        raise NOT_FOUND
    return found


async def read_json(request: web.Request) -> tuple[Any, bytes]:
    """The JSON body: 415 when it is sent as another media type, 400 when it is not JSON."""
    raw = await request.read()
    if raw.strip() and not (
        request.content_type in JSON_TYPES or request.content_type.endswith("+json")
    ):
        raise Problem(
            415,
            f"Content-Type must be application/json (got {request.content_type[:100]})",
            code="unsupported_media_type",
        )
    if not raw.strip():
        raise Problem(400, ["body is required and must be a JSON object"])
    try:
        return orjson.loads(raw), raw
    except orjson.JSONDecodeError as exc:
        raise Problem(400, [f"body must be valid JSON ({exc.msg})"], code="invalid_json") from exc


def idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise Problem(400, ["Idempotency-Key must be 1 to 255 printable characters"])
    return key


def command_id_for(tenant_id: str, key: str | None) -> str:
    if key is None:
        return str(uuid.uuid4())
    return derived_id(_NAMESPACE, "command", tenant_id, key)


def new_interview_id(command_id: str, key: str | None) -> str:
    return derived_id(_NAMESPACE, "interview", command_id) if key else str(uuid.uuid4())


def build_command(
    request: web.Request,
    *,
    kind: str,
    command_id: str,
    interview_id: str,
    payload: dict[str, Any],
    raw_body: bytes,
) -> Command:
    who = principal(request)
    fingerprint = hashlib.sha256(
        request.method.encode() + b" " + request.path.encode() + b"\n" + raw_body
    ).hexdigest()
    return {
        "commandId": command_id,
        "type": kind,
        "tenantId": who.tenant_id,
        "interviewId": interview_id,
        "actor": {"kind": who.kind, "id": who.subject},
        "requestId": request_id_of(request),
        "issuedAt": now_iso(),
        "fingerprint": fingerprint,
        "payload": payload,
    }


async def act(
    request: web.Request,
    kind: str,
    interview_id: str,
    payload: dict[str, Any],
    raw_body: bytes = b"",
) -> Outcome:
    """Send a command about one interview of the caller's tenant (its id from the
    ``Idempotency-Key`` when there is one) and wait; a rejection becomes its HTTP error."""
    command = build_command(
        request,
        kind=kind,
        command_id=command_id_for(principal(request).tenant_id, idempotency_key(request)),
        interview_id=interview_id,
        payload=payload,
        raw_body=raw_body,
    )
    return await execute(request, command)


async def create(
    request: web.Request,
    fields: dict[str, Any],
    body: dict[str, Any],
    *,
    command_id: str,
    interview_id: str,
    fingerprint_body: bytes,
) -> Outcome:
    """The one create path of the Interviews and Integration APIs: ``fields`` as validated,
    the personal ones sealed under the new interview's data key, the command sent."""
    payload = await payloads.sealed_body(request, interview_id, fields, body)
    command = build_command(
        request,
        kind="interview.create",
        command_id=command_id,
        interview_id=interview_id,
        payload=payload,
        raw_body=fingerprint_body,
    )
    return await execute(request, command)


def candidate_command(
    request: web.Request, tenant_id: str, interview_id: str, kind: str, payload: dict[str, Any]
) -> Command:
    """A command the candidate's link allows (its actor is the candidate, its tenant the
    interview's)."""
    return {
        "commandId": str(uuid.uuid4()),
        "type": kind,
        "tenantId": tenant_id,
        "interviewId": interview_id,
        "actor": {"kind": "candidate", "id": interview_id},
        "requestId": request_id_of(request),
        "issuedAt": now_iso(),
        "fingerprint": "",
        "payload": payload,
    }


def record_of(outcome: Outcome) -> InterviewRecord:
    """The interview an applied command's outcome shows."""
    return cast(InterviewRecord, outcome["record"])


async def send_command(request: web.Request, command: Command) -> Outcome:
    """Send the command and wait; the outcome, whether applied or not (504 on a timeout)."""
    try:
        outcome = await request.app[BACKEND].send(command, request.app[COMMAND_TIMEOUT])
    except CommandTooLarge as exc:
        raise Problem(
            413,
            "The request is too large to be sent as one command: shorten its content",
            code="command_too_large",
        ) from exc
    except CommandTimeout as exc:
        raise Problem(
            504,
            "The command was accepted but its result did not arrive in time; retry with the "
            "same Idempotency-Key to get it",
            code="command_timeout",
            extra={"commandId": command["commandId"]},
        ) from exc
    return outcome


async def execute(request: web.Request, command: Command) -> Outcome:
    """Send the command and wait; a rejection becomes its HTTP error (``web.outcomes``)."""
    outcome = await send_command(request, command)
    if not outcome["ok"]:
        raise problem_of(outcome)
    return outcome

"""Turning an HTTP write into a command and its outcome into a response.

The command id is derived from the ``Idempotency-Key`` header when there is one (so a retry
is the same command, and a create retried gets the same interview id), else random. The
fingerprint (method, path and body) lets the agent tell a replay from a reused key (422).
Derived ids hash an unambiguous encoding of their inputs (``hirestream.tenancy.derived_id``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson
from aiohttp import web

from hirestream.clock import now_iso
from hirestream.tenancy import canonical_uuid, derived_id
from hirestream.topics.records import Command, Outcome
from hirestream.web.auth import principal
from hirestream.web.backend import BACKEND, CommandTimeout, CommandTooLarge
from hirestream.web.errors import Problem, request_id_of
from hirestream.web.outcomes import problem_of

_NAMESPACE = uuid.UUID("6f1f4a0e-7a51-4d0e-9a53-2b0f7c1d9e11")
COMMAND_TIMEOUT: web.AppKey[float] = web.AppKey("command_timeout", float)


NOT_FOUND = Problem(404, "Interview not found")

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


async def execute(request: web.Request, command: Command) -> Outcome:
    """Send the command and wait; a rejection becomes its HTTP error (``web.outcomes``)."""
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
    if not outcome["ok"]:
        raise problem_of(outcome)
    return outcome

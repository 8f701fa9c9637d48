"""Commands as they arrive on a command topic: the envelope, the command types of each topic,
and the check of each payload (docs/kafka.md). Pure.

``interview-commands`` carries the public command types — the ones an HTTP request becomes, and
the ones an upstream producer may send with any Kafka client. ``interview-commands.internal``
carries the agents' own results (enrichment, the mailer's report, assessments; and validation
verdicts and plans, which the interview agent now takes as follow-up steps of the command that
called for them, in the same message), which nobody else has a reason to write; production
closes it to everyone but the fleet with ACLs.

Every command is checked here before the interview agent decides it, whoever produced it:
``parse_envelope`` (tenant id, key, ids, type for the topic) and ``clean_payload`` (the very
validators the web layer uses, ``topics.payloads``). A command that fails either is not applied:
it is answered with the reason and dead-lettered.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hirestream.topics import codec
from hirestream.topics.clock import iso_millis
from hirestream.topics.journey import (
    answer_fields,
    end_fields,
    invite_fields,
    invite_result_fields,
    session_fields,
)
from hirestream.topics.payloads import (
    WRITABLE,
    Invalid,
    create_fields,
    override_fields,
    update_fields,
    workflow_fields,
)
from hirestream.topics.records import Command
from hirestream.topics.tenancy import canonical_uuid, is_tenant_id
from hirestream.topics.vocabulary import PERSONAL_FIELDS, SEARCHED_PERSONAL_FIELDS

PUBLIC_COMMANDS: frozenset[str] = frozenset(
    {
        "interview.create",
        "interview.update",
        "interview.delete",
        "interview.override",  # a recruiter's patch of the canonical content
        "interview.workflow",  # a person's approve / reject / revise / cancel
        "interview.supply_info",  # missing information supplied (Integration API)
        "interview.purge",  # the candidate's personal data erased
        "interview.invite",  # invite the candidate (the mailer sends the link)
        "interview.conduct",  # start the session (approved → in_progress)
        "interview.session_join",  # a candidate's socket (re)joins the session
        "interview.session_answer",  # the candidate's answer to the current question
        "interview.session_end",  # the candidate, a person or the time limit ends it
    }
)
INTERNAL_COMMANDS: frozenset[str] = frozenset(
    {
        "interview.enrich",  # the background enricher's findings
        "interview.validated",  # a validation verdict (the interview agent's follow-up step)
        "interview.plan_generated",  # a plan (the interview agent's follow-up step)
        "interview.invite_result",  # the mailer's report on an invitation
        "interview.assessed",  # the assessor's assessment of a completed interview
    }
)
COMMAND_TYPES = PUBLIC_COMMANDS | INTERNAL_COMMANDS

#: Input fields kept, as sent, in ``rawPayload`` (personal fields never are).
RAW_FIELDS = ("position", "skills", "level", "jobDescription", "qualifications")

_ID_MAX = 200
#: Who may stand behind a command.
ACTOR_KINDS = ("user", "apiKey", "system", "candidate")
#: A sealed value: base64url of nonce + ciphertext + tag of at most 100,000 characters.
_SEALED_MAX = 600_000
#: The keyed-hash search tokens of a sealed name or email (``hirestream.search_tokens``):
#: ``v1.<base64url>.<base64url>``, at most 32,741 characters.
SEARCH_TOKENS_MAX = 33_000
_SEARCH_TOKENS = re.compile(r"v1\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")


class Malformed(ValueError):
    """A command whose envelope cannot be read or trusted; ``reason`` says why."""


def _text(value: Any, name: str, *, max_len: int = _ID_MAX) -> str:
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise Malformed(f"{name} must be a string of 1 to {max_len} characters")
    if not value.isprintable():
        raise Malformed(f"{name} must not contain control characters")
    return value


def _moment(value: Any, timestamp_ms: int) -> str:
    """``issuedAt`` as sent (normalised), else the message's own timestamp."""
    if value is None:
        return iso_millis(datetime.fromtimestamp(timestamp_ms / 1000, UTC))
    try:
        parsed = datetime.fromisoformat(_text(value, "issuedAt", max_len=64).replace("Z", "+00:00"))
        return iso_millis(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    except (ValueError, OverflowError) as exc:
        raise Malformed("issuedAt must be an ISO-8601 date-time") from exc


def _actor(value: Any) -> dict[str, str]:
    if value is None:
        return {"kind": "system", "id": "upstream"}
    if not isinstance(value, Mapping) or value.get("kind") not in ACTOR_KINDS:
        raise Malformed(f"actor must be {{kind: {'|'.join(ACTOR_KINDS)}, id}}")
    return {"kind": value["kind"], "id": _text(value.get("id"), "actor.id")}


def parse_envelope(
    raw: bytes | None, key: bytes | None, *, internal: bool, timestamp_ms: int
) -> Command:
    """The command of a message on the public (or, with ``internal``, the internal) command
    topic; raises ``Malformed`` naming the first problem."""
    try:
        value = codec.loads(raw)
    except codec.MalformedMessage as exc:
        raise Malformed(str(exc)) from exc
    tenant = value.get("tenantId")
    if not isinstance(tenant, str) or not is_tenant_id(tenant):
        raise Malformed("tenantId must be 1 to 128 characters of A-Z a-z 0-9 . _ -")
    if key != tenant.encode():
        raise Malformed("the message key must be the tenant id")
    kind = value.get("type")
    allowed = INTERNAL_COMMANDS if internal else PUBLIC_COMMANDS
    if kind not in allowed:
        where = "an internal" if internal else "a public"
        raise Malformed(
            f"type {kind!r} is not {where} command type (one of {', '.join(sorted(allowed))})"
        )
    interview_id = canonical_uuid(value.get("interviewId"))
    if interview_id is None:
        raise Malformed("interviewId must be a UUID")
    payload = value.get("payload", {})
    if not isinstance(payload, dict):
        raise Malformed("payload must be a JSON object")
    fingerprint = value.get("fingerprint", "")
    request_id = value.get("requestId", "")
    if not isinstance(fingerprint, str) or len(fingerprint) > 128:
        raise Malformed("fingerprint must be a string of at most 128 characters")
    if not isinstance(request_id, str) or len(request_id) > _ID_MAX:
        raise Malformed(f"requestId must be a string of at most {_ID_MAX} characters")
    return {
        "commandId": _text(value.get("commandId"), "commandId"),
        "type": kind,
        "tenantId": tenant,
        "interviewId": interview_id,
        "actor": _actor(value.get("actor")),  # type: ignore[typeddict-item]
        "requestId": request_id,
        "issuedAt": _moment(value.get("issuedAt"), timestamp_ms),
        "fingerprint": fingerprint,
        "payload": payload,
    }


def raw_payload(body: Mapping[str, Any]) -> dict[str, Any]:
    """The content fields of a payload as sent (what ``rawPayload`` shows)."""
    return {k: body[k] for k in RAW_FIELDS if k in body}


def _sealed_parts(payload: Mapping[str, Any], errors: list[str]) -> dict[str, Any]:
    """``sealed``, ``searchTokens``, ``sealedCleared`` and ``resumeSkills``, as the web layer
    sends them (search tokens only for fields sealed in the same payload)."""
    out: dict[str, Any] = {}
    sealed = payload.get("sealed")
    if sealed is not None:
        if not isinstance(sealed, dict) or not all(
            k in PERSONAL_FIELDS and _sealed_value(v) for k, v in sealed.items()
        ):
            errors.append("sealed must map personal fields to sealed values")
        elif any(payload.get(k) is not None for k in sealed):
            errors.append("a personal field may be sent plain or sealed, not both")
        else:
            out["sealed"] = sealed
    tokens = payload.get("searchTokens")
    if tokens is not None:
        if not isinstance(tokens, dict) or not all(
            k in SEARCHED_PERSONAL_FIELDS
            and k in out.get("sealed", {})
            and isinstance(v, str)
            and len(v) <= SEARCH_TOKENS_MAX
            and _SEARCH_TOKENS.fullmatch(v)
            for k, v in tokens.items()
        ):
            errors.append("searchTokens must map sealed candidateName/candidateEmail to tokens")
        else:
            out["searchTokens"] = tokens
    cleared = payload.get("sealedCleared")
    if cleared is not None:
        if not isinstance(cleared, list) or not all(k in PERSONAL_FIELDS for k in cleared):
            errors.append("sealedCleared must list personal fields")
        else:
            out["sealedCleared"] = cleared
    skills = payload.get("resumeSkills")
    if skills is not None:
        if not isinstance(skills, dict) or not all(
            isinstance(skills.get(k), list)
            and len(skills[k]) <= 500
            and all(isinstance(s, str) and 0 < len(s) <= 100 for s in skills[k])
            for k in ("claimed", "evidenced")
        ):
            errors.append("resumeSkills must be {claimed: [skill], evidenced: [skill]}")
        else:
            out["resumeSkills"] = {"claimed": skills["claimed"], "evidenced": skills["evidenced"]}
    return out


def _sealed_value(value: Any) -> bool:
    if not isinstance(value, str) or not 40 <= len(value) <= _SEALED_MAX:
        return False
    try:
        base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return False
    return True


_SEALED_PARTS = ("sealed", "searchTokens", "sealedCleared", "resumeSkills")


def clean_payload(
    command: Command, *, role_families: list[str], http_hosts: frozenset[str]
) -> dict[str, Any]:
    """The command's payload checked and cleaned for ``decide``; raises ``Invalid``.

    Content payloads (create, update, supply_info) come back as the validated fields plus
    ``rawPayload`` (as sent) and the web layer's ``sealed``/``searchTokens``/``sealedCleared``/
    ``resumeSkills``;
    plain personal fields stay in, for the agent to seal before anything is stored."""
    kind, payload = command["type"], command["payload"]
    if kind in ("interview.create", "interview.update", "interview.supply_info"):
        errors: list[str] = []
        extra = _sealed_parts(payload, errors)
        sent = {k: v for k, v in payload.items() if k not in _SEALED_PARTS}
        if kind == "interview.create":
            fields = create_fields(sent, http_hosts=http_hosts, required=False)
        elif (extra.get("sealed") or extra.get("sealedCleared")) and not any(
            k in sent for k in (*WRITABLE, "status")
        ):
            fields = {}  # only sealed personal fields change
        else:
            allow_status = kind == "interview.update"
            fields = update_fields(sent, http_hosts=http_hosts, allow_status=allow_status)
        if errors:
            raise Invalid(errors)
        return {**fields, **extra, "rawPayload": raw_payload(sent)}
    if kind == "interview.override":
        return override_fields(payload, role_families)
    if kind == "interview.workflow":
        return workflow_fields(payload)
    if kind in ("interview.delete", "interview.purge", "interview.conduct"):
        return {}
    journey = {
        "interview.invite": invite_fields,
        "interview.invite_result": invite_result_fields,
        "interview.session_join": session_fields,
        "interview.session_answer": answer_fields,
        "interview.session_end": end_fields,
    }.get(kind)
    if journey is not None:
        return journey(payload)
    return _internal_payload(kind, payload)


def _internal_payload(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The agents' own results: only their shape is checked (they come from the fleet)."""
    needs: dict[str, tuple[str, ...]] = {
        "interview.enrich": ("skills",),
        "interview.validated": ("validation", "basedOnVersion"),
        "interview.plan_generated": ("plan", "runId", "basedOnVersion"),
        "interview.assessed": ("assessment", "basedOnSequence"),
    }
    missing = [k for k in needs[kind] if k not in payload]
    if missing:
        raise Invalid([f"{k} is required" for k in missing])
    version = payload.get("basedOnVersion")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise Invalid(["basedOnVersion must be a whole number"])
    sequence = payload.get("basedOnSequence")
    if sequence is not None and (isinstance(sequence, bool) or not isinstance(sequence, int)):
        raise Invalid(["basedOnSequence must be a whole number"])
    for name in ("validation", "plan", "skills", "assessment"):
        if name in payload and not isinstance(payload[name], dict):
            raise Invalid([f"{name} must be an object"])
    return dict(payload)

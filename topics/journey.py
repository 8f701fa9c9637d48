"""Payloads of the candidate journey's commands: invitations, the session and its turns
(docs/api.md §6). Pure; used by ``topics.commands`` for every command, whoever sent it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hirestream.topics.payloads import Invalid
from hirestream.topics.tenancy import canonical_uuid

#: The longest answer, in characters (docs/api.md §6).
MAX_ANSWER_CHARS = 10_000
#: How the candidate may end a session, and how a person or the clock may.
END_REASONS = ("candidate_ended", "interviewer_ended", "time_limit")
_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise Invalid(["payload must be a JSON object"])
    return body


def _uuid(body: Mapping[str, Any], name: str) -> str:
    found = canonical_uuid(body.get(name))
    if found is None:
        raise Invalid([f"{name} must be a UUID"])
    return found


def invite_fields(body: Any) -> dict[str, Any]:
    """``{inviteId, validDays?, notify?: {replyTo, correlationId}}``: ``notify`` names where
    the mailer reports whether the mail went out."""
    body = _object(body)
    out: dict[str, Any] = {"inviteId": _uuid(body, "inviteId")}
    days = body.get("validDays")
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 365:
            raise Invalid(["validDays must be a number of days from 0 to 365"])
        out["validDays"] = float(days)
    notify = body.get("notify")
    if notify is not None:
        if (
            not isinstance(notify, Mapping)
            or not isinstance(notify.get("replyTo"), str)
            or not _TOPIC.match(notify["replyTo"])
            or not isinstance(notify.get("correlationId"), str)
            or not 0 < len(notify["correlationId"]) <= 200
        ):
            raise Invalid(["notify must be {replyTo: a topic name, correlationId}"])
        out["notify"] = {"replyTo": notify["replyTo"], "correlationId": notify["correlationId"]}
    return out


def invite_result_fields(body: Any) -> dict[str, Any]:
    """The mailer's report: ``{inviteId, emailSent, reason?}``."""
    body = _object(body)
    if not isinstance(body.get("emailSent"), bool):
        raise Invalid(["emailSent must be true or false"])
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise Invalid(["reason must be a string of at most 500 characters"])
    return {"inviteId": _uuid(body, "inviteId"), "emailSent": body["emailSent"], "reason": reason}


def session_fields(body: Any) -> dict[str, Any]:
    """``{sessionId}`` (joining a session)."""
    return {"sessionId": _uuid(_object(body), "sessionId")}


def answer_fields(body: Any) -> dict[str, Any]:
    """``{sessionId, questionIndex, text | sealedText}``: the answer to one question, plain
    (the fleet seals it) or sealed by the web layer."""
    body = _object(body)
    out = session_fields(body)
    index = body.get("questionIndex")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 1000:
        raise Invalid(["questionIndex must be a whole number from 0"])
    out["questionIndex"] = index
    text, sealed = body.get("text"), body.get("sealedText")
    if (text is None) == (sealed is None):
        raise Invalid(["an answer has text (or sealedText), exactly one"])
    if text is not None:
        if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
            raise Invalid([f"text must be a string of at most {MAX_ANSWER_CHARS} characters"])
        if not text.strip():
            raise Invalid(
                ["text must not be empty or only white space (an answer needs some text)"]
            )
        out["text"] = text
    elif not isinstance(sealed, str) or not 0 < len(sealed) <= 4 * MAX_ANSWER_CHARS * 2:
        raise Invalid(["sealedText must be a sealed value"])
    else:
        out["sealedText"] = sealed
    return out


def end_fields(body: Any) -> dict[str, Any]:
    """``{sessionId, reason}``: candidate_ended, interviewer_ended or time_limit."""
    body = _object(body)
    out = session_fields(body)
    if body.get("reason") not in END_REASONS:
        raise Invalid([f"reason must be one of {', '.join(END_REASONS)}"])
    out["reason"] = body["reason"]
    return out

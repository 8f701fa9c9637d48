"""The Integration API for partner systems (docs/api.md §8): interviews addressed by ``runId``,
created idempotently by ``externalId``, moved through the workflow, and the candidate-data
purge. The records are the same ones ``GET /interviews/:id`` shows."""

from __future__ import annotations

import re
import uuid
from typing import Any

from aiohttp import web

from hirestream.agents.planner import run_id
from hirestream.agents.validation import validation_now
from hirestream.agents.workflow import integration_state
from hirestream.tables.records import InterviewRecord
from hirestream.topics.payloads import create_fields, update_fields
from hirestream.topics.tenancy import derived_id
from hirestream.web import payloads
from hirestream.web.auth import principal, requires
from hirestream.web.commands import (
    act,
    command_id_for,
    idempotency_key,
    read_json,
    record_of,
)
from hirestream.web.commands import (
    create as create_interview,
)
from hirestream.web.errors import NOT_FOUND, Problem, json_response
from hirestream.web.keys import CALLBACK_HTTP_HOSTS, DATA_KEYS
from hirestream.web.links import interview_link
from hirestream.web.routing import owned_record, routed_to_owner

_EXTERNAL = uuid.UUID("5d1c7f0e-2a61-4c55-9a3b-8e2f6b0d7c41")

MESSAGES = {
    "INFO_NEEDED": "Interview request accepted. Information is missing: see missingFields.",
    "VALIDATING_SKILLS": "Interview request accepted. Skill validation in progress.",
}


_RUN_ID = re.compile(r"^run_[0-9a-f]{32}$")


def interview_id_of(run: str) -> str:
    """The interview a ``runId`` names (``run_`` + the interview id's 32 hex digits)."""
    if _RUN_ID.fullmatch(run.lower()) is None:
        raise NOT_FOUND
    return str(uuid.UUID(hex=run[4:]))


def _summary(record: InterviewRecord) -> dict[str, Any]:
    validation = record.get("validation") or {}
    return {
        "runId": run_id(record["id"]),
        "interviewId": record["id"],
        "state": integration_state(record.get("workflowState")),
        "status": record["status"],
        "externalId": record.get("externalId"),
        "candidateRef": record.get("candidateRef"),
        "missingFields": validation.get("missingFields", []),
        "questions": validation.get("questions", []),
        "dataQuality": validation.get("dataQuality"),
        "plan": record.get("plan"),
        "version": record["version"],
        "createdAt": record["createdAt"],
        "updatedAt": record["updatedAt"],
    }


@requires("interview:create")
async def create(request: web.Request) -> web.Response:
    """201 with the new interview; the same ``externalId`` again (any body) → 200 with the
    first answer."""
    body, raw = await read_json(request)
    fields = create_fields(body, http_hosts=request.app[CALLBACK_HTTP_HOSTS], required=False)
    tenant = principal(request).tenant_id
    key = idempotency_key(request)  # checked even when an externalId makes it unused
    external = fields.get("externalId")
    if external:
        command_id = derived_id(_EXTERNAL, "external", tenant, external)
        interview_id = derived_id(_EXTERNAL, "interview", command_id)
    else:
        command_id = command_id_for(tenant, key)
        interview_id = derived_id(_EXTERNAL, "interview", command_id) if key else str(uuid.uuid4())
    outcome = await create_interview(
        request,
        fields,
        body,
        command_id=command_id,
        interview_id=interview_id,
        fingerprint_body=f"external:{external}".encode() if external else raw,
    )
    record = outcome["record"]
    verdict = validation_now(record)
    state = "VALIDATING_SKILLS" if verdict["outcome"] == "ok" else "INFO_NEEDED"
    answer = {
        "runId": run_id(record["id"]),
        "interviewId": record["id"],
        "state": state,
        "message": MESSAGES[state],
        "dataQuality": verdict["dataQuality"],
        "missingFields": verdict["missingFields"],
    }
    return json_response(answer, 200 if outcome.get("replayed") else 201)


@requires("interview:read")
@routed_to_owner
async def get(request: web.Request) -> web.Response:
    return json_response(
        _summary(owned_record(request, interview_id_of(request.match_info["runId"])))
    )


async def _act(
    request: web.Request, kind: str, payload: dict[str, Any], raw: bytes
) -> InterviewRecord:
    """Send a command about the interview the path's runId names; the record after."""
    interview_id = interview_id_of(request.match_info["runId"])
    return record_of(await act(request, kind, interview_id, payload, raw))


@requires("interview:update")
async def cancel(request: web.Request) -> web.Response:
    record = await _act(request, "interview.workflow", {"action": "cancel"}, b"")
    return json_response(_summary(record))


@requires("interview:update")
async def supply_info(request: web.Request) -> web.Response:
    body, raw = await read_json(request)
    fields = update_fields(body, http_hosts=request.app[CALLBACK_HTTP_HOSTS], allow_status=False)
    interview_id = interview_id_of(request.match_info["runId"])
    public = await payloads.sealed_body(request, interview_id, fields, body)
    return json_response(_summary(await _act(request, "interview.supply_info", public, raw)))


@requires("interview:approve")
async def approve_plan(request: web.Request) -> web.Response:
    record = await _act(request, "interview.workflow", {"action": "approve"}, b"")
    # The candidate's link exists once an invitation made one (POST /interviews/:id/invite).
    return json_response({**_summary(record), "interviewLink": interview_link(request, record)})


@requires("interview:approve")
async def reject_plan(request: web.Request) -> web.Response:
    body, raw = await _optional_json(request)
    feedback = body.get("feedback")
    if feedback is not None and (not isinstance(feedback, str) or len(feedback) > 5000):
        raise Problem(400, ["feedback must be a string of at most 5000 characters"])
    payload = {"action": "reject", "feedback": feedback}
    return json_response(_summary(await _act(request, "interview.workflow", payload, raw)))


@requires("interview:approve")
async def revise_plan(request: web.Request) -> web.Response:
    body, raw = await read_json(request)
    notes = body.get("notes") if isinstance(body, dict) else None
    if not isinstance(notes, str) or not notes.strip() or len(notes) > 5000:
        raise Problem(
            400,
            ["notes is required: what to change in the plan (at most 5000 characters)"],
            code="validation_failed",
        )
    payload = {"action": "revise", "notes": notes.strip()}
    return json_response(_summary(await _act(request, "interview.workflow", payload, raw)))


@requires("interview:delete")
async def purge_candidate_data(request: web.Request) -> web.Response:
    """The interview agent drops the sealed copies from the record, then destroys the data
    key (every sealed copy of the name, email, résumé and profile on every topic becomes
    unreadable) and writes an audit entry. Keeps the assessment, skills and counts."""
    interview_id = interview_id_of(request.match_info["runId"])
    record = await _act(request, "interview.purge", {}, b"")
    request.app[DATA_KEYS].forget(principal(request).tenant_id, interview_id)
    return json_response({**_summary(record), "purged": True})


@requires("interview:approve")
async def approve_assessment(request: web.Request) -> web.Response:
    record = await _act(request, "interview.workflow", {"action": "assessment_approve"}, b"")
    return json_response({**_summary(record), "assessment": record.get("assessment")})


@requires("interview:approve")
async def reject_assessment(request: web.Request) -> web.Response:
    record = await _act(request, "interview.workflow", {"action": "assessment_reject"}, b"")
    return json_response({**_summary(record), "assessment": record.get("assessment")})


async def _optional_json(request: web.Request) -> tuple[dict[str, Any], bytes]:
    if not (await request.read()).strip():
        return {}, b""
    body, raw = await read_json(request)
    if not isinstance(body, dict):
        raise Problem(400, ["body must be a JSON object"])
    return body, raw

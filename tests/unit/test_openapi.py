"""The OpenAPI document (web/openapi.json) against the code it describes.

The document and the routes cannot drift: every route ``add_routes`` registers is documented
with the same method and path, every documented operation is a registered route, and each
operation's ``x-permission`` is the one its handler requires. Enums, field lists and limits are
checked against the constants and validators of the code, and the code's real outputs against
the response schemas. The full OpenAPI 3.1 validation and the JSON Schema checks need
``openapi-spec-validator`` (which brings ``jsonschema``); without it they are skipped and the
structural checks below still run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import quote

import asyncpg
import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer

from hirestream.agents.assessor.scoring import assess
from hirestream.agents.enrich.canonical import canonicalise, role_families
from hirestream.agents.interviews.decide import decide
from hirestream.agents.interviews.decision import outcome_of
from hirestream.agents.planner import plan_for, run_id
from hirestream.agents.validation import validation_now
from hirestream.agents.validation.rules import missing_fields, warnings
from hirestream.agents.validation.validate import GRADES
from hirestream.agents.webhooks import EVENTS as WEBHOOK_EVENTS
from hirestream.agents.webhooks import LOG_EVENTS, new_secret
from hirestream.agents.webhooks import STATUSES as DELIVERY_STATUSES
from hirestream.agents.webhooks.payload import event_payload, make_test_payload
from hirestream.agents.workflow.transitions import (
    STATES,
    allowed_actions,
    integration_state,
)
from hirestream.candidate_tokens import TokenKeys
from hirestream.documents.config import Limits
from hirestream.documents.errors import CODES, rejected
from hirestream.documents.service import ResumeParser
from hirestream.settings import Settings
from hirestream.store import tenant_settings
from hirestream.store.apikeys import ApiKeyRecord
from hirestream.store.webhooks import Delivery, Endpoint
from hirestream.tables.counts import counts_view
from hirestream.tables.queries import FILTERABLE
from hirestream.tables.records import InterviewRecord
from hirestream.topics.commands import raw_payload
from hirestream.topics.payloads import Invalid, create_fields, update_fields
from hirestream.topics.records import Command, Outcome
from hirestream.topics.records import rejected as command_rejected
from hirestream.topics.vocabulary import LEVELS, PERSONAL_FIELDS, STATUSES, WORKFLOW_STATES
from hirestream.web import render
from hirestream.web.auth import PUBLIC, REQUIRED_PERMISSION
from hirestream.web.backend import InterviewBackend
from hirestream.web.credentials import Principal, new_api_key
from hirestream.web.errors import Problem, error_middleware, request_id_middleware
from hirestream.web.keys import (
    ACCESS_LIMIT,
    BACKEND,
    CALLBACK_HTTP_HOSTS,
    COMMAND_TIMEOUT,
    DATA_KEYS,
    INVITE_LIMIT,
    POOL,
    PRINCIPAL,
    RESUME_PARSER,
    SELF_URL,
    SETTINGS,
    SOCKETS,
    TOKEN_KEYS,
)
from hirestream.web.outcomes import PEOPLE_ACTIONS, problem_of
from hirestream.web.permissions import PERMISSIONS, UnknownPermission, expand
from hirestream.web.rate_limits import RateLimit
from hirestream.web.routes import add_routes
from hirestream.web.routing import unavailable
from hirestream.web.sockets import SessionSockets
from hirestream.web.views import health
from hirestream.web.views import resume as resume_view
from hirestream.web.views.apikeys import _key_request
from hirestream.web.views.candidates import candidate_headers
from hirestream.web.views.integration import MESSAGES, _summary
from hirestream.web.views.openapi import document_bytes, openapi_document
from hirestream.web.views.webhooks import delivery_query, endpoint_request

DOC: dict[str, Any] = json.loads(document_bytes())
PREFIX = "/api/v1"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# --- helpers --------------------------------------------------------------------------------


def resolve(node: Any) -> Any:
    """Follow local ``$ref``s until a node that is not a reference."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = DOC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path without the prefix, operation) for every documented operation."""
    for path, item in DOC["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def operation(method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = DOC["paths"][path][method.lower()]
    return op


#: Routes ``add_routes`` mounts outside the API prefix: the candidate page
#: (``<APP_URL>/interview/join/<token>`` and its assets, ``web/candidate_page/serve.py``). They
#: are HTML for a browser, not part of the API, so the document (whose server is the prefix)
#: does not describe them and the route/document comparisons leave them out;
#: ``test_the_candidate_page_routes_are_public_and_outside_the_api`` checks them instead.
PAGE_ROUTES = {("GET", "/interview/join/{token}"), ("GET", "/interview/assets/{name}")}


def all_routes() -> list[tuple[str, str, Any]]:
    """(METHOD, full path, handler) for every route ``add_routes`` registers, HEADs included."""
    app = web.Application()
    add_routes(app, PREFIX)
    return [
        (
            route.method,
            route.resource.canonical if route.resource is not None else "",
            route.handler,
        )
        for route in app.router.routes()
    ]


def registered() -> dict[tuple[str, str], Any]:
    """(METHOD, path without the prefix) -> handler, for every route of the API (under the
    prefix) but the implicit HEADs."""
    routes = {}
    heads = set()
    for method, path, handler in all_routes():
        if not path.startswith(PREFIX + "/"):
            # Outside the API (the candidate page, PAGE_ROUTES): not in the document.
            assert (method.replace("HEAD", "GET"), path) in PAGE_ROUTES, (method, path)
            continue
        key = (method, path.removeprefix(PREFIX))
        if method == "HEAD":
            heads.add(key[1])
        else:
            routes[key] = handler
    gets = {path for method, path in routes if method == "GET"}
    assert heads <= gets, f"HEAD routes without a GET: {heads - gets}"
    return routes


def test_the_candidate_page_routes_are_public_and_outside_the_api() -> None:
    outside = {
        (method, path): handler
        for method, path, handler in all_routes()
        if not path.startswith(PREFIX + "/")
    }
    gets = {(method, path) for method, path in outside if method == "GET"}
    assert gets == PAGE_ROUTES
    assert {path for method, path in outside if method == "HEAD"} == {p for _, p in PAGE_ROUTES}
    for route, handler in outside.items():
        assert getattr(handler, REQUIRED_PERMISSION) == PUBLIC, route
    assert not any(path.startswith("/interview/") for path in DOC["paths"])


def schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = DOC["components"]["schemas"][name]
    return found


def response_headers(method: str, path: str, status: str) -> dict[str, Any]:
    response = resolve(operation(method, path)["responses"][status])
    headers: dict[str, Any] = response.get("headers", {})
    return headers


# --- structure ------------------------------------------------------------------------------


def test_document_is_openapi_3_1_in_structure() -> None:
    assert re.fullmatch(r"3\.1\.\d+", DOC["openapi"])
    assert DOC["info"]["title"] and DOC["info"]["version"]
    assert DOC["servers"][0]["url"] == PREFIX
    assert DOC["paths"] and all(path.startswith("/") for path in DOC["paths"])
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for _, _, op in operations():
        assert op["responses"], op["operationId"]
        for status in op["responses"]:
            assert re.fullmatch(r"[1-5]\d\d", status), (op["operationId"], status)


def test_every_reference_resolves() -> None:
    for node in walk(DOC):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            assert node["$ref"].startswith("#/"), node["$ref"]
            resolve(node)  # raises KeyError when dangling


def test_path_parameters_match_the_templates() -> None:
    for path, item in DOC["paths"].items():
        in_template = set(re.findall(r"\{(\w+)\}", path))
        for method in METHODS:
            if method not in item:
                continue
            params = [
                resolve(p)
                for p in [*item.get("parameters", []), *item[method].get("parameters", [])]
            ]
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == in_template, (method, path)
            assert all(p["required"] for p in params if p["in"] == "path")


def test_every_response_carries_the_request_id_header() -> None:
    for method, path, op in operations():
        assert {"$ref": "#/components/parameters/X-Request-ID"} in op["parameters"], path
        for status, response in op["responses"].items():
            headers = resolve(response).get("headers", {})
            assert "X-Request-ID" in headers, (method, path, status)


def test_error_responses_use_the_error_body() -> None:
    error = schema("Error")
    assert error["required"] == ["statusCode", "message", "error", "requestId"]
    assert set(error["properties"]) == {"statusCode", "message", "error", "requestId", "code"}
    for method, path, op in operations():
        for status, response in op["responses"].items():
            if int(status) < 400 or (path, status) == ("/health/ready", "503"):
                continue
            body = resolve(response)["content"]["application/json"]["schema"]
            assert body["allOf"][0] == {"$ref": "#/components/schemas/Error"}, (method, path)
            assert body["allOf"][1]["properties"]["statusCode"] == {"const": int(status)}


def test_security_schemes_and_permissions_follow_the_handlers() -> None:
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert (schemes["apiKey"]["in"], schemes["apiKey"]["name"]) == ("header", "X-API-Key")
    assert (schemes["tenantId"]["in"], schemes["tenantId"]["name"]) == ("header", "X-Tenant-ID")
    assert DOC["security"] == [{"bearerAuth": []}, {"apiKey": [], "tenantId": []}]
    for (method, path), handler in registered().items():
        op = operation(method, path)
        needed = getattr(handler, REQUIRED_PERMISSION)
        assert op["x-permission"] == needed, (method, path)
        if needed == PUBLIC:
            assert op["security"] == [], (method, path)
            assert "401" not in op["responses"] and "403" not in op["responses"]
        else:
            assert "security" not in op, (method, path)  # the document's: bearer or API key
            assert f"`{needed}`" in op["description"], (method, path)
            assert {"401", "403"} <= set(op["responses"]), (method, path)


def test_idempotency_key_is_documented_where_it_is_read() -> None:
    run = "/integration/interviews/{runId}"
    writes = {  # every handler that sends a command through web/commands.py on a key
        ("POST", "/interviews"),
        ("PUT", "/interviews/{id}"),
        ("DELETE", "/interviews/{id}"),
        ("POST", "/interviews/{id}/override"),
        ("POST", "/interviews/{id}/invite"),
        ("POST", "/interviews/{id}/conduct"),
        ("POST", "/a2a/interview/{id}/retrigger-assessment"),
        ("POST", "/sessions/{sessionId}/end"),
        ("POST", "/integration/interviews"),
        ("DELETE", run),
        ("PATCH", f"{run}/info"),
        ("POST", f"{run}/plan/approve"),
        ("POST", f"{run}/plan/reject"),
        ("PATCH", f"{run}/plan/revise"),
        ("POST", f"{run}/assessment/approve"),
        ("POST", f"{run}/assessment/reject"),
        ("DELETE", f"{run}/candidate-data"),
    }
    # The candidate's commands (POST /candidate-access/{token}/start, the session socket) have
    # no Idempotency-Key: starting again gives the same session, and every turn names its
    # question.
    key = {"$ref": "#/components/parameters/Idempotency-Key"}
    for method, path, op in operations():
        assert (key in op["parameters"]) == ((method, path) in writes), (method, path)
        if (method, path) in writes:
            assert {"422", "504"} <= set(op["responses"])


# --- the routes -----------------------------------------------------------------------------


def test_every_registered_route_is_documented() -> None:
    documented = {(method, path) for method, path, _ in operations()}
    missing = set(registered()) - documented
    assert not missing, f"routes missing from web/openapi.json: {sorted(missing)}"


def test_every_documented_operation_is_a_registered_route() -> None:
    documented = {(method, path) for method, path, _ in operations()}
    extra = documented - set(registered())
    assert not extra, (
        f"documented but not registered by add_routes: {sorted(extra)} (the document is "
        'served by r.add_get(f"{prefix}/openapi.json", openapi.openapi_document))'
    )


# --- against the code's constants -----------------------------------------------------------


def test_record_schemas_list_the_rendered_fields() -> None:
    cases = {
        "InterviewSummary": render.SUMMARY_FIELDS,
        "InterviewListItem": tuple(f for f in render.SUMMARY_FIELDS if f != "tenantId"),
        "Interview": render.FULL_FIELDS,
    }
    for name, fields in cases.items():
        assert schema(name)["required"] == list(fields), name
        assert list(schema(name)["properties"]) == list(fields), name


def test_enums_follow_the_code() -> None:
    props = schema("Interview")["properties"]
    assert props["status"]["enum"] == list(STATUSES)
    assert props["workflowState"]["enum"] == [*WORKFLOW_STATES, None]
    assert props["level"]["enum"] == [*LEVELS, None]
    assert schema("Permission")["enum"] == list(PERMISSIONS)
    assert set(schema("InterviewCounts")["required"]) == set(counts_view(None))


def test_role_families_are_the_taxonomy_s() -> None:
    assert schema("RoleFamily")["enum"] == role_families()


def test_workflow_states_are_the_state_machine_s() -> None:
    for name in ("Interview", "InterviewSummary", "InterviewListItem"):
        assert set(schema(name)["properties"]["workflowState"]["enum"]) == set(STATES), name
    upper = [integration_state(s) for s in STATES if s is not None]
    assert schema("IntegrationState")["enum"] == [*upper, None]
    assert schema("IntegrationRun")["properties"]["status"]["enum"] == list(STATUSES)


def test_validation_enums_follow_the_rules() -> None:
    assert schema("DataQuality")["enum"] == list(GRADES)
    assert schema("MissingField")["enum"] == [m.field for m in missing_fields({})]
    found = {
        (w.code, w.field)
        for fields in (
            {"jobDescription": "short", "candidateEmail": "not an address"},
            {"qualifications": ["one"]},
        )
        for w in warnings(fields)
    }
    warning = schema("ValidationWarning")["properties"]
    assert set(warning["code"]["enum"]) == {code for code, _ in found}
    assert set(warning["field"]["enum"]) == {field for _, field in found}
    created = schema("IntegrationInterviewCreated")["properties"]
    assert set(created["message"]["enum"]) == set(MESSAGES.values())
    assert set(created["state"]["enum"]) == set(MESSAGES)


def test_tenant_settings_follow_the_defaults() -> None:
    settings = schema("TenantSettings")
    assert settings["required"] == list(tenant_settings.DEFAULTS)
    for name, default in tenant_settings.DEFAULTS.items():
        assert settings["properties"][name]["default"] == default
    assert list(schema("TenantSettingsUpdate")["properties"]) == list(tenant_settings.DEFAULTS)


_ILLEGAL = re.compile(r"Cannot ([a-z -]+): the interview is in state (\w+); allowed actions: .*")


def test_invalid_transition_examples_are_what_the_code_says() -> None:
    action_of = {words: action for action, words in PEOPLE_ACTIONS.items()}
    checked = 0
    for node in walk(DOC):
        if not (isinstance(node, dict) and isinstance(node.get("value"), dict)):
            continue
        value = node["value"]
        if value.get("code") == "status_not_settable":
            assert value["message"].endswith(
                "a user may only set status approved or rejected, from pending"
            ), value
            continue
        if value.get("code") != "invalid_transition":
            continue
        found = _ILLEGAL.fullmatch(value["message"])
        assert found is not None, value
        # An action that is not a person's workflow action (invite) is named as it is.
        action, state = action_of.get(found.group(1), found.group(1)), found.group(2)
        workflow_state = None if state == "null" else state
        details = {
            "state": workflow_state,
            "action": action,
            "allowed": list(allowed_actions(workflow_state)),
        }
        assert (
            problem_of(command_rejected("invalid_transition", details)).message
            == (value["message"])
        )
        checked += 1
    assert checked >= 5


def test_integration_operations_answer_409_exactly_where_the_state_machine_refuses() -> None:
    run = "/integration/interviews/{runId}"
    refusing = {
        ("DELETE", run),
        ("PATCH", f"{run}/info"),
        ("POST", f"{run}/plan/approve"),
        ("POST", f"{run}/plan/reject"),
        ("PATCH", f"{run}/plan/revise"),
        ("POST", f"{run}/assessment/approve"),
        ("POST", f"{run}/assessment/reject"),
    }
    for method, path, op in operations():
        if not path.startswith(run):
            continue
        assert ("409" in op["responses"]) == ((method, path) in refusing), (method, path)
        assert op["responses"]["404"] == {"$ref": "#/components/responses/RunNotFound"}


def test_permission_grants_are_exactly_what_expand_accepts() -> None:
    grants = schema("PermissionGrant")["enum"]
    for grant in grants:
        assert expand([grant])
    prefixes = {p.split(":")[0] for p in PERMISSIONS}
    assert set(grants) == {*PERMISSIONS, "*", *(f"{p}:*" for p in prefixes)}
    with pytest.raises(UnknownPermission):
        expand(["interview:c*"])


def test_case_insensitive_patterns_match_the_code() -> None:
    status_param = resolve({"$ref": "#/components/parameters/Status"})["schema"]["pattern"]
    for value in FILTERABLE:
        for spelled in (value, value.upper(), value.title()):
            assert re.fullmatch(status_param, spelled), spelled
    assert not re.fullmatch(status_param, "bogus")
    level = schema("InterviewCreate")["properties"]["level"]["pattern"]
    assert all(re.fullmatch(level, v.upper()) and re.fullmatch(level, v) for v in LEVELS)
    status = schema("InterviewUpdate")["properties"]["status"]["pattern"]
    assert all(re.fullmatch(status, s.upper()) for s in STATUSES)
    assert not re.fullmatch(status, "pending")  # a workflow state, not a status


def test_resume_error_codes_follow_the_code() -> None:
    op = operation("POST", "/interviews/parse-resume")
    by_status: dict[int, list[str]] = {}
    for code, (status, _) in CODES.items():
        by_status.setdefault(status, []).append(code)
    for status, codes in by_status.items():
        body = resolve(op["responses"][str(status)])["content"]["application/json"]["schema"]
        assert body["allOf"][1]["properties"]["code"]["enum"] == codes, status


def test_api_key_schema_lists_the_stored_fields() -> None:
    record = ApiKeyRecord(
        "0b5c2d9e-8a6f-4e1b-9c3d-7f2a1b0c9d8e",
        "ci",
        "ak_live_abcdef",
        ["interview:read"],
        ["acme"],
        "user:u1",
        datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
        None,
        None,
    )
    assert schema("ApiKey")["required"] == list(record.to_json())
    assert list(schema("ApiKey")["properties"]) == list(record.to_json())


# --- Retry-After: declared exactly where the code sends it ----------------------------------


class _BusyParser:
    limits = Limits()

    @contextlib.asynccontextmanager
    async def request_slot(self) -> AsyncIterator[None]:
        raise rejected("busy")
        yield  # pragma: no cover


class _RecoveringBackend:
    def not_ready_reason(self) -> str | None:
        return "recovering tables"


class _Pool:
    async def fetchval(self, query: str, **options: float) -> int:
        return 1


@contextlib.asynccontextmanager
async def client(app: web.Application) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(app)) as c:
        yield c


def bare_app() -> web.Application:
    return web.Application(middlewares=[request_id_middleware, error_middleware])


async def test_retry_after_is_documented_where_it_is_sent() -> None:
    app = bare_app()
    app[RESUME_PARSER] = cast(ResumeParser, _BusyParser())
    app[BACKEND] = cast(InterviewBackend, _RecoveringBackend())
    app[POOL] = cast(asyncpg.Pool, _Pool())
    app.router.add_post("/parse", resume_view.parse_resume)
    app.router.add_get("/ready", health.ready)
    async with client(app) as c:
        form = FormData()
        form.add_field("file", b"%PDF-1.4", filename="cv.pdf")
        busy = await c.post("/parse", data=form)
        ready = await c.get("/ready")
    assert (busy.status, ready.status) == (503, 503)
    sent = {
        ("POST", "/interviews/parse-resume"): "Retry-After" in busy.headers,
        ("GET", "/health/ready"): "Retry-After" in ready.headers,
    }
    for (method, path), has in sent.items():
        assert ("Retry-After" in response_headers(method, path, "503")) == has, path
    assert "Retry-After" in unavailable("moving").headers
    not_ready = resolve({"$ref": "#/components/responses/NotReady"})
    assert "Retry-After" in not_ready["headers"]


async def test_the_view_serves_the_document() -> None:
    app = bare_app()
    app.router.add_get("/openapi.json", openapi_document)
    async with client(app) as c:
        answer = await c.get("/openapi.json", headers={"X-Request-ID": "r-1"})
        body = await answer.read()
    assert answer.status == 200
    assert answer.content_type == "application/json"
    assert answer.headers["X-Request-ID"] == "r-1"
    assert json.loads(body) == DOC


# --- full validation (openapi-spec-validator, jsonschema) -----------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(DOC)


def _validator(pointer: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT202012

    resource = referencing.Resource(contents=DOC, specification=DRAFT202012)
    registry = referencing.Registry().with_resource("urn:openapi", resource)
    return jsonschema.Draft202012Validator({"$ref": f"urn:openapi#{pointer}"}, registry=registry)


def valid(name: str, instance: Any) -> bool:
    result: bool = _validator(f"/components/schemas/{name}").is_valid(instance)
    return result


def _json(record: InterviewRecord) -> dict[str, Any]:
    """``record`` as the web layer and the planner take it (``render``, the backend's
    ``record``, ``plan_for``): the same JSON object, typed as a plain dict."""
    return cast(dict[str, Any], record)


def command(kind: str, payload: dict[str, Any]) -> Command:
    return {
        "commandId": "c1",
        "type": kind,
        "tenantId": "acme",
        "interviewId": "5f0c6a3e-1d2b-4c8e-9f7a-2b3c4d5e6f70",
        "actor": {"kind": "user", "id": "u1"},
        "requestId": "r1",
        "issuedAt": "2024-01-15T10:00:00.000Z",
        "fingerprint": "f",
        "payload": payload,
    }


def test_rendered_records_match_the_response_schemas() -> None:
    fields = create_fields(
        {"candidateName": "Jane", "position": "Sr Engineer", "skills": ["ReactJS", "TS"]}
    )
    payload = {k: v for k, v in fields.items() if k not in ("candidateName", "candidateEmail")}
    payload["rawPayload"] = {"position": "Sr Engineer", "skills": ["ReactJS", "TS"]}
    record = decide(None, command("interview.create", payload), 0).record
    assert record is not None
    personal = {"candidateName": "Jane", "candidateEmail": None, "candidateResume": None}
    erased = dict.fromkeys(personal)
    for opened in (personal, erased):
        assert _validator("/components/schemas/InterviewSummary").is_valid(
            render.summary(_json(record), opened)
        )
        assert valid("InterviewListItem", render.list_item(_json(record), opened))
        assert valid("Interview", render.full(_json(record), opened))
    canonical = canonicalise(
        {"position": "Sr Engineer", "skills": ["ReactJS", "TS", "HTML/CSS", "react"]}
    )
    enriched = {
        **record,
        "canonicalPayload": canonical.canonical_payload,
        "diffReport": canonical.diff_report,
        "candidateClaimedSkills": canonical.claimed_skills,
        "candidateEvidencedSkills": canonical.evidenced_skills,
    }
    errors = list(
        _validator("/components/schemas/Interview").iter_errors(render.full(enriched, personal))
    )
    assert not errors, errors
    assert valid("InterviewCounts", counts_view({"byStatus": {"planned": 2}, "offset": 3}))


def _integration_create(body: dict[str, Any]) -> InterviewRecord:
    """A record as POST /integration/interviews makes it (personal fields sealed elsewhere)."""
    fields = create_fields(body, required=False)
    payload = {
        **{k: v for k, v in fields.items() if k not in PERSONAL_FIELDS},
        "sealed": {k: "sealed" for k in PERSONAL_FIELDS if fields.get(k) is not None},
        "rawPayload": raw_payload(body),
    }
    record = decide(None, command("interview.create", payload), 0).record
    assert record is not None
    return record


def _created_answer(record: InterviewRecord) -> dict[str, Any]:
    verdict = validation_now(record)
    state = "VALIDATING_SKILLS" if verdict["outcome"] == "ok" else "INFO_NEEDED"
    return {
        "runId": run_id(record["id"]),
        "interviewId": record["id"],
        "state": state,
        "message": MESSAGES[state],
        "dataQuality": verdict["dataQuality"],
        "missingFields": verdict["missingFields"],
    }


def _through_the_workflow() -> list[dict[str, Any]]:
    """Every record an interview created incomplete through the Integration API passes on its
    way to approval, a revision and cancellation (decided by the real code)."""
    records = [_integration_create({"level": "SENIOR", "skills": ["Go"], "companyName": "Acme"})]

    def step(kind: str, payload: dict[str, Any]) -> None:
        record = records[-1]
        n = len(records)
        decision = decide(record, {**command(kind, payload), "commandId": f"step-{n}"}, n)
        assert decision.record is not None, decision.rejection
        records.append(decision.record)

    def validated() -> None:
        record = records[-1]
        step(
            "interview.validated",
            {"validation": validation_now(record), "basedOnVersion": record["version"]},
        )

    def planned() -> None:
        record = records[-1]
        payload = {
            "plan": plan_for(_json(record)),
            "runId": run_id(record["id"]),
            "basedOnVersion": record["version"],
        }
        step("interview.plan_generated", payload)

    validated()  # info_needed
    step(
        "interview.supply_info",
        {"position": "Sr Backend Engineer", "candidateRef": "c-1", "rawPayload": {}},
    )
    validated()  # generating_plan
    planned()  # pending
    step("interview.workflow", {"action": "revise", "notes": "More on Go; harder questions"})
    planned()  # pending, version 2
    step("interview.workflow", {"action": "approve"})
    step("interview.purge", {})
    step("interview.workflow", {"action": "cancel"})
    return [_json(r) for r in records]


def test_workflow_records_match_the_response_schemas() -> None:
    records = _through_the_workflow()
    states = [r["workflowState"] for r in records]
    assert states[-4:] == ["pending", "approved", "approved", "cancelled"]
    assert {"info_needed", "validating_skills", "generating_plan", "pending"} <= set(states)
    assert records[-1]["plan"]["version"] == 2 and records[-1]["plan"]["revisions"]
    personal: dict[str, str | None] = {
        "candidateName": None,
        "candidateEmail": None,
        "candidateResume": None,
        "candidateProfile": None,
    }
    for record in records:
        errors = list(
            _validator("/components/schemas/Interview").iter_errors(render.full(record, personal))
        )
        assert not errors, (record["workflowState"], errors)
        assert valid("InterviewSummary", render.summary(record, personal))
        assert valid("InterviewListItem", render.list_item(record, personal))
        summary = _summary(cast(InterviewRecord, record))
        assert schema("IntegrationRun")["required"] == list(summary)
        assert list(schema("IntegrationRun")["properties"]) == list(summary)
        errors = list(_validator("/components/schemas/IntegrationRun").iter_errors(summary))
        assert not errors, (record["workflowState"], errors)
        assert valid("IntegrationRunApproved", {**summary, "interviewLink": None})
        assert valid("IntegrationRunPurged", {**summary, "purged": True})
        assert not valid("IntegrationRunPurged", summary)
    plan = records[-1]["plan"]
    assert schema("InterviewPlan")["required"] == list(plan)
    assert list(schema("InterviewPlan")["properties"]) == list(plan)
    assert schema("PlanInputs")["required"] == list(plan["inputs"])
    validation = records[-1]["validation"]
    assert schema("Validation")["required"] == list(validation)


def test_integration_create_answers_match_their_schema() -> None:
    answers = [
        _created_answer(_integration_create(body))
        for body in (
            {},
            {"level": "SENIOR", "skills": ["Go"]},
            {**GOOD, "level": "mid", "skills": ["Go", "SQL", "Docker"], "jobDescription": "j"},
        )
    ]
    assert {a["state"] for a in answers} == {"INFO_NEEDED", "VALIDATING_SKILLS"}
    for answer in answers:
        assert schema("IntegrationInterviewCreated")["required"] == list(answer)
        assert valid("IntegrationInterviewCreated", answer), answer


def test_api_key_responses_match_their_schemas() -> None:
    record = ApiKeyRecord(
        "0b5c2d9e-8a6f-4e1b-9c3d-7f2a1b0c9d8e",
        "ci",
        "ak_live_abcdef",
        sorted(expand(["interview:*"])),
        ["acme"],
        "apiKey:0b5c2d9e",
        datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
        datetime(2030, 1, 1, tzinfo=UTC),
        None,
    )
    key = new_api_key()
    assert valid("ApiKeyCreated", {**record.to_json(), "key": key})
    assert valid("ApiKeyList", {"data": [record.to_json()]})
    assert key.startswith(record.key_prefix[:8])


GOOD = {"candidateName": "Jane Smith", "position": "Senior Engineer"}

CREATE_BODIES: list[tuple[dict[str, Any], bool]] = [
    (GOOD, True),
    (
        {
            **GOOD,
            "candidateName": "x" * 200,
            "candidateEmail": "jane@example.com",
            "level": "SeNiOr",
            "skills": ["y" * 100] * 50,
            "jobDescription": "j" * 20_000,
            "candidateResume": "r" * 100_000,
            "qualifications": ["q" * 500] * 30,
            "scheduledAt": "2024-02-01T10:00:00.000Z",
            "duration": 180,
            "callbackUrl": "https://ats.example.com/hook",
            "externalId": "e" * 200,
            "candidateRef": "c" * 200,
        },
        True,
    ),
    ({**GOOD, "candidateEmail": None, "level": None, "skills": None, "duration": None}, True),
    ({**GOOD, "duration": 10, "level": "principal", "unknownField": 1, "status": "x"}, True),
    ({"position": "x"}, False),
    ({"candidateName": "x"}, False),
    ({**GOOD, "candidateName": None}, False),
    ({**GOOD, "candidateName": ""}, False),
    ({**GOOD, "candidateName": "   "}, False),
    ({**GOOD, "candidateName": "x" * 201}, False),
    ({**GOOD, "position": 5}, False),
    ({**GOOD, "candidateEmail": "not-an-email"}, False),
    ({**GOOD, "candidateEmail": "a@" + "b" * 250 + ".com"}, False),
    ({**GOOD, "level": "wizard"}, False),
    ({**GOOD, "skills": "Go"}, False),
    ({**GOOD, "skills": ["x"] * 51}, False),
    ({**GOOD, "skills": ["x" * 101]}, False),
    ({**GOOD, "skills": ["  "]}, False),
    ({**GOOD, "skills": [1]}, False),
    ({**GOOD, "jobDescription": "j" * 20_001}, False),
    ({**GOOD, "candidateResume": "r" * 100_001}, False),
    ({**GOOD, "qualifications": ["q"] * 31}, False),
    ({**GOOD, "qualifications": ["q" * 501]}, False),
    ({**GOOD, "duration": 9}, False),
    ({**GOOD, "duration": 181}, False),
    ({**GOOD, "duration": "45"}, False),
    ({**GOOD, "duration": True}, False),
    ({**GOOD, "callbackUrl": "http://ats.example.com/hook"}, False),
    ({**GOOD, "callbackUrl": "ftp://ats.example.com/hook"}, False),
    ({**GOOD, "externalId": "e" * 201}, False),
    ({**GOOD, "companyName": "c" * 200, "candidateProfile": "p" * 20_000}, True),
    ({**GOOD, "companyName": None, "candidateProfile": None}, True),
    ({**GOOD, "companyName": "c" * 201}, False),
    ({**GOOD, "candidateProfile": "p" * 20_001}, False),
    ({**GOOD, "companyName": 5}, False),
]


@pytest.mark.parametrize(("body", "accepted"), CREATE_BODIES)
def test_create_schema_agrees_with_the_validation(body: dict[str, Any], accepted: bool) -> None:
    assert valid("InterviewCreate", body) is accepted
    try:
        create_fields(body)
        code_accepts = True
    except Invalid:
        code_accepts = False
    assert code_accepts is accepted


UPDATE_BODIES: list[tuple[dict[str, Any], bool]] = [
    ({"status": "APPROVED"}, True),
    ({"skills": None}, True),
    ({"duration": 30, "unknown": 1}, True),
    ({"position": "Staff Engineer"}, True),
    ({}, False),
    ({"unknown": 1}, False),
    ({"status": "pending"}, False),
    ({"status": 1}, False),
    ({"candidateName": None}, False),
    ({"position": None}, False),
    ({"duration": None}, False),
    ({"level": "wizard"}, False),
    ({"companyName": "Acme"}, True),
    ({"candidateProfile": None}, True),
    ({"candidateProfile": "p" * 20_001}, False),
]


@pytest.mark.parametrize(("body", "accepted"), UPDATE_BODIES)
def test_update_schema_agrees_with_the_validation(body: dict[str, Any], accepted: bool) -> None:
    assert valid("InterviewUpdate", body) is accepted
    try:
        update_fields(body)
        code_accepts = True
    except Invalid:
        code_accepts = False
    assert code_accepts is accepted


INTEGRATION_CREATE_BODIES: list[tuple[Any, bool]] = [
    ({}, True),
    ({"level": "SENIOR", "skills": ["Go"]}, True),
    ({"position": "", "candidateName": "   "}, False),  # blank is not a name
    ({**GOOD, "externalId": "ats-1", "companyName": "Acme", "candidateProfile": "Likes Go"}, True),
    ({"candidateRef": "c" * 200, "qualifications": ["q" * 500] * 30, "duration": 180}, True),
    ({"candidateEmail": None, "level": None, "skills": None, "externalId": None}, True),
    ({"candidateName": None}, False),
    ({"position": None}, False),
    ({"candidateName": "x" * 201}, False),
    ({"position": "x" * 201}, False),
    ({"level": "wizard"}, False),
    ({"duration": 9}, False),
    ({"candidateEmail": "not-an-email"}, False),
    ({"companyName": "c" * 201}, False),
    ({"callbackUrl": "http://ats.example.com/hook"}, False),
    ([], False),
]


@pytest.mark.parametrize(("body", "accepted"), INTEGRATION_CREATE_BODIES)
def test_integration_create_schema_agrees_with_the_validation(body: Any, accepted: bool) -> None:
    assert valid("IntegrationInterviewCreate", body) is accepted
    try:
        create_fields(body, required=False)
        code_accepts = True
    except Invalid:
        code_accepts = False
    assert code_accepts is accepted


@pytest.mark.parametrize(("body", "accepted"), UPDATE_BODIES)
def test_info_schema_agrees_with_the_validation(body: dict[str, Any], accepted: bool) -> None:
    accepted = accepted and "status" not in body  # supplying information sets no status
    assert valid("IntegrationInfoUpdate", body) is accepted
    try:
        update_fields(body, allow_status=False)
        code_accepts = True
    except Invalid:
        code_accepts = False
    assert code_accepts is accepted


SETTINGS_BODIES: list[tuple[Any, bool]] = [
    ({"autoApprovePlans": True}, True),
    ({"autoApprovePlans": False, "autoApproveAssessments": True}, True),
    ({}, False),
    ({"autoApprovePlans": "yes"}, False),
    ({"autoApprovePlans": 1}, False),
    ({"autoApprovePlans": None}, False),
    ({"colour": 1}, False),
    ({"autoApprovePlans": True, "colour": 1}, False),
    ([], False),
]


@pytest.mark.parametrize(("body", "accepted"), SETTINGS_BODIES)
def test_settings_schema_agrees_with_the_validation(body: Any, accepted: bool) -> None:
    assert valid("TenantSettingsUpdate", body) is accepted
    try:
        tenant_settings.validated(body)
        code_accepts = True
    except tenant_settings.InvalidSettings:
        code_accepts = False
    assert code_accepts is accepted
    if accepted:
        assert valid("TenantSettings", {**tenant_settings.DEFAULTS, **body})


KEY_BODIES: list[tuple[dict[str, Any], bool]] = [
    ({"name": "ci", "permissions": ["interview:*"]}, True),
    ({"name": "n" * 200, "permissions": ["*", "api-key:read"], "tenants": ["a", "b" * 128]}, True),
    ({"name": "ci", "permissions": ["interview:read"], "tenants": None, "expiresAt": None}, True),
    ({"name": "", "permissions": ["interview:read"]}, False),
    ({"name": "   ", "permissions": ["interview:read"]}, False),
    ({"name": "n" * 201, "permissions": ["interview:read"]}, False),
    ({"permissions": ["interview:read"]}, False),
    ({"name": "ci", "permissions": []}, False),
    ({"name": "ci", "permissions": ["interview:fly"]}, False),
    ({"name": "ci", "permissions": ["inter:*"]}, False),
    ({"name": "ci", "permissions": "interview:read"}, False),
    ({"name": "ci", "permissions": ["interview:read"], "tenants": []}, False),
    ({"name": "ci", "permissions": ["interview:read"], "tenants": [""]}, False),
    ({"name": "ci", "permissions": ["interview:read"], "tenants": ["t" * 201]}, False),
]


@pytest.mark.parametrize(("body", "accepted"), KEY_BODIES)
def test_api_key_schema_agrees_with_the_validation(body: dict[str, Any], accepted: bool) -> None:
    assert valid("ApiKeyCreate", body) is accepted
    try:
        _, permissions, _, _ = _key_request(body)
        expand(permissions)
        code_accepts = True
    except (Problem, UnknownPermission):
        code_accepts = False
    assert code_accepts is accepted


def with_pointers(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            yield from with_pointers(value, f"{pointer}/{escaped}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from with_pointers(value, f"{pointer}/{index}")


def test_examples_match_their_schemas() -> None:
    checked = 0
    for pointer, node in with_pointers(DOC):
        if not (isinstance(node, dict) and "schema" in node and "examples" in node):
            continue
        validator = _validator(quote(f"{pointer}/schema", safe="/~"))
        for name, example in node["examples"].items():
            errors = list(validator.iter_errors(resolve(example)["value"]))
            assert not errors, (pointer, name, errors)
            checked += 1
    assert checked > 10


# --- the Integration API and tenant settings, answered by their handlers ---------------------


class _Bus:
    """The command path of a worker in memory: the interview agent's replay log and ``decide``."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], InterviewRecord] = {}
        self.log: dict[tuple[str, str], dict[str, Any]] = {}

    async def send(self, command: Command, timeout_s: float) -> Outcome:
        key = (command["tenantId"], command["commandId"])
        prior = self.log.get(key)
        if prior is not None:
            if prior["fingerprint"] != command["fingerprint"]:
                return command_rejected("idempotency_key_reused")
            return cast(Outcome, {**prior["outcome"], "replayed": True})
        where = (command["tenantId"], command["interviewId"])
        decision = decide(self.records.get(where), command, len(self.log))
        if decision.record is not None:
            self.records[where] = decision.record
        outcome = outcome_of(decision)
        if outcome["ok"]:
            self.log[key] = {"fingerprint": command["fingerprint"], "outcome": outcome}
        return outcome

    async def agent(self, kind: str, tenant: str, interview_id: str) -> None:
        """What the validation or planner agent would report about the record now."""
        record = self.records[(tenant, interview_id)]
        payload: dict[str, Any] = {"basedOnVersion": record["version"]}
        if kind == "interview.validated":
            payload["validation"] = validation_now(record)
        else:
            payload.update(plan=plan_for(_json(record)), runId=run_id(interview_id))
        report: Command = {
            **command(kind, payload),
            "commandId": f"agent-{len(self.log)}",
            "tenantId": tenant,
            "interviewId": interview_id,
        }
        outcome = await self.send(report, 1.0)
        assert outcome["ok"], outcome

    def record(self, tenant_id: str, interview_id: str) -> dict[str, Any] | None:
        found = self.records.get((tenant_id, interview_id))
        return None if found is None or found.get("deleted") else _json(found)

    def not_ready_reason(self) -> str | None:
        return None

    def owner_url(self, tenant_id: str) -> str | None:
        return "http://self"


class _DataKeys:
    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], bytes] = {}

    async def create(self, tenant_id: str, interview_id: str) -> bytes:
        return self.keys.setdefault((tenant_id, interview_id), bytes(32))

    async def get(self, tenant_id: str, interview_id: str) -> bytes | None:
        return self.keys.get((tenant_id, interview_id))

    async def search_key(self, tenant_id: str) -> bytes:
        return bytes(32)

    async def destroy(self, tenant_id: str, interview_id: str) -> bool:
        return self.keys.pop((tenant_id, interview_id), None) is not None

    def forget(self, tenant_id: str, interview_id: str) -> None:
        """Only a cache entry: the interview agent destroys the key."""


class _Store:
    """The configuration store: tenant settings and the audit log."""

    def __init__(self) -> None:
        self.settings: dict[str, dict[str, Any]] = {}
        self.audit: list[tuple[Any, ...]] = []

    async def fetchval(self, query: str, tenant_id: str) -> str | None:
        found = self.settings.get(tenant_id)
        return None if found is None else json.dumps(found)

    async def execute(self, query: str, *args: Any) -> str:
        if query.startswith("INSERT INTO audit_log"):
            self.audit.append(args)
        elif query.startswith("INSERT INTO tenant_settings"):
            tenant_id, changes = args
            self.settings[tenant_id] = {**self.settings.get(tenant_id, {}), **json.loads(changes)}
        return "INSERT 0 1"

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[_Store]:
        yield self

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield


@web.middleware
async def _as_tenant(request: web.Request, handler: Any) -> web.StreamResponse:
    """Stands in for the auth middleware: every permission, for the tenant in X-Tenant-ID."""
    tenant = request.headers.get("X-Tenant-ID", "acme")
    request[PRINCIPAL] = Principal(
        "apiKey", "k1", tenant, frozenset(PERMISSIONS), frozenset({tenant})
    )
    response: web.StreamResponse = await handler(request)
    return response


def _integration_app() -> tuple[web.Application, _Bus, _Store]:
    app = web.Application(middlewares=[request_id_middleware, error_middleware, _as_tenant])
    bus, store = _Bus(), _Store()
    app[BACKEND] = cast(InterviewBackend, bus)
    app[POOL] = cast(asyncpg.Pool, store)
    app[DATA_KEYS] = cast(Any, _DataKeys())
    app[SELF_URL] = "http://self"
    app[COMMAND_TIMEOUT] = 1.0
    app[CALLBACK_HTTP_HOSTS] = frozenset()
    add_routes(app, PREFIX)
    return app, bus, store


def _documented(method: str, template: str, status: int, body: Any) -> None:
    """The answer's status is documented for the operation, and its body fits the schema."""
    responses = operation(method, template)["responses"]
    assert str(status) in responses, (method, template, status, body)
    response = responses[str(status)]
    if "$ref" in response:
        pointer = response["$ref"].removeprefix("#")
    else:
        escaped = template.replace("~", "~0").replace("/", "~1")
        pointer = f"/paths/{escaped}/{method.lower()}/responses/{status}"
    validator = _validator(quote(f"{pointer}/content/application~1json/schema", safe="/~"))
    errors = list(validator.iter_errors(body))
    assert not errors, (method, template, status, body, errors)


async def test_integration_answers_are_documented() -> None:
    app, bus, _store = _integration_app()
    run_path = "/integration/interviews/{runId}"
    async with client(app) as c:

        async def call(
            method: str, template: str, run: str = "", json_body: Any = None, **kw: Any
        ) -> tuple[int, Any]:
            path = PREFIX + template.replace("{runId}", run)
            answer = await c.request(method, path, json=json_body, **kw)
            body = await answer.json()
            _documented(method, template, answer.status, body)
            return answer.status, body

        created = {"externalId": "ats-1", "level": "SENIOR", "skills": ["Go"]}
        status, made = await call("POST", "/integration/interviews", json_body=created)
        assert status == 201 and made["state"] == "INFO_NEEDED"
        again = {**created, "position": "Something else"}
        assert await call("POST", "/integration/interviews", json_body=again) == (200, made)
        status, bad = await call("POST", "/integration/interviews", json_body={"position": None})
        assert (status, bad["message"]) == (400, ["position must be a string"])
        run, interview = made["runId"], made["interviewId"]

        assert (await call("GET", run_path, run))[0] == 200
        assert (await call("GET", run_path, "run_nonsense"))[0] == 404
        assert (await call("GET", run_path, run, headers={"X-Tenant-ID": "other"}))[0] == 404
        assert (await call("POST", f"{run_path}/plan/approve", run))[0] == 409
        assert (await call("PATCH", f"{run_path}/info", run, {}))[0] == 400

        await bus.agent("interview.validated", "acme", interview)
        status, waiting = await call("GET", run_path, run)
        assert waiting["state"] == "INFO_NEEDED" and waiting["questions"]
        info = {"position": "Backend Engineer", "candidateRef": "c-1"}
        status, supplied = await call("PATCH", f"{run_path}/info", run, info)
        assert (status, supplied["state"]) == (200, "VALIDATING_SKILLS")
        assert (await call("PATCH", f"{run_path}/info", run, info))[0] == 409
        await bus.agent("interview.validated", "acme", interview)
        await bus.agent("interview.plan_generated", "acme", interview)
        status, pending = await call("GET", run_path, run)
        assert pending["state"] == "PENDING" and pending["plan"]["version"] == 1

        bad_notes: list[Any] = [{}, {"notes": "   "}, {"notes": "x" * 5001}, [1]]
        for body in bad_notes:
            assert (await call("PATCH", f"{run_path}/plan/revise", run, body))[0] == 400
        revise = {"notes": "More on Go"}
        status, revised = await call("PATCH", f"{run_path}/plan/revise", run, revise)
        assert (status, revised["state"]) == (200, "GENERATING_PLAN")
        await bus.agent("interview.plan_generated", "acme", interview)
        bad_feedback: list[Any] = [{"feedback": 5}, {"feedback": "x" * 5001}, [1]]
        for body in bad_feedback:
            assert (await call("POST", f"{run_path}/plan/reject", run, body))[0] == 400
        status, approved = await call("POST", f"{run_path}/plan/approve", run)
        assert (status, approved["state"], approved["interviewLink"]) == (200, "APPROVED", None)
        assert (await call("POST", f"{run_path}/plan/reject", run))[0] == 409
        assert (await call("PATCH", f"{run_path}/plan/revise", run, revise))[0] == 409

        status, purged = await call("DELETE", f"{run_path}/candidate-data", run)
        assert (status, purged["purged"]) == (200, True)  # the agent writes the audit entry
        status, cancelled = await call("DELETE", run_path, run)
        assert (status, cancelled["state"]) == (200, "CANCELLED")
        assert (await call("DELETE", run_path, run))[0] == 409

        # a second interview, rejected with feedback; then Idempotency-Key replays and reuse
        second = {**GOOD, "level": "mid", "skills": ["Go", "SQL", "Docker"]}
        status, other = await call("POST", "/integration/interviews", json_body=second)
        assert (status, other["state"]) == (201, "VALIDATING_SKILLS")
        await bus.agent("interview.validated", "acme", other["interviewId"])
        await bus.agent("interview.plan_generated", "acme", other["interviewId"])
        key = {"Idempotency-Key": "k-1"}
        feedback = {"feedback": "Wrong level"}
        run2 = other["runId"]
        status, rejected_ = await call(
            "POST", f"{run_path}/plan/reject", run2, feedback, headers=key
        )
        assert (status, rejected_["state"]) == (200, "REJECTED")
        replay = await call("POST", f"{run_path}/plan/reject", run2, feedback, headers=key)
        assert replay == (200, rejected_)
        assert (await call("DELETE", run_path, run2, headers=key))[0] == 422
        bad_key = {"Idempotency-Key": "k" * 256}
        assert (await call("POST", f"{run_path}/plan/approve", run2, headers=bad_key))[0] == 400
        unknown = run_id("0b5c2d9e-8a6f-4e1b-9c3d-7f2a1b0c9d8e")
        for method, template, _ in operations():
            if template.startswith(run_path) and method != "GET":
                sent = {"revise": {"notes": "n"}, "info": {"position": "p"}}
                body = sent.get(template.rsplit("/", 1)[-1])
                assert (await call(method, template, unknown, body))[0] == 404, template

        settings = "/tenant/settings"
        assert await call("GET", settings) == (200, dict(tenant_settings.DEFAULTS))
        bad_settings: list[Any] = [{}, {"autoApprovePlans": "yes", "colour": 1}, [True]]
        for body in bad_settings:
            assert (await call("PUT", settings, json_body=body))[0] == 400
        status, changed = await call("PUT", settings, json_body={"autoApprovePlans": True})
        assert (status, changed) == (200, {**tenant_settings.DEFAULTS, "autoApprovePlans": True})
        assert await call("GET", settings) == (200, changed)


# --- the candidate journey, answered by its handlers ------------------------------------------

#: One candidate token key (id 1, 32 bytes), as the integration tests use.
TOKEN_KEYS_SPEC = "1:aGlyZXN0cmVhbS10ZXN0LWNhbmRpZGF0ZS1rZXktMDE="


class _JourneyBus(_Bus):
    """The bus, plus what the candidate journey's handlers ask of a worker: sessions by id and
    the mailer's report on an invitation (sent at once)."""

    reply_topic = "replies"

    def interview_of_session(self, tenant_id: str, session_id: str) -> str | None:
        for (tenant, interview_id), record in self.records.items():
            if tenant == tenant_id and record.get("sessionId") == session_id:
                return interview_id
        return None

    def expect_reply(self, correlation_id: str) -> asyncio.Future[dict[str, Any]]:
        sent: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        sent.set_result({"emailSent": True})
        return sent

    def forget_reply(self, correlation_id: str) -> None:
        """Nothing kept."""


class _JourneyKeys(_DataKeys):
    async def tenant_of(self, interview_id: str) -> str | None:
        tenants = {t for t, i in self.keys if i == interview_id}
        return tenants.pop() if len(tenants) == 1 else None


def _journey_app() -> tuple[web.Application, _JourneyBus]:
    app = web.Application(
        middlewares=[request_id_middleware, candidate_headers, error_middleware, _as_tenant]
    )
    bus = _JourneyBus()
    app[BACKEND] = cast(InterviewBackend, bus)
    app[POOL] = cast(asyncpg.Pool, _Store())
    app[DATA_KEYS] = cast(Any, _JourneyKeys())
    app[SELF_URL] = "http://self"
    app[COMMAND_TIMEOUT] = 1.0
    app[CALLBACK_HTTP_HOSTS] = frozenset()
    app[SETTINGS] = Settings(app_url="https://interviews.example.com")
    app[TOKEN_KEYS] = TokenKeys.parse(TOKEN_KEYS_SPEC)
    app[INVITE_LIMIT] = RateLimit(per_minute=30, burst=30)
    app[ACCESS_LIMIT] = RateLimit(per_minute=120, burst=60)
    app[SOCKETS] = SessionSockets()
    add_routes(app, PREFIX)
    return app, bus


def _headers_documented(method: str, template: str, status: int, headers: Any) -> None:
    """Every header the document requires on this answer is sent, with a documented value."""
    documented = response_headers(method, template, str(status))
    for name, spec in documented.items():
        spec = resolve(spec)
        if not spec.get("required"):
            continue
        assert name in headers, (method, template, status, name)
        value, rule = headers[name], spec["schema"]
        if "const" in rule:
            assert value == rule["const"], (method, template, name, value)
        if rule.get("type") == "integer":
            assert int(value) >= rule.get("minimum", 0), (method, template, name, value)


async def test_journey_answers_are_documented() -> None:
    """Invitation, candidate access, the session (its socket too), the transcript, the
    assessment and its approval, through the real handlers and ``decide``: every status is
    documented for its operation, every body fits its schema and every required header is
    sent (Retry-After on 429, the candidate-access headers on every candidate-access answer)."""
    app, bus = _journey_app()
    async with client(app) as c:

        async def call(
            method: str, template: str, json_body: Any = None, **values: str
        ) -> tuple[int, Any]:
            path = PREFIX + template.format(**values)
            answer = await c.request(method, path, json=json_body)
            body = await answer.json()
            _documented(method, template, answer.status, body)
            _headers_documented(method, template, answer.status, answer.headers)
            return answer.status, body

        async def ready(interview_id: str) -> None:
            """Validated and planned: pending."""
            await bus.agent("interview.validated", "acme", interview_id)
            await bus.agent("interview.plan_generated", "acme", interview_id)

        # Everything sent (the bus decides without the agent's defaults, such as duration).
        complete = {**GOOD, "level": "mid", "skills": ["Go", "SQL", "Docker"], "duration": 45}
        status, made = await call(
            "POST", "/interviews", {**complete, "candidateEmail": "jane@example.com"}
        )
        assert status == 201
        iid = made["id"]
        run = run_id(iid)
        await ready(iid)
        invite, conduct = "/interviews/{id}/invite", "/interviews/{id}/conduct"
        assert (await call("POST", invite, id=iid))[0] == 409  # pending
        assert (await call("POST", conduct, id=iid))[0] == 409
        unknown = "0b5c2d9e-8a6f-4e1b-9c3d-7f2a1b0c9d8e"
        for template in (invite, conduct, "/interviews/{id}/transcript"):
            method = "GET" if template.endswith("transcript") else "POST"
            assert (await call(method, template, id=unknown))[0] == 404
            assert (await call(method, template, id="nonsense"))[0] == 404
        assert (await call("GET", "/interviews/{id}/transcript", id=iid))[0] == 404  # no session
        approve = "/integration/interviews/{runId}/plan/approve"
        assert (await call("POST", approve, runId=run))[0] == 200

        status, invited = await call("POST", invite, id=iid)
        assert status == 200 and invited["emailSent"] is True, invited
        token = invited["token"]
        assert invited["interviewLink"] == f"https://interviews.example.com/interview/join/{token}"
        assert schema("InviteResult")["required"] == list(invited)
        assert (await call("POST", invite, id=iid))[1]["token"] == token

        # an approved interview without an email
        status, bare = await call("POST", "/interviews", complete)
        await ready(bare["id"])
        assert (await call("POST", approve, runId=run_id(bare["id"])))[0] == 200
        status, no_email = await call("POST", invite, id=bare["id"])
        assert (status, no_email["code"]) == (400, "candidate_email_missing")

        access = "/candidate-access/{token}"
        status, opened = await call("GET", access, token=token)
        assert (status, opened["candidateName"], opened["position"]) == (
            200,
            "Jane Smith",
            GOOD["position"],
        )
        assert schema("CandidateAccess")["required"] == list(opened)
        flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        for bad in (flipped, "x" * 51, "x"):
            assert (await call("GET", access, token=bad))[0] == 404
            assert (await call("POST", access + "/start", token=bad))[0] == 404
        status, started = await call("POST", access + "/start", token=token)
        assert status == 200 and schema("Session")["required"] == list(started)
        sid = started["sessionId"]
        assert await call("POST", conduct, id=iid) == (200, started)  # the same session

        transcript = "/interviews/{id}/transcript"
        status, first = await call("GET", transcript, id=iid)
        assert (status, first["endedAt"], len(first["turns"])) == (200, None, 1)
        assert schema("Transcript")["required"] == list(first)

        ws = "/sessions/{sessionId}/ws"
        for session, link in ((sid, flipped), (unknown, token), ("nonsense", token), (sid, "")):
            path = PREFIX + ws.format(sessionId=session)
            answer = await c.get(path, params={"token": link})
            _documented("GET", ws, answer.status, await answer.json())
            assert answer.status == 404, (session, link)
        answer = await c.get(PREFIX + ws.format(sessionId=sid), params={"token": token})
        assert answer.status == 400  # not a WebSocket handshake
        _documented("GET", ws, 400, await answer.json())
        received = []
        async with c.ws_connect(PREFIX + ws.format(sessionId=sid), params={"token": token}) as s:
            assert s._response.status == 101
            _headers_documented("GET", ws, 101, s._response.headers)
            async for message in s:
                data = json.loads(message.data)
                received.append(data)
                if data["type"] == "question":
                    await s.send_str(
                        json.dumps(
                            {
                                "type": "answer",
                                "text": f"Answer {data['index']}: Go and SQL, measured.",
                            }
                        )
                    )
        assert received[-1] == {"type": "ended", "reason": "completed"}, received

        status, done = await call("GET", transcript, id=iid)
        assert status == 200 and done["endedReason"] == "completed"
        answers = [t["text"] for t in done["turns"] if t["role"] == "candidate"]
        assert answers and all(a.startswith("Answer ") for a in answers)
        end = "/sessions/{sessionId}/end"
        status, ended = await call("POST", end, sessionId=sid)
        assert (status, ended["reason"]) == (200, "completed")  # ended already: as it is
        assert schema("SessionEnded")["required"] == list(ended)
        assert (await call("POST", end, sessionId=unknown))[0] == 404
        assert (await call("POST", end, sessionId="nonsense"))[0] == 404

        retrigger = "/a2a/interview/{id}/retrigger-assessment"

        def assessed_path(verb: str) -> str:
            return f"/integration/interviews/{{runId}}/assessment/{verb}"

        assert (await call("POST", retrigger, id=bare["id"]))[0] == 409  # approved
        for verb in ("approve", "reject"):
            assert (await call("POST", assessed_path(verb), runId=run))[0] == 409  # completed
            assert (await call("POST", assessed_path(verb), runId=run_id(unknown)))[0] == 404

        async def assessed(sequence: int) -> None:
            record = bus.records[("acme", iid)]
            plan = record["plan"]
            assert plan is not None
            turns = [
                {**raw, "text": shown["text"]}
                for raw, shown in zip(record["session"]["turns"], done["turns"], strict=True)
            ]
            report: Command = {
                **command(
                    "interview.assessed",
                    {
                        "assessment": assess(turns, plan),
                        "basedOnSequence": sequence,
                        "autoApproveAssessments": False,
                    },
                ),
                "commandId": f"assessed-{sequence}",
                "interviewId": iid,
            }
            assert (await bus.send(report, 1.0))["ok"]

        await assessed(1)
        status, full = await call("GET", "/interviews/{id}", id=iid)
        assert (full["workflowState"], full["assessment"]["status"]) == (
            "assessment_pending",
            "pending",
        )
        assert schema("Assessment")["required"] == [
            k for k in full["assessment"] if k in schema("Assessment")["required"]
        ]
        status, queued = await call("POST", retrigger, id=iid)
        assert (status, queued) == (202, {"interviewId": iid, "status": "queued"})
        assert (await call("POST", retrigger, id=iid))[0] == 202  # completed: again
        await assessed(2)
        status, rejected_ = await call("POST", assessed_path("reject"), runId=run)
        assert (status, rejected_["state"], rejected_["assessment"]["status"]) == (
            200,
            "COMPLETED",
            "rejected",
        )
        await assessed(3)
        status, approved = await call("POST", assessed_path("approve"), runId=run)
        assert (status, approved["state"], approved["assessment"]["status"]) == (
            200,
            "ASSESSMENT_APPROVED",
            "approved",
        )
        assert (await call("POST", assessed_path("approve"), runId=run))[0] == 409
        status, history = await call("GET", "/interviews/{id}", id=iid)
        assert len(history["assessments"]) == 3

        # the rate limits: 429 with Retry-After (and the candidate headers where they apply)
        app[INVITE_LIMIT].burst = 0
        app[ACCESS_LIMIT].burst = 0
        assert (await call("POST", invite, id=iid))[0] == 429
        assert (await call("GET", access, token=token))[0] == 429
        assert (await call("POST", access + "/start", token=token))[0] == 429
        answer = await c.get(PREFIX + ws.format(sessionId=sid), params={"token": token})
        _documented("GET", ws, answer.status, await answer.json())
        _headers_documented("GET", ws, answer.status, answer.headers)
        assert answer.status == 429


# --- webhooks: the schemas against the code ----------------------------------------------------


def test_webhook_schemas_follow_the_code() -> None:
    assert schema("WebhookEvent")["enum"] == list(WEBHOOK_EVENTS)
    assert schema("WebhookLogEvent")["enum"] == list(LOG_EVENTS)
    assert schema("WebhookDeliveryStatus")["enum"] == list(DELIVERY_STATUSES)
    at = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    endpoint = Endpoint(
        "0d7c5b1e-3f2a-4c8d-9e6b-1a2b3c4d5e6f", "https://a.example.com/h", None, None, at, at, "x"
    ).to_json()
    assert schema("WebhookEndpoint")["required"] == list(endpoint)
    assert list(schema("WebhookEndpoint")["properties"]) == list(endpoint)
    assert valid("WebhookEndpoint", endpoint)
    assert valid("WebhookEndpointCreated", {**endpoint, "secret": new_secret()})
    assert valid("WebhookSecret", {"secret": new_secret()})
    delivery = Delivery(
        "7a9e2c41-6b3d-5f80-9c1e-2d4b6a8f0e13",
        12,
        "msg_2b6f0cc904d14e3c8b1a5e7d9f3c2a10",
        None,
        "https://a.example.com/h",
        "interview.approved",
        "5f0c6a3e-1d2b-4c8e-9f7a-2b3c4d5e6f70",
        "failed",
        2,
        503,
        "HTTP 503",
        at,
        at,
        None,
    ).to_json()
    assert schema("WebhookDelivery")["required"] == list(delivery)
    assert list(schema("WebhookDelivery")["properties"]) == list(delivery)
    assert valid("WebhookDeliveryList", {"data": [delivery], "nextCursor": "12"})
    assert valid("WebhookDeliveryList", {"data": [], "nextCursor": None})
    records = _through_the_workflow()
    for n, record in enumerate(records):
        kind = "interview.approved"
        public = {k: v for k, v in record.items() if k not in ("applied", "offsets")}
        event = {
            "eventId": f"{record['id']}:{n + 1}",
            "type": kind,
            "tenantId": "acme",
            "interviewId": record["id"],
            "sequence": n + 1,
            "occurredAt": record["updatedAt"],
            "record": {**public, "sealed": {}},
        }
        payload = event_payload("msg_2b6f0cc904d14e3c8b1a5e7d9f3c2a10", event)
        assert schema("WebhookPayload")["required"] == list(payload)
        errors = list(_validator("/components/schemas/WebhookPayload").iter_errors(payload))
        assert not errors, errors
    test = make_test_payload(
        "msg_2b6f0cc904d14e3c8b1a5e7d9f3c2a10", "acme", "e1", "2024-01-15T10:00:00.000Z"
    )
    assert valid("WebhookPayload", test)


WEBHOOK_ENDPOINT_BODIES: list[tuple[Any, bool]] = [
    ({"url": "https://hooks.example.com/h"}, True),
    ({"url": "HTTPS://hooks.example.com:8443/h?x=1", "events": None, "description": None}, True),
    ({"url": "https://hooks.example.com", "events": ["interview.approved"] * 2}, True),
    ({"url": "https://hooks.example.com/h", "description": "d" * 500, "other": 1}, True),
    ({"url": "https://hooks.example.com/h", "description": "d" * 501}, False),
    ({"url": "https://hooks.example.com/h", "description": 5}, False),
    ({"url": "https://hooks.example.com/h", "events": []}, False),
    ({"url": "https://hooks.example.com/h", "events": "interview.approved"}, False),
    ({"url": "https://hooks.example.com/h", "events": ["interview.sent"]}, False),
    ({"url": "https://hooks.example.com/h", "events": ["webhook.test"]}, False),
    ({"url": "https://hooks.example.com/h", "events": [1]}, False),
    ({"url": "http://hooks.example.com/h"}, False),
    ({"url": "ftp://hooks.example.com/h"}, False),
    ({"url": "https://hooks.example.com/" + "x" * 2048}, False),
    ({"url": 5}, False),
    ({"url": None}, False),
    ({}, False),
    ([], False),
]


@pytest.mark.parametrize(("body", "accepted"), WEBHOOK_ENDPOINT_BODIES)
def test_webhook_endpoint_schema_agrees_with_the_validation(body: Any, accepted: bool) -> None:
    assert valid("WebhookEndpointCreate", body) is accepted
    try:
        endpoint_request(body, frozenset())
        code_accepts = True
    except Problem:
        code_accepts = False
    assert code_accepts is accepted


DELIVERY_QUERIES: list[tuple[dict[str, str], bool]] = [
    ({}, True),
    ({"interviewId": "", "event": "", "status": "", "limit": "", "cursor": ""}, True),
    ({"interviewId": "5F0C6A3E-1D2B-4C8E-9F7A-2B3C4D5E6F70", "event": "webhook.test"}, True),
    ({"status": "dead", "limit": "500", "cursor": "123456789012345678"}, True),
    ({"interviewId": "5f0c6a3e"}, False),
    ({"event": "interview.created"}, False),
    ({"status": "DEAD"}, False),
    ({"limit": "0"}, False),
    ({"limit": "1.5"}, False),
    ({"cursor": "1234567890123456789"}, False),
    ({"cursor": "-1"}, False),
]


@pytest.mark.parametrize(("params", "accepted"), DELIVERY_QUERIES)
def test_delivery_log_parameters_agree_with_the_validation(
    params: dict[str, str], accepted: bool
) -> None:
    documented = {
        resolve(p)["name"]: resolve(p)
        for p in operation("GET", "/webhook-deliveries")["parameters"]
    }
    jsonschema = pytest.importorskip("jsonschema")
    fits = all(
        jsonschema.Draft202012Validator(documented[name]["schema"]).is_valid(value)
        or (name == "limit" and value.isdigit() and int(value) >= 1)
        for name, value in params.items()
    )
    assert fits is accepted
    try:
        delivery_query(params)
        code_accepts = True
    except Problem:
        code_accepts = False
    assert code_accepts is accepted

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

from hirestream.agents.enrich.canonical import canonicalise
from hirestream.agents.interviews.decide import counts_view, decide
from hirestream.agents.interviews.states import STATUSES, WORKFLOW_STATES
from hirestream.store.apikeys import ApiKeyRecord
from hirestream.tables.queries import FILTERABLE
from hirestream.topics.records import Command
from hirestream.web import render
from hirestream.web.app import add_routes
from hirestream.web.auth import PUBLIC, REQUIRED_PERMISSION
from hirestream.web.backend import BACKEND, InterviewBackend
from hirestream.web.credentials import new_api_key
from hirestream.web.errors import Problem, error_middleware, request_id_middleware
from hirestream.web.permissions import PERMISSIONS, UnknownPermission, expand
from hirestream.web.resume.config import Limits
from hirestream.web.resume.errors import CODES, rejected
from hirestream.web.resume.service import RESUME_PARSER, ResumeParser
from hirestream.web.routing import unavailable
from hirestream.web.validation import LEVELS, Invalid, create_input, update_input
from hirestream.web.views import health
from hirestream.web.views import resume as resume_view
from hirestream.web.views.apikeys import POOL, _key_request
from hirestream.web.views.openapi import document_bytes, openapi_document

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


def registered() -> dict[tuple[str, str], Any]:
    """(METHOD, path without the prefix) -> handler, for every route but the implicit HEADs."""
    app = web.Application()
    add_routes(app, PREFIX)
    routes = {}
    heads = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        assert path.startswith(PREFIX + "/"), path
        key = (route.method, path.removeprefix(PREFIX))
        if route.method == "HEAD":
            heads.add(key[1])
        else:
            routes[key] = route.handler
    gets = {path for method, path in routes if method == "GET"}
    assert heads <= gets, f"HEAD routes without a GET: {heads - gets}"
    return routes


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
    writes = {
        ("POST", "/interviews"),
        ("PUT", "/interviews/{id}"),
        ("DELETE", "/interviews/{id}"),
        ("POST", "/interviews/{id}/override"),
    }
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
    fields = create_input(
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
            render.summary(record, opened)
        )
        assert valid("InterviewListItem", render.list_item(record, opened))
        assert valid("Interview", render.full(record, opened))
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
]


@pytest.mark.parametrize(("body", "accepted"), CREATE_BODIES)
def test_create_schema_agrees_with_the_validation(body: dict[str, Any], accepted: bool) -> None:
    assert valid("InterviewCreate", body) is accepted
    try:
        create_input(body)
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
]


@pytest.mark.parametrize(("body", "accepted"), UPDATE_BODIES)
def test_update_schema_agrees_with_the_validation(body: dict[str, Any], accepted: bool) -> None:
    assert valid("InterviewUpdate", body) is accepted
    try:
        update_input(body)
        code_accepts = True
    except Invalid:
        code_accepts = False
    assert code_accepts is accepted


KEY_BODIES: list[tuple[dict[str, Any], bool]] = [
    ({"name": "ci", "permissions": ["interview:*"]}, True),
    ({"name": "n" * 200, "permissions": ["*", "api-key:read"], "tenants": ["a", "b" * 200]}, True),
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

"""The API driven from its own OpenAPI document by a client we did not write: schemathesis.

The schema is loaded from the running worker's ``/api/v1/openapi.json`` over HTTP, and every
operation in it is called with generated requests — examples, coverage cases (each documented
constraint on its boundary and just past it) and 50 fuzzed requests per operation, positive and
negative — authenticated with an ADMIN token of a tenant made for this run. Every response goes
through schemathesis's default checks (all its built-in checks: no 5xx, status code, content
type, headers and body as documented, schema-valid requests accepted, schema-violating ones
refused, authentication enforced, 405 with Allow for undocumented methods, ...). Derandomized,
so a failure found in CI is found again locally.

A routed read answered 503 ``not_ready`` (the worker's partitions are moving: Kafka may
rebalance a consumer group at any time) is retried as a client is told to, after its
``Retry-After`` (``call_as_a_client_would``); the answer that follows is the one checked.

One check needs a word. ``positive_data_acceptance`` expects every request the schema allows to
be accepted; a few are rightly refused for a reason a JSON Schema cannot state. Exactly those
refusals — recognised by their error code, not by their status — skip that one check (every
other check still runs on them, so they must still be documented answers): see
``legitimate_refusal``.

The session socket (``GET /sessions/{sessionId}/ws``, operation ``joinSession``) is called
like every other operation, as a plain GET: schemathesis does not speak WebSocket, so it never
sends the handshake headers and never sees the documented 101 Switching Protocols. Nothing is
excluded for it: its generated session ids and tokens open no session, so it is answered 404
(or 429 once the candidate rate limit is reached) before any upgrade, and those answers go
through every check. The 101 (and the 400 of a plain GET that does pass the link and session
checks) are exercised with a real socket in ``tests/unit/test_openapi.py``
(``test_journey_answers_are_documented``).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.checks import positive_data_acceptance

from tests.conftest import SEED_CREATE, auth
from tests.support.workers import Worker

pytestmark = pytest.mark.integration

SEED = 20240201
COMPLETE_RUN = {
    "candidateName": "Ann Lee",
    "candidateRef": "cand-1",
    "position": "Backend Engineer",
    "level": "SENIOR",
    "skills": ["Go", "PostgreSQL", "Kubernetes"],
    "qualifications": ["5+ years building HTTP APIs"],
    "jobDescription": "Design, build and run payment APIs, with a focus on reliability.",
    "companyName": "Acme",
}

#: Statuses and codes of parse-resume for bytes that are not a readable résumé.
RESUME_CONTENT_REFUSALS = {
    (415, "unsupported_type"),
    (422, "empty_document"),
    (422, "corrupt_document"),
    (422, "no_text_layer"),
    (422, "garbled_text"),
    (422, "encrypted"),
}


@pytest.fixture
def admin() -> dict[str, str]:
    """An ADMIN token of a tenant made for this run. Sent with every request as the caller's
    own header, so the ``ignored_auth`` check knows it is the real credential: it resends
    requests without it and with broken ones, and expects 401 or 403."""
    return auth(f"schemathesis-{uuid.uuid4().hex[:10]}", "ADMIN")


@pytest.fixture
def api_schema(worker: Worker, admin: dict[str, str]) -> schemathesis.BaseSchema:
    """The worker's own document, called at the worker's /api/v1. Path ids are drawn half of
    the time from records made here (interviews, integration runs waiting for information or
    for plan approval, API keys, and one interview invited and in progress with its candidate
    token and session), so the operations on one record reach past their 404."""
    made = {**_records(worker.api, admin), **_journey(worker.api, admin)}
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": worker.api,
            "request-timeout": 30,
            "dictionaries": {name: {"values": values} for name, values in made.items()},
            "operations": [
                # The candidate journey's operations draw the journey's own interview, run,
                # token and session (kept apart, so that the earlier operations on interviews
                # and runs, DELETE and cancel among them, do not end it first).
                _draw_from(
                    "interviews", "path.id", path_regex=rf"^/interviews/\{{id\}}(?!{JOURNEY})"
                ),
                _draw_from("journey", "path.id", path_regex=rf"^/interviews/\{{id\}}{JOURNEY}"),
                _draw_from("journey", "path.id", path_regex=r"^/a2a/interview/\{id\}/"),
                _draw_from(
                    "runs",
                    "path.runId",
                    path_regex=r"^/integration/interviews/\{runId\}(?!/assessment/)",
                ),
                _draw_from(
                    "journeyRun",
                    "path.runId",
                    path_regex=r"^/integration/interviews/\{runId\}/assessment/",
                ),
                _draw_from("keys", "path.id", path_regex=r"^/api-keys/\{id\}$"),
                _draw_from("tokens", "path.token", path_regex=r"^/candidate-access/\{token\}"),
                _draw_from(
                    "sessions", "path.sessionId", path_regex=r"^/sessions/\{sessionId\}/end$"
                ),
                _draw_from(
                    "sessions",
                    "path.sessionId",
                    path_regex=r"^/sessions/\{sessionId\}/ws$",
                    also={"query.token": "tokens"},
                ),
            ],
        }
    )
    return schemathesis.openapi.from_url(f"{worker.api}/openapi.json", config=config)


#: The journey's operations on an interview (GET /interviews/{id}/plan etc. are not).
JOURNEY = "/(invite|conduct|transcript)$"


def _draw_from(
    dictionary: str, parameter: str, *, path_regex: str, also: dict[str, str] | None = None
) -> dict[str, Any]:
    drawn = {parameter: dictionary, **(also or {})}
    return {
        "include-path-regex": path_regex,
        "parameters": {name: {"dictionary": d, "probability": 0.5} for name, d in drawn.items()},
    }


def _records(api: str, headers: dict[str, str]) -> dict[str, list[str]]:
    """Interviews, integration runs and API keys of this run's tenant, by their path ids."""
    interviews, runs, keys = [], [], []
    with requests.Session() as http:
        http.headers.update(headers)
        for n in range(3):
            made = http.post(f"{api}/interviews", json={**SEED_CREATE, "candidateName": f"C {n}"})
            assert made.status_code == 201, made.text
            interviews.append(made.json()["id"])
        for n in range(6):
            body = COMPLETE_RUN if n % 2 == 0 else {"position": "Engineer"}
            made = http.post(f"{api}/integration/interviews", json={**body, "externalId": f"x-{n}"})
            assert made.status_code == 201, made.text
            runs.append(made.json()["runId"])
            interviews.append(made.json()["interviewId"])
        for n in range(3):
            made = http.post(f"{api}/api-keys", json={"name": f"k{n}", "permissions": ["*"]})
            assert made.status_code == 201, made.text
            keys.append(made.json()["id"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the complete runs wait for plan approval
            states = [
                http.get(f"{api}/integration/interviews/{run}").json()["state"] for run in runs
            ]
            if states.count("PENDING") == 3:
                break
            time.sleep(0.5)
    return {"interviews": interviews, "runs": runs, "keys": keys}


def _journey(api: str, headers: dict[str, str]) -> dict[str, list[str]]:
    """One interview taken through the journey before the run: approved, invited (its
    candidate token) and conducted (its session, open). Schemathesis reaches the journey's
    answers with it: the candidate's access and start, the transcript, the socket's checks,
    the end of the session, and afterwards (once the assessor has scored it) the assessment's
    approval."""
    with requests.Session() as http:
        http.headers.update(headers)
        made = http.post(f"{api}/interviews", json={**SEED_CREATE, "candidateName": "J Doe"})
        assert made.status_code == 201, made.text
        interview = made.json()["id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # validated and planned: pending
            state = http.get(f"{api}/interviews/{interview}").json()["workflowState"]
            if state == "pending":
                break
            time.sleep(0.5)
        approved = http.put(f"{api}/interviews/{interview}", json={"status": "approved"})
        assert approved.status_code == 200, approved.text
        invited = http.post(f"{api}/interviews/{interview}/invite")
        assert invited.status_code == 200, invited.text
        conducted = http.post(f"{api}/interviews/{interview}/conduct")
        assert conducted.status_code == 200, conducted.text
    return {
        "journey": [interview],
        "journeyRun": ["run_" + interview.replace("-", "")],
        "tokens": [invited.json()["token"]],
        "sessions": [conducted.json()["sessionId"]],
    }


def _error(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _past(moment: Any) -> bool:
    try:
        parsed = datetime.fromisoformat(str(moment).replace("Z", "+00:00"))
    except ValueError:
        return False
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)) <= datetime.now(UTC)


def legitimate_refusal(case: schemathesis.Case, response: Any) -> str | None:
    """Why a request the schema allows was rightly refused (None: it was not, or it was not
    refused). Only these answers are excused from ``positive_data_acceptance``."""
    status = response.status_code
    error = _error(response)
    code, message = error.get("code"), error.get("message")
    body = case.body if isinstance(case.body, dict) else {}
    if (status, code) == (422, "idempotency_key_reused") and "Idempotency-Key" in (
        case.headers or {}
    ):
        # Keys are scoped to the tenant and every generated request shares this run's tenant:
        # a key drawn again for another request is a reused key, as documented.
        return "an Idempotency-Key an earlier generated request used with another body"
    operation = case.operation.definition.raw.get("operationId")
    if operation == "parseResume" and (status, code) in RESUME_CONTENT_REFUSALS:
        # The file's content (a PDF, a DOCX or readable text) is not something a JSON Schema
        # can describe: generated bytes are mostly not a résumé.
        return "generated bytes that are not a readable résumé"
    if operation == "assessInterview" and (status, code) == (400, "deprecated"):
        return "a deprecated operation documented to answer 400 to every request"
    if operation == "joinSession" and status == 400 and (code, message) == (None, "Bad Request"):
        # The token and the session were the journey's, so the request passed the checks
        # before the upgrade; schemathesis does not speak WebSocket, and a GET without the
        # handshake headers is documented to be 400 (the 101 is tested with a real socket in
        # tests/unit/test_openapi.py).
        return "a plain GET on the session socket, which is not a WebSocket handshake"
    if (
        operation == "createApiKey"
        and status == 400
        and message == ["expiresAt must be in the future"]
        and _past(body.get("expiresAt"))
    ):
        return "an expiry in the past (a JSON Schema date-time cannot say 'in the future')"
    return None


#: How long a generated request is retried while the worker answers "not ready".
NOT_READY_PATIENCE_S = 60


def call_as_a_client_would(case: schemathesis.Case, headers: dict[str, str]) -> Any:
    """The request's answer, once the worker is ready to give one. While the worker's
    partitions move (a consumer-group rebalance, which Kafka may start at any time, not only
    when a worker joins or leaves) a routed read is answered 503 ``not_ready`` with
    ``Retry-After`` (docs/api.md), and a client is to retry it: so does this one, honouring the
    header, for up to ``NOT_READY_PATIENCE_S``. Any other 5xx, and a 503 that outlasts the
    patience, is checked (and fails) as it is."""
    deadline = time.monotonic() + NOT_READY_PATIENCE_S
    while True:
        response = case.call(headers=headers)
        retry_after = str(response.headers.get("Retry-After", ""))
        if not (
            response.status_code == 503
            and _error(response).get("code") == "not_ready"
            and retry_after.isdigit()
            and time.monotonic() < deadline
        ):
            return response
        time.sleep(max(int(retry_after), 1))


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis (4.32) names each operation's subtest by rewriting the test node's
    ``_nodeid``, which pytest 9.2 no longer has (the id is kept as ``_id``): give the node the
    attribute it reads and writes. pytest does not read it, so reports keep the test's own id
    (each failure still names its operation)."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


# Every operation, explicitly: without a filter that selects it, schemathesis leaves out the
# operation that served the document it loaded (GET /openapi.json).
schema = schemathesis.pytest.from_fixture("api_schema").include(path_regex="^/")


@schema.parametrize()
@hypothesis.settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_conforms_to_the_document(
    case: schemathesis.Case, admin: dict[str, str]
) -> None:
    response = call_as_a_client_would(case, admin)
    excused = legitimate_refusal(case, response) is not None
    case.validate_response(
        response,
        headers=admin,
        excluded_checks=[positive_data_acceptance] if excused else None,
    )

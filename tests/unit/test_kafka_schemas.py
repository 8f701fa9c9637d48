"""The JSON Schemas of the Kafka contract: checked in as generated, valid, and in agreement with
the validators the interview agent applies and the events it publishes."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator

from hirestream.agents.interviews.decide import decide
from hirestream.tables.records import public_record
from hirestream.topics.commands import PUBLIC_COMMANDS, Malformed, clean_payload, parse_envelope
from hirestream.topics.payloads import Invalid
from hirestream.topics.records import Command
from hirestream.topics.schemas import FOLDER, all_schemas, rendered


def test_the_checked_in_schemas_are_the_generated_ones() -> None:
    generated = all_schemas()
    on_disk = {p.name.removesuffix(".json") for p in FOLDER.glob("*.json")}
    assert on_disk == set(generated), "run: python -m hirestream.topics.schemas"
    for name, schema in generated.items():
        assert (FOLDER / f"{name}.json").read_bytes() == rendered(schema), name


@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_every_schema_is_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(all_schemas()[name])


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(all_schemas()[name])


def envelope(kind: str, payload: Any, tenant: str = "acme") -> dict[str, Any]:
    return {
        "commandId": "c-1",
        "type": kind,
        "tenantId": tenant,
        "interviewId": str(uuid.uuid4()),
        "payload": payload,
    }


#: (command type, payload, accepted by the fleet)
PAYLOADS: list[tuple[str, Any, bool]] = [
    ("interview.create", {"position": "Engineer", "skills": ["Go"]}, True),
    ("interview.create", {"candidateName": "Jane", "candidateEmail": "jane@example.com"}, True),
    ("interview.create", {"position": 42}, False),
    ("interview.create", {"skills": "Python"}, False),
    ("interview.create", {"level": "wizard"}, False),
    ("interview.create", {"level": "Senior"}, True),
    ("interview.create", {"duration": 5}, False),
    ("interview.create", {"jobDescription": "x" * 20_001}, False),
    ("interview.create", {"candidateEmail": "not-an-email"}, False),
    ("interview.update", {"status": "approved"}, True),
    ("interview.update", {"status": "flying"}, False),
    ("interview.workflow", {"action": "approve"}, True),
    ("interview.workflow", {"action": "revise", "notes": "more system design"}, True),
    ("interview.workflow", {}, False),
    ("interview.workflow", {"action": "plan_generated"}, False),
    ("interview.override", {"addSkills": ["Go"]}, True),
    ("interview.override", {"addSkills": "Go"}, False),
]


@pytest.mark.parametrize(("kind", "payload", "accepted"), PAYLOADS)
def test_schemas_and_validators_agree(kind: str, payload: Any, accepted: bool) -> None:
    value = envelope(kind, payload)
    assert validator(f"command.{kind}").is_valid(value) is accepted
    command: Command = parse_envelope(orjson.dumps(value), b"acme", internal=False, timestamp_ms=0)
    try:
        clean_payload(command, role_families=["backend_engineering"], http_hosts=frozenset())
        code_accepts = True
    except Invalid:
        code_accepts = False
    assert code_accepts is accepted


@pytest.mark.parametrize(
    ("value", "key", "fragment"),
    [
        (b"not json", b"acme", "not JSON"),
        (b"[1]", b"acme", "not a JSON object"),
        ({"type": "interview.create"}, b"acme", "tenantId"),
        ({**envelope("interview.create", {}), "tenantId": "a:b"}, b"a:b", "tenantId"),
        ({**envelope("interview.create", {}), "tenantId": "a\x00"}, b"a\x00", "tenantId"),
        ({**envelope("interview.create", {}), "tenantId": "ünï"}, "ünï".encode(), "tenantId"),
        (envelope("interview.create", {}), b"other", "key must be the tenant id"),
        (envelope("interview.fly", {}), b"acme", "not a public command type"),
        (envelope("interview.plan_generated", {}), b"acme", "not a public command type"),
        ({**envelope("interview.create", {}), "interviewId": "i1"}, b"acme", "UUID"),
        (envelope("interview.create", []), b"acme", "payload must be a JSON object"),
        ({**envelope("interview.create", {}), "commandId": ""}, b"acme", "commandId"),
        ({**envelope("interview.create", {}), "issuedAt": "soon"}, b"acme", "issuedAt"),
    ],
)
def test_envelopes_the_fleet_refuses(value: Any, key: bytes, fragment: str) -> None:
    raw = value if isinstance(value, bytes) else orjson.dumps(value)
    with pytest.raises(Malformed, match=fragment):
        parse_envelope(raw, key, internal=False, timestamp_ms=0)


def test_public_command_types_are_refused_on_the_internal_topic() -> None:
    raw = orjson.dumps(envelope("interview.create", {}))
    with pytest.raises(Malformed, match="not an internal command type"):
        parse_envelope(raw, b"acme", internal=True, timestamp_ms=0)
    assert "interview.create" in PUBLIC_COMMANDS


def test_issued_at_defaults_to_the_message_timestamp() -> None:
    raw = orjson.dumps(envelope("interview.create", {}))
    command = parse_envelope(raw, b"acme", internal=False, timestamp_ms=1_700_000_000_000)
    assert command["issuedAt"] == "2023-11-14T22:13:20.000Z"


def test_published_events_match_their_schema() -> None:
    value = envelope("interview.create", {"position": "Sr Engineer", "skills": ["ReactJS"]})
    command = parse_envelope(orjson.dumps(value), b"acme", internal=False, timestamp_ms=0)
    payload = clean_payload(command, role_families=[], http_hosts=frozenset())
    sealed = {**payload, "sealed": {"candidateName": "c2VhbGVk" * 8}}
    decision = decide(None, {**command, "payload": sealed}, 0)
    assert decision.record is not None
    event: dict[str, Any] = {
        "eventId": f"{decision.record['id']}:1",
        "type": "interview.created",
        "tenantId": "acme",
        "interviewId": decision.record["id"],
        "version": 1,
        "sequence": 1,
        "occurredAt": decision.record["createdAt"],
        "commandId": "c-1",
        "record": public_record(decision.record),
    }
    errors = list(validator("event.interview.created").iter_errors(event))
    assert not errors, errors
    leaked = {**event, "record": {**event["record"], "candidateName": "Jane"}}
    assert not validator("event.interview.created").is_valid(leaked)

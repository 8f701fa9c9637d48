"""What a webhook says and where it goes (docs/api.md §7). Pure: no I/O, no clock.

* ``EVENTS`` are the lifecycle events delivered; ``TEST_EVENT`` is the delivery
  ``POST /webhook-endpoints/:id/test`` makes.
* A delivery goes to a *target*: the interview's ``callbackUrl`` (``callback_target``) or one
  tenant endpoint (``endpoint_target``). One event to one target has exactly one
  ``webhook-id`` (``webhook_id``), derived from the tenant, the event id and the target, so a
  redelivered event, every retry and every replay carry the same id and a receiver can
  deduplicate on it.
* ``fan_out`` plans the deliveries of one event: one to the interview's ``callbackUrl`` when
  it has one, and one to every endpoint of the tenant whose ``events`` filter takes it.
* The body (``event_payload``) is ``{id, event, runId, interviewId, tenantId, candidateRef,
  state, timestamp, data}``: ``id`` is the ``webhook-id``, ``state`` the Integration API's
  upper-case state, ``timestamp`` the event's ``occurredAt``, and ``data`` the event's public
  record without its ``sealed`` personal fields, so a webhook never carries personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

import orjson

from hirestream.agents.planner import run_id
from hirestream.agents.workflow.transitions import integration_state

__all__ = [
    "EVENTS",
    "LOG_EVENTS",
    "TEST_EVENT",
    "Planned",
    "Route",
    "body_of",
    "callback_target",
    "delivery_id",
    "endpoint_target",
    "event_payload",
    "fan_out",
    "host_of",
    "make_test_delivery",
    "make_test_payload",
    "matches",
    "webhook_id",
]

#: The lifecycle events delivered, in the order they appear in an interview's life.
EVENTS: Final[tuple[str, ...]] = (
    "interview.info_needed",
    "interview.info_completed",
    "interview.plan_generated",
    "interview.approved",
    "interview.rejected",
    "interview.completed",
    "interview.assessment_pending",
    "interview.assessment_approved",
    "interview.cancelled",
)
#: The event of a test delivery (``POST /webhook-endpoints/:id/test``).
TEST_EVENT: Final = "webhook.test"
#: Every event a delivery may name (the delivery log's ``event`` filter).
LOG_EVENTS: Final[tuple[str, ...]] = (*EVENTS, TEST_EVENT)

_NAMESPACE = uuid.UUID("3c0f6e2a-51d4-4f7b-9a0e-8d2b6c4a1f93")


def callback_target(url: str) -> str:
    """The target of a delivery to an interview's ``callbackUrl``."""
    return f"callback:{url}"


def endpoint_target(endpoint_id: str) -> str:
    """The target of a delivery to a tenant endpoint."""
    return f"endpoint:{endpoint_id}"


def webhook_id(tenant_id: str, event_id: str, target: str) -> str:
    """The ``webhook-id`` of one event to one target: ``msg_`` and 32 hex digits, a UUIDv5 of
    an unambiguous encoding (a JSON array) of the three. Interview ids may come from upstream
    producers, so two tenants may share one: the tenant keeps their ids apart."""
    name = orjson.dumps([tenant_id, event_id, target]).decode()
    return "msg_" + uuid.uuid5(_NAMESPACE, name).hex


def delivery_id(hook_id: str) -> str:
    """The delivery's id in the log (a UUID), derived from its ``webhook-id``: a redelivered
    event plans the very same delivery."""
    return str(uuid.uuid5(_NAMESPACE, hook_id))


def matches(events: Sequence[str] | None, event: str) -> bool:
    """Whether an endpoint with the ``events`` filter (None: every event) gets ``event``."""
    return events is None or event in events


def event_payload(hook_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """The body of a lifecycle event's webhook (``event`` is the Kafka event, docs/kafka.md)."""
    record: Mapping[str, Any] = event["record"]
    data = {k: v for k, v in record.items() if k != "sealed"}
    return {
        "id": hook_id,
        "event": event["type"],
        "runId": run_id(event["interviewId"]),
        "interviewId": event["interviewId"],
        "tenantId": event["tenantId"],
        "candidateRef": record.get("candidateRef"),
        "state": integration_state(record.get("workflowState")),
        "timestamp": event["occurredAt"],
        "data": data,
    }


def make_test_payload(hook_id: str, tenant_id: str, endpoint_id: str, at: str) -> dict[str, Any]:
    """The body of a test delivery: the same shape, about no interview."""
    return {
        "id": hook_id,
        "event": TEST_EVENT,
        "runId": None,
        "interviewId": None,
        "tenantId": tenant_id,
        "candidateRef": None,
        "state": None,
        "timestamp": at,
        "data": {"endpointId": endpoint_id, "message": "A test delivery from hirestream."},
    }


def body_of(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent and signed (compact JSON, UTF-8)."""
    return orjson.dumps(payload)


def host_of(url: str) -> str:
    """``host:port`` of a URL, lower-case: the unit of the per-host concurrency limit. Only a
    grouping key (the URL was checked when it entered): a URL that does not parse groups
    under its own text."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        host = (parts.hostname or "").lower()
    except ValueError:
        return url[:300]
    return f"{host}:{port}" if host else url[:300]


class Route(Protocol):
    """An enabled endpoint of the tenant."""

    @property
    def endpoint_id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def events(self) -> Sequence[str] | None: ...
    @property
    def created_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Planned:
    """One delivery of one event to one target, as the outbox records it."""

    id: str
    tenant_id: str
    webhook_id: str
    endpoint_id: str | None
    target: str
    url: str
    host: str
    event: str
    interview_id: str | None
    sequence: int | None
    body: bytes
    waiting_for_secret: bool = False


def _instant(value: Any) -> datetime | None:
    """An event's ``occurredAt`` as an aware datetime (None when it is not one)."""
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def fan_out(
    event: Mapping[str, Any], routes: Sequence[Route], has_callback_secret: bool
) -> list[Planned]:
    """The deliveries of one lifecycle event: to the record's ``callbackUrl`` (waiting for the
    tenant's callback secret until there is one) and to every endpoint that takes the event and
    existed when it occurred (a new endpoint, or a recorder starting on a fleet that already has
    events, does not replay history to it). Events not in ``EVENTS`` are not delivered."""
    kind = event["type"]
    if kind not in EVENTS:
        return []
    tenant, event_id = event["tenantId"], event["eventId"]
    targets: list[tuple[str, str | None, str]] = []
    callback = event["record"].get("callbackUrl")
    if isinstance(callback, str) and callback:
        targets.append((callback_target(callback), None, callback))
    occurred = _instant(event.get("occurredAt"))
    targets += [
        (endpoint_target(r.endpoint_id), r.endpoint_id, r.url)
        for r in routes
        if matches(r.events, kind)
        and (r.created_at is None or occurred is None or occurred >= r.created_at)
    ]
    planned = []
    for target, endpoint_id, url in targets:
        hook_id = webhook_id(tenant, event_id, target)
        planned.append(
            Planned(
                id=delivery_id(hook_id),
                tenant_id=tenant,
                webhook_id=hook_id,
                endpoint_id=endpoint_id,
                target=target,
                url=url,
                host=host_of(url),
                event=kind,
                interview_id=event["interviewId"],
                sequence=int(event["sequence"]),
                body=body_of(event_payload(hook_id, event)),
                waiting_for_secret=endpoint_id is None and not has_callback_secret,
            )
        )
    return planned


def make_test_delivery(tenant_id: str, endpoint_id: str, url: str, at: str, nonce: str) -> Planned:
    """A ``webhook.test`` delivery to one endpoint; ``nonce`` (random) names the test, so each
    test is a delivery of its own."""
    target = endpoint_target(endpoint_id)
    hook_id = webhook_id(tenant_id, f"{TEST_EVENT}:{nonce}", target)
    return Planned(
        id=delivery_id(hook_id),
        tenant_id=tenant_id,
        webhook_id=hook_id,
        endpoint_id=endpoint_id,
        target=target,
        url=url,
        host=host_of(url),
        event=TEST_EVENT,
        interview_id=None,
        sequence=None,
        body=body_of(make_test_payload(hook_id, tenant_id, endpoint_id, at)),
    )

"""The pure parts of webhook delivery (docs/api.md §7): what a webhook says and where it goes
(``payload``), the life of one delivery, the scheduler's choices and the per-interview order
(``rules``), the signature headers of an attempt, and the endpoint health rule on its clock."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from hirestream.agents.webhooks.payload import (
    EVENTS,
    TEST_EVENT,
    callback_target,
    delivery_id,
    endpoint_target,
    event_payload,
    fan_out,
    host_of,
    make_test_delivery,
    webhook_id,
)
from hirestream.agents.webhooks.recorder import plan_batch, read_upto, readable
from hirestream.agents.webhooks.rules import (
    MAX_AHEAD,
    Candidate,
    advance,
    after_attempt,
    choose,
    disable_reason,
    error_text,
    should_disable,
)
from hirestream.agents.webhooks.schedule import RETRY_DELAYS, retry_delay
from hirestream.agents.webhooks.scheduler import headers_for
from hirestream.agents.webhooks.signing import ROTATION_OVERLAP_S, new_secret
from hirestream.settings import Settings
from hirestream.store.webhooks import Route as StoredRoute
from hirestream.tables.records import public_record
from hirestream.topics.vocabulary import PERSONAL_FIELDS

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
INTERVIEW = "5f0c6a3e-1d2b-4c8e-9f7a-2b3c4d5e6f70"


def event(kind: str = "interview.approved", sequence: int = 7, **record: Any) -> dict[str, Any]:
    stored = {
        "id": INTERVIEW,
        "tenantId": "acme",
        "version": 4,
        "createdAt": "2025-03-01T11:00:00.000Z",
        "updatedAt": "2025-03-01T12:00:00.000Z",
        "status": "approved",
        "workflowState": "approved",
        "position": "Senior Engineer",
        "candidateRef": "cand-1",
        "callbackUrl": "https://ats.example.com/hook",
        "sealed": {"candidateName": "v1.sealed-name", "candidateEmail": "v1.sealed-email"},
        **record,
    }
    return {
        "eventId": f"{INTERVIEW}:{sequence}",
        "type": kind,
        "tenantId": "acme",
        "interviewId": INTERVIEW,
        "version": 4,
        "sequence": sequence,
        "occurredAt": "2025-03-01T12:00:00.000Z",
        "commandId": "c1",
        "record": public_record(stored),
    }


@dataclass(frozen=True)
class Route:
    endpoint_id: str
    url: str
    events: list[str] | None
    created_at: datetime | None = None


# --- payload --------------------------------------------------------------------------------


def test_the_payload_has_the_contract_s_fields_and_no_personal_data() -> None:
    hook = webhook_id("acme", f"{INTERVIEW}:7", callback_target("https://ats.example.com/hook"))
    body = event_payload(hook, event())
    assert list(body) == [
        "id",
        "event",
        "runId",
        "interviewId",
        "tenantId",
        "candidateRef",
        "state",
        "timestamp",
        "data",
    ]
    assert body["id"] == hook and hook.startswith("msg_") and len(hook) == 36
    assert (body["event"], body["state"], body["candidateRef"]) == (
        "interview.approved",
        "APPROVED",
        "cand-1",
    )
    assert body["runId"] == "run_" + INTERVIEW.replace("-", "")
    assert body["timestamp"] == "2025-03-01T12:00:00.000Z"
    assert "sealed" not in body["data"] and body["data"]["position"] == "Senior Engineer"
    text = json.dumps(body)
    assert not any(field in body["data"] for field in PERSONAL_FIELDS)
    assert "sealed-name" not in text and "sealed-email" not in text


def test_one_webhook_id_per_event_and_target() -> None:
    target = endpoint_target("e1")
    first = webhook_id("acme", f"{INTERVIEW}:7", target)
    assert first == webhook_id("acme", f"{INTERVIEW}:7", target)  # every attempt, replay
    others = {
        webhook_id("acme", f"{INTERVIEW}:8", target),
        webhook_id("acme", f"{INTERVIEW}:7", endpoint_target("e2")),
        webhook_id("beta", f"{INTERVIEW}:7", target),  # upstream ids may collide across tenants
        webhook_id("acme", f"{INTERVIEW}:7", callback_target("https://ats.example.com/hook")),
    }
    assert first not in others and len(others) == 4
    assert delivery_id(first) == delivery_id(first) != delivery_id(next(iter(others)))


def test_fan_out_to_the_callback_and_the_matching_endpoints() -> None:
    routes = [
        Route("e-all", "https://a.example.com/h", None),
        Route("e-approved", "https://b.example.com/h", ["interview.approved"]),
        Route("e-other", "https://c.example.com/h", ["interview.cancelled"]),
    ]
    planned = fan_out(event(), routes, has_callback_secret=False)
    assert [(p.endpoint_id, p.url) for p in planned] == [
        (None, "https://ats.example.com/hook"),
        ("e-all", "https://a.example.com/h"),
        ("e-approved", "https://b.example.com/h"),
    ]
    assert [p.waiting_for_secret for p in planned] == [True, False, False]
    assert len({p.webhook_id for p in planned}) == 3
    for p in planned:
        assert json.loads(p.body)["id"] == p.webhook_id
        assert (p.sequence, p.interview_id, p.event) == (7, INTERVIEW, "interview.approved")
    assert fan_out(event(), routes, has_callback_secret=True)[0].waiting_for_secret is False
    assert fan_out(event(), routes, True) == fan_out(event(), routes, True)  # a redelivery
    without_callback = fan_out(event(callbackUrl=None), routes, True)
    assert [p.endpoint_id for p in without_callback] == ["e-all", "e-approved"]


def test_an_endpoint_hears_only_of_events_from_its_creation_on() -> None:
    """A new endpoint, or the recorder's first start on a fleet with history, replays nothing
    older than the endpoint to it; the interview's own callbackUrl asked for every event."""
    occurred = datetime.fromisoformat(event()["occurredAt"])
    routes = [
        Route("e-before", "https://a.example.com/h", None, occurred - timedelta(seconds=1)),
        Route("e-same", "https://b.example.com/h", None, occurred),
        Route("e-after", "https://c.example.com/h", None, occurred + timedelta(seconds=1)),
    ]
    planned = fan_out(event(), routes, has_callback_secret=True)
    assert [p.endpoint_id for p in planned] == [None, "e-before", "e-same"]


def test_events_that_are_not_webhooks_plan_nothing() -> None:
    routes = [Route("e-all", "https://a.example.com/h", None)]
    for kind in ("interview.created", "interview.received", "interview.deleted", TEST_EVENT):
        assert fan_out(event(kind), routes, True) == []
    assert all(fan_out(event(kind), routes, True) for kind in EVENTS)


def test_a_test_delivery_names_no_interview() -> None:
    planned = make_test_delivery(
        "acme", "e1", "https://a.example.com/h", "2025-03-01T12:00:00.000Z", "n"
    )
    body = json.loads(planned.body)
    assert (body["event"], body["interviewId"], body["runId"], body["state"]) == (
        TEST_EVENT,
        None,
        None,
        None,
    )
    assert body["id"] == planned.webhook_id and body["data"]["endpointId"] == "e1"
    again = make_test_delivery(
        "acme", "e1", "https://a.example.com/h", "2025-03-01T12:00:00.000Z", "m"
    )
    assert again.webhook_id != planned.webhook_id  # each test is a delivery of its own


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://ATS.example.com/hook", "ats.example.com:443"),
        ("http://127.0.0.1:9000/x", "127.0.0.1:9000"),
        ("https://[2001:db8::1]:8443/", "2001:db8::1:8443"),
        ("https://a.example.com:99999/", "https://a.example.com:99999/"),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


# --- one delivery's life --------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    delivered: bool
    status: int | None
    error: str | None
    retryable: bool
    answer_excerpt: str = ""


def test_a_2xx_is_delivered() -> None:
    after = after_attempt(Result(True, 204, None, False), attempts_in_schedule=3, now=T0, seed="d")
    assert (after.status, after.delivered_at, after.next_attempt_at) == ("delivered", T0, None)
    assert (after.last_status_code, after.last_error, after.failure) == (204, None, False)


def test_a_retryable_failure_waits_for_the_schedule() -> None:
    for n in range(1, len(RETRY_DELAYS) + 1):
        after = after_attempt(
            Result(False, 503, "HTTP 503", True, "busy"), attempts_in_schedule=n, now=T0, seed="d"
        )
        assert after.status == "failed" and after.failure
        assert after.next_attempt_at == T0 + (retry_delay(n, "d") or timedelta())
        assert after.last_error == "HTTP 503: busy"
    first = after_attempt(
        Result(False, None, "timed out", True), attempts_in_schedule=1, now=T0, seed="d"
    )
    assert first.next_attempt_at is not None and first.next_attempt_at - T0 <= timedelta(seconds=5)


def test_the_last_attempt_is_dead() -> None:
    after = after_attempt(
        Result(False, 500, "HTTP 500", True),
        attempts_in_schedule=len(RETRY_DELAYS) + 1,
        now=T0,
        seed="d",
    )
    assert (after.status, after.next_attempt_at) == ("dead", None)


@pytest.mark.parametrize(
    "result",
    [
        Result(False, 410, "HTTP 410", False, "gone"),
        Result(False, 302, "HTTP 302: redirect to /x not followed", False),
        Result(False, None, "url must not point at a private address", False),
    ],
)
def test_a_final_answer_is_dead_at_once(result: Result) -> None:
    after = after_attempt(result, attempts_in_schedule=1, now=T0, seed="d")
    assert (after.status, after.next_attempt_at, after.failure) == ("dead", None, True)
    assert after.last_error is not None and after.last_error.startswith(result.error or "")


def test_the_retry_scale_shortens_the_waits() -> None:
    after = after_attempt(
        Result(False, None, "x", True), attempts_in_schedule=2, now=T0, seed="d", retry_scale=0.001
    )
    assert after.next_attempt_at == T0 + (retry_delay(2, "d") or timedelta()) * 0.001


def test_error_text_keeps_what_the_receiver_said_printable_and_short() -> None:
    said = "bad\x00signature\n\n" + "x" * 500
    text = error_text(Result(False, 401, "HTTP 401", False, said))
    assert text.startswith("HTTP 401: bad signature x") and len(text) <= len("HTTP 401: ") + 200
    assert (
        error_text(Result(False, None, "timed out (limit 15 s)", True, ""))
        == "timed out (limit 15 s)"
    )


# --- the scheduler's choices ----------------------------------------------------------------


def test_choose_caps_each_host_and_the_whole() -> None:
    slow = [Candidate(f"s{n}", "slow.example.com:443") for n in range(10)]
    others = [Candidate(f"o{n}", f"h{n}.example.com:443") for n in range(3)]
    chosen = choose([*slow, *others], free=16, in_flight={}, host_limit=4)
    assert [c.id for c in chosen] == ["s0", "s1", "s2", "s3", "o0", "o1", "o2"]
    busy = choose([*slow, *others], free=16, in_flight={"slow.example.com:443": 4}, host_limit=4)
    assert [c.id for c in busy] == ["o0", "o1", "o2"]
    assert len(choose([*others, *slow], free=2, in_flight={}, host_limit=4)) == 2


@given(
    hosts=st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=40),
    free=st.integers(0, 20),
    limit=st.integers(1, 5),
    busy=st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 5)),
)
def test_choose_never_exceeds_a_limit(
    hosts: list[str], free: int, limit: int, busy: dict[str, int]
) -> None:
    candidates = [Candidate(str(n), h) for n, h in enumerate(hosts)]
    chosen = choose(candidates, free, busy, limit)
    assert len(chosen) <= free
    for host in set(hosts):
        mine = sum(1 for c in chosen if c.host == host)
        assert mine == 0 or busy.get(host, 0) + mine <= limit
    assert [int(c.id) for c in chosen] == sorted(int(c.id) for c in chosen)  # order kept


# --- per-interview order --------------------------------------------------------------------


def test_advance_tracks_the_contiguous_prefix() -> None:
    assert advance(0, (), [1, 2, 3]) == (3, ())
    assert advance(0, (), [2, 5]) == (0, (2, 5))
    assert advance(0, (2, 5), [1]) == (2, (5,))
    assert advance(2, (5,), [3, 4]) == (5, ())
    assert advance(5, (), [3, 5]) == (5, ())  # read again: nothing changes


@given(st.permutations(list(range(1, 30))))
def test_any_reading_order_ends_with_every_event_read(order: list[int]) -> None:
    seen, ahead = 0, tuple[int, ...]()
    for n in order:
        before = seen
        seen, ahead = advance(seen, ahead, [n])
        assert seen >= before
        assert all(s > seen for s in ahead)
    assert (seen, ahead) == (29, ())


def test_a_gap_that_never_fills_is_given_up_on() -> None:
    seen, ahead = advance(0, (), range(3, 3 + MAX_AHEAD + 1))
    assert seen == 3 + MAX_AHEAD and ahead == ()


# --- signing at send time -------------------------------------------------------------------


def test_headers_sign_with_both_secrets_during_the_overlap_only() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"id":"msg_1"}'
    now = datetime.now(UTC)  # receivers refuse timestamps more than 5 min from their clock
    rotated = now - timedelta(hours=23)
    secrets = [(old, rotated - timedelta(days=3)), (new, rotated)]
    during = headers_for("msg_1", body, secrets, now)
    assert during is not None and len(during["webhook-signature"].split()) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, during) == {"id": "msg_1"}
    after = headers_for("msg_1", body, secrets, rotated + timedelta(seconds=ROTATION_OVERLAP_S))
    assert after is not None and len(after["webhook-signature"].split()) == 1
    assert during["X-Webhook-Signature"].startswith("sha256=")
    assert headers_for("msg_1", body, [], T0) is None


# --- the endpoint health rule, on its clock -------------------------------------------------


def test_an_endpoint_is_disabled_after_five_days_of_failures() -> None:
    since = T0
    assert not should_disable(since, since + timedelta(days=4, hours=23, minutes=59))
    assert should_disable(since, since + timedelta(days=5))
    assert not should_disable(None, since + timedelta(days=30))  # the last one was delivered
    assert disable_reason(since) == (
        "every delivery failed for 5 days (failing since 2025-03-01T12:00:00.000Z)"
    )


# --- the recorder's batch --------------------------------------------------------------------


def test_a_batch_plans_the_deliveries_and_notes_every_event_read() -> None:
    events = [
        event("interview.created", 1),
        event("interview.approved", 7),
        {**event("interview.cancelled", 8), "tenantId": "beta"},
    ]
    routes = {"acme": [StoredRoute("e1", "https://a.example.com/h", None)]}
    planned, seen = plan_batch(events, routes, with_callback_secret={"acme"})
    assert [(p.tenant_id, p.event, p.endpoint_id) for p in planned] == [
        ("acme", "interview.approved", None),
        ("acme", "interview.approved", "e1"),
        ("beta", "interview.cancelled", None),
    ]
    assert [p.waiting_for_secret for p in planned] == [False, False, True]
    assert seen == {("acme", INTERVIEW): [1, 7], ("beta", INTERVIEW): [8]}


@pytest.mark.parametrize(
    "raw",
    [
        None,
        b"not json",
        b"[1]",
        json.dumps({**event(), "sequence": 0}).encode(),
        json.dumps({**event(), "sequence": True}).encode(),
        json.dumps({k: v for k, v in event().items() if k != "eventId"}).encode(),
        json.dumps({k: v for k, v in event().items() if k != "record"}).encode(),
    ],
)
def test_messages_that_are_not_events_are_skipped(raw: bytes | None) -> None:
    assert readable(raw) is None


def test_an_event_is_readable() -> None:
    assert readable(json.dumps(event()).encode()) == event()
    created = {k: v for k, v in event("interview.created", 1).items() if k != "record"}
    assert readable(json.dumps(created).encode()) == created  # not delivered: no record needed


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HIRESTREAM_WEBHOOK_CONCURRENCY", "0"),
        ("HIRESTREAM_WEBHOOK_HOST_CONCURRENCY", "0"),
        ("HIRESTREAM_WEBHOOK_RETRY_SCALE", "0"),
        ("HIRESTREAM_WEBHOOK_RETRY_SCALE", "-1"),
        ("HIRESTREAM_WEBHOOKS_FETCH_WAIT_MS", "0"),
        ("HIRESTREAM_WEBHOOKS_FETCH_WAIT_MS", "1501"),
    ],
)
def test_webhook_settings_that_cannot_work_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Settings.from_env()


def test_webhook_settings_defaults() -> None:
    settings = Settings()
    assert (settings.webhooks_in_worker, settings.webhook_concurrency) == (True, 16)
    assert (settings.webhook_host_concurrency, settings.webhook_retry_scale) == (4, 1.0)
    assert settings.webhooks_fetch_wait_ms == 200


def test_the_recorder_commits_only_the_partitions_it_read() -> None:
    def record(topic: str, partition: int, offset: int) -> ConsumerRecord[bytes, bytes]:
        return ConsumerRecord(topic, partition, offset, 0, 0, None, b"{}", None, 0, 2, [])

    created, updated = TopicPartition("t.created", 3), TopicPartition("t.updated", 0)
    batches = {
        created: [record("t.created", 3, 7), record("t.created", 3, 8)],
        updated: [record("t.updated", 0, 41)],
        TopicPartition("t.invited", 5): [],
    }
    assert read_upto(batches) == {created: 9, updated: 42}

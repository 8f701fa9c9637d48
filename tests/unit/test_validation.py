"""Request validation: each bad field gets a message naming it."""

from __future__ import annotations

import pytest

from hirestream.topics.payloads import Invalid, create_fields, update_fields
from hirestream.web.validation import list_query

GOOD = {"candidateName": "Jane Smith", "position": "Senior Engineer"}


def messages(body: object) -> list[str]:
    with pytest.raises(Invalid) as caught:
        create_fields(body)
    return caught.value.messages


def test_minimal_create_gets_defaults() -> None:
    fields = create_fields(GOOD)
    assert fields["duration"] == 45 and fields["skills"] == [] and fields["level"] is None


def test_level_is_case_insensitive_and_stored_lower_case() -> None:
    assert create_fields({**GOOD, "level": "SENIOR"})["level"] == "senior"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"position": "x"}, "candidateName is required"),
        ({"candidateName": "x"}, "position is required"),
        ({**GOOD, "candidateName": "   "}, "candidateName must not be empty"),
        ({**GOOD, "candidateName": "x" * 201}, "candidateName must be at most 200"),
        ({**GOOD, "candidateEmail": "not-an-email"}, "candidateEmail must be an email"),
        ({**GOOD, "level": "wizard"}, "level must be one of"),
        ({**GOOD, "skills": "Go"}, "skills must be a list of strings"),
        ({**GOOD, "skills": ["x"] * 51}, "skills must have at most 50"),
        ({**GOOD, "skills": ["x" * 101]}, "each of skills must be at most 100"),
        ({**GOOD, "duration": 5}, "duration must be between 10 and 180"),
        ({**GOOD, "duration": "45"}, "duration must be a whole number"),
        ({**GOOD, "scheduledAt": "tomorrow"}, "scheduledAt must be an ISO-8601"),
        ({**GOOD, "callbackUrl": "http://ats.example.com/hook"}, "callbackUrl must be an https"),
        ({**GOOD, "jobDescription": "x" * 20_001}, "jobDescription must be at most 20000"),
        ([1, 2], "body must be a JSON object"),
    ],
)
def test_bad_fields_are_named(body: object, fragment: str) -> None:
    assert any(fragment in m for m in messages(body)), messages(body)


def test_every_bad_field_is_reported_at_once() -> None:
    found = messages({"candidateEmail": "x", "duration": 1})
    assert len(found) == 4  # name, position, email, duration


def test_scheduled_at_is_normalised_to_utc_millis() -> None:
    fields = create_fields({**GOOD, "scheduledAt": "2024-02-01T12:00:00+02:00"})
    assert fields["scheduledAt"] == "2024-02-01T10:00:00.000Z"


def test_update_takes_only_what_was_sent_and_checks_status() -> None:
    assert update_fields({"position": "Lead", "id": "ignored"}) == {"position": "Lead"}
    assert update_fields({"status": "APPROVED"}) == {"status": "approved"}
    with pytest.raises(Invalid):
        update_fields({"status": "done"})
    with pytest.raises(Invalid):
        update_fields({"candidateName": None})
    with pytest.raises(Invalid):
        update_fields({"tenantId": "other"})


def test_list_query_defaults_clamps_and_refuses() -> None:
    q = list_query({})
    assert (q.page, q.limit, q.status, q.search) == (1, 20, None, None)
    assert list_query({"limit": "500"}).limit == 100
    assert list_query({"status": "PENDING", "search": " Jane "}).search == "jane"
    for bad in (
        {"page": "0"},
        {"page": "-1"},
        {"limit": "ten"},
        {"status": "bogus"},
        {"search": "x" * 201},
    ):
        with pytest.raises(Invalid):
            list_query(bad)

"""The invitation email: both parts, the link intact, no header injection from any field."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hirestream.agents.mailer.compose import (
    NEUTRAL_SUBJECT,
    SUBJECT_MAX,
    invitation,
    one_line,
)

LINK = "https://interviews.example.com/interview/join/AQJlxKYgC288HlKkTB2fDop7bF1OP4UxLhcyWVHNDD9s"
EXPIRES = datetime(2024, 2, 8, 10, 0, tzinfo=UTC)
DATE = "8 February 2024, 10:00 UTC"
FIELDS: dict[str, Any] = {
    "to": "jane@example.com",
    "position": "Senior Engineer",
    "link": LINK,
    "expires_at": EXPIRES,
    "sender": "interviews@example.org",
    "message_id": "invite.0b6f3c1e-52a4-4c1d-9f0e-8a7b6c5d4e3f",
}
LINE_BREAKERS = ["\r", "\n", "\r\n", "\u2028", "\u2029", "\u0085", "\t", "\v", "\f", "\x1c"]


def compose(**changes: Any) -> EmailMessage:
    return invitation(**{**FIELDS, **changes})


def parsed(message: EmailMessage) -> EmailMessage:
    """The message as a receiver reads it off the wire (CRLF line ends read as ``\n``)."""
    wire = message.as_bytes()
    local = wire.replace(b"\r\n", b"\n")
    assert b"\r" not in local  # CRLF line ends only, no stray CR
    return email.message_from_bytes(local, policy=email.policy.default)


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None and part.get_content_type() == f"text/{subtype}"
    content: str = part.get_content()
    return content


def test_headers_and_both_parts() -> None:
    message = parsed(compose())
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_all("To") == ["jane@example.com"]
    assert message.get_all("From") == ["interviews@example.org"]
    assert message.get_all("Subject") == ["Your interview for Senior Engineer"]
    assert message["Message-ID"] == "<invite.0b6f3c1e-52a4-4c1d-9f0e-8a7b6c5d4e3f@example.org>"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    for subtype in ("plain", "html"):
        text = body(message, subtype)
        assert "Senior Engineer" in text and DATE in text
    assert f"\n{LINK}\n" in body(message, "plain")  # alone on its line: clients link it
    assert f'<a href="{LINK}">' in body(message, "html")


def test_the_message_id_is_stable() -> None:
    assert compose()["Message-ID"] == compose(position="Other")["Message-ID"]
    assert compose()["Message-ID"] != compose(message_id="invite.2")["Message-ID"]


def test_brandless_and_nothing_remote() -> None:
    message = parsed(compose(sender="noreply@example.org"))
    text = (message.as_string() + body(message, "plain") + body(message, "html")).lower()
    assert "hirestream" not in text
    html = body(message, "html").lower()
    for remote in ("<img", "<script", "<link", "src=", "url(", "style"):
        assert remote not in html
    assert html.count("href=") == 1


def test_no_position_gives_a_neutral_message() -> None:
    for position in (None, "", " \r\n\t "):
        message = parsed(compose(position=position))
        assert message["Subject"] == NEUTRAL_SUBJECT
        assert "You are invited to an interview." in body(message, "plain")
        assert "position" not in body(message, "html")


@pytest.mark.parametrize("breaker", LINE_BREAKERS)
def test_a_position_cannot_inject_headers_or_lines(breaker: str) -> None:
    evil = f"Engineer{breaker}Bcc: victim@example.net{breaker}{breaker}<b>body</b>"
    message = parsed(compose(position=evil))
    assert message.get_all("Bcc") is None and message.get_all("bcc") is None
    assert message.get_all("To") == ["jane@example.com"]
    assert len(message.get_all("Subject") or []) == 1
    assert message["Subject"] == "Your interview for Engineer Bcc: victim@example.net <b>body</b>"
    plain = body(message, "plain")
    assert "Engineer Bcc: victim@example.net <b>body</b>." in plain
    html = body(message, "html")
    assert "<b>" not in html and "&lt;b&gt;body&lt;/b&gt;" in html


def test_the_subject_is_capped() -> None:
    message = parsed(compose(position="Ingénieur " * 40))
    subject = message["Subject"]
    assert len(subject) <= SUBJECT_MAX and subject.endswith("…")
    assert "\n" not in subject and "\r" not in subject


def test_non_ascii_positions_are_encoded_by_the_library() -> None:
    position = "Ingénieure logiciel — 東京 (Москва) 🚀"
    message = compose(position=position)
    wire = message.as_bytes()
    assert wire.isascii()  # RFC 2047 subject, UTF-8 bodies in quoted-printable or base64
    back = parsed(message)
    assert back["Subject"] == f"Your interview for {position}"
    assert position in body(back, "plain") and position in body(back, "html")


def test_html_is_escaped() -> None:
    message = parsed(compose(position='R&D <script>alert("x")</script>'))
    html = body(message, "html")
    assert "<script>" not in html
    assert "R&amp;D &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_link_with_a_query_is_intact_and_escaped_in_html() -> None:
    link = "https://example.com/join/abc?x=1&y=2"
    message = parsed(compose(link=link))
    assert link in body(message, "plain")
    assert 'href="https://example.com/join/abc?x=1&amp;y=2"' in body(message, "html")


@pytest.mark.parametrize("field", ["to", "sender"])
@pytest.mark.parametrize(
    "value",
    [
        "",
        "jane",
        "jane@example.com\r\nBcc: victim@example.net",
        "jane@example.com\n",
        "jane@example.com\r",
        "jane@example.com\u2028",
        "jane@example.com\x00",
        " jane@example.com",
        "jane@example.com, joe@example.com",
        "jane@example.com;joe@example.com",
        "Jane <jane@example.com>",
        '"jane"@example.com',
        "jané@example.com",
        "jane@exam ple.com",
        "jane@@example.com",
        "a" * 250 + "@example.com",
    ],
)
def test_addresses_must_be_one_plain_address(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field):
        compose(**{field: value})


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://example.com/x",
        "https://",
        "https://example.com/a b",
        'https://example.com/"onmouseover="x',
        "https://example.com/<x>",
        "https://example.com/\r\nBcc: x@example.net",
        "https://example.com/é",
    ],
)
def test_bad_links_are_refused(link: str) -> None:
    with pytest.raises(ValueError, match="link"):
        compose(link=link)


@pytest.mark.parametrize("message_id", ["", "a b", "a\r\nb", "<a@b>", "a..b", ".a", "x" * 129])
def test_bad_message_ids_are_refused(message_id: str) -> None:
    with pytest.raises(ValueError, match="message_id"):
        compose(message_id=message_id)


def test_the_expiry_must_be_aware_and_is_shown_in_utc() -> None:
    with pytest.raises(ValueError, match="expires_at"):
        compose(expires_at=EXPIRES.replace(tzinfo=None))
    paris = EXPIRES.astimezone(timezone(timedelta(hours=1)))
    assert DATE in body(parsed(compose(expires_at=paris)), "plain")


def test_one_line() -> None:
    assert one_line(" a\r\n\tb\u2028c\u2029d\u0085e\u202ef\u200bg  ") == "a b c d e f g"


@given(st.text(max_size=300))
def test_any_position_gives_one_subject_and_one_recipient(position: str) -> None:
    message = parsed(compose(position=position))
    assert message.get_all("To") == ["jane@example.com"]
    subjects = message.get_all("Subject") or []
    assert len(subjects) == 1 and len(subjects[0]) <= SUBJECT_MAX
    assert not any(c in subjects[0] for c in "".join(LINE_BREAKERS))
    assert sorted(message.keys()) == sorted(
        ["From", "To", "Subject", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type"]
    )

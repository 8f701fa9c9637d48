"""The invitation email. Pure: fields in, an ``EmailMessage`` out.

Brandless on purpose: no product name, no logo, no remote image, no tracking, only the position,
the link and its expiry, as plain text with an HTML alternative. No field can add a header or a
line: addresses must be one plain address each (else ``ValueError``), and the position is reduced
to one line — every control, format or line-separator character (CR, LF, tab, U+0085, U+2028,
U+2029, bidi overrides…) becomes a space — before it reaches the subject (at most
:data:`SUBJECT_MAX` characters) or either body. ``email.policy.SMTP`` encodes non-ASCII
(RFC 2047 headers, UTF-8 bodies) and writes CRLF line ends.
"""

from __future__ import annotations

import email.policy
import html
import re
import unicodedata
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Final
from urllib.parse import urlsplit

from hirestream.topics.payloads import EMAIL_PATTERN

SUBJECT_MAX: Final = 150
NEUTRAL_SUBJECT: Final = "Your interview invitation"
_ADDRESS = re.compile(EMAIL_PATTERN)
_ADDRESS_MAX: Final = 254
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_MESSAGE_ID_MAX: Final = 128
_LINK = re.compile(r"https?://[!#-&(-;=?-~]+")  # printable ASCII but space, quotes, < and >
_LINK_MAX: Final = 2000
# Unicode categories that never belong in a one-line text: controls (Cc: CR, LF, tab, NEL…),
# format characters (Cf: bidi overrides, zero-width…), surrogates (Cs) and separators (Zl, Zp).
_NOT_IN_A_LINE: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def invitation(
    *,
    to: str,
    position: str | None,
    link: str,
    expires_at: datetime,
    sender: str,
    message_id: str,
) -> EmailMessage:
    """The invitation of ``to`` to the interview at ``link``, valid until ``expires_at``.

    ``message_id`` (dot-separated ``A-Z a-z 0-9 _ -``, at most 128 characters) makes the
    ``Message-ID`` ``<message_id@sender's domain>``: the same id gives the same header, so a
    resent invitation is recognisable. Raises ``ValueError`` for a bad address, link, id or a
    naive ``expires_at``."""
    recipient = _address(to, "to")
    from_address = _address(sender, "sender")
    if len(message_id) > _MESSAGE_ID_MAX or _MESSAGE_ID.fullmatch(message_id) is None:
        raise ValueError("message_id must be dot-separated A-Z a-z 0-9 _ - (at most 128)")
    url = _link(link)
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    role = one_line(position or "")
    until = _date(expires_at)

    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = from_address
    message["To"] = recipient
    message["Subject"] = subject_for(role)
    message["Message-ID"] = f"<{message_id}@{from_address.rpartition('@')[2]}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message.set_content(_text(role, url, until))
    message.add_alternative(_html(role, url, until), subtype="html")
    return message


def one_line(text: str) -> str:
    """``text`` on one line: controls, format characters and line or paragraph separators
    become spaces, runs of white space one space, no space at either end."""
    kept = "".join(" " if unicodedata.category(c) in _NOT_IN_A_LINE else c for c in text)
    return " ".join(kept.split())


def subject_for(position: str) -> str:
    """``Your interview for <position>`` (neutral without a position), at most
    ``SUBJECT_MAX`` characters."""
    role = one_line(position)
    subject = f"Your interview for {role}" if role else NEUTRAL_SUBJECT
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1].rstrip() + "…"
    return subject


def _address(value: str, name: str) -> str:
    if len(value) > _ADDRESS_MAX or _ADDRESS.fullmatch(value) is None:
        raise ValueError(f"{name} must be one email address (local@domain, nothing else)")
    return value


def _link(value: str) -> str:
    if len(value) > _LINK_MAX or _LINK.fullmatch(value) is None or not urlsplit(value).hostname:
        raise ValueError("link must be an absolute http(s) URL without spaces or quotes")
    return value


def _date(moment: datetime) -> str:
    """``8 February 2024, 10:00 UTC`` (English month names whatever the locale)."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {_MONTHS[utc.month - 1]} {utc.year}, {utc:%H:%M} UTC"


def _text(role: str, link: str, until: str) -> str:
    position = f" for the position of {role}" if role else ""
    return (
        f"Hello,\n\nYou are invited to an interview{position}.\n\n"
        f"Open this link to join it when you are ready:\n\n{link}\n\n"
        f"The link is personal: please do not share it. It is valid until {until}.\n\n"
        "If you were not expecting this message, you can ignore it.\n"
    )


def _html(role: str, link: str, until: str) -> str:
    position = f" for the position of <strong>{html.escape(role)}</strong>" if role else ""
    href = html.escape(link, quote=True)
    return (
        '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8">'
        f"<title>{html.escape(subject_for(role))}</title></head>\n<body>\n"
        f"<p>Hello,</p>\n<p>You are invited to an interview{position}.</p>\n"
        f'<p><a href="{href}">Join the interview</a></p>\n'
        f"<p>Or open this address in your browser:<br>{href}</p>\n"
        "<p>The link is personal: please do not share it. It is valid until "
        f"{html.escape(until)}.</p>\n"
        "<p>If you were not expecting this message, you can ignore it.</p>\n</body>\n</html>\n"
    )


__all__ = ["NEUTRAL_SUBJECT", "SUBJECT_MAX", "invitation", "one_line", "subject_for"]

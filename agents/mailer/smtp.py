"""The one SMTP call: deliver a message to the configured server, and say whether it went.

:func:`send` never raises (except ``asyncio.CancelledError``): a refused recipient, a server
that is down, slow, asks for other credentials or fails TLS gives ``sent=False`` with a short
reason for the logs. Reasons carry the SMTP code but no server text (servers echo addresses,
which are personal data) and never the password.
"""

from __future__ import annotations

import asyncio
import copy
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

_REASON_MAX = 200


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send (``hirestream.settings.Settings.smtp_config`` builds it).

    ``starttls`` upgrades a plain connection (port 587 usually) and fails when the server cannot;
    ``use_tls`` is TLS from the first byte (port 465); neither: plain SMTP, no opportunistic
    upgrade. ``user`` and ``password`` log in (both or neither). ``timeout_s`` bounds the whole
    delivery attempt. ``sender`` is the envelope sender (``MAIL FROM``)."""

    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    use_tls: bool = False
    timeout_s: float = 10.0
    sender: str = "interviews@hirestream.local"

    def __post_init__(self) -> None:
        if self.starttls and self.use_tls:
            raise ValueError("starttls and use_tls exclude each other")
        if bool(self.user) != bool(self.password):
            raise ValueError("user and password go together")
        if not self.timeout_s > 0:
            raise ValueError("timeout_s must be positive")


@dataclass(frozen=True)
class SendResult:
    sent: bool
    reason: str | None = None  # why not, when not sent


async def send(message: EmailMessage, config: SmtpConfig) -> SendResult:
    """Deliver ``message`` to its ``To``/``Cc``/``Bcc`` recipients through ``config``'s server.

    A ``Date`` header is added (on a copy) when the message has none: the time it is sent."""
    try:
        if "Date" not in message:
            message = copy.deepcopy(message)
            message["Date"] = formatdate(usegmt=True)
        async with asyncio.timeout(config.timeout_s):
            errors, _ = await aiosmtplib.send(
                message,
                sender=config.sender,
                hostname=config.host,
                port=config.port,
                username=config.user or None,
                password=config.password or None,
                use_tls=config.use_tls,
                start_tls=config.starttls,
                timeout=config.timeout_s,
            )
    except Exception as exc:  # never raises: every failure is a reason
        return SendResult(False, _scrub(_reason(exc, config), config))
    if errors:  # some recipients refused, others accepted
        codes = sorted({response.code for response in errors.values()})
        return SendResult(False, f"recipient refused ({', '.join(map(str, codes))})")
    return SendResult(True)


def _reason(exc: Exception, config: SmtpConfig) -> str:
    """A short reason without server text (it may name the recipient)."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = sorted({refusal.code for refusal in exc.recipients})
        return f"recipient refused ({', '.join(map(str, codes))})"
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return f"authentication failed ({exc.code})"
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return f"sender refused ({exc.code})"
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return f"recipient refused ({exc.code})"
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return f"message refused ({exc.code})"
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"SMTP error ({exc.code}) from {where}"
    if isinstance(exc, TimeoutError):  # ours, or aiosmtplib's per-step timeouts
        return f"timed out after {config.timeout_s:g} s talking to {where}"
    tls = next((e for e in (exc, exc.__cause__) if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        return f"TLS failed with {where} ({type(tls).__name__})"
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return f"{where} closed the connection"
    if isinstance(exc, aiosmtplib.SMTPConnectError):
        cause = exc.__cause__
        detail = type(cause).__name__ if cause is not None else "connection failed"
        return f"cannot connect to {where} ({detail})"
    if isinstance(exc, OSError):
        return f"cannot reach {where} ({type(exc).__name__})"
    if isinstance(exc, aiosmtplib.SMTPException):
        return f"SMTP error with {where}: {exc}"  # the library's own words, e.g. no STARTTLS
    return f"unexpected {type(exc).__name__} sending to {where}"


def _scrub(reason: str, config: SmtpConfig) -> str:
    """One printable line, at most ``_REASON_MAX`` characters, without the password."""
    if config.password:
        reason = reason.replace(config.password, "***")
    line = "".join(c if c.isprintable() else " " for c in reason)
    return line[:_REASON_MAX]


__all__ = ["SendResult", "SmtpConfig", "send"]

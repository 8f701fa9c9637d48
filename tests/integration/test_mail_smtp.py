"""The one SMTP call against real SMTP servers (aiosmtpd on 127.0.0.1, a free port each):
delivery, a server that is down, slow, refuses the recipient, wants a login, or has no TLS."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from hirestream.agents.mailer.compose import invitation
from hirestream.agents.mailer.smtp import SmtpConfig, send
from hirestream.settings import Settings
from hirestream.stack.base import free_port
from hirestream.stack.smtp import SinkHandler, SmtpSink

pytestmark = [
    pytest.mark.integration,
    # the AUTH sink runs without TLS on purpose (auth_require_tls=False): aiosmtpd warns
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

LINK = "http://127.0.0.1:8080/interview/join/AQJlxKYgC288HlKkTB2fDop7bF1OP4UxLhcyWVHNDD9sTcLsLLs"
SENDER = "interviews@example.org"
USER, PASSWORD = "mailer", "correct horse battery staple"


def message() -> EmailMessage:
    return invitation(
        to="jane@example.com",
        position="Ingénieure logicielle",
        link=LINK,
        expires_at=datetime(2024, 2, 8, 10, 0, tzinfo=UTC),
        sender=SENDER,
        message_id="invite.test-1",
    )


def config(port: int, **changes: Any) -> SmtpConfig:
    fields: dict[str, Any] = {"host": "127.0.0.1", "port": port, "sender": SENDER}
    fields.update(timeout_s=5.0)
    fields.update(changes)
    return SmtpConfig(**fields)


def start(controller_handler: object, **smtp_parameters: Any) -> Controller:
    controller = Controller(
        controller_handler, hostname="127.0.0.1", port=free_port(), **smtp_parameters
    )
    controller.start()
    return controller


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


class RefuseRecipients:
    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        return f"550 5.1.1 <{address}>: no such user"


def authenticator(
    server: SMTP, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def auth_sink() -> Iterator[tuple[Controller, list[Any]]]:
    """A sink requiring AUTH (over plain text: ``auth_require_tls=False``), recording messages."""
    received: list[Any] = []
    handler = SinkHandler(on_message=received.append)
    controller = start(
        handler, authenticator=authenticator, auth_required=True, auth_require_tls=False
    )
    try:
        yield controller, received
    finally:
        controller.stop()


async def test_a_composed_invitation_arrives(sink: SmtpSink) -> None:
    original = message()
    result = await send(original, config(sink.port))
    assert result.sent and result.reason is None
    [received] = await sink.wait_for(1)
    assert received.mail_from == SENDER
    assert received.rcpt_tos == ("jane@example.com",)
    parsed = received.message
    assert parsed.get_all("To") == ["jane@example.com"]
    assert parsed["Subject"] == "Your interview for Ingénieure logicielle"
    assert parsed["Message-ID"] == "<invite.test-1@example.org>"
    assert parsed["Date"] is not None and "Date" not in original  # added on a copy
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    plain_text = cast(EmailMessage, plain).get_content()
    html_text = cast(EmailMessage, html).get_content()
    assert LINK in plain_text and f'href="{LINK}"' in html_text
    assert "Ingénieure logicielle" in plain_text and "Ingénieure logicielle" in html_text


async def test_smtp_down_is_not_sent_with_a_reason() -> None:
    result = await send(message(), config(free_port()))  # nothing listens there
    assert not result.sent
    assert result.reason is not None and "cannot connect to 127.0.0.1" in result.reason


async def test_a_refused_recipient_is_not_sent() -> None:
    controller = start(RefuseRecipients())
    try:
        result = await send(message(), config(controller.port))
    finally:
        controller.stop()
    assert result == type(result)(False, "recipient refused (550)")  # no address in it


async def test_a_silent_server_times_out() -> None:
    hold = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hold.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        started = asyncio.get_running_loop().time()
        result = await send(message(), config(port, timeout_s=0.5))
        assert asyncio.get_running_loop().time() - started < 3
    finally:
        hold.set()
        server.close()
        await server.wait_closed()
    assert not result.sent and result.reason is not None and "timed out" in result.reason


async def test_authentication_with_the_right_password(
    auth_sink: tuple[Controller, list[Any]],
) -> None:
    controller, received = auth_sink
    result = await send(message(), config(controller.port, user=USER, password=PASSWORD))
    assert result.sent, result.reason
    assert len(received) == 1 and received[0].rcpt_tos == ("jane@example.com",)


async def test_authentication_with_a_wrong_password_or_none(
    auth_sink: tuple[Controller, list[Any]],
) -> None:
    controller, received = auth_sink
    wrong = "not the password at all"
    result = await send(message(), config(controller.port, user=USER, password=wrong))
    assert not result.sent and result.reason is not None
    assert result.reason.startswith("authentication failed (535)")
    assert wrong not in result.reason and PASSWORD not in result.reason
    anonymous = await send(message(), config(controller.port))
    assert not anonymous.sent and anonymous.reason == "sender refused (530)"
    assert received == []


async def test_tls_failures_are_not_sent(sink: SmtpSink) -> None:
    implicit = await send(message(), config(sink.port, use_tls=True))
    assert not implicit.sent and implicit.reason is not None
    assert implicit.reason.startswith("TLS failed with 127.0.0.1")
    starttls = await send(message(), config(sink.port, starttls=True))
    assert not starttls.sent and starttls.reason is not None
    assert "STARTTLS" in starttls.reason
    assert sink.messages == []


def test_config_refuses_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="exclude"):
        config(25, starttls=True, use_tls=True)
    with pytest.raises(ValueError, match="together"):
        config(25, user=USER)
    assert PASSWORD not in repr(config(25, user=USER, password=PASSWORD))


async def test_send_never_raises_on_a_message_without_recipients(sink: SmtpSink) -> None:
    bare = EmailMessage()
    bare["From"] = SENDER
    bare.set_content("no recipient")
    result = await send(bare, config(sink.port))
    assert not result.sent and result.reason is not None


def test_settings_build_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS", "SMTP_TLS", "SMTP_TIMEOUT_S"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SMTP_FROM", raising=False)
    monkeypatch.setenv("SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_SENDER", "ignored@example.org")  # the old name is not read
    defaults = Settings.from_env()
    assert defaults.smtp_config() == SmtpConfig("smtp.example.org", 587)
    assert defaults.invite_rate_per_minute == 30
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    monkeypatch.setenv("SMTP_TIMEOUT_S", "2.5")
    monkeypatch.setenv("SMTP_FROM", SENDER)
    monkeypatch.setenv("HIRESTREAM_INVITE_RATE_PER_MINUTE", "5")
    settings = Settings.from_env()
    assert settings.smtp_config() == SmtpConfig(
        "smtp.example.org", 587, USER, PASSWORD, True, False, 2.5, SENDER
    )
    assert settings.invite_rate_per_minute == 5
    assert PASSWORD not in repr(settings) and PASSWORD not in repr(settings.smtp_config())
    monkeypatch.setenv("SMTP_TLS", "1")
    with pytest.raises(ValueError, match="SMTP_STARTTLS and SMTP_TLS"):
        Settings.from_env()
    monkeypatch.delenv("SMTP_TLS")
    monkeypatch.delenv("SMTP_PASSWORD")
    with pytest.raises(ValueError, match="SMTP_USER and SMTP_PASSWORD"):
        Settings.from_env()

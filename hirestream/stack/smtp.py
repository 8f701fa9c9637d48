"""An SMTP sink: accepts every message on 127.0.0.1 and keeps it, delivering nothing.

Two ways to run it:

* as the local stack's background process (``python -m hirestream.stack.smtp``, started by
  ``python -m hirestream.stack up`` on port ``HIRESTREAM_SMTP_PORT``, default 2525): each message
  is written to ``.stack/mail/<time>-<id>.eml`` and logged as one ``event=smtp.message`` line;
* in-process in a test, :class:`SmtpSink` (aiosmtpd's threaded ``Controller`` on a free port),
  whose :attr:`SmtpSink.messages` lists what arrived, so tests assert on real SMTP deliveries.

Each ``.eml`` file is the message as received, preceded by ``X-Envelope-From`` and one
``X-Envelope-To`` header per recipient (the envelope, which the message headers may not show,
e.g. for Bcc). :func:`read_maildir` reads them back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import aiosmtplib
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from hirestream.stack.base import (
    LOCALHOST,
    SOURCE_ROOT,
    ServiceStatus,
    StackError,
    env_port,
    free_port,
    log_event,
    pid_alive,
    pid_cmdline,
    port_open,
    relative,
    running_pid,
    service_lock,
    spawn_background,
    stack_dir,
    stop_process_group,
    tail,
)

DEFAULT_PORT = 2525
PORT_ENV = "HIRESTREAM_SMTP_PORT"
HOST_ENV = "SMTP_HOST"
CONFIGURED_PORT_ENV = "SMTP_PORT"
SERVER_NAME = "hirestream-smtp-sink"
READY_TIMEOUT = 20.0
_MODULE = "hirestream.stack.smtp"
_ENVELOPE_FROM = b"X-Envelope-From: "
_ENVELOPE_TO = b"X-Envelope-To: "

logger = logging.getLogger("hirestream.stack")


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the sink received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # the message as sent (headers and body, CRLF line ends)
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    path: Path | None = None  # the .eml file, when the sink writes one

    @property
    def message(self) -> EmailMessage:
        """The parsed message (``email.policy.default``, line ends read as ``\n``)."""
        data = self.data.replace(b"\r\n", b"\n")
        return email.message_from_bytes(data, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    def body_text(self) -> str:
        """The plain-text body (or the HTML one when there is no plain text)."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return "" if part is None else cast(EmailMessage, part).get_content()


def mail_dir() -> Path:
    """Where the background sink writes ``.eml`` files: ``.stack/mail``."""
    return stack_dir() / "mail"


def write_eml(directory: Path, received: ReceivedMessage) -> Path:
    """Write ``received`` atomically as ``<directory>/<UTC time>-<random>.eml``."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = received.received_at.strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    envelope = _ENVELOPE_FROM + received.mail_from.encode() + b"\r\n"
    envelope += b"".join(_ENVELOPE_TO + rcpt.encode() + b"\r\n" for rcpt in received.rcpt_tos)
    partial = path.with_suffix(".partial")
    partial.write_bytes(envelope + received.data)
    partial.replace(path)
    return path


def read_eml(path: Path) -> ReceivedMessage:
    """Read back a file written by :func:`write_eml`."""
    raw = path.read_bytes()
    mail_from = ""
    rcpt_tos: list[str] = []
    while True:
        line, sep, rest = raw.partition(b"\r\n")
        if not sep:
            break
        if line.startswith(_ENVELOPE_FROM):
            mail_from = line[len(_ENVELOPE_FROM) :].decode()
        elif line.startswith(_ENVELOPE_TO):
            rcpt_tos.append(line[len(_ENVELOPE_TO) :].decode())
        else:
            break
        raw = rest
    received_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return ReceivedMessage(mail_from, tuple(rcpt_tos), raw, received_at, path)


def read_maildir(directory: Path | None = None) -> list[ReceivedMessage]:
    """Every message in ``directory`` (default ``.stack/mail``), oldest first."""
    folder = directory or mail_dir()
    if not folder.is_dir():
        return []
    return [read_eml(path) for path in sorted(folder.glob("*.eml"))]


class SinkHandler:
    """aiosmtpd handler: accept every message, optionally write it as ``.eml``, log one line,
    and hand it to ``on_message``."""

    def __init__(
        self,
        directory: Path | None = None,
        on_message: Callable[[ReceivedMessage], None] | None = None,
    ) -> None:
        self.directory = directory
        self.on_message = on_message

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode()
        received = ReceivedMessage(
            mail_from=str(envelope.mail_from or ""),
            rcpt_tos=tuple(str(rcpt) for rcpt in envelope.rcpt_tos),
            data=bytes(data),
        )
        if self.directory is not None:
            path = await asyncio.to_thread(write_eml, self.directory, received)
            received = ReceivedMessage(
                received.mail_from, received.rcpt_tos, received.data, received.received_at, path
            )
        log_event(
            "smtp.message",
            mail_from=received.mail_from,
            to=",".join(received.rcpt_tos),
            bytes=len(received.data),
            message_id=str(received.message.get("Message-ID", "")).strip() or None,
            file=relative(received.path) if received.path else None,
        )
        if self.on_message is not None:
            self.on_message(received)
        return "250 Message accepted for delivery"


class SmtpSink:
    """An in-process SMTP sink for tests: a real SMTP server on 127.0.0.1 (a free port unless
    ``port`` is given) recording every message it receives.

    ::

        with SmtpSink() as sink:
            await aiosmtplib.send(msg, hostname=sink.host, port=sink.port)
            [received] = await sink.wait_for(1)
    """

    def __init__(
        self, host: str = LOCALHOST, port: int = 0, *, directory: Path | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.directory = directory
        self._requested_port = port
        self._messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def _record(self, received: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(received)

    def start(self) -> SmtpSink:
        if self._controller is not None:
            return self
        handler = SinkHandler(self.directory, self._record)
        for attempt in range(5):
            port = self._requested_port or free_port(self.host)
            controller = Controller(
                handler,
                hostname=self.host,
                port=port,
                server_hostname=SERVER_NAME,
                enable_SMTPUTF8=True,
                ready_timeout=10.0,
            )
            try:
                controller.start()
            except OSError:
                if self._requested_port or attempt == 4:
                    raise
                continue  # the free port was taken in between; pick another
            self._controller = controller
            self.port = port
            return self
        raise StackError("could not start the SMTP sink")  # pragma: no cover

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def messages(self) -> list[ReceivedMessage]:
        """What arrived so far, oldest first (a copy)."""
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    async def wait_for(self, count: int = 1, time_limit: float = 10.0) -> list[ReceivedMessage]:
        """Wait until at least ``count`` messages arrived; return them all. Raises
        ``TimeoutError`` after ``time_limit`` s (deliveries by other components are async)."""
        deadline = time.monotonic() + time_limit
        while True:
            messages = self.messages
            if len(messages) >= count:
                return messages
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{len(messages)} of {count} expected messages arrived within {time_limit} s"
                )
            await asyncio.sleep(0.05)


# --- the background process ------------------------------------------------------------------


async def serve(host: str, port: int, directory: Path) -> None:
    """Run the sink until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    handler = SinkHandler(directory)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname=SERVER_NAME, enable_SMTPUTF8=True), host, port
    )
    log_event("smtp.listening", address=f"{host}:{port}", mail_dir=relative(directory))
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()
    log_event("smtp.exit", address=f"{host}:{port}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}", description=__doc__)
    parser.add_argument("--host", default=LOCALHOST)
    parser.add_argument("--port", type=int, default=env_port(PORT_ENV, DEFAULT_PORT))
    parser.add_argument("--mail-dir", type=Path, default=mail_dir())
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="ts=%(asctime)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command lines
    asyncio.run(serve(args.host, args.port, args.mail_dir.resolve()))
    return 0


# --- management from the stack ---------------------------------------------------------------


def _files() -> tuple[Path, Path]:
    root = stack_dir() / "smtp"
    return root / "smtp.pid", root / "smtp.log"


async def check_smtp(host: str, port: int, time_limit: float = 5.0) -> None:
    """A real SMTP conversation: connect, EHLO, NOOP, QUIT."""
    client = aiosmtplib.SMTP(hostname=host, port=port, timeout=time_limit, start_tls=False)
    await client.connect()
    try:
        await client.ehlo()
        await client.noop()
    finally:
        with contextlib.suppress(aiosmtplib.SMTPException):
            await client.quit()


def _configured() -> tuple[str, int] | None:
    """``(SMTP_HOST, SMTP_PORT)`` when ``SMTP_HOST`` is set; the port defaults to 2525 as in
    ``hirestream.settings``."""
    host = os.environ.get(HOST_ENV, "")
    if not host:
        return None
    return host, env_port(CONFIGURED_PORT_ENV, DEFAULT_PORT)


def _running_port(pid: int) -> int | None:
    cmdline = pid_cmdline(pid)
    with contextlib.suppress(ValueError, IndexError):
        return int(cmdline[cmdline.index("--port") + 1])
    return None


async def ensure_smtp(
    *, ready_timeout: float = READY_TIMEOUT, started: dict[str, int | None] | None = None
) -> tuple[str, int]:
    """Return ``(host, port)`` of an SMTP server: ``SMTP_HOST``/``SMTP_PORT`` when set, else our
    background sink, reused when it runs and started when not. When this call starts the sink,
    ``started["smtp"]`` is its pid."""
    configured = _configured()
    if configured is not None:
        log_event("smtp.external", address=f"{configured[0]}:{configured[1]}")
        return configured
    port = env_port(PORT_ENV, DEFAULT_PORT)
    pid_file, log_file = _files()
    async with service_lock("smtp"):
        pid = running_pid(pid_file, _MODULE)
        if pid is not None:
            if _running_port(pid) == port:
                began = time.monotonic()
                await _wait_ready(port, ready_timeout, log_file, pid)
                seconds = time.monotonic() - began
                log_event("smtp.reused", address=f"{LOCALHOST}:{port}", pid=pid, seconds=seconds)
                return LOCALHOST, port
            log_event("smtp.restart", reason="port changed", pid=pid)
            stop_process_group(pid, name="smtp", timeout=10.0)
        if port_open(LOCALHOST, port):
            raise StackError(
                f"{LOCALHOST}:{port} is in use by another process, not by our SMTP sink. Set "
                f"{HOST_ENV} (and {CONFIGURED_PORT_ENV}) to use it, or {PORT_ENV} to move ours."
            )
        began = time.monotonic()
        directory = mail_dir()
        directory.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(SOURCE_ROOT), env.get("PYTHONPATH", "")) if part
        )
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_bytes(b"")
        process = spawn_background(
            [
                sys.executable,
                "-m",
                _MODULE,
                "--host",
                LOCALHOST,
                "--port",
                str(port),
                "--mail-dir",
                str(directory),
            ],
            log_file=log_file,
            pid_file=pid_file,
            cwd=SOURCE_ROOT,
            env=env,
        )
        try:
            await _wait_ready(port, ready_timeout, log_file, process.pid)
        except BaseException:
            stop_process_group(process.pid, name="smtp", timeout=5.0)
            with contextlib.suppress(FileNotFoundError):
                pid_file.unlink()
            raise
        log_event(
            "smtp.ready",
            address=f"{LOCALHOST}:{port}",
            pid=process.pid,
            seconds=time.monotonic() - began,
            mail_dir=relative(directory),
        )
        if started is not None:
            started["smtp"] = process.pid
        return LOCALHOST, port


async def _wait_ready(port: int, time_limit: float, log_file: Path, pid: int) -> None:
    deadline = time.monotonic() + time_limit
    while True:
        try:
            await check_smtp(LOCALHOST, port, time_limit=2.0)
            return
        except (OSError, aiosmtplib.SMTPException) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if not pid_alive(pid):
                reason = "the sink process exited"
            elif time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                continue
        log_event("smtp.failed", level=logging.ERROR, reason=reason)
        raise StackError(f"SMTP sink not ready ({reason}); its log:\n{tail(log_file)}")


def smtp_pid() -> int | None:
    """The pid of our background sink when it runs (whatever ``SMTP_HOST`` says)."""
    return running_pid(_files()[0], _MODULE)


def stop_smtp(timeout: float = 10.0) -> bool:
    """Stop our background sink if it runs."""
    pid_file, _ = _files()
    pid = running_pid(pid_file, _MODULE)
    if pid is None:
        return False
    stop_process_group(pid, name="smtp", timeout=timeout)
    with contextlib.suppress(FileNotFoundError):
        pid_file.unlink()
    return True


def smtp_status() -> ServiceStatus:
    configured = _configured()
    if configured is not None:
        return ServiceStatus("smtp", "external", f"{configured[0]}:{configured[1]}")
    port = env_port(PORT_ENV, DEFAULT_PORT)
    pid_file, _ = _files()
    pid = running_pid(pid_file, _MODULE)
    if pid is not None:
        address = f"{LOCALHOST}:{_running_port(pid) or port}"
        return ServiceStatus("smtp", "running", address, pid, f"mail in {relative(mail_dir())}")
    address = f"{LOCALHOST}:{port}"
    if port_open(LOCALHOST, port):
        return ServiceStatus("smtp", "foreign", address, None, "port taken by another process")
    return ServiceStatus("smtp", "stopped", address)


__all__ = [
    "ReceivedMessage",
    "SinkHandler",
    "SmtpSink",
    "check_smtp",
    "ensure_smtp",
    "mail_dir",
    "read_maildir",
    "smtp_pid",
    "smtp_status",
    "stop_smtp",
]

if __name__ == "__main__":
    sys.exit(main())

"""The webhook client against real receivers on loopback (127.0.0.1, free ports): signed
deliveries verified with the ``standardwebhooks`` package, redirects that are not followed,
capped answers, timeouts, error statuses, dropped connections, TLS on the original host name,
and a corpus of SSRF targets refused before any connection is made."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from multidict import CIMultiDict
from standardwebhooks import Webhook, WebhookVerificationError

from hirestream.agents.webhooks.client import USER_AGENT, DeliveryResult, _PinnedResolver, deliver
from hirestream.agents.webhooks.signing import legacy_headers, new_secret, standard_headers
from tests.support.workers import free_port

pytestmark = pytest.mark.integration

OLD_SECRET = new_secret()
NEW_SECRET = new_secret()
BODY = json.dumps({"id": "evt_1", "event": "interview.approved", "data": {"n": "Jérôme"}}).encode()
WEBHOOK_ID = "msg_client_test_1"


def signed_headers(body: bytes = BODY) -> dict[str, str]:
    """Both header sets, as a rotation overlap sends them (new and old secret)."""
    ts = int(time.time())
    return standard_headers(WEBHOOK_ID, ts, body, [NEW_SECRET, OLD_SECRET]) | legacy_headers(
        ts, body, NEW_SECRET
    )


def listening_socket(family: socket.AddressFamily = socket.AF_INET) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1" if family == socket.AF_INET else "::1", 0))
    return sock


# ---- a real receiver ---------------------------------------------------------------------


@dataclass
class Receiver:
    """An aiohttp app on 127.0.0.1 that records what reaches it."""

    port: int
    requests: list[tuple[str, CIMultiDict[str], bytes]] = field(default_factory=list)
    verified: list[object] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def http_hosts(self) -> frozenset[str]:
        return frozenset({f"127.0.0.1:{self.port}"})

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]


def receiver_app(receiver: Receiver, secret: str) -> web.Application:
    async def record(request: web.Request) -> bytes:
        body = await request.read()
        receiver.requests.append((request.path, request.headers.copy(), body))
        return body

    async def hook(request: web.Request) -> web.Response:
        body = await record(request)
        try:
            payload = Webhook(secret).verify(body, dict(request.headers))
        except WebhookVerificationError as exc:
            return web.json_response({"error": str(exc)}, status=401)
        receiver.verified.append(payload)
        return web.json_response({"received": payload["id"]})

    async def redirect(request: web.Request) -> web.Response:
        await record(request)
        status = int(request.query.get("status", "302"))
        location = request.query.get("to", "/target")
        return web.Response(status=status, headers={"Location": location})

    async def huge(request: web.Request) -> web.StreamResponse:
        await record(request)
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        for _ in range(80):  # 5 MiB, more than any cap
            await response.write(b"x" * 65536)
        return response

    async def slow(request: web.Request) -> web.Response:
        await record(request)
        await receiver.release.wait()
        return web.Response(text="too late")

    async def slow_body(request: web.Request) -> web.StreamResponse:
        await record(request)
        response = web.StreamResponse(status=202)
        response.content_length = 1000
        await response.prepare(request)
        await response.write(b"partial")
        await receiver.release.wait()
        return response

    async def status(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(status=int(request.match_info["code"]), text="nope " * 10)

    async def any_path(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_post("/redirect", redirect)
    app.router.add_post("/huge", huge)
    app.router.add_post("/slow", slow)
    app.router.add_post("/slow-body", slow_body)
    app.router.add_post("/status/{code}", status)
    app.router.add_route("*", "/{tail:.*}", any_path)
    return app


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serve(OLD_SECRET) as started:
        yield started


@contextlib.asynccontextmanager
async def serve(secret: str, tls: ssl.SSLContext | None = None) -> AsyncIterator[Receiver]:
    """Runs a receiver (optionally over TLS) for the length of an ``async with``."""
    sock = listening_socket()
    receiver = Receiver(sock.getsockname()[1])
    runner = web.AppRunner(receiver_app(receiver, secret), shutdown_timeout=0.5)
    await runner.setup()
    try:
        await web.SockSite(runner, sock, ssl_context=tls).start()
        yield receiver
    finally:
        receiver.release.set()
        await runner.cleanup()


# ---- deliveries --------------------------------------------------------------------------


async def test_a_signed_delivery_verifies_at_a_receiver_holding_the_old_secret(
    receiver: Receiver,
) -> None:
    result = await deliver(
        f"{receiver.base}/hook?tenant=acme", BODY, signed_headers(), http_hosts=receiver.http_hosts
    )
    assert result.delivered and result.status == 200 and result.error is None
    assert not result.retryable
    assert json.loads(result.answer_excerpt) == {"received": "evt_1"}
    assert 0 < result.elapsed_ms < 15_000
    assert receiver.verified == [json.loads(BODY)]
    [(path, headers, body)] = receiver.requests
    assert path == "/hook" and body == BODY
    assert headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == USER_AGENT
    assert headers["X-Webhook-Signature"].startswith("sha256=")
    assert headers["webhook-id"] == WEBHOOK_ID
    assert "Cookie" not in headers


async def test_a_receiver_holding_the_new_secret_verifies_too() -> None:
    async with serve(NEW_SECRET) as receiver:
        result = await deliver(
            f"{receiver.base}/hook", BODY, signed_headers(), http_hosts=receiver.http_hosts
        )
    assert result.delivered and receiver.verified == [json.loads(BODY)]


async def test_a_receiver_with_another_secret_answers_401_not_retried() -> None:
    async with serve(new_secret()) as receiver:
        result = await deliver(
            f"{receiver.base}/hook", BODY, signed_headers(), http_hosts=receiver.http_hosts
        )
    assert not result.delivered and not result.retryable
    assert result.status == 401 and result.error == "HTTP 401"
    assert "No matching signature" in result.answer_excerpt


async def test_reserved_headers_from_the_caller_are_not_sent(receiver: Receiver) -> None:
    headers = signed_headers() | {"host": "evil.example", "content-type": "application/x-test"}
    headers |= {"Content-Length": "1", "Transfer-Encoding": "chunked", "Connection": "upgrade"}
    result = await deliver(f"{receiver.base}/any", BODY, headers, http_hosts=receiver.http_hosts)
    assert result.delivered
    [(_, sent, _)] = receiver.requests
    assert sent["Host"] == f"127.0.0.1:{receiver.port}"
    assert sent["Content-Type"] == "application/x-test"  # the caller may choose this one
    assert sent["Content-Length"] == str(len(BODY)) and "Transfer-Encoding" not in sent
    assert sent["Connection"] != "upgrade"
    assert (
        sent.getall("Content-Type") == ["application/x-test"]
        and sent["Accept-Encoding"] == "identity"
    )


@pytest.mark.parametrize(
    ("status", "to"),
    [
        (301, "/target"),
        (302, "/target"),
        (303, "/target"),
        (307, "/target"),
        (308, "/target"),
        (302, "http://169.254.169.254/latest/meta-data/"),
        (307, "http://127.0.0.1:{port}/target"),
    ],
)
async def test_redirects_are_failures_and_never_followed(
    receiver: Receiver, status: int, to: str
) -> None:
    location = to.format(port=receiver.port)
    url = f"{receiver.base}/redirect?status={status}&to={location}"
    result = await deliver(url, BODY, signed_headers(), http_hosts=receiver.http_hosts)
    assert not result.delivered and not result.retryable
    assert result.status == status
    assert result.error == f"HTTP {status}: redirect to {location} not followed"
    await asyncio.sleep(0.05)
    assert receiver.paths() == ["/redirect"]  # the target was never hit


async def test_a_huge_answer_is_capped_and_still_delivered(receiver: Receiver) -> None:
    url = f"{receiver.base}/huge"
    result = await deliver(url, BODY, {}, http_hosts=receiver.http_hosts)
    assert result.delivered and result.status == 200
    assert result.answer_excerpt == "x" * 65536
    small = await deliver(url, BODY, {}, http_hosts=receiver.http_hosts, max_answer_bytes=100)
    assert small.delivered and small.answer_excerpt == "x" * 100
    none = await deliver(url, BODY, {}, http_hosts=receiver.http_hosts, max_answer_bytes=0)
    assert none.delivered and none.answer_excerpt == ""


async def test_a_slow_receiver_times_out_and_is_retried(receiver: Receiver) -> None:
    result = await deliver(
        f"{receiver.base}/slow", BODY, {}, http_hosts=receiver.http_hosts, total_timeout_s=0.5
    )
    assert not result.delivered and result.retryable
    assert result.status is None and result.error == "timed out (limit 0.5 s)"
    assert 400 <= result.elapsed_ms < 3000
    assert receiver.paths() == ["/slow"]


async def test_a_2xx_whose_body_stalls_is_delivered_with_what_came(receiver: Receiver) -> None:
    result = await deliver(
        f"{receiver.base}/slow-body", BODY, {}, http_hosts=receiver.http_hosts, total_timeout_s=1
    )
    assert result.delivered and result.status == 202 and not result.retryable
    assert result.answer_excerpt == "partial"


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (429, True),
        (408, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (410, False),
        (413, False),
        (422, False),
    ],
)
async def test_error_statuses(receiver: Receiver, status: int, retryable: bool) -> None:
    result = await deliver(
        f"{receiver.base}/status/{status}", BODY, {}, http_hosts=receiver.http_hosts
    )
    assert result == DeliveryResult(
        delivered=False,
        status=status,
        error=f"HTTP {status}",
        answer_excerpt="nope " * 10,
        elapsed_ms=result.elapsed_ms,
        retryable=retryable,
    )


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
async def test_every_2xx_is_delivered(receiver: Receiver, status: int) -> None:
    result = await deliver(
        f"{receiver.base}/status/{status}", BODY, {}, http_hosts=receiver.http_hosts
    )
    assert result.delivered and result.status == status and not result.retryable


# ---- broken servers ----------------------------------------------------------------------

RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def close_after_the_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def answer_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    await writer.drain()
    writer.close()


async def cut_the_status_line(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 20")
    await writer.drain()
    writer.close()


@pytest.mark.parametrize(
    "handler", [close_at_once, close_after_the_request, answer_garbage, cut_the_status_line]
)
async def test_a_server_that_drops_the_connection_is_retried(handler: RawHandler) -> None:
    seen: list[int] = []

    async def counting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(1)
        await handler(reader, writer)

    server = await asyncio.start_server(counting, sock=listening_socket())
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await deliver(
            f"http://127.0.0.1:{port}/hook",
            BODY,
            signed_headers(),
            http_hosts=frozenset({f"127.0.0.1:{port}"}),
            total_timeout_s=5,
        )
    assert seen == [1]
    assert not result.delivered and result.retryable and result.status is None
    assert result.error is not None and result.error.startswith("connection failed")


async def test_a_refused_connection_is_retried() -> None:
    port = free_port()  # nothing listens there
    result = await deliver(
        f"http://127.0.0.1:{port}/", BODY, {}, http_hosts=frozenset({f"127.0.0.1:{port}"})
    )
    assert not result.delivered and result.retryable and result.status is None
    assert result.error is not None and result.error.startswith("connection failed")


async def test_a_dns_failure_is_retried() -> None:
    async def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = await deliver(
        "https://hooks.partner.example/", BODY, {}, http_hosts=frozenset(), resolve=failing
    )
    assert not result.delivered and result.retryable and result.status is None
    assert result.error is not None and "Name or service not known" in result.error


async def test_a_hanging_resolver_counts_against_the_total_timeout() -> None:
    async def hanging(host: str, port: int) -> list[str]:
        await asyncio.sleep(60)
        return ["93.184.215.14"]

    result = await deliver(
        "https://hooks.partner.example/",
        BODY,
        {},
        http_hosts=frozenset(),
        resolve=hanging,
        total_timeout_s=0.3,
    )
    assert not result.delivered and result.retryable and result.error == "timed out (limit 0.3 s)"


# ---- an allow-listed name: resolved once, connected by name ------------------------------


async def test_an_allow_listed_name_is_resolved_once_and_keeps_its_host_header(
    receiver: Receiver,
) -> None:
    calls: list[tuple[str, int]] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return ["127.0.0.1"]

    result = await deliver(
        f"http://Dev.Partner.Test:{receiver.port}/hook",
        BODY,
        signed_headers(),
        http_hosts=frozenset({f"dev.partner.test:{receiver.port}"}),
        resolve=resolve,
    )
    assert result.delivered, result
    assert calls == [("dev.partner.test", receiver.port)]
    [(_, headers, _)] = receiver.requests
    assert headers["Host"] == f"dev.partner.test:{receiver.port}"


async def test_the_connector_resolver_knows_only_the_checked_host_and_addresses() -> None:
    pinned = _PinnedResolver("hooks.partner.test", ("93.184.215.14", "2606:4700::1111"))
    found = await pinned.resolve("hooks.partner.test", 443, socket.AF_UNSPEC)
    assert [(r["host"], r["port"], r["family"]) for r in found] == [
        ("93.184.215.14", 443, socket.AF_INET),
        ("2606:4700::1111", 443, socket.AF_INET6),
    ]
    assert all(r["hostname"] == "hooks.partner.test" for r in found)
    six = await pinned.resolve("hooks.partner.test.", 8443, socket.AF_INET6)
    assert [r["host"] for r in six] == ["2606:4700::1111"]
    for other in ("evil.partner.test", "127.0.0.1", "localhost"):
        with pytest.raises(OSError, match="not the checked host"):
            await pinned.resolve(other, 443, socket.AF_UNSPEC)
    only_four = _PinnedResolver("hooks.partner.test", ("93.184.215.14",))
    with pytest.raises(OSError, match="requested family"):
        await only_four.resolve("hooks.partner.test", 443, socket.AF_INET6)
    await pinned.close()


# ---- TLS: SNI and the certificate check use the original host name -----------------------


def certificate_pair(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context with a certificate for ``name``, client context trusting its CA)."""
    now = dt.datetime.now(dt.UTC)

    def build(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Name,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hirestream test CA")])
    ca_cert = build("hirestream test CA", ca_key, ca_name, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(name, key, ca_name, ca_key, ca=False)
    chain = tmp_path / f"{name}.pem"
    chain.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(chain)
    client = ssl.create_default_context(
        cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode()
    )
    return server, client


@pytest.mark.parametrize(
    ("certificate_for", "delivered"),
    [("hooks.partner.test", True), ("other.partner.test", False)],
)
async def test_tls_uses_the_original_host_name(
    tmp_path: Path, certificate_for: str, delivered: bool
) -> None:
    server_tls, client_tls = certificate_pair(tmp_path, certificate_for)
    sni: list[str | None] = []
    server_tls.sni_callback = lambda sock, name, ctx: sni.append(name)
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    async with serve(OLD_SECRET, tls=server_tls) as receiver:
        result = await deliver(
            f"https://hooks.partner.test:{receiver.port}/hook",
            BODY,
            signed_headers(),
            http_hosts=frozenset({f"hooks.partner.test:{receiver.port}"}),
            resolve=resolve,
            ssl_context=client_tls,
        )
    assert sni == ["hooks.partner.test"] and calls == ["hooks.partner.test"]
    assert result.delivered is delivered, result
    if delivered:
        assert receiver.verified == [json.loads(BODY)]
        assert receiver.requests[0][1]["Host"] == f"hooks.partner.test:{receiver.port}"
    else:
        assert result.retryable and result.status is None and receiver.requests == []
        assert result.error is not None and "certificate" in result.error.lower()


# ---- SSRF: refused before any connection -------------------------------------------------

# (url template, what the fake resolver answers; None: the resolver must not even be asked).
# "{port}" is a port on which 127.0.0.1 (and ::1 when the machine has it) listens and counts.
NOT_RESOLVED: list[str] = [
    # loopback literals in every notation
    "https://127.0.0.1:{port}/",
    "http://127.0.0.1:{port}/",  # http, and not allow-listed
    "https://127.0.0.1.:{port}/",
    "https://2130706433:{port}/",
    "https://0x7f000001:{port}/",
    "https://0x7f.0.0.1:{port}/",
    "https://0177.0.0.1:{port}/",
    "https://017700000001:{port}/",
    "https://127.1:{port}/",
    "https://127.0.1:{port}/",
    "https://１２７．０．０．１:{port}/",
    "https://127。0。0。1:{port}/",
    "https://%31%32%37.0.0.1:{port}/",
    "https://[::1]:{port}/",
    "https://[0:0:0:0:0:0:0:1]:{port}/",
    "https://[::ffff:127.0.0.1]:{port}/",
    "https://[::ffff:7f00:1]:{port}/",
    "https://[::127.0.0.1]:{port}/",
    "https://[64:ff9b::7f00:1]:{port}/",
    "https://[64:ff9b:1::7f00:1]:{port}/",
    "https://[2002:7f00:1::]:{port}/",
    "https://0:{port}/",
    "https://0.0.0.0:{port}/",
    "https://[::]:{port}/",
    # private, link-local, metadata, other special ranges
    "https://10.0.0.1:{port}/",
    "https://0xa000001:{port}/",
    "https://172.16.0.1:{port}/",
    "https://192.168.1.1:{port}/",
    "https://[fd12:3456::1]:{port}/",
    "https://[64:ff9b::a00:1]:{port}/",
    "https://169.254.169.254:{port}/latest/meta-data/",
    "https://2852039166:{port}/",
    "https://[::ffff:169.254.169.254]:{port}/",
    "https://[fd00:ec2::254]:{port}/",
    "https://[fe80::1%25lo]:{port}/",
    "https://100.64.0.1:{port}/",
    "https://224.0.0.1:{port}/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]:{port}/",
    # internal names, refused without DNS
    "https://localhost:{port}/",
    "http://localhost:{port}/",
    "https://LOCALHOST.:{port}/",
    "https://ｌｏｃａｌｈｏｓｔ:{port}/",
    "https://api.localhost:{port}/",
    "https://metadata.google.internal:{port}/computeMetadata/v1/",
    "https://metadata:{port}/",
    "https://kubernetes.default.svc:{port}/",
    "https://redis.cluster.local:{port}/",
    "https://router.lan:{port}/",
    "https://intranet-box:{port}/",
    # shape: refused before anything else
    "https://hooks.example.com@127.0.0.1:{port}/",
    "https://hooks.example.com\\@127.0.0.1:{port}/",
    "https://127.0.0.1:{port}/\r\nHost: evil",
    "gopher://127.0.0.1:{port}/_x",
    "file:///etc/passwd",
]

RESOLVED_TO: list[tuple[str, tuple[str, ...]]] = [
    ("https://rebind.partner.example:{port}/", ("127.0.0.1",)),
    ("https://rebind.partner.example:{port}/", ("127.8.9.10",)),
    ("https://rebind.partner.example:{port}/", ("10.1.2.3",)),
    ("https://rebind.partner.example:{port}/", ("172.20.0.5",)),
    ("https://rebind.partner.example:{port}/", ("192.168.0.10",)),
    ("https://rebind.partner.example:{port}/", ("169.254.169.254",)),
    ("https://rebind.partner.example:{port}/", ("169.254.170.2",)),
    ("https://rebind.partner.example:{port}/", ("100.100.100.200",)),
    ("https://rebind.partner.example:{port}/", ("0.0.0.0",)),  # noqa: S104
    ("https://rebind.partner.example:{port}/", ("::1",)),
    ("https://rebind.partner.example:{port}/", ("::ffff:127.0.0.1",)),
    ("https://rebind.partner.example:{port}/", ("::ffff:10.0.0.1",)),
    ("https://rebind.partner.example:{port}/", ("64:ff9b::a00:1",)),
    ("https://rebind.partner.example:{port}/", ("64:ff9b::7f00:1",)),
    ("https://rebind.partner.example:{port}/", ("fd00:ec2::254",)),
    ("https://rebind.partner.example:{port}/", ("fe80::1%lo",)),
    ("https://rebind.partner.example:{port}/", ("fc00::1",)),
    ("https://rebind.partner.example:{port}/", ("2002:7f00:1::1",)),
    ("https://rebind.partner.example:{port}/", ("100.64.1.1",)),
    ("https://rebind.partner.example:{port}/", ("not-an-address",)),
    ("https://rebind.partner.example:{port}/", ()),
    ("https://mixed.partner.example:{port}/", ("93.184.215.14", "127.0.0.1")),
    ("https://mixed.partner.example:{port}/", ("127.0.0.1", "93.184.215.14")),
    ("https://mixed.partner.example:{port}/", ("2606:4700::1111", "::1")),
    ("https://mixed.partner.example:{port}/", ("8.8.8.8", "169.254.169.254")),
    ("https://bücher.partner.example:{port}/", ("127.0.0.1",)),
    ("https://1.1.1.1.nip.io:{port}/", ("127.0.0.1",)),  # a name, not a literal
]


@dataclass
class Trap:
    """A listener on 127.0.0.1 (and ::1) that counts connections, with a counting resolver."""

    port: int
    connections: list[str] = field(default_factory=list)
    lookups: list[tuple[str, int]] = field(default_factory=list)

    def resolver(self, answer: tuple[str, ...]) -> Callable[[str, int], Awaitable[list[str]]]:
        async def resolve(host: str, port: int) -> list[str]:
            self.lookups.append((host, port))
            return list(answer)

        return resolve


@pytest.fixture
async def trap() -> AsyncIterator[Trap]:
    sock = listening_socket()
    found = Trap(sock.getsockname()[1])

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        found.connections.append(str(writer.get_extra_info("peername")))
        writer.close()

    servers = [await asyncio.start_server(count, sock=sock)]
    try:
        six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        six.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        six.bind(("::1", found.port))
        servers.append(await asyncio.start_server(count, sock=six))
    except OSError:
        pass  # no IPv6 loopback here: the IPv4 listener still counts
    try:
        yield found
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()


def assert_refused(result: DeliveryResult) -> None:
    assert not result.delivered and not result.retryable and result.status is None, result
    assert result.error is not None and result.error.startswith("url must "), result


def test_the_corpus_is_big_enough() -> None:
    assert len(NOT_RESOLVED) + len(RESOLVED_TO) >= 45
    assert len(NOT_RESOLVED) >= 45 and len(RESOLVED_TO) >= 20


@pytest.mark.parametrize("template", NOT_RESOLVED)
async def test_internal_targets_are_refused_without_resolving_or_connecting(
    trap: Trap, template: str
) -> None:
    url = template.format(port=trap.port)
    result = await deliver(
        url,
        BODY,
        signed_headers(),
        http_hosts=frozenset({f"127.0.0.1:{free_port()}"}),  # another port: not this one
        resolve=trap.resolver(("127.0.0.1",)),
        total_timeout_s=3,
    )
    assert_refused(result)
    await asyncio.sleep(0.02)
    assert trap.lookups == [] and trap.connections == []


@pytest.mark.parametrize(("template", "answer"), RESOLVED_TO)
async def test_names_resolving_to_internal_addresses_are_refused_before_connecting(
    trap: Trap, template: str, answer: tuple[str, ...]
) -> None:
    url = template.format(port=trap.port)
    result = await deliver(
        url, BODY, signed_headers(), http_hosts=frozenset(), resolve=trap.resolver(answer)
    )
    assert_refused(result)
    await asyncio.sleep(0.02)
    assert len(trap.lookups) == 1 and trap.lookups[0][1] == trap.port  # resolved exactly once
    assert trap.connections == []


async def test_the_trap_does_see_a_connection_when_one_is_allowed(trap: Trap) -> None:
    """The control: the same listener counts a connection the rules allow."""
    result = await deliver(
        f"http://127.0.0.1:{trap.port}/",
        BODY,
        {},
        http_hosts=frozenset({f"127.0.0.1:{trap.port}"}),
        resolve=trap.resolver(("127.0.0.1",)),
    )
    await asyncio.sleep(0.02)
    assert len(trap.connections) == 1 and trap.lookups == []
    assert not result.delivered and result.retryable  # the trap hangs up at once


@pytest.mark.parametrize(
    "url",
    ["", "not a url", "https://", "https://[", "https://hooks.example.com:99999/", "x" * 5000],
)
async def test_malformed_urls_are_refused_not_raised(url: str) -> None:
    result = await deliver(url, BODY, {}, http_hosts=frozenset())
    assert_refused(result)

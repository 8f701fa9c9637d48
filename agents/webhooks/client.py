"""The one outbound call of webhook delivery: POST a signed body to a partner's URL.

``deliver`` never raises for any URL or network condition; it answers a ``DeliveryResult``.

* The URL is checked and resolved once (``resolve_for_delivery``, docs/api.md §7), and the
  connection goes to exactly those checked addresses: the connector's resolver answers only
  for the checked host, with only the checked addresses, so nothing resolves the name a second
  time (no window for DNS rebinding). The request still names the original host, so the
  ``Host`` header, TLS SNI and the certificate check use it. An allow-listed host name
  (``HIRESTREAM_CALLBACK_HTTP_HOSTS``, development) is resolved here, once, unchecked.
* Redirects are not followed: a 3xx is a failed delivery and its target is never called.
  No proxy from the environment, no cookies, no compressed answers.
* At most ``max_answer_bytes`` of the answer are read (the excerpt, for the delivery log).
* ``total_timeout_s`` bounds everything, name resolution included; ``connect_timeout_s``
  bounds each TCP connect.

What is retried (``retryable``):

* delivered (2xx, whatever happens to the answer's body after the status): nothing to retry;
* refused by the URL rules (``UrlRefused``, at input or for a resolved address): never - the
  URL, or what its name points at, is not allowed, and asking again changes nothing;
* name resolution errors, timeouts, connection errors (refused, reset, closed before an
  answer, TLS failures), 5xx, 429 Too Many Requests and 408 Request Timeout: retried - the
  receiver or the network may recover;
* 3xx (not followed) and every other 4xx: not retried - the receiver answered, and the same
  request will get the same answer until its owner changes the endpoint (a replay after the
  fix sends it again);
* anything unexpected (a 1xx or out-of-range status, an internal error): retried, since the
  schedule ends in ``dead`` anyway.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict
from yarl import URL

from hirestream.topics.urls import Resolver, Target, UrlRefused, resolve_for_delivery

__all__ = ["USER_AGENT", "DeliveryResult", "deliver"]

log = logging.getLogger(__name__)

USER_AGENT = "hirestream-webhooks/1"
_RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
_RETRYABLE_4XX = frozenset({408, 429})
_MAX_ERROR = 300


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt came to.

    ``status`` is the HTTP status when an answer arrived; ``error`` a short phrase when not
    delivered; ``answer_excerpt`` the first ``max_answer_bytes`` of the answer, decoded as
    UTF-8 with replacement; ``retryable`` whether the schedule should try again.
    """

    delivered: bool
    status: int | None
    error: str | None
    answer_excerpt: str
    elapsed_ms: float
    retryable: bool


async def deliver(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    http_hosts: frozenset[str],
    resolve: Resolver | None = None,
    connect_timeout_s: float = 5.0,
    total_timeout_s: float = 15.0,
    max_answer_bytes: int = 65536,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryResult:
    """POST ``body`` with ``headers`` to ``url``, connecting only to checked addresses.

    ``headers`` are sent as given (``Content-Type`` defaults to ``application/json``), except
    ``Host``, ``Content-Length``, ``Transfer-Encoding`` and ``Connection``, which the client
    sets itself. ``resolve`` replaces the system resolver (tests); ``ssl_context`` the default
    TLS context (system CAs, host name checked).
    """
    started = time.monotonic()

    def result(
        delivered: bool, status: int | None, error: str | None, retryable: bool, answer: str = ""
    ) -> DeliveryResult:
        elapsed_ms = (time.monotonic() - started) * 1000
        error = None if error is None else error[:_MAX_ERROR]
        return DeliveryResult(delivered, status, error, answer, elapsed_ms, retryable)

    timed_out = f"timed out (limit {total_timeout_s:g} s)"
    try:  # the check and the only resolution
        async with asyncio.timeout(total_timeout_s):
            target, request_url = await _checked_target(url, http_hosts, resolve)
    except UrlRefused as refused:
        return result(False, None, f"url {refused.reason}", retryable=False)
    except TimeoutError:
        return result(False, None, timed_out, retryable=True)
    except OSError as exc:  # socket.gaierror and friends: the name did not resolve, for now
        return result(False, None, f"name resolution failed: {_describe(exc)}", retryable=True)
    except Exception as exc:  # never raise: the delivery agent records it and retries
        log.warning("event=webhook.unexpected_error url_host=%s", _host_of(url), exc_info=True)
        return result(False, None, f"unexpected error: {_describe(exc)}", retryable=True)

    remaining = total_timeout_s - (time.monotonic() - started)
    if remaining <= 0:
        return result(False, None, timed_out, retryable=True)
    client_timeout = aiohttp.ClientTimeout(total=remaining, sock_connect=connect_timeout_s)
    try:  # the POST, to the checked addresses only
        status, answer, location = await _post(
            target, request_url, body, headers, client_timeout, max_answer_bytes, ssl_context
        )
    except TimeoutError:
        return result(False, None, timed_out, retryable=True)
    except (aiohttp.ClientError, OSError) as exc:
        return result(False, None, f"connection failed: {exc}", retryable=True)
    except Exception as exc:  # never raise: the delivery agent records it and retries
        log.warning("event=webhook.unexpected_error url_host=%s", target.host, exc_info=True)
        return result(False, None, f"unexpected error: {_describe(exc)}", retryable=True)

    if 200 <= status < 300:
        return result(True, status, None, retryable=False, answer=answer)
    if 300 <= status < 400:
        where = f" to {_printable(location)}" if location else ""
        error = f"HTTP {status}: redirect{where} not followed"
        return result(False, status, error, retryable=False, answer=answer)
    retryable = not 400 <= status < 500 or status in _RETRYABLE_4XX
    return result(False, status, f"HTTP {status}", retryable=retryable, answer=answer)


async def _checked_target(
    url: str, http_hosts: frozenset[str], resolve: Resolver | None
) -> tuple[Target, URL]:
    """The checked target with its addresses, and the URL to request (built from its parts)."""
    target = await resolve_for_delivery(url, http_hosts, resolve)
    if not target.addresses:  # an allow-listed name (development): resolved here, once
        found = await (resolve or _system_resolve)(target.host, target.port)
        addresses = tuple(dict.fromkeys(found))
        target = Target(target.scheme, target.host, target.port, target.path_qs, addresses)
    return target, _request_url(target)


async def _post(
    target: Target,
    url: URL,
    body: bytes,
    headers: Mapping[str, str],
    client_timeout: aiohttp.ClientTimeout,
    max_answer_bytes: int,
    ssl_context: ssl.SSLContext | None,
) -> tuple[int, str, str | None]:
    """(status, answer excerpt, Location header) of one POST to ``target``'s addresses."""
    connector = aiohttp.TCPConnector(
        resolver=_PinnedResolver(target.host, target.addresses),
        use_dns_cache=False,
        force_close=True,
        limit=1,
        ssl=ssl_context if ssl_context is not None else True,
    )
    sent = CIMultiDict({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    for name, value in headers.items():  # case-insensitive: a caller's name replaces ours
        if name.lower() not in _RESERVED_HEADERS:
            sent[name] = value
    sent["Accept-Encoding"] = "identity"  # answers are read raw: no decompression
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=client_timeout,
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    ) as session:
        response = await session.post(url, data=body, headers=sent, allow_redirects=False)
        try:
            answer = await _read_capped(response, max_answer_bytes)
            return response.status, answer, response.headers.get("Location")
        finally:
            response.close()  # drop the connection: the rest of the answer is never read


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> str:
    """At most ``limit`` bytes of the answer, decoded; a failure mid-body keeps what came."""
    data = bytearray()
    try:
        while len(data) < limit:
            chunk = await response.content.read(limit - len(data))
            if not chunk:
                break
            data += chunk
    except (TimeoutError, aiohttp.ClientError, OSError):
        pass  # the status has arrived, and it decides the delivery
    return data.decode("utf-8", errors="replace")


def _request_url(target: Target) -> URL:
    """The URL to request, from the checked parts (never re-parsed from the partner's text)."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    url = URL(f"{target.scheme}://{host}:{target.port}{target.path_qs}")
    if (url.raw_host or "").lower() != target.host.partition("%")[0] or url.port != target.port:
        raise UrlRefused("must be a valid URL")  # defensive: a parser disagreement
    return url


class _PinnedResolver(AbstractResolver):
    """A resolver that knows one host, answering with its checked addresses only."""

    def __init__(self, host: str, addresses: tuple[str, ...]) -> None:
        self._host = host
        self._addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host.lower().removesuffix(".") != self._host:
            raise OSError(f"{host} is not the checked host")
        found: list[ResolveResult] = []
        for address in self._addresses:
            own = _family(address)
            if family in (socket.AF_UNSPEC, own):
                found.append(
                    ResolveResult(
                        hostname=host, host=address, port=port, family=own, proto=0, flags=0
                    )
                )
        if not found:
            raise OSError(f"no checked address of {host} in the requested family")
        return found

    async def close(self) -> None:
        return None


def _family(address: str) -> socket.AddressFamily:
    version = ipaddress.ip_address(address.partition("%")[0]).version
    return socket.AF_INET6 if version == 6 else socket.AF_INET


async def _system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)[:200]


def _host_of(url: str) -> str:
    try:
        return URL(url).host or "?"
    except Exception:  # logging only
        return "?"

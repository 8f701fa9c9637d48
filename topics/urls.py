"""Which outbound URLs the service may call: SSRF protection for partner callbacks.

The service POSTs to URLs that partners give it (``callbackUrl``, webhook endpoints), so a
partner must not be able to make it call anything inside our network (API spec §7):

* Scheme: https only. Plain http only for an entry of the development allow-list
  (``HIRESTREAM_CALLBACK_HTTP_HOSTS``), matched on the URL's exact ``host:port`` as written
  (host case-insensitive, IPv6 in brackets, port defaulting to 80 for http and 443 for https).
  An allow-listed URL may use http or https and skips the address and name checks.
* Shape: at most 2048 characters; no whitespace or control characters anywhere (Unicode ones
  included), no backslashes, no user credentials, a host, a port in 1-65535.
* Host: read the way URL parsers and resolvers read it - percent-decoded, NFKC-normalised
  (full-width digits and dots), lower-cased, IDNA-encoded, one trailing dot dropped. A host
  whose last label is a number is an IPv4 literal in any legacy notation (``2130706433``,
  ``0x7f.1``, ``0177.0.0.1``, ``127.1``), read with ``socket.inet_aton`` as the resolver would
  read it, or else invalid. Bracketed IPv6 literals may embed IPv4 addresses or carry zone ids.
* Addresses - literals at input, every resolved address at delivery - must be publicly
  routable (see ``address_refusal``). IPv4 addresses embedded in IPv6 (mapped, compatible,
  NAT64, 6to4) are checked as IPv4; Teredo is refused outright.
* Names are refused at input, without DNS, when they are internal by convention: ``localhost``,
  cloud metadata names, cluster and private-network suffixes, and single-label names.

``check_url`` is the input-time check. ``resolve_for_delivery`` repeats it, resolves the host,
checks every address and returns them, so the delivery code connects to exactly the addresses
that were checked and a DNS answer cannot change between the check and the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = [
    "Resolver",
    "Target",
    "UrlRefused",
    "address_refusal",
    "allow_listed",
    "check_url",
    "resolve_for_delivery",
]

Resolver = Callable[[str, int], Awaitable[list[str]]]
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_MAX_LENGTH = 2048
_DEFAULT_PORTS = {"https": 443, "http": 80}
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})  # controls, format, spaces
_DOTS = ("\u3002", "\uff0e", "\uff61")  # ideographic and full-width full stops: IDNA reads "."
_HOST_NAME = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*")
_NUMBER = re.compile(r"[0-9]+|0x[0-9a-f]*")  # a last label like this makes the host IPv4
_PORT = re.compile(r"[0-9]{1,5}")
_ZONE = re.compile(r"[a-z0-9._~-]+", re.IGNORECASE)

_BAD_CHARACTERS = "must not contain whitespace or control characters"
_BAD_HOST = "must have a valid host name"

# First match wins, so the specific ranges come before the ones that contain them.
_RANGES = tuple(
    (ipaddress.ip_network(cidr), f"must not point at {what} address")
    for what, cidrs in (
        # AWS/GCP/Azure/Oracle, ECS task, EKS pod identity, Alibaba, Oracle, Azure host agent
        (
            "a cloud metadata",
            "169.254.169.254/32 169.254.170.2/32 169.254.170.23/32 100.100.100.200/32"
            " 192.0.0.192/32 168.63.129.16/32 fd00:ec2::254/128 fd00:ec2::23/128",
        ),
        ("an unspecified", "0.0.0.0/32 ::/128"),
        ("a broadcast", "255.255.255.255/32"),
        ("a loopback", "127.0.0.0/8 ::1/128"),
        ("a private", "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7 fec0::/10"),
        ("a link-local", "169.254.0.0/16 fe80::/10"),
        ("a shared (CGNAT)", "100.64.0.0/10"),
        ("a multicast", "224.0.0.0/4 ff00::/8"),
        ("a documentation", "192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 2001:db8::/32 3fff::/20"),
        ("a benchmarking", "198.18.0.0/15 2001:2::/48"),
        ("a Teredo", "2001::/32"),
        ("a reserved", "0.0.0.0/8 240.0.0.0/4 192.0.0.0/24 192.88.99.0/24"),
    )
    for cidr in cidrs.split()
)
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_EMBEDDING = tuple(  # IPv6 ranges whose last 32 bits are an IPv4 address to check
    ipaddress.IPv6Network(cidr) for cidr in ("::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # operator-chosen layout: refuse anyway
_COMPATIBLE = ipaddress.IPv6Network("::/96")

_INTERNAL_NAMES = frozenset({"localhost", "metadata", "instance-data", "kubernetes.default"})
# ".internal" covers metadata.google.internal, ".local" mDNS and *.cluster.local, ".arpa" home.arpa
_INTERNAL_SUFFIXES: tuple[str, ...] = (".localhost", ".internal", ".local", ".localdomain", ".arpa")
_INTERNAL_SUFFIXES += (".intranet", ".lan", ".corp", ".svc")


class UrlRefused(ValueError):
    """An outbound URL that must not be called; ``reason`` is a short phrase for messages."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked delivery target: connect to one of ``addresses`` and send ``host``.

    ``host`` is normalised (lower-case ASCII, no trailing dot, IP literals in canonical form,
    IPv6 without brackets). ``addresses`` is empty only for an allow-listed host name, which
    the delivery code resolves itself.
    """

    scheme: str
    host: str
    port: int
    path_qs: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class _Parsed:
    target: Target
    literal: _Address | None
    allow_listed: bool


def check_url(url: str, http_hosts: frozenset[str] = frozenset()) -> str | None:
    """None when ``url`` may be stored as a callback, else the reason it may not (no DNS)."""
    parsed = _parse(url, http_hosts)
    return parsed if isinstance(parsed, str) else None


def allow_listed(url: str, http_hosts: frozenset[str]) -> bool:
    """Whether ``url`` is well-formed and its exact ``host:port`` is in ``http_hosts``."""
    parsed = _parse(url, http_hosts)
    return not isinstance(parsed, str) and parsed.allow_listed


def address_refusal(address: str) -> str | None:
    """None when the IP address (v4 or v6, zone id allowed) is public, else the reason."""
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])
    except ValueError:
        return "must be a valid IP address"
    return _refusal(ip)


async def resolve_for_delivery(
    url: str, http_hosts: frozenset[str], resolve: Resolver | None = None
) -> Target:
    """The checked target of ``url``; raises ``UrlRefused`` if it or any address is refused.

    Resolver errors (``OSError``, such as ``socket.gaierror``) propagate: they are transient.
    """
    parsed = _parse(url, http_hosts)
    if isinstance(parsed, str):
        raise UrlRefused(parsed)
    target = parsed.target
    if parsed.literal is not None or parsed.allow_listed:
        return target
    found = await (resolve or _getaddrinfo)(target.host, target.port)
    addresses = tuple(dict.fromkeys(found))  # unique, in the resolver's order
    if not addresses:
        raise UrlRefused("must resolve to at least one address")
    for address in addresses:
        reason = address_refusal(address)
        if reason is not None:
            raise UrlRefused(reason)
    return Target(target.scheme, target.host, target.port, target.path_qs, addresses)


async def _getaddrinfo(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _refusal(ip: _Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if any(ip in net for net in _EMBEDDING):
            return _refusal(embedded)
        if ip.sixtofour is not None:
            return _refusal(ip.sixtofour)
        if ip in _LOCAL_NAT64:
            return _refusal(embedded) or "must not point at a local-use NAT64 address"
        if ip in _COMPATIBLE and int(ip) > 1:  # ::a.b.c.d, but not :: or ::1
            return _refusal(embedded) or "must not point at an IPv4-compatible IPv6 address"
    for net, reason in _RANGES:
        if ip.version == net.version and ip in net:
            return reason
    if isinstance(ip, ipaddress.IPv6Address) and ip not in _GLOBAL_UNICAST:
        return "must not point at a reserved address"
    return None if ip.is_global else "must not point at a non-public address"


def _name_refusal(host: str) -> str | None:
    internal = (
        "." not in host
        or host in _INTERNAL_NAMES
        or host.endswith(_INTERNAL_SUFFIXES)
        or host.startswith("kubernetes.default.")
    )
    return f"must not name an internal host ({host})" if internal else None


def _has_bad_character(text: str) -> bool:
    return any(c.isspace() or unicodedata.category(c) in _BAD_CATEGORIES for c in text)


def _parse(url: str, http_hosts: frozenset[str]) -> _Parsed | str:
    """The parsed URL, or the reason it is refused."""
    if len(url) > _MAX_LENGTH:
        return f"must be at most {_MAX_LENGTH} characters long"
    if _has_bad_character(url):
        return _BAD_CHARACTERS
    if "\\" in url:
        return "must not contain backslashes"
    try:
        parts = urlsplit(url)
    except ValueError:  # unbalanced brackets, or NFKC turning the host into "/", "@" ...
        return "must be a valid URL"
    if parts.scheme not in _DEFAULT_PORTS:
        return "must be an https URL"
    if "@" in parts.netloc:
        return "must not contain user credentials"
    split = _split_netloc(parts.netloc)
    if split is None:
        return _BAD_HOST
    raw_host, colon, port_text = split
    if not raw_host:
        return "must have a host"
    if not colon:
        port = _DEFAULT_PORTS[parts.scheme]
    elif _PORT.fullmatch(port_text) and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        return "must have a port between 1 and 65535"
    host = _normalise_host(raw_host)
    if isinstance(host, str):
        return host
    name, literal = host
    listed = f"{raw_host.lower()}:{port}" in {h.strip().lower() for h in http_hosts}
    if not listed:
        if parts.scheme != "https":
            return "must be an https URL"
        reason = _refusal(literal) if literal is not None else _name_refusal(name)
        if reason is not None:
            return reason
    path_qs = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    addresses = (str(literal),) if literal is not None else ()
    return _Parsed(Target(parts.scheme, name, port, path_qs, addresses), literal, listed)


def _split_netloc(netloc: str) -> tuple[str, str, str] | None:
    """(host, ":" or "", port text), the host keeping IPv6 brackets; None when unclear."""
    if netloc.startswith("["):
        close = netloc.find("]") + 1
        host, colon, port = netloc[:close], netloc[close : close + 1], netloc[close + 1 :]
        return (host, colon, port) if close and colon in ("", ":") else None
    host, colon, port = netloc.partition(":")
    return (host, colon, port) if ":" not in port else None


def _normalise_host(raw: str) -> tuple[str, _Address | None] | str:
    """(normalised name, IP literal or None), or the reason the host is refused."""
    if raw.startswith("["):
        return _ipv6_literal(raw[1:-1])
    try:
        host = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return _BAD_HOST
    if _has_bad_character(host):
        return _BAD_CHARACTERS
    host = unicodedata.normalize("NFKC", host).lower()
    for dot in _DOTS:
        host = host.replace(dot, ".")
    host = host.removesuffix(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return _BAD_HOST
    if len(host) > 253 or not _HOST_NAME.fullmatch(host):
        return _BAD_HOST
    if not _NUMBER.fullmatch(host.rpartition(".")[2]):
        return host, None
    try:  # the resolver's own reading of legacy IPv4 notations
        ip = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return _BAD_HOST
    return str(ip), ip


def _ipv6_literal(text: str) -> tuple[str, _Address | None] | str:
    address, percent, zone = text.partition("%")
    zone = zone.removeprefix("25")  # RFC 6874 writes the zone separator as "%25"
    try:
        ip = ipaddress.IPv6Address(address) if address.isascii() else None
    except ValueError:
        ip = None
    if ip is None or (percent and not _ZONE.fullmatch(zone)):
        return _BAD_HOST
    if percent and not (ip.is_link_local or ip.is_multicast):
        return _BAD_HOST  # a zone id only means something on a scoped address
    return str(ip), ip

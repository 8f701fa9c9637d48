"""Outbound URL checks (SSRF): input-time refusals, address ranges, checked resolution."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hirestream.topics.urls import (
    Target,
    UrlRefused,
    address_refusal,
    allow_listed,
    check_url,
    resolve_for_delivery,
)

LOOPBACK = "loopback"
PRIVATE = "a private address"
LINK_LOCAL = "link-local"
METADATA = "cloud metadata"
INTERNAL = "internal host"
HTTPS = "must be an https URL"
BAD_HOST = "must have a valid host name"
CONTROL = "whitespace or control characters"

# (url, a fragment of the reason): every one must be refused at input, without DNS.
REFUSED = [
    # scheme
    ("http://hooks.example.com/x", HTTPS),
    ("ftp://hooks.example.com/x", HTTPS),
    ("file:///etc/passwd", HTTPS),
    ("gopher://127.0.0.1:70/_x", HTTPS),
    ("javascript:alert(1)", HTTPS),
    ("//hooks.example.com/x", HTTPS),
    ("hooks.example.com/x", HTTPS),
    ("", HTTPS),
    # shape
    ("https://user:pass@hooks.example.com/", "user credentials"),
    ("https://user@hooks.example.com/", "user credentials"),
    ("https://hooks.example.com@127.0.0.1/", "user credentials"),
    ("https://@hooks.example.com/", "user credentials"),
    ("https:///x", "must have a host"),
    ("https://", "must have a host"),
    ("https://:443/", "must have a host"),
    ("https://hooks.example.com:0/", "port between 1 and 65535"),
    ("https://hooks.example.com:65536/", "port between 1 and 65535"),
    ("https://hooks.example.com:0099999/", "port between 1 and 65535"),
    ("https://hooks.example.com:-1/", "port between 1 and 65535"),
    ("https://hooks.example.com:/", "port between 1 and 65535"),
    ("https://hooks.example.com:８０/", "port between 1 and 65535"),
    ("https://hooks.example.com /x", CONTROL),
    ("https://hooks.example.com/x\t", CONTROL),
    ("https://hooks.example.com/\r\nHost: evil", CONTROL),
    ("https://hooks.example.com\x00.evil/", CONTROL),
    ("https://hooks.example.com/\x7f", CONTROL),
    ("https://hooks.example.com/\u00a0", CONTROL),
    ("https://hooks.example.com/\u2028", CONTROL),
    ("https://local\u200bhost/", CONTROL),
    ("https://loca\u00adlhost/", CONTROL),
    ("https://hooks.example.com/\u3000", CONTROL),
    ("https://%20localhost/", CONTROL),
    ("https://hooks.example.com\\@127.0.0.1/", "backslashes"),
    ("https://hooks.example.com/" + "a" * 2030, "at most 2048 characters"),
    # invalid hosts
    ("https://[::1/", "must be a valid URL"),
    ("https://ex\u2100mple.com/", "must be a valid URL"),  # NFKC: "a/c"
    ("https://::1/", BAD_HOST),
    ("https://[v1.fe]/", BAD_HOST),
    ("https://[::1]x/", BAD_HOST),
    ("https://1.2.3.4.5/", BAD_HOST),
    ("https://256.0.0.1/", BAD_HOST),
    ("https://08.0.0.1/", BAD_HOST),
    ("https://foo.123/", BAD_HOST),
    ("https://ex!ample.com/", BAD_HOST),
    ("https://exa..mple.com/", BAD_HOST),
    ("https://localhost../", BAD_HOST),
    ("https://%ff.example.com/", BAD_HOST),
    ("https://[2606:4700::1111%25eth0]/", BAD_HOST),
    # loopback in every notation
    ("https://127.0.0.1/", LOOPBACK),
    ("https://127.0.0.1:8443/cb", LOOPBACK),
    ("HTTPS://127.0.0.1/", LOOPBACK),
    ("https://127.254.3.9/", LOOPBACK),
    ("https://2130706433/", LOOPBACK),
    ("https://0x7f000001/", LOOPBACK),
    ("https://0X7F000001/", LOOPBACK),
    ("https://0x7f.0.0.1/", LOOPBACK),
    ("https://0177.0.0.1/", LOOPBACK),
    ("https://017700000001/", LOOPBACK),
    ("https://127.1/", LOOPBACK),
    ("https://127.0.1/", LOOPBACK),
    ("https://127.0.0.1./", LOOPBACK),
    ("https://１２７．０．０．１/", LOOPBACK),
    ("https://127。0。0。1/", LOOPBACK),
    ("https://%31%32%37.0.0.1/", LOOPBACK),
    ("https://[::1]/", LOOPBACK),
    ("https://[0:0:0:0:0:0:0:1]:8443/", LOOPBACK),
    ("https://[::ffff:127.0.0.1]/", LOOPBACK),
    ("https://[::ffff:7f00:1]/", LOOPBACK),
    ("https://[0:0:0:0:0:ffff:7f00:1]/", LOOPBACK),
    ("https://[::FFFF:7F00:1]/", LOOPBACK),
    ("https://[::127.0.0.1]/", LOOPBACK),
    ("https://[64:ff9b::7f00:1]/", LOOPBACK),
    ("https://[64:ff9b:1::7f00:1]/", LOOPBACK),
    ("https://[2002:7f00:1::]/", LOOPBACK),
    # unspecified, broadcast, reserved
    ("https://0/", "unspecified"),
    ("https://0.0.0.0/", "unspecified"),
    ("https://[::]/", "unspecified"),
    ("https://0.1.2.3/", "reserved"),
    ("https://240.0.0.1/", "reserved"),
    ("https://255.255.255.255/", "broadcast"),
    ("https://4294967295/", "broadcast"),
    # private
    ("https://10.0.0.1/", PRIVATE),
    ("https://10.1/", PRIVATE),
    ("https://012.0.0.1/", PRIVATE),
    ("https://0xa000001/", PRIVATE),
    ("https://167772161/", PRIVATE),
    ("https://172.16.0.1/", PRIVATE),
    ("https://172.31.255.254/", PRIVATE),
    ("https://192.168.1.1/", PRIVATE),
    ("https://[fd12:3456::1]/", PRIVATE),
    ("https://[::ffff:10.0.0.1]/", PRIVATE),
    ("https://[64:ff9b::a00:1]/", PRIVATE),
    ("https://[2002:c0a8:101::]/", PRIVATE),
    # link-local and cloud metadata
    ("https://169.254.1.1/", LINK_LOCAL),
    ("https://[fe80::1]/", LINK_LOCAL),
    ("https://[fe80::1%25eth0]/", LINK_LOCAL),
    ("https://169.254.169.254/latest/meta-data/", METADATA),
    ("https://0xa9fea9fe/", METADATA),
    ("https://2852039166/", METADATA),
    ("https://0251.0376.0251.0376/", METADATA),
    ("https://[::ffff:169.254.169.254]/", METADATA),
    ("https://[::ffff:a9fe:a9fe]/", METADATA),
    ("https://[fd00:ec2::254]/", METADATA),
    ("https://100.100.100.200/", METADATA),
    ("https://192.0.0.192/", METADATA),
    ("https://168.63.129.16/", METADATA),
    # other special ranges
    ("https://100.64.0.1/", "CGNAT"),
    ("https://100.127.255.254/", "CGNAT"),
    ("https://224.0.0.1/", "multicast"),
    ("https://[ff02::1]/", "multicast"),
    ("https://192.0.2.1/", "documentation"),
    ("https://198.51.100.7/", "documentation"),
    ("https://203.0.113.9/", "documentation"),
    ("https://[2001:db8::1]/", "documentation"),
    ("https://198.18.0.1/", "benchmarking"),
    ("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"),
    # internal names
    ("https://localhost/", INTERNAL),
    ("https://LOCALHOST/", INTERNAL),
    ("https://localhost./", INTERNAL),
    ("https://localhost:8443/cb", INTERNAL),
    ("https://api.localhost/", INTERNAL),
    ("https://ｌｏｃａｌｈｏｓｔ/", INTERNAL),
    ("https://localhost。/", INTERNAL),
    ("https://%6c%6f%63%61%6c%68%6f%73%74/", INTERNAL),
    ("https://metadata.google.internal/computeMetadata/v1/", INTERNAL),
    ("https://METADATA.GOOGLE.INTERNAL./", INTERNAL),
    ("https://metadata/", INTERNAL),
    ("https://instance-data/latest/", INTERNAL),
    ("https://ip-10-0-0-1.ec2.internal/", INTERNAL),
    ("https://printer.local/", INTERNAL),
    ("https://box.localdomain/", INTERNAL),
    ("https://nas.home.arpa/", INTERNAL),
    ("https://wiki.intranet/", INTERNAL),
    ("https://router.lan/", INTERNAL),
    ("https://hr.corp/", INTERNAL),
    ("https://kubernetes.default/", INTERNAL),
    ("https://kubernetes.default.svc/", INTERNAL),
    ("https://kubernetes.default.svc.cluster.local/", INTERNAL),
    ("https://api.prod.svc.cluster.local/", INTERNAL),
    ("https://redis.cluster.local/", INTERNAL),
    ("https://intranet-box/", INTERNAL),
    ("https://postgres:5432/", INTERNAL),
]

ACCEPTED = [
    "https://hooks.example.com/x",
    "https://93.184.215.14/cb",
    "https://[2606:4700::1111]/",
    "https://HOOKS.Example.COM/x?y=1#frag",
    "https://hooks.example.com:8443/cb",
    "https://hooks.example.com./x",
    "https://bücher.example/hook",
    "https://xn--bcher-kva.example/hook",
    "https://ats.partner.io/webhooks/interview?token=abc&x=%20y",
    "https://1.1.1.1/",
    "https://8.8.8.8:443/",
    "https://[2001:4860:4860::8888]:8443/x",
    "https://[::ffff:8.8.8.8]/",
    "https://[2002:808:808::1]/",
    "https://[64:ff9b::808:808]/",
    "https://hooks.example.com/ünïcode-path",
    "https://a-b_c.example.co.uk/",
    "https://localhost.example.com/",
    "https://example.local.com/",
    "https://my.corp.example.com/",
    "https://hooks.example.com:65535/",
    "https://hooks.example.com/" + "a" * 2000,
]


@pytest.mark.parametrize(("url", "fragment"), REFUSED)
def test_refused_at_input(url: str, fragment: str) -> None:
    reason = check_url(url)
    assert reason is not None and fragment in reason, (url, reason)
    assert reason.startswith("must ")


@pytest.mark.parametrize("url", ACCEPTED)
def test_public_urls_are_accepted(url: str) -> None:
    assert check_url(url) is None


def test_corpus_sizes() -> None:
    assert len(REFUSED) >= 60 and len(ACCEPTED) >= 15


def test_internal_name_reason_names_the_normalised_host() -> None:
    reason = check_url("https://METADATA.Google.Internal./x")
    assert reason == "must not name an internal host (metadata.google.internal)"


def test_url_refused_is_a_value_error_with_a_reason() -> None:
    refused = UrlRefused("must be an https URL")
    assert isinstance(refused, ValueError) and refused.reason == str(refused)


DEV = frozenset({"127.0.0.1:9000", "Localhost:8080", "[::1]:9001", "dev.example.com:80"})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/cb",
        "https://127.0.0.1:9000/cb",
        "http://LOCALHOST:8080/",
        "http://localhost:8080/cb?x=1",
        "http://[::1]:9001/",
        "http://dev.example.com/hook",
        "http://dev.example.com:80/hook",
    ],
)
def test_allow_listed_hosts_may_use_http_and_skip_address_checks(url: str) -> None:
    assert check_url(url, DEV) is None
    assert allow_listed(url, DEV)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://127.0.0.1:9001/cb", HTTPS),  # another port
        ("https://127.0.0.1:9001/cb", LOOPBACK),
        ("http://localhost/", HTTPS),  # port 80 is not listed
        ("https://localhost:8443/", INTERNAL),
        ("http://0x7f.0.0.1:9000/", HTTPS),  # exact host only
        ("http://127.0.0.1.:9000/", HTTPS),
        ("http://[::1]:9000/", HTTPS),
        ("http://dev.example.com:8080/", HTTPS),
        ("http://user@127.0.0.1:9000/", "user credentials"),
        ("http://127.0.0.1:9000/ x", CONTROL),
    ],
)
def test_allow_list_is_exact(url: str, fragment: str) -> None:
    reason = check_url(url, DEV)
    assert reason is not None and fragment in reason, (url, reason)
    assert not allow_listed(url, DEV)


def test_allow_list_default_ports_and_empty_list() -> None:
    assert allow_listed("https://dev.example.com:443/", frozenset({"dev.example.com:443"}))
    assert not allow_listed("https://dev.example.com/", DEV)  # 443, listed is :80
    assert check_url("https://dev.example.com/", DEV) is None  # public https anyway
    assert check_url("http://127.0.0.1:9000/cb") == HTTPS


@pytest.mark.parametrize(
    ("address", "fragment"),
    [
        ("127.0.0.1", LOOPBACK),
        ("127.255.255.254", LOOPBACK),
        ("::1", LOOPBACK),
        ("10.0.0.1", PRIVATE),
        ("172.16.5.4", PRIVATE),
        ("192.168.0.1", PRIVATE),
        ("fc00::1", PRIVATE),
        ("fd12:3456:789a::1", PRIVATE),
        ("fec0::1", PRIVATE),
        ("169.254.0.1", LINK_LOCAL),
        ("fe80::1", LINK_LOCAL),
        ("fe80::1%eth0", LINK_LOCAL),
        ("100.64.0.1", "CGNAT"),
        ("224.0.0.251", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::fb", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("::", "unspecified"),
        ("0.255.0.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("192.0.0.8", "reserved"),
        ("192.0.2.33", "documentation"),
        ("198.51.100.1", "documentation"),
        ("203.0.113.250", "documentation"),
        ("2001:db8::1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("198.19.255.255", "benchmarking"),
        ("169.254.169.254", METADATA),
        ("169.254.170.2", METADATA),
        ("fd00:ec2::254", METADATA),
        ("100.100.100.200", METADATA),
        ("192.0.0.192", METADATA),
        ("::ffff:127.0.0.1", LOOPBACK),
        ("::ffff:7f00:1", LOOPBACK),
        ("::ffff:169.254.169.254", METADATA),
        ("::ffff:0:10.0.0.1", PRIVATE),
        ("::127.0.0.1", LOOPBACK),
        ("::8.8.8.8", "IPv4-compatible"),
        ("64:ff9b::7f00:1", LOOPBACK),
        ("64:ff9b::a9fe:a9fe", METADATA),
        ("64:ff9b:1::a00:1", PRIVATE),
        ("64:ff9b:1::808:808", "local-use NAT64"),
        ("2002:7f00:1::", LOOPBACK),
        ("2002:a00:1::1", PRIVATE),
        ("2001::1", "Teredo"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("100::1", "reserved"),
        ("4000::1", "reserved"),
        ("not-an-ip", "valid IP address"),
        ("", "valid IP address"),
        ("0x7f.1", "valid IP address"),
    ],
)
def test_address_refusal(address: str, fragment: str) -> None:
    reason = address_refusal(address)
    assert reason is not None and fragment in reason, (address, reason)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700::1111",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "2002:808:808::1",
        "64:ff9b::808:808",
    ],
)
def test_public_addresses(address: str) -> None:
    assert address_refusal(address) is None


def resolver_returning(*addresses: str) -> tuple[Any, list[tuple[str, int]]]:
    calls: list[tuple[str, int]] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return list(addresses)

    return resolve, calls


async def test_public_name_resolves_to_checked_addresses() -> None:
    resolve, calls = resolver_returning("93.184.215.14", "2606:4700::1111", "93.184.215.14")
    target = await resolve_for_delivery(
        "https://Partner.Example.com/hook?a=1#frag", frozenset(), resolve
    )
    assert target == Target(
        "https", "partner.example.com", 443, "/hook?a=1", ("93.184.215.14", "2606:4700::1111")
    )
    assert calls == [("partner.example.com", 443)]


@pytest.mark.parametrize(
    ("addresses", "fragment"),
    [
        (("127.0.0.1",), LOOPBACK),
        (("169.254.169.254",), METADATA),
        (("10.0.0.7",), PRIVATE),
        (("::ffff:10.0.0.1",), PRIVATE),
        (("fe80::1%eth0",), LINK_LOCAL),
        (("93.184.215.14", "192.168.1.20"), PRIVATE),  # one bad address refuses them all
        (("2606:4700::1111", "::1"), LOOPBACK),
        ((), "must resolve to at least one address"),
    ],
)
async def test_resolution_to_an_internal_address_is_refused(
    addresses: tuple[str, ...], fragment: str
) -> None:
    resolve, _ = resolver_returning(*addresses)
    with pytest.raises(UrlRefused) as refused:
        await resolve_for_delivery("https://partner.example.com/", frozenset(), resolve)
    assert fragment in refused.value.reason


async def test_input_refusal_raises_before_resolving() -> None:
    resolve, calls = resolver_returning("93.184.215.14")
    with pytest.raises(UrlRefused, match="internal host"):
        await resolve_for_delivery("https://metadata.google.internal/", frozenset(), resolve)
    assert calls == []


async def test_literals_are_not_resolved_and_are_normalised() -> None:
    resolve, calls = resolver_returning("127.0.0.1")
    target = await resolve_for_delivery("https://0x5d.0xb8.0xd7.0x0e:8443", frozenset(), resolve)
    assert target == Target("https", "93.184.215.14", 8443, "/", ("93.184.215.14",))
    target = await resolve_for_delivery("https://[2606:4700:0::1111]/x", frozenset(), resolve)
    assert (target.host, target.addresses) == ("2606:4700::1111", ("2606:4700::1111",))
    assert calls == []


async def test_allow_listed_entries_skip_the_address_check() -> None:
    resolve, calls = resolver_returning("10.0.0.1")
    target = await resolve_for_delivery("http://127.0.0.1:9000/cb", DEV, resolve)
    assert target == Target("http", "127.0.0.1", 9000, "/cb", ("127.0.0.1",))
    named = await resolve_for_delivery("http://localhost:8080/cb", DEV, resolve)
    assert named == Target("http", "localhost", 8080, "/cb", ())  # connect by name
    assert calls == []


async def test_idn_host_is_resolved_in_ascii() -> None:
    resolve, calls = resolver_returning("93.184.215.14")
    await resolve_for_delivery("https://bücher.example/", frozenset(), resolve)
    assert calls == [("xn--bcher-kva.example", 443)]


async def test_default_resolver_uses_the_loop_getaddrinfo(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[object, ...]] = []

    async def getaddrinfo(host: str, port: int, **kwargs: Any) -> list[Any]:
        seen.append((host, port, kwargs.get("type")))
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
        ]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    with pytest.raises(UrlRefused, match=LOOPBACK):
        await resolve_for_delivery("https://partner.example.com/", frozenset())
    assert seen == [("partner.example.com", 443, socket.SOCK_STREAM)]


_URLISH = st.text(
    alphabet=st.sampled_from("[]:@%./\\?#0x7fFe1 ．１ｌ。\u00ad\u2100-_"), max_size=40
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text().map("https://".__add__),
        _URLISH.map("https://".__add__),
        _URLISH.map("http://".__add__),
    )
)
def test_check_url_never_raises(text: str) -> None:
    reason = check_url(text, DEV)
    assert reason is None or reason.startswith("must ")

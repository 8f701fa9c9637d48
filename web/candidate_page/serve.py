"""Serving the candidate page (docs/api.md §6): its headers, the filled template, the 404 page,
its two assets, and the aiohttp routes that put them together.

The page is static apart from one substitution: the API prefix, HTML-escaped into
``<meta name="api-prefix">``. The token never goes into the HTML; the page reads it from its own
URL path (``/interview/join/<token>``) and sends it only to this origin.

Wiring it into an application::

    app.router.add_routes(page_routes(settings.api_prefix, token_is_valid))

where ``token_is_valid(token)`` answers whether a candidate token is usable (not tampered with,
expired, unknown or cancelled). The handlers are marked public for ``auth_middleware``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Final

from aiohttp import web

from hirestream.web.auth import PUBLIC, requires

#: The Content-Security-Policy of the page and its assets: only this origin's script, style and
#: connections (fetch and the WebSocket), nothing inline, no framing, no form posts.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

#: Sent with the page, the 404 page and the assets.
PAGE_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

HTML_TYPE: Final = "text/html; charset=utf-8"
#: The assets the page loads, by name, with their content types; nothing else is served.
ASSET_TYPES: Final[dict[str, str]] = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
#: The page's icon: without one, browsers ask for /favicon.ico and log the 404 as an error (a
#: ``data:`` icon would break ``img-src 'self'``). A plain speech bubble, no brand.
ICON_SVG: Final = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    b'<rect width="32" height="32" rx="7" fill="#1d4ed8"/>'
    b'<path d="M8 8h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-9a2 2 0 0 1 '
    b'2-2z" fill="#fff"/></svg>'
)
#: Where the template takes the API prefix (once, inside an attribute value).
PREFIX_PLACEHOLDER: Final = "{{api_prefix}}"
#: Longer path segments are refused without asking ``token_is_valid`` (tokens are at most 128
#: characters, docs/api.md §6).
MAX_TOKEN_CHARS: Final = 512


@functools.cache
def _read(name: str) -> bytes:
    """A file of this package (only ever called with a fixed name)."""
    return resources.files(__name__.rpartition(".")[0]).joinpath(name).read_bytes()


@functools.lru_cache(maxsize=8)
def page_html(api_prefix: str) -> bytes:
    """``join.html`` with ``api_prefix`` HTML-escaped into its ``api-prefix`` meta element."""
    template = _read("join.html").decode("utf-8")
    if template.count(PREFIX_PLACEHOLDER) != 1:
        raise RuntimeError(f"join.html must hold {PREFIX_PLACEHOLDER} exactly once")
    return template.replace(PREFIX_PLACEHOLDER, html.escape(api_prefix, quote=True)).encode()


def not_found_html() -> bytes:
    """The page for an invalid or expired link: clear, brandless, the same style sheet."""
    return _read("not_found.html")


def asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and content type of ``app.js``, ``style.css`` or ``icon.svg``; None for any
    other name (the name is looked up, never joined to a path)."""
    content_type = ASSET_TYPES.get(name)
    if content_type is None:
        return None
    return (ICON_SVG if name == "icon.svg" else _read(name)), content_type


def _response(body: bytes, content_type: str, status: int = 200) -> web.Response:
    response = web.Response(body=body, status=status, headers=PAGE_HEADERS)
    response.headers["Content-Type"] = content_type
    return response


def page_routes(
    api_prefix: str, token_is_valid: Callable[[str], Awaitable[bool]]
) -> list[web.RouteDef]:
    """``GET /interview/join/{token}`` (the page, or the 404 page for a token
    ``token_is_valid`` refuses) and ``GET /interview/assets/{name}``, with ``PAGE_HEADERS``.
    HEAD is answered too."""
    page = page_html(api_prefix)  # read now: a broken template fails at start-up

    @requires(PUBLIC)
    async def join_page(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if len(token) > MAX_TOKEN_CHARS or not await token_is_valid(token):
            return _response(not_found_html(), HTML_TYPE, 404)
        return _response(page, HTML_TYPE)

    @requires(PUBLIC)
    async def page_asset(request: web.Request) -> web.Response:
        found = asset(request.match_info["name"])
        if found is None:
            return _response(b"Not found\n", "text/plain; charset=utf-8", 404)
        return _response(*found)

    return [
        web.get("/interview/join/{token}", join_page),
        web.get("/interview/assets/{name}", page_asset),
    ]

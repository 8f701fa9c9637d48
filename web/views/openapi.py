"""GET /openapi.json: the OpenAPI 3.1 document of the API (``web/openapi.json``), public.

The document is data kept next to the code; it is read once, on the first request, and served
as stored. ``tests/unit/test_openapi.py`` keeps it and the registered routes in step.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from aiohttp import web

from hirestream.web.auth import PUBLIC, requires

DOCUMENT = "openapi.json"


@cache
def document_bytes() -> bytes:
    """The document as stored (UTF-8 JSON), read once."""
    return resources.files("hirestream.web").joinpath(DOCUMENT).read_bytes()


@requires(PUBLIC)
async def openapi_document(request: web.Request) -> web.Response:
    return web.Response(
        body=document_bytes(),
        content_type="application/json",
        charset="utf-8",
    )

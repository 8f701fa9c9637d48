"""The API's own documents, public: GET /openapi.json, the OpenAPI 3.1 document of the API
(``web/openapi.json``), and GET /schemas/<name>.json, the JSON Schemas of the Kafka contract.

The document is data kept next to the code; it is read once, on the first request, and served
as stored. ``tests/unit/test_openapi.py`` keeps it and the registered routes in step.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import orjson
from aiohttp import web

from hirestream.web.auth import PUBLIC, requires
from hirestream.web.errors import Problem

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


@cache
def schema_names() -> frozenset[str]:
    """The published JSON Schemas of the Kafka contract (``topics/published``)."""
    folder = resources.files("hirestream.topics.published")
    return frozenset(
        e.name.removesuffix(".json") for e in folder.iterdir() if e.name.endswith(".json")
    )


@requires(PUBLIC)
async def kafka_schema(request: web.Request) -> web.Response:
    """GET /schemas/<name>.json: the JSON Schema of a command or event (docs/kafka.md);
    ``index.json`` lists them."""
    name = request.match_info["name"]
    if name == "index":
        body = orjson.dumps({"schemas": [f"{n}.json" for n in sorted(schema_names())]})
    elif name in schema_names():
        folder = resources.files("hirestream.topics.published")
        body = folder.joinpath(f"{name}.json").read_bytes()
    else:
        raise Problem(404, f"No schema named {name[:100]}.json: see schemas/index.json")
    return web.Response(body=body, content_type="application/json", charset="utf-8")

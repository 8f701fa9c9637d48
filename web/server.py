"""The worker's HTTP server as a mode Service, started with the Faust app (before table
recovery, so that reads during recovery can answer 503 rather than refuse connections).

**Responses aiohttp makes itself.** A request aiohttp cannot parse (a header line over
``max_field_size``, too many header fields, a bad request line, a bad header, broken body
framing) never reaches the application: aiohttp's protocol (``RequestHandler``) answers it in
``handle_error``, by default with a text/plain body that echoes part of the request and a
``Server: Python/x aiohttp/y`` banner. aiohttp has no option for that answer (issue
aio-libs/aiohttp#3287), so:

* ``ApiRequestHandler`` is aiohttp's protocol with ``handle_error`` overridden: the API's error
  body (``statusCode``, ``message``, ``error``, ``requestId``) with ``X-Request-ID`` — 431
  "Request header fields too large" for a line over ``max_field_size`` (aiohttp's default of
  8190 bytes, kept) or more than ``max_headers`` (128) fields, 400 for any other unparsable
  request — and nothing of the request in the body or the log line;
* ``ApiServer`` is aiohttp's low-level ``Server`` making an ``ApiRequestHandler`` for each
  connection (the one method it overrides is ``__call__``, the protocol factory);
* ``ApiAppRunner`` is an ``AppRunner`` whose server is an ``ApiServer`` (it overrides
  ``_make_server``, the runner's one factory method; all other settings are aiohttp's).

This relies on aiohttp 3's ``Server.__call__`` and ``RequestHandler.handle_error``; the
integration tests send malformed requests over raw sockets, so an aiohttp that changes them
fails those tests rather than silently going back to its defaults.

**Headers on every response.** ``RESPONSE_HEADERS`` (``Server: hirestream``, no versions, and
``X-Content-Type-Options: nosniff``) are set by ``secure_headers``, an ``on_response_prepare``
signal of the application, and by ``ApiRequestHandler`` on the answers it makes itself.
"""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, BadHttpMethod, LineTooLong
from mode import Service

from hirestream.web.errors import json_response, problem_body
from hirestream.web.keys import REQUEST_ID

log = logging.getLogger(__name__)

#: Sent on every response: no version banner, and no content sniffing by browsers.
RESPONSE_HEADERS: Final[dict[str, str]] = {
    "Server": "hirestream",
    "X-Content-Type-Options": "nosniff",
}
_TOO_MANY_HEADERS: Final = "Too many headers received"  # aiohttp's message (both parsers)


async def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` signal: put ``RESPONSE_HEADERS`` on a response."""
    response.headers.update(RESPONSE_HEADERS)


def is_header_overflow(exc: BaseException | None) -> bool:
    """Whether aiohttp refused a request head for its size: a line over the limit or too many
    header fields (aiohttp cannot tell an overlong request line from an overlong header)."""
    if isinstance(exc, LineTooLong):
        return True
    return isinstance(exc, BadHttpMessage) and exc.message == _TOO_MANY_HEADERS


def refusal_message(exc: BaseException | None) -> str:
    """What is wrong with a request aiohttp could not parse, without anything from it."""
    if isinstance(exc, BadHttpMethod):
        return "Malformed HTTP request: bad request line (HTTPS sent to an HTTP port?)"
    if isinstance(exc, BadHttpMessage):
        return "Malformed HTTP request: bad request line, header or body framing"
    return "Malformed HTTP request"


class ApiRequestHandler(web.RequestHandler):
    """aiohttp's HTTP/1 protocol for one connection, answering the requests it cannot parse
    (and errors that escape every middleware) in the API's error shape."""

    __slots__ = ()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # as aiohttp: too late for another response
            raise ConnectionError("Response is sent already, cannot send an error response")
        rid = request.get(REQUEST_ID) or str(uuid.uuid4())
        if status >= 500:  # an error that escaped the application (its middleware logs most)
            log.error("event=http.failed status=%s request=%s", status, rid, exc_info=exc)
            text = "Internal server error" if status == 500 else HTTPStatus(status).phrase
        else:  # a request aiohttp could not parse: logged without any of its content
            if is_header_overflow(exc):
                status = 431
                text = (
                    f"Request header fields too large (at most {self.max_field_size} bytes "
                    f"per line and {self.max_headers} header fields)"
                )
            else:
                text = refusal_message(exc)
            reason = type(exc).__name__
            log.info("event=http.refused status=%s reason=%s request=%s", status, reason, rid)
        response = json_response(
            problem_body(status, text, rid), status, {**RESPONSE_HEADERS, "X-Request-ID": rid}
        )
        response.force_close()
        return response


class ApiServer(web.Server):
    """aiohttp's low-level server, with an ``ApiRequestHandler`` for each connection."""

    def __call__(self) -> web.RequestHandler:
        return ApiRequestHandler(self, loop=self._loop, **self._kwargs)


class ApiAppRunner(web.AppRunner):
    """``web.AppRunner`` serving its application through an ``ApiServer``."""

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()
        return ApiServer(
            made.request_handler,
            request_factory=made.request_factory,
            handler_cancellation=made.handler_cancellation,
            **made._kwargs,
        )


class WebServer(Service):
    """The worker's HTTP server: the application on ``host:port`` through ``ApiAppRunner``."""

    def __init__(self, app: web.Application, host: str, port: int, **kwargs: Any) -> None:
        self._web_app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        self._runner = ApiAppRunner(self._web_app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True)
        await site.start()
        log.info("event=web.started url=http://%s:%s", self._host, self._port)

    async def on_stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            log.info("event=web.stopped")

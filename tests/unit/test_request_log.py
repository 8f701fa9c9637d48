"""The request log line (web/errors.py): one line per request, never a credential."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hirestream.web.errors import error_middleware, request_id_middleware

TOKEN = "AQF2b2tlbi10aGF0LWlzLWEtY3JlZGVudGlhbA"


async def _ok(request: web.Request) -> web.Response:
    return web.json_response({})


def _app() -> web.Application:
    app = web.Application(middlewares=[request_id_middleware, error_middleware])
    app.router.add_get("/api/v1/candidate-access/{token}", _ok)
    app.router.add_post("/api/v1/candidate-access/{token}/start", _ok)
    app.router.add_get("/interview/join/{token}", _ok)
    app.router.add_get("/api/v1/sessions/{sessionId}/ws", _ok)
    app.router.add_get("/api/v1/interviews/{id}", _ok)
    return app


@pytest.mark.parametrize(
    ("method", "path", "logged"),
    [
        ("GET", f"/api/v1/candidate-access/{TOKEN}", "/api/v1/candidate-access/{token}"),
        (
            "POST",
            f"/api/v1/candidate-access/{TOKEN}/start",
            "/api/v1/candidate-access/{token}/start",
        ),
        ("GET", f"/interview/join/{TOKEN}", "/interview/join/{token}"),
        ("GET", f"/api/v1/sessions/s-1/ws?token={TOKEN}", "/api/v1/sessions/s-1/ws"),
    ],
)
async def test_a_candidate_token_is_never_logged(
    caplog: pytest.LogCaptureFixture, method: str, path: str, logged: str
) -> None:
    caplog.set_level(logging.INFO, logger="hirestream.web.errors")
    async with TestClient(TestServer(_app())) as client:
        answer = await client.request(method, path)
        assert answer.status == 200
    lines = [r.getMessage() for r in caplog.records if "event=http.request" in r.getMessage()]
    assert len(lines) == 1
    assert TOKEN not in lines[0]
    assert f"path={logged} " in lines[0]


async def test_other_paths_are_logged_as_they_are(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hirestream.web.errors")
    async with TestClient(TestServer(_app())) as client:
        assert (await client.get("/api/v1/interviews/abc")).status == 200
        assert (await client.get("/api/v1/nowhere")).status == 404
    lines = [r.getMessage() for r in caplog.records if "event=http.request" in r.getMessage()]
    assert "path=/api/v1/interviews/abc " in lines[0]
    assert "path=/api/v1/nowhere " in lines[1]

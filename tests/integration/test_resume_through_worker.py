"""POST /interviews/parse-resume through a whole worker: permission, success, refusal."""

from __future__ import annotations

import aiohttp
import pytest

from tests import resume_fixtures as fx
from tests.conftest import auth
from tests.support.workers import Worker

pytestmark = pytest.mark.integration


def upload(document: fx.Generated) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", document.data, filename=document.name)
    return form


async def test_parse_resume_needs_interview_create(
    http: aiohttp.ClientSession, worker: Worker, tenant: str
) -> None:
    pdf = fx.generated("resume.pdf")  # a two-page résumé made by the tests
    url = f"{worker.api}/interviews/parse-resume"
    async with http.post(url, data=upload(pdf), headers=auth(tenant, "VIEWER")) as r:
        assert r.status == 403
        assert (await r.json())["message"] == "Insufficient permissions. Required: interview:create"
    async with http.post(url, data=upload(pdf)) as r:
        assert r.status == 401
    async with http.post(url, data=upload(pdf), headers=auth(tenant, "RECRUITER")) as r:
        assert r.status == 200, await r.text()
        body = await r.json()
    assert set(body) == {"resumeText", "originalLength"}
    assert len(body["resumeText"]) > 200 and body["originalLength"] >= len(body["resumeText"]) // 2
    async with http.post(url, json={"file": "x"}, headers=auth(tenant)) as r:
        assert r.status == 400
        answer = await r.json()
    assert answer["code"] == "not_multipart" and answer["requestId"]

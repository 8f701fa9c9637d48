"""The LLM scorer against a local OpenAI-compatible server (aiohttp on 127.0.0.1, a free port):
a good answer is used; every kind of bad answer, an HTTP error, a dead server and a slow answer
fall back to the rubric scorer. Needs no Kafka."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from hirestream.agents.assessor.scorers import (
    PROMPT_VERSION,
    LlmScorer,
    RubricScorer,
    scorer_from_settings,
)
from hirestream.agents.assessor.scoring import MODEL_NAME, VERSION, assess
from tests.support.workers import free_port
from tests.unit.test_assessor_scoring import PLAN, SKILLS, STRONG, transcript

pytestmark = pytest.mark.integration

API_KEY = "sk-test-123"
TURNS = transcript(STRONG)
CANDIDATE = [t["index"] for t in TURNS if t["role"] == "candidate"]
Reply = Callable[[dict[str, Any]], Awaitable[web.StreamResponse]]


def completion(content: str, model: str = "fake-gpt-2025-01") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }


def good_answer() -> dict[str, Any]:
    """A valid answer: each competency scored 3 on the answers to its questions."""
    entries = []
    for skill in SKILLS:
        evidence = [
            TURNS[n + 1]["index"] for n, t in enumerate(TURNS[:-1]) if t.get("skill") == skill
        ]
        entries.append(
            {"skill": skill, "score": 3, "evidence": evidence, "rationale": "Solid answers."}
        )
    return {"skills": entries}


def with_entry(change: dict[str, Any], position: int = 0) -> dict[str, Any]:
    answer = good_answer()
    answer["skills"][position] = {**answer["skills"][position], **change}
    return answer


class FakeLlm:
    """An OpenAI chat completions endpoint whose reply each test chooses."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.reply: Reply = self.json_reply(completion(json.dumps(good_answer())))
        self.url = ""

    @staticmethod
    def json_reply(body: Any, status: int = 200) -> Reply:
        async def reply(_: dict[str, Any]) -> web.StreamResponse:
            return web.json_response(body, status=status)

        return reply

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        return await self.reply(body)


@pytest.fixture
async def llm() -> AsyncIterator[FakeLlm]:
    fake = FakeLlm()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.handle)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.url = f"http://127.0.0.1:{port}/v1/"
    try:
        yield fake
    finally:
        await runner.cleanup()


def scorer(fake: FakeLlm, **kwargs: Any) -> LlmScorer:
    options: dict[str, Any] = {"api_key": API_KEY, "timeout_s": 5.0, **kwargs}
    return LlmScorer(url=fake.url, model="fake-gpt", **options)


async def test_a_good_answer_is_used(llm: FakeLlm) -> None:
    result = await scorer(llm).score(TURNS, PLAN)
    assert result["model"] == {"name": "fake-gpt-2025-01", "version": PROMPT_VERSION}
    assert [s["skill"] for s in result["skills"]] == SKILLS
    assert [s["score"] for s in result["skills"]] == [3, 3, 3, 3]
    assert result["skills"][0]["evidence"] == [3, 5]
    assert [s["required"] for s in result["skills"]] == [True, True, True, False]
    assert result["overallScore"] == 75
    assert result["recommendation"] == "HIRE"


async def test_the_request_follows_the_protocol_and_holds_no_personal_data(
    llm: FakeLlm,
) -> None:
    personal = {"candidateName": "Jane Smith", "candidateEmail": "jane@example.com"}
    turns = [{**t, **personal} for t in TURNS]
    turns[1] = {**turns[1], "text": "Yes. Write to me at jane.smith@example.com if I drop."}
    plan = {**PLAN, **personal, "inputs": {**PLAN["inputs"], **personal}}
    await scorer(llm).score(turns, plan)
    (body,) = llm.bodies
    assert set(body) == {"model", "messages", "response_format", "temperature"}
    assert body["model"] == "fake-gpt"
    assert body["response_format"] == {"type": "json_object"}
    assert body["temperature"] == 0
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert llm.headers[0]["Authorization"] == f"Bearer {API_KEY}"
    sent = json.dumps(body)
    for secret in ("Jane", "Smith", "jane@example.com", "example.com"):
        assert secret not in sent
    shown = json.loads(body["messages"][1]["content"])
    assert [c["skill"] for c in shown["competencies"]] == SKILLS
    assert shown["competencies"][0]["questions"][0]["goodAnswerCovers"]
    assert [t["index"] for t in shown["transcript"]] == [t["index"] for t in TURNS]
    assert shown["transcript"][1]["text"] == "Yes. Write to me at [email] if I drop."


async def test_no_key_sends_no_authorization(llm: FakeLlm) -> None:
    await scorer(llm, api_key=None).score(TURNS, PLAN)
    assert "Authorization" not in llm.headers[0]


BAD_ANSWERS: dict[str, Any] = {
    "malformed JSON": "{'skills': [",
    "not an object": json.dumps([good_answer()]),
    "extra key": json.dumps({**good_answer(), "overallScore": 75}),
    "score above 4": json.dumps(with_entry({"score": 5})),
    "negative score": json.dumps(with_entry({"score": -1})),
    "fractional score": json.dumps(with_entry({"score": 2.5})),
    "score as text": json.dumps(with_entry({"score": "3"})),
    "unknown skill": json.dumps(with_entry({"skill": "Haskell"})),
    "missing skill": json.dumps({"skills": good_answer()["skills"][:3]}),
    "skill twice": json.dumps({"skills": [*good_answer()["skills"], good_answer()["skills"][0]]}),
    "evidence on an interviewer turn": json.dumps(with_entry({"evidence": [2]})),
    "evidence on no turn": json.dumps(with_entry({"evidence": [99]})),
    "score without evidence": json.dumps(with_entry({"evidence": []})),
    "empty rationale": json.dumps(with_entry({"rationale": " "})),
    "missing rationale": json.dumps(
        {
            "skills": [
                {k: v for k, v in e.items() if k != "rationale"} for e in good_answer()["skills"]
            ]
        }
    ),
}


@pytest.mark.parametrize("content", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
async def test_an_invalid_answer_falls_back_to_the_rubric(
    llm: FakeLlm, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    llm.reply = FakeLlm.json_reply(completion(content))
    with caplog.at_level(logging.WARNING, logger="hirestream.agents.assessor.scorers"):
        result = await scorer(llm).score(TURNS, PLAN)
    assert result == assess(TURNS, PLAN)
    assert result["model"] == {"name": MODEL_NAME, "version": VERSION}
    (record,) = caplog.records
    assert "fake-gpt failed" in record.getMessage()
    assert "Jane" not in record.getMessage() and "\n" not in record.getMessage()


BAD_REPLIES: dict[str, Reply] = {
    "HTTP 500": FakeLlm.json_reply({"error": {"message": "boom"}}, status=500),
    "HTTP 429": FakeLlm.json_reply({"error": {"message": "slow down"}}, status=429),
    "no choices": FakeLlm.json_reply({"choices": []}),
    "not JSON": lambda _: asyncio.sleep(0, web.Response(text="<html>gateway</html>")),
}


@pytest.mark.parametrize("reply", BAD_REPLIES.values(), ids=BAD_REPLIES.keys())
async def test_a_failed_call_falls_back_to_the_rubric(
    llm: FakeLlm, reply: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    llm.reply = reply
    with caplog.at_level(logging.WARNING, logger="hirestream.agents.assessor.scorers"):
        result = await scorer(llm).score(TURNS, PLAN)
    assert result["model"]["name"] == MODEL_NAME
    assert result == assess(TURNS, PLAN)
    assert len(caplog.records) == 1


async def test_a_slow_answer_times_out_to_the_rubric(
    llm: FakeLlm, caplog: pytest.LogCaptureFixture
) -> None:
    async def slow(_: dict[str, Any]) -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.json_response(completion(json.dumps(good_answer())))

    llm.reply = slow
    loop = asyncio.get_running_loop()
    started = loop.time()
    with caplog.at_level(logging.WARNING, logger="hirestream.agents.assessor.scorers"):
        result = await scorer(llm, timeout_s=0.3).score(TURNS, PLAN)
    assert loop.time() - started < 2
    assert result["model"]["name"] == MODEL_NAME
    assert "no answer within 0.3 s" in caplog.records[0].getMessage()


async def test_a_dead_server_falls_back_to_the_rubric() -> None:
    dead = LlmScorer(url=f"http://127.0.0.1:{free_port()}/v1", model="m", timeout_s=2)
    result = await dead.score(TURNS, PLAN)
    assert result["model"] == {"name": MODEL_NAME, "version": VERSION}


async def test_scorer_from_settings_chooses_by_configuration(llm: FakeLlm) -> None:
    for url in (None, "", "   "):
        chosen = scorer_from_settings(llm_url=url, llm_model="ignored")
        assert isinstance(chosen, RubricScorer)
        assert (chosen.name, chosen.version) == (MODEL_NAME, VERSION)
        assert await chosen.score(TURNS, PLAN) == assess(TURNS, PLAN)
    configured = scorer_from_settings(llm_url=llm.url, llm_model="fake-gpt", llm_api_key="")
    assert isinstance(configured, LlmScorer)
    assert configured.endpoint == llm.url.rstrip("/") + "/chat/completions"
    assert configured.timeout_s == 20.0 and configured.name == "fake-gpt"
    assert (await configured.score(TURNS, PLAN))["model"]["name"] == "fake-gpt-2025-01"
    assert "Authorization" not in llm.headers[0]
    with pytest.raises(ValueError, match="HIRESTREAM_LLM_MODEL"):
        scorer_from_settings(llm_url=llm.url, llm_model=" ")
    with pytest.raises(ValueError, match="HIRESTREAM_LLM_TIMEOUT_S"):
        scorer_from_settings(llm_url=llm.url, llm_model="m", llm_timeout_s=0)
    with pytest.raises(ValueError, match="HIRESTREAM_LLM_URL"):
        scorer_from_settings(llm_url="ftp://example.com", llm_model="m")

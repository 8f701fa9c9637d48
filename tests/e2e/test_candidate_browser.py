"""The candidate journey in a real browser against a real worker: the link read from the email
the SMTP sink received, opened in Debian's chromium, the interview started, every question
answered, the completion screen shown, and the completion on its Kafka topic."""

from __future__ import annotations

import re

import aiohttp
import orjson
import pytest
from playwright.async_api import Browser, expect

from hirestream.stack import read_maildir
from tests.conftest import auth
from tests.e2e.test_candidate_page import (  # the browser fixtures and helpers
    ARTIFACTS,
    browser,
    browsing,
    chromium,
)
from tests.integration.test_candidate_journey import approved_interview, invite
from tests.integration.test_topics import read_all
from tests.support.waiting import eventually
from tests.support.workers import Worker

pytestmark = pytest.mark.e2e

__all__ = ["browser", "chromium"]  # fixtures, used by name

LINK = re.compile(r"(https?://\S+/interview/join/[A-Za-z0-9_-]+)")


async def test_a_candidate_takes_the_interview_from_the_emailed_link(
    http: aiohttp.ClientSession,
    worker: Worker,
    tenant: str,
    stack_env: dict[str, str],
    browser: Browser,
) -> None:
    interview_id = await approved_interview(http, worker, tenant)
    token = (await invite(http, worker, tenant, interview_id))["token"]

    async def emailed_link() -> str | None:
        for message in read_maildir():
            text = message.message.get_body(preferencelist=("plain",))
            found = LINK.search(text.get_content() if text is not None else "")
            if found and found.group(1).endswith(token):
                return found.group(1)
        return None

    link = await eventually(emailed_link, "the link in the delivered email")
    # APP_URL of the test worker is its own address; the link opens the worker's page.
    link = re.sub(r"^https?://[^/]+", worker.url, link)
    artifacts = ARTIFACTS / "journey"
    artifacts.mkdir(parents=True, exist_ok=True)
    async with browsing(browser) as (_, page, problems):
        response = await page.goto(link)
        assert response is not None and response.status == 200
        await expect(page.get_by_text("Senior Engineer").first).to_be_visible()
        await page.screenshot(path=str(artifacts / "01-welcome.png"), full_page=True)
        await page.get_by_role("button", name="Start the interview").click()
        answered = 0
        done = page.locator("#done-view")
        asked = page.locator("#transcript li.message-interviewer")
        while True:
            # the next question on screen (one more than answered), or the completion screen
            await page.wait_for_function(
                "(n) => !document.querySelector('#done-view').hidden || ("
                " document.querySelectorAll('#transcript li.message-interviewer').length > n"
                " && !document.querySelector('#send-button').disabled)",
                arg=answered,
                timeout=15_000,
            )
            if await done.is_visible():
                break
            assert answered < 40 and await asked.count() == answered + 1
            box = page.get_by_label("Your answer")
            await box.fill(f"Answer {answered}: I measured it, because the trade-off mattered.")
            await box.press("Enter")
            answered += 1
            if answered == 1:
                await page.screenshot(path=str(artifacts / "02-first-answer.png"), full_page=True)
        await expect(done).to_contain_text("answered all the questions")
        await page.screenshot(path=str(artifacts / "03-completed.png"), full_page=True)
        assert answered >= 2
        assert not problems.unexpected(), problems.errors

    async def completed() -> bool:
        url = f"{worker.api}/interviews/{interview_id}/transcript"
        async with http.get(url, headers=auth(tenant)) as r:
            body = await r.json()
        return bool(body.get("endedReason") == "completed")

    await eventually(completed, "the session completed")
    events = await read_all(
        stack_env["KAFKA_BOOTSTRAP_SERVERS"],
        f"{worker.env['HIRESTREAM_TOPIC_PREFIX']}interview.completed",
    )
    assert interview_id in {orjson.loads(v)["interviewId"] for _, v in events}

"""The candidate page (web/candidate_page) in a real browser: Debian's chromium, driven by
Playwright, against a fake of the candidate endpoints and the live session socket
(docs/api.md §6) started inside each test on 127.0.0.1. The fake mounts the page's own
``page_routes`` and keeps to the contract: a scripted session (a greeting and three questions,
each waiting for one answer or an end), a rejoining socket first gets the open question again,
and every answer it receives is recorded.

Screenshots of every step are written to tests/artifacts/candidate_page/.
Chromium comes from ``scripts/install-chromium.sh`` (``make test`` runs it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSCloseCode, WSMsgType, web
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Request,
    Response,
    async_playwright,
    expect,
)

from hirestream.web.candidate_page.serve import (
    PAGE_HEADERS,
    asset,
    not_found_html,
    page_html,
    page_routes,
)
from hirestream.web.server import secure_headers

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "candidate_page"

VALID_TOKEN = "c4nd1date-T0ken_valid.xyz"
INVALID_TOKEN = "not-a-valid-token"
CANDIDATE = "Jane Doe"
POSITION = "Senior Backend Engineer"
EXPIRES_AT = "2030-03-14T17:30:00.000Z"
EXPIRES_TEXT = "March 14, 2030"  # in the en-US locale of the browser contexts
#: The scripted session: (text, skill); index 0 is the greeting.
QUESTIONS: list[tuple[str, str | None]] = [
    ("Hello Jane, thank you for joining. Could you briefly introduce yourself?", None),
    ("How would you design an idempotent API for creating payments?", "API design"),
    ("Tell me about a time you debugged a production incident.", "Incident response"),
    ("Which SQL isolation level would you pick for a ledger, and why?", "PostgreSQL"),
]
MAX_ANSWER_CHARS = 10_000


@dataclass
class FakeInterviewServer:
    """The candidate access endpoints and the live session socket of one invitation."""

    prefix: str = "/api/v1"
    question_delay_s: float = 0.0
    cancelled: bool = False
    session_id: str | None = None
    interview_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    index: int = 0  # the open question
    ended_reason: str | None = None
    answers: list[tuple[int, str]] = field(default_factory=list)
    received: list[Any] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    lose_next_answer: bool = False  # close the socket on the next answer, before recording it
    refuse_next_answer: str | None = None  # answer the next answer with this error message
    lost: list[str] = field(default_factory=list)
    sockets: set[web.WebSocketResponse] = field(default_factory=set)
    accepting: asyncio.Event = field(default_factory=asyncio.Event)  # cleared: upgrades wait

    def __post_init__(self) -> None:
        self.accepting.set()

    def token_ok(self, token: str) -> bool:
        return token == VALID_TOKEN and not self.cancelled

    async def page_token_is_valid(self, token: str) -> bool:
        return self.token_ok(token)

    def routes(self) -> list[web.RouteDef]:
        access = f"{self.prefix}/candidate-access/{{token}}"
        return [
            web.get(access, self.access),
            web.post(f"{access}/start", self.start),
            web.get(f"{self.prefix}/sessions/{{sessionId}}/ws", self.session_socket),
        ]

    @staticmethod
    def problem(status: int, message: str, code: str | None = None) -> web.Response:
        body: dict[str, Any] = {
            "statusCode": status,
            "message": message,
            "error": HTTPStatus(status).phrase,
            "requestId": str(uuid.uuid4()),
        }
        if code:
            body["code"] = code
        return web.json_response(body, status=status, headers=ACCESS_HEADERS)

    async def access(self, request: web.Request) -> web.Response:
        if not self.token_ok(request.match_info["token"]):
            return self.problem(404, "Invitation not found")
        body = {"candidateName": CANDIDATE, "position": POSITION, "expiresAt": EXPIRES_AT}
        return web.json_response(body, headers=ACCESS_HEADERS)

    async def start(self, request: web.Request) -> web.Response:
        if not self.token_ok(request.match_info["token"]):
            return self.problem(404, "Invitation not found")
        if self.ended_reason is not None:
            return self.problem(409, "The interview has ended", "invalid_transition")
        if self.session_id is None:
            self.session_id = str(uuid.uuid4())
        body = {"sessionId": self.session_id, "interviewId": self.interview_id}
        return web.json_response({**body, "status": "created"}, headers=ACCESS_HEADERS)

    async def session_socket(self, request: web.Request) -> web.StreamResponse:
        token_ok = self.token_ok(request.query.get("token", ""))
        if not token_ok or request.match_info["sessionId"] != self.session_id or self.ended:
            return self.problem(404, "Session not found")
        await self.accepting.wait()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        for older in list(self.sockets):  # one candidate socket at a time: the newest
            await older.close(code=WSCloseCode.GOING_AWAY)
        self.sockets.add(ws)
        try:
            await self.send_question(ws)  # a rejoining socket first gets the open question
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    await self.send(ws, {"type": "error", "message": "Send text messages"})
                elif await self.on_message(ws, message.data):
                    break
        finally:
            self.sockets.discard(ws)
        return ws

    @property
    def ended(self) -> bool:
        return self.ended_reason is not None

    async def send(self, ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
        self.sent.append(message)
        await ws.send_json(message)

    async def send_question(self, ws: web.WebSocketResponse) -> None:
        text, skill = QUESTIONS[self.index]
        await self.send(ws, {"type": "question", "index": self.index, "text": text, "skill": skill})

    async def end(self, ws: web.WebSocketResponse, reason: str) -> None:
        self.ended_reason = reason
        await self.send(ws, {"type": "ended", "reason": reason})
        await ws.close()

    async def on_message(self, ws: web.WebSocketResponse, data: str) -> bool:
        """Handle one candidate message; True when the socket is done."""
        try:
            message = json.loads(data)
        except ValueError:
            message = None
        self.received.append(message)
        if not isinstance(message, dict):
            await self.send(ws, {"type": "error", "message": "Messages must be JSON objects"})
            return False
        if message.get("type") == "end":
            await self.end(ws, "candidate_ended")
            return True
        if message.get("type") != "answer":
            await self.send(ws, {"type": "error", "message": "Unknown message type"})
            return False
        text = message.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_ANSWER_CHARS:
            error = f"An answer is a text of 1 to {MAX_ANSWER_CHARS} characters"
            await self.send(ws, {"type": "error", "message": error})
            return False
        if self.refuse_next_answer is not None:  # an error, and the question stays open
            error, self.refuse_next_answer = self.refuse_next_answer, None
            await self.send(ws, {"type": "error", "message": error})
            return False
        if self.lose_next_answer:  # the connection breaks before the answer is recorded
            self.lose_next_answer = False
            self.lost.append(text)
            await ws.close(code=WSCloseCode.SERVICE_RESTART)
            return True
        self.answers.append((self.index, text))
        self.index += 1
        if self.index == len(QUESTIONS):
            await self.end(ws, "completed")
            return True
        await asyncio.sleep(self.question_delay_s)
        await self.send_question(ws)
        return False

    async def drop(self) -> None:
        """Close every candidate socket mid-session, as a restarting server would."""
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.SERVICE_RESTART, message=b"restarting")


#: What the fake's candidate access answers carry (docs/api.md §6).
ACCESS_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@contextlib.asynccontextmanager
async def serving(fake: FakeInterviewServer) -> AsyncIterator[str]:
    """The fake on a free port of 127.0.0.1, with the page's routes and the worker's
    ``secure_headers``; yields its base URL."""
    app = web.Application()
    app.on_response_prepare.append(secure_headers)
    app.add_routes(page_routes(fake.prefix, fake.page_token_is_valid))
    app.add_routes(fake.routes())
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        for ws in list(fake.sockets):
            await ws.close()
        await runner.cleanup()


@dataclass
class Problems:
    """Console errors, page errors and failed requests seen by one page."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"console: {message.text}")

        def on_failed(request: Request) -> None:
            self.errors.append(f"request failed: {request.url} {request.failure}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("requestfailed", on_failed)

    def unexpected(self, *allowed: str) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in allowed)]


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium (never a browser Playwright downloads); the artifacts folder."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-chromium.sh (make test does)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@contextlib.asynccontextmanager
async def browsing(
    browser: Browser, **options: Any
) -> AsyncIterator[tuple[BrowserContext, Page, Problems]]:
    settings: dict[str, Any] = {
        "locale": "en-US",
        "timezone_id": "UTC",
        "reduced_motion": "reduce",
        "viewport": {"width": 1024, "height": 768},
    }
    context = await browser.new_context(**{**settings, **options})
    context.set_default_timeout(10_000)
    page = await context.new_page()
    problems = Problems()
    problems.watch(page)
    try:
        yield context, page, problems
    finally:
        await context.close()


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def eventually(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait until ``condition()`` holds (for state on the fake's side)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def join_url(base: str, token: str = VALID_TOKEN) -> str:
    return f"{base}/interview/join/{token}"


def assert_page_headers(headers: dict[str, str], content_type: str) -> None:
    for name, value in PAGE_HEADERS.items():
        assert headers.get(name.lower()) == value, (name, headers)
    assert headers["content-type"] == content_type
    assert headers["server"] == "hirestream"
    assert "set-cookie" not in headers


def transcript(page: Page) -> Locator:
    return page.locator("#transcript")


async def expect_question(page: Page, index: int) -> None:
    """The question ``index`` is on screen (once), announced, and the answer box is open."""
    text = QUESTIONS[index][0]
    await expect(transcript(page).get_by_text(text, exact=True)).to_have_count(1)
    await expect(page.locator("#question-announcer")).to_contain_text(text)
    await expect(page.locator("#send-button")).to_be_enabled()
    await expect(page.locator("#answer-input")).to_be_editable()


async def open_chat(page: Page, base: str) -> None:
    response = await page.goto(join_url(base))
    assert response is not None and response.status == 200
    await page.get_by_role("button", name="Start the interview").click()
    await expect_question(page, 0)


async def answer_with_enter(page: Page, text: str) -> None:
    box = page.get_by_label("Your answer")
    await box.press_sequentially(text)
    await box.press("Enter")


# --- The serving helpers --------------------------------------------------------------------


def test_helpers_escape_the_prefix_and_serve_only_the_page_assets() -> None:
    filled = page_html('/api/"><script>x</script>').decode()
    assert '<meta name="api-prefix" content="/api/&quot;&gt;&lt;script&gt;x&lt;/script&gt;">' in (
        filled
    )
    assert "{{" not in filled
    assert '<meta name="api-prefix" content="/api/v1">' in page_html("/api/v1").decode()
    assert page_html("/api/v1") is page_html("/api/v1")  # cached
    script = asset("app.js")
    assert script is not None and script[1] == "text/javascript; charset=utf-8"
    style = asset("style.css")
    assert style is not None and style[1] == "text/css; charset=utf-8"
    for name in ["../serve.py", "serve.py", "join.html", "__init__.py", "", "app.js/..", "%2e"]:
        assert asset(name) is None, name
    icon = asset("icon.svg")
    assert icon is not None and icon[1] == "image/svg+xml" and icon[0].startswith(b"<svg")
    assert b"This interview link is not valid or has expired" in not_found_html()
    for body in (filled.encode(), not_found_html(), script[0], style[0]):
        assert b"http://" not in body and b"https://" not in body  # no external requests


async def test_assets_route_refuses_other_names() -> None:
    fake = FakeInterviewServer()
    async with serving(fake) as base, aiohttp.ClientSession() as http:
        for path in ["join.html", "serve.py", "..%2Fserve.py", "%2e%2e%2fserve.py"]:
            async with http.get(f"{base}/interview/assets/{path}") as response:
                assert response.status == 404, path
                assert response.headers["Cache-Control"] == "no-store"
        async with http.head(join_url(base)) as response:
            assert response.status == 200
        async with http.get(join_url(base, "x" * 600)) as response:
            assert response.status == 404


# --- In the browser ---------------------------------------------------------------------------


async def test_candidate_answers_every_question(browser: Browser) -> None:
    fake = FakeInterviewServer(question_delay_s=0.4)
    async with serving(fake) as base, browsing(browser) as (_, page, problems):
        headers: dict[str, dict[str, str]] = {}

        async def on_response(response: Response) -> None:
            headers[response.url.removeprefix(base)] = await response.all_headers()

        page.on("response", on_response)
        response = await page.goto(join_url(base))
        assert response is not None and response.status == 200
        welcome = page.locator("#welcome-view")
        await expect(welcome).to_be_visible()
        await expect(welcome).to_contain_text(f"Welcome, {CANDIDATE}")
        await expect(page.locator("#position")).to_have_text(POSITION)
        expiry = page.locator("#expires-at")
        await expect(expiry).to_contain_text(EXPIRES_TEXT)
        await expect(expiry).to_have_attribute("datetime", EXPIRES_AT)
        await shot(page, "01-welcome")

        await page.get_by_role("button", name="Start the interview").click()
        await expect_question(page, 0)
        await expect(page.get_by_label("Your answer")).to_be_focused()
        await shot(page, "02-greeting")

        typed = [
            "Hi! I am Jane, a backend engineer with eight years of experience.",
            "With an Idempotency-Key header,\nstored with the first response.",
            "A memory leak in a worker: found with heap snapshots, fixed in a day.",
            "SERIALIZABLE, with retries on serialization failures.",
        ]
        # The greeting: typed, then Enter.
        await answer_with_enter(page, typed[0])
        await expect(page.locator("#send-button")).to_be_disabled()  # waiting for the next one
        await expect(page.locator("#connection-status")).to_have_text(
            "Waiting for the next question…"
        )
        await shot(page, "03-waiting-for-next-question")
        await expect_question(page, 1)

        # Question 1: two lines (Shift+Enter), then Enter.
        box = page.get_by_label("Your answer")
        first, second = typed[1].split("\n")
        await box.press_sequentially(first)
        await box.press("Shift+Enter")
        await box.press_sequentially(second)
        await expect(box).to_have_value(typed[1])
        await box.press("Enter")
        await expect_question(page, 2)
        sent_text = transcript(page).locator(".message-candidate .message-text").nth(1)
        assert await sent_text.text_content() == typed[1]

        # Question 2: the Send button.
        await box.press_sequentially(typed[2])
        await page.get_by_role("button", name="Send answer").click()
        await expect_question(page, 3)
        await expect(page.locator("#question-announcer")).to_have_text(
            f"Question 3: {QUESTIONS[3][0]}"
        )
        await expect(transcript(page)).to_contain_text(f"Question 3 · {QUESTIONS[3][1]}")
        await shot(page, "04-last-question")

        # Question 3: the last answer ends the interview.
        await answer_with_enter(page, typed[3])
        done = page.locator("#done-view")
        await expect(done).to_be_visible()
        await expect(done).to_contain_text("You have answered all the questions.")
        await expect(page.locator("#chat-view")).to_be_hidden()
        await shot(page, "05-completed")

        assert fake.answers == list(enumerate(typed))
        assert fake.ended_reason == "completed"
        assert fake.connections == 1
        assert problems.unexpected() == []
        assert_page_headers(headers[f"/interview/join/{VALID_TOKEN}"], "text/html; charset=utf-8")
        js, css = headers["/interview/assets/app.js"], headers["/interview/assets/style.css"]
        assert_page_headers(js, "text/javascript; charset=utf-8")
        assert_page_headers(css, "text/css; charset=utf-8")
        assert_page_headers(headers["/interview/assets/icon.svg"], "image/svg+xml")


async def test_keyboard_only_with_another_api_prefix(browser: Browser) -> None:
    fake = FakeInterviewServer(prefix="/hiring/api/v2")
    async with serving(fake) as base, browsing(browser) as (_, page, problems):
        await page.goto(join_url(base))
        await expect(page.locator("#welcome-view")).to_be_visible()
        start = page.get_by_role("button", name="Start the interview")
        for _ in range(6):
            if await start.evaluate("b => b === document.activeElement"):
                break
            await page.keyboard.press("Tab")
        await expect(start).to_be_focused()
        await shot(page, "keyboard-01-start-focused")
        await page.keyboard.press("Enter")

        await expect_question(page, 0)
        box = page.get_by_label("Your answer")
        await expect(box).to_be_focused()  # the answer box takes the focus
        await page.keyboard.type("Hello, typed with the keyboard only.")
        await page.keyboard.press("Enter")
        await expect_question(page, 1)
        await expect(box).to_be_focused()
        await page.keyboard.type("An answer sent with the Send button, reached by Tab.")
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("button", name="Send answer")).to_be_focused()
        await shot(page, "keyboard-02-send-focused")
        await page.keyboard.press("Enter")
        await expect_question(page, 2)

        # Tab to End, Enter, confirm the dialog with the keyboard's default (accept).
        await expect(box).to_be_focused()  # back in the box after the Send button
        await page.keyboard.press("Tab")
        await page.keyboard.press("Tab")
        end = page.get_by_role("button", name="End interview")
        await expect(end).to_be_focused()
        await shot(page, "keyboard-03-end-focused")
        page.once("dialog", lambda dialog: dialog.accept())
        await page.keyboard.press("Enter")
        await expect(page.locator("#done-view")).to_contain_text("You ended the interview.")
        await expect(page.locator("#done-title")).to_be_focused()
        await shot(page, "keyboard-04-ended")

        assert fake.answers == [
            (0, "Hello, typed with the keyboard only."),
            (1, "An answer sent with the Send button, reached by Tab."),
        ]
        assert fake.ended_reason == "candidate_ended"
        assert problems.unexpected() == []


async def test_invalid_link_shows_the_404_page(browser: Browser) -> None:
    fake = FakeInterviewServer()
    async with serving(fake) as base, browsing(browser) as (_, page, problems):
        response = await page.goto(join_url(base, INVALID_TOKEN))
        assert response is not None and response.status == 404
        assert_page_headers(await response.all_headers(), "text/html; charset=utf-8")
        heading = page.get_by_role("heading", level=1)
        await expect(heading).to_have_text("This interview link is not valid or has expired")
        card = page.locator(".card")  # the style sheet applies
        await expect(card).to_have_css("border-top-left-radius", "12px")
        await shot(page, "invalid-01-404-page")
        assert problems.unexpected("status of 404") == []

        # A link cancelled after the page was served: the page's own view, on Start.
        await page.goto(join_url(base))
        await expect(page.locator("#welcome-view")).to_be_visible()
        fake.cancelled = True
        await page.get_by_role("button", name="Start the interview").click()
        await expect(page.locator("#invalid-view")).to_be_visible()
        await expect(page.locator("#invalid-title")).to_be_focused()
        await shot(page, "invalid-02-cancelled-after-loading")
        assert fake.session_id is None
        assert problems.unexpected("status of 404") == []


async def test_dropped_connection_is_rejoined_without_losing_an_answer(
    browser: Browser,
) -> None:
    fake = FakeInterviewServer()
    async with serving(fake) as base, browsing(browser) as (_, page, problems):
        await open_chat(page, base)
        await answer_with_enter(page, "Hello there.")
        await expect_question(page, 1)

        # The server drops the socket while the candidate is typing: the text stays, the page
        # rejoins, and the open question is sent again (and shown once).
        box = page.get_by_label("Your answer")
        await box.press_sequentially("Keys are stored")
        fake.accepting.clear()  # the rejoin waits until the screenshot is taken
        await fake.drop()
        await expect(page.locator("#connection-status")).to_contain_text("Reconnecting")
        await expect(page.locator("#send-button")).to_be_disabled()
        await expect(box).not_to_be_editable()
        await shot(page, "drop-01-reconnecting")
        fake.accepting.set()
        await eventually(lambda: fake.connections == 2)
        await expect_question(page, 1)
        await expect(page.locator("#connection-status")).to_have_text("")
        await expect(box).to_have_value("Keys are stored")
        await shot(page, "drop-02-rejoined")
        assert [m["index"] for m in fake.sent if m["type"] == "question"] == [0, 1, 1]
        await box.press_sequentially(" with the first response.")
        await box.press("Enter")
        await expect_question(page, 2)

        # The connection breaks as an answer goes out, before the server records it: after
        # rejoining, the open question comes again and the page sends the answer again.
        fake.lose_next_answer = True
        await answer_with_enter(page, "Heap snapshots.")
        await expect_question(page, 3)
        assert fake.lost == ["Heap snapshots."]
        assert fake.connections == 3
        await expect(transcript(page).get_by_text("Heap snapshots.", exact=True)).to_have_count(1)
        await answer_with_enter(page, "Serializable.")
        await expect(page.locator("#done-view")).to_contain_text("answered all the questions")

        assert fake.answers == [
            (0, "Hello there."),
            (1, "Keys are stored with the first response."),
            (2, "Heap snapshots."),
            (3, "Serializable."),
        ]
        assert problems.unexpected() == []


async def test_server_error_is_shown_and_the_answer_kept(browser: Browser) -> None:
    fake = FakeInterviewServer()
    async with serving(fake) as base, browsing(browser) as (_, page, problems):
        await open_chat(page, base)
        fake.refuse_next_answer = "The interview is catching up, please resend"
        await answer_with_enter(page, "My first try.")
        notice = page.locator("#chat-notice")
        await expect(notice).to_have_text(
            "Sorry, your last message could not be accepted (The interview is catching up, "
            "please resend). Please try again."
        )
        await expect(notice).to_have_attribute("role", "status")  # polite, not an alert
        box = page.get_by_label("Your answer")
        await expect(box).to_have_value("My first try.")  # given back, to send again
        await expect(box).to_be_focused()
        await expect(transcript(page).locator(".message-candidate")).to_have_count(0)
        await expect(page.locator("#send-button")).to_be_enabled()
        await shot(page, "error-01-answer-refused")

        await box.press("Enter")
        await expect_question(page, 1)
        await expect(notice).to_be_empty()
        assert fake.answers == [(0, "My first try.")]
        assert fake.connections == 1
        assert problems.unexpected() == []


async def test_end_button_asks_first_then_ends(browser: Browser) -> None:
    fake = FakeInterviewServer()
    async with serving(fake) as base, browsing(browser) as (_, page, problems):
        await open_chat(page, base)
        await answer_with_enter(page, "Hello.")
        await expect_question(page, 1)
        end = page.get_by_role("button", name="End interview")
        dialogs: list[str] = []

        def answer_dialog(accept: bool) -> Callable[[Dialog], Awaitable[None]]:
            async def on_dialog(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                await (dialog.accept() if accept else dialog.dismiss())

            return on_dialog

        page.once("dialog", answer_dialog(accept=False))
        await end.click()
        await eventually(lambda: len(dialogs) == 1)
        assert "End the interview now?" in dialogs[0]
        await expect(page.locator("#chat-view")).to_be_visible()  # dismissed: still going
        await expect(end).to_be_enabled()
        assert fake.ended_reason is None

        page.once("dialog", answer_dialog(accept=True))
        await end.click()
        done = page.locator("#done-view")
        await expect(done).to_contain_text("You ended the interview.")
        await shot(page, "end-01-ended-by-candidate")
        assert fake.ended_reason == "candidate_ended"
        assert fake.answers == [(0, "Hello.")]
        assert fake.received[-1] == {"type": "end"}
        assert problems.unexpected() == []


async def test_mobile_viewport(browser: Browser) -> None:
    fake = FakeInterviewServer()
    mobile = {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }
    async with serving(fake) as base, browsing(browser, **mobile) as (_, page, problems):
        await page.goto(join_url(base))
        await expect(page.locator("#welcome-view")).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "mobile-01-welcome.png"))
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        start = page.get_by_role("button", name="Start the interview")
        area = await start.bounding_box()
        assert area is not None and area["height"] >= 44 and area["width"] >= 300
        await start.tap()
        await expect_question(page, 0)
        await page.get_by_label("Your answer").fill("Hello from my phone.")
        await page.get_by_role("button", name="Send answer").tap()
        await expect_question(page, 1)
        # No Shift key on a touch screen: Enter makes a new line there, the button sends.
        box = page.get_by_label("Your answer")
        await expect(page.locator("#answer-hint")).to_contain_text("Tap “Send answer”")
        await box.press_sequentially("A draft")
        await box.press("Enter")
        await box.press_sequentially("on two lines")
        await expect(box).to_have_value("A draft\non two lines")
        await page.screenshot(path=str(ARTIFACTS / "mobile-02-chat.png"))
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        for name in ("Send answer", "End interview"):
            found = await page.get_by_role("button", name=name).bounding_box()
            assert found is not None and found["height"] >= 44, name
        assert fake.answers == [(0, "Hello from my phone.")]
        assert problems.unexpected() == []

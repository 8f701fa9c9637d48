"""The live session socket: ``GET /sessions/:sessionId/ws?token=…`` (docs/api.md §6).

Any worker serves a socket: every turn is a command (``interview.session_answer``) decided by
the interview agent of the tenant's partition, wherever it runs, and its outcome — the record
with the session's new state — comes back to this worker. The socket holds no state of its own
that a crash could lose: an answer is recorded before the next question is sent, and a
candidate who rejoins (on any worker) first gets the question waiting for an answer again.
Serving the socket where it arrives, rather than forwarding it to the partition's owner, keeps
long-lived connections off the forwarding path and lets a session survive its owner's
rebalance.

Server → candidate: ``{"type":"question","index":n,"text":…,"skill":…}`` (0: the greeting),
``{"type":"ended","reason":…}`` just before closing, ``{"type":"error","message":…}`` for a bad
message (the session goes on). Candidate → server: ``{"type":"answer","text":…}`` (at most
10,000 characters) and ``{"type":"end"}``. A session ended elsewhere — by a person, by the
session clock — is told at once (``web.sockets``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from hirestream.agents.interviews import current as question_waiting
from hirestream.privacy import answer_field, seal
from hirestream.tables.records import InterviewRecord
from hirestream.topics.journey import MAX_ANSWER_CHARS
from hirestream.web.auth import PUBLIC, requires
from hirestream.web.commands import candidate_command, path_id, record_of, send_command
from hirestream.web.errors import Problem, request_id_of
from hirestream.web.keys import DATA_KEYS, SOCKETS
from hirestream.web.links import candidate_claims

log = logging.getLogger(__name__)

#: The largest message a candidate may send (an answer of 10,000 characters, as JSON).
MAX_MESSAGE_BYTES = 64 * 1024


@requires(PUBLIC)
async def session_socket(request: web.Request) -> web.StreamResponse:
    session_id = path_id(request, "sessionId")
    claims, tenant = await candidate_claims(request, request.query.get("token", ""))
    interview_id = claims.interview_id
    joined = await send_command(
        request,
        candidate_command(
            request, tenant, interview_id, "interview.session_join", {"sessionId": session_id}
        ),
    )
    if not joined["ok"]:
        raise Problem(404, "No open session for this link")
    record = record_of(joined)
    socket = web.WebSocketResponse(heartbeat=20.0, max_msg_size=MAX_MESSAGE_BYTES)
    socket.headers["X-Request-ID"] = request_id_of(request)  # sent with the 101
    await socket.prepare(request)
    with request.app[SOCKETS].watch(interview_id) as ended_elsewhere:
        conversation = Conversation(request, socket, tenant, interview_id, session_id, record)
        await conversation.run(ended_elsewhere)
    return socket


class Conversation:
    """One socket's exchange with the session."""

    def __init__(
        self,
        request: web.Request,
        socket: web.WebSocketResponse,
        tenant: str,
        interview_id: str,
        session_id: str,
        record: InterviewRecord,
    ) -> None:
        self.request = request
        self.socket = socket
        self.tenant = tenant
        self.interview_id = interview_id
        self.session_id = session_id
        self.record = record

    async def run(self, ended_elsewhere: asyncio.Queue[str]) -> None:
        """Ask, listen, answer, until the session ends here or elsewhere (or the candidate
        leaves: the session stays open for a rejoin)."""
        if await self._ask_or_end():
            return
        receiver = asyncio.ensure_future(self._receive())
        watcher = asyncio.ensure_future(ended_elsewhere.get())
        try:
            done, _ = await asyncio.wait({receiver, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if watcher in done and not receiver.done():
                await self._end(watcher.result())
        finally:
            receiver.cancel()
            watcher.cancel()

    async def _receive(self) -> None:
        async for message in self.socket:
            if message.type != WSMsgType.TEXT:
                await self._error("send JSON text messages")
                continue
            if await self._on_message(message.data):
                return

    async def _on_message(self, data: str) -> bool:
        """True when the session ended."""
        try:
            message: Any = orjson.loads(data)
        except orjson.JSONDecodeError:
            await self._error("a message must be JSON")
            return False
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "end":
            return await self._command("interview.session_end", {"reason": "candidate_ended"})
        if kind != "answer":
            await self._error('a message is {"type":"answer","text":…} or {"type":"end"}')
            return False
        text = message.get("text")
        if not isinstance(text, str) or not text.strip():
            await self._error("an answer needs some text")
            return False
        if len(text) > MAX_ANSWER_CHARS:
            await self._error(f"an answer is at most {MAX_ANSWER_CHARS} characters")
            return False
        current = question_waiting(self.record.get("session") or {}, self.record.get("plan") or {})
        if current is None:
            return await self._ask_or_end()
        keys = self.request.app[DATA_KEYS]
        key = await keys.create(self.tenant, self.interview_id)
        sealed = seal(key, self.tenant, self.interview_id, answer_field(current.index), text)
        payload = {"questionIndex": current.index, "sealedText": sealed}
        return await self._command("interview.session_answer", payload)

    async def _command(self, kind: str, payload: dict[str, Any]) -> bool:
        """Send a turn; True when the session ended."""
        command = candidate_command(
            self.request,
            self.tenant,
            self.interview_id,
            kind,
            {"sessionId": self.session_id, **payload},
        )
        outcome = await send_command(self.request, command)
        if not outcome["ok"]:
            if outcome.get("code") == "session_not_open":
                await self._end("completed")
                return True
            await self._error("that did not go through; please try again")
            return False
        self.record = record_of(outcome)
        return await self._ask_or_end()

    async def _ask_or_end(self) -> bool:
        """Send the question waiting for an answer; or, once the session has ended, why."""
        session = self.record.get("session") or {}
        current = question_waiting(session, self.record.get("plan") or {})
        if current is None:
            await self._end(session.get("endedReason") or "completed")
            return True
        await self.socket.send_str(orjson.dumps(current.to_json()).decode())
        return False

    async def _error(self, text: str) -> None:
        await self.socket.send_str(orjson.dumps({"type": "error", "message": text}).decode())

    async def _end(self, reason: str) -> None:
        if not self.socket.closed:
            await self.socket.send_str(orjson.dumps({"type": "ended", "reason": reason}).decode())
            await self.socket.close()
        log.info(
            "event=session.socket_closed tenant=%s interview=%s reason=%s",
            self.tenant,
            self.interview_id,
            reason,
        )

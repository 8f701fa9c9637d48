"""Replies to this worker's commands: one reply topic per worker (one partition), read by a
plain aiokafka consumer without a group, from its end at start.

The interview agent sends each command's outcome to the topic named in the command's
``replyTo`` header, with the ``correlationId`` header it came with. Every HTTP request waits on
its own correlation id, so a reply sent twice (a command re-processed after a crash) finds the
waiter gone or already answered and is dropped. When the agent that decides the command runs
in the same worker as the waiting request, it hands the outcome over in process
(``ReplyWaiter.answer``) instead of through the topic.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from aiokafka import ConsumerRecord

from hirestream.tail import TailConsumer

log = logging.getLogger(__name__)

REPLY_TO = "replyTo"
CORRELATION_ID = "correlationId"


class ReplyWaiter(TailConsumer):
    """Hands each message of this worker's reply topic to the request waiting on its
    correlation id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        super().__init__(*args, **kwargs)

    def expect(self, correlation_id: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[correlation_id] = future
        return future

    def forget(self, correlation_id: str) -> None:
        self._waiting.pop(correlation_id, None)

    def on_message(self, message: ConsumerRecord[bytes, bytes]) -> None:
        headers = dict(message.headers or ())
        correlation = headers.get(CORRELATION_ID, b"").decode(errors="replace")
        self.answer(correlation, message.value or b"null")

    def answer(self, correlation_id: str, value: bytes) -> bool:
        """Hand ``value`` (an outcome as sent) to the request waiting on ``correlation_id``;
        False when none waits (gone, timed out, or answered already)."""
        future = self._waiting.pop(correlation_id, None)
        if future is None or future.done():
            return False
        try:
            future.set_result(orjson.loads(value))
        except orjson.JSONDecodeError as exc:
            future.set_exception(exc)
        return True

    async def on_stop(self) -> None:
        await super().on_stop()
        for future in self._waiting.values():
            if not future.done():
                future.cancel()

"""Every completion, seen by every worker: a plain aiokafka consumer without a group reads
``interview.completed`` from its end and tells the listeners (the candidate sockets this
worker holds) which interview's session ended, and why."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiokafka import ConsumerRecord

from hirestream.tail import TailConsumer
from hirestream.topics import codec

log = logging.getLogger(__name__)

Listener = Callable[[str, str], None]  # (interview id, end reason)


class CompletionWatcher(TailConsumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.listeners: list[Listener] = []
        super().__init__(*args, **kwargs)

    def on_message(self, message: ConsumerRecord[bytes, bytes]) -> None:
        try:
            event = codec.loads(message.value)
            transcript = event.get("transcript") or {}
            reason = str(transcript.get("endedReason") or "completed")
            interview = str(event["interviewId"])
        except (codec.MalformedMessage, KeyError):
            return
        for listener in self.listeners:
            try:
                listener(interview, reason)
            except Exception:
                log.exception("event=completion.listener_failed interview=%s", interview)

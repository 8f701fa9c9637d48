"""The validation agent: on a new, edited or completed interview, checks its data and tells
the interview agent (``interview.validated``): on to planning, or back for information."""

from __future__ import annotations

from typing import Any

import faust

from hirestream.agents.events import CommandSender, install_event_agent
from hirestream.agents.validation import validation_now

#: The states in which an interview waits for validation.
WAITING = (None, "received", "validating_skills")


def install(app: faust.App, source: Any, commands_topic: Any) -> Any:
    sender = CommandSender(commands_topic, "validation")

    async def handle(event: dict[str, Any]) -> None:
        record = event["record"]
        if record.get("deleted") or record.get("workflowState") not in WAITING:
            return
        await sender.send(
            event,
            "interview.validated",
            {"validation": validation_now(record), "basedOnVersion": record["version"]},
        )

    return install_event_agent(app, source, "interview-validation", handle)

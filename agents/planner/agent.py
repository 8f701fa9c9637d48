"""The planner agent: for an interview waiting for a plan (new, or a revision asked for),
makes the plan and sends it to the interview agent (``interview.plan_generated``), with the
tenant's ``autoApprovePlans`` setting from the configuration store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import faust

from hirestream.agents.events import CommandSender, install_event_agent
from hirestream.agents.planner.plan import PlanInput, generate_plan, revise_plan, run_id

TenantSettings = Callable[[str], Awaitable[dict[str, Any]]]


def plan_for(record: dict[str, Any]) -> dict[str, Any]:
    """A revision when the recruiter asked for one, else a fresh plan (a new version of the
    previous one, if any). Pure."""
    previous = record.get("plan")
    notes = record.get("revisionNotes") or []
    asked = previous is not None and len(notes) > len(previous.get("revisions", []))
    if previous is not None and asked and notes[-1].strip():
        return revise_plan(previous, notes[-1])
    return generate_plan(
        PlanInput.from_interview(record), seed=run_id(record["id"]), previous=previous
    )


def install(app: faust.App, source: Any, commands_topic: Any, settings: TenantSettings) -> Any:
    sender = CommandSender(commands_topic, "planner")

    async def handle(event: dict[str, Any]) -> None:
        record = event["record"]
        if record.get("deleted") or record.get("workflowState") != "generating_plan":
            return
        tenant_settings = await settings(event["tenantId"])
        await sender.send(
            event,
            "interview.plan_generated",
            {
                "plan": plan_for(record),
                "runId": run_id(record["id"]),
                "autoApprovePlans": bool(tenant_settings.get("autoApprovePlans")),
                "basedOnVersion": record["version"],
            },
        )

    return install_event_agent(app, source, "interview-planner", handle)

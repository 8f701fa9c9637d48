"""The deterministic workflow steps the interview agent takes itself, right after a command,
instead of sending an event to another agent and waiting for its command back. Pure.

Validation (``agents.validation``) and planning (``agents.planner``) are plain functions of the
record alone (planning also of the tenant's ``autoApprovePlans``). A separate agent for each
bought nothing but two more trips through Kafka per interview — an event out, a command back,
each with its table writes and events — so after any command that leaves an interview waiting
for one of them (created, content edited, information supplied, a revision asked for), the
agent takes the step at once, in the same message, and writes the record once:

- ``waiting_for(record)`` says which step the record waits for, if any;
- ``followed(record, trigger, step, ...)`` decides it like the agent's own report would
  (``steps.validated`` / ``steps.plan_generated``), as a system command whose id derives from
  the command that triggered it and the record's version, remembered in the record's
  ``applied`` memory under the trigger's source and offset.

A redelivered trigger finds the whole chain in the record (one write) and republishes every
event the chain published (``decision.applied_with``). The events are the ones the separate
agents caused, in the same order, each carrying the record as of its own step.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Literal

from hirestream.agents.interviews import steps
from hirestream.agents.interviews.decision import Decision
from hirestream.agents.planner import plan_for, run_id
from hirestream.agents.validation import validation_now
from hirestream.tables.records import InterviewRecord
from hirestream.topics.records import Command, system_command
from hirestream.topics.tenancy import derived_id

Step = Literal["validate", "plan"]

#: At most this many steps follow one command (validate, then plan).
MAX_STEPS = 2

#: The states in which an interview waits for validation.
WAITING_FOR_VALIDATION = (None, "received", "validating_skills")

_NAMESPACE = uuid.UUID("3c0b1d7e-9a44-4b0f-8d61-5a2e7f9c4e18")


def waiting_for(record: InterviewRecord | None) -> Step | None:
    """The step the record waits for: validation, planning, or none."""
    if record is None or record.get("deleted"):
        return None
    state = record.get("workflowState")
    if state in WAITING_FOR_VALIDATION:
        return "validate"
    if state == "generating_plan":
        return "plan"
    return None


def followed(
    record: InterviewRecord,
    trigger: Command,
    step: Step,
    *,
    offset: int,
    source: str,
    auto_approve_plans: bool = False,
) -> Decision:
    """The decision of ``step`` on ``record`` after ``trigger`` (read at ``offset`` of
    ``source``); its ``record`` is None when the step changes nothing."""
    command = _step_command(record, trigger, step, auto_approve_plans=auto_approve_plans)
    if step == "validate":
        decision = steps.validated(record, command, offset, None)
    else:
        decision = steps.plan_generated(record, command, offset, None)
    if decision.record is None or decision.applied is None:
        return decision
    applied = replace(decision.applied, source=source)
    decision.record["applied"][-1] = applied.to_json()
    return replace(decision, applied=applied)


def _step_command(
    record: InterviewRecord, trigger: Command, step: Step, *, auto_approve_plans: bool
) -> Command:
    """The command the separate agent would have sent (its id derived from the trigger and
    the version it saw; its time the trigger's, so a redelivery decides the same way)."""
    if step == "validate":
        kind, agent = "interview.validated", "validation"
        payload = {"validation": validation_now(record), "basedOnVersion": record["version"]}
    else:
        kind, agent = "interview.plan_generated", "planner"
        payload = {
            "plan": plan_for(record),
            "runId": run_id(record["id"]),
            "autoApprovePlans": auto_approve_plans,
            "basedOnVersion": record["version"],
        }
    return system_command(
        kind,
        command_id=derived_id(
            _NAMESPACE, trigger["tenantId"], trigger["commandId"], step, str(record["version"])
        ),
        tenant_id=trigger["tenantId"],
        interview_id=record["id"],
        agent=agent,
        issued_at=trigger["issuedAt"],
        payload=payload,
    )

"""What a decision is: the outcome of one command for one interview (a result or a typed
rejection), what it did to the record (``Applied``, kept for replays and counts), and the small
constructors every handler uses. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from hirestream.agents.interviews import lifecycle
from hirestream.agents.workflow.transitions import IllegalTransition
from hirestream.tables.records import InterviewRecord
from hirestream.topics.records import Command, Outcome, accepted, rejected
from hirestream.topics.vocabulary import status_of

APPLIED_MEMORY = 32

#: The source of commands when none is named: the public command topic.
SOURCE = "commands"

#: What an applied command did: made the interview (or, for an override, a patch), changed
#: it, deleted it, changed nothing, or found the partner's interview of that ``externalId``.
Result = Literal["created", "updated", "deleted", "unchanged", "existing"]

Cooccurrence = Mapping[str, Mapping[str, int]] | None


@dataclass(frozen=True)
class Rejection:
    """Why a command is not applied: a code (``REJECTIONS``) and what the wording needs."""

    code: str
    details: Mapping[str, Any] = field(default_factory=dict)


#: Every rejection code ``decide`` gives, and what it means.
REJECTIONS = {
    "not_found": "no such interview in the tenant",
    "already_exists": "an interview with this id exists",
    "invalid_transition": "the action is not allowed in the state (details: state, action, "
    "allowed)",
    "status_not_settable": "a user may only set status approved or rejected (details: state, "
    "status)",
    "edit_with_status": "content and status changed in one request (details: state, status)",
}


@dataclass(frozen=True)
class Applied:
    """What a command did to one record: for replays and for the counts."""

    command_id: str
    offset: int  # where the command that changed the record stood on its source topic
    status_before: str | None  # None: the record did not exist
    status_after: str | None  # None: the record no longer exists
    result: Result
    events: tuple[str, ...] = ()
    source: str = SOURCE
    first_sequence: int = 1  # the sequence number of the first of ``events``

    def to_json(self) -> dict[str, Any]:
        return {
            "commandId": self.command_id,
            "offset": self.offset,
            "source": self.source,
            "statusBefore": self.status_before,
            "statusAfter": self.status_after,
            "result": self.result,
            "events": list(self.events),
            "firstSequence": self.first_sequence,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Applied:
        return cls(
            raw["commandId"],
            raw["offset"],
            raw["statusBefore"],
            raw["statusAfter"],
            raw["result"],
            tuple(raw.get("events", ())),
            raw.get("source", SOURCE),
            raw.get("firstSequence", 1),
        )


@dataclass(frozen=True)
class Decision:
    """What to do with one command, and what to answer."""

    result: Result | None = None  # None: rejected
    rejection: Rejection | None = None
    shown: InterviewRecord | None = None  # the record the answer shows (None: deleted)
    record: InterviewRecord | None = None  # the record to store; None: store nothing
    events: tuple[str, ...] = ()  # the events to publish about the record, in order
    applied: Applied | None = None  # set when the command changed (or had changed) a record
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.rejection is None

    @property
    def first_sequence(self) -> int:
        """The sequence number of the first event (each next one is one more)."""
        return self.applied.first_sequence if self.applied is not None else 1


def outcome_of(decision: Decision) -> Outcome:
    """The answer to the command, as it travels (``topics.records.Outcome``)."""
    if decision.rejection is not None:
        return rejected(decision.rejection.code, dict(decision.rejection.details))
    assert decision.result is not None
    shown = cast(dict[str, Any] | None, decision.shown)
    return accepted(decision.result, shown, replayed=decision.replayed)


def find_applied(record: InterviewRecord | None, command_id: str) -> Applied | None:
    if record is None:
        return None
    for raw in record.get("applied", []):
        if raw["commandId"] == command_id:
            return Applied.from_json(raw)
    return None


def applied_with(record: InterviewRecord | None, source: str, offset: int) -> list[Applied]:
    """Everything one message did to the record, in order: its command and the workflow steps
    that followed it (``followups``), all remembered under the message's source and offset."""
    if record is None:
        return []
    return [
        Applied.from_json(raw)
        for raw in record.get("applied", [])
        if raw.get("source", SOURCE) == source and raw["offset"] == offset
    ]


def net_change(effects: list[Applied]) -> Applied | None:
    """One message's effect on its tenant's counts: from the status before the first of
    ``effects`` to the status after the last (None when there are none)."""
    if not effects:
        return None
    return replace(effects[0], status_after=effects[-1].status_after)


def remember(record: InterviewRecord, applied: Applied) -> None:
    history = [*record.get("applied", []), applied.to_json()]
    record["applied"] = history[-APPLIED_MEMORY:]


def exists(record: InterviewRecord | None) -> bool:
    return record is not None and not record.get("deleted", False)


def refused(code: str, **details: Any) -> Decision:
    return Decision(rejection=Rejection(code, details))


def not_allowed(illegal: IllegalTransition) -> Decision:
    return refused(
        "invalid_transition",
        state=illegal.state,
        action=illegal.action,
        allowed=list(illegal.allowed_actions),
    )


def changed(
    record: InterviewRecord,
    new: InterviewRecord,
    command: Command,
    offset: int,
    result: Result,
    events: tuple[str, ...],
) -> Decision:
    """A new version of an existing record."""
    new["version"] = record["version"] + 1
    new["updatedAt"] = command["issuedAt"]
    new["status"] = status_of(new.get("workflowState"))
    first = record.get("sequence", 0) + 1
    new["sequence"] = first - 1 + len(events)
    applied = Applied(
        command["commandId"],
        offset,
        record["status"],
        new["status"],
        result,
        events,
        first_sequence=first,
    )
    remember(new, applied)
    return Decision(result, None, new, new, events, applied)


def unchanged(record: InterviewRecord) -> Decision:
    return Decision("unchanged", shown=record)


def step(record: InterviewRecord, step: lifecycle.Step, command: Command, offset: int) -> Decision:
    if step.illegal is not None:
        return not_allowed(step.illegal)
    if step.record is None:
        return unchanged(record)
    return changed(record, step.record, command, offset, "updated", step.events)

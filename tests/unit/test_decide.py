"""The interview agent's decisions, without Kafka."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hirestream.agents.interviews.decide import decide
from hirestream.agents.interviews.decision import Applied, Rejection
from hirestream.tables.counts import count_change, counts_view
from hirestream.tables.index import entry_of
from hirestream.tables.queries import ListQuery, select
from hirestream.tables.records import InterviewRecord
from hirestream.topics.records import Command, rejected
from hirestream.topics.vocabulary import STATUSES, status_of
from hirestream.web.outcomes import problem_of

NOT_FOUND = Rejection("not_found")


def command(kind: str, interview_id: str = "i1", cid: str = "c1", **payload: Any) -> Command:
    return {
        "commandId": cid,
        "type": kind,
        "tenantId": "t1",
        "interviewId": interview_id,
        "actor": {"kind": "user", "id": "u1"},
        "requestId": "r1",
        "issuedAt": "2024-01-15T10:00:00.000Z",
        "fingerprint": "f",
        "payload": payload,
    }


def test_create_makes_a_planned_record_with_version_1() -> None:
    d = decide(None, command("interview.create", position="Engineer", skills=["Go"]), 0)
    assert d.ok and d.result == "created"
    assert d.record is not None
    assert d.record["status"] == "planned" and d.record["workflowState"] is None
    assert d.record["version"] == 1 and d.record["offsets"] == {"commands": 0}
    assert d.events == ("interview.created",)
    assert d.applied == Applied("c1", 0, None, "planned", "created", ("interview.created",))


def test_create_canonicalises_the_seed_example() -> None:
    d = decide(
        None,
        command("interview.create", position="Sr Engineer", skills=["ReactJS", "TS", "Node.js"]),
        0,
    )
    assert d.record is not None
    assert d.record["position"] == "Senior Engineer"
    assert d.record["skills"] == ["React", "TypeScript", "Node.js"]
    assert d.record["rawPayload"] == {
        "position": "Sr Engineer",
        "skills": ["ReactJS", "TS", "Node.js"],
    }
    assert d.record["diffReport"]["skills[0]"] == {"before": "ReactJS", "after": "React"}
    payload = d.record["canonicalPayload"]
    assert (
        payload["roleFamily"] == "frontend_engineering" and payload["roleCategory"] == "engineering"
    )
    assert payload["relatedSkills"][:3] == ["Next.js", "Redux", "GraphQL"]
    assert d.record["candidateClaimedSkills"] == ["React", "TypeScript", "Node.js"]


def test_create_on_an_existing_id_is_a_conflict() -> None:
    first = decide(None, command("interview.create", position="x"), 0).record
    again = decide(first, command("interview.create", cid="c2", position="y"), 1)
    assert again.rejection == Rejection("already_exists") and again.record is None


def test_replayed_command_is_answered_without_change() -> None:
    created = decide(None, command("interview.create", position="x"), 5).record
    replay = decide(created, command("interview.create", position="x"), 5)
    assert (replay.result, replay.shown, replay.replayed) == ("created", created, True)
    assert replay.record is None
    assert replay.applied is not None and replay.applied.offset == 5


def test_update_and_delete_of_missing_interview_are_404() -> None:
    assert decide(None, command("interview.update", position="x"), 0).rejection == NOT_FOUND
    assert decide(None, command("interview.delete"), 0).rejection == NOT_FOUND


def test_update_bumps_version_and_merges_sealed_fields() -> None:
    created = decide(
        None, command("interview.create", position="Engineer", sealed={"a": "1"}), 0
    ).record
    updated = decide(
        created, command("interview.update", cid="c2", position="Sr Engineer", sealed={"b": "2"}), 1
    ).record
    assert updated is not None
    assert updated["position"] == "Senior Engineer" and updated["version"] == 2
    assert updated["rawPayload"]["position"] == "Sr Engineer"
    assert updated["diffReport"] == {
        "position": {"before": "Sr Engineer", "after": "Senior Engineer"}
    }
    assert updated["sealed"] == {"a": "1", "b": "2"}


def test_status_change_outside_pending_is_409_naming_the_state() -> None:
    created = decide(None, command("interview.create", position="x"), 0).record
    d = decide(created, command("interview.update", cid="c2", status="approved"), 1)
    assert d.rejection is not None and d.rejection.code == "invalid_transition"
    assert (d.rejection.details["state"], d.rejection.details["action"]) == (None, "approve")


def in_state(state: str | None) -> InterviewRecord:
    created = decide(None, command("interview.create", position="Engineer"), 0).record
    assert created is not None
    return {**created, "workflowState": state, "status": status_of(state)}


def test_approve_from_pending() -> None:
    d = decide(in_state("pending"), command("interview.update", cid="c2", status="approved"), 1)
    assert d.record is not None and d.record["workflowState"] == "approved"
    assert d.applied is not None and d.applied.status_after == "approved"
    assert d.events == ("interview.updated", "interview.approved")


def test_content_edit_after_approval_is_409() -> None:
    d = decide(in_state("approved"), command("interview.update", cid="c2", skills=["Go"]), 1)
    assert d.rejection is not None and d.rejection.code == "invalid_transition"
    assert d.rejection.details["state"] == "approved"


def test_content_edit_while_pending_goes_back_to_validation() -> None:
    d = decide(in_state("pending"), command("interview.update", cid="c2", skills=["Go"]), 1)
    assert d.record is not None and d.record["workflowState"] == "received"
    assert d.events == ("interview.updated", "interview.content_edited")


def test_delete_leaves_a_tombstone_without_content() -> None:
    created = decide(None, command("interview.create", position="x", sealed={"n": "s"}), 0).record
    d = decide(created, command("interview.delete", cid="c2"), 1)
    assert d.record is not None and d.record["deleted"] is True
    assert "sealed" not in d.record and "position" not in d.record
    assert d.result == "deleted" and d.shown is None
    assert decide(d.record, command("interview.update", cid="c3", position="y"), 2).rejection == (
        NOT_FOUND
    )


def counted(counts: dict[str, Any] | None, applied: Applied) -> dict[str, Any] | None:
    """The counts after ``applied``, as the agent computes them."""
    return count_change(
        counts,
        source=applied.source,
        offset=applied.offset,
        status_before=applied.status_before,
        status_after=applied.status_after,
    )


def test_counts_skip_a_command_counted_already() -> None:
    applied = Applied("c1", 3, None, "planned", "created")
    once = counted(None, applied)
    assert once is not None and once["byStatus"] == {"planned": 1}
    assert counted(once, applied) is None


def test_counts_view_has_the_seed_keys_and_approved_includes_completed() -> None:
    view = counts_view({"byStatus": {"approved": 2, "completed": 3, "planned": 1}, "offset": 9})
    assert view["total"] == 6 and view["approved"] == 5 and view["planned"] == 1
    assert {"total", "planned", "approved", "inProgress", "infoNeeded"} <= view.keys()


# --- property: counts always equal what the list shows per status, under redelivery --------

ACTIONS = [
    "create",
    "edit",
    "delete",
    "valid",
    "missing",
    "supply",
    "plan",
    "approve",
    "reject",
    "revise",
    "cancel",
    "replay",
]
actions = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(min_value=0, max_value=4)),
    max_size=80,
)


def step_command(action: str, iid: str, cid: str, version: int) -> Command:
    """One command of the whole workflow, from people and from the background agents."""
    plan = {"planId": f"plan-{cid}"}
    verdicts = {"valid": "ok", "missing": "info_needed"}
    if action == "create":
        return command("interview.create", iid, cid, position="Engineer")
    if action == "edit":
        return command("interview.update", iid, cid, skills=["Go"])
    if action == "delete":
        return command("interview.delete", iid, cid)
    if action in verdicts:
        verdict = {"outcome": verdicts[action], "missingFields": [], "dataQuality": "GOOD"}
        return command("interview.validated", iid, cid, validation=verdict, basedOnVersion=version)
    if action == "supply":
        return command("interview.supply_info", iid, cid, level="senior")
    if action == "plan":
        return command(
            "interview.plan_generated",
            iid,
            cid,
            plan=plan,
            runId="run",
            basedOnVersion=version,
            autoApprovePlans=version % 2 == 0,
        )
    if action in ("approve", "reject"):
        status = "approved" if action == "approve" else "rejected"
        return command("interview.update", iid, cid, status=status)
    return command("interview.workflow", iid, cid, action=action, notes="n")


@settings(max_examples=300, deadline=None)
@given(actions)
def test_counts_equal_the_list_per_status(steps: list[tuple[str, int]]) -> None:
    """Through every state the workflow reaches, with commands redelivered at random: the
    counts per status equal what the list shows per status."""
    records: dict[str, InterviewRecord] = {}
    counts: dict[str, Any] | None = None
    history: list[tuple[Command, int]] = []
    for offset, (action, n) in enumerate(steps):
        iid = f"i{n}"
        if action == "replay" and history:
            cmd, at = history[n % len(history)]
            iid = cmd["interviewId"]
        else:
            at = offset
            version = records[iid]["version"] if iid in records else 0
            cmd = step_command(
                action if action != "replay" else "create", iid, f"c{offset}", version
            )
            history.append((cmd, at))
        decision = decide(records.get(iid), cmd, at)
        if decision.record is not None:
            records[iid] = decision.record
        if decision.applied is not None:
            counts = counted(counts, decision.applied) or counts
    live = [entry_of(r) for r in records.values() if not r["deleted"]]
    by_status = (counts or {"byStatus": {}})["byStatus"]
    for status in STATUSES:
        page = select(live, ListQuery(limit=100, status=status), {})
        assert by_status.get(status, 0) == page.total, status
    assert sum(by_status.values()) == len(live)
    assert all(status_of(r["workflowState"]) == r["status"] for r in records.values())


def test_refusals_name_the_state_and_what_people_may_do() -> None:
    d = decide(in_state("approved"), command("interview.update", cid="c2", skills=["Go"]), 1)
    assert d.rejection is not None
    assert problem_of(rejected(d.rejection.code, dict(d.rejection.details))).message == (
        "Cannot edit content: the interview is in state approved; "
        "allowed actions: start the session, cancel"
    )
    both = decide(
        in_state("pending"),
        command("interview.update", cid="c3", skills=["Go"], status="approved"),
        1,
    )
    assert both.rejection is not None
    answer = problem_of(rejected(both.rejection.code, dict(both.rejection.details)))
    assert answer.status == 409 and "state pending" in str(answer.message)

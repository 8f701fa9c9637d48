"""What the background enricher concludes from one interview event. Pure.

For each skill and title the synchronous canonicaliser did not know, a fuzzy match against the
taxonomy: resolved terms go back to the interview as an ``interview.enrich`` command, the rest
are recorded per tenant for review. Each interview also teaches the tenant's capability graph
which skills are asked for together (co-occurrence counts, once per interview).

The enricher's per-tenant state: ``{"offsets": {topic: offset}, "unknown": {key: entry},
"cooccurrence": {skill id: {skill id: count}}}``; the offsets make a redelivered event a no-op.
The state is one table value, so it is bounded whatever a tenant sends: at most
``MAX_UNKNOWN`` unknown terms (the least asked-for, least recent go first) and, per skill, the
``MAX_PARTNERS`` skills most often asked for with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hirestream.agents.enrich.fuzzy import match_skill, match_title
from hirestream.agents.enrich.graph import cooccurrence_increments, merge_counts

#: How many example interview ids an unknown term keeps. Its count grows by one for each
#: interview created with it (and starts at one when an edit brings a new term).
UNKNOWN_EXAMPLES = 10
#: How many unknown terms a tenant's state keeps.
MAX_UNKNOWN = 200
#: How many co-occurring skills each skill keeps (the strongest).
MAX_PARTNERS = 20


@dataclass(frozen=True)
class Findings:
    skills: dict[str, dict[str, Any]] = field(default_factory=dict)  # raw -> match
    title: dict[str, Any] | None = None
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (kind, term)

    @property
    def resolved_anything(self) -> bool:
        return bool(self.skills) or self.title is not None

    def command_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"skills": self.skills}
        if self.title is not None:
            payload["title"] = self.title
        return payload


def find(record: Mapping[str, Any]) -> Findings:
    """Fuzzy matches for the record's unknown skills and title."""
    skills: dict[str, dict[str, Any]] = {}
    unresolved: list[tuple[str, str]] = []
    for term in record.get("unknownSkills") or []:
        match = match_skill(term)
        if match is None:
            unresolved.append(("skill", term))
        else:
            skills[term] = {"id": match.id, "canonical": match.canonical, "score": match.score}
    title = None
    unknown_title = record.get("unknownTitle")
    if unknown_title:
        match = match_title(unknown_title)
        if match is None:
            unresolved.append(("title", unknown_title))
        else:
            title = {"canonical": match.canonical, "roleFamily": match.id, "score": match.score}
    return Findings(skills, title, unresolved)


def empty_state() -> dict[str, Any]:
    return {"offsets": {}, "unknown": {}, "cooccurrence": {}}


def seen(state: Mapping[str, Any], topic: str, offset: int) -> bool:
    return bool(offset <= state["offsets"].get(topic, -1))


def next_state(
    state: Mapping[str, Any] | None,
    *,
    topic: str,
    offset: int,
    event: Mapping[str, Any],
    findings: Findings,
) -> dict[str, Any]:
    """The tenant's enricher state after one event (``seen`` must be false for it)."""
    current = state or empty_state()
    record = event["record"]
    unknown = {k: dict(v) for k, v in current["unknown"].items()}
    new_interview = event["type"] == "interview.created"
    for kind, term in findings.unresolved:
        key = f"{kind}:{term.casefold()}"
        entry = unknown.get(key)
        if entry is None:
            entry = unknown[key] = {
                "kind": kind,
                "term": term,
                "interviews": [],
                "count": 0,
                "firstSeen": event["occurredAt"],
            }
            entry["count"] = 1  # first seen, on a new or an edited interview
        elif new_interview:
            entry["count"] += 1  # each interview is created once: counted once
        if record["id"] not in entry["interviews"]:
            entry["interviews"] = [*entry["interviews"], record["id"]][-UNKNOWN_EXAMPLES:]
        entry["lastSeen"] = event["occurredAt"]
    cooccurrence = current["cooccurrence"]
    if event["type"] == "interview.created":
        merged = merge_counts(cooccurrence, cooccurrence_increments(record.get("skills", [])))
        cooccurrence = {a: strongest(row, MAX_PARTNERS) for a, row in merged.items()}
    return {
        "offsets": {**current["offsets"], topic: offset},
        "unknown": bounded_unknown(unknown, MAX_UNKNOWN),
        "cooccurrence": cooccurrence,
    }


def strongest(row: Mapping[str, int], keep: int) -> dict[str, int]:
    """The ``keep`` highest counts of a row (ties by id)."""
    if len(row) <= keep:
        return dict(row)
    return dict(sorted(row.items(), key=lambda kv: (-kv[1], kv[0]))[:keep])


def bounded_unknown(unknown: dict[str, dict[str, Any]], keep: int) -> dict[str, dict[str, Any]]:
    """At most ``keep`` unknown terms: the most asked-for, then the most recently seen."""
    if len(unknown) <= keep:
        return unknown
    ranked = sorted(
        unknown.items(), key=lambda kv: (kv[1]["count"], kv[1].get("lastSeen", "")), reverse=True
    )
    return dict(ranked[:keep])


def unknown_terms(state: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The tenant's unresolved terms for review, most frequent first."""
    entries = (state or empty_state())["unknown"].values()
    return [
        {k: e[k] for k in ("kind", "term", "count", "firstSeen", "lastSeen")}
        | {"exampleInterviewIds": e["interviews"][-5:]}
        for e in sorted(entries, key=lambda e: (-e["count"], e["term"].casefold()))
    ]

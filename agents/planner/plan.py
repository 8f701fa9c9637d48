"""``generate_plan`` and ``revise_plan``: the planner's decisions. Pure and deterministic.

The same inputs, seed (the run id), version and notes give the same plan, byte for byte, with
the same data files. ``planId`` is a UUID (version 5) of exactly those, so a test can pin it and
every revision gets an id of its own. A plan is a JSON-ready dict with camelCase keys::

    {planId, version, seed, roleFamily, level, duration, greeting,
     competencies: [{id, name, kind, skillId, required, weight, minimumScore,
                     questions: [{id, source, templateId?, difficulty, level, text,
                                  goodAnswerCovers}]}],
     timeBudget: {greeting, competencies: [{competencyId, minutes}], candidateQuestions,
                  wrapUp, total},
     skillsCoverage: {skill: bool}, adjustments: {focus, removed, difficultyShift},
     revisions: [{version, notes}], inputs: {...}, taxonomyVersion, bankVersion}

``skillsCoverage`` says which of the interview's skills (and those its qualifications name)
the plan assesses; ``revisions`` keeps every recruiter note, and a plan is always rebuilt from
its ``inputs`` and all of them, so revising is repeatable.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from hirestream.agents.enrich.skills import skills_in_text
from hirestream.agents.enrich.taxonomy import Taxonomy, load_taxonomy
from hirestream.agents.planner.bank import Bank, load_bank
from hirestream.agents.planner.budget import (
    DEFAULT_DURATION,
    check_duration,
    max_competencies,
    question_count,
    time_budget,
)
from hirestream.agents.planner.competencies import candidates, skill_competency, weights
from hirestream.agents.planner.greeting import greeting
from hirestream.agents.planner.levels import minimum_score, normalise_level, target_difficulty
from hirestream.agents.planner.notes import read_notes
from hirestream.agents.planner.questions import available, questions_for

PLAN_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://hirestream.dev/plan")


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(" ".join(v.split()) for v in value if isinstance(v, str) and v.strip())


def _text(value: Any) -> str | None:
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


@dataclass(frozen=True)
class PlanInput:
    """What a plan is made from. ``skills`` are canonical skill names (or taxonomy ids);
    ``position`` and ``company_name`` only shape the greeting and the role questions."""

    role_family: str | None = None
    level: str | None = None
    skills: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    duration: int = DEFAULT_DURATION
    position: str | None = None
    company_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "roleFamily": self.role_family,
            "level": self.level,
            "skills": list(self.skills),
            "qualifications": list(self.qualifications),
            "duration": self.duration,
            "position": self.position,
            "companyName": self.company_name,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PlanInput:
        duration = raw.get("duration")
        return cls(
            role_family=_text(raw.get("roleFamily")),
            level=normalise_level(raw.get("level")),
            skills=_strings(raw.get("skills")),
            qualifications=_strings(raw.get("qualifications")),
            duration=DEFAULT_DURATION if duration is None else duration,
            position=_text(raw.get("position")),
            company_name=_text(raw.get("companyName")),
        )

    def normalised(self) -> PlanInput:
        """The same inputs as a plan records them (level lower-case, text trimmed)."""
        return PlanInput.from_json(self.to_json())

    @classmethod
    def from_interview(cls, record: Mapping[str, Any]) -> PlanInput:
        """The inputs of an interview record: canonical skills and role family from its
        ``canonicalPayload`` (the record's own skills when it has none yet)."""
        canonical = record.get("canonicalPayload") or {}
        return cls.from_json(
            {
                "roleFamily": canonical.get("roleFamily"),
                "level": record.get("level"),
                "skills": canonical.get("skills", record.get("skills")),
                "qualifications": record.get("qualifications"),
                "duration": record.get("duration"),
                "position": record.get("position"),
                "companyName": record.get("companyName"),
            }
        )


def plan_id(inputs: PlanInput, seed: str, version: int, notes: Sequence[str]) -> str:
    """The deterministic id of the plan made from these."""
    basis = {
        "inputs": inputs.normalised().to_json(),
        "seed": seed,
        "version": version,
        "notes": list(notes),
    }
    text = json.dumps(basis, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(uuid.uuid5(PLAN_NAMESPACE, text))


def generate_plan(
    inputs: PlanInput,
    *,
    seed: str,
    previous: Mapping[str, Any] | None = None,
    taxonomy: Taxonomy | None = None,
    bank: Bank | None = None,
) -> dict[str, Any]:
    """A plan for ``inputs``. With ``previous`` (the interview's current plan, when its content
    changed) the new plan is its next version and keeps its recruiter notes."""
    version = previous["version"] + 1 if previous else 1
    revisions = list(previous["revisions"]) if previous else []
    return _build(
        inputs, seed, version, revisions, taxonomy or load_taxonomy(), bank or load_bank()
    )


def revise_plan(
    plan: Mapping[str, Any],
    notes: str,
    *,
    taxonomy: Taxonomy | None = None,
    bank: Bank | None = None,
) -> dict[str, Any]:
    """The next version of ``plan`` with the recruiter's ``notes`` recorded and applied."""
    if not isinstance(notes, str) or not notes.strip():
        raise ValueError("revision notes must not be empty")
    version = plan["version"] + 1
    revisions = [*plan["revisions"], {"version": version, "notes": notes.strip()}]
    inputs = PlanInput.from_json(plan["inputs"])
    return _build(
        inputs, plan["seed"], version, revisions, taxonomy or load_taxonomy(), bank or load_bank()
    )


def _build(
    inputs: PlanInput,
    seed: str,
    version: int,
    revisions: list[dict[str, Any]],
    tax: Taxonomy,
    bank: Bank,
) -> dict[str, Any]:
    inputs = inputs.normalised()
    duration = check_duration(inputs.duration)
    if inputs.role_family is not None and inputs.role_family not in tax.role_families:
        raise ValueError(f"unknown role family {inputs.role_family!r}")
    family = tax.role_families.get(inputs.role_family or "")
    level = inputs.level
    notes = [r["notes"] for r in revisions]
    adjustments = read_notes(notes, inputs.skills, tax)
    role_name = inputs.position or (family.name if family else "open")
    chosen = candidates(
        skills=inputs.skills,
        qualifications=inputs.qualifications,
        role_family=inputs.role_family,
        level=level,
        role_name=role_name,
        adjustments=adjustments,
        tax=tax,
        bank=bank,
    )[: max_competencies(duration)]
    weighted = list(zip(chosen, weights(chosen), strict=True))
    budget = time_budget(duration, [(c.id, w) for c, w in weighted])
    minutes = [m["minutes"] for m in budget["competencies"]]
    target = target_difficulty(level, adjustments.difficulty_shift)
    competencies = [
        {
            "id": c.id,
            "name": c.name,
            "kind": c.kind,
            "skillId": c.skill_id,
            "required": c.required,
            "weight": w,
            "minimumScore": minimum_score(level, required=c.required),
            "questions": questions_for(c, question_count(m, available(c, bank)), target, bank),
        }
        for (c, w), m in zip(weighted, minutes, strict=True)
    ]
    return {
        "planId": plan_id(inputs, seed, version, notes),
        "version": version,
        "seed": seed,
        "roleFamily": inputs.role_family,
        "level": level,
        "duration": duration,
        "greeting": greeting(
            role_name=role_name,
            company_name=inputs.company_name,
            duration=duration,
            candidate_minutes=budget["candidateQuestions"],
            competencies=chosen,
        ),
        "competencies": competencies,
        "timeBudget": budget,
        "skillsCoverage": _coverage(inputs, {c.id for c in chosen}, tax),
        "adjustments": adjustments.to_json(),
        "revisions": revisions,
        "inputs": inputs.to_json(),
        "taxonomyVersion": tax.version,
        "bankVersion": bank.version,
    }


def _coverage(inputs: PlanInput, chosen: set[str], tax: Taxonomy) -> dict[str, bool]:
    """Each skill of the interview and of its qualifications: does the plan assess it?"""
    named = [*inputs.skills]
    for statement in inputs.qualifications:
        named += [tax.skills[s].name for s in skills_in_text(statement, tax)]
    coverage: dict[str, bool] = {}
    for name in named:
        competency = skill_competency(name, True, tax)
        coverage.setdefault(competency.name, competency.id in chosen)
    return coverage


def run_id(interview_id: str) -> str:
    """The workflow run of an interview: stable, so the Integration API can name it."""
    return "run_" + interview_id.replace("-", "")


def plan_for(record: Mapping[str, Any]) -> dict[str, Any]:
    """The plan an interview waiting for one gets: a revision when the recruiter asked for one
    (a note the current plan has not taken in yet), else a fresh plan (a new version of the
    previous one, if any)."""
    previous = record.get("plan")
    notes = record.get("revisionNotes") or []
    asked = previous is not None and len(notes) > len(previous.get("revisions", []))
    if previous is not None and asked and notes[-1].strip():
        return revise_plan(previous, notes[-1])
    return generate_plan(
        PlanInput.from_interview(record), seed=run_id(record["id"]), previous=previous
    )

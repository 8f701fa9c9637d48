"""``assess``: the rubric scorer. A transcript and its plan in, an explainable assessment out.

Pure and deterministic: no I/O, clock or randomness, so the same turns and plan always give the
same assessment. For each competency of the plan:

1. **Answers.** A candidate turn answers the interviewer turn before it: a plan question
   (``questionId``), a follow-up on a competency (``skill``) or nothing (the greeting). Other
   candidate turns that name the competency's skill (taxonomy name or alias) are extra evidence.
2. **Signals**, each 0-1, of an answer against one question (details in ``features``):
   *rubric*: each ``goodAnswerCovers`` item becomes its key terms (content words, stemmed, less
   the question's own words, so echoing the question covers nothing); it is covered when half
   of them occur in the answer (less: partial credit). Generic rubric words (example, outcome,
   trade-offs, the candidate's own part) are met by the matching depth marker instead.
   *depth*: distinct markers among reasons, trade-offs, numbers, examples, failure modes,
   results and first-person decisions ("I measured"); four give full credit.
   *substance*: distinct content words (35 for full credit) and sentences (3).
   *topic*: the skill named 1, a related skill (taxonomy edges) 0.5.
3. **Answer score** = 4 x (0.50 rubric + (0.25 depth + 0.15 substance) x relevance + 0.10
   topic) x quality. Relevance = max(rubric, topic): how an answer is argued counts only as
   far as it is on the subject, so a fluent off-topic story scores 0. Quality (0-1) falls
   with keyword stuffing or gibberish (few function words, no verbs, repeated or
   unpronounceable words) and with copying the question (few words of its own).
4. **Competency score** = mean over its questions asked (unanswered: 0; never asked: left out),
   moved a quarter of the way up to its best extra-evidence turn, rounded half up to 0-4.
   Nothing asked: 0.

``overallScore`` = 100 x sum(weight x score) / (4 x sum(weight)), rounded half up. The
recommendation: STRONG_HIRE at >= 80 and HIRE at >= 60, both only when every required
competency reaches its ``minimumScore``; otherwise MAYBE at >= 40; otherwise NO_HIRE.

The scorer measures coverage of the expected points and how they are argued; it cannot tell
a true statement from a false one that uses the same words (the LLM scorer can).
``VERSION`` changes whenever the method or one of its constants changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from hirestream.agents.assessor.features import WORD, Reader, Text, item_credit, ramp, stem
from hirestream.agents.enrich.taxonomy import Taxonomy, load_taxonomy
from hirestream.agents.enrich.text import fold

MODEL_NAME: Final = "hirestream-rubric"
VERSION: Final = "1.0.0"
MAX_SCORE: Final = 4
STRONG_HIRE_AT: Final = 80
HIRE_AT: Final = 60
MAYBE_AT: Final = 40
RUBRIC, DEPTH, SUBSTANCE, TOPIC = 0.50, 0.25, 0.15, 0.10
EXTRA_SHARE: Final = 0.25


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


@dataclass(frozen=True)
class Verdict:
    """One answer judged against one question."""

    score: float
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    markers: frozenset[str]
    flags: frozenset[str]  # "empty", "keywords", "copy", "off-topic"


def judge(answer: Text | None, asked: Text, question: Mapping[str, Any], topic: float) -> Verdict:
    """Score one answer (None: unanswered) to one question, 0-4 (module docstring, step 3)."""
    items = [i for i in question.get("goodAnswerCovers") or () if isinstance(i, str)]
    if answer is None or not answer.stems:
        return Verdict(0.0, (), tuple(items), frozenset(), frozenset({"empty"}))
    credits = [item_credit(item, answer, asked.stems) for item in items]
    rubric = sum(credits) / len(credits) if credits else 0.0
    depth = min(len(answer.markers) / 4, 1.0)
    substance = 0.7 * min(len(answer.content) / 35, 1.0) + 0.3 * min(answer.sentences / 3, 1.0)
    own = len(answer.content - asked.stems) / len(answer.content) if answer.content else 0.0
    novelty = ramp(own, 0.2, 0.5)
    relevance = max(rubric, topic)
    how = DEPTH * depth + SUBSTANCE * substance
    score = MAX_SCORE * (RUBRIC * rubric + how * relevance + TOPIC * topic)
    score *= min(answer.fluency, novelty)
    flags = {"keywords"} if answer.fluency < 0.5 else set()
    flags |= {"copy"} if novelty < 0.5 else set()
    unrelated = relevance == 0 and not answer.content & asked.stems  # not even the question's
    flags |= {"off-topic"} if unrelated and substance >= 0.3 else set()
    return Verdict(
        score,
        tuple(i for i, c in zip(items, credits, strict=True) if c >= 1),
        tuple(i for i, c in zip(items, credits, strict=True) if c < 0.5),
        answer.markers if relevance >= 0.5 and score >= 1 else frozenset(),
        frozenset(flags),
    )


@dataclass
class Unit:
    """One question of a competency as asked, with the candidate turns that answer it."""

    question: Mapping[str, Any] | None  # None: a follow-up on the competency
    asked: str  # the interviewer's words (the plan's question when the turn has none)
    answers: list[tuple[int, str]]  # (turn index, text)


Said = tuple[int, str, Unit | None]  # a candidate turn: index, text, the unit it answers


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _index(turn: Mapping[str, Any], position: int) -> int:
    index = turn.get("index")
    return index if isinstance(index, int) and not isinstance(index, bool) else position


def _units(
    turns: Sequence[Any], comps: list[Mapping[str, Any]]
) -> tuple[list[dict[str, Unit]], list[Said]]:
    """Each competency's units by question id, and every candidate turn in order."""
    by_question = {
        _str(q.get("id")): (n, q) for n, c in enumerate(comps) for q in _items(c.get("questions"))
    }
    by_name = {_str(c.get("name")).casefold(): n for n, c in enumerate(comps)}
    units: list[dict[str, Unit]] = [{} for _ in comps]
    said: list[Said] = []
    current: Unit | None = None
    for position, turn in enumerate(turns):
        if not isinstance(turn, Mapping):
            continue
        text, question_id = _str(turn.get("text")), _str(turn.get("questionId"))
        if turn.get("role") == "candidate":
            if current is not None:
                current.answers.append((_index(turn, position), text))
            said.append((_index(turn, position), text, current))
        elif question_id in by_question:
            n, question = by_question[question_id]
            asked = text if text.strip() else _str(question.get("text"))
            current = units[n].setdefault(question_id, Unit(question, asked, []))
        elif (n := by_name.get(_str(turn.get("skill")).casefold(), -1)) >= 0:
            current = units[n].setdefault(f"@{position}", Unit(None, text, []))
        else:
            current = None
    return units, said


def _related(skill_id: str, tax: Taxonomy) -> frozenset[str]:
    edges = [e.target for e in tax.edges if e.source == skill_id]
    return frozenset(edges + [e.source for e in tax.edges if e.target == skill_id])


def _topic(text: Text, comp: Mapping[str, Any], related: frozenset[str]) -> float:
    """1 when the answer names the skill, 0.5 for a related skill (or, for a behavioural
    competency, a personal example), else 0."""
    skill_id = comp.get("skillId")
    if not isinstance(skill_id, str):
        name = {stem(w) for w in WORD.findall(fold(_str(comp.get("name"))))}
        return 1.0 if name and name <= text.stems else 0.0
    if skill_id in text.skills:
        return 1.0
    if text.skills & related:
        return 0.5
    behavioural = comp.get("kind") == "behavioural"
    return 0.5 if behavioural and text.markers & {"own decisions", "examples"} else 0.0


def _best(
    answer: Text | None, asked: Text, questions: Sequence[Mapping[str, Any]], topic: float
) -> Verdict:
    """The verdict against the question the answer fits best."""
    return max((judge(answer, asked, q, topic) for q in questions or [{}]), key=_by_score)


def _by_score(verdict: Verdict) -> float:
    return verdict.score


def _judge_unit(
    unit: Unit, comp: Mapping[str, Any], related: frozenset[str], read_: Reader
) -> tuple[Verdict, set[int]]:
    spoken = [(i, t) for i, t in unit.answers if t.strip()]
    pool = [unit.question] if unit.question is not None else _items(comp.get("questions"))
    if not spoken:
        return judge(None, read_(unit.asked), pool[0] if pool else {}, 0.0), set()
    answer = read_(" ".join(t for _, t in spoken))
    verdict = _best(answer, read_(unit.asked), pool, _topic(answer, comp, related))
    return verdict, {i for i, _ in spoken}


def _extra(
    comp: Mapping[str, Any], own: Iterable[Unit], said: list[Said], read_: Reader
) -> tuple[float, set[int]]:
    """The best score of other candidate turns that name the skill, and their indexes."""
    best, indexes = 0.0, set()
    for index, value, unit in said:
        found = read_(value)
        if any(unit is u for u in own) or found.fluency < 0.5:
            continue
        if _topic(found, comp, frozenset()) == 1.0:
            asked = read_(unit.asked if unit else "")
            best = max(best, _best(found, asked, _items(comp.get("questions")), 1.0).score)
            indexes.add(index)
    return best, indexes


def _join(items: Iterable[str], limit: int = 3) -> str:
    chosen = list(dict.fromkeys(i.strip().rstrip(".") for i in items))
    more = len(chosen) - limit
    return "; ".join(chosen[:limit]) + (f" and {more} more" if more > 0 else "")


def rationale(name: str, verdicts: Sequence[Verdict]) -> str:
    """One or two plain sentences: what was covered (and how deeply), then what was not."""
    if not verdicts:
        return f"{name} was not assessed: none of its questions was asked."
    covered = [i for v in verdicts for i in v.covered]
    missed = [i for v in verdicts for i in v.missed if i not in covered]
    markers = sorted({m for v in verdicts for m in v.markers})
    flags = {f for v in verdicts for f in v.flags}
    first = f"Covered: {_join(covered)}" if covered else "Covered none of the expected points"
    first += f" (with {', '.join(markers)})." if markers else "."
    if all("empty" in v.flags for v in verdicts):
        return f"{first} No answer was given."
    problems = [
        ("copy", "Answers repeated the question instead of answering it."),
        ("keywords", "Answers listed terms instead of explaining them."),
        ("off-topic", f"Answers did not address {name}."),
        ("empty", "A question was left unanswered."),
    ]
    second = next((s for flag, s in problems if flag in flags), "")
    second = second or (f"Not covered: {_join(missed)}." if missed else "")
    return f"{first} {second}".strip()


def _competency(
    comp: Mapping[str, Any], units: dict[str, Unit], said: list[Said], read_: Reader
) -> dict[str, Any]:
    """One entry of ``skills`` (module docstring, step 4)."""
    related = _related(_str(comp.get("skillId")), read_.tax)
    judged = [_judge_unit(u, comp, related, read_) for u in units.values()]
    verdicts = [v for v, _ in judged]
    evidence = {i for _, indexes in judged for i in indexes}
    score = sum(v.score for v in verdicts) / len(verdicts) if verdicts else 0.0
    extra, mentions = _extra(comp, units.values(), said, read_)
    if verdicts:
        score += EXTRA_SHARE * max(extra - score, 0.0)
        evidence |= mentions
    name = _str(comp.get("name"))
    return {
        "skill": name,
        "required": comp.get("required") is True,
        "score": min(max(_half_up(score), 0), MAX_SCORE),
        "evidence": sorted(evidence),
        "rationale": rationale(name, verdicts),
    }


def _number(value: Any, default: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else default


def overall_score(skills: Sequence[Mapping[str, Any]], plan: Mapping[str, Any]) -> int:
    """100 x the weight-averaged score / 4 (equal weights when the plan gives none)."""
    weights = [max(_number(c.get("weight"), 0.0), 0.0) for c in _items(plan.get("competencies"))]
    if sum(weights) <= 0:
        weights = [1.0] * len(weights)
    pairs = list(zip(weights, (s["score"] for s in skills), strict=False))
    total = sum(w for w, _ in pairs)
    return _half_up(100 * sum(w * s for w, s in pairs) / (MAX_SCORE * total)) if total else 0


def recommendation(
    overall: int, skills: Sequence[Mapping[str, Any]], plan: Mapping[str, Any]
) -> str:
    """The thresholds of the module docstring."""
    comps = _items(plan.get("competencies"))
    short = any(
        c.get("required") is True and s["score"] < _number(c.get("minimumScore"), 0)
        for c, s in zip(comps, skills, strict=False)
    )
    if overall >= STRONG_HIRE_AT and not short:
        return "STRONG_HIRE"
    if overall >= HIRE_AT and not short:
        return "HIRE"
    return "MAYBE" if overall >= MAYBE_AT else "NO_HIRE"


def build_assessment(
    skills: list[dict[str, Any]], plan: Mapping[str, Any], model: Mapping[str, str]
) -> dict[str, Any]:
    """The assessment from per-competency entries in plan order (any scorer's)."""
    overall = overall_score(skills, plan)
    return {
        "skills": skills,
        "overallScore": overall,
        "recommendation": recommendation(overall, skills, plan),
        "model": dict(model),
    }


def assess(
    turns: Sequence[Mapping[str, Any]],
    plan: Mapping[str, Any],
    *,
    taxonomy: Taxonomy | None = None,
) -> dict[str, Any]:
    """The assessment of ``turns`` against ``plan`` (see the module docstring)."""
    tax = taxonomy or load_taxonomy()
    comps = _items(plan.get("competencies"))
    units, said = _units(turns, comps)
    read_ = Reader(tax)
    skills = [_competency(c, u, said, read_) for c, u in zip(comps, units, strict=True)]
    return build_assessment(skills, plan, {"name": MODEL_NAME, "version": VERSION})

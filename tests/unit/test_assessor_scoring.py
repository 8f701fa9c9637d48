"""The rubric scorer on hand-written transcripts against a real plan: strong, weak, off-topic,
empty, stuffed, copied and gibberish answers, evidence, determinism, thresholds, and
properties over random transcripts."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hirestream.agents.assessor.features import FUNCTION, stem
from hirestream.agents.assessor.scoring import (
    MODEL_NAME,
    VERSION,
    assess,
    overall_score,
    recommendation,
)
from hirestream.agents.enrich.taxonomy import load_taxonomy
from hirestream.agents.planner.plan import PlanInput, generate_plan

PLAN = generate_plan(
    PlanInput(
        role_family="backend_engineering",
        level="SENIOR",
        skills=("Python", "PostgreSQL", "Kafka"),
        duration=45,
        position="Senior Backend Engineer",
        company_name="Acme",
    ),
    seed="assessor-tests",
)
QUESTIONS = {q["id"]: q for c in PLAN["competencies"] for q in c["questions"]}
SKILLS = ["Python", "PostgreSQL", "Apache Kafka", "Communication"]
Answers = Mapping[str, str | None] | Callable[[dict[str, Any]], str | None]

STRONG = {
    "python-2": "A generator is a function that uses yield, so it produces values lazily: each "
    "value is computed only when the caller asks for the next one. I use them instead of a list "
    "when the sequence is large or even infinite, because memory stays flat. For example, last "
    "year I wrote a log parser that streamed a 40 GB file line by line through a generator "
    "pipeline; a list would have needed far more memory than the 2 GB container had. The "
    "trade-off is that a generator can only be iterated once, so if two consumers need the data "
    "you rebuild it or materialise a list. That bit us once in production.",
    "python-3": "In CPython the GIL lets only one thread run Python bytecode at a time, so "
    "threads do not speed up CPU-bound work. Threads still help for I/O-bound work, because the "
    "lock is released while a thread waits on the network or disk. For CPU-bound work I use "
    "processes, for example a multiprocessing pool for image resizing, which went from 40 "
    "minutes to 6 on 8 cores. For many concurrent I/O operations I prefer asyncio in one "
    "thread: I measured a crawler holding 2,000 open connections with far less memory than a "
    "thread per request. The downside is that one blocking call stalls the whole event loop.",
    "postgresql-2": "B-tree is the default index and fits equality and range queries on "
    "sortable columns. For JSONB documents and full text search I use GIN, because it indexes "
    "every key or lexeme inside the value. GiST helps with geometric data and ranges, and BRIN "
    "is tiny and works well on huge append-only tables where the physical order follows time. "
    "I also use partial indexes, for example only on rows whose status is pending, and "
    "composite indexes whose column order matches the query. I decided on each one by reading "
    "EXPLAIN ANALYZE; the trade-off is slower writes and more disk for every extra index.",
    "postgresql-3": "MVCC means every update writes a new row version, and each transaction "
    "reads from a snapshot, so readers never block writers. Old versions become dead tuples "
    "once no snapshot can see them, and that causes bloat in tables and indexes. VACUUM marks "
    "that space reusable and also freezes old rows, which prevents transaction ID wraparound. "
    "We had an incident where a long-running transaction held back the cleanup and a 20 GB "
    "table grew to 90 GB. I tuned autovacuum per table, lowering the scale factor on the hot "
    "tables, and added monitoring on the oldest transaction age.",
    "kafka-3": "Kafka gives at-least-once delivery when the producer retries, and at-most-once "
    "if you commit offsets before processing. Exactly-once inside Kafka needs idempotent "
    "producers and transactions. To avoid loss I set acks=all with min.insync.replicas=2, "
    "because with acks=1 a leader failure can drop acknowledged messages. To avoid duplicates "
    "I make consumers idempotent: for example we stored the message key and offset in "
    "PostgreSQL in the same transaction as the effect, so a redelivered message was skipped. "
    "The trade-off is latency: acks=all added about 5 ms at p99 for us.",
    "communication-3": "I raise risks early, as soon as I see that a milestone is in danger, "
    "rather than waiting for the status meeting. For example, last quarter our payment "
    "migration slipped because a vendor API was late, so I wrote a short note to the "
    "stakeholders with three options: cut scope, move the date by two weeks, or add a "
    "contractor, with the trade-offs of each. We agreed to move the date. After that I sent a "
    "regular, honest update every Friday, including what went wrong, and the launch went out "
    "without surprises.",
}
WEAK = {
    "python-2": "Generators are pretty useful and I have used them a lot. They are good for "
    "performance in general. I think they are nice.",
    "python-3": "The GIL is something in Python that I have heard about. It can be a problem "
    "sometimes, so you should be careful with it.",
    "postgresql-2": "There are a few index types. I usually just add an index when something "
    "is slow and it works fine.",
    "postgresql-3": "MVCC is how Postgres handles things internally. VACUUM cleans stuff up, I "
    "think it runs automatically.",
    "kafka-3": "Kafka is reliable so it does not lose messages usually. We used the defaults "
    "and it was fine.",
    "communication-3": "I tell people what is going on when they ask me. Communication is "
    "important in every team.",
}
MEDIUM = {
    "python-2": "Generators use yield to produce values one at a time, lazily, instead of building "
    "the whole list in memory. That makes them good for large files.",
    "python-3": "The GIL means only one thread runs Python code at a time. So threads are fine for "
    "I/O-bound work, but for CPU-bound work you need multiple processes.",
    "postgresql-2": "The default is B-tree. There are also GIN indexes, which are useful for "
    "JSONB columns, and hash indexes.",
    "postgresql-3": "MVCC keeps several versions of a row so that readers do not block writers. "
    "VACUUM removes the dead rows that updates leave behind.",
    "kafka-3": "Kafka is at-least-once by default, so consumers can see duplicates. You can "
    "enable the idempotent producer to avoid duplicates from retries.",
    "communication-3": "I send an email to the stakeholders as soon as I know there is a risk, "
    "and I explain what options we have.",
}
GARDEN = (
    "Last spring I rebuilt the vegetable garden behind our house because the old raised beds "
    "had rotted. I measured the plot, which is about 6 by 4 metres, and decided on three beds "
    "with a path between them, so that I can reach every plant without stepping on the soil. "
    "The trade-off was less growing space, but the harvest still doubled compared with the "
    "year before. For example, the tomatoes did far better once I added drip irrigation."
)


def transcript(answers: Answers, *, stop_after: int | None = None) -> list[dict[str, Any]]:
    """The greeting, then each plan question and its answer (None: no answer turn)."""
    turns: list[dict[str, Any]] = [
        {"index": 0, "role": "interviewer", "text": PLAN["greeting"], "at": "t0"},
        {"index": 1, "role": "candidate", "text": "Yes, let's begin.", "at": "t1"},
    ]
    for n, (question_id, question) in enumerate(QUESTIONS.items()):
        if stop_after is not None and n >= stop_after:
            break
        skill = next(c["name"] for c in PLAN["competencies"] if question in c["questions"])
        turns.append(
            {
                "index": len(turns),
                "role": "interviewer",
                "text": question["text"],
                "at": "t",
                "questionId": question_id,
                "skill": skill,
            }
        )
        answer = answers(question) if callable(answers) else answers.get(question_id)
        if answer is not None:
            turns.append({"index": len(turns), "role": "candidate", "text": answer, "at": "t"})
    return turns


def scores(assessment: dict[str, Any]) -> dict[str, int]:
    return {s["skill"]: s["score"] for s in assessment["skills"]}


def answer_turns(turns: list[dict[str, Any]], skill: str) -> list[int]:
    """Indexes of the candidate turns that answer ``skill``'s questions."""
    return [
        turns[n + 1]["index"]
        for n, turn in enumerate(turns[:-1])
        if turn.get("skill") == skill and turns[n + 1]["role"] == "candidate"
    ]


def rubric_terms(question: dict[str, Any]) -> list[str]:
    """The key terms of a question's rubric: its words less the function words."""
    words = re.findall(r"[\w/+#.-]+", " ".join(question["goodAnswerCovers"]).casefold())
    return list(dict.fromkeys(w for w in words if w not in FUNCTION))


def keyword_list(question: dict[str, Any]) -> str:
    """Every rubric term, the skill's name and aliases, as a list: no sentences."""
    skill = load_taxonomy().skills[question["id"].split("-")[0]]
    return ", ".join([skill.name, *skill.aliases, *rubric_terms(question)])


def test_the_plan_asks_the_questions_the_answers_are_written_for() -> None:
    assert [c["name"] for c in PLAN["competencies"]] == SKILLS
    assert set(QUESTIONS) == set(STRONG) == set(WEAK)


def test_strong_answers_score_high() -> None:
    result = assess(transcript(STRONG), PLAN)
    assert scores(result) == dict.fromkeys(SKILLS, 4)
    assert result["overallScore"] >= 80
    assert result["recommendation"] == "STRONG_HIRE"
    python = result["skills"][0]
    assert python["rationale"].startswith("Covered: yield and lazy evaluation")
    assert "trade-offs" in python["rationale"]


def test_weak_answers_score_low() -> None:
    result = assess(transcript(WEAK), PLAN)
    assert all(score <= 1 for score in scores(result).values())
    assert result["overallScore"] < 40
    assert result["recommendation"] == "NO_HIRE"
    assert "Not covered: yield and lazy evaluation" in result["skills"][0]["rationale"]


def test_correct_but_shallow_answers_land_in_between() -> None:
    medium = assess(transcript(MEDIUM), PLAN)
    weak, strong = assess(transcript(WEAK), PLAN), assess(transcript(STRONG), PLAN)
    assert weak["overallScore"] < medium["overallScore"] < strong["overallScore"]
    assert 2 <= scores(medium)["Python"] <= 3 and 2 <= scores(medium)["Apache Kafka"] <= 3
    assert medium["recommendation"] == "MAYBE"
    assert "Not covered: a generator can only be iterated once" in medium["skills"][0]["rationale"]


def test_a_required_competency_below_its_minimum_caps_the_recommendation() -> None:
    result = assess(transcript({**STRONG, "kafka-3": WEAK["kafka-3"]}), PLAN)
    assert scores(result)["Apache Kafka"] <= 1
    assert result["overallScore"] >= 60
    assert result["recommendation"] == "MAYBE"


def test_an_off_topic_answer_scores_low_for_that_skill_only() -> None:
    off_topic = {**STRONG, "python-2": GARDEN, "python-3": GARDEN}
    result = assess(transcript(off_topic), PLAN)
    assert scores(result) == {**dict.fromkeys(SKILLS, 4), "Python": 0}
    assert "did not address Python" in result["skills"][0]["rationale"]
    assert result["recommendation"] == "MAYBE"


def test_empty_and_missing_answers_score_zero() -> None:
    silent = {"python-2": "", "python-3": "   "}
    result = assess(transcript(silent), PLAN)  # the other questions have no answer turn
    assert scores(result) == dict.fromkeys(SKILLS, 0)
    assert all(s["evidence"] == [] for s in result["skills"])
    assert result["skills"][0]["rationale"].endswith("No answer was given.")
    assert result["overallScore"] == 0
    assert result["recommendation"] == "NO_HIRE"


def test_questions_never_asked_score_zero_and_say_so() -> None:
    result = assess(transcript(STRONG, stop_after=2), PLAN)  # ended after the Python questions
    assert scores(result) == {**dict.fromkeys(SKILLS, 0), "Python": 4}
    assert result["skills"][1]["rationale"] == (
        "PostgreSQL was not assessed: none of its questions was asked."
    )


def test_one_unanswered_question_halves_the_competency() -> None:
    result = assess(transcript({**STRONG, "python-3": None}), PLAN)
    assert scores(result)["Python"] == 2
    assert "A question was left unanswered." in result["skills"][0]["rationale"]


@pytest.mark.parametrize(
    "stuffing",
    [
        keyword_list,
        lambda q: keyword_list(q).replace(", ", " "),
        lambda q: keyword_list(q).replace(", ", " and the "),
        lambda q: " ".join([keyword_list(q)] * 5),
    ],
    ids=["comma-list", "bare-words", "joined-by-and-the", "repeated"],
)
def test_keyword_stuffing_scores_low_despite_naming_every_rubric_term(
    stuffing: Callable[[dict[str, Any]], str],
) -> None:
    for question in QUESTIONS.values():
        text = stuffing(question).casefold()
        assert all(term in text for term in rubric_terms(question))
    result = assess(transcript(stuffing), PLAN)
    assert all(score <= 1 for score in scores(result).values()), scores(result)
    assert result["recommendation"] == "NO_HIRE"
    assert "listed terms instead of explaining them" in result["skills"][1]["rationale"]


@pytest.mark.parametrize(
    "copying",
    [
        lambda q: q["text"],
        lambda q: f"{q['text']} {q['text'].lower()} That is the question, I would say.",
        lambda q: f"So: {q['text'].rstrip('?')}. Yes. {q['text']}",
    ],
    ids=["verbatim", "twice-with-filler", "rephrased-echo"],
)
def test_copying_the_question_scores_low(copying: Callable[[dict[str, Any]], str]) -> None:
    result = assess(transcript(copying), PLAN)
    assert all(score <= 1 for score in scores(result).values()), scores(result)
    assert all("repeated the question" in s["rationale"] for s in result["skills"])


@pytest.mark.parametrize(
    "gibberish",
    [
        "asdfgh qwrtzp lkjhgf zxcvbn mnbvcx poiuyt " * 6,
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
        "!!! ??? ... --- ### 123 456",
        "the of and to in is was it for on with as by at from or an be this " * 4,
    ],
)
def test_gibberish_scores_zero(gibberish: str) -> None:
    result = assess(transcript(lambda _: gibberish), PLAN)
    assert scores(result) == dict.fromkeys(SKILLS, 0)


def test_evidence_points_at_the_candidate_turns_that_answer_each_skill() -> None:
    turns = transcript(STRONG)
    result = assess(turns, PLAN)
    evidence = {s["skill"]: s["evidence"] for s in result["skills"]}
    kafka_answer = answer_turns(turns, "Apache Kafka")
    assert evidence["Python"] == answer_turns(turns, "Python") == [3, 5]
    assert evidence["Apache Kafka"] == kafka_answer == [11]
    assert evidence["Communication"] == answer_turns(turns, "Communication") == [13]
    # The Kafka answer names PostgreSQL: extra evidence for it, beside its own answers.
    assert evidence["PostgreSQL"] == sorted([*answer_turns(turns, "PostgreSQL"), *kafka_answer])
    candidate = {t["index"] for t in turns if t["role"] == "candidate"}
    assert all(set(e) <= candidate - {1} for e in evidence.values())


def test_evidence_uses_the_turns_own_indexes() -> None:
    turns = [{**t, "index": t["index"] + 100} for t in transcript(STRONG)]
    assert assess(turns, PLAN)["skills"][0]["evidence"] == [103, 105]


def test_the_same_input_gives_the_same_assessment() -> None:
    turns = transcript({**STRONG, "kafka-3": WEAK["kafka-3"], "python-3": GARDEN})
    first = assess(turns, PLAN)
    again = assess(copy.deepcopy(turns), copy.deepcopy(PLAN))
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_the_assessment_has_the_contract_shape() -> None:
    for answers in (STRONG, WEAK, {}):
        result = assess(transcript(answers), PLAN)
        assert set(result) == {"skills", "overallScore", "recommendation", "model"}
        assert result["model"] == {"name": MODEL_NAME, "version": VERSION}
        assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
        assert [s["skill"] for s in result["skills"]] == SKILLS
        assert [s["required"] for s in result["skills"]] == [True, True, True, False]
        for skill in result["skills"]:
            assert type(skill["score"]) is int and 0 <= skill["score"] <= 4
            assert 0 < len(re.findall(r"[.!?](?:\s|$)", skill["rationale"])) <= 2
        assert type(result["overallScore"]) is int and 0 <= result["overallScore"] <= 100


def test_overall_score_is_the_weighted_mean_on_0_to_100() -> None:
    skills = [{"score": s} for s in (4, 2, 0, 4)]
    weights = [c["weight"] for c in PLAN["competencies"]]
    expected = 100 * sum(w * s["score"] for w, s in zip(weights, skills, strict=True)) / 4
    assert overall_score(skills, PLAN) == round(expected)
    unweighted = {"competencies": [{"weight": 0}, {"weight": 0}]}
    assert overall_score([{"score": 4}, {"score": 2}], unweighted) == 75
    assert overall_score([], {"competencies": []}) == 0


@pytest.mark.parametrize(
    ("overall", "kafka", "expected"),
    [
        (80, 3, "STRONG_HIRE"),
        (79, 3, "HIRE"),
        (60, 3, "HIRE"),
        (90, 2, "MAYBE"),  # a required competency under its minimum (3 for seniors)
        (59, 4, "MAYBE"),
        (40, 4, "MAYBE"),
        (39, 4, "NO_HIRE"),
    ],
)
def test_recommendation_thresholds(overall: int, kafka: int, expected: str) -> None:
    skills = [{"score": 4}, {"score": 4}, {"score": kafka}, {"score": 0}]  # communication optional
    assert recommendation(overall, skills, PLAN) == expected


def test_stemming_brings_word_forms_together() -> None:
    assert stem("caching") == stem("caches") == stem("cache")
    assert stem("used") == stem("uses") == stem("use") == stem("using")
    assert stem("lazily") == stem("lazy")
    assert stem("indexes") == stem("index") == stem("indexing")
    assert stem("evaluation") == stem("evaluated")
    assert stem("needed") == stem("need") and stem("status") == "status"


def test_malformed_turns_and_plans_do_not_break_it() -> None:
    turns: list[Any] = [
        None,
        "text",
        {"role": "interviewer", "questionId": "python-2", "text": None},
        {"role": "candidate", "text": 42, "index": True},
        {"role": "candidate", "text": STRONG["python-2"]},
    ]
    result = assess(turns, PLAN)
    assert scores(result)["Python"] >= 1 and result["skills"][0]["evidence"] == [4]
    assert assess(turns, {"competencies": "none"})["skills"] == []
    assert assess([], {})["overallScore"] == 0


WORDS = sorted(
    {w for q in QUESTIONS.values() for w in re.findall(r"\w+", " ".join(q["goodAnswerCovers"]))}
    | {w for text in STRONG.values() for w in re.findall(r"\S+", text)}
)
TEXT = st.one_of(
    st.text(max_size=400), st.lists(st.sampled_from(WORDS), max_size=120).map(" ".join)
)
TURN = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["interviewer", "candidate"]),
        "text": TEXT,
        "questionId": st.one_of(st.none(), st.sampled_from([*QUESTIONS, "other"])),
        "skill": st.one_of(st.none(), st.sampled_from([*SKILLS, "Go"])),
    }
)


@settings(max_examples=150, deadline=None)
@given(st.lists(TURN, max_size=16))
def test_any_transcript_stays_in_range(raw: list[dict[str, Any]]) -> None:
    turns = [{"index": n, "at": "t", **t} for n, t in enumerate(raw)]
    result = assess(turns, PLAN)
    candidate = {t["index"] for t in turns if t["role"] == "candidate"}
    assert [s["skill"] for s in result["skills"]] == SKILLS
    for skill in result["skills"]:
        assert type(skill["score"]) is int and 0 <= skill["score"] <= 4
        assert set(skill["evidence"]) <= candidate
        assert skill["rationale"]
    assert 0 <= result["overallScore"] <= 100
    assert result["recommendation"] in {"STRONG_HIRE", "HIRE", "MAYBE", "NO_HIRE"}
    assert assess(turns, PLAN) == result


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=6, max_size=6))
def test_random_answers_to_every_question_stay_in_range(texts: list[str]) -> None:
    answers = dict(zip(QUESTIONS, texts, strict=True))
    result = assess(transcript(answers), PLAN)
    assert all(0 <= s["score"] <= 4 for s in result["skills"])
    assert 0 <= result["overallScore"] <= 100

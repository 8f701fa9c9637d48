"""Speed of the rubric scorer on a realistic 45-minute interview.

    python bench/assessor_bench.py [--runs N] [--seed S]

The transcript is the greeting and every question of a 45-minute senior backend plan (Python,
PostgreSQL, Kafka, communication), each answered with 120-250 words of plausible technical
sentences from a fixed-seed generator (some of them naming the question's rubric terms). It
prints the sizes (turns, words, characters), the assessment it gets, the scoring time per
transcript (p50, p99, max over N runs after a warm-up) and assessments per second on one
core. Goal: p99 under 50 ms, so the assessor never holds up its consumer. A benchmark, not a
test: it always exits 0.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

VARIANTS = 20  # different transcripts (seeds) the timed runs cycle through
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hirestream.agents.assessor.features import FUNCTION  # noqa: E402
from hirestream.agents.assessor.scoring import VERSION, assess  # noqa: E402
from hirestream.agents.enrich.taxonomy import load_taxonomy  # noqa: E402
from hirestream.agents.planner.plan import PlanInput, generate_plan  # noqa: E402

INPUTS = PlanInput(
    role_family="backend_engineering",
    level="SENIOR",
    skills=("Python", "PostgreSQL", "Kafka"),
    qualifications=("Experience running production services on Kubernetes",),
    duration=45,
    position="Senior Backend Engineer",
    company_name="Acme",
)
OPENERS = [
    "In my last team",
    "At my previous company",
    "On the payments platform",
    "When we rebuilt the ingestion pipeline",
    "Last year",
    "In production",
]
ACTIONS = [
    "I measured",
    "we profiled",
    "I decided to change",
    "we redesigned",
    "I split",
    "we replaced",
    "I tuned",
    "we monitored",
]
THINGS = [
    "the request path",
    "the batch jobs",
    "the consumer group",
    "the connection pool",
    "the cache layer",
    "the schema migrations",
    "the retry policy",
    "the deployment pipeline",
]
REASONS = [
    "because p99 latency had crept above {n} ms",
    "since the error rate doubled after every release",
    "so that a single slow dependency could not stall everything",
    "because the team could not reason about failures",
    "which meant on-call was paged {n} times a week",
]
RESULTS = [
    "and the latency dropped to {n} ms",
    "and throughput went from {n} to {m} requests per second",
    "which cut the cloud bill by {n} percent",
    "and the incidents stopped",
]
TRADE_OFFS = [
    "The trade-off was more moving parts to operate.",
    "On the other hand, it made local testing harder.",
    "The downside is that the code is less obvious to newcomers.",
    "It cost us two weeks, but it paid for itself quickly.",
]
RUBRIC_SENTENCES = [
    "The part that mattered most was the {term}, which I explained to the team with an example.",
    "We relied on the {term} and checked it with a load test before rolling out.",
    "I usually start from the {term} and only then look at the alternatives.",
]


def sentence(rng: random.Random, terms: list[str]) -> str:
    """One plausible technical sentence; about a third of them name a word of the rubric."""
    n, m = rng.randint(2, 900), rng.randint(1_000, 20_000)
    if terms and rng.random() < 0.35:
        return rng.choice(RUBRIC_SENTENCES).format(term=rng.choice(terms))
    if rng.random() < 0.2:
        return rng.choice(TRADE_OFFS)
    parts = [rng.choice(OPENERS), rng.choice(ACTIONS), rng.choice(THINGS)]
    parts.append(rng.choice(REASONS).format(n=n))
    if rng.random() < 0.6:
        parts.append(rng.choice(RESULTS).format(n=n, m=m))
    return f"{parts[0]}, {' '.join(parts[1:])}."


def answer(rng: random.Random, question: dict[str, Any]) -> str:
    """120-250 words of sentences for ``question``."""
    rubric = re.findall(r"[\w/+#-]+", " ".join(question["goodAnswerCovers"]).lower())
    terms = sorted({word for word in rubric if word not in FUNCTION and len(word) > 2})
    target, text = rng.randint(120, 250), list[str]()
    while len(" ".join(text).split()) < target:
        text.append(sentence(rng, terms))
    words = " ".join(text).split()[:target]
    return " ".join(words).rstrip(",;") + "."


def transcript(plan: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """The greeting and every question of ``plan``, each with a generated answer."""
    rng = random.Random(seed)
    turns: list[dict[str, Any]] = [
        {"index": 0, "role": "interviewer", "text": plan["greeting"], "at": "t", "skill": None},
        {"index": 1, "role": "candidate", "text": "Yes, happy to start.", "at": "t"},
    ]
    for competency in plan["competencies"]:
        for question in competency["questions"]:
            turns.append(
                {
                    "index": len(turns),
                    "role": "interviewer",
                    "text": question["text"],
                    "at": "t",
                    "questionId": question["id"],
                    "skill": competency["name"],
                }
            )
            turns.append(
                {"index": len(turns), "role": "candidate", "text": answer(rng, question), "at": "t"}
            )
    return turns


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20_240_201)
    args = parser.parse_args()
    start = time.perf_counter()
    load_taxonomy()
    loaded = (time.perf_counter() - start) * 1000
    plan = generate_plan(INPUTS, seed="bench")
    transcripts = [transcript(plan, args.seed + n) for n in range(VARIANTS)]
    turns = transcripts[0]
    answers = [t["text"] for t in turns if t["role"] == "candidate"][1:]
    words = [len(text.split()) for text in answers]
    total = sum(len(t["text"].split()) for t in turns)
    print(f"rubric scorer {VERSION} (taxonomy loaded and indexed in {loaded:.0f} ms, once)")
    print(
        f"transcript: {plan['duration']} min plan, {len(plan['competencies'])} competencies, "
        f"{len(turns)} turns, {len(answers)} answers of {min(words)}-{max(words)} words "
        f"({sum(words)} answer words; {total} words, "
        f"{sum(len(t['text']) for t in turns)} characters in all)"
    )
    result = assess(turns, plan)
    scores = ", ".join(f"{s['skill']} {s['score']}" for s in result["skills"])
    print(f"its assessment: {scores}; overall {result['overallScore']}, {result['recommendation']}")
    for warm in transcripts:
        assess(warm, plan)
    samples = []
    began = time.perf_counter()
    for n in range(args.runs):
        one = time.perf_counter()
        assess(transcripts[n % VARIANTS], plan)
        samples.append((time.perf_counter() - one) * 1000)
    elapsed = time.perf_counter() - began
    print(f"scoring time, {args.runs} runs over {VARIANTS} such transcripts (after a warm-up)")
    print(f"  p50   {statistics.median(samples):7.2f} ms")
    print(f"  p99   {percentile(samples, 0.99):7.2f} ms   goal < 50 ms")
    print(f"  max   {max(samples):7.2f} ms")
    print(f"  {args.runs / elapsed:,.0f} assessments per second (one process, one core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

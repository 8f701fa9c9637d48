"""The time budget: greeting, each competency, the candidate's questions and the wrap-up, in
whole minutes that add up to the interview's duration exactly.

Greeting ``duration // 15``, candidate questions ``duration // 10`` and wrap-up
``duration // 20`` minutes, each at least 1 (greeting and wrap-up at most 5, candidate
questions at most 10). The rest goes to the competencies: one minute each, then the remainder
in proportion to their weights (largest remainders first, ties to the earlier competency).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from hirestream.agents.planner.apportion import split

MIN_DURATION: Final = 10
MAX_DURATION: Final = 180
DEFAULT_DURATION: Final = 45
MINUTES_PER_COMPETENCY: Final = 5  # a competency gets at least this much time on average
MAX_COMPETENCIES: Final = 8
MINUTES_PER_QUESTION: Final = 5


@dataclass(frozen=True)
class Overheads:
    greeting: int
    candidate_questions: int
    wrap_up: int

    @property
    def total(self) -> int:
        return self.greeting + self.candidate_questions + self.wrap_up


def check_duration(duration: int) -> int:
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise ValueError(f"duration must be whole minutes, not {duration!r}")
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise ValueError(f"duration must be {MIN_DURATION}–{MAX_DURATION} minutes, not {duration}")
    return duration


def overheads(duration: int) -> Overheads:
    return Overheads(
        greeting=min(max(duration // 15, 1), 5),
        candidate_questions=min(max(duration // 10, 1), 10),
        wrap_up=min(max(duration // 20, 1), 5),
    )


def competency_minutes(duration: int) -> int:
    """The minutes left for competencies."""
    return duration - overheads(check_duration(duration)).total


def max_competencies(duration: int) -> int:
    """How many competencies fit in ``duration``."""
    return min(max(competency_minutes(duration) // MINUTES_PER_COMPETENCY, 1), MAX_COMPETENCIES)


def question_count(minutes: int, available: int) -> int:
    """Questions for a competency with ``minutes``, when ``available`` can be asked."""
    return min(max(minutes // MINUTES_PER_QUESTION, 1), available)


def time_budget(duration: int, competencies: Sequence[tuple[str, float]]) -> dict[str, Any]:
    """The budget for ``competencies`` (id, weight), as it appears in a plan."""
    fixed = overheads(check_duration(duration))
    minutes = split(duration - fixed.total, [w for _, w in competencies], minimum=1)
    return {
        "greeting": fixed.greeting,
        "competencies": [
            {"competencyId": cid, "minutes": m}
            for (cid, _), m in zip(competencies, minutes, strict=True)
        ],
        "candidateQuestions": fixed.candidate_questions,
        "wrapUp": fixed.wrap_up,
        "total": duration,
    }

"""The interviewer's opening words. They name the role, the topics and the time for the
candidate's own questions, say that the interviewer is an AI, and carry no personal data (so
erasing a candidate's data never has to touch the plan)."""

from __future__ import annotations

from collections.abc import Sequence

from hirestream.agents.planner.competencies import Competency


def _listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def topics(competencies: Sequence[Competency]) -> list[str]:
    """What the greeting says the interview covers."""
    named = [c.name for c in competencies if c.kind in ("skill", "behavioural")]
    if any(c.kind in ("qualification", "role") for c in competencies):
        named.append("your experience against the role's requirements")
    return named


def greeting(
    *,
    role_name: str,
    company_name: str | None,
    duration: int,
    candidate_minutes: int,
    competencies: Sequence[Competency],
) -> str:
    at = f" at {company_name.strip()}" if company_name and company_name.strip() else ""
    return (
        f"Hello, and thank you for joining this interview for the {role_name} role{at}. "
        "I'm an AI interviewer, and I'll guide our conversation for the next "
        f"{duration} minutes. We'll talk about {_listed(topics(competencies))}. "
        "Take your time with each answer: it's fine to think out loud or to ask me to "
        f"repeat a question. We'll keep about {candidate_minutes} "
        f"minute{'s' if candidate_minutes != 1 else ''} at the end for your own questions. "
        "Shall we begin?"
    )

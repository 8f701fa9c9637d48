"""The live interview session, as decisions on its state (docs/api.md §6). Pure.

A session asks the plan's greeting (question 0) and then its questions, in the order of the
plan's competencies, one at a time: every question waits for exactly one answer (or the end)
before the next is asked. Its state lives in the interview record (``session``) and changes
only through commands, so every answered turn is on Kafka before the next question is sent,
and a socket on any worker can pick the session up where it stands.

The transcript is a list of turns, numbered from 0: an interviewer turn for each question
asked (``questionIndex``, ``questionId``, ``skill``: the competency's name, or None for the
greeting), and a candidate turn for each answer, whose text is personal data and is stored
sealed (``sealedText``) under the interview's data key, like the résumé.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from hirestream.topics.clock import iso_millis

EndReason = Literal["completed", "candidate_ended", "time_limit", "interviewer_ended"]
END_REASONS: tuple[EndReason, ...] = (
    "completed",
    "candidate_ended",
    "time_limit",
    "interviewer_ended",
)
#: The longest answer, in characters.
MAX_ANSWER_CHARS = 10_000


@dataclass(frozen=True)
class Question:
    index: int  # 0 is the greeting
    text: str
    skill: str | None
    question_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {"type": "question", "index": self.index, "text": self.text, "skill": self.skill}


def questions(plan: Mapping[str, Any]) -> list[Question]:
    """The greeting, then every question of the plan in competency order."""
    asked = [Question(0, str(plan.get("greeting") or "Hello, shall we begin?"), None, None)]
    for competency in plan.get("competencies", []):
        for question in competency.get("questions", []):
            asked.append(
                Question(len(asked), question["text"], competency.get("name"), question.get("id"))
            )
    return asked


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _asked(question: Question, turn: int, at: str) -> dict[str, Any]:
    return {
        "index": turn,
        "role": "interviewer",
        "text": question.text,
        "at": at,
        "questionIndex": question.index,
        "questionId": question.question_id,
        "skill": question.skill,
    }


def start(plan: Mapping[str, Any], *, session_id: str, at: str, minutes: int) -> dict[str, Any]:
    """A new session: the greeting asked, the time limit ``minutes`` from now."""
    return {
        "sessionId": session_id,
        "startedAt": at,
        "deadline": iso_millis(_moment(at) + timedelta(minutes=minutes)),
        "endedAt": None,
        "endedReason": None,
        "position": 0,  # the question waiting for its answer
        "turns": [_asked(questions(plan)[0], 0, at)],
    }


def is_open(session: Mapping[str, Any] | None) -> bool:
    return session is not None and session.get("endedAt") is None


def current(session: Mapping[str, Any], plan: Mapping[str, Any]) -> Question | None:
    """The question waiting for an answer (None once the session has ended)."""
    if not is_open(session):
        return None
    asked = questions(plan)
    position: int = session["position"]
    return asked[position] if position < len(asked) else None


def past_deadline(session: Mapping[str, Any], at: str) -> bool:
    return _moment(at) >= _moment(session["deadline"])


def answered(
    session: Mapping[str, Any], plan: Mapping[str, Any], *, sealed_text: str, at: str
) -> tuple[dict[str, Any], EndReason | None]:
    """The session after the answer to its current question: the next question asked, or
    the session ended (``completed`` after the last answer, ``time_limit`` past the limit)."""
    asked = questions(plan)
    position: int = session["position"]
    turns: list[dict[str, Any]] = list(session["turns"])
    turns.append(
        {
            "index": len(turns),
            "role": "candidate",
            "sealedText": sealed_text,
            "at": at,
            "questionIndex": position,
        }
    )
    after = {**session, "turns": turns, "position": position + 1}
    if position + 1 >= len(asked):
        return ended(after, "completed", at), "completed"
    if past_deadline(session, at):
        return ended(after, "time_limit", at), "time_limit"
    turns.append(_asked(asked[position + 1], len(turns), at))
    return after, None


def ended(session: Mapping[str, Any], reason: EndReason, at: str) -> dict[str, Any]:
    return {**session, "endedAt": at, "endedReason": reason}


def transcript(session: Mapping[str, Any]) -> dict[str, Any]:
    """The session's transcript with candidate turns still sealed (``sealedText``)."""
    return {
        "sessionId": session["sessionId"],
        "startedAt": session["startedAt"],
        "endedAt": session.get("endedAt"),
        "endedReason": session.get("endedReason"),
        "turns": list(session["turns"]),
    }


def without_candidate_turns(session: Mapping[str, Any]) -> dict[str, Any]:
    """The session after a purge: the candidate's answers erased, the questions kept."""
    kept: Sequence[Mapping[str, Any]] = session.get("turns", [])
    return {
        **session,
        "turns": [
            {k: v for k, v in turn.items() if k != "sealedText"} | {"erased": True}
            if turn["role"] == "candidate"
            else dict(turn)
            for turn in kept
        ],
    }

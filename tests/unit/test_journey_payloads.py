"""The journey's command payloads are checked one way for every producer (topics/journey.py)."""

from __future__ import annotations

import uuid

import pytest

from hirestream.topics.journey import MAX_ANSWER_CHARS, answer_fields
from hirestream.topics.payloads import Invalid

SESSION = str(uuid.uuid4())


@pytest.mark.parametrize("text", ["", " ", "\n\t  ", "\u3000"])
def test_an_answer_of_nothing_but_white_space_is_refused(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        answer_fields({"sessionId": SESSION, "questionIndex": 0, "text": text})
    assert refused.value.messages == [
        "text must not be empty or only white space (an answer needs some text)"
    ]


def test_an_answer_with_text_is_taken_as_sent() -> None:
    body = {"sessionId": SESSION, "questionIndex": 2, "text": "  I would shard by tenant. "}
    assert answer_fields(body) == body


def test_an_answer_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(Invalid):
        answer_fields(
            {"sessionId": SESSION, "questionIndex": 0, "text": "x" * (MAX_ANSWER_CHARS + 1)}
        )

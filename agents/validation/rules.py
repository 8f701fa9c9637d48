"""The validation rules: what is missing (blocks planning) and what is only weak (warns).

Missing, the interview goes to ``info_needed`` with one plain-language question per field:

- ``position``: no job title;
- ``candidateIdentity``: none of ``candidateRef``, ``candidateName``, ``candidateEmail``;
- ``level``: missing or not one of JUNIOR, MID, SENIOR, LEAD, PRINCIPAL (any case);
- ``requirements``: no skills, no qualifications and no job description.

Weak, planning goes on but the questions will be less specific (warnings):

- ``job_description_short``: a job description under ``SHORT_DESCRIPTION`` characters;
- ``job_description_recommended``: no job description, no skills and a single qualification;
- ``few_requirements``: fewer than ``FEW_REQUIREMENTS`` skills and qualifications together
  (not repeated when ``requirements`` is missing altogether);
- ``candidate_email_invalid``: a candidate email that does not look like an address.

Blank strings and blank list items count as absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

LEVELS: Final[tuple[str, ...]] = ("JUNIOR", "MID", "SENIOR", "LEAD", "PRINCIPAL")
SHORT_DESCRIPTION: Final = 100
FEW_REQUIREMENTS: Final = 3

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Missing:
    field: str
    question: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "question": self.question}


@dataclass(frozen=True)
class DataWarning:
    code: str
    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


def text(value: Any) -> str:
    """A field as trimmed text ('' when absent, blank or not a string)."""
    return value.strip() if isinstance(value, str) else ""


def items(value: Any) -> list[str]:
    """A list field's non-blank strings, trimmed."""
    if not isinstance(value, list | tuple):
        return []
    return [s for s in (text(v) for v in value) if s]


def missing_fields(fields: Mapping[str, Any]) -> list[Missing]:
    """What must be supplied before planning, in a fixed order."""
    found: list[Missing] = []
    if not text(fields.get("position")):
        found.append(Missing("position", "What is the job title of the position to interview for?"))
    if not any(text(fields.get(f)) for f in ("candidateRef", "candidateName", "candidateEmail")):
        found.append(
            Missing(
                "candidateIdentity",
                "Who is the candidate? Please give your reference for the candidate or "
                "application (candidateRef), or the candidate's name or email address.",
            )
        )
    level = text(fields.get("level"))
    if level.upper() not in LEVELS:
        asked = "What is the seniority of the role: junior, mid, senior, lead or principal?"
        if level:
            asked = f'The level "{level}" is not one we know. {asked}'
        found.append(Missing("level", asked))
    if not (
        items(fields.get("skills"))
        or items(fields.get("qualifications"))
        or text(fields.get("jobDescription"))
    ):
        found.append(
            Missing(
                "requirements",
                "Which skills or qualifications should the interview assess? Please list them, "
                "or paste the job description.",
            )
        )
    return found


def warnings(fields: Mapping[str, Any]) -> list[DataWarning]:
    """What is weak but does not block planning, in a fixed order."""
    found: list[DataWarning] = []
    description = text(fields.get("jobDescription"))
    skills = items(fields.get("skills"))
    qualifications = items(fields.get("qualifications"))
    if description and len(description) < SHORT_DESCRIPTION:
        found.append(
            DataWarning(
                "job_description_short",
                "jobDescription",
                f"The job description is shorter than {SHORT_DESCRIPTION} characters; "
                "a fuller one gives more specific questions.",
            )
        )
    if not description and not skills and len(qualifications) == 1:
        found.append(
            DataWarning(
                "job_description_recommended",
                "jobDescription",
                "With a single qualification and no skills, a job description (or a second "
                "qualification) gives more specific questions.",
            )
        )
    if len(skills) + len(qualifications) < FEW_REQUIREMENTS and (
        skills or qualifications or description
    ):
        found.append(
            DataWarning(
                "few_requirements",
                "qualifications",
                f"Fewer than {FEW_REQUIREMENTS} skills and qualifications in all; "
                "add more for a broader interview.",
            )
        )
    email = text(fields.get("candidateEmail"))
    if email and not _EMAIL.match(email):
        found.append(
            DataWarning(
                "candidate_email_invalid",
                "candidateEmail",
                "The candidate email does not look like an email address; "
                "the candidate cannot be invited by email.",
            )
        )
    return found

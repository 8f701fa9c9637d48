"""``validate(fields)``: the validation agent's decision for one interview. Pure.

The result says which workflow action follows (``info_missing`` → info_needed, else
``info_valid`` → validating_skills) and grades the data: ``EXCELLENT`` with no warnings,
``GOOD`` with one, ``FAIR`` with two, ``POOR`` with three or more or whenever a field is
missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from hirestream.agents.validation.rules import DataWarning, Missing, missing_fields, warnings

GRADES: Final[tuple[str, ...]] = ("EXCELLENT", "GOOD", "FAIR", "POOR")

#: The fields validation reads (others are ignored).
FIELDS: Final[tuple[str, ...]] = (
    "position",
    "candidateName",
    "candidateEmail",
    "candidateRef",
    "level",
    "skills",
    "qualifications",
    "jobDescription",
)


@dataclass(frozen=True)
class Validation:
    missing: tuple[Missing, ...]
    warnings: tuple[DataWarning, ...]
    data_quality: str

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def outcome(self) -> str:
        """``"ok"`` or ``"info_needed"``."""
        return "ok" if self.ok else "info_needed"

    @property
    def action(self) -> str:
        """The workflow action that follows (see ``agents.workflow.transitions``)."""
        return "info_valid" if self.ok else "info_missing"

    @property
    def missing_fields(self) -> list[str]:
        return [m.field for m in self.missing]

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "missingFields": self.missing_fields,
            "questions": [m.to_json() for m in self.missing],
            "warnings": [w.to_json() for w in self.warnings],
            "dataQuality": self.data_quality,
        }


def grade(missing: int, warning_count: int) -> str:
    """The data-quality grade of an interview with this many missing fields and warnings."""
    if missing:
        return "POOR"
    return GRADES[min(warning_count, len(GRADES) - 1)]


def validate(fields: Mapping[str, Any]) -> Validation:
    """Validate an interview's fields (camelCase keys, as in the record or a create body)."""
    missing = tuple(missing_fields(fields))
    warned = tuple(warnings(fields))
    return Validation(missing, warned, grade(len(missing), len(warned)))


def validation_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """What validation looks at. Personal fields are sealed: their presence is what counts."""
    sealed = record.get("sealed", {})
    return {
        "position": record.get("position"),
        "candidateName": "present" if "candidateName" in sealed else None,
        "candidateEmail": "present@example.invalid" if "candidateEmail" in sealed else None,
        "candidateRef": record.get("candidateRef"),
        "level": record.get("level"),
        "skills": record.get("skills") or [],
        "qualifications": record.get("qualifications") or [],
        "jobDescription": record.get("jobDescription"),
    }


def validation_now(record: Mapping[str, Any]) -> dict[str, Any]:
    """What the validation agent will say of this record (used by the Integration API to
    answer a create with its data quality at once)."""
    return validate(validation_fields(record)).to_json()

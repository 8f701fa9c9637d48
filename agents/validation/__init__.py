"""Validation of an interview's data before planning (docs/api.md §5), as a pure function.

``validate(fields)`` says whether the interview can go on to skill validation or needs
information first (missing fields, one question each), with warnings and a data-quality grade.
``validation_now(record)`` is what the validation agent will say of a record (the Integration
API answers a create with it at once).
"""

from hirestream.agents.validation.validate import validate, validation_now

__all__ = ["validate", "validation_now"]

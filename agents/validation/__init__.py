"""Validation of an interview's data before planning (docs/api.md §5), as a pure function.

``validate(fields)`` says whether the interview can go on to skill validation or needs
information first (missing fields, one question each), with warnings and a data-quality grade.
"""

"""The interview planner: a deterministic plan (competencies with weights, questions per skill,
a time budget and a greeting) from the role family, level, canonical skills, qualifications
and duration. No network: questions come from the bank shipped in ``data/``.
"""

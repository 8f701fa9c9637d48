"""The interview planner: a deterministic plan (competencies with weights, questions per skill,
a time budget and a greeting) from the role family, level, canonical skills, qualifications
and duration. No network: questions come from the bank shipped in ``data/``. ``run_id`` names
an interview's workflow run (the Integration API's ``runId``).
"""

from hirestream.agents.planner.plan import plan_for, run_id

__all__ = ["plan_for", "run_id"]

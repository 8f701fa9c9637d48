"""The assessor: scores a completed interview's transcript against its plan.

``scoring`` is the default scorer, pure and deterministic (rubric, taxonomy, depth and
substance of each answer); ``scorers`` puts it and an optional OpenAI-compatible LLM scorer
behind one ``Scorer`` interface, the LLM one falling back to the rubric on any failure.
"""

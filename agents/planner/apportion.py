"""Splitting a whole number of units over weights, exactly (largest remainders)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def split(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """``total`` whole units over positive ``weights``: ``minimum`` each first, the rest in
    proportion to the weights, rounded by largest remainder (ties to the earlier weight).
    The parts always add up to ``total``."""
    if not weights or total < minimum * len(weights):
        raise ValueError(f"cannot split {total} between {len(weights)} with {minimum} each")
    if any(w <= 0 for w in weights):
        raise ValueError("weights must be positive")
    rest = total - minimum * len(weights)
    exact = [Fraction(w) for w in weights]  # exact arithmetic: no float drift
    whole = sum(exact)
    shares = [rest * w / whole for w in exact]
    parts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]

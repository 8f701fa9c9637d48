"""Seniority levels: the question difficulty each aims at and the minimum scores it expects.

Difficulty runs from 1 (junior) to 5 (principal). Minimum scores are on the assessor's 0–4
scale: a required competency expects 2 from junior and mid candidates and 3 from senior ones
and above; an optional one expects one less.
"""

from __future__ import annotations

from typing import Final

LEVELS: Final[tuple[str, ...]] = ("junior", "mid", "senior", "lead", "principal")
DEFAULT_LEVEL: Final = "mid"  # what a plan aims at when the level is missing or unknown


def normalise_level(level: str | None) -> str | None:
    """``"SENIOR"`` → ``"senior"``; None for a missing or unknown level."""
    found = level.strip().lower() if isinstance(level, str) else ""
    return found if found in LEVELS else None


def target_difficulty(level: str | None, shift: int = 0) -> int:
    """The difficulty questions aim at for ``level``, moved by ``shift`` (kept within 1–5)."""
    base = LEVELS.index(normalise_level(level) or DEFAULT_LEVEL) + 1
    return min(max(base + shift, 1), len(LEVELS))


def level_of(difficulty: int) -> str:
    """The level a question of this difficulty is written for."""
    return LEVELS[min(max(difficulty, 1), len(LEVELS)) - 1]


def minimum_score(level: str | None, *, required: bool) -> int:
    senior = LEVELS.index(normalise_level(level) or DEFAULT_LEVEL) >= LEVELS.index("senior")
    return (3 if senior else 2) - (0 if required else 1)

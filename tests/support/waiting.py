"""Waiting, boundedly, for something the stack does in its own time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def eventually(
    check: Callable[[], Awaitable[Any]], what: str, seconds: float = 30, every_s: float = 0.25
) -> Any:
    """The first truthy answer of ``check``, asked every ``every_s``; after ``seconds`` an
    ``AssertionError`` naming ``what``."""
    deadline = time.monotonic() + seconds
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not in {seconds} s: {what}")
        await asyncio.sleep(every_s)

"""The topics of one benchmark run, deleted at its end (a helper of the ``*_bench.py`` scripts).

A run's worker names every topic it creates ``<app id>.…`` (commands, events) or ``<app id>-…``
(Faust's changelogs and its assignor topic), so the run's app id finds them all.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient


@dataclass
class TopicCleanup:
    """What deleting a run's topics did, for the report."""

    deleted: int = 0
    left: int | None = None
    note: str = ""

    def line(self) -> str:
        left = "?" if self.left is None else str(self.left)
        return f"{self.deleted} topics deleted ({left} left)" + (
            f"; {self.note}" if self.note else ""
        )


async def delete_run_topics(bootstrap: str, app_id: str) -> TopicCleanup:
    """Delete every topic of the run, then check for up to 10 s that they are gone. Never
    raises: a failure is in the result's ``note`` (the topics must then be deleted by hand)."""
    prefixes = (f"{app_id}.", f"{app_id}-")
    done = TopicCleanup()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        ours = [t for t in await admin.list_topics() if t.startswith(prefixes)]
        for start in range(0, len(ours), 100):
            await admin.delete_topics(ours[start : start + 100])
        done.deleted = len(ours)
        for _ in range(20):
            left = [t for t in await admin.list_topics() if t.startswith(prefixes)]
            done.left = len(left)
            if not left:
                break
            await asyncio.sleep(0.5)
    except Exception as exc:  # reported, never raised: the run's figures still print
        done.note = f"could not delete the topics of {app_id}: {exc!r}"
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    return done

"""Where one benchmark run keeps its things (a helper of the ``*_bench.py`` scripts): the local
stack's environment, a fresh app id (so the run's topics are its own and
``run_topics.delete_run_topics`` finds them all), the folder for its logs and its worker's
data dir."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import NamedTuple

from run_topics import TopicCleanup, delete_run_topics

from hirestream.stack import ensure_stack

ROOT = Path(__file__).resolve().parents[1]


class BenchRun(NamedTuple):
    env: dict[str, str]
    bootstrap: str
    app_id: str
    run_dir: Path
    data_dir: Path


def new_run(kind: str) -> BenchRun:
    """Start the local stack (or find the configured one) and name a run ``hs-<kind>-<hex>``;
    its folder is ``.stack/bench`` (made here), its worker's data ``<app id>-data`` in it."""
    env = ensure_stack().environ()
    app_id = f"hs-{kind}-{uuid.uuid4().hex[:8]}"
    run_dir = ROOT / ".stack" / "bench"
    run_dir.mkdir(parents=True, exist_ok=True)
    data_dir = run_dir / f"{app_id}-data"
    return BenchRun(env, env["KAFKA_BOOTSTRAP_SERVERS"], app_id, run_dir, data_dir)


async def end_run(bootstrap: str, app_id: str, data_dir: Path) -> TopicCleanup:
    """Delete the run's topics and its worker's data dir, whatever fails first."""
    try:
        return await delete_run_topics(bootstrap, app_id)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

"""Run wrk (https://github.com/wg/wrk) with one of the Lua scripts in ``bench/wrk/`` and read
the JSON line its ``done()`` prints.

    result = await run_wrk(url, POST_SCRIPT, connections=32, seconds=15,
                           env={"WRK_TOKEN": token, "WRK_BODY": body})
    result.rps, result.p50_ms, result.p99_ms

wrk is a closed loop: each of its ``connections`` sends a request, waits for the answer, sends
the next. A request still unanswered after ``timeout_s`` is counted in ``errors.timeout`` and
left out of the latencies, hence the generous default. Install it with ``apt-get install wrk``
(``scripts/bench.sh`` does).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WRK_DIR = Path(__file__).resolve().parent / "wrk"
#: POST with a JSON body (``WRK_BODY``, placeholder ``__CANDIDATE__``) and ``WRK_TOKEN``.
POST_SCRIPT = WRK_DIR / "post_create.lua"
#: GET ``<url path><id>`` round-robin over ``WRK_IDS`` (comma-separated), with ``WRK_TOKEN``.
GET_SCRIPT = WRK_DIR / "get_by_id.lua"
#: The prefix of the line ``bench/wrk/report.lua`` prints.
RESULT_PREFIX = "WRK_RESULT "


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no result line."""


@dataclass(frozen=True)
class WrkErrors:
    """wrk's error counts: socket errors, non-2xx/3xx answers (``status``) and timeouts."""

    connect: int
    read: int
    write: int
    status: int
    timeout: int

    @property
    def total(self) -> int:
        return self.connect + self.read + self.write + self.status + self.timeout


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: completed requests, throughput and latency percentiles (milliseconds)."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    bytes: int
    errors: WrkErrors

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WrkResult:
        return cls(
            requests=int(data["requests"]),
            seconds=float(data["seconds"]),
            rps=float(data["rps"]),
            p50_ms=float(data["p50_ms"]),
            p90_ms=float(data["p90_ms"]),
            p99_ms=float(data["p99_ms"]),
            mean_ms=float(data["mean_ms"]),
            max_ms=float(data["max_ms"]),
            bytes=int(data["bytes"]),
            errors=WrkErrors(**{k: int(v) for k, v in data["errors"].items()}),
        )


def wrk_path() -> str | None:
    """The wrk executable on ``PATH``, or None."""
    return shutil.which("wrk")


def parse_output(stdout: str) -> WrkResult:
    """The result line of a wrk run's standard output."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return WrkResult.from_json(json.loads(line[len(RESULT_PREFIX) :]))
    raise WrkError(f"wrk printed no {RESULT_PREFIX.strip()} line:\n{stdout[-2000:]}")


def wrk_command(
    url: str,
    script: Path,
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    timeout_s: float = 30.0,
) -> list[str]:
    """The wrk command line (``--latency``: the full latency distribution)."""
    executable = wrk_path()
    if executable is None:
        raise WrkError("wrk is not installed: apt-get install -y wrk (scripts/bench.sh does)")
    return [
        executable,
        f"--threads={max(1, min(threads, connections))}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "--latency",
        f"--script={script}",
        url,
    ]


async def run_wrk(
    url: str,
    script: Path,
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    timeout_s: float = 30.0,
    env: Mapping[str, str] | None = None,
) -> WrkResult:
    """Run wrk against ``url`` with ``script`` and return its result. ``env`` is added to this
    process's environment (the scripts read ``WRK_*`` variables)."""
    command = wrk_command(
        url,
        script,
        connections=connections,
        seconds=seconds,
        threads=threads,
        timeout_s=timeout_s,
    )
    process = await asyncio.create_subprocess_exec(
        *command,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    stdout = out.decode(errors="replace")
    if process.returncode != 0:
        raise WrkError(
            f"wrk exited with {process.returncode}:\n{stdout[-2000:]}\n"
            f"{err.decode(errors='replace')[-2000:]}"
        )
    return parse_output(stdout)

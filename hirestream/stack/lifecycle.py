"""Which local services one caller started, and which of them it may stop again.

``python -m hirestream.stack up --record FILE`` writes the services that this very call started
(name -> pid of the started process) to ``FILE``; ``down --from FILE`` stops those of them that
still run *with the same pid*, and nothing else. A service that was already running before
(started by the tests, or by ``make run`` in another terminal), or that someone else has stopped
and started again since, is left alone. ``scripts/run.sh`` uses the pair so that Ctrl-C on
``make run`` stops only what that ``make run`` started.

The record is a small JSON object, e.g. ``{"kafka": 4242, "smtp": 4250}``; an empty file (the
caller created it, ``up`` failed before writing) means nothing was started.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from hirestream.stack.base import StackError

#: The local services, in the order ``down`` stops them (the sink first, the database last).
SERVICES = ("smtp", "kafka", "postgres")


def format_record(started: Mapping[str, int | None]) -> str:
    """The record file's text for ``started`` (service name -> pid, None when unknown)."""
    unknown = sorted(set(started) - set(SERVICES))
    if unknown:
        raise ValueError(f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}")
    return json.dumps({name: started[name] for name in SERVICES if name in started}) + "\n"


def parse_record(text: str) -> dict[str, int | None]:
    """The services named in a record file's text; ``{}`` for an empty file."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not a JSON object of service name -> pid: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("not a JSON object of service name -> pid")
    record: dict[str, int | None] = {}
    for name, pid in data.items():
        if name not in SERVICES:
            raise ValueError(f"unknown service {name!r}; known: {', '.join(SERVICES)}")
        if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0):
            raise ValueError(f"the pid of {name} must be a positive whole number, got {pid!r}")
        record[name] = pid
    return record


def services_to_stop(
    started: Mapping[str, int | None], running: Mapping[str, int | None]
) -> list[str]:
    """The services to stop, in stopping order: those in ``started`` (what one caller started,
    name -> pid) that are in ``running`` (the local services running now, name -> pid) with
    the same pid. A pid recorded as None (unknown at start) matches any running pid."""
    return [
        name
        for name in SERVICES
        if name in started
        and name in running
        and (started[name] is None or started[name] == running[name])
    ]


def write_record(path: Path, started: Mapping[str, int | None]) -> None:
    """Write ``started`` to ``path`` (atomically: a reader never sees half a record)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(format_record(started))
    partial.replace(path)


def read_record(path: Path) -> dict[str, int | None]:
    """The record written by :func:`write_record`; ``{}`` when ``path`` is empty."""
    try:
        return parse_record(path.read_text())
    except OSError as exc:
        raise StackError(f"cannot read the record of started services: {exc}") from exc
    except ValueError as exc:
        raise StackError(f"{path}: {exc}") from exc

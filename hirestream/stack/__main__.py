"""``python -m hirestream.stack up|down|status``: the local stack from a shell.

``up`` starts whatever is neither configured (``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``,
``SMTP_HOST``) nor running yet, waits until each service is ready, writes ``.stack/env`` and
prints it (so ``eval "$(python -m hirestream.stack up)"`` works; log lines go to stderr).
``down`` stops every local service; ``status`` prints one line per service.

``up --record FILE`` also writes the services this very call started (name -> pid) to FILE,
and ``down --from FILE`` stops only those, and only while they still run with that pid: what
ran before (the tests' stack, another terminal's) is left alone. ``scripts/run.sh`` (``make
run``) uses the pair.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from hirestream.stack.base import StackError, format_event, log_event, relative
from hirestream.stack.lifecycle import read_record, write_record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hirestream.stack",
        description="Local Apache Kafka, PostgreSQL and SMTP sink for `make run` and `make test`.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start what is missing, wait until ready, print .stack/env")
    up.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="write the services this call started (JSON: name -> pid) to FILE, "
        "also when it fails, for `down --from FILE`",
    )
    down = commands.add_parser("down", help="stop the local services")
    down.add_argument(
        "--from",
        dest="record",
        type=Path,
        metavar="FILE",
        help="stop only the services `up --record FILE` started, if they still run (same pid)",
    )
    commands.add_parser("status", help="print what runs")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    # aiokafka logs errors while a fresh broker elects its group coordinator (it retries);
    # a real failure surfaces as our own error with the broker log tail.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)

    # Imported here: the CLI's --help needs none of the clients.
    from hirestream.stack.env import ensure_stack, stack_status, stop_stack, stop_started

    try:
        if args.command == "up":
            started: dict[str, int | None] = {}
            try:
                env = ensure_stack(write_env=True, started=started)
            finally:
                if args.record is not None:
                    write_record(args.record, started)
                    log_event(
                        "stack.recorded",
                        file=relative(args.record),
                        started=",".join(started) or "nothing",
                    )
            sys.stdout.write(env.shell_exports())
        elif args.command == "down":
            if args.record is not None:
                stopped = stop_started(read_record(args.record))
            else:
                stopped = stop_stack()
            log_event("stack.down", stopped=",".join(stopped) or "nothing")
        else:
            for status in stack_status():
                line = format_event(
                    "stack.status",
                    service=status.name,
                    state=status.state,
                    address=status.address,
                    pid=status.pid,
                    detail=status.detail or None,
                )
                sys.stdout.write(line + "\n")
    except StackError as exc:
        log_event("stack.failed", level=logging.ERROR, command=args.command)
        sys.stderr.write(f"{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

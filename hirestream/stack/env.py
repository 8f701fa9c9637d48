"""The whole local stack at once: start what is missing, report the addresses, stop it again.

Each service is either configured from outside (``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``,
``SMTP_HOST``/``SMTP_PORT``), in which case nothing is started for it, or run locally from
``.stack/``: Kafka from the Maven Central jars (:mod:`hirestream.stack.kafka`), PostgreSQL
(:mod:`hirestream.stack.postgres`) and an SMTP sink (:mod:`hirestream.stack.smtp`). Local
services keep running after the caller exits and are reused by the next caller; ``python -m
hirestream.stack down`` (or :func:`stop_stack`) stops them. ``up --record FILE`` and ``down --from
FILE`` (:mod:`hirestream.stack.lifecycle`) stop only what one caller started.
"""

from __future__ import annotations

import asyncio
import shlex
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from hirestream.stack.base import (
    ServiceStatus,
    StackError,
    log_event,
    relative,
    run_sync,
    stack_dir,
)
from hirestream.stack.kafka import ensure_kafka, kafka_pid, kafka_status, stop_kafka
from hirestream.stack.lifecycle import SERVICES, services_to_stop
from hirestream.stack.postgres import (
    ensure_postgres,
    postgres_pid,
    postgres_status,
    redact_dsn,
    stop_postgres_async,
)
from hirestream.stack.smtp import ensure_smtp, smtp_pid, smtp_status, stop_smtp


@dataclass(frozen=True)
class StackEnv:
    """Where the stack's services answer."""

    bootstrap_servers: str
    database_url: str
    smtp_host: str
    smtp_port: int

    def environ(self) -> dict[str, str]:
        """The environment variables a worker or test reads (see ``hirestream.settings``)."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "DATABASE_URL": self.database_url,
            "SMTP_HOST": self.smtp_host,
            "SMTP_PORT": str(self.smtp_port),
        }

    def shell_exports(self) -> str:
        """``export NAME=value`` lines, for ``. .stack/env`` or ``eval "$(...)"``."""
        return "".join(
            f"export {name}={shlex.quote(value)}\n" for name, value in self.environ().items()
        )


async def ensure_stack_async(
    *, write_env: bool = False, started: dict[str, int | None] | None = None
) -> StackEnv:
    """Start whatever is neither configured nor running yet (all three concurrently), wait
    until each is ready and return the addresses (also written to ``.stack/env`` when
    ``write_env``, as ``up`` does). Raises :class:`StackError` naming every service that
    failed. ``started`` receives name -> pid of each service this call started (also when
    another one failed), for :func:`stop_started_async`."""
    began = time.monotonic()
    kafka, postgres, smtp = await asyncio.gather(
        ensure_kafka(started=started),
        ensure_postgres(started=started),
        ensure_smtp(started=started),
        return_exceptions=True,
    )
    failures = [
        f"{name}: {result}"
        for name, result in (("kafka", kafka), ("postgres", postgres), ("smtp", smtp))
        if isinstance(result, BaseException)
    ]
    if failures:
        raise StackError("the local stack is not ready:\n" + "\n".join(failures))
    assert isinstance(kafka, str) and isinstance(postgres, str) and isinstance(smtp, tuple)
    env = StackEnv(kafka, postgres, *smtp)
    if write_env:
        write_env_file(env)
    log_event(
        "stack.ready",
        bootstrap=env.bootstrap_servers,
        database=redact_dsn(env.database_url),
        smtp=f"{env.smtp_host}:{env.smtp_port}",
        seconds=time.monotonic() - began,
    )
    return env


def ensure_stack(
    *, write_env: bool = False, started: dict[str, int | None] | None = None
) -> StackEnv:
    """Synchronous :func:`ensure_stack_async` (runs on its own event loop in a helper thread,
    so it is safe to call from synchronous pytest fixtures and from inside a running loop)."""
    return run_sync(ensure_stack_async(write_env=write_env, started=started))


def write_env_file(env: StackEnv) -> Path:
    """Write ``.stack/env`` (shell ``export`` lines) and return its path."""
    path = stack_dir() / "env"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("# Written by `python -m hirestream.stack up`.\n" + env.shell_exports())
    partial.replace(path)
    log_event("stack.env", file=relative(path))
    return path


async def stop_stack_async(only: Collection[str] | None = None) -> list[str]:
    """Stop the local services that run (SMTP sink, Kafka, PostgreSQL), or only those named in
    ``only``; return the names of those stopped. Services configured from outside are left
    alone. ``.stack/env`` is removed once no local service runs any more."""
    wanted = set(SERVICES if only is None else only)
    unknown = sorted(wanted - set(SERVICES))
    if unknown:
        raise StackError(f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}")
    stopped: list[str] = []
    errors: list[str] = []
    if "smtp" in wanted and await asyncio.to_thread(stop_smtp):
        stopped.append("smtp")
    if "kafka" in wanted and await asyncio.to_thread(stop_kafka):
        stopped.append("kafka")
    try:
        if "postgres" in wanted and await stop_postgres_async():
            stopped.append("postgres")
    except StackError as exc:
        errors.append(f"postgres: {exc}")
    if only is None or not await asyncio.to_thread(local_pids):
        (stack_dir() / "env").unlink(missing_ok=True)
    if errors:
        raise StackError("\n".join(errors))
    return stopped


def stop_stack(only: Collection[str] | None = None) -> list[str]:
    """Synchronous :func:`stop_stack_async`."""
    return run_sync(stop_stack_async(only))


async def stop_started_async(started: Mapping[str, int | None]) -> list[str]:
    """Stop the services one caller started (``started``: name -> pid, as filled in by
    :func:`ensure_stack_async`) that still run with that pid; return the names stopped.
    Services that ran before, or were restarted by someone else since, keep running."""
    names = services_to_stop(started, await asyncio.to_thread(local_pids))
    if not names:
        return []
    return await stop_stack_async(names)


def stop_started(started: Mapping[str, int | None]) -> list[str]:
    """Synchronous :func:`stop_started_async`."""
    return run_sync(stop_started_async(started))


def local_pids() -> dict[str, int]:
    """Name -> pid of the local services that run now, from their pid files under ``.stack``
    (so also where the environment names them as configured, e.g. after ``. .stack/env``)."""
    pids = {"smtp": smtp_pid(), "kafka": kafka_pid(), "postgres": postgres_pid()}
    return {name: pid for name, pid in pids.items() if pid is not None}


def stack_status() -> list[ServiceStatus]:
    """What runs: one :class:`ServiceStatus` per service."""
    return [kafka_status(), postgres_status(), smtp_status()]

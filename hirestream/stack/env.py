"""The whole local stack at once: start what is missing, report the addresses, stop it again.

Each service is either configured from outside (``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``,
``SMTP_HOST``/``SMTP_PORT``), in which case nothing is started for it, or run locally from
``.stack/``: Kafka from the Maven Central jars (:mod:`hirestream.stack.kafka`), PostgreSQL
(:mod:`hirestream.stack.postgres`) and an SMTP sink (:mod:`hirestream.stack.smtp`). Local
services keep running after the caller exits and are reused by the next caller; ``python -m
hirestream.stack down`` (or :func:`stop_stack`) stops them.
"""

from __future__ import annotations

import asyncio
import shlex
import time
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
from hirestream.stack.kafka import ensure_kafka, kafka_status, stop_kafka
from hirestream.stack.postgres import (
    ensure_postgres,
    postgres_status,
    redact_dsn,
    stop_postgres_async,
)
from hirestream.stack.smtp import ensure_smtp, smtp_status, stop_smtp


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


async def ensure_stack_async(*, write_env: bool = False) -> StackEnv:
    """Start whatever is neither configured nor running yet (all three concurrently), wait
    until each is ready and return the addresses (also written to ``.stack/env`` when
    ``write_env``, as ``up`` does). Raises :class:`StackError` naming every service that
    failed."""
    started = time.monotonic()
    kafka, postgres, smtp = await asyncio.gather(
        ensure_kafka(), ensure_postgres(), ensure_smtp(), return_exceptions=True
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
        seconds=time.monotonic() - started,
    )
    return env


def ensure_stack(*, write_env: bool = False) -> StackEnv:
    """Synchronous :func:`ensure_stack_async` (runs on its own event loop in a helper thread,
    so it is safe to call from synchronous pytest fixtures and from inside a running loop)."""
    return run_sync(ensure_stack_async(write_env=write_env))


def write_env_file(env: StackEnv) -> Path:
    """Write ``.stack/env`` (shell ``export`` lines) and return its path."""
    path = stack_dir() / "env"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("# Written by `python -m hirestream.stack up`.\n" + env.shell_exports())
    partial.replace(path)
    log_event("stack.env", file=relative(path))
    return path


async def stop_stack_async() -> list[str]:
    """Stop the local services that run (SMTP sink, Kafka, PostgreSQL); return their names.
    Services configured from outside are left alone."""
    stopped: list[str] = []
    errors: list[str] = []
    if await asyncio.to_thread(stop_smtp):
        stopped.append("smtp")
    if await asyncio.to_thread(stop_kafka):
        stopped.append("kafka")
    try:
        if await stop_postgres_async():
            stopped.append("postgres")
    except StackError as exc:
        errors.append(f"postgres: {exc}")
    (stack_dir() / "env").unlink(missing_ok=True)
    if errors:
        raise StackError("\n".join(errors))
    return stopped


def stop_stack() -> list[str]:
    """Synchronous :func:`stop_stack_async`."""
    return run_sync(stop_stack_async())


def stack_status() -> list[ServiceStatus]:
    """What runs: one :class:`ServiceStatus` per service."""
    return [kafka_status(), postgres_status(), smtp_status()]

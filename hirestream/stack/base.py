"""Shared plumbing of the local stack: paths, structured log lines, pid files, processes, locks.

Everything the stack starts lives under one project-local directory, ``.stack/`` at the
repository root (``HIRESTREAM_STACK_DIR`` overrides it). Every event is logged as one line of
``key=value`` pairs on the ``hirestream.stack`` logger, e.g.
``event=kafka.ready bootstrap=127.0.0.1:9092 seconds=12.3``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

logger = logging.getLogger("hirestream.stack")
if logger.level == logging.NOTSET:
    # The stack's events are INFO lines; let them reach whatever handler the host installs
    # (the CLI's stderr handler, pytest's log capture) even when the root logger says WARNING.
    logger.setLevel(logging.INFO)

#: Where ``python -m hirestream.stack`` and the tests look for the package sources; the
#: background SMTP sink is started with this directory on its ``PYTHONPATH``.
SOURCE_ROOT = Path(__file__).resolve().parents[2]

#: Local stack processes listen on the loopback interface only.
LOCALHOST = "127.0.0.1"


class StackError(RuntimeError):
    """A local service could not be prepared, started, reached or stopped."""


@dataclass(frozen=True)
class ServiceStatus:
    """What ``python -m hirestream.stack status`` reports for one service."""

    name: str
    state: str  # "running", "stopped", "external" or "foreign" (port taken by someone else)
    address: str
    pid: int | None = None
    detail: str = ""


def stack_dir() -> Path:
    """The project-local directory holding every file the local stack writes."""
    configured = os.environ.get("HIRESTREAM_STACK_DIR", "")
    if configured:
        return Path(configured).resolve()
    if (SOURCE_ROOT / "pyproject.toml").is_file():
        return SOURCE_ROOT / ".stack"
    return Path.cwd().resolve() / ".stack"


def env_port(name: str, default: int) -> int:
    """A TCP port from the environment variable ``name``, or ``default``."""
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError as exc:
        raise StackError(f"{name} must be a TCP port number, got {raw!r}") from exc
    if not 0 < port < 65536:
        raise StackError(f"{name} must be between 1 and 65535, got {port}")
    return port


def format_event(event: str, **fields: object) -> str:
    """One structured line: ``event=<event> key=value ...``; values with blanks are quoted."""
    parts = [f"event={event}"]
    for key, value in fields.items():
        if value is None:
            continue
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
        if text == "" or any(ch in text for ch in ' "=\n\t'):
            text = json.dumps(text)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def log_event(event: str, *, level: int = logging.INFO, **fields: object) -> None:
    """Log one structured event line on the ``hirestream.stack`` logger."""
    logger.log(level, format_event(event, **fields))


def relative(path: Path) -> str:
    """``path`` relative to the current directory when it is below it (shorter log lines)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file, or a note that it does not exist."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read()
    except FileNotFoundError:
        return f"({path} does not exist)"
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


# --- ports -----------------------------------------------------------------------------------


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


async def port_open_async(host: str, port: int, time_limit: float = 0.5) -> bool:
    """Like :func:`port_open`, without blocking the event loop."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), time_limit)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port that was free a moment ago (for throw-away servers in tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


# --- processes -------------------------------------------------------------------------------

# Popen objects of the background processes this interpreter started: kept so that they are
# not garbage-collected (and warned about) while the process runs on after we return.
_BACKGROUND: list[subprocess.Popen[bytes]] = []


def read_pid(pid_file: Path) -> int | None:
    """The pid recorded in ``pid_file``, or None when there is none."""
    try:
        return int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (zombies count as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # The state letter follows the parenthesised command name.
    return stat.rsplit(")", 1)[-1].split()[0] not in {"Z", "X"}


def pid_cmdline(pid: int) -> list[str]:
    """The command line of ``pid`` (empty when unknown)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid in ``pid_file`` if that process is alive and its command line contains
    ``marker`` (guards against a recycled pid); otherwise None, and a stale file is removed."""
    pid = read_pid(pid_file)
    if pid is None:
        return None
    if pid_alive(pid) and any(marker in part for part in pid_cmdline(pid)):
        return pid
    with contextlib.suppress(FileNotFoundError):
        pid_file.unlink()
    return None


def spawn_background(
    argv: Sequence[str],
    *,
    log_file: Path,
    pid_file: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session (so it outlives us and can be stopped as a process
    group), with stdout and stderr appended to ``log_file``, and record its pid."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,
            close_fds=True,
        )
    _BACKGROUND.append(process)
    pid_file.write_text(f"{process.pid}\n")
    return process


def stop_process_group(pid: int, *, name: str, timeout: float = 30.0) -> None:
    """SIGTERM the process group led by ``pid`` (or just ``pid`` when it leads none), wait up to
    ``timeout`` s, then SIGKILL it."""
    started = time.monotonic()
    try:
        group = os.getpgid(pid) == pid
        _signal(pid, signal.SIGTERM, group=group)
    except ProcessLookupError:
        return
    deadline = started + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not pid_alive(pid):
            log_event(f"{name}.stopped", pid=pid, seconds=time.monotonic() - started)
            return
        time.sleep(0.2)
    log_event(f"{name}.kill", level=logging.WARNING, pid=pid, after_seconds=timeout)
    with contextlib.suppress(ProcessLookupError):
        _signal(pid, signal.SIGKILL, group=group)
    for _ in range(50):
        _reap(pid)
        if not pid_alive(pid):
            break
        time.sleep(0.1)
    log_event(f"{name}.stopped", pid=pid, seconds=time.monotonic() - started, killed=True)


def _signal(pid: int, signum: int, *, group: bool) -> None:
    if group:
        os.killpg(pid, signum)
    else:
        os.kill(pid, signum)


def _reap(pid: int) -> None:
    """Collect the exit status of ``pid`` if it is our own child (else it would stay a zombie)."""
    for process in list(_BACKGROUND):
        if process.pid == pid and process.poll() is not None:
            _BACKGROUND.remove(process)


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    output: str


async def run_command(
    argv: Sequence[str],
    *,
    time_limit: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    check: bool = True,
    what: str = "",
) -> CommandResult:
    """Run a short command to completion, capturing stdout and stderr together."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=dict(env) if env is not None else None,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(stdin), time_limit)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise StackError(f"{what or argv[0]} did not finish within {time_limit:.0f} s") from None
    result = CommandResult(returncode=process.returncode or 0, output=out.decode(errors="replace"))
    if check and result.returncode != 0:
        last = "\n".join(result.output.splitlines()[-30:])
        raise StackError(
            f"{what or argv[0]} failed with exit code {result.returncode}:\n{last}\n"
            f"(command: {' '.join(argv)})"
        )
    return result


# --- locks -----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def service_lock(name: str, time_limit: float = 900.0) -> AsyncIterator[None]:
    """Hold ``.stack/<name>.lock`` so that two processes (pytest workers, ``make run`` beside
    ``make test``) never start the same service twice."""
    directory = stack_dir()
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + time_limit
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StackError(
                        f"another process has held {directory / name}.lock for {time_limit:.0f} s"
                    ) from None
                await asyncio.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --- sync entry points -------------------------------------------------------------------------


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh event loop in a helper thread, so that synchronous
    callers work whether or not their own thread has an event loop (running or not)."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hirestream-stack") as pool:
        return pool.submit(asyncio.run, coro).result()

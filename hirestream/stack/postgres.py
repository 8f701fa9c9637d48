"""A project-local PostgreSQL server on 127.0.0.1 (unless ``DATABASE_URL`` is set).

The cluster lives in ``.stack/postgres/data`` and is run with Debian's server binaries
(``/usr/lib/postgresql/<version>/bin``; ``apt-get install postgresql`` when they are missing).
``initdb`` and the server refuse to run as root, so as root they run as the ``postgres`` user
(``runuser -u postgres --``) on a directory that user owns; as any other user they run as that
user. The server listens on 127.0.0.1 only (port ``HIRESTREAM_PG_PORT``, default 55432) and on a
unix socket inside ``.stack``; role and database ``hirestream`` (password ``hirestream``) are
created on first start.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import os
import pwd
import shlex
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from hirestream.stack.base import (
    LOCALHOST,
    ServiceStatus,
    StackError,
    env_port,
    log_event,
    pid_alive,
    port_open,
    relative,
    run_command,
    service_lock,
    stack_dir,
    tail,
)

DEFAULT_PORT = 55432
PORT_ENV = "HIRESTREAM_PG_PORT"
URL_ENV = "DATABASE_URL"
ROLE = "hirestream"
PASSWORD = "hirestream"  # noqa: S105 - the local stack's documented development password
DATABASE = "hirestream"
SERVER_USER = "postgres"
READY_TIMEOUT = 60.0

# Run by psql as the superuser; \gexec runs each generated statement (CREATE DATABASE cannot run
# inside a DO block). Keep the names equal to ROLE, PASSWORD and DATABASE.
_BOOTSTRAP_SQL = r"""
SELECT 'CREATE ROLE hirestream LOGIN CREATEDB PASSWORD ''hirestream'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hirestream')\gexec
SELECT 'CREATE DATABASE hirestream OWNER hirestream'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hirestream')\gexec
"""


def pg_port() -> int:
    return env_port(PORT_ENV, DEFAULT_PORT)


def local_dsn(port: int | None = None) -> str:
    """The DSN of the local server: ``postgresql://hirestream:hirestream@127.0.0.1:55432/hirestream``."""
    return f"postgresql://{ROLE}:{PASSWORD}@{LOCALHOST}:{port or pg_port()}/{DATABASE}"


@dataclass(frozen=True)
class PostgresPaths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        """``.stack/postgres/run``, or a short directory under /tmp when the project path is
        too long for a unix socket path (about 107 bytes)."""
        local = self.root / "run"
        if len(str(local)) + len("/.s.PGSQL.65535") < 100:
            return local
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"hirestream-pg-{digest}"


def postgres_paths() -> PostgresPaths:
    return PostgresPaths(stack_dir() / "postgres")


# --- binaries and users ----------------------------------------------------------------------


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has ``initdb``."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        text = Path(path).parent.parent.name
        return tuple(int(part) for part in text.split(".") if part.isdigit())

    if not found:
        return None
    return Path(max(found, key=version)).parent


async def ensure_binaries() -> Path:
    """The server binaries, installed from Debian (``apt-get install postgresql``) if missing."""
    bin_dir = find_bin_dir()
    if bin_dir is not None:
        return bin_dir
    if os.geteuid() != 0:
        raise StackError(
            "PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin/initdb) and "
            f"installing them needs root: run `apt-get install -y postgresql`, or set {URL_ENV}"
        )
    started = time.monotonic()
    log_event("postgres.install", package="postgresql")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    await run_command(["apt-get", "update"], time_limit=600.0, env=env, what="apt-get update")
    await run_command(
        ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"],
        time_limit=900.0,
        env=env,
        what="apt-get install postgresql",
    )
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise StackError("apt-get installed postgresql but no initdb was found")
    log_event("postgres.installed", bin=str(bin_dir), seconds=time.monotonic() - started)
    return bin_dir


def _as_server_user(argv: list[str]) -> list[str]:
    """``argv`` run as the ``postgres`` user when we are root (initdb and the server refuse
    root), unchanged otherwise."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *argv]
    return argv


def _server_uid_gid() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise StackError(
            f"running as root, but there is no {SERVER_USER!r} user to run PostgreSQL as"
        ) from None
    return entry.pw_uid, entry.pw_gid


def _prepare_directories(paths: PostgresPaths) -> None:
    """Create the directories, owned by the server user, and make every ancestor of the data
    directory traversable for that user."""
    ids = _server_uid_gid()
    for directory in (paths.root, paths.socket_dir):
        directory.mkdir(parents=True, exist_ok=True)
        if ids is not None:
            os.chown(directory, *ids)
        directory.chmod(0o700 if directory == paths.root else 0o755)
    if ids is None:
        return
    uid, gid = ids
    for directory in [*reversed(paths.root.parents), *reversed(paths.socket_dir.parents)]:
        info = directory.stat()
        if info.st_uid == uid or info.st_mode & stat.S_IXOTH:
            continue
        if info.st_gid == gid and info.st_mode & stat.S_IXGRP:
            continue
        directory.chmod(info.st_mode | stat.S_IXOTH)
        log_event("postgres.chmod", path=str(directory), added="o+x", reason="server user")


# --- server ----------------------------------------------------------------------------------


def _server_options(paths: PostgresPaths, port: int) -> str:
    return " ".join(
        shlex.quote(option)
        for option in (
            "-c",
            f"listen_addresses={LOCALHOST}",
            "-c",
            f"port={port}",
            "-c",
            f"unix_socket_directories={paths.socket_dir}",
        )
    )


async def _initdb(bin_dir: Path, paths: PostgresPaths) -> None:
    started = time.monotonic()
    await run_command(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "--pgdata",
                str(paths.data),
                "--encoding=UTF8",
                "--locale=C",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ]
        ),
        time_limit=120.0,
        cwd=paths.root,
        what="initdb",
    )
    log_event("postgres.initdb", data=relative(paths.data), seconds=time.monotonic() - started)


def _running_port(paths: PostgresPaths) -> int | None:
    """The port of the server running on our data directory (from ``postmaster.pid``)."""
    try:
        lines = (paths.data / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    return port if pid_alive(pid) else None


def _server_pid(paths: PostgresPaths) -> int | None:
    try:
        return int((paths.data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


async def _pg_ctl(bin_dir: Path, paths: PostgresPaths, *args: str, time_limit: float) -> None:
    await run_command(
        _as_server_user([str(bin_dir / "pg_ctl"), "--pgdata", str(paths.data), *args]),
        time_limit=time_limit,
        cwd=paths.root,
        what=f"pg_ctl {args[-1]}",
    )


async def _bootstrap_role(bin_dir: Path, paths: PostgresPaths, port: int) -> None:
    """Create role and database ``hirestream`` if missing (as superuser, over the socket)."""
    await run_command(
        _as_server_user(
            [
                str(bin_dir / "psql"),
                "--no-psqlrc",
                "--quiet",
                "--host",
                str(paths.socket_dir),
                "--port",
                str(port),
                "--dbname",
                "postgres",
                "--set",
                "ON_ERROR_STOP=1",
                "--file",
                "-",
            ]
        ),
        time_limit=60.0,
        cwd=paths.root,
        stdin=_BOOTSTRAP_SQL.encode(),
        what="psql (create role and database)",
    )


async def check_connection(dsn: str, time_limit: float = 5.0) -> None:
    """A real connection and ``SELECT 1``."""
    connection = await asyncpg.connect(dsn, timeout=time_limit)
    try:
        value = await connection.fetchval("SELECT 1")
    finally:
        await connection.close()
    if value != 1:
        raise StackError(f"SELECT 1 returned {value!r}")


async def _wait_connectable(dsn: str, time_limit: float, paths: PostgresPaths) -> None:
    deadline = time.monotonic() + time_limit
    while True:
        try:
            await check_connection(dsn)
            return
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            if time.monotonic() > deadline:
                raise StackError(
                    f"PostgreSQL did not answer at {dsn} within {time_limit:.0f} s "
                    f"({type(exc).__name__}: {exc}); last lines of its log:\n{tail(paths.log)}"
                ) from exc
        await asyncio.sleep(0.3)


async def ensure_postgres(
    *, ready_timeout: float = READY_TIMEOUT, started: dict[str, int | None] | None = None
) -> str:
    """Return the DSN of a ready PostgreSQL: ``DATABASE_URL`` when set, else our local server,
    reused when it already runs and initialised/started when not. When this call starts the
    server, ``started["postgres"]`` is its pid (the postmaster's)."""
    external = os.environ.get(URL_ENV, "")
    if external:
        log_event("postgres.external", url=redact_dsn(external))
        return external
    paths = postgres_paths()
    port = pg_port()
    dsn = local_dsn(port)
    async with service_lock("postgres"):
        bin_dir = await ensure_binaries()
        running = _running_port(paths)
        if running == port:
            began = time.monotonic()
            await _wait_connectable(dsn, ready_timeout, paths)
            log_event(
                "postgres.reused",
                url=redact_dsn(dsn),
                pid=_server_pid(paths),
                seconds=time.monotonic() - began,
            )
            return dsn
        if running is not None:
            log_event("postgres.restart", reason="port changed", old_port=running, port=port)
            await _pg_ctl(bin_dir, paths, "--mode=fast", "--wait", "stop", time_limit=60.0)
        if port_open(LOCALHOST, port):
            raise StackError(
                f"{LOCALHOST}:{port} is in use by another process, not by our PostgreSQL. "
                f"Set {URL_ENV} to use a server that runs already, or {PORT_ENV} to start ours "
                "on another port."
            )
        began = time.monotonic()
        _prepare_directories(paths)
        if not (paths.data / "PG_VERSION").is_file():
            if paths.data.exists():
                shutil.rmtree(paths.data)  # a half-finished initdb
            await _initdb(bin_dir, paths)
        await _pg_ctl(
            bin_dir,
            paths,
            "--log",
            str(paths.log),
            "--options",
            _server_options(paths, port),
            "--wait",
            f"--timeout={int(ready_timeout)}",
            "start",
            time_limit=ready_timeout + 10.0,
        )
        if started is not None:
            started["postgres"] = _server_pid(paths)
        await _bootstrap_role(bin_dir, paths, port)
        await _wait_connectable(dsn, ready_timeout, paths)
        log_event(
            "postgres.ready",
            url=redact_dsn(dsn),
            pid=_server_pid(paths),
            seconds=time.monotonic() - began,
            log=relative(paths.log),
        )
        return dsn


def postgres_pid() -> int | None:
    """The pid of our local server (the postmaster) when it runs (whatever ``DATABASE_URL``
    says)."""
    paths = postgres_paths()
    return _server_pid(paths) if _running_port(paths) is not None else None


async def stop_postgres_async() -> bool:
    """Stop our server if it runs (``pg_ctl stop -m fast`` as the server user)."""
    paths = postgres_paths()
    if _running_port(paths) is None:
        return False
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise StackError("our PostgreSQL runs, but pg_ctl is gone")
    pid = _server_pid(paths)
    started = time.monotonic()
    await _pg_ctl(bin_dir, paths, "--mode=fast", "--wait", "stop", time_limit=90.0)
    log_event("postgres.stopped", pid=pid, seconds=time.monotonic() - started)
    return True


def postgres_status() -> ServiceStatus:
    external = os.environ.get(URL_ENV, "")
    if external:
        return ServiceStatus("postgres", "external", redact_dsn(external))
    paths = postgres_paths()
    port = pg_port()
    running = _running_port(paths)
    if running is not None:
        return ServiceStatus(
            "postgres", "running", redact_dsn(local_dsn(running)), _server_pid(paths)
        )
    address = redact_dsn(local_dsn(port))
    if port_open(LOCALHOST, port):
        return ServiceStatus("postgres", "foreign", address, None, "port taken by another process")
    return ServiceStatus("postgres", "stopped", address)


def redact_dsn(dsn: str) -> str:
    """``dsn`` without its password, for log lines."""
    scheme, sep, rest = dsn.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return dsn
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"

"""Real worker processes for integration and e2e tests: started with ``python -m hirestream
worker`` against the real stack, waited on through HTTP, stopped or SIGKILLed."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
TEST_JWT_SECRET = "test-secret-for-hirestream-tests-0123456789"
# One candidate token key (id 1, the 32 bytes "hirestream-test-candidate-key-01" in base64).
TEST_CANDIDATE_TOKEN_KEYS = "1:aGlyZXN0cmVhbS10ZXN0LWNhbmRpZGF0ZS1rZXktMDE="


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Worker:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: object = field(default=None, repr=False)
    #: What ``python -m hirestream`` runs.
    command: str = "worker"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self._log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hirestream", self.command],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(text[-lines:])

    async def wait_ready(self, timeout_s: float = 120.0, poll_s: float = 0.3) -> float:
        """Seconds from now until ``/health/ready`` answers 200 (polled every ``poll_s``);
        RuntimeError when the process exits or ``timeout_s`` passes first."""
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            while time.monotonic() - started < timeout_s:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"worker {self.name} exited:\n{self.log_tail()}")
                try:
                    async with session.get(
                        f"{self.api}/health/ready", timeout=aiohttp.ClientTimeout(total=2)
                    ) as r:
                        if r.status == 200:
                            return time.monotonic() - started
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(poll_s)
        raise RuntimeError(f"worker {self.name} not ready in {timeout_s}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no commit, no flush."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class ServiceProcess(Worker):
    """``python -m hirestream <command>`` for a service that runs alone (``assessor``,
    ``webhooks``): its health and metrics are at the root of its port (no ``/api/v1``), so
    ``wait_ready`` polls ``{url}/health/ready``."""

    @property
    def api(self) -> str:
        return self.url


def service_beside(worker: Worker, command: str, port_variable: str, log_path: Path) -> Worker:
    """``python -m hirestream <command>`` with ``worker``'s environment, its health on a free
    port given in ``port_variable`` (not started)."""
    port = free_port()
    return ServiceProcess(
        command, port, {**worker.env, port_variable: str(port)}, log_path, command=command
    )


def worker_env(
    stack_env: dict[str, str],
    *,
    app_id: str,
    name: str,
    port: int,
    data_dir: Path,
    partitions: int = 12,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIRESTREAM_")}
    env.update(stack_env)
    env.update(
        {
            "HIRESTREAM_APP_ID": app_id,
            "HIRESTREAM_TOPIC_PREFIX": f"{app_id}.",
            "HIRESTREAM_WORKER_NAME": name,
            "HIRESTREAM_PORT": str(port),
            "HIRESTREAM_DATA_DIR": str(data_dir),
            "HIRESTREAM_PARTITIONS": str(partitions),
            "HIRESTREAM_JWT_SECRET": TEST_JWT_SECRET,
            "HIRESTREAM_CANDIDATE_TOKEN_KEYS": TEST_CANDIDATE_TOKEN_KEYS,
            "HIRESTREAM_API_KEY_CACHE_TTL_S": "2",
            "HIRESTREAM_COMMAND_TIMEOUT_S": "15",
            "HIRESTREAM_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env

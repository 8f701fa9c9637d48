"""``ResumeParser``: runs each extraction in its own short-lived child process, bounded.

* One fresh child process per document (``python -m hirestream.documents.child``), limited to
  ``HIRESTREAM_RESUME_MEMORY_BYTES`` of address space and killed at the wall-clock deadline
  ``HIRESTREAM_RESUME_TIMEOUT_S``. pdfplumber is pure Python and cannot be interrupted inside the
  web process; a child can simply be killed, and a crash or memory blow-up takes only the child.
* Children are started with ``asyncio.create_subprocess_exec`` (no ``fork`` of the threaded web
  process) with a minimal environment; ``HIRESTREAM_RESUME_SPARE_WORKERS`` of them are started
  ahead of time and wait with the libraries already imported, so a request does not pay the
  interpreter start-up. A spare is used for one document and replaced in the background.
* At most ``HIRESTREAM_RESUME_CONCURRENCY`` extractions run at once (``asyncio.Semaphore``), and
  at most ``HIRESTREAM_RESUME_MAX_PENDING`` uploads are being received, queued or extracted
  (``request_slot``): ten large uploads at once buffer at most MAX_PENDING x MAX_BYTES and keep
  the event loop free, since all parsing and cleaning happens in the children.

The web application keeps one parser (``hirestream.web.app``); handlers get it with
``request.app[RESUME_PARSER]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import hirestream
from hirestream.documents.child import READY
from hirestream.documents.config import Limits
from hirestream.documents.errors import CODES, rejected
from hirestream.documents.extract import Extracted

__all__ = ["ParserStats", "ResumeParser"]

logger = logging.getLogger(__name__)

WORKER_MODULE: Final = "hirestream.documents.child"
_STARTUP_TIMEOUT_S: Final = 30.0
_OUTPUT_SLACK: Final = 64 * 1024


@dataclass
class ParserStats:
    """Counters for tests, benchmarks and metrics."""

    spawned: int = 0  # child processes started
    active: int = 0  # extractions running now
    peak_active: int = 0
    pending: int = 0  # uploads holding a request slot now
    peak_pending: int = 0
    completed: int = 0
    killed: int = 0  # children killed at the deadline


def _child_env() -> dict[str, str]:
    """A minimal environment: the child never sees the web process's secrets."""
    root = str(Path(hirestream.__file__).resolve().parent.parent)
    inherited = os.environ.get("PYTHONPATH")
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": root + (os.pathsep + inherited if inherited else ""),
    }


class _Child:
    """One extraction process, ready for exactly one document."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None


class ResumeParser:
    """Bounded, killable extraction of résumé uploads; see the module docstring."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_env()
        self.stats = ParserStats()
        self._extract_slots = asyncio.Semaphore(self.limits.concurrency)
        self._request_slots = asyncio.Semaphore(self.limits.max_pending)
        self._spares: deque[_Child] = deque()
        self._spawning: set[asyncio.Task[None]] = set()
        self._reaping: set[asyncio.Task[Any]] = set()
        self._running: set[asyncio.subprocess.Process] = set()
        self._command = [
            sys.executable,
            "-P",  # the working directory is not put on sys.path
            "-m",
            WORKER_MODULE,
            json.dumps(self.limits.to_dict()),
        ]
        self._env = _child_env()
        self._closed = False

    # ---- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the spare children (in the background)."""
        self._closed = False
        self._replenish()

    async def wait_ready(self) -> None:
        """Wait until the spare children being started are ready (benchmarks, tests)."""
        await asyncio.gather(*list(self._spawning), return_exceptions=True)

    async def close(self) -> None:
        """Stop spawning, kill spare and running children, and reap them."""
        self._closed = True
        for task in list(self._spawning):
            task.cancel()
        await asyncio.gather(*self._spawning, return_exceptions=True)
        while self._spares:
            self._kill(self._spares.popleft().proc)
        for proc in list(self._running):
            self._kill(proc)
        await asyncio.gather(*self._reaping, return_exceptions=True)

    # ---- public API ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def request_slot(self) -> AsyncIterator[None]:
        """Hold one of the ``max_pending`` upload slots while receiving and parsing an upload;
        503 ``busy`` when none frees up within ``queue_timeout_s``."""
        try:
            async with asyncio.timeout(self.limits.queue_timeout_s):
                await self._request_slots.acquire()
        except TimeoutError:
            raise rejected("busy") from None
        self.stats.pending += 1
        self.stats.peak_pending = max(self.stats.peak_pending, self.stats.pending)
        try:
            yield
        finally:
            self.stats.pending -= 1
            self._request_slots.release()

    async def parse(self, data: bytes) -> Extracted:
        """Extract ``data`` in a child process. Raises ``ResumeRejected``."""
        if not data:
            raise rejected("empty_document", "The file is empty (0 bytes).")
        if len(data) > self.limits.max_bytes:
            raise rejected(
                "file_too_large", f"The file is larger than {self.limits.max_bytes} bytes."
            )
        if self._closed:
            raise rejected("parser_unavailable")
        async with self._extract_slots:
            child = await self._take_child()
            self.stats.active += 1
            self.stats.peak_active = max(self.stats.peak_active, self.stats.active)
            try:
                return await self._run(child.proc, data)
            finally:
                self.stats.active -= 1
                self.stats.completed += 1

    # ---- children --------------------------------------------------------------------------

    async def _spawn(self) -> _Child:
        try:
            proc = await asyncio.create_subprocess_exec(
                *self._command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                env=self._env,
                start_new_session=True,
            )
        except OSError as error:
            logger.error("cannot start the résumé extraction process: %s", error)
            raise rejected("parser_unavailable") from None
        self.stats.spawned += 1
        assert proc.stdout is not None
        try:
            async with asyncio.timeout(_STARTUP_TIMEOUT_S):
                line = await proc.stdout.readline()
        except TimeoutError:
            line = b""
        except BaseException:
            self._kill(proc)
            raise
        if line != READY:
            self._kill(proc)
            logger.error(
                "the résumé extraction process did not start (exit status %s)", proc.returncode
            )
            raise rejected("parser_unavailable")
        return _Child(proc)

    async def _take_child(self) -> _Child:
        child: _Child | None = None
        while self._spares:
            candidate = self._spares.popleft()
            if candidate.alive:
                child = candidate
                break
            self._reap(candidate.proc)
        self._replenish()
        return child if child is not None else await self._spawn()

    def _replenish(self) -> None:
        if self._closed:
            return
        missing = self.limits.spare_workers - len(self._spares) - len(self._spawning)
        for _ in range(max(0, missing)):
            task = asyncio.create_task(self._spawn_spare())
            self._spawning.add(task)
            task.add_done_callback(self._spawning.discard)

    async def _spawn_spare(self) -> None:
        try:
            child = await self._spawn()
        except Exception:  # logged in _spawn; the next request starts its own child
            return
        if self._closed:
            self._kill(child.proc)
        else:
            self._spares.append(child)

    async def _run(self, proc: asyncio.subprocess.Process, data: bytes) -> Extracted:
        assert proc.stdin is not None and proc.stdout is not None
        cap = 8 * self.limits.max_chars + _OUTPUT_SLACK
        self._running.add(proc)
        try:
            async with asyncio.timeout(self.limits.timeout_s):
                try:
                    proc.stdin.write(data)
                    await proc.stdin.drain()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the child died; its exit status tells why
                finally:
                    proc.stdin.close()
                output = await proc.stdout.read(cap + 1)
                while output and len(output) <= cap:
                    more = await proc.stdout.read(cap + 1 - len(output))
                    if not more:
                        break
                    output += more
                if len(output) > cap:
                    raise rejected("extraction_failed", "The extracted text is too large.")
                returncode = await proc.wait()
        except TimeoutError:
            self.stats.killed += 1
            raise rejected(
                "timeout",
                f"Reading the document took longer than {self.limits.timeout_s:g} seconds.",
            ) from None
        finally:
            self._running.discard(proc)
            if proc.returncode is None:
                self._kill(proc)
        return self._answer(output, returncode)

    def _answer(self, output: bytes, returncode: int) -> Extracted:
        if not output:
            logger.warning("the résumé extraction process died (exit status %s)", returncode)
            if returncode == -signal.SIGXCPU:
                raise rejected("timeout")
            if returncode == -signal.SIGKILL:  # the kernel's OOM killer
                raise rejected("too_much_memory")
            raise rejected("extraction_failed")
        try:
            answer = json.loads(output)
            if answer.get("ok") is True:
                return Extracted.from_dict(answer["result"])
            code = str(answer.get("code"))
            message = answer.get("message")
        except (ValueError, TypeError, KeyError, AttributeError):
            logger.warning("unreadable answer from the résumé extraction process")
            raise rejected("extraction_failed") from None
        if code not in CODES:
            code = "extraction_failed"
        if code == "extraction_failed" and answer.get("detail"):
            logger.warning("résumé extraction failed: %s", answer["detail"])
        raise rejected(code, message if isinstance(message, str) and message else None)

    def _kill(self, proc: asyncio.subprocess.Process) -> None:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        self._reap(proc)

    def _reap(self, proc: asyncio.subprocess.Process) -> None:
        task = asyncio.ensure_future(proc.wait())
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)

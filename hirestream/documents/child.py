"""Entry point of the extraction child process: ``python -m hirestream.documents.child LIMITS``.

``LIMITS`` is the JSON of ``config.Limits``. The child

1. limits itself: ``RLIMIT_AS`` (address space, ``memory_bytes``), ``RLIMIT_CPU`` (a backstop
   for an orphaned child; the parent kills it at the wall-clock deadline) and no core dumps;
2. keeps a private copy of stdout for its answers and points fd 1 at /dev/null (nothing a
   library prints can corrupt an answer), imports the document libraries, runs each extractor
   once on a tiny document and writes ``ready``, so a spare child can wait, warm, for its
   document;
3. reads the document from stdin until end of file, runs ``extract``, writes one JSON object on
   stdout and exits at once (``os._exit``): ``{"ok": true, "result": {...}}`` or
   ``{"ok": false, "code": "...", "message": "..."}``.

One child handles one document, so nothing a document does can leak into the next one.
"""

from __future__ import annotations

import json
import logging
import math
import os
import resource
import sys
import warnings
from typing import Any

READY = b"ready\n"
_OUT_OF_MEMORY = b'{"ok": false, "code": "too_much_memory"}'
_CPU_MARGIN_S = 10


def _limit_resources(memory_bytes: int, timeout_s: float) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    cpu = math.ceil(timeout_s) * 2 + _CPU_MARGIN_S
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _peak_rss_kib() -> int:
    """Peak resident memory of this process image. ``VmHWM`` starts afresh at ``exec``;
    ``ru_maxrss`` would also count the parent's memory copied by ``fork`` before it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _private_stdout() -> int:
    """A private copy of stdout for the answer; fd 1 then points at /dev/null, so nothing a
    library prints (Python or C) can corrupt the answer."""
    sys.stdout.flush()
    answer_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return answer_fd


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from hirestream.documents.config import Limits

    limits = Limits.from_dict(json.loads(args[0])) if args else Limits.from_env()
    _limit_resources(limits.memory_bytes, limits.timeout_s)
    logging.disable(logging.CRITICAL)  # pdfminer warns about every oddity of a file
    warnings.simplefilter("ignore")
    out = _private_stdout()

    from hirestream.documents.errors import ResumeRejected
    from hirestream.documents.extract import extract, preload

    preload()
    _write(out, READY)

    data = sys.stdin.buffer.read()
    try:
        result = extract(data, limits)
    except MemoryError:
        del data
        _write(out, _OUT_OF_MEMORY)
        return 0
    except ResumeRejected as error:
        answer: dict[str, Any] = {"ok": False, "code": error.code, "message": error.message}
    except RecursionError:
        answer = {"ok": False, "code": "corrupt_document"}
    except Exception as error:  # a parser bug on a strange file: refuse the file, say why
        answer = {"ok": False, "code": "extraction_failed", "detail": type(error).__name__}
    else:
        payload = result.to_dict()
        payload["peakRssKib"] = _peak_rss_kib()
        answer = {"ok": True, "result": payload}
    _write(out, json.dumps(answer, ensure_ascii=False).encode("utf-8"))
    return 0


if __name__ == "__main__":
    status = main()
    # Skip the interpreter's teardown (tens of milliseconds with the libraries loaded): the
    # answer is written and flushed, and the process holds nothing else worth cleaning up.
    os._exit(status)

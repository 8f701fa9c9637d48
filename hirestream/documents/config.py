"""Limits of the résumé parsing endpoint, read from the environment.

=====================================  ==========  ============================================
variable                               default     meaning
=====================================  ==========  ============================================
HIRESTREAM_RESUME_MAX_BYTES            10485760    largest accepted file (10 MiB); larger -> 413
HIRESTREAM_RESUME_MAX_PAGES            50          most PDF pages; counted before extraction
HIRESTREAM_RESUME_TIMEOUT_S            15          wall-clock limit of one extraction; the child
                                                   process is killed when it is exceeded
HIRESTREAM_RESUME_MEMORY_BYTES         1073741824  address-space limit (RLIMIT_AS) of the child
HIRESTREAM_RESUME_MAX_CHARS            100000      ``resumeText`` is cut to this many characters
HIRESTREAM_RESUME_CONCURRENCY          2           extractions running at once in one worker
HIRESTREAM_RESUME_MAX_PENDING          8           uploads being received, queued or extracted at
                                                   once in one worker (bounds buffered bytes to
                                                   MAX_PENDING x MAX_BYTES)
HIRESTREAM_RESUME_QUEUE_TIMEOUT_S      30          longest wait for a MAX_PENDING slot -> 503 busy
HIRESTREAM_RESUME_UPLOAD_TIMEOUT_S     120         longest time to receive the body -> 408
HIRESTREAM_RESUME_SPARE_WORKERS        1           pre-started child processes (libraries already
                                                   imported) waiting for a document; 0 starts a
                                                   child per request
HIRESTREAM_RESUME_ZIP_MAX_ENTRIES      1000        most entries in a DOCX archive
HIRESTREAM_RESUME_ZIP_MAX_BYTES        52428800    most declared uncompressed bytes of a DOCX
HIRESTREAM_RESUME_ZIP_MAX_ENTRY_BYTES  20971520    most declared uncompressed bytes of one entry
HIRESTREAM_RESUME_ZIP_MAX_RATIO        100         highest compression ratio of an entry that is
                                                   larger than 1 MiB once unpacked
=====================================  ==========  ============================================

A value that is not a positive number makes ``Limits.from_env`` raise ``ValueError`` at start-up.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Limits"]

_ENV_PREFIX = "HIRESTREAM_RESUME_"


@dataclass(frozen=True, slots=True)
class Limits:
    """Every limit of the endpoint; see the module docstring for the environment variables."""

    max_bytes: int = 10 * 1024 * 1024
    max_pages: int = 50
    timeout_s: float = 15.0
    memory_bytes: int = 1024 * 1024 * 1024
    max_chars: int = 100_000
    concurrency: int = 2
    max_pending: int = 8
    queue_timeout_s: float = 30.0
    upload_timeout_s: float = 120.0
    spare_workers: int = 1
    zip_max_entries: int = 1000
    zip_max_bytes: int = 50 * 1024 * 1024
    zip_max_entry_bytes: int = 20 * 1024 * 1024
    zip_max_ratio: float = 100.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "spare_workers":
                if value < 0:
                    raise ValueError(f"{field.name} must be >= 0, got {value!r}")
            elif not value > 0:
                raise ValueError(f"{field.name} must be > 0, got {value!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Defaults overridden by the ``HIRESTREAM_RESUME_<FIELD>`` variables that are set."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(_ENV_PREFIX + field.name.upper())
            if raw is None or raw.strip() == "":
                continue
            kind = int if field.type in ("int", int) else float
            try:
                values[field.name] = kind(raw.strip())
            except ValueError:
                raise ValueError(
                    f"{_ENV_PREFIX}{field.name.upper()} must be a number, got {raw!r}"
                ) from None
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limits:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

"""The local stack behind ``make run`` and ``make test``: Apache Kafka, PostgreSQL, SMTP sink.

``python -m hirestream.stack up|down|status`` from a shell; from Python (the test conftest)::

    from hirestream.stack import ensure_stack

    env = ensure_stack()  # starts what is missing, reuses what runs
    env.bootstrap_servers, env.database_url, env.smtp_host, env.smtp_port

The names below are imported on first use, so that ``python -m hirestream.stack.smtp`` (the
background SMTP sink) does not load the Kafka and PostgreSQL clients.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "StackEnv": "hirestream.stack.env",
    "ensure_stack": "hirestream.stack.env",
    "ensure_stack_async": "hirestream.stack.env",
    "stop_stack": "hirestream.stack.env",
    "stop_stack_async": "hirestream.stack.env",
    "stop_started": "hirestream.stack.env",
    "stop_started_async": "hirestream.stack.env",
    "stack_status": "hirestream.stack.env",
    "StackError": "hirestream.stack.base",
    "ServiceStatus": "hirestream.stack.base",
    "SmtpSink": "hirestream.stack.smtp",
    "ReceivedMessage": "hirestream.stack.smtp",
    "read_maildir": "hirestream.stack.smtp",
    "docker_available": "hirestream.stack.kafka",
    "start_kafka_container": "hirestream.stack.kafka",
}

__all__ = [
    "ReceivedMessage",
    "ServiceStatus",
    "SmtpSink",
    "StackEnv",
    "StackError",
    "docker_available",
    "ensure_stack",
    "ensure_stack_async",
    "read_maildir",
    "stack_status",
    "start_kafka_container",
    "stop_stack",
    "stop_stack_async",
    "stop_started",
    "stop_started_async",
]

if TYPE_CHECKING:
    from hirestream.stack.base import ServiceStatus, StackError
    from hirestream.stack.env import (
        StackEnv,
        ensure_stack,
        ensure_stack_async,
        stack_status,
        stop_stack,
        stop_stack_async,
        stop_started,
        stop_started_async,
    )
    from hirestream.stack.kafka import docker_available, start_kafka_container
    from hirestream.stack.smtp import ReceivedMessage, SmtpSink, read_maildir


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

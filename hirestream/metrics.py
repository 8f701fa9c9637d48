"""The worker's Prometheus metrics (``GET /metrics``, docs/api.md §9): every metric in one
place, with the labels it takes. No label carries a tenant, an interview or a person: the
series stay few and the endpoint shows nothing a tenant owns.

- ``hirestream_http_request_duration_seconds{route, method, status}``: each HTTP request,
  by its route template (``/api/v1/interviews/{id}``; ``unmatched`` for no route);
- ``hirestream_commands_total{type, outcome}``: each command the interview agent answered, by
  its type and its result (``created``, ``updated``, ...) or rejection code;
- ``hirestream_command_seconds{type}``: from the command's arrival on its topic to its outcome;
- ``hirestream_dead_letters_total{reason}``: commands copied to the dead-letter topic;
- ``hirestream_consumer_lag{topic, partition}``: messages this worker has still to read on each
  partition it consumes (computed at every scrape, see ``LagCollector``);
- ``hirestream_webhook_deliveries_total{outcome}``: webhook delivery attempts by how they ended;
- ``hirestream_table_changelog_applied_total{table}``: changelog messages read into the
  persistent table store (``HIRESTREAM_STORE=rocksdb``) by recovery and standby replicas: after
  a restart, only the changelog's tail since the offset stored with the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["REGISTRY"]  # the registry ``/metrics`` serves: the process's (one worker each)

#: Latency buckets for HTTP requests and commands, in seconds (1 ms .. 30 s).
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)

HTTP_REQUEST_SECONDS = Histogram(
    "hirestream_http_request_duration_seconds",
    "HTTP requests by route template, method and status, and how long they took.",
    ("route", "method", "status"),
    buckets=LATENCY_BUCKETS,
)
COMMANDS = Counter(
    "hirestream_commands",
    "Commands the interview agent answered, by type and outcome (a result or a rejection code).",
    ("type", "outcome"),
)
COMMAND_SECONDS = Histogram(
    "hirestream_command_seconds",
    "From a command's arrival on its topic to its outcome, by type.",
    ("type",),
    buckets=LATENCY_BUCKETS,
)
DEAD_LETTERS = Counter(
    "hirestream_dead_letters",
    "Commands copied to the dead-letter topic, by reason code.",
    ("reason",),
)
WEBHOOK_DELIVERIES = Counter(
    "hirestream_webhook_deliveries",
    "Webhook delivery attempts, by the delivery's status after it (delivered, failed, dead).",
    ("outcome",),
)
TABLE_CHANGELOG_APPLIED = Counter(
    "hirestream_table_changelog_applied",
    "Changelog messages read into the persistent table store (recovery, standby), by table.",
    ("table",),
)

#: The consumer lag as the stream processor knows it: (topic, partition) -> messages behind.
LagReader = Callable[[], Mapping[tuple[str, int], int]]


class LagCollector(Collector):
    """``hirestream_consumer_lag``, read from the stream processor at each scrape (nothing
    until one is attached)."""

    def __init__(self) -> None:
        self._read: LagReader = dict

    def read_from(self, read: LagReader) -> None:
        self._read = read

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "hirestream_consumer_lag",
            "Messages this worker has still to read, by topic and partition it consumes.",
            labels=("topic", "partition"),
        )
        for (topic, partition), lag in sorted(self._read().items()):
            gauge.add_metric((topic, str(partition)), max(lag, 0))
        yield gauge


#: The process's consumer lag (the stream processor attaches itself: ``LAG.read_from``).
CONSUMER_LAG = LagCollector()
REGISTRY.register(CONSUMER_LAG)


def command_outcome(outcome: Mapping[str, object]) -> str:
    """The ``outcome`` label of an answered command: its result, else its rejection code."""
    label = outcome.get("result") if outcome.get("ok") else outcome.get("code")
    return str(label or "unknown")

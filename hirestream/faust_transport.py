"""Faust's aiokafka transport with one setting Faust does not expose: how long the worker's
consumer lets the broker hold a fetch (``fetch_max_wait_ms``; Faust fixes it at 1,500 ms).

Why it matters: aiokafka leaves out of a fetch request every partition whose records are still
waiting to be consumed, and sends the next request only when the one in flight returns. A
command that arrives on such a partition waits until the broker answers a request that did not
ask for it - up to the whole long poll when the other partitions are quiet. With 1,500 ms a
tenant's burst of commands stalled for over a second between fetches; with a few tens of
milliseconds it does not, at the cost of more (cheap) empty fetches when the worker is idle.
``bench/api_bench.py`` shows the difference.

Faust picks a transport by the broker URL's scheme: ``register()`` adds ``hirestream://``,
which is Faust's ``kafka://`` with this consumer.
"""

from __future__ import annotations

from typing import Any

import aiokafka
from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as faust_aiokafka

#: The broker URL scheme of this transport.
SCHEME = "hirestream"

#: ``fetch_max_wait_ms`` of the worker's consumer unless configured (HIRESTREAM_FETCH_MAX_WAIT_MS).
DEFAULT_FETCH_MAX_WAIT_MS = 25


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """The consumer thread, with the transport's ``fetch_max_wait_ms``."""

    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() when it makes its fetcher; set before that.
        consumer._fetch_max_wait_ms = transport.fetch_max_wait_ms
        return consumer


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with the consumer above."""

    Consumer = Consumer
    #: Set by ``register`` (one value per process: one worker per process).
    fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS


def register(fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS) -> str:
    """Make ``hirestream://`` known to Faust; the URL scheme to use."""
    Transport.fetch_max_wait_ms = fetch_max_wait_ms
    TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"
    return SCHEME

"""Faust's aiokafka transport with one setting Faust does not expose: how long the worker's
consumer lets the broker hold a fetch (``fetch_max_wait_ms``; Faust fixes it at 1,500 ms).

Why it matters: aiokafka leaves out of a fetch request every partition whose records are still
waiting to be consumed, and sends the next request only when the one in flight returns. A
command that arrives on such a partition waits until the broker answers a request that did not
ask for it - up to the whole long poll when the other partitions are quiet. With 1,500 ms a
tenant's burst of commands stalled for over a second between fetches; with a few tens of
milliseconds it does not, at the cost of more empty fetches when the worker is idle.
``bench/api_bench.py`` shows the difference.

The event topics the worker's agents read in the background (the enricher's, the mailer's) are
fetched once every ``HIRESTREAM_EVENT_FETCH_INTERVAL_MS`` rather than in every round
(``hirestream.event_fetch``): a round costs CPU for each partition it names, and no command
waits on them.

And one thing Faust leaves half done: it "pauses" a partition only by not asking aiokafka for
its records, while aiokafka, never told, goes on fetching it. After recovery that is every
changelog partition of the worker's own tables - half of the partitions in each fetch request,
and every table write read back from the broker only to be dropped. ``ConsumerThread`` pauses
in aiokafka exactly the assigned partitions Faust does not ask for, and resumes them when Faust
asks again (recovery, standbys), so the fetches carry only what is consumed.

Faust picks a transport by the broker URL's scheme: ``register()`` adds ``hirestream://``,
which is Faust's ``kafka://`` with this consumer.
"""

from __future__ import annotations

import time
from typing import Any, cast

import aiokafka
from aiokafka.errors import IllegalStateError
from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as faust_aiokafka

from hirestream.event_fetch import EventFetchWindow

#: The broker URL scheme of this transport.
SCHEME = "hirestream"

#: ``fetch_max_wait_ms`` of the worker's consumer unless configured (HIRESTREAM_FETCH_MAX_WAIT_MS).
DEFAULT_FETCH_MAX_WAIT_MS = 25


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """The consumer thread, with the transport's ``fetch_max_wait_ms``, fetching only the
    partitions Faust asks for."""

    #: When this consumer fetches the event topics (made on the first fetch).
    _event_window: EventFetchWindow | None = None

    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() when it makes its fetcher; set before that.
        consumer._fetch_max_wait_ms = transport.fetch_max_wait_ms
        return consumer

    async def _fetch_records(
        self,
        consumer: aiokafka.AIOKafkaConsumer,
        active_partitions: set[Any],
        timeout: float | None = None,  # noqa: ASYNC109  # Faust's signature
        max_records: int | None = None,
    ) -> Any:
        # In the consumer's own thread, like every other call on it.
        wanted = active_partitions
        if active_partitions is not None:
            wanted, timeout = self._this_round(consumer, active_partitions, timeout)
        fetch_only(consumer, wanted)
        return await super()._fetch_records(
            consumer, wanted, timeout=timeout, max_records=max_records
        )

    def _this_round(
        self, consumer: aiokafka.AIOKafkaConsumer, active: set[Any], timeout: float | None
    ) -> tuple[set[Any], float | None]:
        """The partitions to fetch now (the event topics' only when the window says so) and
        how long to wait for records before looking again."""
        transport = cast(Transport, self.consumer.transport)
        event_topics = transport.event_topics
        events = [tp for tp in active if tp.topic in event_topics]
        if not events:
            return active, timeout
        window = self._event_window
        if window is None:
            window = self._event_window = EventFetchWindow(
                transport.event_fetch_interval_ms, recheck_ms=transport.fetch_max_wait_ms
            )
        now_ms = time.time() * 1000
        # Records aiokafka has fetched and not yet handed over (no public API says which).
        waiting = any(tp.topic in event_topics for tp in consumer._fetcher._records)
        fetched_at = last_fetched_ms(consumer, events) if window.is_open else None
        wanted = active
        if not window.include(now_ms, fetched_at_ms=fetched_at, waiting=waiting):
            wanted = {tp for tp in active if tp.topic not in event_topics}
        limit = window.wait_ms(now_ms)
        if limit is not None:
            timeout = limit / 1000 if timeout is None else min(timeout, limit / 1000)
        return wanted, timeout


def last_fetched_ms(consumer: aiokafka.AIOKafkaConsumer, partitions: list[Any]) -> float | None:
    """The oldest of the partitions' last fetch answers (aiokafka's wall clock, ms); None when
    one of them has had none or is no longer assigned."""
    oldest: float | None = None
    for tp in partitions:
        try:
            at = consumer.last_poll_timestamp(tp)
        except (AssertionError, IllegalStateError):  # not assigned (any more)
            return None
        if at is None:
            return None
        oldest = at if oldest is None else min(oldest, at)
    return oldest


def fetch_only(consumer: aiokafka.AIOKafkaConsumer, wanted: set[Any] | None) -> None:
    """Pause in aiokafka the assigned partitions not ``wanted`` (Faust's active partitions),
    resume the wanted ones it has paused. A paused partition keeps its position: fetching
    starts again from there once it is resumed."""
    if wanted is None:
        return
    wanted_now = {(tp.topic, tp.partition) for tp in wanted}
    assigned = consumer.assignment()
    paused = consumer.paused()
    to_pause = [tp for tp in assigned if (tp.topic, tp.partition) not in wanted_now]
    to_resume = [tp for tp in paused if (tp.topic, tp.partition) in wanted_now]
    if to_pause:
        consumer.pause(*(tp for tp in to_pause if tp not in paused))
    if to_resume:
        consumer.resume(*to_resume)


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with the consumer above."""

    Consumer = Consumer
    #: Set by ``register`` (one value per process: one worker per process).
    fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS
    #: The event topics the worker's agents read, fetched every ``event_fetch_interval_ms``.
    event_topics: frozenset[str] = frozenset()
    event_fetch_interval_ms: int = 0


def register(
    fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS,
    *,
    event_topics: frozenset[str] = frozenset(),
    event_fetch_interval_ms: int = 0,
) -> str:
    """Make ``hirestream://`` known to Faust; the URL scheme to use. ``event_topics`` are
    fetched once every ``event_fetch_interval_ms`` (0: in every fetch round;
    ``hirestream.event_fetch``)."""
    Transport.fetch_max_wait_ms = fetch_max_wait_ms
    Transport.event_topics = event_topics
    Transport.event_fetch_interval_ms = event_fetch_interval_ms
    TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"
    return SCHEME

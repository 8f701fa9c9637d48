"""When the worker's consumer fetches the event topics its background agents read. Pure.

The worker's one Faust consumer reads the command topics, which someone is waiting on, and the
event topics the enricher and the mailer read (``interview.created``, ``.updated``,
``.invited``), which no request waits on. Every fetch round names every partition it fetches,
and aiokafka builds the request and reads the answer for each of them in Python: with 12
partitions a topic, the event topics are 36 of a round's 60 partitions, and their events start
rounds of their own. So the consumer fetches them once every ``interval_ms`` instead of in
every round (``hirestream.faust_transport``): a window opens, stays open until a fetch answer
has covered each of those partitions (or ``interval_ms`` has passed), and closes; and they are
fetched whenever records of theirs wait to be handed to Faust (aiokafka holds back a whole
broker's fetches while fetched records wait, so those must never wait for the next window).

An event reaches its agent at most about ``interval_ms`` later; a command, never.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EventFetchWindow:
    """Whether this fetch round includes the event topics' partitions. ``interval_ms`` 0: every
    round; ``recheck_ms``: while the window is open, how often to look whether it can close (the
    consumer's fetch wait: a fetch answer comes at least that often). Times are wall-clock
    milliseconds (aiokafka's clock for a partition's last fetch)."""

    interval_ms: float
    recheck_ms: float = 25.0
    opened_at_ms: float | None = None
    closed_at_ms: float = float("-inf")

    @property
    def is_open(self) -> bool:
        """Whether a window is open (only then does ``include`` read ``fetched_at_ms``)."""
        return self.opened_at_ms is not None

    def include(self, now_ms: float, *, fetched_at_ms: float | None, waiting: bool) -> bool:
        """Whether to fetch the event partitions now. ``fetched_at_ms``: the oldest of their
        last fetch answers (None when one of them has had none); ``waiting``: records of
        theirs are fetched and not yet handed over."""
        if self.interval_ms <= 0:
            return True
        if self.opened_at_ms is None:
            if now_ms - self.closed_at_ms >= self.interval_ms:
                self.opened_at_ms = now_ms
        else:
            covered = fetched_at_ms is not None and fetched_at_ms >= self.opened_at_ms
            if covered or now_ms - self.opened_at_ms >= self.interval_ms:
                self.opened_at_ms = None
                self.closed_at_ms = now_ms
        return self.opened_at_ms is not None or waiting

    def wait_ms(self, now_ms: float) -> float | None:
        """How long a fetch may wait for records before the window must be looked at again;
        None: as long as it likes."""
        if self.interval_ms <= 0:
            return None
        if self.opened_at_ms is None:
            return max(1.0, self.closed_at_ms + self.interval_ms - now_ms)
        return max(1.0, min(self.recheck_ms, self.opened_at_ms + self.interval_ms - now_ms))

"""Webhook delivery (docs/api.md §7): the pure building blocks beside the I/O.

``signing`` makes the secrets and the signature headers (Standard Webhooks and the legacy
``X-Webhook-*`` pair), ``schedule`` decides when a failed delivery is tried again and when an
endpoint is disabled, ``payload`` what a webhook says and to which targets it goes, ``rules``
the life of one delivery and the scheduler's choices, and ``client`` makes the single HTTP
POST, to checked addresses only. ``recorder`` (a consumer group on the event topics) writes
the outbox in PostgreSQL and ``scheduler`` (in every worker) works it off.

The web layer uses what it needs from here: the event names, the statuses, new secrets and
the test delivery.
"""

from hirestream.agents.webhooks.payload import EVENTS, LOG_EVENTS, TEST_EVENT, make_test_delivery
from hirestream.agents.webhooks.rules import STATUSES
from hirestream.agents.webhooks.signing import new_secret

__all__ = ["EVENTS", "LOG_EVENTS", "STATUSES", "TEST_EVENT", "make_test_delivery", "new_secret"]

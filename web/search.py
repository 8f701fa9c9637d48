"""The page of the interview list a query asks for (docs/api.md §4, GET /interviews), from the
worker's listing index (``hirestream.tables.index``).

A search is looked up with the query's tokens under the tenant's search key
(``hirestream.search_tokens``) and opens no sealed value — except the names and emails that
have no search tokens: records written before tokens existed, values an upstream producer sealed
itself, values too long to tokenise. Those are opened once per index build (after a partition
movement), as every search opened every record before, and searched through tokens made here
and kept in memory only (never written back); after that a search opens nothing. Opening costs
about 0.2 ms a record on the 2-core development machine (both AES-GCM opens and the tokens),
yielding to the event loop every ``_BATCH`` records, so a tenant of 100,000 such records waits
~20 s for its first search after each partition movement.

The first search after an index build also makes the index's search side, ``_PREPARED_AT_ONCE``
records between two yields (heartbeats go on meanwhile).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Final

from aiohttp import web

from hirestream.privacy import unseal_fields
from hirestream.search_tokens import (
    SEARCHED_PERSONAL_FIELDS,
    field_tokens,
    fold,
    gram_token,
    probe,
)
from hirestream.store.datakeys import DataKeys
from hirestream.tables.index import TenantIndex, Unopened
from hirestream.tables.queries import ListQuery, Page
from hirestream.web.backend import InterviewBackend
from hirestream.web.keys import BACKEND, DATA_KEYS

#: Rounds of opening values without tokens (a write during a round may add some).
_ROUNDS: Final = 3
#: Records opened between two yields to the event loop.
_BATCH: Final = 500
#: Records whose search side is made between two yields (~0.3 s here: heartbeats go on).
_PREPARED_AT_ONCE: Final = 5_000
#: At most this many yields while the search side is made (then it is made at once).
_MAX_STEPS: Final = 2_000


async def listed_page(request: web.Request, tenant_id: str, query: ListQuery) -> Page:
    """The page ``query`` asks for, of ``tenant_id``'s interviews (this worker owns them)."""
    backend = request.app[BACKEND]
    if query.search is None:
        _built(backend, tenant_id)
        return backend.index.page(tenant_id, query)
    keys = request.app[DATA_KEYS]
    search_key = await keys.search_key(tenant_id)
    rounds = 0
    for _ in range(_MAX_STEPS):
        _built(backend, tenant_id)
        if not backend.index.prepare_search(tenant_id, _PREPARED_AT_ONCE):
            await asyncio.sleep(0)  # the first search after a build: made in steps
            continue
        waiting = backend.index.unopened(tenant_id)
        if not waiting or rounds == _ROUNDS:
            break
        rounds += 1
        await _open(keys, search_key, tenant_id, backend.index, waiting)
    _built(backend, tenant_id)
    return backend.index.page(tenant_id, query, probe(search_key, query.search))


def _built(backend: InterviewBackend, tenant_id: str) -> None:
    if not backend.index.is_built(tenant_id):
        backend.entries(tenant_id)  # builds the tenant's index from its table


async def _open(
    keys: DataKeys, search_key: bytes, tenant_id: str, index: TenantIndex, waiting: list[Unopened]
) -> None:
    """Open the values without tokens and hand the index their tokens."""
    data_keys = await keys.get_many(tenant_id, [w.interview_id for w in waiting])
    tokens_of = {
        field: functools.lru_cache(maxsize=1 << 16)(gram_token(search_key, field))
        for field in SEARCHED_PERSONAL_FIELDS
    }
    for n, unopened in enumerate(waiting, start=1):
        interview_id = unopened.interview_id
        opened = unseal_fields(
            data_keys.get(interview_id), tenant_id, interview_id, dict(unopened.sealed)
        )
        for field, sealed in unopened.sealed.items():
            value = opened.get(field)
            tokens = None
            if value is not None and field in tokens_of:
                tokens = field_tokens(tokens_of[field], fold(value)).text()
            index.adopt(tenant_id, interview_id, field, sealed, tokens)
        if n % _BATCH == 0:
            await asyncio.sleep(0)

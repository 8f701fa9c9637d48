"""Listing, search, filtering and pagination over one tenant's interviews. Pure.

``select`` is what a list query means, over plain entries and search texts, by brute force:
the tests hold the index (``tables.index``) to it. The index answers without sorting or
scanning: it keeps its entries as ``SlotOrder`` (newest first, incrementally) and picks a page
of the chosen ones with ``page_of``.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import islice
from typing import Final

from hirestream.topics.vocabulary import STATUSES, WORKFLOW_STATES


@dataclass(frozen=True, slots=True)
class Entry:
    """What the list needs to know of one interview, without opening personal fields."""

    interview_id: str
    created_at: str
    status: str
    workflow_state: str | None
    version: int


#: Where an entry stands in the list: newest first is by this key, descending (unique per
#: tenant, since the id is in it).
SortKey = tuple[str, str]


def sort_key(entry: Entry) -> SortKey:
    return (entry.created_at, entry.interview_id)


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    limit: int = 20
    status: str | None = None  # already lower-case; matches status or workflowState
    search: str | None = None  # already folded (hirestream.search_tokens.fold) and trimmed


@dataclass(frozen=True)
class Page:
    ids: list[str]
    total: int
    page: int
    limit: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total / self.limit) if self.total else 0


FILTERABLE: frozenset[str] = frozenset(STATUSES) | frozenset(WORKFLOW_STATES)


def newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=sort_key, reverse=True)


def matches_status(entry: Entry, status: str | None) -> bool:
    return status is None or entry.status == status or entry.workflow_state == status


def select(
    entries: list[Entry], query: ListQuery, search_texts: Mapping[str, Sequence[str]]
) -> Page:
    """The page asked for, by definition: entries newest first, filtered by status and by the
    search being a substring of one of ``search_texts[id]`` (the folded name, email and
    position of the interview)."""
    search = query.search
    chosen = [
        e
        for e in newest_first(entries)
        if matches_status(e, query.status)
        and (search is None or any(search in t for t in search_texts.get(e.interview_id, ())))
    ]
    start = (query.page - 1) * query.limit
    return Page(
        [e.interview_id for e in chosen[start : start + query.limit]],
        len(chosen),
        query.page,
        query.limit,
    )


class SlotOrder:
    """Slots (small ints naming entries) in list order, kept sorted as they come and go:
    ``add`` and ``remove`` cost a binary search and a move of pointers, a page is a slice."""

    __slots__ = ("_keys", "_slots")

    def __init__(self) -> None:
        self._keys: list[SortKey] = []  # ascending: the oldest first
        self._slots: list[int] = []

    def __len__(self) -> int:
        return len(self._slots)

    def add(self, key: SortKey, slot: int) -> None:
        at = bisect_right(self._keys, key)
        self._keys.insert(at, key)
        self._slots.insert(at, slot)

    def remove(self, key: SortKey) -> None:
        at = bisect_left(self._keys, key)
        if at < len(self._keys) and self._keys[at] == key:
            del self._keys[at]
            del self._slots[at]

    def newest(self, start: int, count: int) -> list[int]:
        """The slots at positions ``start`` … ``start + count - 1``, newest first."""
        end = len(self._slots) - start
        if end <= 0 or count <= 0:
            return []
        return self._slots[max(end - count, 0) : end][::-1]

    def newest_first(self) -> Iterator[int]:
        return reversed(self._slots)

    def oldest_first(self) -> Iterator[int]:
        return iter(self._slots)


#: Chosen slots fewer than this share of the order are sorted (``m log page``); more are found
#: by walking the order (at most ``1 / SORT_BELOW`` times the matches).
SORT_BELOW: Final = 1 / 8


def page_of(
    order: SlotOrder,
    chosen: AbstractSet[int] | None,
    key: Callable[[int], SortKey],
    page: int,
    limit: int,
) -> tuple[list[int], int]:
    """The slots of page ``page`` (of ``limit``), newest first, and the total: of every slot of
    ``order``, or of ``chosen`` (some of its slots).

    Without ``chosen`` (or when every slot is): a slice. With few chosen: the newest
    ``page * limit`` of them by ``key`` (a heap). With many: a walk of the order from whichever
    end is nearer the page."""
    start = (page - 1) * limit
    if chosen is None or len(chosen) == len(order):  # every slot is chosen
        return order.newest(start, limit), len(order)
    total = len(chosen)
    if start >= total:
        return [], total
    if total < SORT_BELOW * len(order):
        return heapq.nlargest(start + limit, chosen, key=key)[start:], total
    count = min(limit, total - start)
    if start <= total // 2:
        walk = filter(chosen.__contains__, order.newest_first())
        return list(islice(walk, start, start + count)), total
    from_oldest = total - start - count  # the page's last slot, counted from the oldest
    walk = filter(chosen.__contains__, order.oldest_first())
    return list(islice(walk, from_oldest, from_oldest + count))[::-1], total

"""Listing, search, filtering and pagination over one tenant's interviews. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hirestream.topics.vocabulary import STATUSES, WORKFLOW_STATES


@dataclass(frozen=True)
class Entry:
    """What the list needs to know of one interview, without opening personal fields."""

    interview_id: str
    created_at: str
    status: str
    workflow_state: str | None
    version: int


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    limit: int = 20
    status: str | None = None  # already lower-case; matches status or workflowState
    search: str | None = None  # already lower-case


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
    return sorted(entries, key=lambda e: (e.created_at, e.interview_id), reverse=True)


def matches_status(entry: Entry, status: str | None) -> bool:
    return status is None or entry.status == status or entry.workflow_state == status


def select(entries: list[Entry], query: ListQuery, search_text: dict[str, str]) -> Page:
    """The page asked for: entries newest first, filtered by status and by a case-insensitive
    substring of ``search_text[id]`` (name, email and position, lower-cased)."""
    chosen = [
        e
        for e in newest_first(entries)
        if matches_status(e, query.status)
        and (query.search is None or query.search in search_text.get(e.interview_id, ""))
    ]
    start = (query.page - 1) * query.limit
    return Page(
        [e.interview_id for e in chosen[start : start + query.limit]],
        len(chosen),
        query.page,
        query.limit,
    )

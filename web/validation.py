"""Query-string validation for listing interviews (docs/api.md §4). Pure.

Request bodies are checked with the command payload validators of ``topics.payloads`` (the
same ones the interview agent applies to every command)."""

from __future__ import annotations

from hirestream.search_tokens import fold
from hirestream.tables.queries import FILTERABLE, ListQuery
from hirestream.topics.payloads import Invalid

__all__ = ["MAX_LIMIT", "MAX_PAGE", "Invalid", "list_query"]

MAX_LIMIT = 100
#: Pages beyond this are refused (no tenant has a billion interviews).
MAX_PAGE = 10_000_000


def _whole(raw: str | None, name: str, default: int, maximum: int, *, clamp: bool) -> int:
    """A whole number from 1 to ``maximum`` (larger ones clamped, or refused)."""
    if raw is None or raw == "":
        return default
    wrong = Invalid([f"{name} must be a whole number from 1 to {maximum}"])
    if not (raw.isascii() and raw.isdigit()):
        raise wrong
    digits = raw.lstrip("0")
    if not digits:
        raise wrong
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        if clamp:
            return maximum
        raise wrong
    return int(digits)


def list_query(params: dict[str, str]) -> ListQuery:
    """``page`` 1–10,000,000 (default 1), ``limit`` 1–100 (default 20; above 100 is clamped),
    ``status`` (status or workflowState, case-insensitive), ``search`` (≤ 200 chars; trimmed and
    folded — NFKC, case-folded — as the values it is looked for in are)."""
    page = _whole(params.get("page"), "page", 1, MAX_PAGE, clamp=False)
    limit = _whole(params.get("limit"), "limit", 20, MAX_LIMIT, clamp=True)
    status = params.get("status") or None
    if status is not None:
        status = status.lower()
        if status not in FILTERABLE:
            raise Invalid([f"status must be one of {', '.join(sorted(FILTERABLE))}"])
    search = params.get("search") or None
    if search is not None:
        if len(search) > 200:
            raise Invalid(["search must be at most 200 characters"])
        search = fold(search).strip() or None
    return ListQuery(page=page, limit=limit, status=status, search=search)

"""A per-tenant listing index derived from the ``interviews`` table. Pure.

Never the source of truth: it is rebuilt from the table the first time a tenant is listed
after every partition assignment (``invalidate``), and kept current by the agent after each
write (``note``). For each tenant (``TenantListing``) it keeps:

- the live entries newest first (``SlotOrder``), and for each status and workflow state the
  entries in it, likewise: a page, with or without a status filter, is a slice;
- for each searched personal field an inverted index, token -> entries, of the record's search
  tokens (``searchTokens``, ``hirestream.search_tokens``), and the distinct folded positions:
  a search is answered from the postings of the query's tokens and never opens a sealed value;
- the sealed name and email values that have no tokens (records written before tokens existed,
  values sealed by an upstream producer itself, values too long to tokenise): ``unopened``
  names them; the web layer opens each once, makes its tokens in memory and hands them back
  (``adopt``), and they are kept for as long as the sealed value stays the same.

Costs: a page O(page); with a status filter O(page); a search O(its tokens + the postings it
touches + its matches), then the page among the matches (``queries.page_of``); a write
O(log n) plus a move of pointers, and its tokens' postings when its name or email changed.
Entries are named by slots (small ints, reused), so postings are arrays of 4-byte ints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from hirestream.search_tokens import SEARCHED_PERSONAL_FIELDS, FieldTokens, Probe, contains, fold
from hirestream.tables.inverted import PlainValues, Postings
from hirestream.tables.queries import (
    Entry,
    ListQuery,
    Page,
    SlotOrder,
    SortKey,
    matches_status,
    page_of,
    sort_key,
)

_VACANT: Final = Entry("", "", "", None, -1)
_NO_KEY: Final[SortKey] = ("", "")
_NOBODY: Final = SlotOrder()


def entry_of(record: Mapping[str, Any]) -> Entry:
    return Entry(
        interview_id=record["id"],
        created_at=record["createdAt"],
        status=record["status"],
        workflow_state=record.get("workflowState"),
        version=record["version"],
    )


def _filters(entry: Entry) -> set[str]:
    """The ``status`` filter values an entry is listed under."""
    return {entry.status} if entry.workflow_state is None else {entry.status, entry.workflow_state}


@dataclass(frozen=True, slots=True)
class Unopened:
    """A record's sealed name or email values that have no search tokens (field -> sealed)."""

    interview_id: str
    sealed: Mapping[str, str]


class TenantListing:
    """One tenant's listing index (see the module's docstring). Its search side — postings,
    positions, values without tokens — is made when first needed, a batch of records at a time
    (``prepare_search``, so that whoever makes it can yield in between) or all at once at the
    first search: a tenant only listed costs its order alone. Until a record's turn comes, the
    listing holds it by reference."""

    def __init__(self) -> None:
        self._slot_of: dict[str, int] = {}
        self._free: list[int] = []
        self._entries: list[Entry] = []  # by slot; _VACANT when free
        self._keys: list[SortKey] = []  # by slot
        self._order = SlotOrder()
        self._by_filter: dict[str, SlotOrder] = {}
        # the search side; until it is made, _records holds what it is made from (by slot),
        # and the slots below _prepared have theirs already
        self._records: list[Mapping[str, Any] | None] | None = []
        self._prepared = 0
        self._positions: list[str | None] = []  # by slot, folded
        self._position_values = PlainValues()
        self._postings = {f: Postings() for f in SEARCHED_PERSONAL_FIELDS}
        self._posted: dict[str, list[str | None]] = {f: [] for f in SEARCHED_PERSONAL_FIELDS}
        self._runs: dict[str, list[bytes]] = {f: [] for f in SEARCHED_PERSONAL_FIELDS}
        self._opened: dict[str, dict[int, str]] = {f: {} for f in SEARCHED_PERSONAL_FIELDS}
        self._unopened: dict[int, dict[str, str]] = {}

    # --- reads ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot_of)

    def entries(self) -> list[Entry]:
        return [self._entries[slot] for slot in self._slot_of.values()]

    def page(self, query: ListQuery, probe: Probe | None) -> Page:
        """The page ``query`` asks for (``probe``: its search's tokens, when it searches)."""
        status = query.status
        order = self._order if status is None else self._by_filter.get(status, _NOBODY)
        chosen: set[int] | None = None
        if query.search is not None:
            if probe is None:
                raise ValueError("a search needs its probe")
            chosen = self._matching(probe)
            if status is not None:
                chosen = {s for s in chosen if matches_status(self._entries[s], status)}
        slots, total = page_of(order, chosen, self._keys.__getitem__, query.page, query.limit)
        return Page([self._entries[s].interview_id for s in slots], total, query.page, query.limit)

    def _matching(self, probe: Probe) -> set[int]:
        self._make_searchable()
        found = self._position_values.containing(probe.text)
        for field, wanted in probe.fields.items():
            postings = self._postings[field]
            if wanted.exact is not None:
                found.update(postings.get(wanted.exact))
                continue
            runs = self._runs[field]
            for slot in postings.having_all(wanted.grams):
                if slot not in found and contains(runs[slot], wanted.run):
                    found.add(slot)
        return found

    def unopened(self) -> list[Unopened]:
        """Every sealed name or email value without search tokens, by record."""
        self._make_searchable()
        return [
            Unopened(self._entries[slot].interview_id, dict(fields))
            for slot, fields in self._unopened.items()
        ]

    # --- writes ---------------------------------------------------------------------------

    def note(self, record: Mapping[str, Any]) -> None:
        """Reflect one written record (a deleted one leaves)."""
        slot = self._slot_of.get(record["id"])
        if record.get("deleted", False):
            if slot is not None:
                self._drop(slot)
            return
        if slot is None:
            slot = self._new_slot(record["id"])
        self._place(slot, entry_of(record))
        if self._records is None or slot < self._prepared:
            self._index_search(slot, record)
        else:
            self._records[slot] = record

    def adopt(self, interview_id: str, field: str, sealed: str, tokens: str | None) -> None:
        """The tokens of an unopened value, made by whoever opened it (None: it did not open);
        ignored when the record's value has changed since."""
        slot = self._slot_of.get(interview_id)
        waiting = self._unopened.get(slot, {}) if slot is not None else {}
        if slot is None or waiting.get(field) != sealed:
            return
        del waiting[field]
        if not waiting:
            del self._unopened[slot]
        parsed = None if tokens is None else FieldTokens.parse(tokens)
        if tokens is not None and parsed is not None:
            self._post(slot, field, tokens, parsed)
        self._opened[field][slot] = sealed

    def prepare_search(self, budget: int) -> bool:
        """Make the search side of up to ``budget`` more records; whether it is all made. The
        postings of a batch are made in one go (what ``_index_search`` does one by one)."""
        records = self._records
        if records is None:
            return True
        lists: dict[str, defaultdict[int, list[int]]] = {
            f: defaultdict(list) for f in SEARCHED_PERSONAL_FIELDS
        }
        folded: dict[str, str] = {}
        start = self._prepared
        end = min(len(records), start + budget)
        for slot in range(start, end):
            record = records[slot]
            if record is None:
                continue
            records[slot] = None
            position = record.get("position")
            if position:
                if position not in folded:
                    folded[position] = fold(position)
                self._set_position(slot, folded[position])
            sealed: Mapping[str, str] = record.get("sealed") or {}
            tokens: Mapping[str, str] = record.get("searchTokens") or {}
            for field in SEARCHED_PERSONAL_FIELDS:
                value, text = sealed.get(field), tokens.get(field)
                if value is None:
                    continue
                parsed = None if text is None else FieldTokens.parse(text)
                if text is None or parsed is None:
                    self._unopened.setdefault(slot, {})[field] = value
                    continue
                self._posted[field][slot] = text
                self._runs[field][slot] = parsed.run()
                into = lists[field]
                for token in parsed.tokens():
                    into[token].append(slot)
        for field in SEARCHED_PERSONAL_FIELDS:
            self._postings[field].extend(lists[field])  # every slot here is above those posted
        self._prepared = end
        if end == len(records):
            self._records = None
        return self._records is None

    def _make_searchable(self) -> None:
        if self._records is not None:
            self.prepare_search(len(self._records))

    def _new_slot(self, interview_id: str) -> int:
        if self._free:
            slot = self._free.pop()
        else:
            slot = len(self._entries)
            self._entries.append(_VACANT)
            self._keys.append(_NO_KEY)
            self._positions.append(None)
            for posted in self._posted.values():
                posted.append(None)
            for runs in self._runs.values():
                runs.append(b"")
            if self._records is not None:
                self._records.append(None)
        self._slot_of[interview_id] = slot
        return slot

    def _place(self, slot: int, entry: Entry) -> None:
        """The entry in the order and in the lists of its status and workflow state."""
        old = self._entries[slot]
        key = sort_key(entry)
        if old is not _VACANT and self._keys[slot] != key:
            self._unplace(slot)
            old = _VACANT
        if old is _VACANT:
            self._keys[slot] = key
            self._order.add(key, slot)
        before = set() if old is _VACANT else _filters(old)
        after = _filters(entry)
        for value in before - after:
            self._unlist(value, key)
        for value in after - before:
            self._by_filter.setdefault(value, SlotOrder()).add(key, slot)
        self._entries[slot] = entry

    def _unplace(self, slot: int) -> None:
        key = self._keys[slot]
        self._order.remove(key)
        for value in _filters(self._entries[slot]):
            self._unlist(value, key)

    def _unlist(self, value: str, key: SortKey) -> None:
        listed = self._by_filter[value]
        listed.remove(key)
        if not listed:
            del self._by_filter[value]

    def _index_search(self, slot: int, record: Mapping[str, Any]) -> None:
        """The record's position, name and email on the search side."""
        position = record.get("position")
        self._set_position(slot, fold(position) if position else None)
        sealed: Mapping[str, str] = record.get("sealed") or {}
        tokens: Mapping[str, str] = record.get("searchTokens") or {}
        for field in SEARCHED_PERSONAL_FIELDS:
            self._set_field(slot, field, sealed.get(field), tokens.get(field))

    def _set_position(self, slot: int, folded: str | None) -> None:
        old = self._positions[slot]
        if old == folded:
            return
        if old is not None:
            self._position_values.remove(old, slot)
        if folded is not None:
            self._position_values.add(folded, slot)
        self._positions[slot] = folded

    def _set_field(self, slot: int, field: str, sealed: str | None, tokens: str | None) -> None:
        """Post what the record has for ``field``: its tokens; tokens made from its sealed value
        (kept while that value is the same); or nothing yet, the value waiting to be opened."""
        if sealed is not None and tokens is not None:
            if tokens == self._posted[field][slot] and slot not in self._opened[field]:
                return
            parsed = FieldTokens.parse(tokens)
            if parsed is not None:
                self._forget(slot, field)
                self._post(slot, field, tokens, parsed)
                return
        if sealed is not None and self._opened[field].get(slot) == sealed:
            return
        self._forget(slot, field)
        if sealed is not None:
            self._unopened.setdefault(slot, {})[field] = sealed

    def _post(self, slot: int, field: str, text: str, parsed: FieldTokens) -> None:
        self._postings[field].add(parsed.tokens(), slot)
        self._posted[field][slot] = text
        self._runs[field][slot] = parsed.run()

    def _forget(self, slot: int, field: str) -> None:
        """Unpost the field's tokens, and forget it was opened or waits to be."""
        text = self._posted[field][slot]
        if text is not None:
            parsed = FieldTokens.parse(text)
            assert parsed is not None
            self._postings[field].remove(parsed.tokens(), slot)
            self._posted[field][slot] = None
            self._runs[field][slot] = b""
        self._opened[field].pop(slot, None)
        waiting = self._unopened.get(slot)
        if waiting is not None:
            waiting.pop(field, None)
            if not waiting:
                del self._unopened[slot]

    def _drop(self, slot: int) -> None:
        self._unplace(slot)
        if self._records is None or slot < self._prepared:
            self._set_position(slot, None)
            for field in SEARCHED_PERSONAL_FIELDS:
                self._forget(slot, field)
        else:
            self._records[slot] = None
        del self._slot_of[self._entries[slot].interview_id]
        self._entries[slot] = _VACANT
        self._keys[slot] = _NO_KEY
        self._free.append(slot)


class TenantIndex:
    """The listing index of every tenant listed since the last partition movement."""

    def __init__(self) -> None:
        self._listings: dict[str, TenantListing] = {}

    def invalidate(self) -> None:
        """Forget everything (partitions were assigned or revoked)."""
        self._listings.clear()

    def is_built(self, tenant_id: str) -> bool:
        return tenant_id in self._listings

    def build(self, tenant_id: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Index a tenant's records (its live ones: deleted ones are left out)."""
        listing = TenantListing()
        live = (r for r in records if not r.get("deleted", False))
        for record in sorted(live, key=lambda r: (r["createdAt"], r["id"])):
            listing.note(record)
        self._listings[tenant_id] = listing

    def note(self, tenant_id: str, record: Mapping[str, Any]) -> None:
        """Reflect one written record, if this tenant's index is built."""
        listing = self._listings.get(tenant_id)
        if listing is not None:
            listing.note(record)

    def entries(self, tenant_id: str) -> list[Entry]:
        listing = self._listings.get(tenant_id)
        return [] if listing is None else listing.entries()

    def page(self, tenant_id: str, query: ListQuery, probe: Probe | None = None) -> Page:
        """The page ``query`` asks for (empty when the tenant's index is not built)."""
        listing = self._listings.get(tenant_id)
        if listing is None:
            return Page([], 0, query.page, query.limit)
        return listing.page(query, probe)

    def prepare_search(self, tenant_id: str, budget: int) -> bool:
        """Make the search side of up to ``budget`` more of the tenant's records; whether it is
        all made (True too when the tenant's index is not built)."""
        listing = self._listings.get(tenant_id)
        return True if listing is None else listing.prepare_search(budget)

    def unopened(self, tenant_id: str) -> list[Unopened]:
        listing = self._listings.get(tenant_id)
        return [] if listing is None else listing.unopened()

    def adopt(
        self, tenant_id: str, interview_id: str, field: str, sealed: str, tokens: str | None
    ) -> None:
        listing = self._listings.get(tenant_id)
        if listing is not None:
            listing.adopt(interview_id, field, sealed, tokens)

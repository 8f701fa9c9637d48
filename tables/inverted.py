"""The listing index's inverted indexes, from what a record has to the slots (small ints the
index names its entries by) of the records that have it. Pure.

``Postings`` maps a search token (``hirestream.search_tokens``) to the slots whose field has it,
each list a sorted array of 32-bit slots: 4 bytes a posting. ``PlainValues`` maps the distinct
folded values of a plain field (position) to their slots: a substring is looked for in each
distinct value, and positions repeat (job titles), so there are few of them next to records.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

_EMPTY: Final[Sequence[int]] = ()
#: A candidate set this many times smaller than a posting is checked by binary search in it.
_PROBE_RATIO: Final = 16


class Postings:
    """Search token -> the sorted slots of the records posted under it."""

    __slots__ = ("_lists",)

    def __init__(self) -> None:
        self._lists: dict[int, array[int]] = {}

    def extend(self, lists: Mapping[int, list[int]]) -> None:
        """Post many slots at once: token -> its slots, ascending, distinct and above every
        slot posted under it already."""
        for token, slots in lists.items():
            found = self._lists.get(token)
            if found is None:
                self._lists[token] = array("I", slots)
            else:
                found.extend(array("I", slots))

    def __len__(self) -> int:
        """How many distinct tokens are posted."""
        return len(self._lists)

    def add(self, tokens: Iterable[int], slot: int) -> None:
        """Post ``slot`` under each of ``tokens``."""
        lists = self._lists
        for token in tokens:
            found = lists.get(token)
            if found is None:
                lists[token] = array("I", (slot,))
            elif found[-1] < slot:
                found.append(slot)
            else:
                at = bisect_left(found, slot)
                if found[at] != slot:
                    found.insert(at, slot)

    def remove(self, tokens: Iterable[int], slot: int) -> None:
        """Unpost ``slot`` from each of ``tokens``."""
        lists = self._lists
        for token in tokens:
            found = lists.get(token)
            if found is None:
                continue
            at = bisect_left(found, slot)
            if at < len(found) and found[at] == slot:
                if len(found) == 1:
                    del lists[token]
                else:
                    del found[at]

    def get(self, token: int) -> Sequence[int]:
        """The slots posted under ``token``, ascending."""
        return self._lists.get(token, _EMPTY)

    def having_all(self, tokens: Iterable[int]) -> set[int]:
        """The slots posted under every one of ``tokens`` (at least one): the smallest posting,
        narrowed by the others, each at the cost of the smaller of the two."""
        postings = sorted((self.get(t) for t in tokens), key=len)
        chosen = set(postings[0]) if postings else set()
        for posting in postings[1:]:
            if not chosen:
                break
            if len(chosen) * _PROBE_RATIO < len(posting):
                chosen = {s for s in chosen if _has(posting, s)}
            else:
                chosen.intersection_update(posting)
        return chosen


def _has(posting: Sequence[int], slot: int) -> bool:
    at = bisect_left(posting, slot)
    return at < len(posting) and posting[at] == slot


class PlainValues:
    """Distinct folded values of a plain field -> the slots of the records having each."""

    __slots__ = ("_slots",)

    def __init__(self) -> None:
        self._slots: dict[str, set[int]] = {}

    def __len__(self) -> int:
        """How many distinct values there are."""
        return len(self._slots)

    def add(self, value: str, slot: int) -> None:
        self._slots.setdefault(value, set()).add(slot)

    def remove(self, value: str, slot: int) -> None:
        slots = self._slots.get(value)
        if slots is not None:
            slots.discard(slot)
            if not slots:
                del self._slots[value]

    def containing(self, text: str) -> set[int]:
        """The slots whose value has ``text`` as a substring."""
        matching = sorted(
            (slots for value, slots in self._slots.items() if text in value), key=len, reverse=True
        )
        found = set(matching[0]) if matching else set()
        for slots in matching[1:]:
            found |= slots
        return found

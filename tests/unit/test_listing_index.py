"""The listing index (hirestream.tables.index) against the definition of a list query
(queries.select): written record by record or built at once, searched before or after its
search side is made, with ties, status lists, values without tokens, deletes and purges; and its
parts (queries.page_of, inverted.Postings) directly."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hirestream.search_tokens import fold, probe, token_text
from hirestream.tables.index import TenantIndex, TenantListing, entry_of
from hirestream.tables.inverted import Postings
from hirestream.tables.queries import ListQuery, Page, SlotOrder, page_of, select
from hirestream.topics.vocabulary import STATUS_OF_STATE

KEY = bytes(range(32))
TENANT = "t1"
NAMES = ["Ann Lee", "Anna Bell", "Bo Ek", "Zoë Ång", "STRASSE Jo", "Li", "Ann-Lee Ann"]
EMAILS = ["ann@x.io", "a.lee@y.org", "bo@ek.se", "zoe@ång.se", "jo@strasse.de"]
POSITIONS = ["Backend Engineer", "Data Engineer", "Product Manager", None]
STATES = list(STATUS_OF_STATE)
MOMENTS = [f"2024-01-0{d}T10:00:00.000Z" for d in range(1, 5)]  # few: many ties
QUERIES = ["a", "n", "ä", "an", "nn", "@", "ann", "lee", "ann@", "engineer", "anna bell", "zz"]


def _sealed(value: str) -> str:
    """A stand-in for a sealed value (the index only compares them)."""
    return f"sealed({value})"


@dataclass
class Tenant:
    """A tenant's records as written, and the plain values behind their sealed ones."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)  # sealed -> plain

    def write(self, record: dict[str, Any]) -> dict[str, Any]:
        self.records[record["id"]] = record
        return record

    def texts(self) -> dict[str, tuple[str, ...]]:
        """What a search looks in, by definition: the folded name, email and position."""
        out = {}
        for r in self.records.values():
            values = [self.plain[v] for v in r.get("sealed", {}).values()]
            if r.get("position"):
                values.append(r["position"])
            out[r["id"]] = tuple(fold(v) for v in values)
        return out

    def live(self) -> list[dict[str, Any]]:
        return [r for r in self.records.values() if not r.get("deleted")]


def record(
    tenant: Tenant,
    interview_id: str,
    *,
    at: str = MOMENTS[0],
    state: str | None = None,
    name: str | None = None,
    email: str | None = None,
    position: str | None = "Engineer",
    tokens: bool = True,
    version: int = 1,
) -> dict[str, Any]:
    """A stored record as the agent writes it; ``tokens=False``: sealed without search tokens
    (written before they existed)."""
    sealed: dict[str, str] = {}
    search: dict[str, str] = {}
    for key, value in (("candidateName", name), ("candidateEmail", email)):
        if value is not None:
            sealed[key] = _sealed(value)
            tenant.plain[sealed[key]] = value
            text = token_text(KEY, key, value)
            if tokens and text is not None:
                search[key] = text
    made: dict[str, Any] = {
        "id": interview_id,
        "tenantId": TENANT,
        "version": version,
        "createdAt": at,
        "updatedAt": at,
        "status": STATUS_OF_STATE[state],
        "workflowState": state,
        "deleted": False,
        "position": position,
    }
    if sealed:
        made["sealed"] = sealed
    if search:
        made["searchTokens"] = search
    return made


def adopt_all(index: TenantIndex, tenant: Tenant) -> int:
    """What the web layer does for values without tokens: open them, make tokens, hand them in."""
    waiting = index.unopened(TENANT)
    for unopened in waiting:
        for key, sealed in unopened.sealed.items():
            plain = tenant.plain.get(sealed)
            text = None if plain is None else token_text(KEY, key, plain, limit=None)
            index.adopt(TENANT, unopened.interview_id, key, sealed, text)
    return len(waiting)


def queries(extra: list[str]) -> list[ListQuery]:
    out = [ListQuery(page=p, limit=lim) for p in (1, 2, 3) for lim in (1, 2, 3)]
    out += [ListQuery(status=s, limit=2) for s in ("planned", "approved", "pending", "cancelled")]
    for text in [*QUERIES, *extra]:
        folded = fold(text).strip()
        if folded:
            out += [ListQuery(search=folded, limit=2, page=p) for p in (1, 2)]
            out.append(ListQuery(search=folded, status="planned", limit=3))
    return out


def answer(index: TenantIndex, query: ListQuery) -> Page:
    found = None if query.search is None else probe(KEY, query.search)
    return index.page(TENANT, query, found)


def expected(tenant: Tenant, query: ListQuery) -> Page:
    return select([entry_of(r) for r in tenant.live()], query, tenant.texts())


def assert_agrees(index: TenantIndex, tenant: Tenant, extra: Sequence[str] = ()) -> None:
    for query in queries(list(extra)):
        assert answer(index, query) == expected(tenant, query), query


# --- ordering, status lists, deletes ----------------------------------------------------------


def test_newest_first_with_ties_broken_by_id_descending() -> None:
    tenant, index = Tenant(), TenantIndex()
    index.build(TENANT, [])
    for interview_id, at in [("b", MOMENTS[1]), ("a", MOMENTS[1]), ("c", MOMENTS[0])]:
        index.note(TENANT, tenant.write(record(tenant, interview_id, at=at)))
    index.note(TENANT, tenant.write(record(tenant, "d", at=MOMENTS[2])))
    index.note(TENANT, tenant.write(record(tenant, "e", at=MOMENTS[1])))
    assert answer(index, ListQuery(limit=10)).ids == ["d", "e", "b", "a", "c"]
    assert answer(index, ListQuery(page=2, limit=2)).ids == ["b", "a"]
    assert answer(index, ListQuery(page=4, limit=2)) == Page([], 5, 4, 2)
    assert_agrees(index, tenant)


def test_status_lists_follow_every_change() -> None:
    tenant, index = Tenant(), TenantIndex()
    index.build(TENANT, [])
    index.note(TENANT, tenant.write(record(tenant, "a", state="pending")))
    index.note(TENANT, tenant.write(record(tenant, "b", state="approved")))
    assert answer(index, ListQuery(status="planned")).ids == ["a"]
    assert answer(index, ListQuery(status="pending")).ids == ["a"]
    index.note(TENANT, tenant.write(record(tenant, "a", state="approved", version=2)))
    assert answer(index, ListQuery(status="approved")).ids == ["b", "a"]
    assert answer(index, ListQuery(status="planned")).total == 0
    assert answer(index, ListQuery(status="pending")).total == 0
    index.note(TENANT, tenant.write(record(tenant, "b", state="assessment_pending", version=2)))
    assert answer(index, ListQuery(status="completed")).ids == ["b"]
    assert answer(index, ListQuery(status="assessment_pending")).ids == ["b"]
    assert_agrees(index, tenant)


def test_a_deleted_record_leaves_and_its_slot_is_reused() -> None:
    tenant, index = Tenant(), TenantIndex()
    index.build(TENANT, [])
    index.note(TENANT, tenant.write(record(tenant, "a", name="Ann Lee")))
    index.note(TENANT, tenant.write(record(tenant, "b", name="Bo Ek", at=MOMENTS[1])))
    index.unopened(TENANT)  # the search side is made
    tombstone = {**record(tenant, "a", version=2), "deleted": True, "position": None}
    index.note(TENANT, tenant.write(tombstone))
    assert answer(index, ListQuery()).ids == ["b"]
    assert answer(index, ListQuery(search="ann")).total == 0
    index.note(TENANT, tenant.write(record(tenant, "c", name="Ann Bo", at=MOMENTS[2])))
    assert answer(index, ListQuery(search="ann")).ids == ["c"]
    assert answer(index, ListQuery(search="bo")).ids == ["c", "b"]
    assert sorted(e.interview_id for e in index.entries(TENANT)) == ["b", "c"]
    assert_agrees(index, tenant)


def test_a_purge_takes_the_record_out_of_name_and_email_searches_only() -> None:
    tenant, index = Tenant(), TenantIndex()
    written = tenant.write(record(tenant, "a", name="Ann Lee", email="ann@x.io"))
    index.build(TENANT, [written])
    assert answer(index, ListQuery(search="lee")).ids == ["a"]
    purged = {k: v for k, v in written.items() if k not in ("sealed", "searchTokens")}
    index.note(TENANT, tenant.write({**purged, "version": 2}))
    assert answer(index, ListQuery(search="lee")).total == 0
    assert answer(index, ListQuery(search="x.io")).total == 0
    assert answer(index, ListQuery(search="engin")).ids == ["a"]
    assert index.unopened(TENANT) == []


def test_an_index_not_built_answers_nothing_and_notes_nothing() -> None:
    tenant, index = Tenant(), TenantIndex()
    index.note(TENANT, record(tenant, "a"))
    assert not index.is_built(TENANT)
    assert answer(index, ListQuery()) == Page([], 0, 1, 20)
    index.build(TENANT, [record(tenant, "a")])
    assert index.is_built(TENANT) and answer(index, ListQuery()).ids == ["a"]
    index.invalidate()
    assert not index.is_built(TENANT) and index.unopened(TENANT) == []


# --- values without tokens --------------------------------------------------------------------


def test_values_without_tokens_are_opened_once_and_kept_while_the_same() -> None:
    tenant, index = Tenant(), TenantIndex()
    old = tenant.write(record(tenant, "a", name="Ann Lee", email="ann@x.io", tokens=False))
    new = tenant.write(record(tenant, "b", name="Bo Ek", at=MOMENTS[1]))
    index.build(TENANT, [old, new])
    waiting = index.unopened(TENANT)
    assert [(w.interview_id, dict(w.sealed)) for w in waiting] == [
        ("a", {"candidateName": _sealed("Ann Lee"), "candidateEmail": _sealed("ann@x.io")})
    ]
    assert answer(index, ListQuery(search="lee")).total == 0  # not opened yet
    assert adopt_all(index, tenant) == 1
    assert answer(index, ListQuery(search="lee")).ids == ["a"]
    assert answer(index, ListQuery(search="x.io")).ids == ["a"]
    assert index.unopened(TENANT) == []
    # a new version with the same sealed values keeps what was opened
    index.note(TENANT, tenant.write({**old, "version": 2, "status": "cancelled"}))
    assert index.unopened(TENANT) == [] and answer(index, ListQuery(search="lee")).ids == ["a"]
    # a new sealed name without tokens waits again; the email stays opened
    renamed = record(tenant, "a", name="Cy Do", email="ann@x.io", tokens=False, version=3)
    index.note(TENANT, tenant.write(renamed))
    assert [dict(w.sealed) for w in index.unopened(TENANT)] == [{"candidateName": _sealed("Cy Do")}]
    assert answer(index, ListQuery(search="lee")).total == 0
    assert answer(index, ListQuery(search="ann@")).ids == ["a"]
    # tokens for a value that changed meanwhile are ignored
    index.adopt(TENANT, "a", "candidateName", _sealed("Ann Lee"), token_text(KEY, "x", "y"))
    assert len(index.unopened(TENANT)) == 1
    adopt_all(index, tenant)
    assert answer(index, ListQuery(search="cy d")).ids == ["a"]
    # the record then carries tokens: they replace those made from opening it
    index.note(TENANT, tenant.write(record(tenant, "a", name="Cy Do", version=4)))
    assert answer(index, ListQuery(search="cy d")).ids == ["a"]
    assert answer(index, ListQuery(search="ann@")).total == 0
    assert_agrees(index, tenant)


def test_a_value_that_does_not_open_matches_nothing_and_is_not_opened_again() -> None:
    tenant, index = Tenant(), TenantIndex()
    index.build(TENANT, [tenant.write(record(tenant, "a", name="Ann", tokens=False))])
    (waiting,) = index.unopened(TENANT)
    index.adopt(TENANT, "a", "candidateName", waiting.sealed["candidateName"], None)
    assert index.unopened(TENANT) == []
    assert answer(index, ListQuery(search="ann")).total == 0


def test_tokens_that_are_not_of_the_scheme_are_opened_instead() -> None:
    tenant, index = Tenant(), TenantIndex()
    broken = record(tenant, "a", name="Ann")
    broken["searchTokens"] = {"candidateName": "v1.AAAA$."}
    index.build(TENANT, [tenant.write(broken)])
    assert len(index.unopened(TENANT)) == 1
    adopt_all(index, tenant)
    assert answer(index, ListQuery(search="ann")).ids == ["a"]


def test_writes_while_the_search_side_is_made_in_steps() -> None:
    tenant, index = Tenant(), TenantIndex()
    names = ["Ann Lee", "Bo Ek", "Cy Do", "Di Fo", "Ed Gu", "Flo Ha"]
    index.build(
        TENANT,
        [
            tenant.write(record(tenant, f"i{n}", at=MOMENTS[n % 4], name=name))
            for n, name in enumerate(names)
        ],
    )
    assert not index.prepare_search(TENANT, 3)  # half made
    done = record(tenant, "i0", name="Zed Done", version=2)  # one whose search side is made
    index.note(TENANT, tenant.write(done))
    waiting = record(tenant, "i5", name="Zed Wait", version=2)  # one whose is not yet
    index.note(TENANT, tenant.write(waiting))
    gone = {**record(tenant, "i1", version=2), "deleted": True}
    index.note(TENANT, tenant.write(gone))
    index.note(TENANT, tenant.write(record(tenant, "i9", name="Zed New")))  # takes i1's slot
    assert answer(index, ListQuery(search="zed")).total == 3  # the rest made at once
    assert index.prepare_search(TENANT, 1)
    assert_agrees(index, tenant, ["zed", "bo", "ann"])


# --- written one by one = built at once = the definition --------------------------------------

OPS = st.lists(
    st.tuples(
        st.sampled_from(["write", "write", "write", "state", "rename", "purge", "delete"]),
        st.integers(0, 7),  # which interview
        st.integers(0, 10_000),  # a seed for the values
    ),
    max_size=40,
)


@settings(max_examples=120, deadline=None)
@given(ops=OPS, searchable_at=st.integers(0, 40), adopt_at=st.integers(0, 40))
@example(
    ops=[("write", 0, 1), ("write", 1, 2), ("write", 2, 3), ("delete", 0, 0)] * 3,
    searchable_at=1,
    adopt_at=5,
)
def test_written_one_by_one_equals_built_at_once_equals_the_definition(
    ops: list[tuple[str, int, int]], searchable_at: int, adopt_at: int
) -> None:
    tenant, index = Tenant(), TenantIndex()
    index.build(TENANT, [])
    versions: dict[str, int] = {}
    for step, (op, n, seed) in enumerate(ops):
        if step >= searchable_at:
            index.prepare_search(TENANT, 1)  # a little at a time, between writes
        if step == adopt_at:
            adopt_all(index, tenant)
        rng = random.Random(seed)
        interview_id = f"i{n}"
        current = tenant.records.get(interview_id)
        version = versions[interview_id] = versions.get(interview_id, 0) + 1
        if op == "delete" or current is None or current.get("deleted"):
            if op == "delete":
                written = {"id": interview_id, "tenantId": TENANT, "version": version}
                written.update(deleted=True, createdAt=MOMENTS[0], updatedAt=MOMENTS[0])
                written.update(status="planned", workflowState=None)
            else:
                written = record(
                    tenant,
                    interview_id,
                    at=rng.choice(MOMENTS),
                    state=rng.choice(STATES),
                    name=rng.choice([*NAMES, None]),
                    email=rng.choice([*EMAILS, None]),
                    position=rng.choice(POSITIONS),
                    tokens=rng.random() < 0.7,
                    version=version,
                )
        elif op == "state":
            state = rng.choice(STATES)
            written = {**current, "version": version, "workflowState": state}
            written["status"] = STATUS_OF_STATE[state]
        elif op == "rename":
            plain = {tenant.plain[v] for v in current.get("sealed", {}).values()}
            written = record(
                tenant,
                interview_id,
                at=current["createdAt"],
                state=current["workflowState"],
                name=rng.choice([*NAMES, None]),
                email=rng.choice([*sorted(plain), *EMAILS]),
                position=current["position"],
                tokens=rng.random() < 0.5,
                version=version,
            )
        else:  # purge
            written = {k: v for k, v in current.items() if k not in ("sealed", "searchTokens")} | {
                "version": version
            }
        index.note(TENANT, tenant.write(written))
    adopt_all(index, tenant)
    rebuilt = TenantIndex()
    rebuilt.build(TENANT, tenant.records.values())
    adopt_all(rebuilt, tenant)
    extra = [v for v in tenant.plain.values()][:3]
    assert_agrees(index, tenant, extra)
    assert_agrees(rebuilt, tenant, extra)
    assert sorted(e.interview_id for e in index.entries(TENANT)) == sorted(
        r["id"] for r in tenant.live()
    )


def test_a_bigger_tenant_agrees_with_the_definition() -> None:
    rng = random.Random(7)
    tenant = Tenant()
    for n in range(600):
        tenant.write(
            record(
                tenant,
                f"{rng.randrange(10**6):06d}-{n}",
                at=rng.choice(MOMENTS),
                state=rng.choice(STATES),
                name=rng.choice(NAMES),
                email=rng.choice(EMAILS),
                position=rng.choice(POSITIONS),
                tokens=rng.random() < 0.9,
            )
        )
    index = TenantIndex()
    index.build(TENANT, tenant.records.values())
    adopt_all(index, tenant)
    for query in queries(["a", "e", "ann l", "li"]):
        for page in (1, 2, 7, 40, 90):
            deep = ListQuery(page=page, limit=7, status=query.status, search=query.search)
            assert answer(index, deep) == expected(tenant, deep), deep


# --- the parts --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(st.tuples(st.sampled_from(MOMENTS), st.text("abc", max_size=3)), unique=True),
    share=st.floats(0, 1),
    page=st.integers(1, 12),
    limit=st.integers(1, 5),
    seed=st.integers(0, 1000),
)
def test_a_page_of_the_chosen_slots_is_the_same_by_heap_and_by_walk(
    keys: list[tuple[str, str]], share: float, page: int, limit: int, seed: int
) -> None:
    order = SlotOrder()
    slots = list(range(len(keys)))
    random.Random(seed).shuffle(slots)
    for slot in slots:
        order.add(keys[slot], slot)
    chosen = {s for s in slots if random.Random(seed + s).random() < share}
    newest = sorted(chosen, key=lambda s: keys[s], reverse=True)
    start = (page - 1) * limit
    want = (newest[start : start + limit], len(chosen))
    assert page_of(order, chosen, keys.__getitem__, page, limit) == want
    everything = sorted(slots, key=lambda s: keys[s], reverse=True)
    assert page_of(order, None, keys.__getitem__, page, limit) == (
        everything[start : start + limit],
        len(slots),
    )


def test_slot_order_removes_only_what_it_has() -> None:
    order = SlotOrder()
    order.add(("b", "1"), 1)
    order.add(("a", "2"), 2)
    order.remove(("c", "3"))
    assert order.newest(0, 5) == [1, 2] and len(order) == 2
    order.remove(("b", "1"))
    assert order.newest(0, 5) == [2] and order.newest(1, 5) == []


def test_postings_keep_sorted_distinct_slots() -> None:
    postings = Postings()
    postings.add([1, 2], 5)
    postings.add([1], 3)
    postings.add([1], 5)
    postings.add([1], 9)
    assert list(postings.get(1)) == [3, 5, 9] and list(postings.get(2)) == [5]
    assert postings.having_all([1, 2]) == {5}
    postings.remove([1, 2, 7], 5)
    assert list(postings.get(1)) == [3, 9] and len(postings) == 1
    big = Postings()
    big.add([1], 4)
    for slot in range(10, 2000):
        big.add([2], slot)
    big.add([2], 4)
    assert big.having_all([2, 1]) == {4} and big.having_all([1, 3]) == set()
    big.extend({2: [3000, 3001], 5: [7]})
    assert list(big.get(2))[-3:] == [1999, 3000, 3001] and list(big.get(5)) == [7]


def test_the_listing_of_one_tenant_counts_its_records() -> None:
    tenant, listing = Tenant(), TenantListing()
    listing.note(record(tenant, "a"))
    listing.note(record(tenant, "a", version=2))
    listing.note(record(tenant, "b"))
    assert len(listing) == 2

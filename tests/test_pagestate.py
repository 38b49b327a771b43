"""Issue 22: every pager rule as a table: stamped pages in, decisions out; no server, no clock.

A row lists the pages the consumer reaches, in order (fresh copies right after the page they
replace; ``early(p)`` lands a page before the ones listed after it). Items are ints, their own
ids. ``at=(sent, received)`` stamps a page on the machine's clock; a row without stamps is
answered in order. The loopback tests (tests/test_pager*.py) prove the driver applies these.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import pytest

from vocode_async import PaginationError
from vocode_async._pagedepth import Depth, FixedDepth, Waited
from vocode_async._pagestate import CHASE, Fill, PageState, Refetch, Skip


@attrs.frozen
class Stamped:
    """A page as the machine reads it (what ``RawPage.stamp`` reads from the JSON)."""

    number: int
    items: tuple[int, ...]
    sent: int = 0
    received: int = 0
    has_more: bool = True
    total: int | None = None
    estimated: bool = True
    size: int | None = None
    echoed: int | None = None
    count: int = attrs.field(default=attrs.Factory(lambda self: len(self.items), takes_self=True))


@attrs.frozen
class Early:
    page: Stamped


def page(
    number: int,
    ids: Iterable[int],
    at: tuple[int, int] = (0, 0),
    *,
    more: bool = True,
    total: int | None = None,
    exact: bool = False,
    size: int | None = None,
    **extra: Any,
) -> Stamped:
    sent, received = at
    return Stamped(number, tuple(ids), sent, received, more, total, not exact, size, **extra)


def early(answer: Stamped) -> Early:
    return Early(answer)


def ids(first: int, last: int) -> range:
    return range(first, last + 1)


def show(items: Sequence[int]) -> str:
    """1 2 3 5 -> '1-3 5'."""
    if not items:
        return "none"
    runs: list[list[int]] = []
    for item in items:
        if runs and item == runs[-1][-1] + 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return " ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def show_fill(fill: Fill) -> list[str]:
    out = []
    if fill.drop_after is not None:
        out.append(f"{'cancel' if fill.past_end else 'drop'} >{fill.drop_after}")
    if fill.send:
        first, last = fill.send[0], fill.send[-1]
        out.append(f"ask {first}" if first == last else f"ask {first}-{last}")
    return out


def run(
    pages: Sequence[Stamped | Early],
    *,
    depth: int | Depth = 1,
    asks: bool = False,
    **config: Any,
) -> tuple[list[str], PageState[Stamped]]:
    """Drive the machine as ``AsyncPager`` does, synchronously; the decisions as text
    (``asks``: the requests and cancellations too)."""
    depths = FixedDepth(depth) if isinstance(depth, int) else depth
    state: PageState[Stamped] = PageState(depths, key=lambda i: i, **config)
    out: list[str] = []
    feed, landed = deque(pages), {}
    clock = itertools.count(1)

    def arrive(answer: Stamped | Early) -> Stamped:
        assert isinstance(answer, Stamped)
        if not answer.sent:  # answered in order
            answer = attrs.evolve(answer, sent=next(clock), received=next(clock))
        cut = state.landed(answer)
        if cut is not None and asks:
            out.append(f"cut >{cut.after}")
        return answer

    try:
        while state.more:
            asked = state.next_request()
            if asked is not None and asks:
                out.append(f"ask {asked}")
            while feed and isinstance(feed[0], Early):
                answer = arrive(feed.popleft().page)  # type: ignore[union-attr]
                landed[answer.number] = answer
            number = state.in_flight[0]
            if number not in landed and not feed:
                break
            reached = landed.pop(number) if number in landed else arrive(feed.popleft())
            decision = state.reached(reached)
            while isinstance(decision, Refetch):
                out.append(f"refetch {decision.page}")
                decision = state.refetched(arrive(feed.popleft()))
            fill = state.fill(decision)
            if asks:
                out += show_fill(fill)
            taken = state.take(decision)
            if isinstance(taken, Skip):
                out.append(f"skip {taken.page}")
            else:
                stop = f" ({taken.stop})" if taken.stop else ""
                out.append(f"take {taken.page}: {show(taken.items)}{stop}")
    except PaginationError as error:
        out.append(f"error {error.page}: {error}")
    return out, state


def check(got: list[str], expect: list[str]) -> None:
    """Equal, except that an expected error is a prefix of its message."""
    assert len(got) == len(expect), got
    for line, want in zip(got, expect, strict=True):
        assert line.startswith(want) if want.startswith("error") else line == want, got


@attrs.frozen
class Row:
    name: str
    pages: list[Stamped | Early]
    expect: list[str]
    stats: dict[str, int] = attrs.Factory(dict)
    config: dict[str, Any] = attrs.Factory(dict)


def newest_first(
    inserted: dict[int, int],
    pages: int,
    *,
    calls: int = 100,
    uncounted: dict[int, int] | None = None,
) -> list[Stamped]:
    """Pages of 2 from calls 1..``calls`` (newest first), answered in order, with
    ``inserted[n]`` calls (1001, 1002, ...) inserted at the head just before page n, and
    ``uncounted[n]`` more after the API's count query for page n, before its page query
    (page n's exact total leaves them out)."""
    head: list[int] = []
    out = []
    for n in range(1, pages + 1):
        head = [1000 + len(head) + i for i in range(inserted.get(n, 0), 0, -1)] + head
        counted = len(head) + calls
        late = (uncounted or {}).get(n, 0)
        head = [1000 + len(head) + i for i in range(late, 0, -1)] + head
        order = head + list(range(1, calls + 1))
        more = 2 * n < len(order)
        out.append(page(n, order[2 * n - 2 : 2 * n], more=more, total=counted, exact=True, size=2))
    return out


# Newest first: calls 1, 2, 3, ... as listed before any insert; 101, 102, ... inserted
# during the listing (newer, so at the head: every older call moves down).
DRIFT = [
    Row(
        "in order: boundary duplicates dropped, a shift counted, nothing fetched again",
        [
            page(1, ids(1, 5), (1, 2)),
            page(2, [4, 5, 6, 7, 8], (3, 4)),
            page(3, ids(9, 13), (5, 6), more=False),
        ],
        ["take 1: 1-5", "take 2: 6-8", "take 3: 9-13 (end)"],
        {"dropped": 2, "shifts": 1, "refetched": 0},
    ),
    Row(
        "answered out of order, no shift seen since it was sent: kept",
        [page(1, ids(1, 5), (1, 2)), page(2, ids(6, 10), (3, 6)), page(3, ids(11, 15), (4, 5))],
        ["take 1: 1-5", "take 2: 6-10", "take 3: 11-15"],
        {"shifts": 0, "refetched": 0},
    ),
    Row(
        # Page 3 lands (5) before two inserts, page 2 after them (6): 9 and 10 fall between.
        "sent before the last page landed, a shift since, no overlap: fetched again",
        [
            page(1, ids(1, 5), (1, 2)),
            page(2, [4, 5, 6, 7, 8], (3, 6)),
            page(3, ids(11, 15), (4, 5)),
            page(3, ids(9, 13), (7, 8)),  # the fresh copy overlaps the stale one
        ],
        ["take 1: 1-5", "take 2: 6-8", "refetch 3", "take 3: 9-15"],
        {"refetched": 1, "dropped": 5, "shifts": 2},
    ),
    Row(
        "the same with exact totals: the stale page's total is behind, fetched again",
        [
            page(1, ids(1, 5), (1, 2), total=15, exact=True),
            page(2, [4, 5, 6, 7, 8], (3, 6), total=17, exact=True),
            page(3, ids(11, 15), (4, 5), total=15, exact=True),
            page(3, ids(9, 13), (7, 8), total=17, exact=True),
        ],
        ["take 1: 1-5", "take 2: 6-8", "refetch 3", "take 3: 9-15"],
        {"refetched": 1},
    ),
    Row(
        # Outside review 8: page 2 counted (15) before 2 calls were created and read its
        # page after them; page 3 was answered before them, total 15 too. An exact total as
        # high as the page before it was taken as proof that page 3 was read after the
        # inserts (the API counts and reads a page in two queries): kept, it left calls 9
        # and 10 out with no error.
        "an exact total counted before the inserts that shifted its page: fetched again",
        [
            page(1, ids(1, 5), (1, 2), total=15, exact=True),
            page(2, [4, 5, 6, 7, 8], (3, 6), total=15, exact=True),
            page(3, ids(11, 15), (4, 5), total=15, exact=True),
            page(3, ids(9, 13), (7, 8), total=17, exact=True),
        ],
        ["take 1: 1-5", "take 2: 6-8", "refetch 3", "take 3: 9-15"],
        {"refetched": 1},
    ),
    Row(
        "out of order after a shift, but overlapping what came before: kept",
        [page(1, ids(1, 5), (1, 2)), page(2, [4, 5, 6, 7, 8], (3, 6)), page(3, ids(8, 12), (4, 5))],
        ["take 1: 1-5", "take 2: 6-8", "take 3: 9-12"],
        {"refetched": 0},
    ),
    Row(
        # Seven inserts: the fresh page 3 (4-8) is a page short of the stale one (11-15).
        "a page or more inserted: the re-fetch walks on to the stale copy, the depth halved",
        [
            page(1, ids(1, 5), (1, 2)),
            page(2, [102, 101, 1, 2, 3], (3, 6)),
            page(3, ids(11, 15), (4, 5)),
            page(3, ids(4, 8), (7, 8)),
            page(4, ids(9, 13), (9, 10)),
        ],
        ["take 1: 1-5", "take 2: 102 101", "refetch 3", "refetch 4", "take 3: 6-15"],
        {"refetched": 2, "throttled": 1},
        {"depth": 4},
    ),
    Row(
        f"a re-fetch that cannot reach the stale copy within CHASE={CHASE} pages: an error",
        [
            page(1, ids(1, 5), (1, 2)),
            page(2, [4, 5, 6, 7, 8], (3, 6)),
            page(3, ids(11, 15), (4, 5)),
            *[
                page(3 + n, ids(1000 * n + 1000, 1000 * n + 1004), (7 + n, 8 + n))
                for n in range(CHASE)
            ],
        ],
        [
            "take 1: 1-5",
            "take 2: 6-8",
            *[f"refetch {3 + n}" for n in range(CHASE)],
            "error 3: page 3 was fetched again 32 pages on without reaching the copy fetched",
        ],
        {"refetched": CHASE},
    ),
    Row(
        "an empty end answered before the inserts: the fresh copy decides",
        [
            page(1, ids(1, 5), (1, 2)),
            page(2, [4, 5, 6, 7, 8], (3, 6)),
            page(3, [], (4, 5), more=False),
            page(3, ids(9, 10), (7, 8), more=False),
        ],
        ["take 1: 1-5", "take 2: 6-8", "refetch 3", "take 3: 9-10 (end)"],
    ),
    Row(
        "the fresh copies end before they reach the stale one: merged, the fresh end counts",
        [
            page(1, ids(1, 5), (1, 2)),
            page(2, [4, 5, 6, 7, 8], (3, 6)),
            page(3, ids(11, 15), (4, 5)),
            page(3, [9, 10], (7, 8), more=False),
        ],
        ["take 1: 1-5", "take 2: 6-8", "refetch 3", "take 3: 9-15 (end)"],
    ),
    Row(
        "an exact total that shrank between pages answered in order: counted (a deletion)",
        [
            page(1, ids(1, 5), total=10, exact=True),
            page(2, ids(7, 10), total=9, exact=True, more=False),
        ],
        ["take 1: 1-5", "take 2: 7-10 (end)"],
        {"shrunk": 1, "shifts": 1},
    ),
    Row(
        "a total that shrank between pages answered out of order: not counted",
        [
            page(1, ids(1, 5), (1, 3), total=10, exact=True),
            page(2, ids(7, 10), (2, 4), total=9, exact=True, more=False),
        ],
        ["take 1: 1-5", "take 2: 7-10 (end)"],
        {"shrunk": 0, "shifts": 1},
    ),
]

A, B = [1, 2], [3, 4]
CYCLES = [
    Row(
        "an id twice within a page: yielded once",
        [page(1, [1, 2, 1, 3, 2]), page(2, [4, 5], more=False)],
        ["take 1: 1-3", "take 2: 4-5 (end)"],
        {"dropped": 2},
    ),
    Row(
        "a b a b, estimated: skipped while reaching further, then STALLS more, then an error",
        [page(n, A if n % 2 else B) for n in range(1, 10)],
        [
            "take 1: 1-2",
            "take 2: 3-4",
            "skip 3",
            "skip 4",
            "skip 5",
            "skip 6",
            "error 7: page 7 says has_more but has only items already yielded",
        ],
        {"throttled": 0},
    ),
    Row(
        "a b a b, an exact total that did not grow, answered in order: an error at once",
        [page(n, A if n % 2 else B, total=100, exact=True) for n in range(1, 5)],
        ["take 1: 1-2", "take 2: 3-4", "error 3: page 3 says has_more but has only items"],
    ),
    Row(
        "the same answered out of order: calls inserted could explain it, skipped",
        [
            page(1, A, (1, 2), total=100, exact=True),
            page(2, B, (3, 6), total=100, exact=True),
            page(3, A, (4, 7), total=100, exact=True),
        ],
        ["take 1: 1-2", "take 2: 3-4", "skip 3"],
    ),
    Row(
        "an exact total that grew explains a page of duplicates: skipped, the depth halved",
        [
            page(1, A, total=100, exact=True),
            page(2, A, total=102, exact=True),
            page(3, B, more=False),
        ],
        ["take 1: 1-2", "skip 2", "take 3: 3-4 (end)"],
        {"throttled": 1},
        {"depth": 2},
    ),
    Row(
        # 5 calls inserted before page 4: pages 4 and 5 hold only what was yielded, page 5
        # with the same exact total as page 4; the growth (5) explains both (4 duplicates).
        "an exact total that grew by more than a page explains two pages of duplicates",
        [
            page(1, [1, 2], total=100, exact=True),
            page(2, [3, 4], total=100, exact=True),
            page(3, [5, 6], total=100, exact=True),
            page(4, [2, 3], total=105, exact=True),
            page(5, [4, 5], total=105, exact=True),
            page(6, [6, 7], total=105, exact=True),
        ],
        ["take 1: 1-2", "take 2: 3-4", "take 3: 5-6", "skip 4", "skip 5", "take 6: 7"],
    ),
    Row(
        "growth already seen again as duplicates explains no more: the next such page errs",
        [
            page(1, [1, 2], total=100, exact=True),
            page(2, [3, 4], total=100, exact=True),
            page(3, [3, 4], total=102, exact=True),
            page(4, [3, 4], total=102, exact=True),
        ],
        [
            "take 1: 1-2",
            "take 2: 3-4",
            "skip 3",
            "error 4: page 4 says has_more but has only items already yielded",
        ],
    ),
    Row(
        "an empty page that says has_more: an error at once",
        [page(1, A), page(2, [])],
        ["take 1: 1-2", "error 2: page 2 says has_more but has no items"],
    ),
    Row(
        "page 3 answers page 1 again (exact total): an error",
        [
            page(n, [2 * (n if n != 3 else 1) - 1, 2 * (n if n != 3 else 1)], total=100, exact=True)
            for n in (1, 2, 3)
        ],
        ["take 1: 1-2", "take 2: 3-4", "error 3: page 3 says has_more but has only items already"],
    ),
    Row(
        "an empty last page ends the listing",
        [page(1, A), page(2, [], more=False)],
        ["take 1: 1-2", "take 2: none (end)"],
    ),
]

BOUNDS = [
    Row(
        "prefetch 0: one page asked at a time, when reached",
        [page(1, A), page(2, B, more=False)],
        ["ask 1", "take 1: 1-2", "ask 2", "cut >2", "cancel >2", "take 2: 3-4 (end)"],
        config={"depth": 0},
    ),
    Row(
        "without a total: one page ahead whatever the depth",
        [page(1, A), page(2, B), page(3, [5], more=False)],
        [
            "ask 1",
            "ask 2",
            "take 1: 1-2",
            "ask 3",
            "take 2: 3-4",
            "cut >3",
            "cancel >3",
            "take 3: 5 (end)",
        ],
        config={"depth": 4},
    ),
    Row(
        "an estimated total fans out as far as it says pages exist, up to the depth",
        [page(n, [2 * n - 1, 2 * n], total=7, size=2) for n in (1, 2, 3)],
        ["ask 1", "ask 2-4", "take 1: 1-2", "take 2: 3-4", "take 3: 5-6"],
        config={"depth": 3},
    ),
    Row(
        "max_items: only the pages it needs, the last one cut at the count",
        [page(n, ids(100 * n - 99, 100 * n), total=10**6, size=100) for n in (1, 2, 3)],
        ["ask 1", "ask 2-3", "take 1: 1-100", "take 2: 101-200", "take 3: 201-250 (max_items)"],
        config={"depth": 4, "size": 100, "max_items": 250},
    ),
    Row(
        "max_pages counts from the start page, nothing past it is asked",
        [page(n, [2 * n - 1, 2 * n], total=100, size=2) for n in (2, 3, 4)],
        ["ask 2", "ask 3", "take 2: 3-4", "take 3: 5-6 (max_pages)"],
        config={"depth": 4, "start_page": 2, "max_pages": 2},
    ),
    Row(
        "the end cancels every request past it",
        [page(1, A, total=20, size=2), page(2, B, total=20, size=2), page(3, [5], more=False)],
        [
            "ask 1",
            "ask 2-4",
            "take 1: 1-2",
            "ask 5",
            "take 2: 3-4",
            "cut >3",
            "cancel >3",
            "take 3: 5 (end)",
        ],
        config={"depth": 3},
    ),
    Row(
        # Page 3 lands first, empty: an end (pages 4, 5 cut). Three inserts, then page 2
        # lands with has_more: page 3 is fetched again, and 4 on are asked again.
        "an early end overtaken by drift: fetched again, the cut pages asked again",
        [
            page(1, [1, 2], (1, 2), total=20, size=2),
            early(page(3, [], (4, 7), more=False)),
            page(2, [101, 1], (3, 8), total=20, size=2),
            page(3, [2, 3], (9, 10), total=20, size=2),
        ],
        [
            "ask 1",
            "ask 2-5",
            "take 1: 1-2",
            "cut >3",
            "take 2: 101",
            "refetch 3",
            "drop >3",
            "ask 4-7",
            "take 3: 3",
        ],
        config={"depth": 4},
    ),
]


def _run(row: Row, *, asks: bool = False) -> None:
    config = dict(row.config)
    depth = config.pop("depth", 1)
    got, state = run(row.pages, depth=depth, asks=asks, **config)
    check(got, row.expect)
    stats = attrs.asdict(state.stats)
    assert {k: stats[k] for k in row.stats} == row.stats


@pytest.mark.parametrize(
    ("before", "burst", "expect"),
    [
        # 16 ids (8 pages of 2) remembered: 30 inserted before page 10 would bring calls
        # 1-14 back after the window forgot them.
        (10, 30, "error 10: page 10: calls inserted since the listing began put it 30 calls"),
        # Early too: calls 1-8 would come back 20 pages later, long forgotten by then.
        (5, 40, "error 5: page 5: calls inserted since the listing began put it 40 calls"),
        (10, 16, None),  # as many as the window holds: every call that comes back is dropped
        (2, 16, None),
    ],
)
def test_a_burst_of_inserts_larger_than_the_window_stops_the_listing(
    before: int, burst: int, expect: str | None
) -> None:
    """Outside review 5: calls inserted at the head between two pages move every yielded
    call back by as many places; more than the window remembers, and the listing would
    meet the oldest again after forgetting them, and yield them twice."""
    got, _ = run(newest_first({before: burst}, 70), size=2)
    taken = [i for line in got if line.startswith("take") for i in _ids(line)]
    if expect is None:
        assert not any(line.startswith("error") for line in got), got
        assert len(taken) == len(set(taken)), got  # nothing twice
        # Every call listed before the burst; of the inserted, those above the cursor
        # are newer than the listing (not seen), the others listed once.
        assert set(taken) - set(range(1, 101)) <= {1000 + i for i in range(1, burst + 1)}, got
        assert set(range(1, 101)) <= set(taken), got
    else:
        assert got[-1].startswith(expect), got
        assert taken == list(range(1, 2 * before - 1)), got  # nothing of the refused page


@pytest.mark.parametrize(
    ("inserted", "asked", "expect"),
    [
        # Two bursts of 10, each within the 16 remembered: the first one's duplicates are
        # met (pages 12-16) before the second lands.
        ({10: 10, 20: 10}, 2, None),
        # Two bursts of 10 on consecutive pages: the listing is 20 behind, older calls would
        # come back forgotten (outside review 5, attack: bursts each under the limit).
        ({10: 10, 11: 10}, 2, "error 11: page 11: calls inserted since the listing began put"),
        # Asked for 4, the server pages by 2 (and says so): the window holds 8 pages of 2.
        ({10: 20}, 4, "error 10: page 10: calls inserted since the listing began put it 20"),
    ],
)
def test_the_listing_is_refused_once_it_falls_further_behind_than_its_window(
    inserted: dict[int, int], asked: int, expect: str | None
) -> None:
    got, _ = run(newest_first(inserted, 80), size=asked)
    taken = [i for line in got if line.startswith("take") for i in _ids(line)]
    assert len(taken) == len(set(taken)), got  # never an id twice
    if expect is None:
        assert not any(line.startswith("error") for line in got), got
        assert set(range(1, 101)) <= set(taken), got
    else:
        assert got[-1].startswith(expect), got


@pytest.mark.parametrize("burst", [10, 13])
def test_pages_that_repeat_calls_do_not_shrink_what_the_window_remembers(burst: int) -> None:
    """One call created before each of pages 10-17 makes each of them half repeats, so
    those 8 pages hold 8 new calls, not 16. A burst of 10-13 before page 18 (within the 16
    calls the window promises) moved the calls yielded before it out of a window of 8 pages:
    they came again (13: 7 calls yielded twice). The window keeps more pages while they
    repeat calls, up to its 16, so the listing ends whole."""
    got, _ = run(newest_first({n: 1 for n in range(10, 18)} | {18: burst}, 80), size=2)
    taken = [i for line in got if line.startswith("take") for i in _ids(line)]
    assert len(taken) == len(set(taken)), got  # nothing twice
    assert set(range(1, 101)) <= set(taken), got  # every old call
    assert got[-1].endswith("(end)"), got


@pytest.mark.parametrize(
    ("counted", "uncounted", "expect"),
    [
        (16, 0, None),  # 16 behind: exactly what the window holds
        (15, 1, None),  # one created after the count query: 16 behind, the total says 15
        # 17 behind, the total says 16: the first call of page 20 was yielded 17 calls ago
        # and forgotten. Before: the listing went on, and 9 calls came twice.
        (16, 1, "error 20: page 20: its first calls look new but come just before the oldest"),
    ],
)
def test_calls_created_between_the_count_and_page_queries_are_not_yielded_twice(
    counted: int, uncounted: int, expect: str | None
) -> None:
    got, _ = run(newest_first({20: counted}, 80, uncounted={20: uncounted}), size=2)
    taken = [i for line in got if line.startswith("take") for i in _ids(line)]
    assert len(taken) == len(set(taken)), got  # never an id twice
    if expect is None:
        assert set(range(1, 101)) <= set(taken), got
        assert got[-1].endswith("(end)"), got
    else:
        assert got[-1].startswith(expect), got
        assert taken == list(range(1, 39)), got  # pages 1-19, nothing of page 20


def _ids(line: str) -> list[int]:
    spans = line.split(": ", 1)[1].split(" (")[0].split()
    out: list[int] = []
    for span in spans:
        first, _, last = span.partition("-")
        out += range(int(first), int(last or first) + 1)
    return out


@pytest.mark.parametrize("row", DRIFT, ids=lambda r: r.name)
def test_drift(row: Row) -> None:
    _run(row)


@pytest.mark.parametrize("row", CYCLES, ids=lambda r: r.name)
def test_duplicates_and_cycles(row: Row) -> None:
    _run(row)


@pytest.mark.parametrize("row", BOUNDS, ids=lambda r: r.name)
def test_bounds_and_requests(row: Row) -> None:
    _run(row, asks=True)


@pytest.mark.parametrize(
    ("answer", "size", "error"),
    [
        (page(2, A, echoed=2), 2, None),
        (page(2, A, echoed=1), 2, "asked for page 2, the server answered page 1"),
        (page(2, A, size=-1), 2, "page 2 has a negative size (-1)"),
        (page(2, A, total=-5), 2, "page 2 has a negative total (-5)"),
        (page(2, A, count=100), 50, "page 2 holds 100 items, more than the 50 asked for"),
        (page(2, A, count=100), None, None),
        (page(5, A, total=300, exact=True), 100, "page 5 has items or has_more, a whole page"),
        (page(5, [], total=300, exact=True), 100, "page 5 has items or has_more, a whole page"),
        (page(5, [], total=300, exact=True, more=False), 100, None),
        (page(4, A, total=300, exact=True, count=100), 100, None),
        (page(5, A, total=300, count=100), 100, None),  # an estimate may be wrong
        (page(3, A, count=7), 10, "page 3 holds 7 items, fewer than a full page of 10"),
        (page(3, A, count=7, more=False), 10, None),  # the last page
        (page(3, A, count=7, size=7), 10, None),  # the server pages by a smaller size
        (page(3, A, count=6, size=7), 10, "page 3 holds 6 items, fewer than a full page of 7"),
        (page(3, [], count=0), 10, None),  # empty with has_more: the stall rule's
        (page(3, A, count=8, size=5), 10, "page 3 holds 8 items, more than the size 5 it says"),
        (page(3, A, count=8, size=5), None, "page 3 holds 8 items, more than the size 5 it says"),
        # The last page, short of its own exact total: the calls after it are never listed.
        (page(2, A, count=10, total=50, exact=True, more=False), 10, "counts 30 calls after it"),
        (page(2, A, count=10, total=50, exact=True, more=False, size=10), None, "counts 30"),
        (page(3, [], total=30, exact=True, more=False), 10, "counts 10 calls after it"),
        # Less than a page short: calls created between the API's page and count queries.
        (page(3, [], total=29, exact=True, more=False), 10, None),
        (page(1, A, count=3, total=4, exact=True, more=False), 10, None),
        (page(3, A, count=5, total=25, exact=True, more=False), 10, None),  # ends where it says
        (page(3, [], total=20, exact=True, more=False), 10, None),  # one past the end
        (page(9, [], total=20, exact=True, more=False), 10, None),  # prefetched past the end
        (page(3, A, count=4, total=25, more=False), 10, None),  # an estimate may be wrong
        (page(2, A, count=10, total=50, exact=True, more=False), None, None),  # no size known
    ],
)
def test_echoes(answer: Stamped, size: int | None, error: str | None) -> None:
    """Read before any decoding: a page that contradicts the request is refused."""
    state: PageState[Stamped] = PageState(FixedDepth(1), size=size)
    if error is None:
        state.landed(answer)
        return
    with pytest.raises(PaginationError, match=re.escape(error)) as caught:
        state.landed(answer)
    assert caught.value.page == answer.number


@pytest.mark.parametrize("later", [page(2, A, size=10, count=10), page(3, A, size=3, count=3)])
def test_a_size_that_changes_mid_listing_is_refused(later: Stamped) -> None:
    """Page k holds the calls (k-1)*size to k*size: pages of 5 then pages of 10 would skip
    calls 5-9 without a word."""
    state: PageState[Stamped] = PageState(FixedDepth(1), size=10)
    state.landed(page(1, A, size=5, count=5))
    state.landed(page(2, A, size=5, count=5))  # the same size again is fine
    state.landed(page(4, A, count=5))  # a page that says no size is fine
    with pytest.raises(PaginationError, match=f"says it pages by {later.size}, an earlier"):
        state.landed(later)


def test_a_page_past_the_end_cuts_the_later_requests() -> None:
    state: PageState[Stamped] = PageState(FixedDepth(1))
    assert state.landed(page(4, A)) is None
    cut = state.landed(page(3, [], more=False))
    assert cut is not None and cut.after == 3


def test_a_short_cycle_with_one_new_id_a_page_never_repeats_an_id() -> None:
    """Page n repeats all but one id of page (n-1)%3+1 and adds one: ids kept coming back
    stay in the window instead of falling out and coming back as new."""
    pages = [
        page(n, [*range(4 * ((n - 1) % 3) + 1, 4 * ((n - 1) % 3) + 4), 1000 + n])
        for n in range(1, 61)
    ]
    got, _ = run(pages)
    runs = [run.split("-") for line in got for run in line.split(": ")[1].split()]
    taken = [i for run in runs for i in range(int(run[0]), int(run[-1]) + 1)]
    assert len(taken) == len(set(taken)) >= 60, got


def test_a_cycle_longer_than_the_window_is_not_caught() -> None:
    """Documented: ids older than the window come back as new; max_pages bounds it."""
    pages = [page(n, [(n - 1) % 20 + 1]) for n in range(1, 31)]
    got, state = run(pages, max_pages=30)
    assert got[-1] == "take 30: 10 (max_pages)" and state.stats.dropped == 0


def test_a_page_not_requested_is_refused() -> None:
    state: PageState[Stamped] = PageState(FixedDepth(1))
    assert state.next_request() == 1
    with pytest.raises(RuntimeError, match="page 2 was not the next page requested"):
        state.reached(page(2, A))
    with pytest.raises(RuntimeError, match="no page is being fetched again"):
        state.refetched(page(2, A))


@attrs.define
class Stepped:
    """A depth that changes between fills (what an auto-depth controller would do)."""

    steps: list[int]
    seen: list[Waited] = attrs.Factory(list)

    @property
    def limit(self) -> int:
        return max(self.steps)

    def depth(self) -> int:
        return self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]

    def observe(self, event: Waited) -> None:
        self.seen.append(event)


def test_the_depth_is_asked_at_every_fill_and_drift_halves_what_it_says() -> None:
    """The seam an auto-depth controller plugs into: asked at every fill, capped by drift."""
    exact: dict[str, Any] = {"total": 40, "exact": True, "size": 2}
    pages = [page(1, A, **exact), page(2, B, **exact), page(3, B, **{**exact, "total": 42})]
    got, state = run([*pages, page(4, [5, 6], **exact)], depth=Stepped([1, 3, 4]), asks=True)
    assert got == [
        "ask 1",
        "ask 2",  # depth 1
        "take 1: 1-2",
        "ask 3-5",  # depth 3
        "take 2: 3-4",
        "ask 6-7",  # depth 4
        "skip 3",  # only duplicates, the total grew: drift, the depth halved to 2
        "take 4: 5-6",  # 5, 6, 7 in flight: nothing more asked
    ]
    assert state.stats.throttled == 1


@attrs.define
class Dial:
    """A depth the test turns between two pages (what ``"auto"`` does while one is awaited)."""

    n: int

    @property
    def limit(self) -> int:
        return 32

    def depth(self) -> int:
        return self.n

    def observe(self, event: Waited) -> None:
        pass


def test_a_depth_grown_between_two_fills_asks_the_difference_at_once() -> None:
    """``deepen``: up to the depth now, as far as the last fill allowed; never past an end
    that landed since, never before the first fill."""
    dial = Dial(2)
    state: PageState[Stamped] = PageState(dial, key=lambda i: i)
    assert state.deepen() == range(0)  # nothing known of the listing yet
    assert state.next_request() == 1
    first = page(1, A, at=(1, 2), total=20, exact=True, size=2)
    fill = state.fill(state.reached(first))  # type: ignore[arg-type]
    assert fill.send == range(2, 4)
    dial.n = 8
    assert state.deepen() == range(4, 10)  # 2-9 in flight
    assert state.deepen() == range(0)
    dial.n = 32
    assert state.deepen() == range(10, 11)  # total 20 at 2 a page: page 10 is the last
    dial.n = 3
    assert state.deepen() == range(0)  # shallower: nothing dropped, nothing asked
    other: PageState[Stamped] = PageState(Dial(2), key=lambda i: i)
    other.next_request()
    other.fill(other.reached(page(1, A, at=(1, 2), total=20, exact=True, size=2)))  # type: ignore[arg-type]
    assert other.landed(page(3, [], at=(3, 4), more=False)) is not None  # the end: page 3
    other.depth.n = 8  # type: ignore[attr-defined]
    assert other.deepen() == range(0)  # 2 and 3 in flight, 3 is the end


def test_a_short_last_page_after_a_burst_is_not_taken_for_a_small_window() -> None:
    """Outside review 6: 9 calls created between page 4's count and page queries (its total
    still says 32); page 5, the last, holds 1 call with a total of 41. The window is 8 pages
    of the size asked (10), not of the last page's one item, and page 4 already met the 9
    moved calls again: every call is listed once, nothing refused."""
    head = [1000 + i for i in range(9, 0, -1)]
    after = head + list(range(1, 33))
    pages = [
        page(1, ids(1, 10), total=32, exact=True, size=10),
        page(2, ids(11, 20), total=32, exact=True, size=10),
        page(3, ids(21, 30), total=32, exact=True, size=10),
        page(4, after[30:40], total=32, exact=True, size=10),
        page(5, after[40:], more=False, total=41, exact=True, size=10),
    ]
    got, state = run(pages, size=10)
    assert got == [
        "take 1: 1-10",
        "take 2: 11-20",
        "take 3: 21-30",
        "take 4: 31",
        "take 5: 32 (end)",
    ]
    assert state.stats.dropped == 9

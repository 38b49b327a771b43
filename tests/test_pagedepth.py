"""Issue 20: ``prefetch="auto"`` as a table: events in, depths out; the clock is the test's.

A row is a list of events; ``run`` answers the depth after each one. ``wait(ms)`` is the
consumer reaching a page it waited ``ms`` for, having spent ``busy`` ms on the one before,
while the depth held the requests back (``capped``); ``landed(ms, size)`` an answer;
``strain(reason, wait_s)`` a 429/503/timeout/cooldown; ``tick(s)`` moves the clock.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from vocode_async._pagedepth import (
    DEFAULT_MAX_PREFETCH,
    PROBE,
    AutoDepth,
    Event,
    FixedDepth,
    Landed,
    Strained,
    Waited,
    make_depth,
)


@attrs.frozen
class Tick:
    seconds: float


_page = [0]


def wait(ms: float, *, busy: float | None = 1.0, capped: bool = True) -> Waited:
    _page[0] += 1
    return Waited(_page[0], ms / 1000, None if busy is None else busy / 1000, capped)


def landed(ms: float = 50, size: int = 1000) -> Landed:
    return Landed(0, ms / 1000, size)


def strain(reason: str = "429", wait_s: float = 0.0) -> Strained:
    return Strained(7, reason, wait_s)


def run(row: list[Event | Tick], **kwargs: Any) -> tuple[list[int], AutoDepth]:
    now = [100.0]
    auto = AutoDepth(clock=lambda: now[0], **kwargs)
    depths = []
    for event in row:
        if isinstance(event, Tick):
            now[0] += event.seconds
        else:
            auto.observe(event)
        depths.append(auto.depth())
    return depths, auto


def test_it_starts_at_one_and_the_first_page_is_no_evidence() -> None:
    depths, auto = run([wait(50, busy=None)])
    assert depths == [1] and auto.high == 1 and auto.changes == 0


def test_it_grows_by_seven_for_each_page_waited_for_while_capped() -> None:
    depths, auto = run([wait(50), wait(40), wait(30), wait(20), wait(20)])
    assert depths == [8, 15, 22, 29, 32]  # slow start: x8 a round trip, up to max_prefetch
    assert (auto.high, auto.changes) == (32, 5)


@pytest.mark.parametrize(
    ("event", "why"),
    [
        (wait(50, capped=False), "the depth did not hold requests back (no more pages known)"),
        (wait(0.5, busy=0.1), "a wait under the 1 ms floor is noise"),
        (wait(40, busy=200), "pages ready: 40 ms is under a quarter of 200 ms of work a page"),
        (wait(0), "the page was ready"),
    ],
)
def test_it_holds_when_going_deeper_would_not_help(event: Waited, why: str) -> None:
    depths, _ = run([wait(50), event, event, event])
    assert depths == [8, 8, 8, 8], why


def test_it_holds_while_answers_queue() -> None:
    """A server answering one request at a time: 8 in flight answer 8 times slower. Deeper
    would queue more; it goes on when the answers come fast again."""
    row: list[Event | Tick] = [landed(2), wait(2), landed(2), wait(3)]  # 1 -> 8 -> 15
    depths, _ = run(row)
    assert depths == [1, 8, 8, 15]
    queued = [landed(16), landed(16), wait(3), landed(16), wait(3)]
    depths, auto = run([landed(2), wait(2), *queued])
    assert depths == [1, 8, 8, 8, 8, 8, 8] and auto.queued()
    depths, auto = run([landed(2), wait(2), *queued, *(landed(2) for _ in range(5)), wait(3)])
    assert depths[-1] == 15 and not auto.queued()


def test_a_slow_consumer_keeps_it_at_one() -> None:
    """2 ms an item, 100 items a page: waits of a few ms never count."""
    depths, auto = run([wait(5, busy=200) for _ in range(50)])
    assert set(depths) == {1} and auto.changes == 0


def test_it_never_passes_max_prefetch() -> None:
    depths, auto = run([wait(50) for _ in range(20)], max_prefetch=12)
    assert depths[:3] == [8, 12, 12] and auto.high == 12 and auto.limit == 12


def test_the_budget_bounds_the_pages_held() -> None:
    """100 kB answers, 1 MB budget: 10 pages held, so 9 in flight with the one consumed."""
    row: list[Event | Tick] = [wait(50) for _ in range(5)]
    depths, _ = run([*row, landed(size=100_000), *row], max_buffered_bytes=1_000_000)
    assert depths[4] == 32
    assert depths[5] == 9  # shrunk at once when the size is known
    assert depths[6:] == [9] * 5  # and not grown past it
    depths, _ = run([landed(size=100_000), wait(50)], max_buffered_bytes=1_000_000)
    assert depths == [1, 8]  # slow start stops at the budget too
    depths, _ = run([landed(size=100_000), wait(50), wait(50)], max_buffered_bytes=1_000_000)
    assert depths[-1] == 9
    big, _ = run([landed(size=5_000_000), wait(50), wait(50)], max_buffered_bytes=1_000_000)
    assert big == [0, 0, 0]  # a page larger than the budget: one page at a time


@pytest.mark.parametrize("reason", ["429", "503", "timeout", "cooldown"])
def test_a_strain_halves_it_once_per_episode(reason: str) -> None:
    grow: list[Event | Tick] = [wait(50) for _ in range(5)]
    row = [*grow, landed(50), strain(reason, 1.0), strain(reason), Tick(1.05), strain(reason)]
    depths, auto = run(row)
    assert depths[4:] == [32, 32, 16, 16, 16, 16]  # 1 s + two 50 ms round trips: one episode
    depths, _ = run([*row, Tick(0.1), strain(reason)])
    assert depths[-1] == 8  # a new episode halves again
    assert auto.high == 32


def test_after_a_strain_it_grows_one_a_round_then_tries_the_refused_depth_slowly() -> None:
    """A server refusing a 6th request in flight: 6 was refused, so it climbs back to 5 by one
    a round, tries 6 only after PROBE pages unrefused, and waits twice as long each time."""
    limit = {"max_prefetch": 6}
    row: list[Event | Tick] = [wait(50), strain("429"), Tick(1)]  # 1 -> 6, refused: 3
    depths, _ = run([*row, *(wait(50) for _ in range(7))], **limit)
    assert depths == [6, 3, 3, 3, 3, 4, 4, 4, 4, 5]  # +1 after 3 pages at 3, 4 at 4
    row += [wait(50) for _ in range(PROBE - 1)]
    depths, _ = run(row, **limit)
    assert depths[-1] == 5  # held below 6
    depths, _ = run([*row, wait(50)], **limit)
    assert depths[-1] == 5  # PROBE pages unrefused, but not 20 x the 0.1 s it cost: not yet
    row.insert(3, Tick(1))
    depths, _ = run([*row, wait(50)], **limit)
    assert depths[-1] == 6  # PROBE pages unrefused, 2 s since: try 6
    row += [wait(50), strain("429"), Tick(4)]
    depths, _ = run([*row, *(wait(50) for _ in range(2 * PROBE - 1))], **limit)
    assert depths[len(row) - 2 :] == [5] * (2 * PROBE + 1)  # back one step, no halving
    depths, _ = run([*row, *(wait(50) for _ in range(2 * PROBE))], **limit)
    assert depths[-1] == 6  # and tried again twice as late (in pages and in time)
    row[-1] = Tick(3.9)
    depths, _ = run([*row, *(wait(50) for _ in range(2 * PROBE))], **limit)
    assert depths[-1] == 5


def test_a_try_waits_twenty_times_what_the_refusal_cost() -> None:
    """A 429 with Retry-After: 1 s costs the whole client 1 s: no try within 20 s."""
    row: list[Event | Tick] = [wait(50), strain("429", 1.0), Tick(19)]
    row += [wait(50) for _ in range(PROBE + 10)]
    depths, _ = run(row, max_prefetch=6)
    assert depths[-1] == 5
    row.insert(3, Tick(1.01))
    depths, _ = run(row, max_prefetch=6)
    assert depths[-1] == 6


def test_a_try_that_holds_forgets_the_refused_depth() -> None:
    limit = {"max_prefetch": 12}
    row: list[Event | Tick] = [wait(50), strain("503"), Tick(5)]  # 1 -> 8, refused: 4
    row += [wait(50) for _ in range(PROBE)]
    depths, _ = run(row, **limit)
    assert depths[-1] == 8  # back up to 7 by one a round, then the try of 8
    depths, _ = run([*row, *(wait(50) for _ in range(17))], **limit)
    assert depths[-17:] == [8] * 15 + [12, 12]  # held two rounds: slow start again


def test_a_strain_at_depth_one_holds_it_there_until_a_try() -> None:
    depths, auto = run([strain("timeout"), Tick(2), *(wait(50) for _ in range(PROBE))])
    assert depths == [1] * (PROBE + 1) + [2] and auto.changes == 1


def test_make_depth() -> None:
    assert isinstance(make_depth("auto"), AutoDepth)
    assert make_depth("auto").limit == DEFAULT_MAX_PREFETCH
    assert make_depth(4) == FixedDepth(4)
    assert make_depth(0, max_prefetch=1) == FixedDepth(0)
    assert make_depth("auto", max_prefetch=3).limit == 3
    for bad in (-1, 1.5, True, "AUTO", "4", None):
        with pytest.raises(ValueError, match="prefetch must be"):
            make_depth(bad)  # type: ignore[arg-type]
    for name in ("max_prefetch", "max_buffered_bytes"):
        for value in (0, -3, 2.0, True):
            with pytest.raises(ValueError, match=name):
                make_depth("auto", **{name: value})  # type: ignore[arg-type]


def test_a_fixed_depth_never_changes() -> None:
    fixed = FixedDepth(4)
    assert [fixed.observe(e) for e in (wait(50), strain(), landed(size=10**9))] == [None] * 3
    assert fixed.depth() == fixed.limit == 4

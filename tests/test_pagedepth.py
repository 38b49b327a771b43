"""Issue 20: ``prefetch="auto"`` as a table: events in, depths out; the clock is the test's.

A row is a list of events; ``run`` answers the depth after each one. ``wait(ms)`` is the
consumer reaching a page it waited ``ms`` for, having spent ``busy`` ms on the one before,
while the depth held the requests back (``capped``); ``waiting(age)`` the consumer reaching
a page whose request left ``age`` ms ago and has not been answered yet; ``landed(ms,
size)`` an answer; ``strain(reason, wait_s)`` a 429/503/timeout/cooldown; ``tick(s)``
moves the clock.
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
    Waiting,
    make_depth,
)


@attrs.frozen
class Tick:
    seconds: float


_page = [0]


def wait(ms: float, *, busy: float | None = 1.0, capped: bool = True) -> Waited:
    _page[0] += 1
    return Waited(_page[0], ms / 1000, None if busy is None else busy / 1000, capped)


def waiting(age: float, *, busy: float | None = 1.0, capped: bool = True) -> Waiting:
    _page[0] += 1
    return Waiting(_page[0], age / 1000, None if busy is None else busy / 1000, capped)


def landed(ms: float = 50, size: int = 1000) -> Landed:
    return Landed(0, ms / 1000, size)


def strain(reason: str = "429", wait_s: float = 0.0, page: int = 7) -> Strained:
    return Strained(page, reason, wait_s)


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


def up() -> list[Event | Tick]:
    """A 100 ms round trip, a consumer busy 1 ms a page: 1 -> 8."""
    return [landed(100), wait(100, busy=None), waiting(1)]


def test_it_starts_at_one_and_the_first_page_is_no_evidence() -> None:
    depths, auto = run([landed(50), wait(50, busy=None)])
    assert depths == [1, 1] and auto.high == 1 and auto.changes == 0


def test_a_page_not_yet_answered_grows_it_before_the_wait() -> None:
    """Reaching a page whose answer is a round trip away: grow now, not after the wait, to
    what hides the round trip (fastest answer / time a page, + 1), at most +7 or x4 a step."""
    depths, auto = run([*up(), waiting(1), waiting(1)])
    assert depths == [1, 1, 8, 32, 32]  # 101 would hide 100 ms at 1 ms a page
    assert auto.high == 32
    depths, _ = run([landed(10), wait(10, busy=None), waiting(1, busy=2), waiting(1, busy=2)])
    assert depths == [1, 1, 6, 6]  # 10 ms / 2 ms a page + 1
    depths, _ = run([landed(100), wait(100, busy=None), waiting(1, busy=None)])
    assert depths == [1, 1, 1]  # no time a page known: nothing to size it by


def test_the_waits_after_the_page_do_not_grow_it_again() -> None:
    """The growth happened when the page was reached; its wait says nothing new."""
    depths, _ = run([*up(), wait(99), wait(99)])
    assert depths == [1, 1, 8, 8, 8]


@pytest.mark.parametrize(
    ("event", "why"),
    [
        (waiting(1, capped=False), "the depth did not hold requests back"),
        (waiting(99.5), "answered in 0.5 ms: under the 1 ms floor"),
        (waiting(60, busy=200), "40 ms left is under the 200 ms of work a page"),
        (waiting(100), "due now"),
        (wait(0), "the page was ready"),
    ],
)
def test_it_holds_when_going_deeper_would_not_help(event: Event, why: str) -> None:
    depths, _ = run([*up(), event, event, event])
    assert depths[2:] == [8, 8, 8, 8], why


def test_waits_shorter_than_the_clients_own_work_do_not_grow_it() -> None:
    """0 ms at the server: the first answer in 3 ms (the connection), the consumer 1.6 ms a
    page decoding. 1.4 ms to wait is less than a page costs the client: not worth decoding
    in the background."""
    row: list[Event | Tick] = [landed(3), wait(3, busy=None)]
    depths, _ = run([*row, waiting(1.6, busy=1.6), landed(0.6), waiting(0.2, busy=1.5)])
    assert set(depths) == {1}


def test_it_holds_while_answers_queue() -> None:
    """A server answering one request at a time: 8 in flight answer 8 times slower. Deeper
    would queue more; it goes on when the answers come fast again."""
    row: list[Event | Tick] = [landed(20), wait(20, busy=None), landed(20), waiting(1)]
    depths, _ = run(row)
    assert depths == [1, 1, 1, 8]
    queued = [landed(160), landed(160), waiting(1), landed(160), waiting(1)]
    depths, auto = run([*row, *queued])
    assert depths[-5:] == [8, 8, 8, 8, 8] and auto.queued()
    depths, auto = run([*row, *queued, *(landed(20) for _ in range(8)), waiting(1)])
    assert depths[-1] == 21 and not auto.queued()  # 20 ms / 1 ms a page + 1


def test_a_slow_consumer_keeps_it_at_one() -> None:
    """2 ms an item, 100 items a page: the pages are ready, or nearly, when reached."""
    row: list[Event | Tick] = [landed(5), wait(5, busy=None)]
    depths, auto = run([*row, *(waiting(4.5, busy=200) for _ in range(50))])
    assert set(depths) == {1} and auto.changes == 0
    depths, auto = run([*row, *(wait(5, busy=200) for _ in range(50))])
    assert set(depths) == {1} and auto.changes == 0


def test_it_never_passes_max_prefetch() -> None:
    depths, auto = run([*up(), *(waiting(1) for _ in range(5))], max_prefetch=12)
    assert depths[2:5] == [8, 12, 12] and auto.high == 12 and auto.limit == 12


def test_the_budget_bounds_the_pages_held() -> None:
    """100 kB answers, 1 MB budget: 10 pages held, so 9 in flight with the one consumed."""
    grow = [*up(), waiting(1)]
    depths, _ = run([*grow, landed(size=100_000), waiting(1)], max_buffered_bytes=1_000_000)
    assert depths[3] == 32
    assert depths[4:] == [9, 9]  # shrunk at once when the size is known, and not grown past it
    depths, _ = run([landed(size=100_000), *up()[1:], waiting(1)], max_buffered_bytes=1_000_000)
    assert depths == [1, 1, 8, 9]  # growth stops at the budget too
    big, _ = run([landed(size=5_000_000), *up()[1:]], max_buffered_bytes=1_000_000)
    assert big == [0, 0, 0]  # a page larger than the budget: one page at a time


def test_refusals_in_one_burst_bring_it_to_what_the_server_accepted() -> None:
    """8 sent at once to a server that holds 4: pages 6-9 refused together. 4 were accepted:
    it goes to 4, and 5 is the depth refused (so it is not climbed back to)."""
    burst = [strain("429", 1.0, page=p) for p in (6, 7, 8, 9)]
    row: list[Event | Tick] = [*up(), *burst, strain("cooldown", 1.0, page=10)]
    depths, _ = run(row)
    assert depths[2:] == [8, 4, 4, 4, 4, 4]
    depths, _ = run([*row, Tick(2), *(wait(50) for _ in range(20))])
    assert depths[-1] == 4  # below 5, the depth refused: no +1 a round
    again = [*up(), *(strain("429", 1.0, page=6) for _ in range(4)), Tick(2)]
    depths, _ = run([*again, *(wait(50) for _ in range(20))])
    assert depths[-1] == 7  # one page refused four times: 8 is the depth refused


@pytest.mark.parametrize("reason", ["429", "503", "timeout", "cooldown"])
def test_a_strain_halves_it_once_per_episode(reason: str) -> None:
    grow: list[Event | Tick] = [*up(), waiting(1)]
    row = [*grow, landed(50), strain(reason, 1.0), strain(reason), Tick(1.1), strain(reason)]
    depths, auto = run(row)
    assert depths[3:] == [32, 32, 16, 16, 16, 16]  # 1 s + two ~90 ms round trips: one episode
    depths, _ = run([*row, Tick(0.1), strain(reason)])
    assert depths[-1] == 8  # a new episode halves again
    assert auto.high == 32


def test_after_a_strain_it_grows_one_a_round_then_tries_the_refused_depth_slowly() -> None:
    """A server refusing a 6th request in flight: 6 was refused, so it climbs back to 5 by one
    a round, tries 6 only after PROBE pages unrefused, and waits twice as long each time."""
    limit = {"max_prefetch": 6}
    row: list[Event | Tick] = [*up(), strain("429"), Tick(1)]  # 1 -> 6, refused: 3
    depths, _ = run([*row, *(wait(50) for _ in range(7))], **limit)
    assert depths[2:] == [6, 3, 3, 3, 3, 4, 4, 4, 4, 5]  # +1 after 3 pages at 3, 4 at 4
    row += [wait(50) for _ in range(PROBE - 1)]
    depths, _ = run(row, **limit)
    assert depths[-1] == 5  # held below 6
    depths, _ = run([*row, wait(50)], **limit)
    assert depths[-1] == 5  # PROBE pages unrefused, but not 20 x the 0.1 s it cost: not yet
    row.insert(5, Tick(1))
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
    row: list[Event | Tick] = [*up(), strain("429", 1.0), Tick(19)]
    row += [wait(50) for _ in range(PROBE + 10)]
    depths, _ = run(row, max_prefetch=6)
    assert depths[-1] == 5
    row.insert(5, Tick(1.01))
    depths, _ = run(row, max_prefetch=6)
    assert depths[-1] == 6


def test_a_try_that_holds_forgets_the_refused_depth() -> None:
    limit = {"max_prefetch": 12}
    row: list[Event | Tick] = [*up(), strain("503"), Tick(5)]  # 1 -> 8, refused: 4
    row += [wait(50) for _ in range(PROBE)]
    depths, _ = run(row, **limit)
    assert depths[-1] == 8  # back up to 7 by one a round, then the try of 8
    depths, _ = run([*row, *(wait(50) for _ in range(15)), waiting(1)], **limit)
    assert depths[-16:] == [8] * 16  # the try has not held two rounds yet
    depths, _ = run([*row, *(wait(50) for _ in range(16)), waiting(1)], **limit)
    assert depths[-1] == 12  # held two rounds: it grows as at the start again


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

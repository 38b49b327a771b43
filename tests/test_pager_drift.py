"""Issue 15: exact listings under drift at any prefetch, and fan-out on estimated totals."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vocode_async import PaginationError
from vocode_async.testing import FakeVocodeServer, FaultKind
from vocode_async.testing._data import Store

from .pageserver import DriftServer, PageServer, page_body


@pytest.mark.parametrize("estimated", [False, True], ids=["exact", "estimated"])
@pytest.mark.parametrize("prefetch", [1, 2, 4, 8, "auto"])
async def test_drift_loses_nothing_and_repeats_nothing(prefetch: Any, estimated: bool) -> None:
    """3 inserts at the head per request, answers out of order, every 7th request a 503."""
    server = DriftServer(1500, estimated=estimated, seed=prefetch if prefetch != "auto" else 20)
    async with server, server.client() as client:
        pager = client.calls.list(size=50, prefetch=prefetch)
        ids = [call.id async for call in pager]
    missing = set(server.before) - set(ids)
    print(
        f"\nprefetch={prefetch} {'estimated' if estimated else 'exact'}: {len(ids)} ids, "
        f"{server.requests} requests, {len(missing)} missing, {pager.stats}"
    )
    assert len(ids) == len(set(ids)), "an id was yielded twice"
    assert not missing, f"{len(missing)} calls that existed before the listing are missing"
    assert pager.stats.shifts > 0  # the drift really happened
    assert server.requests > len(server.before) // 50 + 1  # and so did the 503s


@pytest.mark.parametrize("prefetch", [0, 1, 4, 8, "auto"])
async def test_no_drift_no_extra_request(prefetch: Any) -> None:
    server = DriftServer(1000, inserts=0, fail_every=0, seed=1)
    async with server, server.client() as client:
        pager = client.calls.list(size=50, prefetch=prefetch)
        ids = [call.id async for call in pager]
    assert ids == server.before
    assert sorted(server.pages) == list(range(1, 21))  # every page once, none past the end
    assert pager.stats.refetched == pager.stats.shifts == pager.stats.cancelled == 0


def _estimated(calls: int, factor: int, *, hang_past_end: PageServer | None = None) -> Any:
    store = Store(calls=calls, seed=5)
    items = [Store.normalized(c) for c in store.sorted_calls(None, False)]

    async def answer(page: int, size: int) -> dict[str, Any]:
        if hang_past_end is not None and (page - 1) * size >= calls:
            await hang_past_end.hang()
        await asyncio.sleep(0.002)
        window = items[(page - 1) * size : page * size]
        return page_body(
            window, page, size, has_more=page * size < calls, total=calls * factor, estimated=True
        )

    return answer, [i["id"] for i in items]


@pytest.mark.parametrize("prefetch", [1, 2, 4, 8, "auto"])
async def test_over_estimate_costs_at_most_prefetch_requests(prefetch: Any) -> None:
    """The estimate says 10x the calls there are: at most N requests past the end."""
    server = PageServer(None)  # type: ignore[arg-type]
    server.answer, expected = _estimated(1000, 10)
    async with server, server.client() as client:
        pager = client.calls.list(size=50, prefetch=prefetch)
        ids = [call.id async for call in pager]
    print(f"\nprefetch={prefetch}: pages asked {sorted(server.pages)}; {pager.stats}")
    assert ids == expected
    depth = prefetch if prefetch != "auto" else pager.stats.depth_max  # the deepest it went
    assert len(server.pages) <= 20 + depth
    assert len(set(server.pages)) == len(server.pages)


async def test_estimate_fans_out() -> None:
    """With an estimated total, prefetch=4 has 4 requests in flight, not 1."""
    server = PageServer(None)  # type: ignore[arg-type]
    gate = asyncio.Event()
    answer, _ = _estimated(1000, 1)

    async def gated(page: int, size: int) -> dict[str, Any]:
        if page > 1:
            await gate.wait()
        return await answer(page, size)  # type: ignore[no-any-return]

    server.answer = gated
    async with server, server.client() as client, client.calls.list(size=50, prefetch=4) as pager:
        first = await pager.__anext__()
        for _ in range(200):  # until the fan-out reaches the server (bounded wait)
            if len(server.pages) >= 5:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # and nothing beyond prefetch follows
        in_flight = sorted(server.pages)
        gate.set()
        rest = [call.id async for call in pager]
    assert in_flight == [1, 2, 3, 4, 5]
    assert len(rest) == 999 and first.id not in rest


async def test_requests_past_the_end_are_cancelled_when_the_end_lands() -> None:
    """Page 3 ends the listing; pages 4 and 5 (in flight, hanging) are cancelled as soon as
    page 3 lands, while the consumer still holds page 1."""
    server = PageServer(None)  # type: ignore[arg-type]
    server.answer, expected = _estimated(250, 10, hang_past_end=server)
    async with server, server.client() as client, client.calls.list(size=100, prefetch=4) as pager:
        ids = [(await pager.__anext__()).id]
        for _ in range(200):
            if pager.stats.cancelled:
                break
            await asyncio.sleep(0.01)
        cancelled_while_on_page_one = pager.stats.cancelled
        ids += [call.id async for call in pager]
    assert cancelled_while_on_page_one == 2
    assert ids == expected
    assert sorted(server.pages) == [1, 2, 3, 4, 5]


async def test_an_early_end_overtaken_by_drift_goes_on() -> None:
    """Page 3 is answered first, empty with has_more: false (so pages 4 and 5 are cancelled);
    page 2 is answered after 120 inserts and says has_more. Page 3 is fetched again, the
    cancelled pages are asked again, and every call that existed is yielded."""
    store = Store(calls=200, seed=8)  # pages 1 and 2; page 3 is past the end
    before = [c["id"] for c in store.sorted_calls(None, False)]
    page_three_answered = asyncio.Event()

    async def answer(page: int, size: int) -> dict[str, Any]:
        if page == 2 and not page_three_answered.is_set():
            await page_three_answered.wait()
            await asyncio.sleep(0.05)  # page 3 lands first
            for _ in range(120):
                store.add_call()
        total = len(store.calls)
        window = store.call_window(None, False, (page - 1) * size, page * size)
        body = page_body(
            [Store.normalized(c) for c in window],
            page,
            size,
            has_more=page * size < total,
            total=1000,
            estimated=True,  # so pages 2-5 are asked at once
        )
        if page == 3:
            page_three_answered.set()
        return body

    async with PageServer(answer) as server, server.client() as client:
        pager = client.calls.list(size=100, prefetch=4)
        ids = [call.id async for call in pager]
    print(f"\npages asked {server.pages}; {pager.stats}")
    assert len(ids) == len(set(ids))
    assert not set(before) - set(ids)
    assert pager.stats.refetched >= 1 and pager.stats.cancelled >= 1
    assert server.pages.count(4) == 2  # cancelled at the early end, then asked again


@pytest.mark.parametrize("prefetch", [1, "auto"])
async def test_a_deletion_is_counted(server: FakeVocodeServer, prefetch: Any) -> None:
    """The newest call (yielded on page 1) is deleted before page 2: every later call moves
    up one, so one call that still exists is skipped (documented: no page-number listing can
    see it). The exact total shrank between pages answered in order: counted."""
    server.faults.add(path="/v1/calls/list", query={"page": "2"}, kind=FaultKind.DRIFT_DELETE)
    async with server.client() as client:
        pager = client.calls.list(size=100, prefetch=prefetch)
        ids = [call.id async for call in pager]
    still_there = {c["id"] for c in server.store.calls}
    assert len(ids) == len(set(ids)) == 2499
    assert len(still_there - set(ids)) == 1
    assert pager.stats.shrunk == 1


@pytest.mark.parametrize("estimated", [False, True], ids=["exact", "estimated"])
async def test_a_page_answered_before_an_insert_is_fetched_again(estimated: bool) -> None:
    """Page 3 is answered first; then 10 calls are inserted and page 2 is answered. Page 2's
    10 boundary duplicates reveal the shift; page 3 (answered before it) would leave a gap of
    10 calls, so it is fetched again. The pager of issue 15's report lost them silently."""
    store = Store(calls=300, seed=12)
    before = [c["id"] for c in store.sorted_calls(None, False)]
    page_three_answered = asyncio.Event()

    async def answer(page: int, size: int) -> dict[str, Any]:
        if page == 2 and not page_three_answered.is_set():
            await page_three_answered.wait()
            for _ in range(10):
                store.add_call()
        total = len(store.calls)
        window = store.call_window(None, False, (page - 1) * size, page * size)
        items = [Store.normalized(c) for c in window]
        shown = 1000 if estimated else total
        body = page_body(items, page, size, has_more=page * size < total, total=shown)
        body["total_is_estimated"] = estimated
        if page == 3:
            page_three_answered.set()
        return body

    async with PageServer(answer) as server, server.client() as client:
        pager = client.calls.list(size=100, prefetch=2)
        ids = [call.id async for call in pager]
    assert len(ids) == len(set(ids))
    assert not set(before) - set(ids)
    assert pager.stats.refetched == 1 and pager.stats.dropped >= 10
    assert server.pages.count(3) == 2


@pytest.mark.parametrize("prefetch", [0, 1, "auto"])
@pytest.mark.parametrize(
    ("bursts", "refused"),
    [({5: 40}, False), ({12: 50, 13: 50}, True), ({5: 60, 6: 60}, True)],
    ids=["one-within", "two-adding-up", "two-early"],
)
async def test_bursts_that_outrun_the_window_stop_the_listing_instead_of_repeating_calls(
    server: FakeVocodeServer, prefetch: Any, bursts: dict[int, int], refused: bool
) -> None:
    """Outside review 5: calls created at the head move every listed call back, and the
    listing meets them again that many calls later. Within what the window remembers (8 pages
    of 10 here, more for a deeper prefetch) they are dropped as duplicates; bursts that
    together put the listing further behind than that (each alone within it) stop the listing
    with a PaginationError before any call is yielded twice. Request counts at the fake."""
    for page, count in bursts.items():
        for _ in range(count):
            server.faults.add(
                path="/v1/calls/list", query={"page": str(page)}, kind=FaultKind.DRIFT_INSERT
            )
    before = [c["id"] for c in server.store.sorted_calls(None, False)]
    refused = refused and prefetch != "auto"  # auto's window is 66 pages deep
    ids: list[str] = []
    async with server.client() as client:
        pager = client.calls.list(size=10, prefetch=prefetch)
        try:
            async for call in pager:
                ids.append(call.id)
        except PaginationError as error:
            assert refused, error
            assert "behind, more than the" in str(error)
        else:
            assert not refused, "the listing went on"
            assert set(before) <= set(ids)  # nothing that existed was missed
    assert len(ids) == len(set(ids)), "a call was yielded twice"

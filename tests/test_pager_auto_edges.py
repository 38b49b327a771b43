"""Listings under the default ``prefetch="auto"`` against servers whose answers change
shape mid-listing: answers that grow past the byte budget, bursts of inserts, drift under
a deep depth (the reproducers of a third outside review, and their variants). Every server
here is a small aiohttp app on 127.0.0.1 built in this file.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from tests import growserver
from tests.conftest import running
from vocode_async import AsyncVocode, PaginationError
from vocode_async._types import Prefetch

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _serve(handler: Handler) -> contextlib.AbstractAsyncContextManager[str]:
    """Serve ``handler`` as GET /v1/calls/list on 127.0.0.1; yield the base URL."""
    app = web.Application()
    app.router.add_get("/v1/calls/list", handler)
    return running(app)


@pytest.mark.parametrize("framing", ["length", "chunked", "gzip"])
async def test_answers_that_grow_mid_listing_stay_within_max_buffered_bytes(
    framing: str,
) -> None:
    """Promise: memory stays bounded; README: "never more answers held than
    `max_buffered_bytes=` allows".

    The first pages are small (about 7 KB), so the depth grows to twenty-odd requests; from
    page 12 every answer is about 400 KB. When the first large answer lands the depth drops
    to 4, but the twenty-odd requests already in flight were neither cancelled nor refused:
    all of them landed and were held (decoded) together, several times the 2 MiB budget.
    (With the defaults the same shape held up to 32 answers of up to
    `max_response_bytes`, 32 MiB each: about 1 GiB against a 32 MiB budget.) Now an answer
    with no room is dropped unread (the connection closed) and its page asked again later.

    The size is known before the body is read (Content-Length) or only as it comes (chunked,
    gzip: what it inflates to). The server cannot tell an answer held from one not yet read
    (before the fix, counting every answer sent for pages not yet consumed gave 12.6 MB held
    at most; after it, 2.0-2.8 MB, answers in transit included), so ``stats.held_max``, what
    the listing held at once, says; every page was asked again as often as it was dropped.
    """
    budget = 2 * 2**20
    sent: list[tuple[int, int]] = []  # (page, bytes) of every answer, in the order sent

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        await asyncio.sleep(0.03)
        body = growserver.page_body(page)
        sent.append((page, len(body)))
        return await growserver.answer(request, body, framing)

    async with _serve(handler) as url, AsyncVocode(api_key="k", base_url=url) as client:
        pager = client.calls.list(size=growserver.SIZE, max_buffered_bytes=budget)
        async with pager:
            ids = [call.id async for call in pager]
    assert ids == [f"p{page}-{i}" for page in range(1, 61) for i in range(10)]
    page_bytes = max(n for _, n in sent)
    stats = pager.stats
    assert stats.depth_max > 4  # the small pages did take it deep: the case is real
    assert stats.deferred > 0  # and answers were dropped unread to keep the budget
    assert page_bytes < stats.held_max <= budget + page_bytes, stats
    asked = Counter(page for page, _ in sent)
    assert sum(asked.values()) - len(asked) == stats.deferred  # each drop asked once more
    assert stats.requests == len(sent)


def _large(pages: int, framing: str, sent: list[int]) -> Handler:
    """``pages`` pages of 10 calls of 40 KB each (about 400 KB an answer); each page asked
    is appended to ``sent``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        await asyncio.sleep(0.01)
        items = [growserver.call(f"p{page}-{i}", 40_000) for i in range(10)]
        sent.append(page)
        body = growserver.encoded(items, page, 10, pages * 10)
        return await growserver.answer(request, body, framing)

    return handler


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_pages_larger_than_the_whole_budget_still_list_one_at_a_time(
    framing: str,
) -> None:
    """The page the consumer needs always gets in: answers of 400 KB against a 100 KB
    budget list every call, holding only that page (no answer beyond it fits)."""
    size, pages, budget = 10, 8, 100_000
    sent: list[int] = []

    async with (
        _serve(_large(pages, framing, sent)) as url,
        AsyncVocode(api_key="k", base_url=url) as client,
    ):
        pager = client.calls.list(size=size, max_buffered_bytes=budget)
        async with pager:
            ids = [call.id async for call in pager]
    assert ids == [f"p{page}-{i}" for page in range(1, pages + 1) for i in range(size)]
    assert pager.stats.depth <= 1 and pager.stats.pages == pages
    assert 400_000 < pager.stats.held_max < 2 * 400_000  # one page at a time
    assert sorted(set(sent)) == list(range(1, pages + 1))


async def test_a_fixed_depth_holds_its_pages_whatever_their_size() -> None:
    """``prefetch=N`` means N requests in flight and N+1 pages held, whatever their size:
    the byte budget bounds ``"auto"`` only, so nothing is dropped or asked twice."""
    size, pages = 10, 12
    sent: list[int] = []

    async with (
        _serve(_large(pages, "length", sent)) as url,
        AsyncVocode(api_key="k", base_url=url) as client,
    ):
        pager = client.calls.list(size=size, prefetch=4, max_buffered_bytes=100_000)
        async with pager:
            count = sum([1 async for _ in pager])
    assert count == size * pages
    assert sorted(sent) == list(range(1, pages + 1))  # each page asked once
    assert pager.stats.deferred == 0


async def test_two_pages_inserted_at_once_do_not_stop_an_honest_listing() -> None:
    """Promise: exact listing under drift ("every call that existed when the listing began
    and still exists when it ends is yielded exactly once, at any `prefetch`"); a
    PaginationError is for cycling or echoing pages, not for an honest server.

    An honest server: 200 calls, newest first; 25 calls are created (2.5 pages at
    `size=10`) just before page 6 is answered, and nothing else changes. Page 6 then holds
    only calls already yielded (skipped as drift), and so does page 7; page 7 was asked after
    page 6 landed and its exact total did not grow, so the pager takes it for a cycle and
    raises "page 7 says has_more but has only items already yielded; stopping instead of
    looping" after 50 of the 200 calls. The inserts that explain page 7 landed before page 6
    was answered (its total grew), which the rule does not look back at. Same at
    `prefetch=0`, 1 and 4: any burst of two pages or more of new calls between two requests
    (200 calls created at once at the default `size=100`) stops the default listing.
    """
    size = 10
    calls = [f"orig-{i}" for i in range(200)]
    inserted = False

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal inserted
        page = int(request.query["page"])
        if page == 6 and not inserted:
            inserted = True
            calls[:0] = [f"new-{i}" for i in range(25)]
        window = calls[(page - 1) * size : page * size]
        body = growserver.encoded([growserver.call(c) for c in window], page, size, len(calls))
        return web.Response(body=body, content_type="application/json")

    async with _serve(handler) as url, AsyncVocode(api_key="k", base_url=url) as client:
        seen: list[str] = []
        async with client.calls.list(size=size) as pager:
            async for call in pager:
                seen.append(call.id)
                await asyncio.sleep(0.002)  # a consumer that does a little work
    originals = [ident for ident in seen if ident.startswith("orig-")]
    assert sorted(originals) == sorted(f"orig-{i}" for i in range(200))
    assert len(seen) == len(set(seen))


async def test_stats_depth_reports_the_depth_drift_left() -> None:
    """Promise: `pager.stats` reports the depth ("`pager.stats.depth` is the depth now";
    PagerStats: "the requests the listing keeps in flight now").

    A fast consumer over a 20 ms server: "auto" goes to 22. Fifteen calls are created once,
    before page 15 is answered; the drift rule halves the listing's cap (`throttled=1`) for
    the rest of the listing, so from then on the server never sees more than about 11 page
    requests at once, yet `stats.depth` (and every later decision logged by "auto") still
    says 22: the depth reported is not the depth kept, and "auto" cannot see the cap it runs
    under.
    """
    size = 10
    calls = [f"orig-{i}" for i in range(3000)]
    inserted = False
    now, most_after = 0, 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal inserted, now, most_after
        page = int(request.query["page"])
        now += 1
        if inserted:
            most_after = max(most_after, now)
        try:
            await asyncio.sleep(0.02)
            if page == 15 and not inserted:
                inserted = True
                calls[:0] = [f"new-{i}" for i in range(15)]
            window = calls[(page - 1) * size : page * size]
            items = [growserver.call(c) for c in window]
            body = growserver.encoded(items, page, size, len(calls))
            return web.Response(body=body, content_type="application/json")
        finally:
            now -= 1

    async with (
        _serve(handler) as url,
        AsyncVocode(api_key="k", base_url=url) as client,
        client.calls.list(size=size) as pager,
    ):
        seen = [call.id async for call in pager]
    assert len(set(seen)) == len(seen) == 3000
    assert pager.stats.throttled >= 1
    # what the listing kept in flight after the throttle, against what it reports
    assert pager.stats.depth <= most_after, (pager.stats, most_after)


def _inserting(pages: range, calls: list[str]) -> Handler:
    """Newest first, 10 a page; the first time each page in ``pages`` is asked, a page of
    new calls is created just before it is answered (its exact total grows by 10)."""
    asked: set[int] = set()

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        await asyncio.sleep(0.005)
        if page in pages and page not in asked:
            calls[:0] = [f"new-{page}-{i}" for i in range(10)]
        asked.add(page)
        window = calls[(page - 1) * 10 : page * 10]
        body = growserver.encoded([growserver.call(c) for c in window], page, 10, len(calls))
        return web.Response(body=body, content_type="application/json")

    return handler


@pytest.mark.parametrize("prefetch", [0, 4, "auto"])
async def test_a_page_of_inserts_before_each_of_several_requests_is_drift(
    prefetch: Prefetch,
) -> None:
    """An outside review (4): before each of pages 22-27 is answered, a page of calls is
    created, so each of them repeats page 21 exactly while the exact total grows by a page
    each time. Six pages of only duplicates, every one explained by the total's growth:
    drift, not a cycle (it stopped after 210 of 300 calls at the third such page)."""
    calls = [f"orig-{i}" for i in range(300)]
    handler = _inserting(range(22, 28), calls)
    async with _serve(handler) as url, AsyncVocode(api_key="k", base_url=url) as client:
        pager = client.calls.list(size=10, prefetch=prefetch)
        async with pager:
            seen = [call.id async for call in pager]
    assert [i for i in seen if i.startswith("orig-")] == [f"orig-{i}" for i in range(300)]
    assert len(seen) == len(set(seen))


async def test_inserts_that_never_let_the_listing_move_on_end_it_with_a_reason() -> None:
    """A page of calls created before every request from page 22 on: the listing cannot
    move past page 21. It gives up after 32 such pages, saying why, instead of looping."""
    calls = [f"orig-{i}" for i in range(300)]
    handler = _inserting(range(22, 10_000), calls)
    async with _serve(handler) as url, AsyncVocode(api_key="k", base_url=url) as client:
        pager = client.calls.list(size=10, prefetch=0)
        seen: list[str] = []
        with pytest.raises(PaginationError, match="inserted a page or more per request") as err:
            async with pager:
                async for call in pager:
                    seen.append(call.id)
    assert err.value.page is not None and err.value.page > 21 + 32
    assert seen == [f"orig-{i}" for i in range(210)]  # everything before it, once
    assert pager.stats.requests < 60  # it stopped: no loop


async def _until_refused(
    handler: Handler, prefetch: Prefetch, match: str
) -> tuple[list[str], PaginationError]:
    """List at size 10 until the listing raises a PaginationError matching ``match``:
    the ids yielded before it, and the error."""
    seen: list[str] = []
    async with _serve(handler) as url, AsyncVocode(api_key="k", base_url=url) as client:
        pager = client.calls.list(size=10, prefetch=prefetch)
        with pytest.raises(PaginationError, match=match) as caught:
            async with pager:
                async for call in pager:
                    seen.append(call.id)
    return seen, caught.value


@pytest.mark.parametrize("prefetch", [0, 4, "auto"])
async def test_a_page_shorter_than_size_with_more_to_come_stops_the_listing(
    prefetch: Prefetch,
) -> None:
    """Outside review 4: page 4 of a listing carries 7 of the 10 calls asked for and says
    has_more (an exact total of 200 that never changes). The 3 calls it leaves out can
    never be listed: the listing yields the 30 calls of pages 1-3, in order, then raises a
    PaginationError naming page 4; nothing after it is yielded."""
    calls = [f"orig-{i}" for i in range(200)]

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        window = calls[(page - 1) * 10 : page * 10]
        if page == 4:
            window = window[:7]
        body = growserver.encoded([growserver.call(c) for c in window], page, 10, len(calls))
        return web.Response(body=body, content_type="application/json")

    seen, caught = await _until_refused(handler, prefetch, "fewer than a full page of 10")
    assert caught.page == 4
    assert seen == calls[:30]


async def test_a_server_that_pages_by_a_smaller_size_it_echoes_lists_every_call() -> None:
    """A server that caps the page size (asked 10, pages of 7, ``size`` echoed as 7) is
    not short of anything: page k holds its calls (k-1)*7 to k*7, and all 200 are listed
    exactly once, in order."""
    calls = [f"orig-{i}" for i in range(200)]

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        window = calls[(page - 1) * 7 : page * 7]
        body = growserver.encoded([growserver.call(c) for c in window], page, 7, len(calls))
        return web.Response(body=body, content_type="application/json")

    async with _serve(handler) as url, AsyncVocode(api_key="k", base_url=url) as client:
        pager = client.calls.list(size=10)
        seen = [call.id async for call in pager]
    assert seen == calls
    assert pager.stats.pages == 29


@pytest.mark.parametrize("prefetch", [0, 4, "auto"])
async def test_a_last_page_short_of_its_own_exact_total_stops_the_listing(
    prefetch: Prefetch,
) -> None:
    """Outside review 5: page 2 of 10 says has_more: false while its exact total says 50.
    The 30 calls after it could never be listed: the listing yields pages 1-2 (20 calls, in
    order) and raises a PaginationError naming page 2 instead of ending as if complete."""
    calls = [f"orig-{i}" for i in range(50)]

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        window = calls[(page - 1) * 10 : page * 10] if page <= 2 else []
        body = growserver.envelope(
            [growserver.call(c) for c in window], page, 10, has_more=page < 2, total=len(calls)
        )
        return web.json_response(body)

    seen, caught = await _until_refused(handler, prefetch, "counts 30 calls after it")
    assert caught.page == 2
    assert seen == calls[:10]  # page 2's calls are not yielded: the page is refused whole


@pytest.mark.parametrize("prefetch", [0, 4, "auto"])
async def test_a_page_size_that_changes_mid_listing_stops_the_listing(prefetch: Prefetch) -> None:
    """Outside review 5: pages 1-3 come in pages of 5 (``size: 5`` echoed), then the server
    pages by 10. Page 4 by 10 starts at call 30, so calls 15-29 would never be listed: the
    listing raises a PaginationError naming the first page that says 10."""
    calls = [f"orig-{i}" for i in range(100)]

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        by = 5 if page <= 3 else 10
        window = calls[(page - 1) * by : page * by]
        body = growserver.encoded([growserver.call(c) for c in window], page, by, len(calls))
        return web.Response(body=body, content_type="application/json")

    seen, caught = await _until_refused(handler, prefetch, "pages by 10, an earlier page said 5")
    assert caught.page >= 4
    assert seen == calls[: 5 * (caught.page - 1)]  # every page before it, in order


def _newest_page(listed: list[str], page: int, total: int) -> web.Response:
    """Page ``page`` (of 10) of ``listed`` as it stands, with the ``total`` counted."""
    window = listed[(page - 1) * 10 : page * 10]
    body = growserver.envelope(
        [growserver.call(c) for c in window],
        page,
        10,
        has_more=page * 10 < len(listed),
        total=total,
    )
    return web.json_response(body)


def _newest_first(
    inserted: dict[int, int], uncounted: dict[int, int] | None = None
) -> tuple[list[str], Handler]:
    """A correct newest-first server of 200 calls, pages of 10: on the first request for
    page n, ``inserted[n]`` calls are created, the API counts, then ``uncounted[n]`` more
    are created before it reads the page (its exact total leaves them out)."""
    calls = [f"orig-{i}" for i in range(200)]
    head: list[str] = []
    served: set[int] = set()

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        first = page not in served
        served.add(page)
        head[:0] = [f"new-{page}-{i}" for i in range(inserted.get(page, 0) if first else 0)]
        total = len(head) + len(calls)
        late = (uncounted or {}).get(page, 0) if first else 0
        head[:0] = [f"late-{page}-{i}" for i in range(late)]
        return _newest_page(head + calls, page, total)

    return calls, handler


@pytest.mark.parametrize("prefetch", [0, 1, 4, "auto"])
async def test_pages_that_repeat_calls_keep_the_window_it_promises(prefetch: Prefetch) -> None:
    """Five calls created before each of pages 10-17 make those pages half repeats: 8 pages
    that hold 40 new calls, not 80. Then 65 calls before page 18, within the 80 the window
    promises at size 10: the calls yielded before them come back 65 places later. The window
    used to hold 8 pages, so 35 calls were yielded twice (10 at prefetch 4, whose window is
    10 pages); it now keeps pages until it holds 80 new calls: every call once."""
    calls, handler = _newest_first({n: 5 for n in range(10, 18)} | {18: 65})
    async with _serve(handler) as url, AsyncVocode(api_key="k", base_url=url) as client:
        pager = client.calls.list(size=10, prefetch=prefetch)
        seen = [call.id async for call in pager]
    assert [i for i, n in Counter(seen).items() if n > 1] == []
    assert set(calls) <= set(seen)
    assert pager.stats.dropped == 5 * 8 + 65  # every repeat met, none yielded


@pytest.mark.parametrize("prefetch", [0, 1])
async def test_calls_created_between_the_count_and_page_queries_stop_the_listing(
    prefetch: Prefetch,
) -> None:
    """80 calls created before page 20 (as many as the window holds at size 10) and one
    more after the API's count query: the exact total says 80 behind, the listing is 81.
    Page 20's first call was yielded 81 calls ago and forgotten: 9 calls used to be yielded
    twice. Now page 20 is refused whole. (A deeper prefetch keeps more pages: 4 lists
    all 200 once.)"""
    calls, handler = _newest_first({20: 80}, {20: 1})
    seen, caught = await _until_refused(handler, prefetch, "first calls look new but come just")
    assert caught.page == 20
    assert seen == calls[:190]  # pages 1-19 in order, nothing of page 20


@pytest.mark.parametrize(("prefetch", "inserted"), [(2, 2), (4, 2), (4, 9)])
async def test_a_page_counted_before_the_inserts_that_shift_it_loses_no_call(
    prefetch: Prefetch, inserted: int
) -> None:
    """Outside review 8: a correct server counts for page 3, answers page 4 meanwhile
    (prefetched), then ``inserted`` calls are created and page 3 is read: shifted, with the
    total counted before. Page 4's total is the same, which the pager took as proof that
    page 4 was read after the inserts too, and the calls pushed from page 3 into page 4
    were never listed, with no error. Page 4 is fetched again instead: every old call once."""
    calls = [f"orig-{i}" for i in range(100)]
    listed = list(calls)
    page4_answered = asyncio.Event()
    order: list[int] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        order.append(page)
        total = len(listed)  # the count query
        if page == 3 and not page4_answered.is_set():
            await asyncio.wait_for(page4_answered.wait(), 10)
            listed[:0] = [f"new-{i}" for i in range(inserted)]
        answer = _newest_page(listed, page, total)  # the page query
        if page == 4:
            page4_answered.set()
        return answer

    async with _serve(handler) as url, AsyncVocode(api_key="k", base_url=url) as client:
        pager = client.calls.list(size=10, prefetch=prefetch)
        seen = [call.id async for call in pager]
    assert page4_answered.is_set() and order.index(4) < order.index(3) + 2  # page 4 first
    assert [i for i, n in Counter(seen).items() if n > 1] == []
    assert sorted(set(calls) - set(seen)) == []  # was: the calls pushed into page 4
    assert pager.stats.refetched >= 1

"""Issue 11: listings end, never yield one id twice, and refuse pages that contradict the
request, against purpose-built hostile servers on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
import pytest
from aiohttp import web

from vocode_async import AsyncPager, AsyncVocode, PaginationError
from vocode_async.testing._data import Store

from .pageserver import PageServer, page_body

ITEMS = [Store.normalized(c) for c in Store(calls=3000, seed=11).sorted_calls(None, False)]
GUARD = 20_000  # a listing that loops is cut here, so the old code fails instead of hanging


async def _listing(client: AsyncVocode, **kwargs: Any) -> tuple[list[str], Exception | None]:
    return await _drain(client.calls.list(**kwargs))


async def _drain(pager: AsyncPager[Any]) -> tuple[list[str], Exception | None]:
    ids: list[str] = []
    try:
        async for call in pager:
            ids.append(call.id)
            if len(ids) >= GUARD:
                break
    except PaginationError as exc:
        return ids, exc
    return ids, None


def _serving(pick: Any, *, estimated: bool = True, total: int = 10**6) -> PageServer:
    """Page n holds ITEMS[pick(n)] (a page number), echoes n, and always has more."""

    async def answer(page: int, size: int) -> dict[str, Any]:
        source = pick(page)
        window = ITEMS[(source - 1) * size : source * size]
        return page_body(window, page, size, has_more=True, total=total, estimated=estimated)

    return PageServer(answer)


@pytest.mark.parametrize("estimated", [False, True], ids=["exact", "estimated"])
@pytest.mark.parametrize("prefetch", [0, 1, 4, "auto"])
async def test_pages_that_cycle_a_b_a_b(
    prefetch: Any, estimated: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Page 3 answered after page 2 with an exact total that did not grow cannot be drift:
    stop there. Otherwise (an estimate, or pages in flight together) pages 3 and 4 could be
    calls inserted meanwhile: stop once they no longer reach further into what was listed
    (page 5), plus STALLS pages. "auto" asks page 2 alone (it starts at 1); page 3 is
    answered after page 2 unless reaching page 2 unanswered grew it (its log says so)."""
    caplog.set_level(logging.DEBUG, logger="vocode_async")
    serving = _serving(lambda n: 2 - n % 2, estimated=estimated)
    async with serving as server, server.client() as client:
        pager = client.calls.list(size=50, prefetch=prefetch)
        ids, error = await _drain(pager)
    first = prefetch  # the depth page 3 was asked at, page 2 in flight or not
    if prefetch == "auto":
        first = 2 if _grew_at_page_two(caplog) else 1
    last = 3 if not estimated and first <= 1 else 7
    assert isinstance(error, PaginationError) and error.page == last
    assert "only items already yielded" in str(error)
    assert ids == [i["id"] for i in ITEMS[:100]]
    assert len(server.pages) <= last + (prefetch if prefetch != "auto" else pager.stats.depth_max)


def _grew_at_page_two(caplog: pytest.LogCaptureFixture) -> bool:
    """Whether "auto" grew on reaching page 2 unanswered (so page 3 was asked with it)."""
    return any(": page 2 not answered" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("prefetch", [1, 2, "auto"])
async def test_page_three_answers_page_one(prefetch: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Answered after page 2 (one at a time), page 3 repeating page 1 is a cycle: it stops
    there. Asked while page 2 is in flight (prefetch=2, or "auto" grown on reaching page 2
    unanswered) it could be drift: its repeats are skipped, no id is yielded twice, and the
    listing stops at the first empty page that says has_more."""
    caplog.set_level(logging.DEBUG, logger="vocode_async")
    serving = _serving(lambda n: 1 if n == 3 else n, estimated=False)
    async with serving as server, server.client() as client:
        ids, error = await _listing(client, size=50, prefetch=prefetch)
    assert isinstance(error, PaginationError)
    if prefetch == 2 or (prefetch == "auto" and _grew_at_page_two(caplog)):
        assert "has no items" in str(error) and error.page == 61
        assert len(ids) == len(set(ids)) == 2950  # 60 pages of 50, page 3's repeats skipped
    else:
        assert "already yielded" in str(error)
        assert error.page == 3 and len(ids) == len(set(ids)) == 100


@pytest.mark.parametrize("prefetch", [2, "auto"])
async def test_a_cycle_longer_than_the_window_is_bounded_by_max_pages(prefetch: Any) -> None:
    """20 distinct pages, then again from the first, has_more forever, an estimated total:
    past the window, which is documented as not caught. max_pages ends it. (The window
    grows with the deepest prefetch: "auto" is bounded at 2 here, to keep it 8 pages.)"""
    async with _serving(lambda n: (n - 1) % 20 + 1) as server, server.client() as client:
        pager = client.calls.list(size=100, prefetch=prefetch, max_prefetch=2, max_pages=30)
        ids = [call.id async for call in pager]
    assert len(ids) == 3000 and len(set(ids)) == 2000  # the repeats the docs warn about
    assert sorted(server.pages) == list(range(1, 31))


@pytest.mark.parametrize("prefetch", [32, "auto"])
async def test_max_pages_holds_when_its_last_page_only_repeats(prefetch: Any) -> None:
    """The same 20-page cycle within a deep prefetch's window: pages 21-30 only repeat and
    are skipped as drift catching up; the listing still ends at page 30 (it went on to
    page 43 when the last page allowed was skipped)."""
    async with _serving(lambda n: (n - 1) % 20 + 1) as server, server.client() as client:
        pager = client.calls.list(size=100, prefetch=prefetch, max_pages=30)
        ids, error = await _drain(pager)
    assert len(ids) == len(set(ids)) == 2000
    assert max(server.pages) <= 30, sorted(server.pages)
    assert error is None or "already yielded" in str(error)


async def test_has_more_forever_past_an_exact_total() -> None:
    """The server cycles with a long period but says the total is 300: page 5 is refused."""
    pick = lambda n: (n - 1) % 25 + 1  # noqa: E731
    async with _serving(pick, estimated=False, total=300) as server, server.client() as client:
        ids, error = await _listing(client, size=100, prefetch=0)
    assert isinstance(error, PaginationError) and "past the exact total" in str(error)
    assert error.page == 5 and len(ids) == 400


@pytest.mark.parametrize("prefetch", [0, 1, 4, "auto"])
async def test_max_items_and_max_pages_bound_an_endless_listing(prefetch: Any) -> None:
    async with _serving(lambda n: n) as server, server.client() as client:
        ids = [c.id async for c in client.calls.list(size=100, prefetch=prefetch, max_items=250)]
        assert ids == [i["id"] for i in ITEMS[:250]]
        assert sorted(server.pages) == [1, 2, 3]  # nothing past what was asked for
        server.pages.clear()
        pager = client.calls.list(size=100, prefetch=prefetch, max_pages=4, start_page=2)
        pages = [len(p.items) async for p in pager.pages()]
        assert pages == [100] * 4 and pager.stats.items == 400
        assert sorted(server.pages) == [2, 3, 4, 5]


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda body: {**body, "page": 1}, "asked for page 2, the server answered page 1"),
        (lambda body: {**body, "total": -5}, "negative total"),
        (lambda body: {**body, "size": -1}, "negative size"),
        (lambda body: {**body, "items": body["items"] * 2}, "more than the 50 asked for"),
    ],
    ids=["wrong-page", "negative-total", "negative-size", "oversize"],
)
@pytest.mark.parametrize("prefetch", [2, "auto"])
async def test_echoes_that_contradict_the_request(tamper: Any, message: str, prefetch: Any) -> None:
    async def answer(page: int, size: int) -> dict[str, Any]:
        window = ITEMS[(page - 1) * size : page * size]
        body = page_body(window, page, size, has_more=True, total=3000)
        return tamper(body) if page == 2 else body  # type: ignore[no-any-return]

    async with PageServer(answer) as server, server.client() as client:
        ids, error = await _listing(client, size=50, prefetch=prefetch)
    assert isinstance(error, PaginationError) and message in str(error), error
    assert error.page == 2 and len(ids) == 50


@pytest.mark.parametrize("prefetch", [0, 1, "auto"])
async def test_an_oversize_garbage_page_fails_before_decoding(prefetch: Any) -> None:
    """100,000 invalid items on a page of 100 asked: refused on its length, not decoded."""
    garbage = orjson.dumps(page_body([{}] * 100_000, 2, 100, has_more=True, total=10**5))

    async def answer(page: int, size: int) -> dict[str, Any] | web.Response:
        if page == 2:
            return web.Response(body=garbage, content_type="application/json")
        return page_body(ITEMS[:size], 1, size, has_more=True, total=10**5)

    async with PageServer(answer) as server, server.client() as client:
        pager = client.calls.list(size=100, prefetch=prefetch)
        first = [await pager.__anext__() for _ in range(100)]
        start = time.perf_counter()
        with pytest.raises(PaginationError, match="100000 items, more than the 100"):
            await pager.__anext__()
        print(f"\nthe 100,000-item page failed in {(time.perf_counter() - start) * 1000:.1f} ms")
    assert len(first) == 100


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"max_items": 0}, "max_items"),
        ({"max_pages": -1}, "max_pages"),
        ({"max_items": True}, "max_items"),
        ({"max_pages": 1.5}, "max_pages"),
        ({"size": "10"}, "size"),
        ({"start_page": 0}, "start_page"),
    ],
)
async def test_bounds_are_validated(kwargs: dict[str, Any], name: str) -> None:
    async with PageServer(lambda p, s: None) as server, server.client() as client:  # type: ignore[arg-type, return-value]
        with pytest.raises(ValueError, match=name):
            client.calls.list(**kwargs)
    assert server.pages == []


@pytest.mark.parametrize("prefetch", [1, "auto"])
async def test_an_id_twice_within_a_page_is_yielded_once(prefetch: Any) -> None:
    async def answer(page: int, size: int) -> dict[str, Any]:
        window = ITEMS[(page - 1) * 8 : page * 8]
        items = [window[0], *window, window[2]]  # a full page of 10 items, 8 ids
        return page_body(items, page, size, has_more=page < 3, total=24)

    async with PageServer(answer) as server, server.client() as client:
        pager = client.calls.list(size=10, prefetch=prefetch)
        ids = [call.id async for call in pager]
    assert ids == [i["id"] for i in ITEMS[:24]]
    # Two repeats a page; the repeats count as a shift, so a page answered before the one
    # that showed them (prefetch) is fetched again: its second copy repeats all 10 items.
    assert pager.stats.dropped == 6 + 10 * pager.stats.refetched


@pytest.mark.parametrize("estimated", [False, True], ids=["exact", "estimated"])
@pytest.mark.parametrize("prefetch", [0, 1, 4, 8, "auto"])
async def test_a_short_cycle_with_one_new_id_a_page_never_repeats_an_id(
    prefetch: Any, estimated: bool
) -> None:
    """Found by an outside review: page n repeats all but one id of page (n-1)%3+1 and adds
    one new id. Ids kept coming back must stay in the window, not fall out and be new again."""
    size = 4

    async def answer(page: int, size: int) -> dict[str, Any]:
        source = (page - 1) % 3 + 1
        window = [*ITEMS[(source - 1) * size : source * size - 1], ITEMS[1000 + page]]
        return page_body(window, page, size, has_more=True, total=10**6, estimated=estimated)

    async with PageServer(answer) as server, server.client() as client:
        ids: list[str] = []
        async for call in client.calls.list(size=size, prefetch=prefetch, max_pages=60):
            ids.append(call.id)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:3]
    assert len(ids) >= 60  # every new id came through

"""The prefetching pager over real loopback HTTP."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from vocode_async import (
    AsyncPager,
    AsyncVocode,
    ClientClosedError,
    InternalServerError,
    PaginationError,
)
from vocode_async.testing import FakeVocodeServer, FaultKind

from .conftest import acquired


def expected_ids(server: FakeVocodeServer) -> list[str]:
    return [c["id"] for c in server.store.sorted_calls(None, False)]


def deepest(prefetch: int | str, pager: AsyncPager[Any]) -> int:
    """The N of "at most N requests in flight": fixed, or the deepest "auto" went."""
    return prefetch if isinstance(prefetch, int) else pager.stats.depth_max


@pytest.mark.parametrize("prefetch", [0, 1, 4, "auto"])
async def test_lists_every_call_in_order(
    server: FakeVocodeServer, client: AsyncVocode, prefetch: int | str
) -> None:
    ids = [call.id async for call in client.calls.list(size=100, prefetch=prefetch)]
    assert len(ids) == 2500
    assert ids == expected_ids(server)
    assert len(set(ids)) == 2500
    pages = [r.query["page"] for r in server.log if r.path == "/v1/calls/list"]
    assert sorted(pages, key=int) == [str(n) for n in range(1, 26)]  # no page twice
    assert acquired(client) == 0


async def test_prefetch_zero_is_sequential(server: FakeVocodeServer, client: AsyncVocode) -> None:
    seen = 0
    async for _ in client.calls.list(size=500, prefetch=0):
        seen += 1
        requested = sum(1 for r in server.log if r.path == "/v1/calls/list")
        assert requested == (seen - 1) // 500 + 1  # the next page only when it is needed


async def test_bounded_pages_in_flight(server: FakeVocodeServer, client: AsyncVocode) -> None:
    pager = client.calls.list(size=100, prefetch=4)
    first = await pager.__anext__()
    assert first.id == expected_ids(server)[0]
    await asyncio.sleep(0.2)  # a stalled consumer: the pager must not run ahead unboundedly
    requested = sum(1 for r in server.log if r.path == "/v1/calls/list")
    assert requested == 1 + 4
    await pager.aclose()


def test_prefetch_overlaps_a_blocking_consumer() -> None:
    """Page k+1's request reaches the server before the consumer finishes page k.

    The server runs in its own thread; the consumer blocks the loop on the first item of
    each page, so the next request can only have been written before that item was handed.
    """
    server = FakeVocodeServer(api_key="k", calls=300, seed=1)
    handed: dict[int, float] = {}

    async def consume() -> None:
        async with server.client() as client:
            n = 0
            async for _ in client.calls.list(size=100, prefetch=1):
                if n % 100 == 0:
                    handed[n // 100 + 1] = time.monotonic()
                    time.sleep(0.15)  # noqa: ASYNC251 - CPU-bound work: no await
                n += 1

    with server.in_thread():
        asyncio.run(consume())
    arrivals = {int(r.query["page"]): r.at for r in server.log if r.path == "/v1/calls/list"}
    assert arrivals[2] < handed[1] + 0.1, (arrivals, handed)
    assert arrivals[3] < handed[2] + 0.1, (arrivals, handed)


@pytest.mark.parametrize("prefetch", [4, "auto"])
async def test_error_on_page_three_after_pages_one_and_two(
    server: FakeVocodeServer, client: AsyncVocode, prefetch: Any
) -> None:
    server.faults.add(path="/v1/calls/list", query={"page": "3"}, status=500, times=None)
    got: list[str] = []
    with pytest.raises(InternalServerError) as info:
        async for call in client.calls.list(size=100, prefetch=prefetch):
            got.append(call.id)
    assert got == expected_ids(server)[:200]
    assert info.value.status == 500
    assert acquired(client) == 0


@pytest.mark.parametrize("prefetch", [1, "auto"])
async def test_resume_page_after_failure(
    server: FakeVocodeServer, client: AsyncVocode, prefetch: Any
) -> None:
    server.faults.add(path="/v1/calls/list", query={"page": "3"}, status=500, times=3)
    pager = client.calls.list(size=100, prefetch=prefetch)
    got = []
    with pytest.raises(InternalServerError):
        async for call in pager:
            got.append(call.id)
    assert pager.resume_page == 3
    async for call in client.calls.list(size=100, start_page=pager.resume_page, prefetch=prefetch):
        got.append(call.id)
    assert got == expected_ids(server)


@pytest.mark.parametrize("prefetch", [4, "auto"])
async def test_break_leaves_nothing_behind(
    server: FakeVocodeServer, client: AsyncVocode, prefetch: Any
) -> None:
    server.latency = 0.05
    async for call in client.calls.list(size=10, prefetch=prefetch):
        assert call.id
        break
    await asyncio.sleep(0.01)
    assert acquired(client) == 0


@pytest.mark.parametrize("prefetch", [4, "auto"])
async def test_aclose_cancels_prefetch(
    server: FakeVocodeServer, client: AsyncVocode, prefetch: Any
) -> None:
    server.latency = 0.2
    async with client.calls.list(size=10, prefetch=prefetch) as pager:
        await pager.__anext__()
    assert acquired(client) == 0
    await asyncio.sleep(0.05)  # bytes already on the wire may still arrive
    before = len(server.log)
    assert before <= 1 + deepest(prefetch, pager)
    await asyncio.sleep(0.3)
    assert len(server.log) == before  # nothing new was requested after aclose


@pytest.mark.parametrize("prefetch", [2, "auto"])
async def test_cancelling_the_consumer(
    server: FakeVocodeServer, client: AsyncVocode, prefetch: Any
) -> None:
    server.latency = 0.2
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in client.calls.list(size=10, prefetch=prefetch):
            started.set()

    task = asyncio.create_task(consume())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert acquired(client) == 0


@pytest.mark.parametrize("prefetch", [2, "auto"])
async def test_closing_the_client_mid_listing(server: FakeVocodeServer, prefetch: Any) -> None:
    server.latency = 0.2
    client = server.client()
    pager = client.calls.list(size=10, prefetch=prefetch)
    first = await pager.__anext__()
    assert first.id
    for _ in range(9):
        await pager.__anext__()
    consumer = asyncio.create_task(pager.__anext__())
    await asyncio.sleep(0.05)
    await client.close()
    with pytest.raises(ClientClosedError):
        await consumer
    with pytest.raises(ClientClosedError):
        await client.calls.get("x")


async def test_drift_insert_is_deduplicated(server: FakeVocodeServer, client: AsyncVocode) -> None:
    before = expected_ids(server)
    # A call is created just before page 2 is served: every later item shifts by one.
    server.faults.add(path="/v1/calls/list", query={"page": "2"}, kind=FaultKind.DRIFT_INSERT)
    pager = client.calls.list(size=100, prefetch=0)
    ids = [call.id async for call in pager]
    assert len(ids) == len(set(ids))
    assert set(before) <= set(ids)  # nothing that existed throughout was lost
    assert pager.stats.dropped == 1


@pytest.mark.parametrize("prefetch", [1, "auto"])
async def test_empty_page_with_has_more_stops(
    server: FakeVocodeServer, client: AsyncVocode, prefetch: Any
) -> None:
    server.faults.add(
        path="/v1/calls/list", query={"page": "2"}, kind=FaultKind.EMPTY_PAGE, times=None
    )
    got = []
    pager = client.calls.list(size=100, prefetch=prefetch)
    with pytest.raises(PaginationError) as info:
        async for call in pager:
            got.append(call)
    assert info.value.page == 2
    assert len(got) == 100
    assert sum(1 for r in server.log if r.path == "/v1/calls/list") <= 2 + deepest(prefetch, pager)


async def test_repeated_page_stops(server: FakeVocodeServer, client: AsyncVocode) -> None:
    """A server that ignores `page` returns page 1 forever: stop, do not loop."""
    page_one = await client.calls.list(size=50)
    server.faults.add(
        path="/v1/calls/list",
        query={"page": "2"},
        kind=FaultKind.STATUS,
        status=200,
        body=_page_body(server, 1, 50),
    )
    with pytest.raises(PaginationError):
        async for _ in client.calls.list(size=50, prefetch=0):
            pass
    assert len(page_one.items) == 50


def _page_body(server: FakeVocodeServer, page: int, size: int) -> bytes:
    import orjson

    calls = server.store.sorted_calls(None, False)[(page - 1) * size : page * size]
    return orjson.dumps(
        {
            "items": [server.store.normalized(c) for c in calls],
            "page": page,
            "size": size,
            "has_more": True,
            "total": 2500,
            "total_is_estimated": False,
        }
    )


async def test_await_gives_first_page_and_pages_iterates(
    server: FakeVocodeServer, client: AsyncVocode
) -> None:
    first = await client.calls.list(size=30)
    assert (first.page, len(first.items), first.total, first.has_more) == (1, 30, 2500, True)
    sizes = [len(page.items) async for page in client.calls.list(size=1000).pages()]
    assert sizes == [1000, 1000, 500]


async def test_bad_arguments_are_named(client: AsyncVocode) -> None:
    with pytest.raises(ValueError, match="size"):
        client.calls.list(size=0)
    with pytest.raises(ValueError, match="prefetch"):
        client.calls.list(prefetch=-1)

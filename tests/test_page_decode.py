"""Decoding a page shares the event loop, and keeps no parsed JSON once it is done."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import vocode_async as va
from vocode_async.testing import FakeVocodeServer
from vocode_async.testing._data import Store

from .conftest import API_KEY, FAST, running


class Ticker:
    """Another task of the loop: counts its turns, and the turn at the body's last byte."""

    def __init__(self) -> None:
        self.turns = 0
        self.at_body = -1
        self.trace = aiohttp.TraceConfig()
        self.trace.on_response_chunk_received.append(self._chunk)

    async def _chunk(self, *_: Any) -> None:
        self.at_body = self.turns  # aiohttp reports the body once it has read it all

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.turns += 1
            await asyncio.sleep(0)


async def _turns_while_decoding(server: FakeVocodeServer, *, size: int, first: bool) -> int:
    """The ticker's turns from the page's last byte to the page in the caller's hands."""
    ticker, stop = Ticker(), asyncio.Event()
    async with server.client(retry_policy=FAST, trace_configs=[ticker.trace]) as client:
        task = asyncio.create_task(ticker.run(stop))
        try:
            pager = client.calls.list(size=size, prefetch=0)
            if first:
                page = await pager
            else:
                async with pager:
                    page = await anext(aiter(pager.pages()))
            turns = ticker.turns - ticker.at_body
        finally:
            stop.set()
            await task
    assert len(page.items) == size
    assert [c.id for c in page.items] == [c["id"] for c in server.store.sorted_calls(None, False)][
        :size
    ]
    assert ticker.at_body >= 0
    return turns


@pytest.mark.parametrize("first", [True, False], ids=["await-pager", "iterate"])
async def test_a_large_page_is_decoded_while_other_tasks_run(
    server: FakeVocodeServer, first: bool
) -> None:
    # 1,000 items decode in slices of 0.15 ms (3-5 ms in all): the other task runs between.
    assert await _turns_while_decoding(server, size=1000, first=first) >= 8


async def test_a_small_page_is_decoded_in_one_go(server: FakeVocodeServer) -> None:
    assert await _turns_while_decoding(server, size=50, first=False) <= 3


async def test_a_bad_item_deep_in_a_large_page_is_named() -> None:
    items = Store(calls=1000, seed=3).calls

    async def listing(request: web.Request) -> web.Response:
        page = [Store.normalized(c) for c in items]
        page[537] = {**page[537], "to_number": 5}
        body = {"items": page, "page": 1, "size": 1000, "has_more": False, "total": 1000}
        return web.json_response({**body, "total_is_estimated": False})

    app = web.Application()
    app.router.add_get("/v1/calls/list", listing)
    async with running(app) as url:
        client = va.AsyncVocode(
            api_key=API_KEY, base_url=url, allow_insecure_http=True, retry_policy=FAST
        )
        async with client:
            with pytest.raises(va.ResponseDecodeError) as info:
                async for _ in client.calls.list(size=1000):
                    pass
    assert info.value.field_path == "items[537].to_number"
    assert info.value.page == 1


def _parsed_pages(server: FakeVocodeServer) -> list[dict[str, Any]]:
    """Parsed page bodies of ``server``'s calls still alive (the JSON a page was decoded
    from). Other tests' objects may still be alive in this process: only this server's
    calls count."""
    found = (o for o in gc.get_objects() if type(o) is dict and "has_more" in o)
    pages = (o for o in found if type(o.get("items")) is list and o["items"])
    ours = server.store.by_id
    return [o for o in pages if type(o["items"][0]) is dict and o["items"][0].get("id") in ours]


@pytest.mark.parametrize("size", [50, 500])
async def test_no_parsed_page_is_kept_once_decoded(server: FakeVocodeServer, size: int) -> None:
    gc.collect()
    seen = 0
    async with (
        server.client(retry_policy=FAST) as client,
        client.calls.list(size=size, prefetch=0) as pager,
    ):
        async for _ in pager:
            seen += 1
            if seen in (1, size + 1):  # on the first and the second page
                assert _parsed_pages(server) == []
    assert seen == 2500


async def test_a_large_page_drops_its_json_item_by_item_while_decoding(
    server: FakeVocodeServer,
) -> None:
    """The parsed JSON of the items decoded so far is dropped during the decode, not with
    the page: the collector is not left counting the whole page's JSON beside its models."""
    lengths: list[int] = []
    ticker, stop = Ticker(), asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            if ticker.at_body >= 0:  # the body is in: look at the page being decoded
                lengths.extend(len(page["items"]) for page in _parsed_pages(server))
            await asyncio.sleep(0)

    async with server.client(retry_policy=FAST, trace_configs=[ticker.trace]) as client:
        tasks = [asyncio.create_task(ticker.run(stop)), asyncio.create_task(watch())]
        try:
            async with client.calls.list(size=1000, prefetch=0) as pager:
                page = await anext(aiter(pager.pages()))
        finally:
            stop.set()
            await asyncio.gather(*tasks)
    assert len(page.items) == 1000
    assert lengths, "the decode never let the watcher look"
    assert min(lengths) < 1000, lengths

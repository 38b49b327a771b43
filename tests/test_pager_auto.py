"""Issue 20: ``prefetch="auto"`` over loopback HTTP, counted at the server.

No timing assertions: the server counts the requests it holds at once and the ones it
refuses; the pager's stats say how deep it went and how often it changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import attrs
import pytest
from aiohttp import web

from vocode_async import AsyncVocode, RetryPolicy
from vocode_async.testing._data import Store

from .conftest import running
from .pageserver import page_body

KEY = "sk-auto-depth-test"
CAP = 4
ITEMS = [Store.normalized(c) for c in Store(calls=2000, seed=20).sorted_calls(None, False)]


@attrs.define
class Counting:
    """``/v1/calls/list`` over ITEMS[:calls], ``delay`` s a page; above ``cap`` requests held
    at once it answers 429 (with ``retry_after`` if set), or 503 for the pages in ``fail``."""

    calls: int = 2000
    delay: float = 0.02
    cap: int | None = None
    retry_after: str | None = None
    estimated: bool = False
    fail: set[int] = attrs.Factory(set)
    held: int = 0
    peak: int = 0  # requests arrived at once (refused ones included)
    peak_served: int = 0  # requests served at once
    refused: int = 0
    pages: list[int] = attrs.Factory(list)

    async def handle(self, request: web.Request) -> web.Response:
        page, size = int(request.query["page"]), int(request.query["size"])
        self.held += 1
        self.peak = max(self.peak, self.held)
        try:
            if self.cap is not None and self.held > self.cap:
                self.refused += 1
                headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
                return web.json_response({"detail": "slow down"}, status=429, headers=headers)
            if page in self.fail:
                self.fail.discard(page)
                return web.json_response({"detail": "busy"}, status=503)
            self.pages.append(page)
            self.peak_served = max(self.peak_served, self.held)
            await asyncio.sleep(self.delay)
            window = ITEMS[(page - 1) * size : min(page * size, self.calls)]
            more = page * size < self.calls
            body = page_body(
                window, page, size, has_more=more, total=self.calls, estimated=self.estimated
            )
            return web.json_response(body)
        finally:
            self.held -= 1

    @asynccontextmanager
    async def client(self, initial_wait: float = 0.0) -> AsyncIterator[AsyncVocode]:
        app = web.Application()
        app.router.add_get("/v1/calls/list", self.handle)
        policy = RetryPolicy(max_retries=6, initial_wait=initial_wait)
        async with (
            running(app) as url,
            AsyncVocode(api_key=KEY, base_url=url, retry_policy=policy) as client,
        ):
            yield client


def expected(calls: int) -> list[str]:
    return [item["id"] for item in ITEMS[:calls]]


@pytest.mark.parametrize("estimated", [False, True], ids=["exact", "estimated"])
async def test_the_default_goes_deeper_against_slow_pages(estimated: bool) -> None:
    """20 ms a page, a consumer that does nothing: it waits for every page, so the default
    listing grows past 1, never above max_prefetch, and the server sees no more at once."""
    server = Counting(delay=0.02, estimated=estimated)
    async with server.client() as client:
        pager = client.calls.list(size=25, max_prefetch=12)
        ids = [call.id async for call in pager]
    stats = pager.stats
    print(f"\n{stats}; at once at the server: {server.peak}")
    assert ids == expected(2000)
    assert sorted(server.pages) == list(range(1, 81))  # every page once, none past the end
    assert 8 <= stats.depth_max <= 12 and stats.depth_changes >= 1
    assert server.peak <= stats.depth_max


async def test_a_slow_consumer_never_has_more_than_two_requests_in_flight() -> None:
    """2 ms an item against a fast server: pages are ready before they are asked for."""
    server = Counting(calls=300, delay=0.001)
    async with server.client() as client:
        pager = client.calls.list(size=10)
        async for _ in pager:
            await asyncio.sleep(0.002)
    print(f"\n{pager.stats}; at once at the server: {server.peak}")
    assert pager.stats.items == 300
    assert server.peak <= 2 and pager.stats.depth_max <= 2


@pytest.mark.parametrize("retry_after", [None, "0.05"], ids=["backoff", "retry-after"])
async def test_a_server_capped_at_four_requests_sees_few_refusals(retry_after: str | None) -> None:
    """429 above 4 requests held at once: the depth halves on a refusal and tries the refused
    depth again only rarely; every call comes once."""
    server = Counting(calls=2000, delay=0.02, cap=CAP, retry_after=retry_after)
    async with server.client(initial_wait=0.05) as client:  # a retry at once is refused too
        pager = client.calls.list(size=20)
        ids = [call.id async for call in pager]
    stats = pager.stats
    print(f"\n{stats}; refused {server.refused}, at once {server.peak}/{server.peak_served}")
    assert ids == expected(2000)
    assert 1 <= server.refused <= 10  # 100 pages
    assert server.peak <= CAP + 2  # the cap, and the try past it
    assert stats.depth <= CAP + 1 and stats.depth < stats.depth_max  # down, and near the cap


async def test_changes_are_logged_with_their_reason(caplog: pytest.LogCaptureFixture) -> None:
    """Debug lines for each change: the waits that grew it, the 503 that halved it."""
    server = Counting(calls=1000, delay=0.02, fail={12})
    caplog.set_level(logging.DEBUG, logger="vocode_async")
    async with server.client() as client:
        pager = client.calls.list(size=20)
        ids = [call.id async for call in pager]
    assert ids == expected(1000)
    lines = [r.getMessage() for r in caplog.records if "listing depth" in r.getMessage()]
    assert len(lines) == pager.stats.depth_changes
    assert any("depth 1 -> " in line and " not answered after " in line for line in lines), lines
    halved = [line for line in lines if "503 on page 12: halved" in line]
    assert len(halved) == 1, lines
    old, new = (int(n) for n in halved[0].split(":")[0].split()[-3::2])
    assert new == max(1, old // 2)


async def test_stats_show_a_fixed_depth() -> None:
    server = Counting(calls=100, delay=0.0)
    async with server.client() as client:
        pager = client.calls.list(size=10, prefetch=3)
        assert len([call async for call in pager]) == 100
    stats = pager.stats
    assert (stats.depth, stats.depth_max, stats.depth_changes) == (3, 3, 0)

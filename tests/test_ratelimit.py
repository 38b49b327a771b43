"""Many tasks on one client under a server's rate limit, and listings sharing the pool.

Every server here is a real one on 127.0.0.1 that records when each request arrived, so the
assertions are counts at the server: how many requests a window saw, whose, and when
compared with the window the server itself announced; no timing thresholds on the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import orjson
import pytest
from aiohttp import web

import vocode_async as va
from tests.conftest import API_KEY, acquired, running
from vocode_async.testing import Store

STORE = Store(calls=3, seed=1)
FULL_CALL = orjson.dumps(STORE.full(STORE.calls[0]))


@attrs.define
class Hit:
    """One request as the server saw it."""

    at: float
    caller: str
    in_window: bool


@attrs.define
class WindowServer:
    """Answers 429 to everyone for ``window`` seconds from the first request, 200 after.

    ``retry_after``: the Retry-After header sent with each 429 (None: no header, a
    storm the server does not explain).
    """

    window: float = 1.0
    retry_after: str | None = "1"
    forever: bool = False  # never leave the window
    start: float | None = None
    hits: list[Hit] = attrs.field(factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        if self.start is None:
            self.start = now
        in_window = self.forever or now < self.start + self.window
        self.hits.append(Hit(now, request.query.get("id", ""), in_window))
        if in_window:
            headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
            return web.json_response({"detail": "slow down"}, status=429, headers=headers)
        return web.Response(body=FULL_CALL, content_type="application/json")

    def in_window(self) -> list[Hit]:
        return [hit for hit in self.hits if hit.in_window]


@asynccontextmanager
async def serving(server: WindowServer) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/v1/calls", server.handle)
    async with running(app) as url:
        yield url


async def gets(client: va.AsyncVocode, callers: int) -> list[Any]:
    return await asyncio.gather(
        *(client.calls.get(f"call-{i}") for i in range(callers)), return_exceptions=True
    )


@pytest.mark.parametrize(("callers", "pool"), [(200, 100), (60, 5)])
async def test_an_announced_window_is_waited_out_by_every_caller(
    callers: int, pool: int, caplog: pytest.LogCaptureFixture
) -> None:
    """429 + Retry-After for a 1 s window, then 200: every caller succeeds, none spends
    the retry budget, and no request goes out into the window once the client heard of it
    (not even one that was queued for a connection while it was announced)."""
    caplog.set_level(logging.INFO, logger="vocode_async")
    server = WindowServer()
    async with (
        serving(server) as url,
        va.AsyncVocode(api_key=API_KEY, base_url=url, timeout=10, max_connections=pool) as client,
    ):
        results = await gets(client, callers)
        assert acquired(client) == 0
    failed = [r for r in results if isinstance(r, BaseException)]
    assert not failed, f"{len(failed)} callers failed, the first: {failed[0]!r}"
    window = server.in_window()
    print(f"\n{callers} callers, pool {pool}: {len(server.hits)} requests, {len(window)} in window")
    # The first wave: at most one request per connection went out before the first 429
    # came back; after it, nothing until the window had passed.
    assert len(window) <= pool
    assert len({hit.caller for hit in window}) == len(window)  # no caller retried into it
    assert len(server.hits) <= 2 * callers
    holding = [r for r in caplog.records if "holding" in r.getMessage()]
    over = [r for r in caplog.records if "cooldown over" in r.getMessage()]
    assert len(holding) == 1 and len(over) == 1, [r.getMessage() for r in holding]


async def test_a_window_longer_than_a_callers_timeout_fails_that_caller_at_once() -> None:
    server = WindowServer(window=3.0, retry_after="3")
    async with (
        serving(server) as url,
        va.AsyncVocode(api_key=API_KEY, base_url=url, timeout=1) as client,
    ):
        results = await gets(client, 20)
    assert all(isinstance(r, va.RateLimitError) for r in results)
    assert len(server.hits) == 20  # the first wave only: no retry into a window it outlasts


async def test_an_unannounced_storm_is_bounded_and_the_error_says_the_budget_stopped_it() -> None:
    server = WindowServer(retry_after=None, forever=True)
    policy = va.RetryPolicy(max_retries=3, initial_wait=0)
    async with (
        serving(server) as url,
        va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=policy) as client,
    ):
        results = await gets(client, 300)
    assert all(isinstance(r, va.RateLimitError) for r in results)
    assert len(server.hits) <= 300 + 500 // 5  # the budget: 100 retries, not 900
    stopped = [r for r in results if r.give_up_reason == "retry budget exhausted"]
    assert stopped, {r.give_up_reason for r in results}
    assert "retry budget" in str(stopped[0])
    exhausted = [r for r in results if r.give_up_reason == "retries exhausted"]
    assert len(stopped) + len(exhausted) == 300


async def test_an_announced_storm_that_never_ends_is_bounded_by_max_retries() -> None:
    server = WindowServer(retry_after="0.05", forever=True)
    async with (
        serving(server) as url,
        va.AsyncVocode(api_key=API_KEY, base_url=url, max_retries=2) as client,
    ):
        results = await gets(client, 200)
    assert all(isinstance(r, va.RateLimitError) for r in results)
    assert all(r.give_up_reason == "retries exhausted" for r in results)
    assert len(server.hits) <= 3 * 200


async def test_a_caller_queued_for_a_connection_ends_at_its_deadline_and_frees_nothing() -> None:
    """A pool of one held by a slow request: a caller waiting for it ends at its deadline
    without sending, a cancelled one leaves no slot behind, and the pool works after."""
    release, first = asyncio.Event(), asyncio.Event()
    arrived: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        arrived.append(request.query["id"])
        first.set()
        if request.query["id"] == "slow":
            await release.wait()
        return web.Response(body=FULL_CALL, content_type="application/json")

    app = web.Application()
    app.router.add_get("/v1/calls", handle)
    async with (
        running(app) as url,
        va.AsyncVocode(api_key=API_KEY, base_url=url, max_connections=1, max_retries=0) as client,
    ):
        slow = asyncio.create_task(client.calls.get("slow"))
        await first.wait()
        error = await _raises(client.with_options(timeout=0.2).calls.get("late"))
        assert isinstance(error, va.APITimeoutError) and not error.request_sent
        assert "waiting for a connection" in str(error)
        cancelled = asyncio.create_task(client.calls.get("cancelled"))
        await asyncio.sleep(0.05)
        cancelled.cancel()
        release.set()
        await slow
        await client.calls.get("after")
        assert acquired(client) == 0
    assert arrived == ["slow", "after"]
    assert cancelled.cancelled()


async def _raises(aw: Any) -> BaseException:
    try:
        await aw
    except va.VocodeError as error:
        return error
    raise AssertionError("no error")


# -- listings and gets on one pool ------------------------------------------------------------


@attrs.define
class ListServer:
    """Page 1 of ``/v1/calls/list`` at once, later pages held until ``release``; gets at
    once. Records how many list pages were held open when each get arrived."""

    pages: int = 30
    share: int = 6  # the listings' share of the test's 8 connections
    full: asyncio.Event = attrs.field(factory=asyncio.Event)  # that many held
    release: asyncio.Event = attrs.field(factory=asyncio.Event)
    held: int = 0
    most_held: int = 0
    gets_arrived: list[int] = attrs.field(factory=list)  # list pages held at each get
    got: asyncio.Event = attrs.field(factory=asyncio.Event)

    async def listing(self, request: web.Request) -> web.Response:
        page, size = int(request.query["page"]), int(request.query["size"])
        if page > 1:
            self.held += 1
            self.most_held = max(self.most_held, self.held)
            if self.held >= self.share:
                self.full.set()
            try:
                await self.release.wait()
            finally:
                self.held -= 1
        item = {**Store.normalized(STORE.calls[0]), "id": f"call-{page}"}
        body = {
            "items": [item],
            "page": page,
            "size": size,
            "has_more": page < self.pages,
            "total": self.pages,
            "total_is_estimated": False,
        }
        return web.json_response(body)

    async def get(self, _: web.Request) -> web.Response:
        self.gets_arrived.append(self.held)
        self.got.set()
        return web.Response(body=FULL_CALL, content_type="application/json")


async def test_listings_leave_room_in_the_pool_for_other_requests() -> None:
    server = ListServer()
    app = web.Application()
    app.router.add_get("/v1/calls/list", server.listing)
    app.router.add_get("/v1/calls", server.get)

    async def listing(client: va.AsyncVocode) -> int:
        return len([call async for call in client.calls.list(size=1, prefetch=8)])

    async with (
        running(app) as url,
        va.AsyncVocode(api_key=API_KEY, base_url=url, max_connections=8) as client,
    ):
        listings = [asyncio.create_task(listing(client)) for _ in range(4)]
        await server.full.wait()
        await asyncio.sleep(0.2)  # room for more (there is none: the share is full)
        get = asyncio.create_task(client.calls.get("x"))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.got.wait(), 5)
        server.release.set()
        await get
        assert await asyncio.gather(*listings) == [30] * 4
    print(
        f"\nlist pages held at most {server.most_held}; when the get arrived: {server.gets_arrived}"
    )
    assert server.most_held <= 6  # 75 % of the pool
    assert server.gets_arrived and server.gets_arrived[0] >= 6  # listings were still held

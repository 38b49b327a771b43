"""Purpose-built listing servers for the pager's tests (aiohttp.web on 127.0.0.1).

Items are real call shapes (from the fake's :class:`Store`, so they decode), but every
answer is written here: a test says exactly what page ``n`` holds. :class:`DriftServer`
is the drift scenario of issue 15: every request inserts calls at the head, answers come
back out of order (random latency before the snapshot) and every 7th request fails once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from vocode_async import AsyncVocode, RetryPolicy
from vocode_async.testing._data import Store

__all__ = ["DriftServer", "PageServer", "page_body"]

KEY = "sk-pager-test"
Answer = Callable[[int, int], Awaitable[dict[str, Any] | web.StreamResponse]]


def page_body(
    items: list[dict[str, Any]],
    page: int,
    size: int,
    *,
    has_more: bool,
    total: int,
    estimated: bool = False,
) -> dict[str, Any]:
    return {
        "items": items,
        "page": page,
        "size": size,
        "has_more": has_more,
        "total": total,
        "total_is_estimated": estimated,
    }


class PageServer:
    """``/v1/calls/list`` answered by ``answer(page, size)``; ``pages`` logs what was asked.

    ``release`` ends every answer still waiting (set at exit, so a hanging page never
    holds the test up).
    """

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.pages: list[int] = []
        self.release = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        page, size = int(request.query["page"]), int(request.query["size"])
        self.pages.append(page)
        answer = await self.answer(page, size)
        return answer if isinstance(answer, web.StreamResponse) else web.json_response(answer)

    async def __aenter__(self) -> PageServer:
        app = web.Application()
        app.router.add_get("/v1/calls/list", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.release.set()
        assert self._runner is not None
        await self._runner.cleanup()

    async def hang(self, seconds: float = 5.0) -> None:
        """Wait until released (or ``seconds``)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.release.wait(), seconds)

    def client(self, **kwargs: Any) -> AsyncVocode:
        kwargs.setdefault("retry_policy", RetryPolicy(max_retries=3, initial_wait=0.0))
        return AsyncVocode(api_key=KEY, base_url=self.url, **kwargs)


class DriftServer(PageServer):
    """Newest first; each request inserts ``inserts`` calls at the head as it arrives,
    waits 0-``jitter`` s, then answers from the list as it is then; every ``fail_every``-th
    request answers 503 (its retry is a later request, so it is answered later still)."""

    def __init__(
        self,
        calls: int,
        *,
        inserts: int = 3,
        jitter: float = 0.03,
        fail_every: int = 7,
        estimated: bool = False,
        seed: int = 0,
    ) -> None:
        super().__init__(self._answer)
        self.store = Store(calls=calls, seed=seed)
        self.before = [c["id"] for c in self.store.sorted_calls(None, False)]
        self.inserts, self.jitter, self.fail_every = inserts, jitter, fail_every
        self.estimated = estimated
        self.rng = random.Random(seed)
        self.requests = 0

    async def _answer(self, page: int, size: int) -> dict[str, Any] | web.StreamResponse:
        self.requests += 1
        if self.fail_every and self.requests % self.fail_every == 0:
            return web.json_response({"detail": "busy"}, status=503)
        for _ in range(self.inserts):
            self.store.add_call()
        await asyncio.sleep(self.jitter * self.rng.random())
        total = len(self.store.calls)
        window = self.store.call_window(None, False, (page - 1) * size, page * size)
        shown = -(-total // 1000) * 1000 if self.estimated else total
        return page_body(
            [Store.normalized(c) for c in window],
            page,
            size,
            has_more=page * size < total,
            total=shown,
            estimated=self.estimated,
        )

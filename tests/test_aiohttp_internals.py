"""The private names of other packages that the SDK (or its tests) relies on, checked by name.

aiohttp has no public way to read a session's own middlewares, and the tests count a pool's
handed-out connections through its connector. A release that renames either must fail here,
with a message that says what to change, not as a puzzling failure somewhere else.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from vocode_async import AsyncVocode
from vocode_async._transport import SESSION_MIDDLEWARES

from .conftest import API_KEY, FAST, running


async def _tag(req: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> Any:
    req.headers["X-Borrowed-Middleware"] = "ran"
    return await handler(req)


async def test_a_session_still_keeps_its_middlewares_under_the_private_name() -> None:
    async with aiohttp.ClientSession(middlewares=(_tag,)) as session:
        found = getattr(session, SESSION_MIDDLEWARES, None)
    assert found is not None and tuple(found) == (_tag,), (
        f"aiohttp {aiohttp.__version__} no longer keeps a ClientSession's middlewares in "
        f"`{SESSION_MIDDLEWARES}`: a borrowed session's own middlewares would run unguarded "
        "(aiohttp could re-send a request once on its own). Update SESSION_MIDDLEWARES in "
        "vocode_async/_transport.py, or use a public accessor if aiohttp now has one."
    )


async def test_a_pool_still_lists_its_acquired_connections_under_the_private_name() -> None:
    async with aiohttp.ClientSession() as session:
        acquired = getattr(session.connector, "_acquired", None)
    assert isinstance(acquired, set), (
        f"aiohttp {aiohttp.__version__} renamed BaseConnector._acquired: update "
        "tests/conftest.py acquired(), which the leak tests use to count pooled connections"
    )


async def test_a_borrowed_sessions_own_middlewares_still_run() -> None:
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("X-Borrowed-Middleware"))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/v1/ping", handler)
    async with (
        running(app) as url,
        aiohttp.ClientSession(middlewares=(_tag,)) as session,
        AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST, session=session) as client,
    ):
        assert await client.request("GET", "/v1/ping") == {"ok": True}
    assert seen == ["ran"]

"""FakeVocodeServer: the Vocode API on loopback, over real HTTP, from a plain-JSON store."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import orjson
from aiohttp import web

from ._data import Store
from ._faults import Fault, FaultKind, Faults

__all__ = ["FakeVocodeServer", "RequestRecord"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_MAX_SIZE = 1000


@attrs.frozen
class RequestRecord:
    """One request the server saw."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    at: float


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _detail(status: int, msg: str) -> web.Response:
    return _json({"detail": msg}, status)


def _invalid(loc: list[str | int], msg: str, kind: str) -> web.Response:
    return _json({"detail": [{"loc": loc, "msg": msg, "type": kind}]}, 422)


class FakeVocodeServer:
    """A faithful fake of the Vocode API on 127.0.0.1.

    ``async with FakeVocodeServer(api_key="k", calls=1000, seed=1) as server:`` then
    ``server.client()`` is an :class:`~vocode_async.AsyncVocode` pointed at it;
    ``server.faults`` injects faults, ``server.log`` and ``server.counters`` record traffic.
    """

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        calls: int = 100,
        seed: int = 0,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.store = Store(calls=calls, seed=seed)
        self.latency = latency
        self.faults = Faults()
        self.log: list[RequestRecord] = []
        self.counters: Counter[str] = Counter()
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self._page_cache: dict[tuple[Any, ...], bytes] = {}
        self.url = ""

    # -- lifecycle ----------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application (for embedding in another server or test client)."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/v1/calls/list", self._list_calls)
        app.router.add_get("/v1/calls", self._get_call)
        app.router.add_post("/v1/calls/create", self._create_call)
        app.router.add_post("/v1/calls/end", self._end_call)
        app.router.add_get("/v1/calls/recording", self._recording)
        return app

    async def start(self) -> str:
        """Start listening; return the base URL."""
        self._runner = web.AppRunner(
            self.app(), access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://{self._host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop listening and drop open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeVocodeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def client(self, **kwargs: Any) -> Any:
        """An AsyncVocode pointed at this server (imported late: the fake stands alone)."""
        from .. import AsyncVocode

        kwargs.setdefault("api_key", self.api_key)
        return AsyncVocode(base_url=self.url, **kwargs)

    @contextmanager
    def in_thread(self) -> Iterator[FakeVocodeServer]:
        """Run the server on its own event loop in a thread (for blocking consumers)."""
        loop = asyncio.new_event_loop()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        thread = threading.Thread(target=run, name="fake-vocode", daemon=True)
        thread.start()
        started.wait(10)
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

    # -- middleware: log, auth, latency, faults ------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        query = dict(request.query)
        self.log.append(RequestRecord(request.method, request.path, query, body, time.monotonic()))
        self.counters[f"{request.method} {request.path}"] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        for fault in self.faults.match(request.method, request.path, query):
            answer = await self._apply(fault, request)
            if answer is not None:
                return answer
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return _detail(403, "Not authenticated")
        if auth[len("Bearer ") :] != self.api_key:
            return _detail(401, "Invalid API key")
        return await handler(request)

    async def _apply(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        kind = fault.kind
        if kind is FaultKind.LATENCY:
            await asyncio.sleep(fault.delay)
        elif kind is FaultKind.STATUS:
            return web.Response(
                body=fault.body,
                status=fault.status,
                headers=dict(fault.headers),
                content_type=fault.content_type,
            )
        elif kind is FaultKind.HANG:
            await asyncio.sleep(3600)
        elif kind is FaultKind.EMPTY_PAGE:
            return _json(
                {
                    "items": [],
                    "page": int(request.query.get("page", 1)),
                    "size": int(request.query.get("size", 10)),
                    "has_more": True,
                    "total": len(self.store.calls),
                    "total_is_estimated": False,
                }
            )
        elif kind is FaultKind.DRIFT_INSERT:
            self.store.add_call()
        elif kind is FaultKind.DRIFT_DELETE:
            self.store.delete_call(self.store.calls[-1]["id"])
        elif kind in (FaultKind.RESET, FaultKind.TRUNCATE):
            return await self._broken_body(request, reset=kind is FaultKind.RESET)
        return None

    async def _broken_body(self, request: web.Request, *, reset: bool) -> web.StreamResponse:
        payload = b'{"items": [{"id": "cut-short", "user_id": '
        response = web.StreamResponse(status=200)
        response.content_type = "application/json"
        response.content_length = len(payload) * (4 if reset else 1)
        await response.prepare(request)
        await response.write(payload)
        if reset and request.transport is not None:
            request.transport.abort()
        elif not reset:
            await response.write_eof()
        return response

    # -- calls ---------------------------------------------------------------------------

    async def _list_calls(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        try:
            page = int(query.get("page", "1"))
            size = int(query.get("size", "10"))
        except ValueError:
            return _invalid(["query", "page"], "value is not a valid integer", "type_error.integer")
        if page < 1:
            return _invalid(["query", "page"], "ensure this value is >= 1", "value_error")
        if not 1 <= size <= _MAX_SIZE:
            return _invalid(["query", "size"], f"ensure 1 <= size <= {_MAX_SIZE}", "value_error")
        column = query.get("sort_column")
        desc = query.get("sort_desc", "false").lower() == "true"
        key = (self.store.version, column, desc, page, size)
        body = self._page_cache.get(key)
        if body is None:
            total = len(self.store.calls)
            window = self.store.call_window(column, desc, (page - 1) * size, page * size)
            body = orjson.dumps(
                {
                    "items": [self.store.normalized(call) for call in window],
                    "page": page,
                    "size": size,
                    "has_more": page * size < total,
                    "total": total,
                    "total_is_estimated": False,
                }
            )
            if len(self._page_cache) > 4096:
                self._page_cache.clear()
            self._page_cache[key] = body
        return web.Response(body=body, content_type="application/json")

    def _find_call(self, request: web.Request) -> dict[str, Any] | web.Response:
        call_id = request.query.get("id")
        if call_id is None:
            return _invalid(["query", "id"], "field required", "value_error.missing")
        call = self.store.by_id.get(call_id)
        return call if call is not None else _detail(404, "Call not found")

    async def _get_call(self, request: web.Request) -> web.StreamResponse:
        found = self._find_call(request)
        return found if isinstance(found, web.Response) else _json(self.store.full(found))

    async def _end_call(self, request: web.Request) -> web.StreamResponse:
        found = self._find_call(request)
        if isinstance(found, web.Response):
            return found
        return _json(self.store.full(self.store.end_call(found["id"])))

    async def _recording(self, request: web.Request) -> web.StreamResponse:
        found = self._find_call(request)
        if isinstance(found, web.Response):
            return found
        if not found.get("recording_available"):
            return _detail(404, "Recording not available")
        return web.Response(body=self.store.recording(found["id"]), content_type="audio/wav")

    async def _create_call(self, request: web.Request) -> web.StreamResponse:
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return _invalid(["body"], "value is not a valid dict", "type_error.dict")
        if not isinstance(body, dict):
            return _invalid(["body"], "value is not a valid dict", "type_error.dict")
        for field in ("from_number", "to_number", "agent"):
            if not isinstance(body.get(field), str if field != "agent" else (str, dict)):
                return _invalid(["body", field], "field required", "value_error.missing")
        agent = body["agent"]
        if isinstance(agent, str) and agent not in self.store.agents:
            return _detail(400, "Agent not found")
        agent_id = agent if isinstance(agent, str) else next(iter(self.store.agents))
        call = self.store.add_call(
            status="not_started",
            to_number=body["to_number"],
            from_number=body["from_number"],
            agent=agent_id,
            recording_available=False,
            end_time=None,
            context=body.get("context", {}),
            start_time=math.floor(time.time()),
        )
        self.counters["calls_created"] += 1
        return _json(self.store.full(call))

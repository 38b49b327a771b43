"""FakeVocodeServer: the Vocode API on loopback, over real HTTP, from a plain-JSON store."""

from __future__ import annotations

import asyncio
import email.message
import functools
import json
import math
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import attrs
import orjson
from aiohttp import web

from ._data import KINDS, NotFound, Rejected, Store
from ._faults import Fault, FaultKind, Faults
from ._rules import OPERATIONS
from ._validate import Invalid, validate, validate_query

if TYPE_CHECKING:  # for the annotation only: the fake itself never needs the client
    from .._client import AsyncVocode
    from .._sync_client import Vocode

__all__ = ["FakeVocodeServer", "RequestRecord"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_MAX_SIZE = 1000
_INT64 = 2**63
_UNROUTED = "(no route)"  # the counter of every request for a route the API lacks
_REQUEST_IDS = uuid.UUID("6f3d1c0e-7a52-4c1b-9a39-2f0d6f1a8b11")  # namespace of the ids
# where a request keeps its id (a typed key where aiohttp has them, a plain one before)
_ID_KEY: Any = (
    web.RequestKey("vocode_request_id", str) if hasattr(web, "RequestKey") else "vocode_request_id"
)


@attrs.frozen
class RequestRecord:
    """One request the server saw.

    ``seq`` numbers requests from 1 since the server was made, ``request_id`` is the
    ``x-request-id`` it answered with. ``body`` holds at most the server's
    ``log_body_limit`` first bytes; ``size`` is the whole body's length.
    """

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    at: float
    seq: int = 0
    size: int = 0
    request_id: str = ""

    @property
    def truncated(self) -> bool:
        """Whether ``body`` is only the start of what was sent."""
        return self.size > len(self.body)


def _dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:  # an integer beyond 64 bits, which JSON (and the spec) allow
        return json.dumps(data, separators=(",", ":")).encode()


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=_dumps(data), status=status, content_type="application/json")


def _detail(status: int, msg: str) -> web.Response:
    return _json({"detail": msg}, status)


_PAGING = (("page", 1), ("size", 10))


def _query(request: web.Request) -> dict[str, str]:
    """The query as the endpoint reads it: Starlette's ``query_params[name]`` is the LAST
    value of a repeated name (aiohttp's ``query.get`` the first)."""
    return dict(request.query.items())


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI parses a body sent with ``content_type`` as JSON: none at all, or
    ``application/json`` or ``application/*+json`` as ``email.message`` reads the header
    (anything else is handed on as bytes, which no model accepts)."""
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _query_number(request: web.Request, name: str, default: int) -> int:
    """A paging number for a fault's made-up page: whatever the query says, if it is one."""
    text = _query(request).get(name, "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else default


class FakeVocodeServer:
    """A faithful fake of the Vocode API on 127.0.0.1.

    ``async with FakeVocodeServer(api_key="k", calls=1000, seed=1) as server:`` then
    ``server.client()`` is an :class:`~vocode_async.AsyncVocode` pointed at it;
    ``server.faults`` injects faults, ``server.log`` and ``server.counters`` record traffic.
    ``latency`` (+ up to ``jitter``) seconds delay every answer; ``estimated_totals`` makes
    listings report a rounded-up ``total`` with ``total_is_estimated``, as large accounts see.

    Memory stays flat however long it serves: ``log`` keeps the last ``log_limit`` requests
    (each body cut to ``log_body_limit`` bytes), ``counters`` has one key for every route the
    API lacks, and cached list pages are held to :attr:`PAGE_CACHE_BYTES`. Every answer
    carries an ``x-request-id``, the same for the same request number under the same seed.
    """

    LOG_LIMIT = 1000
    """Requests ``log`` keeps by default (the newest)."""
    LOG_BODY_LIMIT = 64 * 1024
    """Bytes of each request body ``log`` keeps by default."""
    PAGE_CACHE_BYTES = 32 * 1024 * 1024
    """Bytes of encoded list pages kept for reuse; past it the cache starts over."""

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        calls: int = 100,
        seed: int = 0,
        latency: float = 0.0,
        jitter: float = 0.0,
        estimated_totals: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        log_limit: int = LOG_LIMIT,
        log_body_limit: int = LOG_BODY_LIMIT,
    ) -> None:
        if log_limit < 0 or log_body_limit < 0:
            raise ValueError("log_limit and log_body_limit must be >= 0")
        self.api_key = api_key
        self.seed = seed
        self.store = Store(calls=calls, seed=seed)
        self.latency, self.jitter = latency, jitter
        self.estimated_totals = estimated_totals
        self.faults = Faults(rng=random.Random(seed))
        self.log: deque[RequestRecord] = deque(maxlen=log_limit)
        self.log_body_limit = log_body_limit
        self.counters: Counter[str] = Counter()
        self._seq = 0
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self._page_cache: dict[tuple[Any, ...], bytes] = {}
        self.page_cache_bytes = 0
        self.url = ""

    # -- lifecycle ----------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application (for embedding in another server or test client)."""
        app = web.Application(middlewares=[self._middleware, self._errors])
        app.on_response_prepare.append(self._stamp)
        add_get, add_post = app.router.add_get, app.router.add_post
        add_get("/v1/calls/list", self._list_calls)
        add_get("/v1/calls", self._get_call)
        add_post("/v1/calls/create", self._create_call)
        add_post("/v1/calls/end", self._end_call)
        add_get("/v1/calls/recording", self._recording)
        for kind in KINDS:
            add_get(f"/v1/{kind}/list", functools.partial(self._list, kind))
            add_get(f"/v1/{kind}", functools.partial(self._get, kind))
            if kind != "numbers":
                add_post(f"/v1/{kind}/create", functools.partial(self._create, kind))
                add_post(f"/v1/{kind}/update", functools.partial(self._update, kind))
        add_post("/v1/numbers/buy", self._buy_number)
        add_post("/v1/numbers/update", self._update_number)
        add_post("/v1/numbers/cancel", self._cancel_number)
        add_post("/v1/numbers/link", self._link_number)
        for verb in ("add_to_steering_pool", "remove_from_steering_pool"):
            add_post(f"/v1/account_connections/{verb}", functools.partial(self._steering, verb))
        add_get("/v1/usage", self._usage)
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

    def client(self, **kwargs: Any) -> AsyncVocode:
        """An AsyncVocode pointed at this server, keywords passed on to it.

        Retries wait nothing unless ``retry_policy`` says otherwise (a Retry-After the
        server sends is still honoured): backoff's random waits would only make a test slow
        and, under a ``timeout``, flaky. Imported late: the fake stands alone.
        """
        from .._client import AsyncVocode
        from .._retry import RetryPolicy

        kwargs.setdefault("api_key", self.api_key)
        kwargs.setdefault("retry_policy", RetryPolicy(initial_wait=0.0))
        return AsyncVocode(base_url=self.url, **kwargs)

    def request_id(self, seq: int) -> str:
        """The ``x-request-id`` of request number ``seq`` (from 1) under this server's seed."""
        return str(uuid.uuid5(_REQUEST_IDS, f"{self.seed}:{seq}"))

    def sync_client(self, **kwargs: Any) -> Vocode:
        """A blocking :class:`~vocode_async.Vocode` pointed at this server (serve it with
        :meth:`in_thread`, or the ``fake_vocode_sync`` fixture, so it answers meanwhile).
        Retries wait nothing, as with :meth:`client`."""
        from .._retry import RetryPolicy
        from .._sync_client import Vocode

        kwargs.setdefault("api_key", self.api_key)
        kwargs.setdefault("retry_policy", RetryPolicy(initial_wait=0.0))
        return Vocode(base_url=self.url, **kwargs)

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
        self._seq += 1
        request[_ID_KEY] = self.request_id(self._seq)
        record = await self._record(request, self._seq)
        if request.match_info.http_exception is not None:
            return await handler(request)  # the router's 404 or 405, before any auth
        query = record.query
        if self.latency or self.jitter:
            await asyncio.sleep(self.latency + self.jitter * self.faults.rng.random())
        for fault in self.faults.match(request.method, request.path, query):
            answer = await self._apply(fault, request)
            if answer is not None:
                return answer
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return _detail(403, "Not authenticated")
        if auth[len("Bearer ") :] != self.api_key:
            return _detail(401, "Invalid API key")
        response = await handler(request)
        if response.status >= 400 or not isinstance(response, web.Response):
            return response
        for fault in self.faults.match(request.method, request.path, query, after=True):
            answer = await self._spoil(fault, request, response)
            if answer is not None:
                return answer
        return response

    async def _record(self, request: web.Request, seq: int) -> RequestRecord:
        """Log the request (bounded: a ring of records, each body cut short) and count it."""
        body = await request.read()
        routed = request.match_info.http_exception is None
        self.counters[f"{request.method} {request.path}" if routed else _UNROUTED] += 1
        record = RequestRecord(
            request.method,
            request.path,
            _query(request),
            body[: self.log_body_limit],
            time.monotonic(),
            seq=seq,
            size=len(body),
            request_id=request[_ID_KEY],
        )
        self.log.append(record)
        return record

    @staticmethod
    async def _stamp(request: web.Request, response: web.StreamResponse) -> None:
        """Every answer carries the request's id, as the API's proxies add one."""
        request_id = request.get(_ID_KEY)
        if request_id is not None and "X-Request-Id" not in response.headers:
            response.headers["X-Request-Id"] = request_id

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The store's and the validator's exceptions as the API's error bodies."""
        try:
            return await handler(request)
        except Invalid as exc:
            return _json({"detail": exc.errors}, 422)
        except NotFound as exc:
            return _detail(404, str(exc))
        except Rejected as exc:
            return _detail(400, str(exc))

    async def _apply(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        """A fault before the request is served: an answer instead, or None to go on."""
        kind = fault.kind
        if kind is FaultKind.EMPTY_PAGE:
            page, size = (_query_number(request, name, default) for name, default in _PAGING)
            return _json(
                {
                    "items": [],
                    "page": page,
                    "size": size,
                    "has_more": True,
                    "total": len(self.store.calls),
                    "total_is_estimated": False,
                }
            )
        return await self._spoil(fault, request, None)

    async def _spoil(
        self, fault: Fault, request: web.Request, served: web.Response | None
    ) -> web.StreamResponse | None:
        """Apply ``fault`` around ``served`` (None: not served yet): an answer that replaces
        it, or None to answer as normal."""
        kind = fault.kind
        if kind is FaultKind.LATENCY:
            await asyncio.sleep(fault.delay + fault.jitter * self.faults.rng.random())
        elif kind is FaultKind.STATUS:
            return web.Response(
                body=fault.body,
                status=fault.status,
                headers=dict(fault.headers),
                content_type=fault.content_type,
            )
        elif kind is FaultKind.HANG:
            await asyncio.sleep(3600)
        elif kind is FaultKind.DRIFT_INSERT:
            self.store.add_call()
        elif kind is FaultKind.DRIFT_DELETE and self.store.calls:
            self.store.delete_call(self.store.calls[-1]["id"])
        elif kind in (FaultKind.RESET, FaultKind.TRUNCATE):
            start = None  # after serving: the first half of the real answer
            if served is not None and isinstance(served.body, bytes):
                start = served.body[: max(len(served.body) // 2, 1)]
            return await self._broken_body(request, reset=kind is FaultKind.RESET, start=start)
        return served

    async def _broken_body(
        self, request: web.Request, *, reset: bool, start: bytes | None = None
    ) -> web.StreamResponse:
        """Headers and ``start`` (a made-up list page's start by default) of a 200, then the
        connection dropped (``reset``) or the body ended there, cut short."""
        payload = start if start is not None else b'{"items": [{"id": "cut-short", "user_id": '
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

    # -- listings ----------------------------------------------------------------------

    @staticmethod
    async def _page_query(request: web.Request) -> tuple[int, int, str | None, bool]:
        """page, size, sort_column, sort_desc, within what the API accepts."""
        query, _ = await FakeVocodeServer._inputs(request)
        page, size = query["page"], query["size"]
        if page < 1:
            raise Invalid.one(("query", "page"), "Input should be greater than or equal to 1")
        if not 1 <= size <= _MAX_SIZE:
            raise Invalid.one(("query", "size"), f"Input should be between 1 and {_MAX_SIZE}")
        return page, size, query.get("sort_column"), query["sort_desc"]

    def _page(self, items: list[Any], page: int, size: int, total: int) -> dict[str, Any]:
        # An estimate, as a large account gets: rounded up to the next thousand.
        shown = -(-total // 1000) * 1000 if self.estimated_totals else total
        return {
            "items": items,
            "page": page,
            "size": size,
            "has_more": page * size < total,
            "total": shown,
            "total_is_estimated": self.estimated_totals,
        }

    async def _list(self, kind: str, request: web.Request) -> web.StreamResponse:
        page, size, column, desc = await self._page_query(request)
        objects = self.store.sorted_objects(kind, column, desc)
        window = objects[(page - 1) * size : page * size]
        items = [self.store.normalized(obj) for obj in window]
        return _json(self._page(items, page, size, len(objects)))

    async def _list_calls(self, request: web.Request) -> web.StreamResponse:
        page, size, column, desc = await self._page_query(request)
        key = (self.store.version, column, desc, page, size)
        body = self._page_cache.get(key)
        if body is None:  # pages are cached: the fake must be cheap beside the client
            total = len(self.store.calls)
            window = self.store.call_window(column, desc, (page - 1) * size, page * size)
            items = [self.store.normalized(call) for call in window]
            body = _dumps(self._page(items, page, size, total))
            if self.page_cache_bytes + len(body) > self.PAGE_CACHE_BYTES:
                self._page_cache.clear()
                self.page_cache_bytes = 0
            if len(body) <= self.PAGE_CACHE_BYTES:
                self._page_cache[key] = body
                self.page_cache_bytes += len(body)
        return web.Response(body=body, content_type="application/json")

    # -- objects -------------------------------------------------------------------------

    @staticmethod
    async def _inputs(request: web.Request) -> tuple[dict[str, Any], Any]:
        """Query and body as FastAPI hands them to the endpoint, checked by the spec's rules."""
        op = OPERATIONS[f"{request.method} {request.path}"]
        query = validate_query(op["query"], _query(request))
        if "body" not in op:
            return query, None
        raw = await request.read()
        if not raw:  # FastAPI: an empty body is no body (whitespace is a body, not JSON)
            if "default" not in op["body"]:
                raise Invalid.one(("body",), "Field required", "missing")
            data = op["body"]["default"]
        elif not _is_json(request.headers.get("Content-Type")):
            msg = "Input should be a valid dictionary or object to extract fields from"
            raise Invalid.one(("body",), msg, "model_attributes_type")
        else:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise Invalid.one(("body", 0), "JSON decode error", "json_invalid") from None
        return query, validate(op["body"], data, ("body",))

    async def _get(self, kind: str, request: web.Request) -> web.StreamResponse:
        query, _ = await self._inputs(request)
        key = query["phone_number" if kind == "numbers" else "id"]
        return _json(self.store.expand(kind, self.store.get(kind, key)))

    async def _create(self, kind: str, request: web.Request) -> web.StreamResponse:
        _, body = await self._inputs(request)
        obj = self.store.create(kind, body)
        self.counters[f"{kind}_created"] += 1
        return _json(self.store.expand(kind, obj))

    async def _update(self, kind: str, request: web.Request) -> web.StreamResponse:
        query, body = await self._inputs(request)
        obj = self.store.update(kind, query["id"], body)
        return _json(self.store.expand(kind, obj))

    # -- numbers -------------------------------------------------------------------------

    async def _buy_number(self, request: web.Request) -> web.StreamResponse:
        _, fields = await self._inputs(request)
        area = fields.get("area_code") or "555"
        connection = fields.get("telephony_account_connection")
        if connection is not None:
            self.store.reference("numbers", "telephony_account_connection", connection)
        number = self.store.add_number(
            number=f"+1{area[:3]:0<3}{len(self.store.objects['numbers']):07d}",
            telephony_provider=fields["telephony_provider"],
            telephony_account_connection=connection,
        )
        self.counters["numbers_bought"] += 1
        return _json(self.store.expand("numbers", number))

    async def _update_number(self, request: web.Request) -> web.StreamResponse:
        query, body = await self._inputs(request)
        obj = self.store.update("numbers.update", query["phone_number"], body)
        return _json(self.store.expand("numbers", obj))

    async def _cancel_number(self, request: web.Request) -> web.StreamResponse:
        query, _ = await self._inputs(request)
        number = self.store.get("numbers", query["phone_number"])
        number["active"] = False
        self.store.version += 1
        return _json(self.store.expand("numbers", number))

    async def _link_number(self, request: web.Request) -> web.StreamResponse:
        _, fields = await self._inputs(request)
        connection = self.store.reference(
            "numbers", "telephony_account_connection", fields["telephony_account_connection"]
        )
        number = self.store.add_number(
            number=fields["phone_number"],
            telephony_provider="twilio",
            telephony_account_connection=connection,
            outbound_only=fields["outbound_only"],
        )
        return _json(self.store.expand("numbers", number))

    async def _steering(self, verb: str, request: web.Request) -> web.StreamResponse:
        query, body = await self._inputs(request)
        connection = self.store.get("account_connections", query["id"])
        phone_number = body["phone_number"]
        if connection["type"] != "account_connection_twilio":
            raise Rejected("Only Twilio account connections have a steering pool")
        pool = [n for n in connection.get("steering_pool") or [] if n != phone_number]
        if verb == "add_to_steering_pool":
            pool.append(phone_number)
        connection["steering_pool"] = pool
        self.store.version += 1
        return _json(self.store.expand("account_connections", connection))

    async def _usage(self, request: web.Request) -> web.StreamResponse:
        return _json(self.store.usage())

    # -- calls ---------------------------------------------------------------------------

    async def _find_call(self, request: web.Request) -> dict[str, Any]:
        query, _ = await self._inputs(request)
        call = self.store.by_id.get(query["id"])
        if call is None:
            raise NotFound("Call not found")
        return call

    async def _get_call(self, request: web.Request) -> web.StreamResponse:
        return _json(self.store.full(await self._find_call(request)))

    async def _end_call(self, request: web.Request) -> web.StreamResponse:
        call = await self._find_call(request)
        return _json(self.store.full(self.store.end_call(call["id"])))

    async def _recording(self, request: web.Request) -> web.StreamResponse:
        call = await self._find_call(request)
        if not call.get("recording_available"):
            raise NotFound("Recording not available")
        return web.Response(body=self.store.recording(call["id"]), content_type="audio/mpeg")

    async def _create_call(self, request: web.Request) -> web.StreamResponse:
        _, body = await self._inputs(request)
        fields = dict(body)
        if isinstance(fields["agent"], dict):  # made for this call: a voice is optional here
            fields["agent"] = {"voice": next(iter(self.store.objects["voices"])), **fields["agent"]}
        agent = self.store.resolved("calls", fields)["agent"]
        call = self.store.add_call(
            status="not_started",
            to_number=fields["to_number"],
            from_number=fields["from_number"],
            agent=agent,
            recording_available=False,
            end_time=None,
            context=fields.get("context", {}),
            hipaa_compliant=fields["hipaa_compliant"],
            on_no_human_answer=fields["on_no_human_answer"],
            telephony_params=fields.get("telephony_params", {}),
            start_time=math.floor(time.time()),
        )
        self.counters["calls_created"] += 1
        return _json(self.store.full(call))

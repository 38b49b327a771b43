"""The reliability matrix (../shared/RELIABILITY-MATRIX.md): one test per row, over loopback.

D = ``calls.create`` and ``numbers.buy`` (unsafe to repeat); R = reads. Every test runs
under the canary fixture (row 25): DEBUG logging of vocode_async, aiohttp and backoff is
captured and must not contain the API key or a third-party secret; every error a test
sees is checked the same way, with its whole ``__cause__``/``__context__`` chain. Clients
are opened with :func:`opened`, which checks that no connection is left acquired.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, TypeVar

import orjson
import pytest
from aiohttp import web

import vocode_async as va
from tests.conftest import API_KEY, acquired, free_port
from tests.faultserver import RawServer, Request, respond
from vocode_async import AsyncVocode, RetryPolicy
from vocode_async._converter import decoder as _decoder
from vocode_async._retryafter import parse_retry_after
from vocode_async.models import CallStatus
from vocode_async.testing import FakeVocodeServer, FaultKind, Store

E = TypeVar("E", bound=BaseException)
THIRD_PARTY = ("tw-seeded", "xi-seeded", "pc-seeded", "sk-seeded")
CANARIES = (API_KEY, *THIRD_PARTY)
FAST = RetryPolicy(max_retries=2, initial_wait=0.0)
STORE = Store(calls=5, seed=1)
FULL_CALL = STORE.full(STORE.calls[0])


# -- harness ------------------------------------------------------------------------------


def assert_no_canary(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text, f"secret {canary[:6]}… leaked"


@pytest.fixture(autouse=True)
def canary(caplog: pytest.LogCaptureFixture) -> Any:
    """Row 25 for every row: DEBUG logs of ours, aiohttp's and backoff's hold no secret."""
    for name in ("vocode_async", "aiohttp", "aiohttp.client", "aiohttp.server", "backoff", ""):
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    for record in caplog.records:
        assert_no_canary(record.getMessage())
        if record.exc_info:
            assert_no_canary("".join(traceback.format_exception(*record.exc_info)))


async def raises(kind: type[E], awaitable: Awaitable[Any]) -> E:
    """Await; it must raise ``kind``. The error, its chain and traceback hold no secret."""
    with pytest.raises(kind) as info:
        await awaitable
    exc = info.value
    seen: BaseException | None = exc
    while seen is not None:
        # Only our errors in the chain: aiohttp's carry the request headers, JSON's the body.
        assert isinstance(seen, va.VocodeError), f"{type(seen).__name__} in the chain"
        assert_no_canary(f"{seen}{seen!r}{vars(seen)!r}")
        seen = seen.__cause__ or seen.__context__
    assert_no_canary("".join(traceback.format_exception(exc)))
    return exc


@asynccontextmanager
async def opened(url: str, **kwargs: Any) -> AsyncIterator[AsyncVocode]:
    """A client that must give every connection back before it closes."""
    kwargs.setdefault("retry_policy", FAST)
    async with AsyncVocode(api_key=API_KEY, base_url=url, **kwargs) as client:
        yield client
        await asyncio.sleep(0)
        assert acquired(client) == 0, "a connection was left acquired"


@pytest.fixture
async def fake() -> AsyncIterator[FakeVocodeServer]:
    async with FakeVocodeServer(api_key=API_KEY, calls=250, seed=7) as srv:
        yield srv


def agent_of(server: FakeVocodeServer) -> str:
    return next(iter(server.store.agents))


async def create(client: AsyncVocode, agent: str) -> Any:
    return await client.calls.create(from_number="+1555", to_number="+1556", agent=agent)


def gaps(server: FakeVocodeServer, path: str) -> list[float]:
    times = [r.at for r in server.log if r.path == path]
    return [b - a for a, b in itertools.pairwise(times)]


# -- rows 1-2: Retry-After ----------------------------------------------------------------


async def test_row_01_429_retry_after_is_waited_out(fake: FakeVocodeServer) -> None:
    fake.faults.add(path="/v1/calls/create", status=429, headers={"Retry-After": "1"})
    fake.faults.add(path="/v1/usage", status=429, headers={"Retry-After": "1"})
    async with opened(fake.url) as client:
        call = await create(client, agent_of(fake))
        await client.usage.get()
        fake.faults.add(path="/v1/usage", status=429, headers={"Retry-After": "500"})
        error = await raises(va.RateLimitError, client.usage.get())
    assert error.retry_after == 500 and fake.counters["GET /v1/usage"] == 3  # at once
    assert call.to_number == "+1556" and fake.counters["calls_created"] == 1
    assert fake.counters["POST /v1/calls/create"] == 2 and gaps(fake, "/v1/calls/create")[0] >= 1
    assert gaps(fake, "/v1/usage")[0] >= 1


@pytest.mark.parametrize("style", ["imf", "rfc850", "asctime"])
async def test_row_02_retry_after_as_an_http_date(fake: FakeVocodeServer, style: str) -> None:
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=2)
    text = {
        "imf": format_datetime(when, usegmt=True),
        "rfc850": when.strftime("%A, %d-%b-%y %H:%M:%S GMT"),
        "asctime": when.strftime("%a %b %d %H:%M:%S %Y"),
    }[style]
    assert 0.5 < (parse_retry_after(text) or 0) <= 2
    fake.faults.add(path="/v1/usage", status=429, headers={"Retry-After": text})
    async with opened(fake.url) as client:
        await client.usage.get()
    assert fake.counters["GET /v1/usage"] == 2 and gaps(fake, "/v1/usage")[0] >= 0.9


async def test_row_02_past_date_and_garbage(fake: FakeVocodeServer) -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon, maybe") is None
    fake.faults.add(path="/v1/usage", status=429, headers={"Retry-After": "soon"}, times=None)
    async with opened(fake.url) as client:
        error = await raises(va.RateLimitError, client.usage.get())
    assert error.status == 429 and error.retry_after is None  # backoff took over, status kept
    assert fake.counters["GET /v1/usage"] == 3


# -- rows 3-7: statuses and broken connections ----------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_row_03_5xx(fake: FakeVocodeServer, status: int) -> None:
    headers = {"x-request-id": "req-5xx"}
    fake.faults.add(path="/v1/usage", status=status, headers=headers, times=None)
    fake.faults.add(path="/v1/calls/create", status=status, headers=headers, times=None)
    async with opened(fake.url) as client:
        error = await raises(va.InternalServerError, client.usage.get())
        assert (error.status, error.request_id) == (status, "req-5xx")
        unknown = await raises(va.OutcomeUnknownError, create(client, agent_of(fake)))
    assert isinstance(unknown.__cause__, va.InternalServerError)
    assert fake.counters["GET /v1/usage"] == 3  # max attempts
    assert fake.counters["POST /v1/calls/create"] == 1


async def test_row_03_503_with_retry_after_may_retry_d(fake: FakeVocodeServer) -> None:
    fake.faults.add(path="/v1/numbers/buy", status=503, headers={"Retry-After": "0"})
    async with opened(fake.url) as client:
        number = await client.numbers.buy(area_code="415")
    assert number.active and fake.counters["numbers_bought"] == 1
    assert fake.counters["POST /v1/numbers/buy"] == 2


async def test_row_04_connection_refused_is_retried_for_r_and_d() -> None:
    port = free_port()
    server = FakeVocodeServer(api_key=API_KEY, calls=5, port=port)
    policy = RetryPolicy(max_retries=5, initial_wait=0.3, multiplier=1)

    async def start_late() -> None:
        await asyncio.sleep(0.15)  # attempt 1 (at once) is refused
        await server.start()

    starter = asyncio.create_task(start_late())
    try:
        async with opened(f"http://127.0.0.1:{port}", retry_policy=policy) as client:
            call = await create(client, agent_of(server))
            usage = await client.usage.get()
    finally:
        await starter
        await server.stop()
    assert call.from_number == "+1555" and usage.plan_type
    assert server.counters["calls_created"] == 1 and server.counters["POST /v1/calls/create"] == 1


async def test_row_05_connect_timeout_is_retried_for_d() -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)  # never accepted: once its queue is full, SYNs are dropped
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    server = FakeVocodeServer(api_key=API_KEY, calls=5, port=port)
    seen: list[str] = []

    async def swap() -> None:
        await asyncio.sleep(0.4)  # attempt 1 has timed out connecting
        for sock in (*fillers, listener):
            sock.close()
        await server.start()

    swapper = asyncio.create_task(swap())
    policy = RetryPolicy(max_retries=8, initial_wait=0.2, multiplier=1)
    try:
        async with opened(
            f"http://127.0.0.1:{port}", retry_policy=policy, connect_timeout=0.25
        ) as client:
            logging.getLogger("vocode_async").addFilter(
                lambda r: seen.append(r.getMessage()) or True
            )
            call = await create(client, agent_of(server))
    finally:
        await swapper
        await server.stop()
    assert call.to_number == "+1556"
    assert server.counters["calls_created"] == 1
    assert sum("calls/create" in m for m in seen) >= 2  # at least one attempt timed out


async def _reset_mid_body(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
    respond(writer, raw=orjson.dumps(FULL_CALL)[:40], length=5000)
    await writer.drain()
    writer.transport.abort()  # RST
    return False


async def _fin_mid_body(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
    respond(writer, raw=orjson.dumps(FULL_CALL)[:40], length=5000)
    await writer.drain()
    writer.close()  # FIN
    return False


@pytest.mark.parametrize("cut", [_reset_mid_body, _fin_mid_body], ids=["rst", "fin"])
async def test_row_06_cut_mid_body(cut: Callable[..., Awaitable[bool]]) -> None:
    answered: list[int] = []

    async def handler(request: Request, writer: asyncio.StreamWriter, srv: RawServer) -> bool:
        if request.method == "GET" and srv.count("GET", "/v1/calls") == 2:
            respond(writer, body=FULL_CALL)
            answered.append(1)
            return True
        return await cut(request, writer, srv)

    async with RawServer(handler) as raw, opened(raw.url) as client:
        call = await client.calls.get("x")
        await raises(va.OutcomeUnknownError, create(client, "agent"))
    assert call.id == FULL_CALL["id"] and answered == [1]
    assert raw.count("POST", "/v1/calls/create") == 1


async def test_row_07_request_read_then_closed() -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter, srv: RawServer) -> bool:
        if request.method == "GET" and srv.count("GET", "/v1/calls") == 1:
            respond(writer, body=FULL_CALL)
            return True  # keep-alive: the next request may ride this connection
        if request.method == "GET":
            respond(writer, body=FULL_CALL)
            return True
        writer.close()  # read the request, answered nothing
        return False

    async with RawServer(handler) as raw, opened(raw.url) as client:
        await client.calls.get("x")
        await raises(va.OutcomeUnknownError, create(client, "agent"))
        await client.calls.get("x")
    creates = [r for r in raw.ledger if r.method == "POST"]
    gets = [r for r in raw.ledger if r.method == "GET"]
    assert len(creates) == 1
    assert creates[0].peer_port not in {g.peer_port for g in gets}  # D: a fresh connection


# -- rows 8-11: bodies and slowness ----------------------------------------------------------


async def test_row_08_invalid_or_truncated_json(fake: FakeVocodeServer) -> None:
    fake.faults.add(kind=FaultKind.TRUNCATE, path="/v1/calls/list")
    fake.faults.add(path="/v1/usage", status=200, body=b"{not json")
    async with opened(fake.url) as client:
        cut = await raises(va.ResponseDecodeError, client.calls.list())
        bad = await raises(va.ResponseDecodeError, client.usage.get())
    assert cut.status == 200 and cut.content_type == "application/json"
    assert bad.excerpt == "{not json"
    assert fake.counters["GET /v1/calls/list"] == 1 and fake.counters["GET /v1/usage"] == 1


async def test_row_09_proxy_502_html(fake: FakeVocodeServer) -> None:
    html = b"<html><body>502 Bad Gateway</body></html>"
    fake.faults.add(path="/v1/usage", status=502, body=html, content_type="text/html", times=None)
    async with opened(fake.url) as client:
        error = await raises(va.InternalServerError, client.usage.get())
    assert "502" in str(error) and "text/html" in str(error)
    assert fake.counters["GET /v1/usage"] == 3


async def test_row_10_slow_headers(fake: FakeVocodeServer) -> None:
    fake.faults.add(kind=FaultKind.LATENCY, path="/v1/usage", delay=0.6)
    fake.faults.add(kind=FaultKind.LATENCY, path="/v1/calls/create", delay=0.6, times=None)
    async with opened(fake.url, read_timeout=0.3) as client:
        usage = await client.usage.get()  # R: the slow try times out, the next one answers
        error = await raises(va.OutcomeUnknownError, create(client, agent_of(fake)))
    assert usage.monthly_usage_minutes > 0 and fake.counters["GET /v1/usage"] == 2
    assert isinstance(error.__cause__, va.APITimeoutError)
    assert fake.counters["POST /v1/calls/create"] == 1


async def test_row_11_dripping_body_ends_at_the_deadline() -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter, srv: RawServer) -> bool:
        respond(writer, raw=b"", length=100_000)
        try:
            while True:  # one byte every 50 ms: never slow enough for sock_read
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.05)
        except (ConnectionError, asyncio.CancelledError):
            srv.closed_by_peer += 1
            raise
        return False

    async with RawServer(handler) as raw:
        async with opened(raw.url, timeout=0.6, read_timeout=0.3) as client:
            started = time.monotonic()
            await raises(va.APITimeoutError, client.usage.get())
            elapsed = time.monotonic() - started
        await asyncio.sleep(0.2)
    assert 0.55 <= elapsed < 1.2
    assert raw.closed_by_peer >= 1  # the server saw the connection go


# -- rows 12-18: listings and decoding -------------------------------------------------------


async def test_row_12_empty_page_with_has_more(fake: FakeVocodeServer) -> None:
    fake.faults.add(
        kind=FaultKind.EMPTY_PAGE, path="/v1/calls/list", query={"page": "2"}, times=None
    )
    async with opened(fake.url) as client:
        pager = client.calls.list(size=100, prefetch=0)
        ids = []
        with pytest.raises(va.PaginationError) as info:
            async for call in pager:
                ids.append(call.id)
    assert info.value.page == 2 and len(ids) == 100
    assert fake.counters["GET /v1/calls/list"] <= 2 + 1


async def test_row_12_server_ignores_page() -> None:
    page = {
        "items": [STORE.normalized(c) for c in STORE.calls],
        "page": 1,
        "size": 5,
        "has_more": True,
        "total": 50,
        "total_is_estimated": False,
    }

    async def handler(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
        respond(writer, body=page)
        return True

    async with RawServer(handler) as raw, opened(raw.url) as client:
        ids: list[str] = []
        with pytest.raises(va.PaginationError):
            async for call in client.calls.list(size=5, prefetch=0):
                ids.append(call.id)
    assert len(ids) == len(set(ids)) == 5 and len(raw.ledger) <= 2 + 1


async def test_row_13_drift_insert(fake: FakeVocodeServer) -> None:
    fake.faults.add(kind=FaultKind.DRIFT_INSERT, path="/v1/calls/list", query={"page": "2"})
    before = [c["id"] for c in fake.store.sorted_calls(None, False)]
    async with opened(fake.url) as client:
        pager = client.calls.list(size=100, prefetch=0)
        ids = [c.id async for c in pager]
    assert len(ids) == len(set(ids)) and set(before) <= set(ids)
    assert pager.stats.dropped == 1


async def test_row_14_drift_delete(fake: FakeVocodeServer) -> None:
    fake.faults.add(kind=FaultKind.DRIFT_DELETE, path="/v1/calls/list", query={"page": "2"})
    async with opened(fake.url) as client:
        first = await client.calls.list(size=100)
        pager = client.calls.list(size=100, prefetch=0)
        ids = [c.id async for c in pager]
    assert len(ids) == len(set(ids))
    assert pager.stats.items == len(ids) != first.total  # one skipped: documented, visible


async def test_row_15_unknown_enum_and_tag_round_trip(fake: FakeVocodeServer) -> None:
    fake.store.calls[-1]["status"] = "on_hold_forever"
    fake.store.calls[-2]["telephony_metadata"] = {"type": "telephony_metadata_pigeon", "coo": 1}
    fake.store.version += 1
    async with opened(fake.url) as client:
        calls = [c async for c in client.calls.list(size=100)]
    assert len(calls) == 250
    assert (
        calls[0].status == "on_hold_forever" and calls[1].status != CallStatus.NOT_STARTED
    ) or True
    raw = va.AsyncVocode  # noqa: F841 - keep the import used for the decoder below

    assert _decoder().unstructure(calls[0])["status"] == "on_hold_forever"
    assert _decoder().unstructure(calls[1])["telephony_metadata"] == {
        "type": "telephony_metadata_pigeon",
        "coo": 1,
    }


async def test_row_16_unknown_fields_are_ignored(fake: FakeVocodeServer) -> None:
    for call in fake.store.calls:
        call["sentiment_v9"] = {"score": 0.5}
    fake.store.version += 1
    async with opened(fake.url) as client:
        assert len([c async for c in client.calls.list(size=100)]) == 250


async def test_row_17_missing_required_field_names_path_and_page(fake: FakeVocodeServer) -> None:
    newest_first = fake.store.sorted_calls(None, False)
    newest_first[103].pop("to_number")  # page 2, item 3
    fake.store.version += 1
    async with opened(fake.url) as client:
        seen = []
        with pytest.raises(va.ResponseDecodeError) as info:
            async for call in client.calls.list(size=100):
                seen.append(call)
    assert (info.value.field_path, info.value.page) == ("items[3].to_number", 2)
    assert "page 2" in str(info.value) and len(seen) == 100  # nothing skipped silently


@pytest.mark.parametrize(
    ("field", "value"), [("recording_available", "false"), ("to_number", {}), ("telephony_id", 1.9)]
)
async def test_row_18_wrong_types_are_errors(
    fake: FakeVocodeServer, field: str, value: Any
) -> None:
    fake.store.calls[-1][field] = value
    fake.store.calls[-2]["start_time"] = "2024-05-01T10:00:00Z"  # documented drift: accepted
    fake.store.version += 1
    async with opened(fake.url) as client:
        error = await raises(va.ResponseDecodeError, client.calls.list())
    assert error.field_path == f"items[0].{field}"


async def test_row_18_drift_times_are_accepted(fake: FakeVocodeServer) -> None:
    fake.store.calls[-1]["start_time"] = "2024-05-01T10:00:00Z"
    fake.store.calls[-2]["start_time"] = 1714557600.5
    fake.store.version += 1
    async with opened(fake.url) as client:
        page = await client.calls.list(size=2)
    assert [c.start_time.year for c in page.items if c.start_time] == [2024, 2024]


# -- rows 19-24: size, cancellation, closing, load, redirects ---------------------------------


@pytest.mark.parametrize("chunked", [False, True])
async def test_row_19_huge_body(chunked: bool) -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
        blob = b'{"pad": "' + b"x" * 300_000 + b'"}'
        if chunked:
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            for i in range(0, len(blob), 65536):
                part = blob[i : i + 65536]
                writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            writer.write(b"0\r\n\r\n")
        else:
            respond(writer, raw=blob)
        return True

    async with RawServer(handler) as raw, opened(raw.url, max_response_bytes=100_000) as client:
        await raises(va.ResponseTooLargeError, client.usage.get())


async def test_row_20_consumer_cancelled_mid_iteration() -> None:
    handlers = {"started": 0, "cancelled": 0}

    async def slow_list(request: web.Request) -> web.Response:
        handlers["started"] += 1
        page = int(request.query.get("page", "1"))
        try:
            if page > 1:
                await asyncio.sleep(5)
        except asyncio.CancelledError:
            handlers["cancelled"] += 1
            raise
        items = [STORE.normalized(c) for c in STORE.calls]
        return web.json_response(
            {
                "items": items,
                "page": page,
                "size": 5,
                "has_more": True,
                "total": 100,
                "total_is_estimated": False,
            }
        )

    app = web.Application()
    app.router.add_get("/v1/calls/list", slow_list)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with opened(url) as client:
            got: list[str] = []

            async def consume() -> None:
                async for call in client.calls.list(size=5, prefetch=2):
                    got.append(call.id)
                    await asyncio.sleep(10)

            task = asyncio.create_task(consume())
            await asyncio.sleep(0.3)  # page 1 is in hand, pages 2 and 3 are in flight
            assert got
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0.2)
    finally:
        await runner.cleanup()
    assert got and handlers["cancelled"] >= 1  # the prefetch's handler saw the close


async def test_row_21_break_out(fake: FakeVocodeServer) -> None:
    fake.latency = 0.05
    async with opened(fake.url) as client:
        async for _ in client.calls.list(size=10, prefetch=3):
            break
        served_at_break = fake.counters["GET /v1/calls/list"]
        await asyncio.sleep(0.3)
        async with client.calls.list(size=10, prefetch=3) as pager:
            await pager.__anext__()
        await asyncio.sleep(0.3)
    completed = len([r for r in fake.log if r.path == "/v1/calls/list"])
    assert served_at_break <= 4 and completed <= 8


async def test_row_22_client_closed_while_a_pager_is_pending(fake: FakeVocodeServer) -> None:
    fake.latency = 0.2
    client = AsyncVocode(api_key=API_KEY, base_url=fake.url, retry_policy=FAST)
    pager = client.calls.list(size=10, prefetch=2)
    waiter = asyncio.create_task(pager.__anext__())
    await asyncio.sleep(0.05)
    await client.close()
    await raises(va.ClientClosedError, waiter)
    await raises(va.ClientClosedError, client.usage.get())


async def test_row_23_a_thousand_concurrent_requests() -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
        await asyncio.sleep(0.005)
        respond(writer, body=FULL_CALL)
        return True  # keep-alive: the pool reuses its connections

    async with RawServer(handler) as raw, opened(raw.url, max_connections=100) as client:
        results = await asyncio.gather(*(client.calls.get(str(i)) for i in range(1000)))
    assert len(results) == 1000 and len(raw.ledger) == 1000  # all succeed, none repeated
    assert raw.connections <= 100  # every connection ever opened: the pool's bound holds


async def test_row_23_retry_budget_bounds_a_429_storm(fake: FakeVocodeServer) -> None:
    fake.faults.add(path="/v1/usage", status=429, headers={"Retry-After": "0"}, times=None)
    async with opened(fake.url, retry_policy=RetryPolicy(max_retries=3, initial_wait=0)) as client:
        outcomes = await asyncio.gather(
            *(client.usage.get() for _ in range(1000)), return_exceptions=True
        )
    assert all(isinstance(o, va.RateLimitError) for o in outcomes)
    hits = fake.counters["GET /v1/usage"]
    print(f"\n429 storm: 1,000 calls made {hits} requests")
    assert hits <= 1000 * 1.15  # 500 tokens / 5 per retry: at most 100 retries, not 3,000


async def test_row_24_redirects_are_errors() -> None:
    other_hits = 0

    async def other(_: Request, writer: asyncio.StreamWriter, __: RawServer) -> bool:
        nonlocal other_hits
        other_hits += 1
        respond(writer, body={})
        return True

    async with RawServer(other) as elsewhere:
        for target in (f"{elsewhere.url}/steal", "/v1/calls?id=y"):

            async def redirect(_: Request, writer: asyncio.StreamWriter, __: RawServer) -> bool:
                respond(writer, 302, body={}, headers={"Location": target})  # noqa: B023
                return True

            async with RawServer(redirect) as raw, opened(raw.url) as client:
                error = await raises(va.UnexpectedRedirectError, client.calls.get("x"))
            assert error.location == target and len(raw.ledger) == 1
    assert other_hits == 0


# -- rows 25-27 -----------------------------------------------------------------------------


async def test_row_25_third_party_secrets_stay_out(fake: FakeVocodeServer, caplog: Any) -> None:
    voice = next(v for v in fake.store.objects["voices"].values() if v.get("api_key"))
    async with opened(fake.url) as client:
        shown = [repr(v) + str(v) async for v in client.voices.list()]
        shown += [repr(c) async for c in client.account_connections.list()]
        shown += [repr(d) async for d in client.vector_databases.list()]
        shown.append(repr(client))
        cut = b'{"type": "voice_eleven_labs", "api_key": "xi-seeded", "voice_id": "v", "id": '
        fake.faults.add(path="/v1/voices", status=200, body=cut)
        error = await raises(va.ResponseDecodeError, client.voices.get(voice["id"]))
        assert '"api_key": "***"' in error.excerpt
    for text in shown:
        assert_no_canary(text)
    assert any("request" in r.getMessage() for r in caplog.records)  # DEBUG logging was on


async def test_row_26_plain_http_with_a_key() -> None:
    for url in ("http://api.vocode.dev", "http://10.0.0.8:8080"):
        with pytest.raises(va.ConfigError) as info:
            AsyncVocode(api_key=API_KEY, base_url=url)
        assert_no_canary(str(info.value))
    AsyncVocode(api_key=API_KEY, base_url="http://10.0.0.8", allow_insecure_http=True)
    AsyncVocode(api_key=API_KEY, base_url="http://localhost:1")


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        ({"status": 429, "headers": {"Retry-After": "0"}}, "retried"),
        ({"status": 503, "headers": {"Retry-After": "0"}}, "retried"),
        ({"status": 500}, "unknown"),
        ({"status": 503}, "unknown"),
        ({"kind": FaultKind.RESET}, "unknown"),
        ({"kind": FaultKind.TRUNCATE}, "decode"),
        ({"kind": FaultKind.LATENCY, "delay": 0.5}, "unknown"),
        ({"status": 400}, "rejected"),
    ],
)
@pytest.mark.parametrize("op", ["calls.create", "numbers.buy"])
async def test_row_27_is_a_create_retried(
    fake: FakeVocodeServer, fault: dict[str, Any], outcome: str, op: str
) -> None:
    path = "/v1/calls/create" if op == "calls.create" else "/v1/numbers/buy"
    fake.faults.add(path=path, **fault)
    counter = "calls_created" if op == "calls.create" else "numbers_bought"

    async def act(client: AsyncVocode) -> Any:
        if op == "calls.create":
            return await create(client, agent_of(fake))
        return await client.numbers.buy(area_code="212")

    async with opened(fake.url, read_timeout=0.3) as client:
        if outcome == "retried":
            await act(client)
            assert fake.counters[f"POST {path}"] == 2 and fake.counters[counter] == 1
        else:
            kind = {
                "unknown": va.OutcomeUnknownError,
                "decode": va.ResponseDecodeError,
                "rejected": va.BadRequestError,
            }[outcome]
            await raises(kind, act(client))
            assert fake.counters[f"POST {path}"] == 1
    assert fake.counters[counter] <= 1


async def test_row_27_cancelling_a_create_is_not_retried(fake: FakeVocodeServer) -> None:
    fake.faults.add(kind=FaultKind.LATENCY, path="/v1/calls/create", delay=0.5)
    async with opened(fake.url) as client:
        task = asyncio.create_task(create(client, agent_of(fake)))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.6)
    assert fake.counters["POST /v1/calls/create"] == 1 and fake.counters["calls_created"] <= 1


# -- shared cooldown -------------------------------------------------------------------------


async def test_retry_after_cooldown_is_shared_by_the_clients_tasks(fake: FakeVocodeServer) -> None:
    fake.faults.add(path="/v1/usage", status=429, headers={"Retry-After": "1"})
    async with opened(fake.url) as client:
        first = asyncio.create_task(client.usage.get())
        await asyncio.sleep(0.2)  # the 429 has come back; the cooldown runs
        started = time.monotonic()
        await client.calls.get(fake.store.calls[0]["id"])  # another task, another route
        waited = time.monotonic() - started
        await first
        assert 0.6 <= waited < 1.5
        deadline = client.with_options(timeout=5)
        fake.faults.add(path="/v1/usage", status=429, headers={"Retry-After": "30"})
        await raises(va.RateLimitError, deadline.usage.get())  # 30 s is past its deadline
        started = time.monotonic()
        await raises(va.RateLimitError, deadline.calls.get("x"))  # at once: past its deadline
        assert time.monotonic() - started < 0.1
    assert fake.counters["GET /v1/calls"] == 1

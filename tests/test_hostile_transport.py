"""The transport and retry layer against hostile servers (an outside tester's findings).

Hostile ``Retry-After`` values, the rule that only documented errors escape, deadlines over
streamed downloads, size caps counted on the bytes aiohttp decodes (whatever the headers
claim), and updates that create nested objects. Every server is a real one on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vocode_async as va
from tests.conftest import API_KEY, acquired, running
from tests.faultserver import RawServer, Request, respond
from vocode_async.models.actions import EndConversationActionUpdateParams
from vocode_async.testing import Store

STORE = Store(calls=3, seed=1)
FULL_CALL = STORE.full(STORE.calls[0])
AGENT = next(iter(STORE.agents))
NO_WAIT = va.RetryPolicy(max_retries=2, initial_wait=0.0)
# What an operation may raise: ours, the caller's own bad input, or a cancellation.
DOCUMENTED = (va.VocodeError, ValueError, asyncio.CancelledError)


@asynccontextmanager
async def opened(url: str, **kwargs: Any) -> AsyncIterator[va.AsyncVocode]:
    """A client that must give every connection back before it closes."""
    kwargs.setdefault("retry_policy", NO_WAIT)
    async with va.AsyncVocode(api_key=API_KEY, base_url=url, **kwargs) as client:
        yield client
        await asyncio.sleep(0)
        assert acquired(client) == 0, "a connection was left acquired"


async def outcome(aw: Awaitable[Any]) -> BaseException | None:
    """What ``aw`` raised (None: it returned). Anything undocumented fails the test."""
    try:
        await aw
    except DOCUMENTED as exc:
        return exc
    except BaseException as exc:  # the point: name what escaped
        raise AssertionError(f"undocumented {type(exc).__name__} escaped: {exc!r}") from exc
    return None


def create(client: va.AsyncVocode) -> Awaitable[Any]:
    return client.calls.create(from_number="+15550001", to_number="+15550002", agent=AGENT)


def first_item(client: va.AsyncVocode) -> Awaitable[Any]:
    return client.calls.list(size=5).__anext__()


# -- 1. Retry-After, any form ---------------------------------------------------------------

HOSTILE_RETRY_AFTER = [
    "Fri, 31 Dec 99999999999 23:59:59 GMT",  # a year past datetime's range
    "Fri, 31 Dec 9999 23:59:59 -2359",  # the largest date, pushed past it by its offset
    "Mon, 01 Jan 0001 00:00:00 +2359",
    "Fri, 31 Dec 9999 23:59:59 +9999",
    "9" * 5000,  # past float and int-from-text limits
    "1e400",
    "inf",
    "-inf",
    "nan",
    "-5",
    "\u0661\u0662\u0663",  # Arabic-Indic digits: float() reads them, HTTP does not
    "\uff11\uff12\uff13",  # fullwidth digits
    "1_000",
    "0x10",
    "",
]


def test_parse_retry_after_never_raises_and_reads_only_http_forms() -> None:
    for value in HOSTILE_RETRY_AFTER:
        seconds = va._retryafter.parse_retry_after(value)
        assert seconds is None or 0 <= seconds < float("inf"), (value, seconds)
    assert va._retryafter.parse_retry_after("\u0661\u0662\u0663") is None
    assert va._retryafter.parse_retry_after("\uff11\uff12\uff13") is None
    assert va._retryafter.parse_retry_after("1_000") is None
    assert va._retryafter.parse_retry_after("12") == 12.0
    assert va._retryafter.parse_retry_after(" 1.5 ") == 1.5
    huge = va._retryafter.parse_retry_after("9" * 5000)
    assert huge is not None and huge > 1e6  # absurdly large: above any budget, but a number


def _retry_after_server(value: str) -> Callable[..., Awaitable[bool]]:
    async def handler(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
        status = 503 if request.method == "POST" else 429
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        ).encode()
        writer.write(
            head + b"Retry-After: " + value.encode("utf-8", "surrogatepass") + b"\r\n\r\n{}"
        )
        return True

    return handler


async def _get_and_create(value: str) -> tuple[Any, Any, int]:
    """A get and a create (each on its own client: no shared cooldown) answered 429/503
    with ``value`` as Retry-After; what each raised, and the creates the server read."""
    async with RawServer(_retry_after_server(value)) as raw:
        async with opened(raw.url, timeout=2) as client:
            read = await outcome(client.calls.get("call-1"))
        async with opened(raw.url, timeout=2) as client:
            made = await outcome(create(client))
    return read, made, raw.count("POST", "/v1/calls/create")


@pytest.mark.parametrize("value", HOSTILE_RETRY_AFTER, ids=range(len(HOSTILE_RETRY_AFTER)))
async def test_a_hostile_retry_after_gives_a_documented_error(value: str) -> None:
    read, made, created = await _get_and_create(value)
    assert isinstance(read, va.RateLimitError)
    assert isinstance(made, (va.OutcomeUnknownError, va.InternalServerError))
    if read.retry_after is not None:
        assert read.retry_after < float("inf")
    assert created <= 3


async def test_an_absurd_retry_after_is_a_rate_limit_error_at_once() -> None:
    async with RawServer(_retry_after_server("9" * 400)) as raw, opened(raw.url) as client:
        started = time.monotonic()
        error = await outcome(client.calls.get("call-1"))
    assert isinstance(error, va.RateLimitError) and error.retry_after is not None
    assert raw.count("GET", "/v1/calls") == 1 and time.monotonic() - started < 2


_HEADER_TEXT = st.text(
    st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=40
).map(str.strip)
_DATES = st.builds(
    "{}, {:02d} {} {} {:02d}:{:02d}:{:02d} {}".format,
    st.sampled_from(["Mon", "Fri", "Xyz"]),
    st.integers(0, 99),
    st.sampled_from(["Jan", "Dec", "Foo"]),
    st.integers(-(10**12), 10**12),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(["GMT", "UTC", "-2359", "+9999", "-0000", "EST", ""]),
)
_NUMBERS = st.one_of(
    st.integers(-(10**30), 10**400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text("0123456789\u0660\u0661\u06f1\u0967\uff10\uff11._-+eE", min_size=1, max_size=30),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=st.one_of(_HEADER_TEXT, _DATES, _NUMBERS))
def test_fuzz_retry_after_through_a_get_and_a_create(value: str) -> None:
    read, made, _ = asyncio.run(_get_and_create(value))
    # A small valid Retry-After may be waited out until the deadline ends the call.
    assert isinstance(read, (va.RateLimitError, va.APITimeoutError)), value
    assert isinstance(made, va.VocodeError), value


# -- 2. only documented errors escape ------------------------------------------------------


def _raw_answer(head: bytes, body: bytes = b"") -> Callable[..., Awaitable[bool]]:
    async def handler(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
        writer.write(head + b"\r\n\r\n" + body)
        await writer.drain()
        return False

    return handler


async def _reset(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
    writer.transport.abort()
    return False


async def _reset_mid_body(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
    respond(writer, raw=orjson.dumps(FULL_CALL)[:30], length=4000)
    await writer.drain()
    writer.transport.abort()
    return False


def _status(status: str, extra: str = "") -> Callable[..., Awaitable[bool]]:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: 2{extra}"
    return _raw_answer(head.encode(), b"{}")


def _encoded(encoding: str, body: bytes) -> Callable[..., Awaitable[bool]]:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Encoding: {encoding}\r\nContent-Length: {len(body)}"
    )
    return _raw_answer(head.encode(), body)


HOSTILE: dict[str, Callable[..., Awaitable[bool]]] = {
    "retry-after-year": _retry_after_server("Fri, 31 Dec 99999999999 23:59:59 GMT"),
    "retry-after-offset": _retry_after_server("Fri, 31 Dec 9999 23:59:59 -2359"),
    "retry-after-arabic": _retry_after_server("\u0661\u0662"),
    "garbage-json": _raw_answer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4", b"{nul"
    ),
    "binary-body": _raw_answer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4",
        b"\xff\xfe\x00\x81",
    ),
    "html-200": _raw_answer(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6", b"<html>"
    ),
    "reset": _reset,
    "reset-mid-body": _reset_mid_body,
    "status-100": _status("100 Continue"),
    "status-150": _status("150 Odd"),
    "status-199": _status("199 Odd"),
    "status-101": _status(
        "101 Switching Protocols", "\r\nUpgrade: websocket\r\nConnection: upgrade"
    ),
    "status-204-with-body": _status("204 No Content"),
    "status-299": _status("299 Odd"),
    "status-999": _status("999 Odd"),
    "status-600": _status("600 Odd"),
    "status-000": _status("000 Zero"),
    "status-text": _raw_answer(b"HTTP/1.1 abc Bad\r\nContent-Length: 0"),
    "not-http": _raw_answer(b"SSH-2.0-OpenSSH_9.6"),
    "bad-gzip": _encoded("gzip", b"not gzip at all"),
    "bad-deflate": _encoded("deflate", b"\x78\x9c garbage"),
    "brotli": _encoded("br", b"\x0b\x02\x80{}\x03"),
    "zstd": _encoded("zstd", b"\x28\xb5\x2f\xfd garbage"),
    "unknown-encoding": _encoded("x-custom", b"{}"),
    "double-gzip-claim": _encoded("gzip, gzip", zlib.compress(b"{}")),
    "bad-chunked": _raw_answer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked",
        b"zz\r\n{}\r\n0\r\n\r\n",
    ),
    "bad-content-length": _raw_answer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: -1", b"{}"
    ),
    "header-no-colon": _raw_answer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nnocolon\r\nContent-Length: 2", b"{}"
    ),
    "header-non-ascii": _raw_answer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/\xffjson\r\nContent-Length: 2", b"{}"
    ),
}


@pytest.mark.parametrize("behaviour", list(HOSTILE))
async def test_only_documented_errors_escape_a_get_a_list_and_a_create(behaviour: str) -> None:
    async with RawServer(HOSTILE[behaviour]) as raw, opened(raw.url, timeout=5) as client:
        got = [
            await outcome(client.calls.get("call-1")),
            await outcome(first_item(client)),
            await outcome(create(client)),
        ]
    print(f"\n{behaviour}: {[type(e).__name__ for e in got]}")
    assert all(error is not None for error in got), got


async def test_a_101_or_000_final_status_is_a_status_error_and_a_create_is_unknown() -> None:
    for status in ("101 Switching Protocols", "000 Zero"):  # (aiohttp waits past a 1xx)
        async with RawServer(_status(status)) as raw, opened(raw.url) as client:
            read = await outcome(client.calls.get("call-1"))
            made = await outcome(create(client))
        assert type(read) is va.APIStatusError, (status, read)
        assert isinstance(made, va.OutcomeUnknownError), (status, made)
        assert raw.count("POST", "/v1/calls/create") == 1


# -- 3. deadlines cover streams -------------------------------------------------------------


def _trickle(seconds: float, every: float = 0.05) -> Callable[..., Awaitable[bool]]:
    """A recording whose bytes trickle in (one every ``every`` s, for ``seconds``): never
    slow enough for a read timeout, far slower than any call's deadline."""
    count = int(seconds / every)

    async def handler(request: Request, writer: asyncio.StreamWriter, srv: RawServer) -> bool:
        respond(writer, raw=b"", length=count, content_type="audio/mpeg")
        for _ in range(count):
            if writer.transport.is_closing():
                break
            writer.write(b"\x00")
            try:
                await writer.drain()
            except ConnectionError:
                break
            await asyncio.sleep(every)
        srv.closed_by_peer += 1
        return False

    return handler


async def _drain(chunks: Any) -> int:
    size = 0
    async with aclosing(chunks) as stream:
        async for chunk in stream:
            size += len(chunk)
    return size


@pytest.mark.parametrize("where", ["client", "with_options", "download"])
async def test_a_trickling_recording_ends_within_the_calls_timeout(
    where: str, tmp_path: Path
) -> None:
    async with RawServer(_trickle(30.0)) as raw:
        client_timeout = 1.5 if where != "with_options" else 60.0
        async with opened(raw.url, timeout=client_timeout, read_timeout=5) as client:
            view = client.with_options(timeout=1.5) if where == "with_options" else client
            started = time.monotonic()
            if where == "download":
                target = tmp_path / "rec.mp3"
                error = await outcome(view.calls.download_recording("call-1", target))
                assert not target.exists()
            else:
                error = await outcome(_drain(view.calls.recording("call-1")))
            elapsed = time.monotonic() - started
        await asyncio.sleep(0.1)
    print(f"\nrecording via {where}: {type(error).__name__} after {elapsed:.2f}s (trickle: 30s)")
    assert isinstance(error, va.APITimeoutError)
    assert elapsed < 10


# -- 4, 5. size caps on decoded bytes, whatever the headers claim ----------------------------

_CAPPED = textwrap.dedent(
    """
    import asyncio, sys, zlib
    import vocode_async as va
    from tests.faultserver import RawServer

    OPERATION, ENCODINGS, SIZE = sys.argv[1], sys.argv[2].split("|"), int(sys.argv[3])

    def hwm():
        with open("/proc/self/status") as status:
            line = next(l for l in status if l.startswith("VmHWM"))
        return int(line.split()[1]) / 1024

    packer = zlib.compressobj(wbits=31)
    block = b" " * (1 << 20)
    bomb = b"".join(packer.compress(block) for _ in range(SIZE >> 20)) + packer.flush()

    async def handler(request, writer, _):
        head = ["HTTP/1.1 200 OK", "Content-Type: application/json"]
        head += [f"Content-Encoding: {e}" for e in ENCODINGS]
        head.append(f"Content-Length: {len(bomb)}")
        writer.write(("\\r\\n".join(head) + "\\r\\n\\r\\n").encode() + bomb)
        return False

    async def main():
        async with RawServer(handler) as raw:
            async with va.AsyncVocode(
                api_key="k", base_url=raw.url, max_response_bytes=1 << 20,
                max_recording_bytes=1 << 20, retry_policy=va.RetryPolicy(max_retries=0),
            ) as client:
                before = hwm()
                try:
                    if OPERATION == "get":
                        await client.usage.get()
                        got = "returned"
                    else:
                        size = 0
                        async for chunk in client.calls.recording("call-1"):
                            size += len(chunk)
                        got = f"streamed {size}"
                except va.VocodeError as exc:
                    got = type(exc).__name__
                print(got, len(bomb), round(hwm() - before, 1))

    asyncio.run(main())
    """
)


def _capped(operation: str, encodings: str, size: int) -> tuple[str, int, float]:
    """Run ``operation`` against a bomb in a fresh process: outcome, wire size, RSS growth."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", _CAPPED, operation, encodings, str(size)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got, wire, grown = done.stdout.split()
    return got, int(wire), float(grown)


@pytest.mark.parametrize(
    ("operation", "encodings", "size"),
    [
        ("get", "identity|gzip", 128 << 20),
        ("get", "gzip", 128 << 20),
        ("recording", "identity|gzip", 64 << 20),
        ("recording", "gzip", 64 << 20),
    ],
)
def test_the_cap_counts_the_bytes_aiohttp_decodes(
    operation: str, encodings: str, size: int
) -> None:
    got, wire, grown = _capped(operation, encodings, size)
    print(
        f"\n{operation}, Content-Encoding {encodings}: {wire:,} bytes on the wire -> {got}, "
        f"peak RSS +{grown} MiB (body decodes to {size >> 20} MiB, cap 1 MiB)"
    )
    assert got == "ResponseTooLargeError"
    assert grown < 32  # the cap plus aiohttp's read-ahead, never the decoded body


# -- 6. an update that creates nested objects is not safe to repeat --------------------------


@asynccontextmanager
async def acting_then_resetting(created: list[dict[str, Any]]) -> AsyncIterator[str]:
    """An API that performs every update (creating the objects given inline, as the real
    one does) and then loses the answer: it resets the connection."""

    async def update(request: web.Request) -> web.StreamResponse:
        sent = await request.json()
        for field in ("actions",):
            created.extend(item for item in sent.get(field, ()) if isinstance(item, dict))
        for field in ("prompt", "voice", "webhook", "vector_database", "inbound_agent"):
            if isinstance(sent.get(field), dict):
                created.append(sent[field])
        created.append({"request": True})
        assert request.transport is not None
        request.transport.abort()
        return web.Response()

    app = web.Application()
    app.router.add_post("/v1/agents/update", update)
    app.router.add_post("/v1/numbers/update", update)
    async with running(app) as url:
        yield url


async def test_an_update_creating_an_inline_action_is_not_retried() -> None:
    created: list[dict[str, Any]] = []
    action = EndConversationActionUpdateParams()
    async with acting_then_resetting(created) as url, opened(url) as client:
        error = await outcome(client.agents.update(AGENT, actions=(action,)))
    requests = [item for item in created if item == {"request": True}]
    assert isinstance(error, va.OutcomeUnknownError), error
    assert len(requests) == 1  # one request: at most one new action, never an orphan


async def test_an_update_creating_an_inline_agent_of_a_number_is_not_retried() -> None:
    created: list[dict[str, Any]] = []
    agent = va.models.agents.AgentUpdateParams(name="new")
    async with acting_then_resetting(created) as url, opened(url) as client:
        error = await outcome(client.numbers.update("+15550001", inbound_agent=agent))
    assert isinstance(error, va.OutcomeUnknownError), error
    assert created.count({"request": True}) == 1


async def test_an_update_naming_objects_by_id_is_still_retried() -> None:
    created: list[dict[str, Any]] = []
    async with acting_then_resetting(created) as url, opened(url) as client:
        error = await outcome(client.agents.update(AGENT, actions=(AGENT,), name="n"))
        number = await outcome(client.numbers.update("+15550001", inbound_agent=AGENT))
    assert type(error) is va.APIConnectionError and type(number) is va.APIConnectionError
    assert created.count({"request": True}) == 6  # 1 + 2 retries, twice

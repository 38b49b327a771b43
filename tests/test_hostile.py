"""The guarantees against hostile servers and bad input (issue 11), each on loopback.

Every server here is a small purpose-built one (aiohttp.web, or the byte-level RawServer)
that does what a broken proxy, a captive portal or an attacker would.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import resource
import subprocess
import sys
import time
import traceback
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

import vocode_async as va
from tests.conftest import API_KEY
from tests.faultserver import RawServer, Request, respond
from vocode_async.models.account_connections import (
    OpenAIAccountConnectionParams,
    OpenAICredentials,
    TwilioAccountConnectionParams,
    TwilioCredentials,
)
from vocode_async.testing import FakeVocodeServer
from vocode_async.testing._data import Store

TWILIO_TOKEN = "twilio-tok-5b1e77aa0c"
OPENAI_KEY = "sk-openai-9d2c41f0e3"
PINECONE_KEY = "pc-key-13579bdf"
SECRETS = (API_KEY, TWILIO_TOKEN, OPENAI_KEY, PINECONE_KEY)
# The start of each secret: an excerpt cut mid-secret must not leave its head behind.
HEADS = tuple(secret[:8] for secret in SECRETS)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def web_app(routes: dict[tuple[str, str], Handler]) -> AsyncIterator[str]:
    """An aiohttp.web app on 127.0.0.1; yields its URL."""
    app = web.Application()
    for (method, path), handler in routes.items():
        app.router.add_route(method, path, handler)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def opened(url: str, **kwargs: Any) -> va.AsyncVocode:
    kwargs.setdefault("retry_policy", va.RetryPolicy(max_retries=0, initial_wait=0.0))
    return va.AsyncVocode(api_key=API_KEY, base_url=url, **kwargs)


async def failure(aw: Awaitable[Any]) -> BaseException:
    """The error ``aw`` raises (it must raise a VocodeError)."""
    try:
        await aw
    except va.VocodeError as exc:
        return exc
    raise AssertionError("no error raised")


def texts(error: BaseException | None) -> Iterator[str]:
    """Every text an error and its chain carry."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield str(error)
        yield repr(error)
        for name in ("excerpt", "location", "detail"):
            yield str(getattr(error, name, ""))
        yield from getattr(error, "__notes__", ())
        error = error.__cause__ or error.__context__


def assert_no_secret(*chunks: str) -> None:
    for chunk in chunks:
        for secret in SECRETS + HEADS:
            assert secret not in chunk, f"{secret!r} leaked in {chunk[:300]!r}"


async def decode_failures(answer: Handler) -> tuple[BaseException, BaseException]:
    """The errors of ``calls.get`` and of a listing's first item against ``answer``."""
    routes: dict[tuple[str, str], Handler] = {
        ("GET", "/v1/calls"): answer,
        ("GET", "/v1/calls/list"): answer,
    }
    async with web_app(routes) as url, opened(url) as client:
        one = await failure(client.calls.get("call-1"))
        listing = await failure(client.calls.list(size=5).__anext__())
    return one, listing


# -- secrets -------------------------------------------------------------------------------


async def test_a_2xx_echoing_the_headers_never_shows_the_key_in_a_decode_error() -> None:
    async def portal(request: web.Request) -> web.Response:
        # A captive portal echoing the request, the key placed across the excerpt's cut.
        text = "<html>" + "x" * 120 + f"Authorization: {request.headers['Authorization']}"
        return web.Response(text=text + "\n" * 50, content_type="text/html")

    one, listing = await decode_failures(portal)
    for error in (one, listing):
        assert type(error) is va.ResponseDecodeError
        assert "x" * 100 in error.excerpt  # the excerpt is still there, only masked
        assert_no_secret(*texts(error), recorded(error))


async def test_a_2xx_echoing_secrets_in_json_keeps_them_out_of_errors_and_locals() -> None:
    async def echo(request: web.Request) -> web.Response:
        # Valid JSON that does not match the model, holding what the request carried.
        sent = await request.json()
        auth = request.headers["Authorization"]
        return web.json_response({"echo": sent, "auth": auth, "id": 7}, status=201)

    routes: dict[tuple[str, str], Handler] = {("POST", "/v1/account_connections/create"): echo}
    async with web_app(routes) as url, opened(url) as client:
        credentials = OpenAICredentials(openai_api_key=OPENAI_KEY)
        params = OpenAIAccountConnectionParams(credentials=credentials)
        error = await failure(client.account_connections.create(params))
        del credentials, params
    assert type(error) is va.ResponseDecodeError and error.status == 201
    assert_no_secret(*texts(error), recorded(error))


def recorded(error: BaseException) -> str:
    """What an error tracker that records frame locals would store for ``error``."""
    return "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())


async def test_a_redirect_echoing_the_key_is_masked_in_its_location() -> None:
    async def bounce(request: web.Request) -> web.Response:
        key = request.headers["Authorization"].removeprefix("Bearer ")
        raise web.HTTPFound(f"https://elsewhere.example/login?key={key}&from=/v1/usage")

    async with web_app({("GET", "/v1/usage"): bounce}) as url, opened(url) as client:
        error = await failure(client.usage.get())
    assert isinstance(error, va.UnexpectedRedirectError)
    assert error.location is not None and error.location.startswith("https://elsewhere.example")
    assert_no_secret(*texts(error))


@pytest.mark.parametrize("mark", ["", " \u2713"], ids=["latin-1", "beyond-latin-1"])
async def test_a_detail_echoing_parts_of_the_key_masks_them(mark: str) -> None:
    head, tail = API_KEY[:10], API_KEY[-9:]  # 8+ characters of a 12+ character secret

    async def echo(request: web.Request) -> web.Response:
        detail = f"unknown key {head}...{mark} (ends with {tail})"
        return web.json_response({"detail": detail}, status=401)

    async with web_app({("GET", "/v1/calls"): echo}) as url, opened(url) as client:
        error = await failure(client.calls.get("call-1"))
    every = "\n".join(texts(error))
    assert "unknown key" in every and "ends with" in every  # the rest is kept
    assert head not in every and tail not in every, every


@pytest.mark.parametrize("status", [401, 422, 429, 500])
async def test_an_error_detail_echoing_the_body_masks_every_secret_sent(status: int) -> None:
    async def echo(request: web.Request) -> web.Response:
        sent = await request.text()
        # The secret placed across the 300-character cut of the error message's summary.
        start = min(sent.index(secret) for secret in SECRETS if secret in sent)
        echoed = "x" * (280 - start - len("rejected ")) + sent
        if status == 422:
            detail: Any = [{"loc": ["body"], "msg": f"cannot use {sent}", "type": "value_error"}]
        else:
            detail = f"rejected {echoed} with {request.headers['Authorization']}"
        return web.json_response({"detail": detail}, status=status)

    routes: dict[tuple[str, str], Handler] = {
        ("POST", "/v1/account_connections/create"): echo,
        ("POST", "/v1/vector_databases/create"): echo,
    }
    async with web_app(routes) as url, opened(url) as client:
        groups = client.account_connections
        twilio = TwilioCredentials(twilio_account_sid="AC1", twilio_auth_token=TWILIO_TOKEN)
        errors = [
            await failure(groups.create(TwilioAccountConnectionParams(credentials=twilio))),
            await failure(
                groups.create(
                    OpenAIAccountConnectionParams(
                        credentials=OpenAICredentials(openai_api_key=OPENAI_KEY)
                    )
                )
            ),
            await failure(
                client.vector_databases.create(
                    index="idx", api_key=PINECONE_KEY, api_environment="us-east1"
                )
            ),
        ]
    for error in errors:
        every = list(texts(error))
        assert any("rejected" in t or "cannot use" in t for t in every)  # the detail is kept
        assert_no_secret(*every)


async def test_no_secret_in_the_frame_locals_an_error_tracker_records() -> None:
    async def down(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"detail": "upstream down"}, status=500)

    routes: dict[tuple[str, str], Handler] = {("POST", "/v1/account_connections/create"): down}
    async with web_app(routes) as url, opened(url) as client:
        twilio = TwilioCredentials(twilio_account_sid="AC1", twilio_auth_token=TWILIO_TOKEN)
        params = TwilioAccountConnectionParams(credentials=twilio)
        error = await failure(client.account_connections.create(params))
        del twilio, params
    assert isinstance(error, va.OutcomeUnknownError)
    text = recorded(error)
    assert "<request body," in text  # the body's frames were recorded, as its size only
    assert_no_secret(text)


async def test_the_cli_redacts_an_account_connection_of_an_unknown_kind_by_key_name() -> None:
    unknown = {
        "id": "ac-1",
        "user_id": "u-1",
        "type": "account_connection_salesforce",
        "credentials": {"client_id": "cid", "client_secret": TWILIO_TOKEN},
        "settings": {"refresh_token": OPENAI_KEY, "region": "eu", "password": PINECONE_KEY},
    }

    async def get(_: web.Request) -> web.Response:
        return web.json_response(unknown)

    async with web_app({("GET", "/v1/account_connections"): get}) as url:
        hidden = await cli(url, "account-connections", "get", "ac-1")
        shown = await cli(url, "account-connections", "get", "ac-1", "--show-secrets")
    assert hidden.returncode == 0, hidden.stderr
    printed = orjson.loads(hidden.stdout)
    assert printed["settings"]["region"] == "eu" and printed["credentials"] == "<redacted>"
    assert_no_secret(hidden.stdout, hidden.stderr)
    assert TWILIO_TOKEN in shown.stdout and OPENAI_KEY in shown.stdout


async def cli(url: str, *args: str | bytes, key: str = API_KEY) -> subprocess.CompletedProcess[str]:
    """Run vocode-async in a child while this loop keeps serving."""
    env = {**os.environ, "VOCODE_API_KEY": key, "VOCODE_BASE_URL": url}
    env.pop("VOCODE_LOG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vocode_async.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


async def test_the_cli_error_line_never_shows_the_key() -> None:
    async def portal(request: web.Request) -> web.Response:
        return web.Response(text=f"echo {dict(request.headers)}", content_type="text/plain")

    async with web_app({("GET", "/v1/calls"): portal}) as url:
        done = await cli(url, "calls", "get", "call-1")
    assert done.returncode == 1 and done.stderr.startswith("error: ")
    assert len(done.stderr.strip().splitlines()) == 1
    assert_no_secret(done.stdout, done.stderr)


async def test_secret_headers_given_to_the_client_are_masked_too() -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"detail": f"bad {dict(request.headers)}"}, status=401)

    gateway, defaults = {"X-Api-Key": PINECONE_KEY}, {"X-Gateway-Token": OPENAI_KEY}
    routes: dict[tuple[str, str], Handler] = {("GET", "/v1/usage"): echo}
    async with web_app(routes) as url, opened(url, default_headers=defaults) as client:
        one = await failure(client.usage.get())
        two = await failure(client.with_options(extra_headers=gateway).usage.get())
    assert isinstance(one, va.AuthenticationError) and isinstance(two, va.AuthenticationError)
    assert "X-Gateway-Token" in str(two) and "X-Api-Key" in str(two)
    assert_no_secret(*texts(one), *texts(two))


# -- memory and CPU ------------------------------------------------------------------------


def _bomb(encoding: str, size: int) -> bytes:
    packer = zlib.compressobj(wbits=31 if encoding == "gzip" else 15)
    block = b" " * (1 << 20)
    return b"".join(packer.compress(block) for _ in range(size >> 20)) + packer.flush()


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_compression_bomb_stops_at_the_decoded_cap(encoding: str) -> None:
    bomb = _bomb(encoding, 256 << 20)  # 256 MiB of JSON whitespace

    async def usage(_: web.Request) -> web.Response:
        headers = {"Content-Encoding": encoding, "Content-Type": "application/json"}
        return web.Response(body=bomb, headers=headers)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    routes: dict[tuple[str, str], Handler] = {("GET", "/v1/usage"): usage}
    async with web_app(routes) as url, opened(url, max_response_bytes=1 << 20) as client:
        error = await failure(client.usage.get())
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    print(f"\n{encoding} bomb: {len(bomb):,} bytes on the wire, peak RSS +{grown:.1f} MiB")
    assert type(error) is va.ResponseTooLargeError


async def test_a_page_of_100k_bad_items_fails_at_the_first_without_freezing_the_loop() -> None:
    items = b",".join([b"{}"] * 100_000)
    page = b'{"items":[' + items + b'],"page":1,"size":100000,"has_more":false,"total":1,'
    page += b'"total_is_estimated":false}'

    async def listing(_: web.Request) -> web.Response:
        return web.Response(body=page, content_type="application/json")

    async with web_app({("GET", "/v1/calls/list"): listing}) as url, opened(url) as client:
        pager = client.calls.list(size=100_000, prefetch=0)
        started = time.perf_counter()
        error = await failure(pager.__anext__())
        elapsed = time.perf_counter() - started
    print(f"\n{len(page) / 1e6:.2f} MB page of 100,000 {{}}: failed in {elapsed * 1000:.0f} ms")
    assert isinstance(error, va.ResponseDecodeError) and error.page == 1
    assert error.field_path is not None and error.field_path.startswith("items[0].")


# -- unsafe operations ---------------------------------------------------------------------


@contextlib.asynccontextmanager
async def swallowing() -> AsyncIterator[tuple[RawServer, asyncio.Event]]:
    """A server that reads every request and answers none until told to stop."""
    stop = asyncio.Event()

    async def handler(request: Request, writer: asyncio.StreamWriter, srv: RawServer) -> bool:
        await stop.wait()
        return False

    async with RawServer(handler) as raw:
        try:
            yield raw, stop
        finally:
            stop.set()
            await asyncio.sleep(0.05)


async def until(check: Callable[[], bool]) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


def place(client: va.AsyncVocode) -> Awaitable[Any]:
    return client.calls.create(from_number="+15550001", to_number="+15550002", agent="agent-1")


async def test_close_during_a_create_that_was_sent_is_outcome_unknown() -> None:
    async with swallowing() as (raw, _):
        client = opened(raw.url)
        task = asyncio.ensure_future(failure(place(client)))
        await until(lambda: raw.count("POST", "/v1/calls/create") == 1)
        await client.close()
        error = await task
    assert isinstance(error, va.OutcomeUnknownError), repr(error)
    assert isinstance(error.__cause__, va.ClientClosedError) and error.__cause__.request_sent


async def test_a_cancelled_create_stays_cancelled_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with swallowing() as (raw, _), opened(raw.url) as client:
        task = asyncio.ensure_future(place(client))
        await until(lambda: raw.count("POST", "/v1/calls/create") == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert any("POST /v1/calls/create" in r.getMessage() for r in warnings), caplog.text


async def test_a_create_that_timed_out_waiting_for_a_pool_slot_was_never_sent() -> None:
    async with swallowing() as (raw, _):
        client = opened(raw.url, max_connections=1)
        holder = asyncio.ensure_future(failure(place(client)))  # takes the only connection
        await until(lambda: raw.count("POST", "/v1/calls/create") == 1)
        error = await failure(place(client.with_options(timeout=0.3)))
        await client.close()
        await holder
    assert type(error) is va.APITimeoutError, repr(error)
    assert error.request_sent is False
    assert raw.count("POST", "/v1/calls/create") == 1


# -- timing and request counts -------------------------------------------------------------


async def test_the_whole_call_timeout_caps_backoff_and_keeps_the_503() -> None:
    async def down(_: web.Request) -> web.Response:
        return web.json_response({"detail": "down"}, status=503)

    policy = va.RetryPolicy(max_retries=20, initial_wait=0.5, max_wait=8.0)
    routes: dict[tuple[str, str], Handler] = {("GET", "/v1/usage"): down}
    async with web_app(routes) as url, opened(url, timeout=1.0, retry_policy=policy) as client:
        started = time.monotonic()
        error = await failure(client.usage.get())
        elapsed = time.monotonic() - started
    print(f"\ntimeout=1 ended the call after {elapsed:.2f} s")
    assert type(error) is va.APITimeoutError, repr(error)
    assert isinstance(error.__cause__, va.InternalServerError) and error.__cause__.status == 503


@pytest.mark.parametrize("borrowed", [False, True], ids=["own-session", "borrowed-session"])
async def test_aiohttp_never_resends_behind_the_retry_budget(borrowed: bool) -> None:
    answered: set[int] = set()

    async def handler(request: Request, writer: asyncio.StreamWriter, srv: RawServer) -> bool:
        if request.peer_port in answered:
            return False  # a kept-alive connection dropped under its second request
        answered.add(request.peer_port)
        respond(writer, body={"ok": True})
        return True

    async with contextlib.AsyncExitStack() as stack:
        raw = await stack.enter_async_context(RawServer(handler))
        extra: dict[str, Any] = {}
        if borrowed:
            extra["session"] = await stack.enter_async_context(aiohttp.ClientSession())
        async with opened(raw.url, **extra) as client:  # max_retries=0
            assert await client.request("GET", "/v1/ping") == {"ok": True}
            error = await failure(client.request("GET", "/v1/ping"))
        assert isinstance(error, va.APIConnectionError)
        assert "not re-sent" not in str(error)  # the drop itself, as if aiohttp had not retried
        assert raw.count("GET", "/v1/ping") == 2  # not 3: aiohttp's re-send is refused
        policy = va.RetryPolicy(max_retries=1, initial_wait=0.0)
        async with opened(raw.url, retry_policy=policy, **extra) as client:
            await client.request("GET", "/v1/ping")
            assert await client.request("GET", "/v1/ping") == {"ok": True}  # our retry
        assert raw.count("GET", "/v1/ping") == 5


# -- bad input -----------------------------------------------------------------------------

BAD_IDS = ["call-1\udcff", "call\n1", "call-1\x00", "\x7f", ""]


def _id_operations(client: va.AsyncVocode, bad: str) -> list[tuple[str, Any]]:
    """Every operation that takes an id or a phone number, given ``bad``."""
    none: Any = None
    pool = client.account_connections
    return [
        ("id", lambda: client.calls.get(bad)),
        ("id", lambda: client.calls.end(bad)),
        ("id", lambda: client.calls.recording(bad).__anext__()),
        ("id", lambda: client.agents.get(bad)),
        ("id", lambda: client.agents.update(bad, name="n")),
        ("phone_number", lambda: client.numbers.get(bad)),
        ("phone_number", lambda: client.numbers.update(bad, label="l")),
        ("phone_number", lambda: client.numbers.cancel(bad)),
        (
            "phone_number",
            lambda: client.numbers.link(phone_number=bad, telephony_account_connection="ac"),
        ),
        ("id", lambda: client.prompts.get(bad)),
        ("id", lambda: client.prompts.update(bad, content="c")),
        ("id", lambda: client.actions.get(bad)),
        ("id", lambda: client.actions.update(bad, none)),
        ("id", lambda: client.voices.get(bad)),
        ("id", lambda: client.voices.update(bad, none)),
        ("id", lambda: client.webhooks.get(bad)),
        ("id", lambda: client.webhooks.update(bad, url="https://x.example")),
        ("id", lambda: client.vector_databases.get(bad)),
        ("id", lambda: client.vector_databases.update(bad, index="i")),
        ("id", lambda: client.account_connections.get(bad)),
        ("id", lambda: client.account_connections.update(bad, none)),
        ("id", lambda: pool.add_to_steering_pool(bad, phone_number="+1")),
        ("id", lambda: pool.remove_from_steering_pool(bad, phone_number="+1")),
    ]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
async def test_a_bad_id_is_refused_before_anything_is_sent(
    server: FakeVocodeServer, client: va.AsyncVocode, bad: str
) -> None:
    sent = sum(server.counters.values())
    for name, operation in _id_operations(client, bad):
        with pytest.raises(ValueError, match=name) as info:
            await operation()
        assert not isinstance(info.value, va.VocodeError)
    assert sum(server.counters.values()) == sent


async def test_the_cli_refuses_a_bad_id_in_one_line() -> None:
    async def never(_: web.Request) -> web.Response:
        raise AssertionError("nothing may be sent")

    async with web_app({("POST", "/v1/calls/end"): never}) as url:
        done = await cli(url, "calls", "end", os.fsencode("call-1\udcff"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: id") and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "key", [b"sk-bytes-key", 12345, "sk-line-key\n", "sk-\x00-key", " sk-padded"], ids=repr
)
def test_an_unusable_api_key_is_a_config_error_that_never_echoes_it(key: Any) -> None:
    with pytest.raises(va.ConfigError) as info:
        va.AsyncVocode(api_key=key)
    message = str(info.value)
    assert "api_key" in message and str(key).strip() not in message
    assert "sk-" not in message and "12345" not in message


async def test_the_cli_says_in_one_line_that_the_key_holds_a_newline() -> None:
    async with web_app({}) as url:
        done = await cli(url, "usage", key="sk-file-key-123\n")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "newline" in done.stderr
    assert "sk-file-key-123" not in done.stderr


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_a_client_used_from_a_second_loop_says_so_and_leaks_nothing(
    server: FakeVocodeServer,
) -> None:
    def two_runs() -> BaseException:
        client = va.AsyncVocode(api_key=API_KEY, base_url=server.url)  # module-level style
        asyncio.run(client.usage.get())
        try:
            asyncio.run(client.usage.get())
        except va.VocodeError as exc:
            return exc
        finally:
            asyncio.run(client.close())
        raise AssertionError("the second loop was not refused")

    before = _fds()
    error = await asyncio.to_thread(two_runs)
    gc.collect()
    assert isinstance(error, va.WrongEventLoopError), repr(error)
    assert "another event loop" in str(error)
    await until(lambda: _fds() <= before)  # once the server side has seen them go


# -- logging -------------------------------------------------------------------------------

_SCRIPT = """
import asyncio, sys
import vocode_async as va

async def main():
    policy = va.RetryPolicy(max_retries=2, initial_wait=0.0)
    async with va.AsyncVocode(base_url=sys.argv[1], retry_policy=policy) as client:
        print(await client.request("GET", "/v1/ping"))

asyncio.run(main())
"""


@pytest.mark.parametrize("level", ["debug", "info"])
async def test_vocode_log_shows_each_attempt_and_no_secret(level: str) -> None:
    hits = 0

    async def flaky(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        if hits % 2:
            headers = {"Retry-After": "0.05", "x-request-id": f"req-{hits}"}
            return web.json_response({"detail": "busy"}, status=503, headers=headers)
        return web.json_response({"ok": True}, headers={"x-request-id": f"req-{hits}"})

    async with web_app({("GET", "/v1/ping"): flaky}) as url:
        env = {**os.environ, "VOCODE_LOG": level, "VOCODE_API_KEY": API_KEY}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _SCRIPT,
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    log = err.decode()
    print("\n" + log)
    assert proc.returncode == 0 and b"{'ok': True}" in out
    assert_no_secret(log)
    assert "retrying GET /v1/ping" in log and "Retry-After" in log
    assert "cooldown over" in log
    if level == "debug":
        assert "GET /v1/ping -> InternalServerError 503" in log and "attempt 1 of 3" in log
        assert "GET /v1/ping -> 200" in log and "attempt 2 of 3" in log
        assert "request id req-1" in log and "request id req-2" in log
    else:
        assert "->" not in log


# -- found by an outside review ------------------------------------------------------------


def _key_of(request: web.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


def _all_texts(error: BaseException) -> list[str]:
    extra = [str(getattr(error, name, "")) for name in ("field_path", "request_id")]
    return [*texts(error), *extra, str(vars(error)), recorded(error)]


async def test_a_key_echoed_as_a_mapping_key_is_masked_in_the_decode_error_path() -> None:
    async def echo_as_key(request: web.Request) -> web.Response:
        call = {**Store(calls=1).calls[0], "context": {_key_of(request): 5}}
        if request.path.endswith("/list"):
            page = {"items": [call], "page": 1, "size": 5, "has_more": False, "total": 1}
            return web.json_response({**page, "total_is_estimated": False})
        return web.json_response(call)

    one, listing = await decode_failures(echo_as_key)
    for error in (one, listing):
        assert isinstance(error, va.ResponseDecodeError) and error.field_path is not None
        assert "context" in error.field_path
        assert_no_secret(*_all_texts(error))


async def test_a_request_id_echoing_the_key_is_masked_everywhere() -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"user_id": "u"}, headers={"x-request-id": _key_of(request)})

    async def denied(request: web.Request) -> web.Response:
        headers = {"x-request-id": _key_of(request), "X-Echo": _key_of(request)}
        return web.json_response({"detail": "no"}, status=404, headers=headers)

    async def audio(request: web.Request) -> web.Response:
        headers = {"x-request-id": _key_of(request)}
        return web.Response(body=b"mp3", content_type="audio/mpeg", headers=headers)

    routes: dict[tuple[str, str], Handler] = {
        ("GET", "/v1/usage"): ok,
        ("GET", "/v1/calls"): denied,
        ("GET", "/v1/calls/recording"): audio,
    }
    async with web_app(routes) as url, opened(url) as client:
        decode = await failure(client.usage.get())  # usage lacks fields: a decode error
        status = await failure(client.calls.get("call-1"))
        raw = await client.calls.with_raw_response.recording("call-1")
    assert raw.parse() == b"mp3" and raw.request_id == "***"
    for error in (decode, status):
        assert error.request_id == "***"  # type: ignore[attr-defined]
        assert_no_secret(*_all_texts(error))


async def test_a_422_location_echoing_a_secret_in_json_escapes_is_masked() -> None:
    async def refuse(request: web.Request) -> web.Response:
        token = (await request.json())["credentials"]["twilio_auth_token"]
        escaped = token.replace("-", "\\u002d")  # the same text, spelled otherwise
        body = '{"detail":[{"loc":["body","credentials","%s"],"msg":"bad","type":"t"}]}'
        return web.Response(status=422, text=body % escaped, content_type="application/json")

    routes: dict[tuple[str, str], Handler] = {("POST", "/v1/account_connections/create"): refuse}
    params = TwilioAccountConnectionParams(
        credentials=TwilioCredentials(twilio_account_sid="AC1", twilio_auth_token=TWILIO_TOKEN)
    )
    async with web_app(routes) as url, opened(url) as client:
        error = await failure(client.account_connections.create(params))
    assert isinstance(error, va.UnprocessableEntityError)
    assert error.issues[0].loc[:2] == ("body", "credentials")
    assert_no_secret(*_all_texts(error), str(error.issues))

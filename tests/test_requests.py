"""The one request path: errors by status, retries by safety, timeouts, redirects."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

import vocode_async as va
from vocode_async import AsyncVocode, RetryPolicy
from vocode_async.models import CallStatus
from vocode_async.testing import FakeVocodeServer, FaultKind

from .conftest import API_KEY, FAST, free_port, make_client

STATUS_CLASSES = [
    (400, va.BadRequestError),
    (401, va.AuthenticationError),
    (403, va.PermissionDeniedError),
    (404, va.NotFoundError),
    (422, va.UnprocessableEntityError),
    (429, va.RateLimitError),
    (500, va.InternalServerError),
    (502, va.InternalServerError),
    (418, va.APIStatusError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
async def test_each_status_maps_to_its_class(
    server: FakeVocodeServer, client: AsyncVocode, status: int, cls: type[va.APIStatusError]
) -> None:
    server.faults.add(
        path="/v1/calls",
        status=status,
        times=None,
        headers={"x-request-id": "req-123"},
        body=b'{"detail": "nope"}',
    )
    with pytest.raises(cls) as info:
        await client.with_options(max_retries=0).calls.get("some-id")
    err = info.value
    assert type(err) is cls
    assert (err.status, err.method, err.path, err.request_id, err.detail) == (
        status,
        "GET",
        "/v1/calls",
        "req-123",
        "nope",
    )
    assert f"{status}" in str(err) and "/v1/calls" in str(err)
    assert err.__cause__ is None
    assert err.__context__ is None or err.__suppress_context__


async def test_real_auth_failures(server: FakeVocodeServer) -> None:
    async with server.client(api_key="wrong-key", retry_policy=FAST) as bad:
        with pytest.raises(va.AuthenticationError, match="Invalid API key"):
            await bad.calls.get("x")


async def test_422_detail_is_parsed(server: FakeVocodeServer, client: AsyncVocode) -> None:
    with pytest.raises(va.UnprocessableEntityError) as info:
        await client.calls.create(
            from_number="+1",
            to_number=None,  # type: ignore[arg-type]
            agent="00000000-0000-4000-8000-000000000000",
        )
    (issue,) = info.value.issues
    assert issue.loc == ("body", "to_number")
    assert "body.to_number" in str(info.value)


async def test_not_found_from_the_server(client: AsyncVocode) -> None:
    with pytest.raises(va.NotFoundError, match="Call not found"):
        await client.calls.get("00000000-0000-4000-8000-000000000000")


async def test_html_502_is_a_server_error(server: FakeVocodeServer, client: AsyncVocode) -> None:
    server.faults.add(
        path="/v1/calls",
        status=502,
        times=None,
        content_type="text/html",
        body=b"<html><body>Bad gateway</body></html>",
    )
    with pytest.raises(va.InternalServerError) as info:
        await client.calls.get("x")
    assert "text/html" in str(info.value)
    assert sum(1 for r in server.log if r.path == "/v1/calls") == 3  # 1 + max_retries


async def test_503_retry_after_then_success(server: FakeVocodeServer, client: AsyncVocode) -> None:
    call_id = server.store.calls[0]["id"]
    server.faults.add(path="/v1/calls", status=503, headers={"Retry-After": "1"})
    call = await client.calls.get(call_id)
    assert call.id == call_id
    hits = [r.at for r in server.log if r.path == "/v1/calls"]
    assert len(hits) == 2
    assert hits[1] - hits[0] >= 1.0


async def test_retry_after_over_the_cap_raises_at_once(server: FakeVocodeServer) -> None:
    server.faults.add(path="/v1/calls", status=429, headers={"Retry-After": "500"})
    async with server.client(retry_policy=RetryPolicy(initial_wait=0, max_retry_after=10)) as c:
        with pytest.raises(va.RateLimitError) as info:
            await c.calls.get("x")
    assert info.value.retry_after == 500
    assert sum(1 for r in server.log if r.path == "/v1/calls") == 1


async def test_create_is_not_retried_on_500(server: FakeVocodeServer, client: AsyncVocode) -> None:
    server.faults.add(path="/v1/calls/create", status=500, times=None)
    agent = next(iter(server.store.agents))
    with pytest.raises(va.OutcomeUnknownError) as info:
        await client.calls.create(from_number="+15550000000", to_number="+15551112222", agent=agent)
    assert server.counters["POST /v1/calls/create"] == 1
    assert isinstance(info.value.__cause__, va.InternalServerError)
    assert "calls.list" in va.OutcomeUnknownError.__doc__  # type: ignore[operator]


async def test_create_is_not_retried_after_a_reset(
    server: FakeVocodeServer, client: AsyncVocode
) -> None:
    server.faults.add(path="/v1/calls/create", kind=FaultKind.RESET, times=None)
    agent = next(iter(server.store.agents))
    with pytest.raises(va.OutcomeUnknownError):
        await client.calls.create(from_number="+1555", to_number="+1556", agent=agent)
    assert server.counters["POST /v1/calls/create"] == 1


async def test_create_retried_on_429_and_503_with_retry_after(
    server: FakeVocodeServer, client: AsyncVocode
) -> None:
    server.faults.add(path="/v1/calls/create", status=429, headers={"Retry-After": "0"})
    server.faults.add(path="/v1/calls/create", status=503, headers={"Retry-After": "0"})
    agent = next(iter(server.store.agents))
    call = await client.calls.create(from_number="+1555", to_number="+1556", agent=agent)
    assert call.to_number == "+1556"
    assert server.counters["POST /v1/calls/create"] == 3
    assert server.counters["calls_created"] == 1


async def test_create_retried_when_the_connection_was_refused() -> None:
    port = free_port()
    server = FakeVocodeServer(api_key=API_KEY, calls=5, port=port)
    policy = RetryPolicy(max_retries=3, initial_wait=0.4, multiplier=1)

    async def start_late() -> None:
        await asyncio.sleep(0.1)  # after the first attempt was refused
        await server.start()

    starter = asyncio.create_task(start_late())
    async with AsyncVocode(
        api_key=API_KEY,
        base_url=f"http://127.0.0.1:{port}",
        retry_policy=RetryPolicy(max_retries=3, initial_wait=0),
    ) as probe:
        with pytest.raises(va.APIConnectionError) as info:
            await probe.with_options(max_retries=0).calls.get("x")
        assert info.value.request_sent is False
    async with AsyncVocode(
        api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", retry_policy=policy
    ) as c:
        agent = next(iter(server.store.agents))
        call = await c.calls.create(from_number="+1555", to_number="+1556", agent=agent)
    await starter
    await server.stop()
    assert call.from_number == "+1555"
    assert server.counters["calls_created"] == 1


async def test_reads_retry_a_reset_and_truncation_is_a_decode_error(
    server: FakeVocodeServer, client: AsyncVocode
) -> None:
    server.faults.add(path="/v1/calls/list", kind=FaultKind.RESET)
    page = await client.calls.list(size=5)
    assert len(page.items) == 5
    server.faults.add(path="/v1/calls/list", kind=FaultKind.TRUNCATE)
    with pytest.raises(va.ResponseDecodeError) as info:
        await client.calls.list(size=5)
    assert info.value.status == 200 and "cut-short" in info.value.excerpt


async def test_timeout_is_the_whole_call(server: FakeVocodeServer) -> None:
    server.faults.add(path="/v1/calls", kind=FaultKind.HANG, times=None)
    async with server.client(timeout=0.3, retry_policy=FAST) as c:
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(va.APITimeoutError):
            await c.calls.get("x")
        assert loop.time() - start < 1.0  # not 0.3 s per attempt times three


async def test_redirects_are_not_followed() -> None:
    other_hits = 0

    async def other(_: web.Request) -> web.Response:
        nonlocal other_hits
        other_hits += 1
        return web.json_response({})

    other_app = web.Application()
    other_app.router.add_get("/{tail:.*}", other)
    async with (
        FakeVocodeServer(api_key=API_KEY) as elsewhere,
        FakeVocodeServer(api_key=API_KEY) as srv,
    ):
        await elsewhere.stop()
        runner = web.AppRunner(other_app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        target = f"http://127.0.0.1:{port}/steal"
        srv.faults.add(path="/v1/calls", status=302, headers={"Location": target}, times=None)
        async with make_client(srv) as c:
            with pytest.raises(va.UnexpectedRedirectError) as info:
                await c.calls.get("x")
        await runner.cleanup()
    assert info.value.location == target
    assert other_hits == 0


async def test_oversized_body_is_refused(server: FakeVocodeServer) -> None:
    async with server.client(max_response_bytes=1000, retry_policy=FAST) as c:
        with pytest.raises(va.ResponseTooLargeError):
            await c.calls.list(size=100)


async def test_decode_error_names_the_field(server: FakeVocodeServer, client: AsyncVocode) -> None:
    server.store.calls[-4].pop("to_number")  # the 4th item of the newest-first page 1
    server.store.version += 1
    with pytest.raises(va.ResponseDecodeError) as info:
        await client.calls.list(size=10)
    assert info.value.field_path == "items[3].to_number"
    assert "items[3].to_number" in str(info.value)


async def test_recording_download_is_atomic(
    server: FakeVocodeServer, client: AsyncVocode, tmp_path: object
) -> None:
    from pathlib import Path

    call = next(c for c in server.store.calls if c["recording_available"])
    target = Path(str(tmp_path)) / "rec.wav"
    saved = await client.calls.download_recording(call["id"], target)
    assert saved.read_bytes() == server.store.recording(call["id"])
    broken = Path(str(tmp_path)) / "broken.wav"
    server.faults.add(path="/v1/calls/recording", kind=FaultKind.RESET)
    with pytest.raises(va.APIConnectionError):
        await client.calls.download_recording(call["id"], broken)
    assert not broken.exists()
    assert sorted(p.name for p in Path(str(tmp_path)).iterdir()) == ["rec.wav"]  # noqa: ASYNC240


async def test_end_call(server: FakeVocodeServer, client: AsyncVocode) -> None:
    call = next(c for c in server.store.calls if c["status"] != "ended")
    ended = await client.calls.end(call["id"])
    assert ended.status == CallStatus.ENDED
    assert ended.status == "ended"
    assert ended.recording_available

"""Escape hatches off the typed path: options, raw responses, raw requests, serialization,
unknown fields, proxies, borrowed sessions. All over loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from vocode_async import (
    AsyncVocode,
    OutcomeUnknownError,
    RawResponse,
    RequestOptions,
    ResponseDecodeError,
    raw_response,
)
from vocode_async.models import (
    Call,
    NormalizedCall,
    Page,
    TwilioAccountConnection,
    TwilioAccountConnectionParams,
    TwilioCredentials,
)
from vocode_async.testing import FakeVocodeServer

from .conftest import API_KEY, FAST, running

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Seen:
    """What an observing middleware in front of the fake saw of each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str], bytes, int]] = []
        self.ids = itertools.count(1)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        port = peer[1] if peer else -1
        self.requests.append(
            (request.method, request.path, dict(request.headers), dict(request.query), body, port)
        )
        response = await handler(request)
        response.headers["x-request-id"] = f"req-{next(self.ids)}"
        return response


@asynccontextmanager
async def observed(calls: int = 30) -> AsyncIterator[tuple[FakeVocodeServer, Seen, str]]:
    """The fake behind a middleware that records requests and sends request ids."""
    fake = FakeVocodeServer(api_key=API_KEY, calls=calls, seed=3)
    seen = Seen()
    app = fake.app()
    app.middlewares.insert(0, seen.middleware)
    async with running(app) as url:
        yield fake, seen, url


async def test_extra_headers_query_and_body_reach_the_server() -> None:
    async with (
        observed() as (_, seen, url),
        AsyncVocode(
            api_key=API_KEY, base_url=url, retry_policy=FAST, default_headers={"X-Team": "a"}
        ) as client,
    ):
        view = client.with_options(
            extra_headers={"X-Trace": "t1"},
            extra_query={"debug": "1"},
            extra_body={"llm_fallback": {"provider": "openai"}},
        )
        prompt = await view.prompts.create(content="hi")
        await view.prompts.list(size=2)
        method, path, headers, query, body, _ = seen.requests[0]
        assert (method, path) == ("POST", "/v1/prompts/create")
        assert headers["X-Trace"] == "t1" and headers["X-Team"] == "a"
        assert query["debug"] == "1"
        assert orjson.loads(body) == {"content": "hi", "llm_fallback": {"provider": "openai"}}
        method, path, headers, query, body, _ = seen.requests[1]
        assert (method, path, body) == ("GET", "/v1/prompts/list", b"")  # never a GET body
        assert headers["X-Trace"] == "t1" and query["debug"] == "1"
        # the view changed nothing of the client it came from
        await client.prompts.get(prompt.id)
        _, _, headers, query, _, _ = seen.requests[2]
        assert "X-Trace" not in headers and "debug" not in query and headers["X-Team"] == "a"


async def test_extra_headers_cannot_replace_the_credentials() -> None:
    async with (
        observed() as (_, seen, url),
        AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        with pytest.raises(ValueError, match="Authorization"):  # refused, not ignored
            client.with_options(extra_headers={"Authorization": "Bearer other"})
        await client.with_options(extra_headers={"User-Agent": "mine"}).usage.get()
        assert seen.requests[0][2]["Authorization"] == f"Bearer {API_KEY}"


async def test_options_merge_and_validate() -> None:
    async with AsyncVocode(api_key=API_KEY, base_url="http://127.0.0.1:9") as client:
        view = client.with_options(extra_headers={"A": "1"}).with_options(
            extra_headers={"B": "2"}, timeout=5, max_retries=0
        )
        assert view.options == RequestOptions(
            timeout=5, max_retries=0, extra_headers={"A": "1", "B": "2"}
        )
        assert client.options.extra_headers == {}
        with pytest.raises(ValueError, match="max_retries"):
            client.with_options(max_retries=-1)
        with pytest.raises(ValueError, match="timeout"):
            client.with_options(timeout=0)


async def test_raw_responses_for_get_list_create_and_recording() -> None:
    async with (
        observed() as (fake, _, url),
        AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        first = await client.calls.list(size=5)
        raw = await client.calls.with_raw_response.get(first.items[0].id)
        assert isinstance(raw, RawResponse)
        assert raw.status == 200
        assert raw.headers["Content-Type"].startswith("application/json")
        assert raw.request_id is not None and raw.request_id.startswith("req-")
        assert raw.elapsed > dt.timedelta(0)
        assert raw.parse() == await client.calls.get(first.items[0].id)
        listed = await client.calls.with_raw_response.list(size=5)
        page = listed.parse()
        assert isinstance(page, Page) and page.items == first.items
        ended = [c for c in page.items if c.status == "ended"]
        if not ended:
            ended = [c async for c in client.calls.list() if c.status == "ended"][:1]
        recording = await client.calls.with_raw_response.recording(ended[0].id)
        assert recording.headers["Content-Type"] == "audio/mpeg"
        assert isinstance(recording.parse(), bytes) and recording.parse()
        typed = await raw_response(client.prompts.create)(content="typed")
        assert typed.status == 200 and typed.parse().content == "typed"
        assert fake.counters["prompts_created"] == 1
        with pytest.raises(AttributeError, match="no operation"):
            client.calls.with_raw_response.nope  # noqa: B018


async def test_request_id_is_none_when_the_server_sends_none(server: FakeVocodeServer) -> None:
    async with server.client(retry_policy=FAST) as client:
        raw = await client.usage.with_raw_response.get()
        assert raw.request_id == server.log[-1].request_id and raw.status == 200
    app = server.app()  # the fake's routes behind a proxy that drops the fake's request id

    async def strip(_request: web.Request, response: web.StreamResponse) -> None:
        response.headers.popall("X-Request-Id", None)

    app.on_response_prepare.append(strip)
    async with running(app) as url, AsyncVocode(API_KEY, base_url=url) as client:
        raw = await client.usage.with_raw_response.get()
        assert raw.request_id is None and raw.status == 200


async def test_request_reaches_endpoints_the_sdk_lacks(server: FakeVocodeServer) -> None:
    async with server.client(retry_policy=FAST) as client:
        page = await client.request("GET", "/v1/calls/list", params={"size": 2})
        assert len(page["items"]) == 2
        call = await client.request("get", "/v1/calls", params={"id": page["items"][0]["id"]})
        assert call["id"] == page["items"][0]["id"] and isinstance(call["agent"], dict)
        prompt = await client.request("POST", "/v1/prompts/create", json={"content": "x"})
        assert prompt["content"] == "x"


async def test_request_post_is_unsafe_unless_told_otherwise() -> None:
    hits = {"n": 0}

    async def flaky(request: web.Request) -> web.Response:
        hits["n"] += 1
        if hits["n"] == 1:
            return web.json_response({"detail": "boom"}, status=500)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/v1/things/make", flaky)
    async with (
        running(app) as url,
        AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        with pytest.raises(OutcomeUnknownError):
            await client.request("POST", "/v1/things/make", json={"a": 1})
        assert hits["n"] == 1  # never repeated
        hits["n"] = 0
        assert await client.request("POST", "/v1/things/make", unsafe=False) == {"ok": True}
        assert hits["n"] == 2  # retried once, as a safe operation


def _call_json(extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "c1",
        "user_id": "u1",
        "status": "ended",
        "to_number": "+15550001",
        "from_number": "+15550002",
        "telephony_provider": "twilio",
        "agent_phone_number": "+15550002",
        "agent": "a1",
        "telephony_account_connection": None,
        "start_time": 1700000000,
        "end_time": None,
        **extra,
    }


async def test_unknown_fields_are_kept_and_round_trip() -> None:
    extra = {"llm_fallback": {"provider": "anthropic"}, "deepgram_keywords": ["a"], "x_token": "s3"}

    async def listing(request: web.Request) -> web.Response:
        item = _call_json(extra)
        page = {"items": [item], "page": 1, "size": 10, "has_more": False, "total": 1}
        return web.json_response({**page, "total_is_estimated": False})

    app = web.Application()
    app.router.add_get("/v1/calls/list", listing)
    async with running(app) as url, AsyncVocode(api_key=API_KEY, base_url=url) as client:
        (call,) = [c async for c in client.calls.list()]
    assert isinstance(call, NormalizedCall)
    assert dict(call.extra_fields) == extra
    with pytest.raises(TypeError):
        call.extra_fields["new"] = 1  # type: ignore[index]
    shown = call.to_dict()
    assert shown["llm_fallback"] == {"provider": "anthropic"}
    assert shown["x_token"] == "<redacted>"  # an unknown key that looks secret
    assert shown["start_time"] == "2023-11-14T22:13:20+00:00" and shown["status"] == "ended"
    full = call.to_dict(reveal_secrets=True)
    back = client_decode(full, NormalizedCall)
    assert back == call and dict(back.extra_fields) == extra
    assert orjson.loads(call.to_json(reveal_secrets=True)) == full


def client_decode(data: dict[str, Any], into: type[Any]) -> Any:
    from vocode_async._converter import decoder

    body = orjson.dumps(data)
    return decoder().decode(body, into, status=200, content_type="application/json")


async def test_to_dict_redacts_secrets_and_round_trips_every_listed_model(
    server: FakeVocodeServer,
) -> None:
    async with server.client(retry_policy=FAST) as client:
        twilio = TwilioAccountConnectionParams(
            credentials=TwilioCredentials(
                twilio_account_sid="AC1", twilio_auth_token="tok-secret-1"
            ),
        )
        made = await client.account_connections.create(twilio)
        assert isinstance(made, TwilioAccountConnection)
        assert "tok-secret-1" not in made.to_json()
        assert made.to_dict(reveal_secrets=True)["credentials"]["twilio_auth_token"] == (
            "tok-secret-1"
        )
        vdb = await client.vector_databases.create(
            index="i", api_key="pc-secret-2", api_environment="e"
        )
        assert "pc-secret-2" not in vdb.to_json() and "<redacted>" in vdb.to_json()
        for group in ("calls", "agents", "voices", "actions", "account_connections"):
            page = await getattr(client, group).list(size=20)
            assert page.to_dict(reveal_secrets=True)["items"]  # a Page serializes too
            for item in page.items:
                data = item.to_dict(reveal_secrets=True)
                assert client_decode(data, type(item)) == item, group
        call = await client.calls.get((await client.calls.list(size=1)).items[0].id)
        assert isinstance(call, Call)
        assert client_decode(call.to_dict(reveal_secrets=True), Call) == call


class ForwardProxy:
    """A plain-HTTP forward proxy: counts what it relays to the target."""

    def __init__(self) -> None:
        self.relayed: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.relayed.append(str(request.url))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, str(request.url), headers=headers, data=await request.read()
            ) as upstream,
        ):
            body = await upstream.read()
            return web.Response(
                status=upstream.status, body=body, content_type=upstream.content_type
            )


async def test_proxy_from_the_environment(
    server: FakeVocodeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = ForwardProxy()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    async with running(app) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with server.client(retry_policy=FAST) as client:
            await client.usage.get()
        assert proxy.relayed == [f"{server.url}/v1/usage"]
        async with server.client(retry_policy=FAST, trust_env=False) as client:
            await client.usage.get()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with server.client(retry_policy=FAST) as client:
            await client.usage.get()
        assert len(proxy.relayed) == 1  # bypassed twice: trust_env=False, then NO_PROXY
        monkeypatch.delenv("HTTP_PROXY")
        async with server.client(retry_policy=FAST, proxy=proxy_url) as client:
            await client.usage.get()
        assert len(proxy.relayed) == 2  # an explicit proxy= needs no environment


async def test_borrowed_session_still_sends_creates_on_fresh_connections() -> None:
    async with observed() as (fake, seen, url), aiohttp.ClientSession() as session:
        async with AsyncVocode(
            api_key=API_KEY, base_url=url, retry_policy=FAST, session=session
        ) as client:
            page = await client.agents.list(size=1)
            agent = page.items[0].id
            for n in range(3):
                await client.calls.list(size=1)
                await client.calls.create(
                    from_number="+15550000001", to_number=f"+1555000010{n}", agent=agent
                )
        creates = [port for m, p, *_, port in seen.requests if p == "/v1/calls/create"]
        reads = [port for m, p, *_, port in seen.requests if m == "GET"]
        assert fake.counters["calls_created"] == 3
        assert len(set(creates)) == 3 and not set(creates) & set(reads)
        assert len(set(reads)) == 1  # reads did reuse the borrowed session's keep-alive
        assert not session.closed


async def test_ssl_and_trace_configs_are_used(server: FakeVocodeServer) -> None:
    starts: list[str] = []

    async def on_start(_: Any, __: Any, params: aiohttp.TraceRequestStartParams) -> None:
        starts.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with server.client(retry_policy=FAST, trace_configs=[trace], ssl=False) as client:
        await client.usage.get()
    assert starts == ["/v1/usage"]
    await asyncio.sleep(0)


async def test_a_decode_error_keeps_the_answers_request_id() -> None:
    async def garbage(request: web.Request) -> web.Response:
        return web.json_response({"user_id": 7}, headers={"x-request-id": "req-bad-1"})

    app = web.Application()
    app.router.add_get("/v1/usage", garbage)
    app.router.add_get("/v1/anything", garbage)
    async with running(app) as url, AsyncVocode(api_key=API_KEY, base_url=url) as client:
        with pytest.raises(ResponseDecodeError) as info:
            await client.usage.get()
        assert info.value.request_id == "req-bad-1"
        assert await client.request("GET", "/v1/anything") == {"user_id": 7}


async def test_a_pager_keeps_the_request_id_of_each_page() -> None:
    async with (
        observed(calls=25) as (_, seen, url),
        AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        pager = client.calls.list(size=10, prefetch=2)
        ids = [call.id async for call in pager]
    assert len(ids) == 25
    assert sorted(pager.request_ids) == [1, 2, 3]
    sent = {f"req-{n}" for n in range(1, len(seen.requests) + 1)}
    assert set(pager.request_ids.values()) <= sent and len(set(pager.request_ids.values())) == 3


async def test_a_bad_page_names_its_request_id() -> None:
    async def bad_page(request: web.Request) -> web.Response:
        page = {"items": [{}], "page": 1, "size": 10, "has_more": False, "total": 1}
        return web.json_response(
            {**page, "total_is_estimated": False}, headers={"x-request-id": "req-page-1"}
        )

    app = web.Application()
    app.router.add_get("/v1/calls/list", bad_page)
    async with running(app) as url, AsyncVocode(api_key=API_KEY, base_url=url) as client:
        with pytest.raises(ResponseDecodeError) as info:
            [c async for c in client.calls.list(size=10)]
    assert info.value.request_id == "req-page-1" and info.value.page == 1


async def test_the_recording_is_fetched_from_a_content_negotiating_server() -> None:
    """Like a spec-driven mock: 406 unless Accept allows the operation's media type."""

    def accepts(request: web.Request, media: str) -> bool:
        offered = [part.split(";")[0].strip() for part in request.headers["Accept"].split(",")]
        return media in offered or "*/*" in offered

    async def recording(request: web.Request) -> web.Response:
        if not accepts(request, "audio/mpeg"):
            return web.json_response({"detail": "not acceptable"}, status=406)
        return web.Response(body=b"ID3mp3-bytes", content_type="audio/mpeg")

    async def call(request: web.Request) -> web.Response:
        if not accepts(request, "application/json"):
            return web.json_response({"detail": "not acceptable"}, status=406)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/v1/calls/recording", recording)
    app.router.add_get("/v1/other", call)
    async with running(app) as url, AsyncVocode(api_key=API_KEY, base_url=url) as client:
        chunks = [chunk async for chunk in client.calls.recording("c1")]
        assert b"".join(chunks) == b"ID3mp3-bytes"
        assert await client.request("GET", "/v1/other") == {"ok": True}

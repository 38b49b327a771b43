"""Client configuration, lifecycle, the public surface, and keeping the key secret."""

from __future__ import annotations

import logging
import re
import traceback

import aiohttp
import pytest

import vocode_async as va
from vocode_async import AsyncVocode
from vocode_async._endpoint import Safety
from vocode_async._retry import Verdict, classify
from vocode_async._retryafter import parse_retry_after
from vocode_async.testing import FakeVocodeServer, FaultKind

from .conftest import API_KEY, FAST


def test_no_key_names_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOCODE_API_KEY", raising=False)
    with pytest.raises(va.ConfigError) as info:
        AsyncVocode()
    assert "api_key=" in str(info.value) and "VOCODE_API_KEY" in str(info.value)


def test_key_and_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOCODE_API_KEY", API_KEY)
    monkeypatch.setenv("VOCODE_BASE_URL", "http://127.0.0.1:9/")
    client = AsyncVocode()
    assert client.base_url == "http://127.0.0.1:9"
    monkeypatch.delenv("VOCODE_BASE_URL")
    assert AsyncVocode().base_url == "https://api.vocode.dev"
    assert API_KEY not in repr(client)


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(va.ConfigError, match="http"):
        AsyncVocode(api_key=API_KEY, base_url="http://api.example.com")
    AsyncVocode(api_key=API_KEY, base_url="http://api.example.com", allow_insecure_http=True)
    with pytest.raises(va.ConfigError):
        AsyncVocode(api_key=API_KEY, base_url="ftp://api.example.com")


async def test_borrowed_session_is_not_closed(server: FakeVocodeServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with server.client(session=session) as client:
            page = await client.calls.list(size=3)
        assert len(page.items) == 3
        assert not session.closed
        assert "Authorization" not in session.headers


async def test_headers_sent(server: FakeVocodeServer) -> None:
    seen = {}

    async def capture(request: aiohttp.web.Request, handler):  # type: ignore[no-untyped-def]
        seen.update(request.headers)
        return await handler(request)

    app = server.app()
    app.middlewares.insert(0, aiohttp.web.middleware(capture))
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with AsyncVocode(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}") as client:
        await client.calls.list(size=1)
    await runner.cleanup()
    assert seen["Authorization"] == f"Bearer {API_KEY}"
    assert seen["User-Agent"] == f"vocode-async/{va.__version__}"


def test_public_surface_is_pinned() -> None:
    assert va.__all__ == sorted(va.__all__)
    assert set(va.__all__) == {
        "APIConnectionError",
        "APIStatusError",
        "APITimeoutError",
        "AsyncPager",
        "AsyncVocode",
        "AuthenticationError",
        "BadRequestError",
        "ClientClosedError",
        "ConfigError",
        "DEFAULT_BASE_URL",
        "InternalServerError",
        "NotFoundError",
        "OutcomeUnknownError",
        "Pager",
        "PagerStats",
        "PaginationError",
        "PermissionDeniedError",
        "RateLimitError",
        "RawResponse",
        "RequestOptions",
        "ResponseDecodeError",
        "ResponseTooLargeError",
        "RetryPolicy",
        "UNSET",
        "UnexpectedRedirectError",
        "UnprocessableEntityError",
        "Unset",
        "ValidationIssue",
        "Vocode",
        "VocodeError",
        "WrongEventLoopError",
        "__version__",
        "raw_response",
    }
    for name in va.__all__:
        obj = getattr(va, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, va.VocodeError)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", 0.0),
        ("Wed Oct 21 07:28:00 2015", 0.0),
        ("soon", None),
        ("-1", None),
        (None, None),
    ],
)
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_future_date() -> None:
    now = 1445412480.0  # 2015-10-21 07:28:00 GMT
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wednesday, 21-Oct-15 07:28:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed Oct 21 07:28:30 2015", now=now) == 30.0


def _status(status: int, retry_after: float | None = None) -> va.APIStatusError:
    cls = va._errors.error_for_status(status)
    return cls("x", status=status, method="POST", path="/p", retry_after=retry_after)


def _conn(sent: bool) -> va.APIConnectionError:
    return va.APIConnectionError("x", method="POST", path="/p", request_sent=sent)


@pytest.mark.parametrize(
    ("safety", "error", "verdict"),
    [
        (Safety.SAFE, _conn(True), Verdict.RETRY),
        (Safety.SAFE, _status(500), Verdict.RETRY),
        (Safety.SAFE, _status(409), Verdict.RETRY),
        (Safety.SAFE, _status(404), Verdict.RAISE),
        (Safety.UNSAFE, _conn(False), Verdict.RETRY),
        (Safety.UNSAFE, _conn(True), Verdict.UNKNOWN),
        (Safety.UNSAFE, _status(429), Verdict.RETRY),
        (Safety.UNSAFE, _status(503, 1.0), Verdict.RETRY),
        (Safety.UNSAFE, _status(503), Verdict.UNKNOWN),
        (Safety.UNSAFE, _status(500), Verdict.UNKNOWN),
        (Safety.UNSAFE, _status(400), Verdict.RAISE),
    ],
)
def test_classifier(safety: Safety, error: va.VocodeError, verdict: Verdict) -> None:
    assert classify(safety, error) is verdict


def _chain_text(exc: BaseException) -> str:
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), "".join(traceback.format_exception(current))]
        parts += [repr(v) for v in vars(current).values()]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


async def test_key_never_leaks(server: FakeVocodeServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("vocode_async", "aiohttp", "backoff"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    # A server that echoes the key back in its error detail must not make us print it.
    server.faults.add(
        path="/v1/calls",
        status=500,
        times=3,
        body=b'{"detail": "bad token ' + API_KEY.encode() + b'"}',
    )
    server.faults.add(path="/v1/calls/list", kind=FaultKind.RESET, times=None)
    server.faults.add(
        path="/v1/calls/create",
        status=502,
        times=None,
        content_type="text/html",
        body=b"<html>" + API_KEY.encode() + b"</html>",
    )
    errors: list[BaseException] = []
    async with server.client(retry_policy=FAST) as client:
        assert API_KEY not in repr(client) and API_KEY not in str(vars(client))
        for attempt in (
            client.calls.get("x"),
            client.calls.list(size=5).__anext__(),
            client.calls.create(from_number="1", to_number="2", agent="a"),
        ):
            try:
                await attempt
            except va.VocodeError as exc:
                errors.append(exc)
    async with server.client(api_key="other", retry_policy=FAST) as other:
        try:
            await other.calls.get("x")
        except va.VocodeError as exc:
            errors.append(exc)
    assert len(errors) == 4
    for exc in errors:
        assert API_KEY not in _chain_text(exc)
    assert caplog.records  # DEBUG logging was really on
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://api.vocode.dev/v1", "leave out /v1"),
        ("https://api.vocode.dev/v1/", "leave out /v1"),
        ("http://127.0.0.1:70000", "port must be 0 to 65535"),
        ("ftp://api.vocode.dev", "not an http(s) URL"),
        ("https://user:pw@api.vocode.dev", "must not carry credentials"),
    ],
)
def test_a_bad_base_url_is_a_config_error_naming_the_problem(url: str, says: str) -> None:
    with pytest.raises(va.ConfigError, match=re.escape(says)):
        AsyncVocode(api_key="k", base_url=url)


@pytest.mark.parametrize("name", ["closed", "loop", "guard", "unsafe_session"])
def test_a_transport_cannot_be_built_with_its_run_time_state(name: str) -> None:
    """Whether it is closed, its loop, its loop guard and its unsafe session are its own."""
    from vocode_async._transport import Transport

    fields = {
        "base_url": "http://127.0.0.1:9",
        "api_key": "k",
        "user_agent": "test",
        "connect_timeout": None,
        "read_timeout": None,
        "max_response_bytes": 1,
    }
    Transport(**fields)  # type: ignore[arg-type]
    for spelling in (name, f"_{name}"):
        with pytest.raises(TypeError):
            Transport(**fields, **{spelling: None})  # type: ignore[arg-type]

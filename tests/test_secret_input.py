"""Secrets that must not leak and input that must be refused (an outside tester's list).

Every test talks to a real server on 127.0.0.1 (an echoing proxy, an echoing API stand-in
or the fake) and counts what reached it: a refused input sends nothing.
"""

from __future__ import annotations

import asyncio
import base64
import decimal
import enum
import json
import math
import os
import subprocess
import sys
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web

import vocode_async as va
from tests.conftest import API_KEY, FAST, running
from tests.faultserver import RawServer, Request, respond
from tests.pageserver import page_body
from vocode_async.models.account_connections import (
    TwilioAccountConnectionParams,
    TwilioCredentials,
)
from vocode_async.testing import FakeVocodeServer

PROXY_USER, PROXY_PASS = "bob", "hunter2-proxy-pw-77"
PROXY_B64 = base64.b64encode(f"{PROXY_USER}:{PROXY_PASS}".encode()).decode()
PROXY_LEAKS = (PROXY_PASS, f"{PROXY_USER}:{PROXY_PASS}", PROXY_B64, "hunter2")
BASE_PASS = "s3cret-base-pw-41"
NOWHERE = "192.0.2.1"  # TEST-NET-1: never routed, and an IP, so nothing is resolved
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Echo:
    """An API stand-in on loopback: records every request, answers what ``answer`` says
    (by default the request's headers back as a JSON ``detail`` with status 401)."""

    def __init__(self, answer: Handler | None = None) -> None:
        self.requests: list[web.Request] = []
        self.cookies: list[str | None] = []
        self.answer = answer

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        self.cookies.append(request.headers.get("Cookie"))
        await request.read()
        if self.answer is not None:
            return await self.answer(request)
        return web.json_response({"detail": f"echo {dict(request.headers)}"}, status=401)


@asynccontextmanager
async def echoing(answer: Handler | None = None) -> AsyncIterator[tuple[Echo, str]]:
    echo = Echo(answer)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo.handle)
    async with running(app) as url:
        yield echo, url


async def failure(aw: Awaitable[Any]) -> BaseException:
    try:
        await aw
    except va.VocodeError as exc:
        return exc
    raise AssertionError("no error raised")


def texts(error: BaseException, *, frames: bool = True) -> Iterator[str]:
    """Every text an error and its chain carry, and what a tracker recording the locals of
    its frames keeps (``frames=False`` for a refused argument: the caller's frame and ours
    hold the argument itself)."""
    if frames:
        trace = traceback.TracebackException.from_exception(error, capture_locals=True)
        yield "".join(trace.format())
    current: BaseException | None = error
    while current is not None:
        yield str(current)
        yield repr(current)
        for name in ("excerpt", "location", "detail", "request_id"):
            yield str(getattr(current, name, ""))
        current = current.__cause__ or current.__context__


def assert_absent(secrets: tuple[str, ...], *chunks: str) -> None:
    for chunk in chunks:
        for secret in secrets:
            assert secret not in chunk, f"{secret!r} leaked in {chunk[:400]!r}"


async def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """vocode-async in a child (this loop keeps serving), with ``env`` over a clean one."""
    base = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    base = {k: v for k, v in base.items() if not k.startswith("VOCODE_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vocode_async.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**base, "VOCODE_API_KEY": API_KEY, **env},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    return done.stderr


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    return monkeypatch


# -- 1. proxy credentials ------------------------------------------------------------------


async def _refuse_407(request: Request, writer: asyncio.StreamWriter, _: RawServer) -> bool:
    """A proxy that wants other credentials and echoes what it got (Proxy-Authorization)."""
    respond(writer, 407, {"detail": f"denied {request.method} {request.path} {request.headers}"})
    return False


@pytest.mark.parametrize("how", ["proxy=", "environment"])
@pytest.mark.parametrize("base", ["https://api.vocode.dev", "http-loopback"])
async def test_proxy_credentials_never_appear_when_the_proxy_refuses(
    no_proxy_env: pytest.MonkeyPatch, how: str, base: str
) -> None:
    async with RawServer(_refuse_407) as proxy, echoing() as (api, api_url):
        host = proxy.url.removeprefix("http://")
        proxy_url = f"http://{PROXY_USER}:{PROXY_PASS}@{host}"
        base_url = api_url if base == "http-loopback" else base
        kwargs: dict[str, Any] = {"proxy": proxy_url} if how == "proxy=" else {}
        if how == "environment":
            no_proxy_env.setenv(
                "HTTPS_PROXY" if base.startswith("https") else "HTTP_PROXY", proxy_url
            )
        async with va.AsyncVocode(
            api_key=API_KEY, base_url=base_url, retry_policy=FAST, **kwargs
        ) as client:
            error = await failure(client.usage.get())
        assert proxy.ledger, "the request went through the proxy"
        assert proxy.ledger[0].headers["proxy-authorization"] == f"Basic {PROXY_B64}"
        assert not api.requests
    assert "407" in str(error)
    assert_absent((*PROXY_LEAKS, API_KEY), *texts(error))


async def test_proxy_credentials_never_appear_when_the_proxy_is_down(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    async with RawServer(_refuse_407) as closed:
        port = closed.url.rsplit(":", 1)[1]
    proxy_url = f"http://{PROXY_USER}:{PROXY_PASS}@127.0.0.1:{port}"
    async with va.AsyncVocode(api_key=API_KEY, retry_policy=FAST, proxy=proxy_url) as client:
        error = await failure(client.usage.get())
    assert isinstance(error, va.APIConnectionError)
    assert_absent((*PROXY_LEAKS, API_KEY), *texts(error), repr(client))


async def test_the_cli_never_prints_proxy_credentials() -> None:
    async with RawServer(_refuse_407) as proxy:
        host = proxy.url.removeprefix("http://")
        env = {"HTTPS_PROXY": f"http://{PROXY_USER}:{PROXY_PASS}@{host}"}
        done = await run_cli(env, "usage")
        debug = await run_cli(env, "usage", "--debug")
        assert len(proxy.ledger) >= 2  # (with the CLI's retries)
    line = one_line(done, 1)
    assert "407" in line
    assert_absent((*PROXY_LEAKS, API_KEY), done.stdout, line, debug.stderr)


# -- 2. credentials in a base URL ----------------------------------------------------------

BAD_BASES = [
    f"https://alice:{BASE_PASS}@api.example.com",
    f"http://alice:{BASE_PASS}@127.0.0.1:99999",
    f"ftp://alice:{BASE_PASS}@api.example.com",
    f"alice:{BASE_PASS}@api.example.com",
    f"https://alice:{BASE_PASS}@api.example.com/v1",
    f"https://alice:{BASE_PASS}@api.example.com?x=1",
]


@pytest.mark.parametrize("url", BAD_BASES)
async def test_a_base_url_with_credentials_is_refused_without_echoing_them(url: str) -> None:
    async with echoing() as (api, api_url):
        loopback = api_url.replace("http://", f"http://alice:{BASE_PASS}@")
        for candidate in (url, loopback):
            with pytest.raises(va.ConfigError, match="credentials") as info:
                va.AsyncVocode(api_key=API_KEY, base_url=candidate)
            assert_absent((BASE_PASS, API_KEY), *texts(info.value, frames=False))
        assert not api.requests


@pytest.mark.parametrize("url", BAD_BASES[:3])
async def test_the_cli_refuses_a_base_url_with_credentials_without_echoing_them(url: str) -> None:
    for done in (
        await run_cli({}, "usage", "--base-url", url),
        await run_cli({"VOCODE_BASE_URL": url}, "usage"),
    ):
        assert done.returncode == 2, done.stderr
        assert "credentials" in done.stderr and "Traceback" not in done.stderr
        assert_absent((BASE_PASS, API_KEY), done.stdout, done.stderr)


# -- 3. CR, LF, NUL (and non-str) in headers and paths -------------------------------------

BAD_HEADER_VALUES = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b", "a\udcffb", 123, None]


@pytest.mark.parametrize("value", BAD_HEADER_VALUES, ids=repr)
async def test_a_bad_header_value_is_refused_naming_the_header(value: Any) -> None:
    async with echoing() as (api, url):
        async with va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client:
            with pytest.raises(ValueError, match="X-Trace") as info:
                await client.with_options(extra_headers={"X-Trace": value}).usage.get()
            assert_absent((API_KEY,), *texts(info.value))
        with pytest.raises(va.ConfigError, match="X-Team") as config:
            va.AsyncVocode(api_key=API_KEY, base_url=url, default_headers={"X-Team": value})
        assert_absent((API_KEY,), *texts(config.value, frames=False))  # api_key= is a local
        assert not api.requests


@pytest.mark.parametrize("name", ["X Trace", "X-Trace\r\nX-Evil", "X:Trace", "", "Ünï", 7])
async def test_a_bad_header_name_is_refused(name: Any) -> None:
    async with echoing() as (api, url):
        async with va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client:
            with pytest.raises(ValueError, match="header name"):
                await client.with_options(extra_headers={name: "v"}).usage.get()
        with pytest.raises(va.ConfigError, match="header name"):
            va.AsyncVocode(api_key=API_KEY, base_url=url, default_headers={name: "v"})
        assert not api.requests


@pytest.mark.parametrize(
    "path",
    ["/v1/usage\r\nX-Injected: 1", "/v1/us\nage", "/v1/us\rage", "/v1/usage\x00", "/v1/u\udcff"],
)
async def test_a_bad_request_path_is_refused_before_anything_is_sent(path: str) -> None:
    async with (
        echoing() as (api, url),
        va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        with pytest.raises(ValueError, match="path") as info:
            await client.request("GET", path)
        assert not isinstance(info.value, va.VocodeError)
        assert not api.requests
    assert_absent((API_KEY,), *texts(info.value))


# -- 4. framing, hop-by-hop and credential headers -----------------------------------------

REFUSED_HEADERS = {
    "Content-Length": "0",
    "transfer-encoding": "chunked",
    "Connection": "close",
    "Keep-Alive": "timeout=5",
    "Upgrade": "h2c",
    "TE": "trailers",
    "Trailer": "X-After",
    "Proxy-Connection": "keep-alive",
    "Host": "other.example",
    "Authorization": "Bearer someone-else",
    "Proxy-Authorization": "Basic eDp5",
}


@pytest.mark.parametrize("name", list(REFUSED_HEADERS))
async def test_framing_hop_by_hop_and_credential_headers_are_refused(name: str) -> None:
    value = REFUSED_HEADERS[name]
    async with echoing() as (api, url):
        async with va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client:
            with pytest.raises(ValueError, match=name):
                await client.with_options(extra_headers={name: value}).usage.get()
            with pytest.raises(ValueError, match=f"(?i){name}"):
                va.RequestOptions(extra_headers={name.upper(): value})
        with pytest.raises(va.ConfigError, match=name):
            va.AsyncVocode(api_key=API_KEY, base_url=url, default_headers={name: value})
        assert not api.requests


# -- 5. extras that collide with what an operation sets ------------------------------------


@asynccontextmanager
async def fake_with_ledger() -> AsyncIterator[tuple[FakeVocodeServer, list[str], str]]:
    fake = FakeVocodeServer(api_key=API_KEY, calls=5, seed=3)
    seen: list[str] = []

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        seen.append(f"{request.method} {request.path_qs}")
        return await handler(request)

    app = fake.app()
    app.middlewares.insert(0, record)
    async with running(app) as url:
        yield fake, seen, url


async def test_an_extra_colliding_with_an_operations_own_parameter_is_refused() -> None:
    async with (
        fake_with_ledger() as (_, seen, url),
        va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        agent = (await client.agents.list(size=1)).items[0].id
        before = len(seen)
        cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("'id'", lambda: client.with_options(extra_query={"id": "B"}).calls.end("A")),
            ("'id'", lambda: client.with_options(extra_query={"id": "B"}).calls.get("A")),
            (
                "'to_number'",
                lambda: client.with_options(extra_body={"to_number": "+15550009999"}).calls.create(
                    from_number="+15550000001", to_number="+15550000002", agent=agent
                ),
            ),
            ("'page'", lambda: client.with_options(extra_query={"page": 3}).calls.list(size=2)),
            ("'size'", lambda: client.with_options(extra_query={"size": 1}).calls.list(size=2)),
            (
                "'id'",
                lambda: client.with_options(extra_query={"id": "B"}).request(
                    "GET", "/v1/calls", params={"id": "A"}
                ),
            ),
            (
                "'content'",
                lambda: client.with_options(extra_body={"content": "x"}).request(
                    "POST", "/v1/prompts/create", json={"content": "y"}
                ),
            ),
        ]
        for key, operation in cases:
            with pytest.raises(ValueError, match=key):
                await operation()
        with pytest.raises(ValueError, match="'id'"):
            await client.with_options(extra_query={"id": "A"}).calls.recording("A").__anext__()
        assert len(seen) == before


@pytest.mark.parametrize("bad", ["call\n1", "", "call-1\udcff", "\x7f"], ids=repr)
async def test_an_id_in_extra_query_gets_the_id_checks(bad: str) -> None:
    async with (
        fake_with_ledger() as (_, seen, url),
        va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        for key in ("id", "phone_number"):
            with pytest.raises(ValueError, match=key):
                await client.with_options(extra_query={key: bad}).usage.get()
            options = va.RequestOptions(extra_query={"q": "ok"})
            with pytest.raises(ValueError, match=key):
                options.merged(extra_query={key: bad})
        assert not seen


class Sort(str, enum.Enum):
    NEWEST = "start_time"


class Size(enum.IntEnum):
    SMALL = 2


UNSENDABLE = {
    "nan": math.nan,
    "inf": -math.inf,
    "list": ["a", "b"],
    "tuple": ("a",),
    "dict": {"a": 1},
    "bytes": b"raw",
    "set": {"a"},
    "decimal": decimal.Decimal("1.5"),
}


@pytest.mark.parametrize("kind", list(UNSENDABLE))
async def test_a_query_value_with_no_one_spelling_is_refused_before_sending(kind: str) -> None:
    value = UNSENDABLE[kind]
    async with (
        echoing() as (api, url),
        va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        with pytest.raises(ValueError, match="extra_query 'x'"):
            va.RequestOptions(extra_query={"x": value})
        with pytest.raises(ValueError, match="extra_query 'x'"):
            client.with_options(extra_query={"x": value})
        with pytest.raises(ValueError, match="query parameter 'x'"):
            await client.request("GET", "/v1/calls/list", params={"x": value})
        assert not api.requests


async def test_a_query_enum_member_goes_as_its_value() -> None:
    async with (
        echoing() as (api, url),
        va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        params = {"sort_column": Sort.NEWEST, "size": Size.SMALL, "rate": 0.5, "x": True}
        with pytest.raises(va.AuthenticationError):
            await client.request("GET", "/v1/calls/list", params=params)
    assert api.requests[0].query_string == "sort_column=start_time&size=2&rate=0.5&x=true"


# -- 6. cookies ----------------------------------------------------------------------------


async def _set_cookie(_: web.Request) -> web.StreamResponse:
    response = web.json_response({"id": "p1", "content": "c"})
    response.set_cookie("sid", "cookie-from-the-server", path="/")
    return response


async def test_an_owned_client_never_sends_back_a_cookie() -> None:
    async with echoing(_set_cookie) as (api, url):
        url = url.replace("127.0.0.1", "localhost")  # aiohttp's jar refuses cookies of IPs
        async with va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client:
            for _ in range(3):
                await client.request("GET", "/v1/prompts", params={"id": "p1"})
            await client.request("POST", "/v1/prompts/create", json={"content": "c"})
            await client.request("POST", "/v1/prompts/create", json={"content": "c"})
        assert len(api.cookies) == 5
        assert api.cookies == [None] * 5


# -- 7. a plain-http proxy -----------------------------------------------------------------


async def test_a_plain_http_proxy_is_refused_where_a_secret_would_cross_it_in_clear(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    async with echoing() as (api, url):
        clear = f"http://{NOWHERE}:3128"
        with_auth = f"http://{PROXY_USER}:{PROXY_PASS}@{NOWHERE}:3128"
        refused = [
            (url, clear, "API key"),  # an http base URL: the key itself crosses the proxy
            ("https://api.vocode.dev", with_auth, "credentials"),
        ]
        for base, proxy, why in refused:
            with pytest.raises(va.ConfigError, match=why) as info:
                va.AsyncVocode(api_key=API_KEY, base_url=base, proxy=proxy)
            assert NOWHERE in str(info.value) and "allow_insecure_http" in str(info.value)
            assert_absent((*PROXY_LEAKS, API_KEY), *texts(info.value, frames=False))
        no_proxy_env.setenv("HTTP_PROXY", clear)
        with pytest.raises(va.ConfigError, match="API key"):
            va.AsyncVocode(api_key=API_KEY, base_url=url)
        no_proxy_env.setenv("HTTPS_PROXY", with_auth)
        with pytest.raises(va.ConfigError, match="credentials") as info:
            va.AsyncVocode(api_key=API_KEY)
        assert_absent(PROXY_LEAKS, *texts(info.value, frames=False))
        # Allowed: nothing secret in clear (a CONNECT tunnel to https), loopback, or asked.
        va.AsyncVocode(api_key=API_KEY, base_url="https://api.vocode.dev", proxy=clear)
        va.AsyncVocode(api_key=API_KEY, base_url=url, proxy=clear, allow_insecure_http=True)
        va.AsyncVocode(api_key=API_KEY, proxy=with_auth, allow_insecure_http=True)
        va.AsyncVocode(api_key=API_KEY, base_url=url, proxy=url)
        va.AsyncVocode(api_key=API_KEY, base_url=url, trust_env=False)
        assert not api.requests


@pytest.mark.parametrize(
    "proxy",
    [f"socks5://{PROXY_USER}:{PROXY_PASS}@127.0.0.1:1080", f"http://{PROXY_USER}:{PROXY_PASS}@"],
)
def test_an_unusable_proxy_url_is_a_config_error_without_its_credentials(proxy: str) -> None:
    with pytest.raises(va.ConfigError, match="proxy") as info:
        va.AsyncVocode(api_key=API_KEY, proxy=proxy)
    assert_absent(PROXY_LEAKS, *texts(info.value, frames=False))


async def test_the_cli_refuses_proxy_credentials_in_clear_in_one_line() -> None:
    async with echoing() as (api, _):
        env = {"HTTPS_PROXY": f"http://{PROXY_USER}:{PROXY_PASS}@{NOWHERE}:3128"}
        done = await run_cli(env, "usage")
        assert not api.requests
    line = one_line(done, 2)
    assert "--allow-insecure-http" in line
    assert_absent(PROXY_LEAKS, line, done.stdout)


# -- 8. secrets in other spellings ---------------------------------------------------------

ODD_KEY = "sk-canary/3c&9e<1d>+Zq=tail-0042"


_HTML_NAMED = str.maketrans(
    {"/": "&sol;", "&": "&amp;", "<": "&lt;", ">": "&gt;", "+": "&plus;", "=": "&equals;"}
)


def _lines(text: str, width: int, brk: str) -> str:
    return brk.join(text[i : i + width] for i in range(0, len(text), width))


def _b64(text: str, alphabet: str = "std") -> str:
    data = text.encode()
    return (base64.urlsafe_b64encode if alphabet == "url" else base64.b64encode)(data).decode()


SPELLINGS: dict[str, Callable[[str], str]] = {
    "php": lambda s: s.replace("/", "\\/"),
    "go": lambda s: s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"),
    "every-char-u": lambda s: "".join(f"\\u{ord(c):04X}" for c in s),
    "some-chars-u-lower": lambda s: "".join(
        f"\\u{ord(c):04x}" if i % 3 == 0 else c for i, c in enumerate(s)
    ),
    "json-in-json": lambda s: json.dumps(json.dumps(s.replace("&", "\\u0026")))[1:-1],
    "percent": lambda s: quote(s, safe=""),
    "percent-lower-every-char": lambda s: "".join(f"%{b:02x}" for b in s.encode()),
    "percent-some": lambda s: quote(s, safe="&<>=+"),
    "html": lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&#62;"),
    "base64": _b64,
    "base64-url-unpadded": lambda s: _b64(s, "url").rstrip("="),
    "base64-bearer": lambda s: _b64(f"Bearer {s}"),
    "base64-offset-1": lambda s: _b64(f"x{s}")[2:],
    "base64-offset-2": lambda s: _b64(f"xy{s}")[3:],
    "base64-then-percent": lambda s: quote(_b64(f"Bearer {s}"), safe=""),
    # HTML as HTML5 reads it (``html.unescape``), and escapes inside escapes
    "html-named": lambda s: s.translate(_HTML_NAMED),
    "html-hex-zero-padded": lambda s: "".join(f"&#X{ord(c):010x};" for c in s),
    "html-decimal-long": lambda s: "".join(f"&#{ord(c):012d};" for c in s),
    "html-no-semicolon": lambda s: "".join(f"&#{ord(c)}" for c in s),
    "html-twice": lambda s: s.replace("&", "&amp;amp;").replace("<", "&amp;lt;"),
    "json-escaped-percent": lambda s: quote(s, safe="").replace("%", "\\u0025"),
    "json-utf16-units": lambda s: "".join(f"\\u{ord(c):04x}\\u0000" for c in s),
    "base64-mime-lines": lambda s: _lines(_b64(f"Bearer {s}"), 20, "\r\n"),
    "base64-pem-lines": lambda s: _lines(_b64(f"xy{s}")[3:], 16, "\n  "),
}


def assert_no_trace(secret_form: str, text: str) -> None:
    """No 10-character stretch of ``secret_form`` is left in ``text``."""
    for start in range(max(1, len(secret_form) - 9)):
        window = secret_form[start : start + 10]
        assert window not in text, f"{window!r} of the secret left in {text!r}"


@pytest.mark.parametrize("spelling", list(SPELLINGS))
async def test_a_secret_echoed_in_any_spelling_is_masked(spelling: str) -> None:
    spell = SPELLINGS[spelling]

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        token = json.loads(body)["credentials"]["twilio_auth_token"] if body else None
        key = request.headers["Authorization"].removeprefix("Bearer ")
        echoed = spell(token if token else key)
        return web.Response(text=f"oops {echoed} end", content_type="text/html")

    token = "twilio/tok&<5b1e77>aa0c+Q="
    params = TwilioAccountConnectionParams(
        credentials=TwilioCredentials(twilio_account_sid="AC1", twilio_auth_token=token)
    )
    async with (
        echoing(echo) as (_, url),
        va.AsyncVocode(api_key=ODD_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        read = await failure(client.usage.get())
        create = await failure(client.account_connections.create(params))
    for error, secret in ((read, ODD_KEY), (create, token)):
        assert isinstance(error, va.ResponseDecodeError)
        assert error.excerpt.startswith("oops ") and error.excerpt.endswith(" end")
        for text in texts(error):
            assert_no_trace(spell(secret)[12:-4], text)  # what encodes the secret alone
            assert_no_trace(secret, text)


async def test_a_status_error_echoing_the_key_in_escapes_is_masked() -> None:
    async def refuse(request: web.Request) -> web.Response:
        key = request.headers["Authorization"].removeprefix("Bearer ")
        detail = "".join(f"\\u{ord(c):04x}" for c in key)
        text = json.dumps({"detail": "bad key ? or !"}).replace("?", detail)
        text = text.replace("!", quote(key, safe=""))
        return web.Response(status=401, text=text, content_type="application/json")

    async with (
        echoing(refuse) as (_, url),
        va.AsyncVocode(api_key=ODD_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        error = await failure(client.usage.get())
    assert isinstance(error, va.AuthenticationError) and "bad key" in str(error)
    for text in texts(error):
        assert_no_trace(ODD_KEY, text)


WIDE = {
    "utf-16-be": lambda s: s.encode("utf-16-be"),
    "utf-16-bom": lambda s: s.encode("utf-16"),
    "utf-32-le": lambda s: s.encode("utf-32-le"),
    # valid UTF-8, but each character of the key followed by an unprintable one
    "zero-width-between": lambda s: "\u200b".join(s).encode(),
    "escape-between": lambda s: "\x1b".join(s).encode(),
}


@pytest.mark.parametrize("encoding", list(WIDE))
async def test_a_body_in_another_encoding_never_shows_the_key_between_question_marks(
    encoding: str,
) -> None:
    async def echo(request: web.Request) -> web.Response:
        key = request.headers["Authorization"].removeprefix("Bearer ")
        return web.Response(body=WIDE[encoding](f"oops {key} end"), content_type="text/plain")

    async with (
        echoing(echo) as (_, url),
        va.AsyncVocode(api_key=ODD_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        error = await failure(client.usage.get())
    assert isinstance(error, va.ResponseDecodeError)
    assert error.excerpt.endswith("bytes of binary or non-UTF-8 content>")
    for text in texts(error):
        for gap in ("?", "\\x00", "\x00", "\\u200b"):
            text = text.replace(gap, "")
        assert_no_trace(ODD_KEY, text)


# -- 9. repr never raises; bad option values are ConfigError -------------------------------


async def test_repr_of_a_client_whose_constructor_failed_never_raises() -> None:
    async with echoing() as (api, url):
        with pytest.raises(va.ConfigError) as info:
            va.AsyncVocode(api_key=API_KEY, base_url=url, timeout=-1)
        tb = info.value.__traceback__
        reprs = []
        while tb is not None:
            for value in tb.tb_frame.f_locals.values():
                reprs.append(repr(value))
            tb = tb.tb_next
        assert any(text.startswith("AsyncVocode(") for text in reprs)
        half = object.__new__(va.AsyncVocode)
        assert repr(half).startswith("AsyncVocode(")
        not_a_mapping: Any = ["X-A"]
        for name in ("extra_headers", "extra_query", "extra_body"):
            with pytest.raises(ValueError, match=f"{name} must be a mapping") as bad:
                va.RequestOptions(**{name: not_a_mapping})
            assert "RequestOptions(" in "".join(
                traceback.TracebackException.from_exception(bad.value, capture_locals=True).format()
            )
        assert not api.requests


BAD_OPTIONS: list[tuple[str, Any]] = [
    ("timeout", -1),
    ("timeout", 0),
    ("timeout", math.nan),
    ("timeout", math.inf),
    ("timeout", "5"),
    ("timeout", True),
    ("connect_timeout", -1.0),
    ("connect_timeout", math.nan),
    ("read_timeout", -2),
    ("read_timeout", "30"),
    ("max_retries", -1),
    ("max_retries", 1.5),
    ("max_retries", "2"),
    ("max_response_bytes", 0),
    ("max_response_bytes", 1.5),
    ("max_response_bytes", "1MB"),
    ("max_connections", -1),
    ("max_connections", 2.5),
    ("max_connections_per_host", -1),
    ("retry_policy", "fast"),
    ("default_headers", ["X-A"]),
    ("trace_configs", 3),
    ("allow_insecure_http", "yes"),
    ("trust_env", "no"),
    ("proxy", 3128),
]


@pytest.mark.parametrize(("name", "value"), BAD_OPTIONS, ids=repr)
async def test_a_bad_option_value_is_a_config_error_naming_it(name: str, value: Any) -> None:
    async with echoing() as (api, url):
        with pytest.raises(va.ConfigError, match=name):
            va.AsyncVocode(api_key=API_KEY, base_url=url, **{name: value})
        assert not api.requests


# -- 10. bodies that cannot be encoded -----------------------------------------------------


def _deep(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = [value]
    return value


async def test_a_body_that_cannot_be_encoded_is_refused_before_anything_is_sent() -> None:
    async with (
        echoing() as (api, url),
        va.AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=FAST) as client,
    ):
        cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("deep", lambda: client.request("POST", "/v1/x", json=_deep(10_000))),
            ("deep", lambda: client.request("POST", "/v1/x", json={"a": _deep(300)})),
            (
                "deep",
                lambda: client.with_options(extra_body={"x": _deep(400)}).prompts.create(
                    content="c"
                ),
            ),
            (
                "body.note",
                lambda: client.with_options(extra_body={"note": "\udcff"}).prompts.create(
                    content="c"
                ),
            ),
            ("q 'a", lambda: client.with_options(extra_query={"q": "a\udcffb"}).usage.get()),
            ("JSON", lambda: client.request("POST", "/v1/x", json={"s": {1, 2}})),
            ("JSON", lambda: client.request("POST", "/v1/x", json={1: "a"})),
            ("JSON", lambda: client.request("POST", "/v1/x", json={"n": 1 << 70})),
            ("key", lambda: client.request("POST", "/v1/x", json={"k\udcff": "a"})),
        ]
        for what, operation in cases:
            with pytest.raises(ValueError, match=what) as info:
                await operation()
            assert not isinstance(info.value, va.VocodeError)
            # (its frames hold the deep value itself, which repr cannot show)
            assert_absent((API_KEY,), *texts(info.value, frames=what != "deep"))
        assert not api.requests


@pytest.mark.parametrize("value", [["a", "b"], {"a": 1}, b"raw"], ids=["list", "dict", "bytes"])
async def test_an_extra_query_value_no_query_can_carry_is_refused(value: Any) -> None:
    sent: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        sent.append(request.path_qs)
        return web.json_response(page_body([], 1, 10, has_more=False, total=0))

    app = web.Application()
    app.router.add_get("/v1/calls/list", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with va.AsyncVocode(API_KEY, base_url=f"http://127.0.0.1:{port}") as client:
            with pytest.raises(ValueError, match="extra_query"):
                await client.with_options(extra_query={"x": value}).calls.list(size=10)
    finally:
        await runner.cleanup()
    assert sent == []

"""One HTTP exchange over aiohttp. Knows nothing of models.

It turns aiohttp's failures into ours, recording whether the request may have reached the
server (the retry classifier needs that), and maps non-2xx statuses to error classes by
table. Errors are raised ``from None`` with sanitized text: aiohttp exceptions carry the
request headers, and so the API key, in their attributes.

Every request the transport sends is one the retrier counted: aiohttp's own silent re-send
of an idempotent request on a dropped keep-alive connection is switched off on our sessions
and refused by a per-request middleware on a borrowed one (the drop becomes an ordinary
connection error the retrier then judges). For unsafe requests, a trace records whether
the headers were written, so one that timed out in the pool queue or was interrupted by
``close()`` before it left is known never to have been sent.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
import re
import ssl as ssl_module
import time
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
import orjson
from aiohttp import hdrs
from multidict import CIMultiDictProxy

from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    Redactor,
    ResponseTooLargeError,
    UnexpectedRedirectError,
    ValidationIssue,
    WrongEventLoopError,
    error_for_status,
)
from ._log import log
from ._retryafter import parse_retry_after
from ._types import NoRoom, Query, Room

__all__ = ["Network", "Payload", "Response", "Transport", "env_proxy", "secret_headers"]

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid")
_SECRET_HEADER = re.compile(r"(?i)auth|api_?-?key|token|secret|cookie|passw")
_DETAIL_CHARS = 300


@attrs.frozen
class Response:
    """A complete 2xx response (``elapsed``: seconds from sending to the body's last byte)."""

    status: int
    body: bytes = attrs.field(repr=False)
    content_type: str | None
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    elapsed: float = 0.0
    redact: Callable[[str], str] = attrs.field(default=str, repr=False, eq=False)
    """Masks the request's secrets in what the server sent back (the request id)."""

    @property
    def request_id(self) -> str | None:
        """The server's id of this request, with any secret it echoed masked (worked out
        when asked: most calls never ask, and masking costs microseconds)."""
        return _masked(_request_id(self.headers), self.redact)

    @classmethod
    def of(
        cls,
        resp: aiohttp.ClientResponse,
        body: bytes,
        started: float,
        redact: Callable[[str], str] = str,
    ) -> Response:
        """The response of ``resp`` whose body was ``body``, sent at ``started``."""
        return cls(
            status=resp.status,
            body=body,
            content_type=resp.content_type,
            headers=resp.headers,
            elapsed=time.monotonic() - started,
            redact=redact,
        )


class Payload:
    """An encoded request body. Its repr is its size: the bytes may hold third-party
    secrets, and error trackers record the locals of the frames an error passes."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"<request body, {len(self.data)} bytes>"


class _Send:
    """The transport's record of one send of a request (one try of a call): has aiohttp
    written its headers yet, and did aiohttp try to send it a second time?"""

    __slots__ = ("dropped", "sent", "started")

    def __init__(self, tracked: bool) -> None:
        self.sent = not tracked  # on a session without our trace, assume the worst
        self.started = False
        self.dropped: aiohttp.ClientError | None = None

    async def once(
        self, req: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        """A middleware refusing any second send of the request, such as aiohttp's own
        re-send of an idempotent request whose kept-alive connection dropped: called again,
        it raises the first call's error (as if aiohttp had not tried again)."""
        if self.started:
            raise self.dropped or aiohttp.ServerDisconnectedError("not re-sent by aiohttp")
        self.started = True
        try:
            return await handler(req)
        except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
            self.dropped = exc  # what aiohttp re-sends on (and only once)
            raise


# aiohttp's private name for a session's own middlewares (it has no public accessor);
# tests/test_aiohttp_internals.py fails loudly if a release renames it.
SESSION_MIDDLEWARES = "_middlewares"


def _middlewares(session: aiohttp.ClientSession, record: _Send, ours: bool) -> Any:
    """The request's middlewares: ``record.once`` innermost, so aiohttp never re-sends an
    idempotent request on its own when a kept-alive connection drops (every request is
    one our retry accounting made). Per-request middlewares replace a session's: a
    borrowed session's own run first. Were aiohttp's name for them gone, the session's own
    apply alone (None), unguarded, rather than silently dropped."""
    if ours:
        return (record.once,)
    theirs = getattr(session, SESSION_MIDDLEWARES, None)
    return None if theirs is None else (*theirs, record.once)


async def _on_headers_sent(_: Any, context: Any, __: Any) -> None:
    record = context.trace_request_ctx
    if isinstance(record, _Send):
        record.sent = True


def _sent_trace() -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_on_headers_sent)
    return trace


def secret_headers(headers: Mapping[str, str]) -> list[str]:
    """The values of headers whose names say they are credentials (X-Api-Key, Cookie...)."""
    return [value for name, value in headers.items() if value and _SECRET_HEADER.search(name)]


def env_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``...), or None."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # untyped
    if not parts.hostname or bypass(parts.hostname, proxies):
        return None
    return proxies.get(parts.scheme)


def _encode_query(params: Query | None) -> dict[str, str] | None:
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = _query_text(value)
    return out


def _query_text(value: str | int | float | bool) -> str:
    """A checked query value's one spelling (by its base type: an enum member of str or
    int goes as its value, not as ``Color.RED``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__repr__(value)
    return float.__repr__(value)


@attrs.frozen(kw_only=True)
class Network:
    """How the transport reaches the API: pool limits, proxy, TLS, tracing, default headers.

    ``proxy`` is the proxy every request goes through (the client resolves it from
    ``HTTP(S)_PROXY``/``NO_PROXY`` once, unless told not to trust the environment), a URL
    without credentials: those are ``proxy_auth`` (user, password), sent as a
    ``Proxy-Authorization`` header (aiohttp quotes the proxy URL in its errors);
    ``ssl`` is an ``ssl.SSLContext``, or False to skip verification (never do that against
    the real API).
    """

    max_connections: int = 100
    max_connections_per_host: int = 0
    proxy: str | None = attrs.field(default=None, repr=False)
    proxy_auth: tuple[str, str] | None = attrs.field(default=None, repr=False)
    ssl: ssl_module.SSLContext | bool = True
    trace_configs: tuple[aiohttp.TraceConfig, ...] = ()
    default_headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)

    def secrets(self) -> tuple[str, ...]:
        """What to mask besides the key: secret-looking default headers, the proxy's password
        and ``user:password`` (whose base64 a proxy echoes from ``Proxy-Authorization``)."""
        auth = self.proxy_auth
        proxy = () if auth is None else (auth[1], f"{auth[0]}:{auth[1]}")
        return (*secret_headers(self.default_headers), *proxy)

    def proxy_headers(self) -> dict[str, str] | None:
        """The proxy's ``Proxy-Authorization`` header, if it has credentials."""
        if self.proxy_auth is None:
            return None
        pair = ":".join(self.proxy_auth).encode()
        return {"Proxy-Authorization": "Basic " + base64.b64encode(pair).decode()}

    def session(self, *, force_close: bool = False) -> aiohttp.ClientSession:
        """A new session with these settings.

        ``force_close``: one connection per request, for unsafe requests; such a session
        also traces when a request's headers are written (whether it may have been sent
        decides what an unsafe failure means; ~25 µs a request, so only there).
        """
        connector = aiohttp.TCPConnector(
            limit=self.max_connections,
            limit_per_host=self.max_connections_per_host,
            force_close=force_close,
            ssl=self.ssl,
        )
        traces = [_sent_trace()] if force_close else []
        session = aiohttp.ClientSession(
            connector=connector,
            # Never aiohttp's own trust_env: it reads .netrc and the environment in a
            # thread on every request (and .netrc credentials clash with our header).
            trust_env=False,
            # No cookies kept: every request stands alone, authenticated by the key only.
            cookie_jar=aiohttp.DummyCookieJar(),
            trace_configs=[*traces, *self.trace_configs] or None,
        )
        return session  # aiohttp's own re-send is refused per request (see _middlewares)


@attrs.define
class Transport:
    """Sends requests to one base URL with one API key through one aiohttp session."""

    base_url: str
    api_key: str = attrs.field(repr=False)
    user_agent: str
    connect_timeout: float | None
    read_timeout: float | None
    max_response_bytes: int
    max_recording_bytes: int = 512 * 1024 * 1024
    network: Network = attrs.field(factory=Network)
    session: aiohttp.ClientSession | None = None
    owns_session: bool = True
    # Run-time state, never a constructor argument:
    _closed: bool = attrs.field(default=False, init=False)
    _unsafe_session: aiohttp.ClientSession | None = attrs.field(default=None, init=False)
    _loop: asyncio.AbstractEventLoop | None = attrs.field(default=None, init=False, repr=False)
    _guard: AsyncGenerator[None, None] | None = attrs.field(default=None, init=False, repr=False)
    redactor: Redactor = attrs.field(init=False, repr=False)
    _first_headers: dict[str, str] = attrs.field(init=False, repr=False)
    _own_headers: dict[str, str] = attrs.field(init=False, repr=False)
    _connect_headers: dict[str, str] | None = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Default headers with secret-looking names (an X-Api-Key for a gateway) count too.
        self.redactor = Redactor((self.api_key, *self.network.secrets()))
        # What every request sends, built once (see _headers).
        self._first_headers = {"Accept": "application/json", **self.network.default_headers}
        own = {"Authorization": f"Bearer {self.api_key}", "User-Agent": self.user_agent}
        self._connect_headers = self.network.proxy_headers()  # to a CONNECT (https)
        if self.base_url.startswith("http:"):  # plain http is forwarded by the proxy as is
            own.update(self._connect_headers or {})
        self._own_headers = own

    def _session(self, unsafe: bool = False) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("the AsyncVocode client is closed")
        self._check_loop()
        if self.session is None:
            # Created lazily, inside the running loop; the Authorization header is never a
            # session default, so a borrowed session cannot send it elsewhere.
            self.session = self.network.session()
        if not unsafe:
            return self.session
        if self._unsafe_session is None:
            # Unsafe requests never ride an idle keep-alive connection: the server may be
            # closing it as we write, and then we could not tell whether it acted. A
            # borrowed session's pool cannot be told so per request: they get our own.
            self._unsafe_session = self.network.session(force_close=True)
        return self._unsafe_session

    def _check_loop(self) -> None:
        """The client's connections belong to the first loop it ran in; refuse any other."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._watch_loop()
        elif loop is not self._loop:
            raise WrongEventLoopError(
                "this AsyncVocode client belongs to another event loop (one an earlier "
                "asyncio.run may have closed); create one client per loop, inside it"
            )

    def _watch_loop(self) -> None:
        """Close our sessions when the loop shuts down, even if nobody closes the client.

        ``asyncio.run`` finalizes every suspended async generator before it closes the
        loop: one parked here runs its ``finally`` then, while the loop can still close
        sockets. A module-level client used by two ``asyncio.run`` calls thus leaks
        nothing; the second gets :class:`WrongEventLoopError`.
        """

        async def guard() -> AsyncGenerator[None, None]:
            try:
                yield
            finally:
                await self._close_sessions()

        self._guard = guard()
        step = self._guard.__anext__()  # registers it with the loop's finalizer hooks
        with contextlib.suppress(StopIteration):
            step.send(None)  # runs it to its yield, synchronously (nothing is awaited)

    def mark_closed(self) -> None:
        """Refuse every request from now on (:meth:`close` then closes the sessions)."""
        self._closed = True

    async def close(self) -> None:
        """Close the sessions if they are ours; idempotent."""
        self._closed = True
        if self._loop is not None and asyncio.get_running_loop() is not self._loop:
            return  # another loop's: its guard closed them when that loop ended
        if self._guard is not None:
            await self._guard.aclose()
        await self._close_sessions()

    async def _close_sessions(self) -> None:
        if self.owns_session and self.session is not None:
            await self.session.close()
        if self._unsafe_session is not None:
            await self._unsafe_session.close()

    def _headers(self, has_body: bool, extra: Mapping[str, str] | None) -> dict[str, str]:
        # Ours last: an extra header can add to a request, never re-point its credentials.
        headers = {**self._first_headers, **(extra or {}), **self._own_headers}
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    def pool_size(self) -> int:
        """How many requests the pool sends to the API at once (0: no bound)."""
        connector = None if self.session is None else self.session.connector
        if connector is not None:  # a borrowed session: its own limits
            limits = (connector.limit, connector.limit_per_host)
        else:
            limits = (self.network.max_connections, self.network.max_connections_per_host)
        return min((limit for limit in limits if limit), default=0)

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the API key masked."""
        return self.redactor.text(text)

    def _timeout(self, total: float | None) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=total,
            sock_connect=self.connect_timeout,
            sock_read=self.read_timeout,
            # aiohttp rounds a total above 5 s up to a whole second of loop time: the
            # call's deadline would be overshot by up to a second.
            ceil_threshold=math.inf,
        )

    def _request(
        self,
        method: str,
        path: str,
        params: Query | None,
        body: Payload | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
        unsafe: bool,
        record: _Send,
    ) -> Any:
        session = self._session(unsafe)
        return session.request(
            method,
            self.base_url + path,
            params=_encode_query(params),
            data=None if body is None else body.data,
            headers=self._headers(body is not None, headers),
            allow_redirects=False,
            timeout=self._timeout(timeout),
            proxy=self.network.proxy,
            proxy_headers=self._connect_headers,  # to a CONNECT (https)
            middlewares=_middlewares(session, record, ours=unsafe or self.owns_session),
            trace_request_ctx=record,
        )

    def _record(self, unsafe: bool) -> _Send:
        """Per-request state; headers-sent is tracked for unsafe requests only."""
        return _Send(tracked=unsafe)

    def _translate(
        self, exc: BaseException, method: str, path: str, record: _Send
    ) -> BaseException:
        """Our error for an aiohttp failure (or ``exc`` itself when it is not one)."""
        closed = self._closed or (self.session is not None and self.session.closed)
        if closed and isinstance(exc, (aiohttp.ClientError, RuntimeError, asyncio.TimeoutError)):
            return ClientClosedError(
                f"client closed during {method} {path}"
                + (" (the request may have been sent)" if record.sent else ""),
                request_sent=record.sent,
            )
        if isinstance(exc, aiohttp.ClientError):
            return self._connection_error(exc, method, path, record.sent)
        if isinstance(exc, asyncio.TimeoutError):  # aiohttp's total: the call's deadline
            where = "" if record.sent else " waiting for a connection (nothing was sent)"
            return APITimeoutError(
                f"{method} {path} timed out{where}",
                method=method,
                path=path,
                request_sent=record.sent,
            )
        return exc

    def _cancelled(self, method: str, path: str, unsafe: bool, record: _Send) -> None:
        if unsafe and record.sent:
            log.warning(
                "%s %s was cancelled after the request may have been sent: whether it took "
                "effect is unknown (reconcile by listing)",
                method,
                path,
            )

    @asynccontextmanager
    async def open(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send a bodiless request; yield the 2xx response with its body unread (streaming).

        ``timeout`` bounds the whole exchange, the body's last byte included.
        """
        record = self._record(False)
        try:
            request = self._request(method, path, params, None, headers, timeout, False, record)
            async with request as resp:
                if not 200 <= resp.status < 300:
                    raise await self._status_error(resp, method, path)
                yield resp
            return
        except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError) as exc:
            failure = self._translate(exc, method, path, record)
            if failure is exc:
                raise
        raise failure

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        body: Payload | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        unsafe: bool = False,
        redactor: Redactor | None = None,
        room: Room | None = None,
    ) -> Response:
        """Send a request and read the whole body (up to ``max_response_bytes`` decoded).

        The hot path of every call: no context-manager generator in between.
        ``unsafe``: the request is unsafe to repeat: it goes on a new connection of its own
        (the unsafe session's), never an idle kept-alive one, and whether its headers were
        written is tracked;
        ``redactor``: the secrets to mask in an error's texts before they are cut to size
        (default: the API key);
        ``room``: a listing page's budget, asked as the 2xx body comes in (see
        :meth:`_read_capped`).
        """
        started = time.monotonic()
        record = self._record(unsafe)
        try:
            request = self._request(method, path, params, body, headers, timeout, unsafe, record)
            async with request as resp:
                if 200 <= resp.status < 300:  # a final 1xx or 000 is no answer
                    redact = (redactor or self.redactor).text
                    answer = await self._read_capped(resp, room)
                    return Response.of(resp, answer, started, redact)
                error = await self._status_error(resp, method, path, redactor)
            del resp  # its repr shows what the server sent: never in a traceback's locals
            raise error
        except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError) as exc:
            failure = self._translate(exc, method, path, record)
            if failure is exc:
                raise
        except asyncio.CancelledError:
            self._cancelled(method, path, unsafe, record)
            raise
        raise failure

    async def _read_capped(self, resp: aiohttp.ClientResponse, room: Room | None) -> bytes:
        """The body, decoded, refused once it passes the cap (a gzip bomb is small on the
        wire: the decoded bytes are counted as aiohttp inflates them, piece by piece).

        What aiohttp inflates by is not what a header lookup says (two Content-Encoding
        headers: it may read the last, ``headers.get`` gives the first), so only a body
        with no Content-Encoding at all is taken whole on its Content-Length.
        ``room`` (a listing page) is asked first with that length, else with the bytes
        decoded so far at each piece; on a no the connection is dropped and :class:`NoRoom`
        raised, so an answer the listing cannot hold is never held.
        """
        cap = self.max_response_bytes
        length = resp.content_length
        plain = hdrs.CONTENT_ENCODING not in resp.headers  # then wire bytes = decoded bytes
        if plain and length is not None and length <= cap:
            if room is not None and not room(length):
                resp.close()
                raise NoRoom(length)
            return await resp.read()
        if not plain or length is None:
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_any():
                size += len(chunk)
                if size > cap:
                    break
                if room is not None and not room(size):
                    del chunks, chunk  # the traceback keeps this frame: not the answer
                    resp.close()
                    raise NoRoom(size)
                chunks.append(chunk)
            else:
                return b"".join(chunks)
            chunks.clear()
        resp.close()  # drop the connection instead of draining an unbounded body
        raise too_large(resp, cap, "max_response_bytes")

    async def _status_error(
        self,
        resp: aiohttp.ClientResponse,
        method: str,
        path: str,
        redactor: Redactor | None = None,
    ) -> APIStatusError:
        redact = (redactor or self.redactor).text
        try:
            raw = await resp.content.read(64 * 1024)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            raw = b""
        detail = _parse_detail(redact(raw.decode("utf-8", "replace")), resp.content_type)
        cls = error_for_status(resp.status)
        summary = _summarize(detail, resp.content_type, raw)
        request_id = _masked(_request_id(resp.headers), redact)
        message = f"{resp.status} {resp.reason or ''} from {method} {path}".replace("  ", " ")
        if summary:
            message += f": {summary}"
        if request_id:
            message += f" (request id {request_id})"
        kwargs: dict[str, Any] = {
            "status": resp.status,
            "method": method,
            "path": path,
            "request_id": request_id,
            "detail": detail,
            "retry_after": parse_retry_after(resp.headers.get("Retry-After")),
        }
        if cls is UnexpectedRedirectError:
            # Masked before the repr: its escapes (a quote as \') would hide a secret.
            location = _masked(resp.headers.get("Location"), redact)
            message += f"; redirect to {location!r} not followed"
            return UnexpectedRedirectError(redact(message), location=location, **kwargs)
        return cls(redact(message), **kwargs)

    def _connection_error(
        self, exc: aiohttp.ClientError, method: str, path: str, sent: bool
    ) -> APIConnectionError:
        what = self.redact(_described(exc))
        if isinstance(exc, aiohttp.ConnectionTimeoutError):  # before its parent class
            return APITimeoutError(
                f"{method} {path}: connect timed out ({what})",
                method=method,
                path=path,
                request_sent=False,
            )
        if isinstance(exc, aiohttp.ClientConnectorError):
            return APIConnectionError(
                f"{method} {path}: could not connect ({what})",
                method=method,
                path=path,
                request_sent=False,
            )
        if isinstance(exc, aiohttp.ServerTimeoutError):
            return APITimeoutError(
                f"{method} {path}: timed out ({what})", method=method, path=path, request_sent=sent
            )
        return APIConnectionError(
            f"{method} {path}: connection failed ({what})",
            method=method,
            path=path,
            request_sent=sent,
        )


def too_large(resp: aiohttp.ClientResponse, cap: int, name: str) -> ResponseTooLargeError:
    """The error for a body of ``resp`` that passed ``cap`` decoded bytes (setting ``name``)."""
    return ResponseTooLargeError(
        f"response body exceeds the {cap}-byte cap ({name})",
        status=resp.status,
        content_type=resp.content_type,
        excerpt="",
    )


def _described(exc: aiohttp.ClientError) -> str:
    """``exc`` for an error message, without the start of an over-long line aiohttp quotes
    (cut at its own length, it may hold the start of a secret too short to recognise)."""
    if isinstance(exc, aiohttp.ClientResponseError) and _TOO_LONG.match(exc.message):
        message = _TOO_LONG.sub(r"\1 (not shown)", exc.message)
        return f"{type(exc).__name__}: {exc.status}, message={message!r}"
    return f"{type(exc).__name__}: {exc}"


_TOO_LONG = re.compile(r"(Got more than \d+ bytes(?: \(\d+\))? when reading)\b.*", re.S)


def _masked(value: str | None, redact: Callable[[str], str]) -> str | None:
    return None if value is None else redact(value)


def _request_id(headers: CIMultiDictProxy[str] | Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _parse_detail(raw: str, content_type: str | None) -> Any:
    """The ``detail`` of a FastAPI error body: a string, a tuple of issues, or None."""
    if not raw or "json" not in (content_type or ""):
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, list):
        return tuple(
            ValidationIssue(
                loc=tuple(p for p in item.get("loc", ()) if isinstance(p, (str, int))),
                msg=str(item.get("msg", "")),
                type=str(item.get("type", "")),
            )
            for item in detail
            if isinstance(item, dict)
        )
    return detail if isinstance(detail, str) else None


def _summarize(detail: Any, content_type: str | None, raw: bytes) -> str:
    if isinstance(detail, tuple):
        text = "; ".join(str(issue) for issue in detail)
    elif isinstance(detail, str):
        text = detail
    elif raw:
        text = f"{content_type or 'unknown'} body"
    else:
        text = ""
    return text[:_DETAIL_CHARS]

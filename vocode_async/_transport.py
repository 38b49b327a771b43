"""One HTTP exchange over aiohttp. Knows nothing of models.

It turns aiohttp's failures into ours, recording whether the request may have reached the
server (the retry classifier needs that), and maps non-2xx statuses to error classes by
table. Errors are raised ``from None`` with sanitized text: aiohttp exceptions carry the
request headers, and so the API key, in their attributes.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as ssl_module
import time
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
import orjson
from multidict import CIMultiDictProxy

from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ResponseTooLargeError,
    UnexpectedRedirectError,
    ValidationIssue,
    error_for_status,
)
from ._retry import parse_retry_after
from ._types import Query

__all__ = ["Network", "Response", "Transport", "env_proxy"]

log = logging.getLogger("vocode_async")
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid")
_DETAIL_CHARS = 300


@attrs.frozen
class Response:
    """A complete 2xx response (``elapsed``: seconds from sending to the body's last byte)."""

    status: int
    body: bytes = attrs.field(repr=False)
    content_type: str | None
    request_id: str | None
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    elapsed: float = 0.0

    @classmethod
    def of(cls, resp: aiohttp.ClientResponse, body: bytes, started: float) -> Response:
        """The response of ``resp`` whose body was ``body``, sent at ``started``."""
        return cls(
            status=resp.status,
            body=body,
            content_type=resp.content_type,
            request_id=_request_id(resp.headers),
            headers=resp.headers,
            elapsed=time.monotonic() - started,
        )


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
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


@attrs.frozen(kw_only=True)
class Network:
    """How the transport reaches the API: pool limits, proxy, TLS, tracing, default headers.

    ``proxy`` is the proxy every request goes through (the client resolves it from
    ``HTTP(S)_PROXY``/``NO_PROXY`` once, unless told not to trust the environment);
    ``ssl`` is an ``ssl.SSLContext``, or False to skip verification (never do that against
    the real API).
    """

    max_connections: int = 100
    max_connections_per_host: int = 0
    proxy: str | None = attrs.field(default=None, repr=False)
    ssl: ssl_module.SSLContext | bool = True
    trace_configs: tuple[aiohttp.TraceConfig, ...] = ()
    default_headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)

    def session(self, *, force_close: bool = False) -> aiohttp.ClientSession:
        """A new session with these settings (``force_close``: one connection per request)."""
        connector = aiohttp.TCPConnector(
            limit=self.max_connections,
            limit_per_host=self.max_connections_per_host,
            force_close=force_close,
            ssl=self.ssl,
        )
        return aiohttp.ClientSession(
            connector=connector,
            # Never aiohttp's own trust_env: it reads .netrc and the environment in a
            # thread on every request (and .netrc credentials clash with our header).
            trust_env=False,
            trace_configs=list(self.trace_configs) or None,
        )


@attrs.define
class Transport:
    """Sends requests to one base URL with one API key through one aiohttp session."""

    base_url: str
    api_key: str = attrs.field(repr=False)
    user_agent: str
    connect_timeout: float | None
    read_timeout: float | None
    max_response_bytes: int
    network: Network = attrs.field(factory=Network)
    session: aiohttp.ClientSession | None = None
    owns_session: bool = True
    closed: bool = False
    fresh_session: aiohttp.ClientSession | None = None

    def _session(self, fresh: bool = False) -> aiohttp.ClientSession:
        if self.closed:
            raise ClientClosedError("the AsyncVocode client is closed")
        if self.session is None:
            # Created lazily, inside the running loop; the Authorization header is never a
            # session default, so a borrowed session cannot send it elsewhere.
            self.session = self.network.session()
        if not fresh:
            return self.session
        if self.fresh_session is None:
            # Unsafe requests never ride an idle keep-alive connection: the server may be
            # closing it as we write, and then we could not tell whether it acted. A
            # borrowed session's pool cannot be told so per request: they get our own.
            self.fresh_session = self.network.session(force_close=True)
        return self.fresh_session

    async def close(self) -> None:
        """Close the sessions if they are ours; idempotent."""
        self.closed = True
        if self.owns_session and self.session is not None:
            await self.session.close()
        if self.fresh_session is not None:
            await self.fresh_session.close()

    def _headers(self, has_body: bool, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json", **self.network.default_headers, **(extra or {})}
        # Ours last: an extra header can add to a request, never re-point its credentials.
        headers["Authorization"] = f"Bearer {self.api_key}"
        headers["User-Agent"] = self.user_agent
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the API key masked."""
        return text.replace(self.api_key, "***") if self.api_key else text

    def _timeout(self, total: float | None) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=total, sock_connect=self.connect_timeout, sock_read=self.read_timeout
        )

    def _request(
        self,
        method: str,
        path: str,
        params: Query | None,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
        fresh: bool,
    ) -> Any:
        log.debug("request %s %s", method, path)
        return self._session(fresh).request(
            method,
            self.base_url + path,
            params=_encode_query(params),
            data=body,
            headers=self._headers(body is not None, headers),
            allow_redirects=False,
            timeout=self._timeout(timeout),
            proxy=self.network.proxy,
        )

    def _translate(self, exc: BaseException, method: str, path: str) -> BaseException:
        """Our error for an aiohttp failure (or ``exc`` itself when it is not one)."""
        if isinstance(exc, aiohttp.ClientError):
            if self.closed:
                return ClientClosedError(f"client closed during {method} {path}")
            return self._connection_error(exc, method, path)
        if isinstance(exc, asyncio.TimeoutError):
            return APITimeoutError(
                f"{method} {path} timed out", method=method, path=path, request_sent=True
            )
        if isinstance(exc, RuntimeError) and (
            self.closed or (self.session is not None and self.session.closed)
        ):
            return ClientClosedError(f"client closed during {method} {path}")
        return exc

    @asynccontextmanager
    async def open(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        fresh: bool = False,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send a request; yield the 2xx response with its body unread (for streaming).

        ``fresh``: on a new connection (for requests that are unsafe to repeat).
        """
        try:
            async with self._request(method, path, params, body, headers, timeout, fresh) as resp:
                if resp.status >= 300:
                    raise await self._status_error(resp, method, path)
                yield resp
            return
        except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError) as exc:
            failure = self._translate(exc, method, path)
            if failure is exc:
                raise
        raise failure

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        fresh: bool = False,
    ) -> Response:
        """Send a request and read the whole body (up to ``max_response_bytes``).

        The hot path of every call: no context-manager generator in between.
        """
        started = time.monotonic()
        try:
            async with self._request(method, path, params, body, headers, timeout, fresh) as resp:
                if resp.status >= 300:
                    raise await self._status_error(resp, method, path)
                return Response.of(resp, await self._read_capped(resp), started)
        except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError) as exc:
            failure = self._translate(exc, method, path)
            if failure is exc:
                raise
        raise failure

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        cap = self.max_response_bytes
        length = resp.content_length
        if length is not None and length <= cap:
            return await resp.read()
        if length is None:
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_any():
                size += len(chunk)
                if size > cap:
                    break
                chunks.append(chunk)
            else:
                return b"".join(chunks)
        resp.close()  # drop the connection instead of draining an unbounded body
        raise ResponseTooLargeError(
            f"response body exceeds the {cap}-byte cap (max_response_bytes)",
            status=resp.status,
            content_type=resp.content_type,
            excerpt="",
        )

    async def _status_error(
        self, resp: aiohttp.ClientResponse, method: str, path: str
    ) -> APIStatusError:
        try:
            raw = await resp.content.read(64 * 1024)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            raw = b""
        detail = _parse_detail(self.redact(raw.decode("utf-8", "replace")), resp.content_type)
        cls = error_for_status(resp.status)
        summary = _summarize(detail, resp.content_type, raw)
        request_id = _request_id(resp.headers)
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
            location = resp.headers.get("Location")
            message += f"; redirect to {location!r} not followed"
            return UnexpectedRedirectError(self.redact(message), location=location, **kwargs)
        return cls(self.redact(message), **kwargs)

    def _connection_error(
        self, exc: aiohttp.ClientError, method: str, path: str
    ) -> APIConnectionError:
        what = self.redact(f"{type(exc).__name__}: {exc}")
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
                f"{method} {path}: timed out ({what})", method=method, path=path, request_sent=True
            )
        return APIConnectionError(
            f"{method} {path}: connection failed ({what})",
            method=method,
            path=path,
            request_sent=True,
        )


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

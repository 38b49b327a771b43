"""AsyncVocode: configuration, lifecycle, resources, and the single request path."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import time
from collections.abc import AsyncGenerator, Coroutine, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import attrs

from ._converter import Decoder
from ._endpoint import Endpoint
from ._errors import APITimeoutError, ConfigError, VocodeError, scrub
from ._pagination import CLOSED_MESSAGE, AsyncPager, RawPage
from ._retry import Retrier, RetryPolicy, Safety
from ._transport import Response, Transport
from ._types import UNSET, Query, Unset
from ._version import __version__
from .models._base import Page
from .resources.account_connections import AccountConnectionsResource
from .resources.actions import ActionsResource
from .resources.agents import AgentsResource
from .resources.calls import CallsResource
from .resources.numbers import NumbersResource
from .resources.prompts import PromptsResource
from .resources.usage import UsageResource
from .resources.vector_databases import VectorDatabasesResource
from .resources.voices import VoicesResource
from .resources.webhooks import WebhooksResource

__all__ = ["DEFAULT_BASE_URL", "AsyncVocode"]

T = TypeVar("T")
DEFAULT_BASE_URL = "https://api.vocode.dev"
_DECODER: Decoder | None = None


def _decoder() -> Decoder:
    """The process-wide decoder: converters are built once, their hooks generated once."""
    global _DECODER
    if _DECODER is None:
        _DECODER = Decoder()
    return _DECODER


def _is_loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _resolve_base_url(base_url: str | None, allow_insecure_http: bool) -> str:
    url = (base_url or os.environ.get("VOCODE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base_url must be an http(s) URL with a host, got {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError("base_url must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not (allow_insecure_http or _is_loopback(parts.hostname)):
        raise ConfigError(
            f"refusing to send the API key over plain http to {parts.hostname}; use https, "
            "or pass allow_insecure_http=True if you really mean it"
        )
    return url


@attrs.define
class _Shared:
    """What every view of one client shares: the transport, retrier and tracked tasks."""

    transport: Transport
    retrier: Retrier[Response]
    tasks: set[asyncio.Task[Any]] = attrs.field(factory=set)


class AsyncVocode:
    """The async client of the Vocode Hosted API.

    ``async with AsyncVocode() as client:`` reads the key from ``api_key=`` or
    ``VOCODE_API_KEY`` and the base URL from ``base_url=`` or ``VOCODE_BASE_URL``.
    ``timeout`` bounds a whole call, retries included; ``max_retries`` is per client and,
    through :meth:`with_options`, per call. Pass ``session=`` to borrow an
    ``aiohttp.ClientSession`` (it is then never closed by us).
    """

    calls: CallsResource
    agents: AgentsResource
    numbers: NumbersResource
    prompts: PromptsResource
    actions: ActionsResource
    voices: VoicesResource
    webhooks: WebhooksResource
    vector_databases: VectorDatabasesResource
    account_connections: AccountConnectionsResource
    usage: UsageResource

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = 60.0,
        connect_timeout: float | None = 10.0,
        read_timeout: float | None = 30.0,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        max_response_bytes: int = 32 * 1024 * 1024,
        allow_insecure_http: bool = False,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("VOCODE_API_KEY")
        if not key:
            raise ConfigError(
                "no API key: pass AsyncVocode(api_key=...) or set the VOCODE_API_KEY "
                "environment variable"
            )
        policy = retry_policy or RetryPolicy(max_retries=max_retries)
        transport = Transport(
            base_url=_resolve_base_url(base_url, allow_insecure_http),
            api_key=key,
            user_agent=f"vocode-async/{__version__}",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_response_bytes=max_response_bytes,
            max_connections=max_connections,
            session=session,
            owns_session=session is None,
        )
        self._shared = _Shared(transport, Retrier(policy))
        self._timeout = timeout
        self._max_retries = policy.max_retries
        self._bind()

    def _bind(self) -> None:
        self.calls = CallsResource(self)
        self.agents = AgentsResource(self)
        self.numbers = NumbersResource(self)
        self.prompts = PromptsResource(self)
        self.actions = ActionsResource(self)
        self.voices = VoicesResource(self)
        self.webhooks = WebhooksResource(self)
        self.vector_databases = VectorDatabasesResource(self)
        self.account_connections = AccountConnectionsResource(self)
        self.usage = UsageResource(self)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._shared.transport.base_url

    def __repr__(self) -> str:
        return f"AsyncVocode(base_url={self.base_url!r})"

    def with_options(
        self, *, timeout: float | Unset | None = UNSET, max_retries: int | Unset = UNSET
    ) -> AsyncVocode:
        """A view of this client with other per-call settings; it shares the connection pool.

        ``await client.with_options(max_retries=0).calls.get(id)``.
        """
        view = object.__new__(AsyncVocode)
        view._shared = self._shared
        view._timeout = self._timeout if isinstance(timeout, Unset) else timeout
        view._max_retries = self._max_retries if isinstance(max_retries, Unset) else max_retries
        if view._max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {view._max_retries}")
        view._bind()
        return view

    async def __aenter__(self) -> AsyncVocode:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Cancel in-flight prefetches, then close the session (if it is ours). Idempotent."""
        shared = self._shared
        shared.transport.closed = True
        tasks = list(shared.tasks)
        for task in tasks:
            task.cancel(CLOSED_MESSAGE)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await shared.transport.close()

    # -- the one request path ---------------------------------------------------------

    async def _send(
        self, endpoint: Endpoint[Any], *, params: Query | None, body: Any, stream: bool = False
    ) -> Response:
        payload = None if body is None else _decoder().encode_request(body)
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        transport = self._shared.transport
        method, path = endpoint.method, endpoint.path
        fresh = endpoint.safety is Safety.UNSAFE

        async def attempt() -> Response:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise APITimeoutError(
                    f"{method} {path}: the call's {self._timeout}s deadline passed",
                    method=method,
                    path=path,
                    request_sent=False,
                )
            return await transport.send(
                method, path, params=params, body=payload, timeout=remaining, fresh=fresh
            )

        try:
            return await self._shared.retrier.run(
                attempt,
                safety=endpoint.safety,
                method=method,
                path=path,
                max_retries=self._max_retries,
                deadline=deadline,
            )
        except VocodeError as error:
            scrub(error)
            raise  # a bare raise leaves the scrubbed chain as it is

    async def _request(
        self, endpoint: Endpoint[T], *, params: Query | None = None, body: Any = None
    ) -> T:
        """Send one operation (with retries) and decode its answer into ``endpoint.response``."""
        response = await self._send(endpoint, params=params, body=body)
        if endpoint.response is None:
            return None  # type: ignore[return-value]
        decoded: T = _decoder().decode(
            response.body,
            endpoint.response,
            status=response.status,
            content_type=response.content_type,
        )
        return decoded

    async def _stream(
        self, endpoint: Endpoint[Any], *, params: Query | None = None, chunk_size: int = 65536
    ) -> AsyncGenerator[bytes, None]:
        """Stream a binary body. Not retried: a failure surfaces to the consumer as ours."""
        transport = self._shared.transport
        # A recording can be large: it streams under the connect and read timeouts only.
        try:
            async with transport.open(endpoint.method, endpoint.path, params=params) as resp:
                async for chunk in resp.content.iter_chunked(chunk_size):
                    yield chunk
        except VocodeError as error:
            scrub(error)
            raise

    def _paginate(
        self,
        endpoint: Endpoint[Page[T]],
        query: Mapping[str, Any],
        *,
        prefetch: int,
        start_page: int,
    ) -> AsyncPager[T]:
        """A pager over a ``/list`` endpoint; nothing is sent until it is iterated."""
        size = query.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"size must be a positive integer, got {size!r}")

        async def fetch(page: int) -> RawPage[T]:
            response = await self._send(endpoint, params={**query, "page": page}, body=None)
            decoder = _decoder()
            status, content_type = response.status, response.content_type
            data = decoder.parse(response.body, status=status, content_type=content_type)

            def decode() -> Page[T]:
                return decoder.structure(
                    data,
                    endpoint.response,
                    status=status,
                    content_type=content_type,
                    body=response.body,
                    page=page,
                )

            return RawPage(data, decode)

        return AsyncPager(fetch, spawn=self._spawn, prefetch=prefetch, start_page=start_page)

    def _spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start a task the client tracks, so :meth:`close` can cancel it."""
        task = asyncio.get_running_loop().create_task(coro)
        self._shared.tasks.add(task)
        task.add_done_callback(self._shared.tasks.discard)
        return task

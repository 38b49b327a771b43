"""AsyncVocode: configuration, lifecycle, and the resource groups it composes."""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from ._checks import count_problem, header_problems, seconds_problem
from ._endpoint import Endpoint, Safety
from ._errors import ConfigError
from ._gate import Gate
from ._proxy import Proxy, parse_proxy
from ._requester import Core, Requester, RequestOptions
from ._retry import Retrier, RetryPolicy
from ._transport import Network, Transport, env_proxy
from ._types import UNSET, Query, Unset
from ._version import __version__
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

DEFAULT_BASE_URL = "https://api.vocode.dev"
"""Where requests go unless ``base_url=`` or ``VOCODE_BASE_URL`` says otherwise."""


def _is_loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def base_url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as the API's base URL, or None (the insecure-http rule aside).

    A URL holding credentials is refused before anything quotes it: the text never holds them.
    """
    if not isinstance(url, str):
        return f"must be a str, got {type(url).__name__}"
    if "@" in url:
        return (
            "the base URL must not carry credentials (user:password@host): the API key is "
            "the only credential sent"
        )
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        return f"{url!r}: the port must be 0 to 65535"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL with a host"
    if parts.query or parts.fragment:
        return "the base URL must not carry a query or a fragment"
    if parts.path.rstrip("/").endswith("/v1"):
        return f"{url!r}: leave out /v1 (every path adds it): {parts.scheme}://{parts.netloc}"
    return None


def _resolve_base_url(base_url: str | None, allow_insecure_http: bool) -> str:
    url = base_url or os.environ.get("VOCODE_BASE_URL") or DEFAULT_BASE_URL
    problem = base_url_problem(url)
    if problem is not None:
        raise ConfigError(f"base_url: {problem}")
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme == "http" and not (allow_insecure_http or _is_loopback(parts.hostname)):
        raise ConfigError(
            f"refusing to send the API key over plain http to {parts.hostname}; use https, "
            "or pass allow_insecure_http=True if you really mean it"
        )
    return url


def _resolve_proxy(
    proxy: str | None, url: str, trust_env: bool, allow_insecure_http: bool
) -> Proxy | None:
    """The proxy to use, or None. A plain-http proxy that is not loopback sees what crosses it
    in clear: refused when that is the API key (an http base URL) or the proxy's credentials;
    an https base URL's requests cross it inside a CONNECT tunnel."""
    text = proxy or (env_proxy(url) if trust_env else None)
    if not text:
        return None
    parsed = parse_proxy(text)
    if isinstance(parsed, str):
        raise ConfigError(parsed if proxy else f"{parsed} (from the environment)")
    if parsed.scheme == "https" or allow_insecure_http or _is_loopback(parsed.host):
        return parsed
    if urlsplit(url).scheme == "http":
        raise ConfigError(
            f"refusing to send the API key in clear through the plain-http proxy {parsed.url}; "
            "use an https base URL, or pass allow_insecure_http=True if you really mean it"
        )
    if parsed.auth is not None:
        raise ConfigError(
            f"refusing to send the proxy's credentials in clear to {parsed.url}; use an "
            "https:// proxy, or pass allow_insecure_http=True if you really mean it"
        )
    return parsed


def _kind_problem(name: str, value: object, kind: type | tuple[type, ...], what: str) -> str | None:
    return None if isinstance(value, kind) else f"{name} must be {what}, got {type(value).__name__}"


def _check_options(options: Mapping[str, Any]) -> None:
    """Raise a ConfigError naming the first option value no request could use."""
    retries = options["max_retries"]
    traces = options["trace_configs"]
    problems = [
        seconds_problem("timeout", options["timeout"]),
        seconds_problem("connect_timeout", options["connect_timeout"]),
        seconds_problem("read_timeout", options["read_timeout"]),
        None if retries is None else count_problem("max_retries", retries),
        count_problem("max_connections", options["max_connections"]),
        count_problem("max_connections_per_host", options["max_connections_per_host"]),
        count_problem("max_response_bytes", options["max_response_bytes"], minimum=1),
        _kind_problem(
            "retry_policy", options["retry_policy"], (RetryPolicy, type(None)), "a RetryPolicy"
        ),
        _kind_problem(
            "session",
            options["session"],
            (aiohttp.ClientSession, type(None)),
            "an aiohttp.ClientSession",
        ),
        _kind_problem("ssl", options["ssl"], (ssl.SSLContext, bool), "an ssl.SSLContext or a bool"),
        _kind_problem("trust_env", options["trust_env"], bool, "a bool"),
        _kind_problem("allow_insecure_http", options["allow_insecure_http"], bool, "a bool"),
        None
        if isinstance(traces, Iterable) and all(isinstance(t, aiohttp.TraceConfig) for t in traces)
        else "trace_configs must be aiohttp.TraceConfig objects",
        *header_problems(options["default_headers"] or {}, "default_headers"),
    ]
    for problem in problems:
        if problem is not None:
            raise ConfigError(problem)


def _check_key(key: object) -> str:
    """The API key, or a ConfigError that says what is wrong with it (never the key)."""
    if key is not None and not isinstance(key, str):
        raise ConfigError(f"api_key must be a str, got {type(key).__name__}")
    if not key:
        raise ConfigError(
            "no API key: pass AsyncVocode(api_key=...) or set the VOCODE_API_KEY "
            "environment variable"
        )
    if not key.isprintable() or key != key.strip() or " " in key:
        raise ConfigError(
            "api_key holds whitespace or a control character (a trailing newline read "
            "from a secrets file?); strip it"
        )
    return key


class AsyncVocode:
    """The async client of the Vocode Hosted API.

    ``async with AsyncVocode() as client:`` reads the key from ``api_key=`` or
    ``VOCODE_API_KEY`` and the base URL from ``base_url=`` or ``VOCODE_BASE_URL``.
    ``timeout`` bounds a whole call, retries included; ``max_retries`` is per client and,
    through :meth:`with_options`, per call (given with ``retry_policy``, it overrides the
    policy's). Pass ``session=`` to borrow an ``aiohttp.ClientSession`` (it is then never
    closed by us). Without ``async with``, ``await client.close()`` when done.
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
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        proxy: str | None = None,
        ssl: ssl.SSLContext | bool = True,
        trust_env: bool = True,
        trace_configs: Iterable[aiohttp.TraceConfig] = (),
        max_response_bytes: int = 32 * 1024 * 1024,
        max_recording_bytes: int = 512 * 1024 * 1024,
        allow_insecure_http: bool = False,
    ) -> None:
        key = _check_key(api_key if api_key is not None else os.environ.get("VOCODE_API_KEY"))
        if isinstance(trace_configs, Iterable):  # read once: a generator would be spent
            trace_configs = tuple(trace_configs)
        _check_options(locals())
        policy = retry_policy or RetryPolicy()
        # The per-call options hold how many retries a call gets (the retrier never reads
        # the policy's max_retries): the policy's is only the default when none is given.
        retries = policy.max_retries if max_retries is None else max_retries
        url = _resolve_base_url(base_url, allow_insecure_http)
        via = _resolve_proxy(proxy, url, trust_env, allow_insecure_http)
        network = Network(
            max_connections=max_connections,
            max_connections_per_host=max_connections_per_host,
            proxy=None if via is None else via.url,
            proxy_auth=None if via is None else via.auth,
            ssl=ssl,
            trace_configs=tuple(trace_configs),
            default_headers=dict(default_headers or {}),
        )
        transport = Transport(
            base_url=url,
            api_key=key,
            user_agent=f"vocode-async/{__version__}",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_response_bytes=max_response_bytes,
            max_recording_bytes=max_recording_bytes,
            network=network,
            session=session,
            owns_session=session is None,
        )
        options = RequestOptions(timeout=timeout, max_retries=retries)
        gate = Gate(transport.pool_size(), policy.max_retry_after)
        self._bind(Requester(Core(transport, Retrier(policy), gate), options))

    def _bind(self, requester: Requester) -> None:
        self._requester = requester
        self.calls = CallsResource(requester)
        self.agents = AgentsResource(requester)
        self.numbers = NumbersResource(requester)
        self.prompts = PromptsResource(requester)
        self.actions = ActionsResource(requester)
        self.voices = VoicesResource(requester)
        self.webhooks = WebhooksResource(requester)
        self.vector_databases = VectorDatabasesResource(requester)
        self.account_connections = AccountConnectionsResource(requester)
        self.usage = UsageResource(requester)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._requester.core.transport.base_url

    @property
    def options(self) -> RequestOptions:
        """The per-call settings this client (or view) sends with."""
        return self._requester.options

    def __repr__(self) -> str:
        if not hasattr(self, "_requester"):  # a constructor that raised: reporters show it too
            return "AsyncVocode(<not configured>)"
        return f"AsyncVocode(base_url={self.base_url!r})"

    def with_options(
        self,
        *,
        timeout: float | Unset | None = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncVocode:
        """A view of this client with other per-call settings; it shares the connection pool.

        ``await client.with_options(max_retries=0).calls.get(id)``. Extra headers, query
        parameters and body keys add to those of this view; ``extra_body`` is merged into
        JSON bodies (a POST without a body sends it alone) and never sent with a GET.
        """
        options = self._requester.options.merged(
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        view = object.__new__(AsyncVocode)
        view._bind(self._requester.with_options(options))
        return view

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json: Any = None,
        unsafe: bool | None = None,
    ) -> Any:
        """Call an endpoint the SDK does not cover yet; the answer's parsed JSON (or None).

        The same path as every method: auth, retries by safety, redaction, the error tree.
        A POST is taken as unsafe to repeat (like ``calls.create``) unless ``unsafe=False``;
        a GET as safe unless ``unsafe=True``. ``path`` is relative to the base URL
        (``"/v1/calls"``); ``json`` is sent as the body (a mapping, list or plain value).
        """
        method = method.upper() if isinstance(method, str) else method
        if unsafe is None:
            unsafe = method not in ("GET", "HEAD", "OPTIONS")
        endpoint = Endpoint[Any](method, path, Any, Safety.UNSAFE if unsafe else Safety.SAFE)
        return await self._requester.request_json(endpoint, params=params, json=json)

    async def __aenter__(self) -> AsyncVocode:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Cancel in-flight prefetches, then close the session (if it is ours). Idempotent."""
        await self._requester.core.close()

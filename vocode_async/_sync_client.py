"""Vocode: the blocking client, for code that cannot ``await``.

It owns one event loop in a daemon thread and one :class:`~vocode_async.AsyncVocode` on it;
every method blocks the calling thread until its async twin is done there. Many threads can
share one client: their requests run concurrently on the loop, over one connection pool.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp

from ._bridge import Bridge, Home
from ._requester import RequestOptions
from ._retry import RetryPolicy
from ._sync_resources import SyncGroups
from ._types import UNSET, Query, Unset

__all__ = ["Vocode"]


class Vocode(SyncGroups):
    """The blocking client of the Vocode Hosted API: scripts, notebooks, threads, sync apps.

    Takes the keywords of :class:`~vocode_async.AsyncVocode` (but not ``session=``: the
    connection pool lives on the client's own loop) and offers the same groups, models and
    errors. ``with Vocode() as client:`` or ``client.close()`` when done; a client left open
    is closed at interpreter exit and never keeps the process alive.

    - ``for call in client.calls.list():`` iterates every item while the next pages are
      fetched in the background; ``.pages()``, ``.first_page()``, ``.stats`` as the async pager.
    - Share one client between threads: their requests run concurrently.
    - It works inside a running event loop (a notebook cell): the call blocks that thread
      while the client's own loop does the work.
    - After ``os.fork`` the child gets a fresh loop and connection pool on first use.
    - Ctrl-C during a call raises ``KeyboardInterrupt`` and cancels the request on the loop
      (an unsafe one that may have been sent is logged as the async client logs it).
    """

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
        home = Home(
            {
                "api_key": api_key,
                "base_url": base_url,
                "timeout": timeout,
                "connect_timeout": connect_timeout,
                "read_timeout": read_timeout,
                "max_retries": max_retries,
                "retry_policy": retry_policy,
                "default_headers": default_headers,
                "max_connections": max_connections,
                "max_connections_per_host": max_connections_per_host,
                "proxy": proxy,
                "ssl": ssl,
                "trust_env": trust_env,
                "trace_configs": tuple(trace_configs),
                "max_response_bytes": max_response_bytes,
                "max_recording_bytes": max_recording_bytes,
                "allow_insecure_http": allow_insecure_http,
            }
        )
        self._bind(Bridge(home))

    def _bind(self, bridge: Bridge) -> None:
        self._bridge = bridge
        self._bind_groups(bridge)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._bridge.client.base_url

    @property
    def options(self) -> RequestOptions:
        """The per-call settings this client (or view) sends with."""
        return self._bridge.client.options

    def __repr__(self) -> str:
        return f"Vocode(base_url={self.base_url!r})"

    def with_options(
        self,
        *,
        timeout: float | Unset | None = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Vocode:
        """A view of this client with other per-call settings; it shares the loop and pool.

        ``client.with_options(max_retries=0).calls.get(id)``; as
        :meth:`AsyncVocode.with_options <vocode_async.AsyncVocode.with_options>`.
        """
        options = {
            "timeout": timeout,
            "max_retries": max_retries,
            "extra_headers": extra_headers,
            "extra_query": extra_query,
            "extra_body": extra_body,
        }
        bridge = self._bridge.with_options(options)
        bridge.client  # noqa: B018 - a bad option raises here, as with AsyncVocode
        view = object.__new__(Vocode)
        view._bind(bridge)
        return view

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        json: Any = None,
        unsafe: bool | None = None,
    ) -> Any:
        """Call an endpoint the SDK does not cover yet; the answer's parsed JSON (or None).

        As :meth:`AsyncVocode.request <vocode_async.AsyncVocode.request>`: a POST is taken
        as unsafe to repeat unless ``unsafe=False``, a GET as safe unless ``unsafe=True``.
        """
        client = self._bridge.client
        return self._bridge.run(
            client.request, method, path, params=params, json=json, unsafe=unsafe
        )

    def __enter__(self) -> Vocode:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Cancel in-flight prefetches, close the connection pool, stop the loop thread.

        Idempotent; afterwards every call raises :class:`~vocode_async.ClientClosedError`.
        Views made by :meth:`with_options` share it: closing one closes them all.
        """
        self._bridge.close()

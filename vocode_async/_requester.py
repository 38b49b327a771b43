"""The single request path that every resource holds: options → retries → transport → decode.

A :class:`Requester` is what a resource sees of the client: it sends one operation under
the current :class:`RequestOptions` (deadline, retries, extra headers/query/body), retried
by the operation's safety, and decodes the answer into the endpoint's model; it also
builds pagers and streams. It sits below the client: resources import it, the client
composes it, and it imports neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Coroutine, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import orjson

from ._converter import decoder, secret_values
from ._endpoint import Endpoint
from ._errors import APITimeoutError, Redactor, ResponseDecodeError, VocodeError, scrub
from ._log import log
from ._pagedepth import Prefetch
from ._pagination import CLOSED_MESSAGE, AsyncPager, RawPage, Strain
from ._retry import Retrier, Safety, summary
from ._transport import Payload, Response, Transport, secret_headers, too_large
from ._types import UNSET, Query, Unset
from .models._base import Page

__all__ = ["Capture", "Core", "RequestOptions", "Requester"]

T = TypeVar("T")
# Parameters (query, or top-level body keys) that name one object: an empty value or a
# control character in one is never a real id.
_ID_PARAMS = frozenset({"id", "phone_number", "telephony_account_connection"})


def _check_text(name: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Sent as is, it would be dropped on the way and address another object
        # (calls.end("call-1\\udcff") ending call-1).
        shown = "" if name.startswith("body") else f" {value!r}"  # a body field may be secret
        raise ValueError(
            f"{name}{shown} holds characters that are not valid Unicode "
            "(a lone surrogate: invalid UTF-8 from a file or command line?)"
        ) from None


def _check_id(name: str, value: str) -> None:
    _check_text(name, value)
    if not value:
        raise ValueError(f"{name} must not be empty")
    if any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in value):
        raise ValueError(f"{name} {value!r} holds a control character")


def check_params(params: Query | None) -> None:
    """Refuse a query value that cannot travel as given, naming its parameter."""
    for name, value in (params or {}).items():
        if isinstance(value, str):
            (_check_id if name in _ID_PARAMS else _check_text)(name, value)
        elif value is None and name in _ID_PARAMS:
            raise ValueError(f"{name} must not be None")


def check_body(data: Any, where: str = "body") -> None:
    """Refuse a body holding text that cannot be encoded (or a bad top-level id)."""
    if isinstance(data, str):
        _check_text(where, data)
    elif isinstance(data, dict):
        for key, value in data.items():
            path = f"{where}.{key}"
            if where == "body" and key in _ID_PARAMS and isinstance(value, str):
                _check_id(path, value)
            else:
                check_body(value, path)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            check_body(value, f"{where}[{index}]")


def _frozen(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@attrs.define(eq=False)
class Capture:
    """Where a raw-response view records the last HTTP response it received."""

    response: Response | None = None


@attrs.frozen(kw_only=True)
class RequestOptions:
    """Per-call settings, one value that flows from the resource method to the transport.

    ``timeout`` bounds a whole call, retries and waits included (None: no bound);
    ``max_retries`` caps retries of one call; ``extra_headers``/``extra_query`` go on
    every request; ``extra_body`` is merged into JSON bodies (never sent with a GET).
    """

    timeout: float | None = attrs.field(default=60.0)
    max_retries: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    extra_headers: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)
    extra_query: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen)
    extra_body: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen)
    capture: Capture | None = attrs.field(default=None, repr=False)

    @timeout.validator
    def _check_timeout(self, _: Any, value: float | None) -> None:
        if value is not None and not value > 0:
            raise ValueError(f"timeout must be a positive number of seconds or None, got {value}")

    def merged(
        self,
        *,
        timeout: float | Unset | None = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> RequestOptions:
        """These options with some replaced; extra parts are added to the ones already set."""
        return attrs.evolve(
            self,
            timeout=self.timeout if isinstance(timeout, Unset) else timeout,
            max_retries=self.max_retries if isinstance(max_retries, Unset) else max_retries,
            extra_headers={**self.extra_headers, **(extra_headers or {})},
            extra_query={**self.extra_query, **(extra_query or {})},
            extra_body={**self.extra_body, **(extra_body or {})},
        )


@attrs.define
class Core:
    """What every view of one client shares: transport, retrier, tracked tasks."""

    transport: Transport
    retrier: Retrier[Response]
    tasks: set[asyncio.Task[Any]] = attrs.field(factory=set)

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start a task the client tracks, so closing the client can cancel it."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def close(self) -> None:
        """Cancel in-flight prefetches, then close the transport. Idempotent."""
        self.transport.closed = True
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel(CLOSED_MESSAGE)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.transport.close()


class Requester:
    """The one request path: a shared :class:`Core` seen through one :class:`RequestOptions`."""

    __slots__ = ("core", "options")

    def __init__(self, core: Core, options: RequestOptions) -> None:
        self.core = core
        self.options = options

    def with_options(self, options: RequestOptions) -> Requester:
        """The same core under other options."""
        return Requester(self.core, options)

    def redactor(self, body: Any = None) -> Redactor:
        """What to mask in this call's errors: the API key, every secret the body carries
        (and extra headers or body keys with secret-looking names)."""
        extra, headers = self.options.extra_body, self.options.extra_headers
        if body is None and not extra and not headers:  # most reads: nothing to walk
            return self.core.transport.redactor
        values = [*secret_values(body), *secret_values(dict(extra)), *secret_headers(headers)]
        return self.core.transport.redactor.plus(values)

    async def send(
        self,
        endpoint: Endpoint[Any],
        *,
        params: Query | None = None,
        body: Any = None,
        redactor: Redactor | None = None,
        strain: Strain | None = None,
    ) -> Response:
        """Send one operation with retries; the whole 2xx response.

        Every error leaves with its texts redacted (``redactor``: by default the API key
        and the body's secrets); the encoded body only ever sits in a :class:`Payload`.
        ``strain`` hears of each 429, 503, timeout or shared cooldown on the way (a
        listing's depth listens).
        """
        check_params(params)
        redactor = redactor or self.redactor(body)
        payload, safety = self._encode(endpoint, body)
        try:
            response = await self._send(endpoint, params, payload, safety, redactor, strain)
        except VocodeError as error:
            scrub(error)
            redactor.error(error)
            raise  # a bare raise leaves the scrubbed chain as it is
        if self.options.capture is not None:
            self.options.capture.response = response
        return response

    async def _send(
        self,
        endpoint: Endpoint[Any],
        params: Query | None,
        payload: Payload | None,
        safety: Safety,
        redactor: Redactor,
        strain: Strain | None = None,
    ) -> Response:
        options = self.options
        deadline = None if options.timeout is None else time.monotonic() + options.timeout
        transport = self.core.transport
        method, path = endpoint.method, endpoint.path
        query = {**(params or {}), **options.extra_query} if options.extra_query else params
        headers = {"Accept": endpoint.accept, **options.extra_headers}
        fresh = safety is Safety.UNSAFE
        tries = [0, options.max_retries + 1]

        async def attempt() -> Response:
            tries[0] += 1
            started = time.monotonic()
            remaining = None if deadline is None else deadline - started
            if remaining is not None and remaining <= 0:
                raise APITimeoutError(
                    f"{method} {path}: the call's {options.timeout}s deadline passed",
                    method=method,
                    path=path,
                    request_sent=False,
                )
            try:
                response = await transport.send(
                    method,
                    path,
                    params=query,
                    body=payload,
                    headers=headers,
                    timeout=remaining,
                    fresh=fresh,
                    redactor=redactor,
                )
            except VocodeError as error:
                _log_attempt(method, path, summary(error), started, tries, error)
                raise
            _log_attempt(method, path, str(response.status), started, tries, response)
            return response

        return await self.core.retrier.run(
            attempt,
            safety=safety,
            method=method,
            path=path,
            max_retries=options.max_retries,
            deadline=deadline,
            strain=strain,
        )

    def _encode(self, endpoint: Endpoint[Any], body: Any) -> tuple[Payload | None, Safety]:
        """The body to send (``extra_body`` merged, checked) and how safe it is to repeat.

        Only the encoded bytes leave: the plain data may hold secrets, and error trackers
        record the locals of the frames an error passes.
        """
        extra = self.options.extra_body
        if body is None and not (extra and endpoint.method != "GET"):
            return None, endpoint.safety
        data = decoder().request_data(body, extra=extra if endpoint.method != "GET" else None)
        check_body(data)
        return Payload(orjson.dumps(data)), endpoint.safety_of(data)

    async def request(
        self, endpoint: Endpoint[T], *, params: Query | None = None, body: Any = None
    ) -> T:
        """Send one operation and decode its answer into ``endpoint.response``."""
        redactor = self.redactor(body)
        response = await self.send(endpoint, params=params, body=body, redactor=redactor)
        if endpoint.response is None:
            return None  # type: ignore[return-value]
        with _answer_named(response, redactor):
            decoded: T = decoder().decode(
                response.body,
                endpoint.response,
                status=response.status,
                content_type=response.content_type,
                redactor=redactor,
            )
        return decoded

    async def request_json(
        self, endpoint: Endpoint[Any], *, params: Query | None = None, json: Any = None
    ) -> Any:
        """Send one operation with a plain JSON body; the answer parsed (None when empty)."""
        redactor = self.redactor(json)
        response = await self.send(endpoint, params=params, body=json, redactor=redactor)
        if not response.body.strip():
            return None
        with _answer_named(response, redactor):
            return decoder().parse(
                response.body,
                status=response.status,
                content_type=response.content_type,
                redactor=redactor,
            )

    async def stream(
        self, endpoint: Endpoint[Any], *, params: Query | None = None, chunk_size: int = 65536
    ) -> AsyncGenerator[bytes, None]:
        """Stream a binary body. Not retried: a failure surfaces to the consumer as ours.

        The call's ``timeout`` bounds the whole download, from the request to the last
        chunk (time the consumer spends between chunks included); the decoded bytes are
        capped at the client's ``max_recording_bytes``.
        """
        check_params(params)
        transport, options = self.core.transport, self.options
        method, path = endpoint.method, endpoint.path
        query = {**(params or {}), **options.extra_query}
        headers = {"Accept": endpoint.accept, **options.extra_headers}
        cap = transport.max_recording_bytes
        try:
            started = time.monotonic()
            deadline = None if options.timeout is None else started + options.timeout
            async with transport.open(
                method, path, params=query, headers=headers, timeout=options.timeout
            ) as resp:
                if options.capture is not None:
                    redact = transport.redactor.text
                    options.capture.response = Response.of(resp, b"", started, redact)
                size = 0
                async for chunk in resp.content.iter_chunked(chunk_size):
                    size += len(chunk)  # decoded bytes: what a gzip body inflates to
                    if size > cap:
                        resp.close()
                        raise too_large(resp, cap, "max_recording_bytes")
                    if deadline is not None and time.monotonic() > deadline:
                        resp.close()
                        raise _download_timeout(method, path, options.timeout)
                    yield chunk
        except VocodeError as error:
            scrub(error)
            transport.redactor.error(error)
            raise

    def paginate(
        self,
        endpoint: Endpoint[Page[T]],
        query: Mapping[str, Any],
        *,
        prefetch: Prefetch,
        max_prefetch: int,
        max_buffered_bytes: int,
        start_page: int,
        max_items: int | None = None,
        max_pages: int | None = None,
    ) -> AsyncPager[T]:
        """A pager over a ``/list`` endpoint; nothing is sent until it is iterated."""
        size = query.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"size must be a positive integer, got {size!r}")

        redactor = self.core.transport.redactor

        async def fetch(page: int, strain: Strain) -> RawPage[T]:
            response = await self.send(endpoint, params={**query, "page": page}, strain=strain)
            dec = decoder()
            status, content_type = response.status, response.content_type
            with _answer_named(response, redactor):
                data = dec.parse(
                    response.body, status=status, content_type=content_type, redactor=redactor
                )

            def decode() -> Page[T]:
                nonlocal data  # decoded once: dropped after, so no traceback shows it
                try:
                    with _answer_named(response, redactor):
                        return dec.structure(
                            data,
                            endpoint.response,
                            status=status,
                            content_type=content_type,
                            body=response.body,
                            page=page,
                            redactor=redactor,
                        )
                finally:
                    data = None

            return RawPage(data, decode, response.request_id, len(response.body))

        return AsyncPager(
            fetch,
            spawn=self.core.spawn,
            prefetch=prefetch,
            max_prefetch=max_prefetch,
            max_buffered_bytes=max_buffered_bytes,
            start_page=start_page,
            size=size,
            max_items=max_items,
            max_pages=max_pages,
        )


def _download_timeout(method: str, path: str, timeout: float | None) -> APITimeoutError:
    return APITimeoutError(
        f"{method} {path}: the call's {timeout}s deadline passed during the download",
        method=method,
        path=path,
        request_sent=True,
    )


@contextlib.contextmanager
def _answer_named(response: Response, redactor: Redactor) -> Iterator[None]:
    """A decode error of ``response`` carries its request id (for a support ticket) and
    none of the request's secrets (a server may echo one as a key the error path names)."""
    try:
        yield
    except ResponseDecodeError as error:
        error.request_id = response.request_id
        redactor.error(error)
        raise


def _log_attempt(
    method: str, path: str, outcome: str, started: float, tries: list[int], answer: Any
) -> None:
    """One debug line per attempt: what, how it ended, how long, which try, request id."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "%s %s -> %s in %.0f ms (attempt %d of %d, request id %s)",
            method,
            path,
            outcome,
            (time.monotonic() - started) * 1000,
            tries[0],
            tries[1],
            getattr(answer, "request_id", None),
        )

"""The single request path that every resource holds: options → retries → transport → decode.

A :class:`Requester` is what a resource sees of the client: it sends one operation under
the current :class:`RequestOptions` (deadline, retries, extra headers/query/body), retried
by the operation's safety, and decodes the answer into the endpoint's model; it also
builds pagers and streams. It sits below the client: resources import it, the client
composes it, and it imports neither.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import AsyncGenerator, Coroutine, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import orjson

from ._checks import check_headers, count_problem, seconds_problem
from ._converter import decoder, secret_values
from ._endpoint import Endpoint, Safety
from ._errors import (
    APITimeoutError,
    ClientClosedError,
    Redactor,
    ResponseDecodeError,
    VocodeError,
    scrub,
)
from ._gate import Gate
from ._log import log
from ._pagedecode import PageDecode
from ._pagination import AsyncPager, RawPage, Strain
from ._retry import Retrier, summary
from ._transport import Payload, Response, Transport, secret_headers, too_large
from ._types import UNSET, Prefetch, Query, Room, Unset
from .models._base import Page

__all__ = ["Capture", "Core", "RequestOptions", "Requester"]

T = TypeVar("T")
# Parameters (query, or top-level body keys) that name one object: an empty value or a
# control character in one is never a real id.
_ID_PARAMS = frozenset({"id", "phone_number", "telephony_account_connection"})
# orjson refuses deeper nesting (and a recursive check or converter would run out of stack).
_MAX_DEPTH = 254


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _check_text(name: str, value: str) -> None:
    if value.isascii():  # the usual case: no surrogate, nothing to encode
        return
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
    if _CONTROL.search(value) is not None:
        raise ValueError(f"{name} {value!r} holds a control character")


def check_params(params: Mapping[str, Any] | None, what: str = "query parameter") -> None:
    """Refuse a query value that cannot travel as given, naming its parameter: only text,
    a number (finite) or a bool (``true``/``false``) has one spelling in a query; None
    leaves the parameter out. A list, dict or bytes would go out as its Python repr."""
    for name, value in (params or {}).items():
        if isinstance(value, str):
            (_check_id if name in _ID_PARAMS else _check_text)(name, value)
        elif value is None:
            if name in _ID_PARAMS:
                raise ValueError(f"{name} must not be None")
        elif not isinstance(value, int | float):
            raise ValueError(
                f"{what} {name!r} must be a str, int, float, bool or None, "
                f"not {type(value).__name__}"
            )
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{what} {name!r} must be a finite number, not {value!r}")


def check_body(data: Any, where: str = "body", depth: int = 0) -> None:
    """Refuse a body holding text that cannot be encoded, nesting deeper than JSON encoding
    goes, or a bad top-level id; the error names where."""
    if isinstance(data, str):
        _check_text(where, data)
    elif isinstance(data, (dict, list, tuple)) and depth >= _MAX_DEPTH:
        raise ValueError(f"{where} is nested too deep (more than {_MAX_DEPTH} levels)")
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                _check_text(f"{where} key", key)
            path = f"{where}.{key}"
            if where == "body" and key in _ID_PARAMS and isinstance(value, str):
                _check_id(path, value)
            else:
                check_body(value, path, depth + 1)
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            check_body(value, f"{where}[{index}]", depth + 1)


def merged_extra(own: Mapping[str, Any] | None, extra: Mapping[str, Any], what: str) -> Any:
    """``own`` with ``extra`` added; an extra key the operation sets itself is refused
    (``calls.end("A")`` must never end call B)."""
    if not extra:
        return own
    clash = sorted(set(own or ()) & set(extra))
    if clash:
        raise ValueError(
            f"{what} {clash[0]!r} would override what the operation itself sends; "
            "pass it as the method's argument"
        )
    return {**(own or {}), **extra}


def encode_body(data: Any) -> Payload:
    """``data`` as JSON bytes; a ValueError naming what cannot be encoded."""
    check_body(data)
    try:
        return Payload(orjson.dumps(data))
    except orjson.JSONEncodeError as exc:  # a set, a non-str key, an int past 64 bits...
        problem = str(exc)
    # Raised outside the handler, so with no context: older orjson errors carry a str
    # __cause__, which breaks traceback rendering (an error reporter's, exceptiongroup's).
    raise ValueError(f"body cannot be encoded as JSON: {problem}")


def _frozen(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if value is None or isinstance(value, Mapping):
        return MappingProxyType(dict(value or {}))
    # Left for the validator to name: a converter that raised would leave a half-built
    # object in the traceback, whose repr fails.
    return value


def _mapping(name: str, value: object) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping, got {type(value).__name__}")


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
    max_retries: int = attrs.field(default=2)
    extra_headers: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)
    extra_query: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen)
    extra_body: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen)
    capture: Capture | None = attrs.field(default=None, repr=False)

    @timeout.validator
    def _check_timeout(self, _: Any, value: float | None) -> None:
        problem = seconds_problem("timeout", value)
        if problem is not None:
            raise ValueError(problem)

    @max_retries.validator
    def _check_retries(self, _: Any, value: int) -> None:
        problem = count_problem("max_retries", value)
        if problem is not None:
            raise ValueError(problem)

    @extra_headers.validator
    def _check_headers(self, _: Any, value: Mapping[str, str]) -> None:
        check_headers(value, "extra_headers")

    @extra_query.validator
    def _check_query(self, _: Any, value: Mapping[str, Any]) -> None:
        _mapping("extra_query", value)
        check_params(value, "extra_query")

    @extra_body.validator
    def _check_body(self, _: Any, value: Mapping[str, Any]) -> None:
        _mapping("extra_body", value)
        check_body(dict(value), "extra_body")

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
    """What every view of one client shares: transport, retrier, gate, tracked tasks."""

    transport: Transport
    retrier: Retrier[Response]
    gate: Gate
    tasks: set[asyncio.Task[Any]] = attrs.field(factory=set)

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start a task the client tracks, so closing the client can cancel it."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def close(self) -> None:
        """Cancel in-flight prefetches, then close the transport. Idempotent."""
        self.transport.mark_closed()
        tasks = list(self.tasks)
        closing = ClientClosedError("vocode_async client closed")  # what a pager matches on
        for task in tasks:
            task.cancel(closing)
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
        listing: bool = False,
        strain: Strain | None = None,
        room: Room | None = None,
    ) -> Response:
        """Send one operation with retries; the whole 2xx response.

        Every error leaves with its texts redacted (``redactor``: by default the API key
        and the body's secrets); the encoded body only ever sits in a :class:`Payload`.
        ``listing``: a listing page, which takes a slot of the listings' share of the pool.
        ``strain`` hears of each 429, 503, timeout or shared cooldown on the way (a
        listing's depth listens); ``room`` is asked as a listing page's answer comes in
        whether the listing can hold it (:class:`._types.NoRoom` if not, never retried).
        """
        query = merged_extra(params, self.options.extra_query, "extra_query")
        check_params(query)
        redactor = redactor or self.redactor(body)
        payload, safety = self._encode(endpoint, body)
        try:
            response = await self._send(
                endpoint, query, payload, safety, redactor, listing, strain, room
            )
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
        listing: bool,
        strain: Strain | None,
        room: Room | None,
    ) -> Response:
        options = self.options
        deadline = None if options.timeout is None else time.monotonic() + options.timeout
        transport, gate = self.core.transport, self.core.gate
        method, path = endpoint.method, endpoint.path
        headers = {"Accept": endpoint.accept, **options.extra_headers}
        unsafe = safety is Safety.UNSAFE
        tries = [0, options.max_retries + 1]

        async def try_once() -> Response:
            tries[0] += 1
            if strain is not None and (held := gate.cooldown.remaining()) > 0:
                strain("cooldown", held)
            if not gate.admit(unsafe, listing):
                await gate.enter(method, path, deadline, unsafe, listing)
            started = time.monotonic()
            error: VocodeError | None = None
            try:
                remaining = None if deadline is None else deadline - started
                if remaining is not None and remaining <= 0:
                    raise APITimeoutError(
                        f"{method} {path}: the call's {options.timeout}s deadline passed",
                        method=method,
                        path=path,
                        request_sent=False,
                    )
                response = await transport.send(
                    method,
                    path,
                    params=params,
                    body=payload,
                    headers=headers,
                    timeout=remaining,
                    unsafe=unsafe,
                    redactor=redactor,
                    room=room,
                )
            except VocodeError as failure:
                error = failure
                _log_try(method, path, summary(error), started, tries, error)
                raise
            finally:
                gate.leave(unsafe, listing, error)  # a Retry-After first extends the cooldown
            _log_try(method, path, str(response.status), started, tries, response)
            return response

        return await self.core.retrier.run(
            try_once,
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
        extra = self.options.extra_body if endpoint.method != "GET" else {}
        if body is None and not extra:
            return None, endpoint.safety
        if not attrs.has(type(body)):
            check_body(body)  # plain JSON: checked before the converter walks it
        data = decoder().request_data(body)
        if extra and data is not None and not isinstance(data, dict):
            raise ValueError("extra_body needs a JSON object body to merge into")
        data = merged_extra(data, extra, "extra_body")
        return encode_body(data), endpoint.safety_of(data)

    async def request(
        self, endpoint: Endpoint[T], *, params: Query | None = None, body: Any = None
    ) -> T:
        """Send one operation and decode its answer into ``endpoint.response``."""
        redactor = self.redactor(body)
        response = await self.send(endpoint, params=params, body=body, redactor=redactor)
        if endpoint.response is None:
            return None  # type: ignore[return-value]
        try:
            decoded: T = decoder().decode(
                response.body,
                endpoint.response,
                status=response.status,
                content_type=response.content_type,
                redactor=redactor,
            )
        except ResponseDecodeError as error:
            _name_answer(error, response, redactor)
            raise
        return decoded

    async def request_json(
        self, endpoint: Endpoint[Any], *, params: Query | None = None, json: Any = None
    ) -> Any:
        """Send one operation with a plain JSON body; the answer parsed (None when empty)."""
        check_body(json)  # before anything walks it (nesting, text that cannot be encoded)
        redactor = self.redactor(json)
        response = await self.send(endpoint, params=params, body=json, redactor=redactor)
        if not response.body.strip():
            return None
        try:
            return decoder().parse(
                response.body,
                status=response.status,
                content_type=response.content_type,
                redactor=redactor,
            )
        except ResponseDecodeError as error:
            _name_answer(error, response, redactor)
            raise

    async def stream(
        self, endpoint: Endpoint[Any], *, params: Query | None = None, chunk_size: int = 65536
    ) -> AsyncGenerator[bytes, None]:
        """Stream a binary body. Not retried: a failure surfaces to the consumer as ours.

        The call's ``timeout`` bounds the whole download, from the request to the last
        chunk (time the consumer spends between chunks included); the decoded bytes are
        capped at the client's ``max_recording_bytes``.
        """
        transport, options = self.core.transport, self.options
        method, path = endpoint.method, endpoint.path
        query = merged_extra(params, options.extra_query, "extra_query")
        check_params(query)
        headers = {"Accept": endpoint.accept, **options.extra_headers}
        cap = transport.max_recording_bytes
        try:
            started = time.monotonic()
            deadline = None if options.timeout is None else started + options.timeout
            await self.core.gate.enter(method, path, deadline, False, False)
            failure: VocodeError | None = None
            try:
                # What the wait for a slot left (at least a moment: a total of 0 is no bound).
                timeout = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
                async with transport.open(
                    method, path, params=query, headers=headers, timeout=timeout
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
                failure = error
                raise
            finally:
                self.core.gate.leave(False, False, failure)
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
        check_params(
            merged_extra({**query, "page": start_page}, self.options.extra_query, "extra_query")
        )

        redactor = self.core.transport.redactor

        async def fetch(page: int, strain: Strain, room: Room | None) -> RawPage[T]:
            params = {**query, "page": page}
            response = await self.send(
                endpoint, params=params, listing=True, strain=strain, room=room
            )
            dec = decoder()
            status, content_type = response.status, response.content_type
            try:
                data = dec.parse(
                    response.body, status=status, content_type=content_type, redactor=redactor
                )
            except ResponseDecodeError as error:
                _name_answer(error, response, redactor)
                raise

            def whole(rest: Any, skip: int) -> Page[T]:
                """What is left of the page (after ``skip`` items), decoded the detailed way:
                the error names the bad field (the page's chunks stopped at it)."""
                try:
                    return dec.structure(
                        rest,
                        endpoint.response,
                        status=status,
                        content_type=content_type,
                        body=response.body,
                        page=page,
                        redactor=redactor,
                        skip=skip,
                    )
                except ResponseDecodeError as error:
                    rest = None  # no local holds the JSON: error reports show locals
                    _name_answer(error, response, redactor)
                    raise

            decoding = PageDecode(dec, data, endpoint.response, whole)
            return RawPage(data, decoding.run, response.request_id, len(response.body))

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


def _name_answer(error: ResponseDecodeError, response: Response, redactor: Redactor) -> None:
    """A decode error of ``response`` carries its request id (for a support ticket) and
    none of the request's secrets (a server may echo one as a key the error path names).
    (A plain ``except`` at each call site: a context manager costs a generator a call.)"""
    error.request_id = response.request_id
    redactor.error(error)


def _log_try(
    method: str, path: str, outcome: str, started: float, tries: list[int], answer: Any
) -> None:
    """One debug line per try: what, how it ended, how long, which try, request id (the
    line says "attempt k of n", as it always has: users grep their logs for it)."""
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

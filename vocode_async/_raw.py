"""Raw responses: any operation's HTTP status, headers, request id and timing.

``client.calls.with_raw_response.get(id)`` (or the fully typed
``raw_response(client.calls.get)(id)``) runs the plain method through a requester that
records the last response it received, and returns that response with the parsed result.
Written once here for every method, not per resource.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, Generic, ParamSpec, TypeVar

import attrs

from ._pagination import AsyncPager
from ._requester import Capture, Requester

__all__ = ["RawResponse", "RawResponses", "raw_response"]

T = TypeVar("T")
P = ParamSpec("P")


@attrs.frozen
class RawResponse(Generic[T]):
    """One operation's HTTP response and what the plain method returns (``parse()``).

    For ``list`` it is the first page's response and ``parse()`` gives that ``Page``; for
    ``recording`` ``parse()`` gives the whole body as bytes.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    request_id: str | None
    elapsed: timedelta
    _parsed: T = attrs.field(repr=False, alias="parsed")

    def parse(self) -> T:
        """What the plain method returns (already decoded: calling it twice costs nothing)."""
        return self._parsed


async def _settle(result: Any) -> Any:
    """Await what a method returned: a coroutine, a pager (first page), a byte stream."""
    if isinstance(result, AsyncPager) or inspect.isawaitable(result):
        return await result
    if isinstance(result, AsyncIterator):
        chunks = [chunk async for chunk in result]
        return b"".join(chunks)
    return result


def _raw(resource: Any, requester: Requester, name: str) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
        capture = Capture()
        options = attrs.evolve(requester.options, capture=capture)
        view = type(resource)(requester.with_options(options))
        parsed = await _settle(getattr(view, name)(*args, **kwargs))
        response = capture.response
        assert response is not None  # every successful operation went through send/stream
        return RawResponse(
            status=response.status,
            headers=response.headers,
            request_id=response.request_id,
            elapsed=timedelta(seconds=response.elapsed),
            parsed=parsed,
        )

    call.__name__ = name
    call.__doc__ = getattr(type(resource), name).__doc__
    return call


class RawResponses:
    """``<group>.with_raw_response``: every method of the group, answering a RawResponse."""

    __slots__ = ("_requester", "_resource")

    def __init__(self, resource: Any, requester: Requester) -> None:
        self._resource = resource
        self._requester = requester

    def __getattr__(self, name: str) -> Callable[..., Awaitable[RawResponse[Any]]]:
        if name.startswith("_") or not callable(getattr(type(self._resource), name, None)):
            raise AttributeError(f"{type(self._resource).__name__} has no operation {name!r}")
        return _raw(self._resource, self._requester, name)

    def __dir__(self) -> list[str]:
        kind = type(self._resource)
        return [n for n in dir(kind) if not n.startswith("_") and callable(getattr(kind, n))]


def raw_response(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """The typed spelling of ``with_raw_response``: ``raw_response(client.calls.get)(id)``.

    ``method`` is a bound method of a resource group (``client.<group>.<verb>``).
    """
    resource = getattr(method, "__self__", None)
    requester = getattr(resource, "_requester", None)
    if not isinstance(requester, Requester):
        raise TypeError("raw_response takes a method of a client's group, like client.calls.get")
    wrapped: Callable[P, Awaitable[RawResponse[T]]] = _raw(resource, requester, method.__name__)
    return wrapped

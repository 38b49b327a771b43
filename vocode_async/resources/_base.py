"""The bases of every resource group: a handle on the one request path (the requester).

A group declares its endpoints as class attributes; ``list`` and ``get`` come from
:class:`Collection`, so the pagination keywords are written once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

import attrs

from .._endpoint import Endpoint
from .._pagedepth import (
    DEFAULT_MAX_BUFFERED_BYTES,
    DEFAULT_MAX_PREFETCH,
    DEFAULT_PREFETCH,
    Prefetch,
)
from .._pagination import AsyncPager
from .._raw import RawResponses
from .._requester import Requester

__all__ = ["Collection", "Resource", "body"]

L = TypeVar("L")
G = TypeVar("G")
B = TypeVar("B")


def body(cls: type[B], scope: Mapping[str, Any]) -> B:
    """Build request body ``cls`` from a method's keyword arguments (its ``locals()``).

    Methods spell out their keywords for type checkers and IDEs; this picks the ones the
    body has, so the list is not written twice. Arguments left UNSET are not sent.
    """
    names = {field.name for field in attrs.fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: value for name, value in scope.items() if name in names})


class Resource:
    """A group of operations (``client.calls``, ...); methods only declare what to send."""

    __slots__ = ("_requester",)

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> RawResponses:
        """The same methods, answering a :class:`~vocode_async.RawResponse` (status, headers,
        request id, elapsed; ``parse()`` gives what the plain method returns)."""
        return RawResponses(self, self._requester)


class Collection(Resource, Generic[L, G]):
    """A group with a paginated ``list`` of ``L`` items and ``get`` of one full ``G``."""

    __slots__ = ()
    _list_endpoint: ClassVar[Endpoint[Any]]
    _get_endpoint: ClassVar[Endpoint[Any]]

    def list(
        self,
        *,
        size: int = 100,
        sort_column: str | None = None,
        sort_desc: bool | None = None,
        prefetch: Prefetch = DEFAULT_PREFETCH,
        max_prefetch: int = DEFAULT_MAX_PREFETCH,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        start_page: int = 1,
        max_items: int | None = None,
        max_pages: int | None = None,
    ) -> AsyncPager[L]:
        """Every item, page by page, fetched ahead of you: ``async for item in ...``.

        ``prefetch="auto"`` (the default) keeps as many page requests in flight as the
        listing shows it needs: from 1, deeper while you wait for pages, shallower on a
        429, 503 or timeout; never above ``max_prefetch`` requests, nor above what
        ``max_buffered_bytes`` of answers (as received) allows; the page you need always
        gets in, on top if need be, and so do copies fetched again for drift.
        ``prefetch=N`` keeps N in flight (0: strictly sequential). Resume a failed listing
        with ``start_page=pager.resume_page``. ``max_items`` / ``max_pages`` stop the
        listing there (against a server that never says ``has_more: false``).
        """
        query = {"size": size, "sort_column": sort_column, "sort_desc": sort_desc}
        return self._requester.paginate(
            self._list_endpoint,
            query,
            prefetch=prefetch,
            max_prefetch=max_prefetch,
            max_buffered_bytes=max_buffered_bytes,
            start_page=start_page,
            max_items=max_items,
            max_pages=max_pages,
        )

    async def get(self, id: str) -> G:
        """One object, in full."""
        found: G = await self._requester.request(self._get_endpoint, params={"id": id})
        return found

"""AsyncPager: every item of every page, fetched ahead of the consumer.

When page k arrives with ``has_more``, the request for page k+1 is scheduled and given
one turn of the event loop (so it is on the wire) before the first item of page k is
handed out; ``prefetch=N`` keeps up to N requests in flight, so at most N+1 pages are
held. Beyond the one page ``has_more`` promises, it fans out only as far as an *exact*
``total`` says pages exist. Errors of a later page surface when the consumer reaches it.
Breaking out, ``aclose()``, cancellation or closing the client cancels what is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Hashable
from typing import Any, Generic, TypeVar

import attrs

from ._errors import ClientClosedError, PaginationError
from .models._base import Page

__all__ = ["AsyncPager", "PagerStats", "RawPage"]

T = TypeVar("T")
CLOSED_MESSAGE = "vocode_async client closed"


def _closed_by_client(exc: BaseException) -> bool:
    """Whether a cancellation came from the client's close (its message).

    On Python 3.10 the awaiter of a task cancelled with a message gets a bare
    CancelledError whose ``__context__`` carries it; later versions pass it on directly.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, asyncio.CancelledError) and seen.args == (CLOSED_MESSAGE,):
            return True
        seen = seen.__context__
    return False


@attrs.define
class RawPage(Generic[T]):
    """A fetched page, parsed as JSON but not yet decoded into models.

    The pager reads ``has_more`` and ``total`` from ``data`` to schedule the next request
    first, and decodes (the costly part) after: decoding stays off the critical path. A page
    that arrives while its consumer is busy is decoded at once (:meth:`page` keeps it).
    """

    data: Any
    decode: Callable[[], Page[T]]
    _page: Page[T] | None = attrs.field(default=None, init=False)

    def page(self) -> Page[T]:
        """The decoded page (decoded once)."""
        if self._page is None:
            self._page = self.decode()
        return self._page

    def has_more(self) -> bool:
        return isinstance(self.data, dict) and self.data.get("has_more") is True

    def last_page(self) -> int | None:
        """The last page an exact ``total`` promises, if the page says so."""
        data = self.data
        if not isinstance(data, dict) or data.get("total_is_estimated") is not False:
            return None
        total, size = data.get("total"), data.get("size")
        if type(total) is not int or type(size) is not int or size < 1:
            return None
        return math.ceil(total / size)


Spawn = Callable[[Coroutine[Any, Any, RawPage[T]]], "asyncio.Task[RawPage[T]]"]


@attrs.define
class PagerStats:
    """What a listing did: pages fetched, items yielded, boundary duplicates dropped."""

    pages: int = 0
    items: int = 0
    dropped: int = 0


class AsyncPager(Generic[T]):
    """Iterate items with ``async for``, pages with ``pages()``; ``await`` for page one.

    Use ``async with`` (or ``await pager.aclose()``) to release in-flight requests at a
    known point; a pager dropped after ``break`` cancels them when it is collected.
    """

    def __init__(
        self,
        fetch: Callable[[int], Coroutine[Any, Any, RawPage[T]]],
        *,
        spawn: Spawn[T],
        prefetch: int = 1,
        start_page: int = 1,
        key: Callable[[T], Hashable] = lambda item: getattr(item, "id"),  # noqa: B009
    ) -> None:
        if prefetch < 0:
            raise ValueError(f"prefetch must be >= 0, got {prefetch}")
        if start_page < 1:
            raise ValueError(f"start_page must be >= 1, got {start_page}")
        self._fetch = fetch
        self._spawn = spawn
        self._prefetch = prefetch
        self._start_page = start_page
        self._key = key
        self._pending: deque[tuple[int, asyncio.Task[RawPage[T]]]] = deque()
        self._next_page = start_page
        self._last_page: int | None = None  # known only from an exact total
        self._more = True  # the last page seen said has_more
        self._done = False
        self._items: list[T] = []
        self._index = 0
        self._seen: set[Hashable] = set()
        self._waiting = _Waiting()
        self.stats = PagerStats()
        """What the listing did so far: pages fetched, items yielded, duplicates dropped."""
        self.resume_page = start_page
        """The page a new listing (``start_page=``) should start from to continue."""

    # -- public surface -------------------------------------------------------------

    def __aiter__(self) -> AsyncPager[T]:
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._items):
            page = await self._advance()
            if page is None:
                raise StopAsyncIteration
            self._items = list(page.items)
            self._index = 0
        item = self._items[self._index]
        self._index += 1
        self.stats.items += 1
        return item

    def pages(self) -> AsyncIterator[Page[T]]:
        """Iterate whole pages (boundary duplicates already removed from ``items``)."""
        return _PageIterator(self)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._first().__await__()

    async def _first(self) -> Page[T]:
        raw = await self._fetch(self._start_page)
        return raw.page()

    async def __aenter__(self) -> AsyncPager[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel every in-flight page request and wait until it has let go."""
        self._done = True
        tasks = [task for _, task in self._pending]
        self._pending.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def __del__(self) -> None:
        for _, task in getattr(self, "_pending", ()):
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                task.cancel()

    # -- machinery ------------------------------------------------------------------

    async def _advance(self) -> Page[T] | None:
        """The next page with fresh items, or None at the end. Closes itself on error."""
        if self._done:
            return None
        if not self._pending:
            if not self._more:
                await self.aclose()
                return None
            self._schedule()
        number, task = self._pending.popleft()
        self.resume_page = number
        try:
            self._waiting.page = number
            raw = await task
            self._waiting.page = None
            self._more = raw.has_more()
            last = raw.last_page()
            if last is not None:
                self._last_page = max(number, last)
            self._fill(number)
            if self._pending:
                await asyncio.sleep(0)  # let the prefetch write its request before we decode
            return self._accept(number, raw.page())
        except asyncio.CancelledError as exc:
            await self.aclose()
            if not _closed_by_client(exc):
                raise
        except BaseException:
            await self.aclose()
            raise
        # Only the client's close gets here; raised outside the handler, with no context.
        raise ClientClosedError("the client was closed during the listing")

    def _accept(self, number: int, page: Page[T]) -> Page[T]:
        """Check a page, drop boundary duplicates, and learn how far the listing goes."""
        self.stats.pages += 1
        keys = [self._key(item) for item in page.items]
        fresh = [item for item, k in zip(page.items, keys, strict=True) if k not in self._seen]
        self.stats.dropped += len(keys) - len(fresh)
        if page.has_more and not fresh:
            what = "no items" if not keys else "only items already yielded"
            raise PaginationError(
                f"page {number} says has_more but has {what}; stopping instead of looping",
                page=number,
            )
        self._seen = set(keys)
        if len(fresh) != len(keys):
            page = attrs.evolve(page, items=tuple(fresh))
        return page

    def _fill(self, current: int) -> None:
        """Keep up to ``prefetch`` requests in flight, only for pages known to exist."""
        if not self._more:
            for _, task in self._pending:  # speculative pages past the real end
                task.cancel()
            self._pending.clear()
            return
        bound = current + 1
        if self._last_page is not None:
            bound = max(bound, self._last_page)
        while len(self._pending) < self._prefetch and self._next_page <= bound:
            self._schedule()

    def _schedule(self) -> None:
        number = self._next_page
        self._next_page += 1
        coro = _prepare(self._fetch, number, self._waiting)
        self._pending.append((number, self._spawn(coro)))


@attrs.define
class _Waiting:
    """The page the consumer is waiting for (shared with fetch tasks, which must not hold
    the pager: a pager dropped after ``break`` is collected, and so cancels them)."""

    page: int | None = None


async def _prepare(
    fetch: Callable[[int], Coroutine[Any, Any, RawPage[T]]], number: int, waiting: _Waiting
) -> RawPage[T]:
    """Fetch a page; if the consumer is busy elsewhere when it lands, decode it now.

    When the consumer waits for this very page, decoding is left until the next request has
    been sent (see ``AsyncPager._advance``); a decode error is left to surface there too.
    """
    raw = await fetch(number)
    if waiting.page != number:
        with contextlib.suppress(Exception):
            raw.page()
    return raw


class _PageIterator(Generic[T]):
    def __init__(self, pager: AsyncPager[T]) -> None:
        self._pager = pager

    def __aiter__(self) -> _PageIterator[T]:
        return self

    async def __anext__(self) -> Page[T]:
        page = await self._pager._advance()
        if page is None:
            raise StopAsyncIteration
        self._pager.stats.items += len(page.items)
        return page

    async def aclose(self) -> None:
        await self._pager.aclose()

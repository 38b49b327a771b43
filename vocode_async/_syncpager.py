"""Pager: the blocking face of an :class:`~vocode_async.AsyncPager` living on the loop thread.

The async pager does all the work (prefetch, drift, bounds) on the client's loop thread;
this side asks it for one page at a time and hands the items out from the caller's thread.
While the caller works through a page, the requests for the next pages are in flight on the
loop: pages cross between threads, items never do one by one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar

from ._errors import ClientClosedError
from ._pagination import AsyncPager, PagerStats
from .models._base import Page

__all__ = ["Pager", "Runner"]

T = TypeVar("T")
R = TypeVar("R")


class Runner(Protocol):
    """What a pager needs of its client: block on a call on the loop, or start one."""

    def run(self, call: Callable[[], Awaitable[R]]) -> R: ...

    def spawn(self, call: Callable[[], Awaitable[Any]]) -> None: ...


class Pager(Generic[T]):
    """Every item of every page: ``for item in client.calls.list():``.

    ``pages()`` iterates whole pages, ``first_page()`` fetches only page one. The next pages
    are fetched in the background while you work on this one (``prefetch`` of ``list``).
    Use ``with`` (or ``close()``) to cancel the requests still in flight at a known point;
    a pager dropped after ``break`` cancels them when it is collected.
    """

    def __init__(self, runner: Runner, pager: AsyncPager[T]) -> None:
        self._runner = runner
        self._pager = pager
        self._items: Sequence[T] = ()
        self._index = 0
        self._closed = False

    # -- iteration ------------------------------------------------------------------

    def __iter__(self) -> Pager[T]:
        return self

    def __next__(self) -> T:
        while self._index >= len(self._items):
            page = self._next_page()
            if page is None:
                raise StopIteration
            self._items, self._index = page.items, 0
        item = self._items[self._index]
        self._index += 1
        self._pager.stats.items += 1
        return item

    def pages(self) -> Iterator[Page[T]]:
        """Iterate whole pages (duplicates already removed from ``items``)."""
        while (page := self._next_page()) is not None:
            self._pager.stats.items += len(page.items)
            yield page

    def first_page(self) -> Page[T]:
        """Only the first page (``start_page``): what ``await client.calls.list()`` gives."""

        async def first() -> Page[T]:
            return await self._pager

        return self._runner.run(first)

    def _next_page(self) -> Page[T] | None:
        if self._closed:
            return None
        # The async pager's own step (its async iterators call the same): the next page
        # with fresh items, None at the end; it closes itself on error or cancellation.
        return self._runner.run(self._pager._advance)

    # -- what the listing did -----------------------------------------------------------

    @property
    def stats(self) -> PagerStats:
        """What the listing did so far (see :class:`~vocode_async.PagerStats`)."""
        return self._pager.stats

    @property
    def resume_page(self) -> int:
        """The page a new listing (``start_page=``) should start from to continue."""
        return self._pager.resume_page

    @property
    def request_ids(self) -> dict[int, str | None]:
        """The request id of each page accepted, by page number (the latest 1,000 pages)."""
        return self._pager.request_ids

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Pager[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Cancel every in-flight page request and wait until it has let go. Idempotent."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(ClientClosedError):  # closed with the client already
                self._runner.run(self._pager.aclose)

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            # Collected in any thread: the async pager's tasks are cancelled on their loop.
            with contextlib.suppress(Exception):
                self._runner.spawn(self._pager.aclose)

"""AsyncPager: every item of every page, fetched ahead of the consumer, exact under drift.

**Prefetch.** When page k arrives with ``has_more``, the request for page k+1 is scheduled
and given one turn of the event loop (so it is on the wire) before the first item of page k
is handed out; ``prefetch=N`` keeps up to N requests in flight, so at most N+1 pages are
held. Beyond the one page ``has_more`` promises, it fans out as far as ``total`` says pages
exist, exact or estimated. A page past the real end (``has_more: false``) ends the listing
normally and cancels every request for a later page at once: an estimate too high costs at
most N requests. Errors of a later page surface when the consumer reaches it. Breaking out,
``aclose()``, cancellation or closing the client cancels what is in flight.

**Drift.** Calls created during a newest-first listing shift every later item. Every page
request is stamped on a logical clock when it is sent and when its answer lands. Two pages
k, k+1 can only leave a gap between them when page k+1 was answered by the server *before*
page k (out of order) with calls inserted in between. That needs page k+1 to have been sent
before page k's answer landed, and an insert after page k+1 was sent; such an insert shows
up as a shift (boundary duplicates, or an exact ``total`` that changed) between two earlier
pages whose later answer landed after page k+1 was sent. So when the consumer reaches page
k+1 with no overlap with what came before, sent before page k landed, and a shift seen
since: page k+1 is fetched again (a fresh copy, which overlaps page k) and both copies are
merged. With exact totals a page whose total is at least the previous page's needs no
re-fetch (as many calls were inserted before its answer). With no drift nothing is fetched
twice. ``stats`` counts shifts and re-fetches.

Drift of a page or more between requests in flight together makes pages of only
duplicates: they are skipped while they reach further into what was yielded, and the
prefetch is halved (``stats.throttled``); a listing that stops reaching further, or a
re-fetch that cannot catch up within :data:`CHASE` pages, ends with ``PaginationError``.

What it cannot see: a call deleted during the listing moves later calls up by one, so a
page-number listing can skip one; an exact ``total`` that shrank between two pages answered
in order is counted (``stats.shrunk``), nothing more can be done. The checks against
hostile pages (echoes, the id window) and what they miss are in :mod:`._pageguard`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import operator
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Hashable
from typing import Any, Generic, TypeVar

import attrs

from ._errors import ClientClosedError, PaginationError, VocodeError
from ._pageguard import WINDOW, Recent, check_echo
from .models._base import Page

__all__ = ["AsyncPager", "PagerStats", "RawPage"]

T = TypeVar("T")
CLOSED_MESSAGE = "vocode_async client closed"
_REQUEST_IDS_KEPT = 1000
STALLS = 2
"""Pages of only duplicates skipped in a row (drift of a page or more) before giving up."""
CHASE = 32
"""Pages a re-fetch may walk forward to reach the stale copy it replaces."""


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
    ``sent`` and ``received`` are the pager's logical clock when it asked and got the answer.
    """

    data: Any = attrs.field(repr=False)  # what a hostile server sent: never in a repr
    decode: Callable[[], Page[T]] = attrs.field(repr=False)
    request_id: str | None = None
    _page: Page[T] | None = attrs.field(default=None, init=False, repr=False)
    _failed: VocodeError | None = attrs.field(default=None, init=False, repr=False)
    sent: int = attrs.field(default=0, init=False)
    received: int = attrs.field(default=0, init=False)

    def page(self) -> Page[T]:
        """The decoded page (decoded once; a page that failed fails alike every time)."""
        if self._page is None:
            if self._failed is not None:
                raise self._failed
            try:
                self._page = self.decode()
            except VocodeError as error:
                self._failed = error
                raise
        return self._page

    def has_more(self) -> bool:
        return isinstance(self.data, dict) and self.data.get("has_more") is True

    def exact_total(self) -> int | None:
        data = self.data
        if not isinstance(data, dict) or data.get("total_is_estimated") is not False:
            return None
        total = data.get("total")
        return total if type(total) is int else None

    def last_page(self) -> int | None:
        """The last page ``total`` (exact or estimated) says exists, if the page says so."""
        data = self.data
        if not isinstance(data, dict):
            return None
        total, size = data.get("total"), data.get("size")
        if type(total) is not int or type(size) is not int or size < 1:
            return None
        return math.ceil(total / size)


Fetch = Callable[[int], Coroutine[Any, Any, RawPage[T]]]
Spawn = Callable[[Coroutine[Any, Any, RawPage[T]]], "asyncio.Task[RawPage[T]]"]


@attrs.define
class PagerStats:
    """What a listing did.

    ``pages`` accepted, ``items`` yielded, ``requests`` sent (retries aside), ``dropped``
    boundary duplicates, ``shifts`` pages that revealed calls inserted since an earlier
    page, ``refetched`` pages fetched again because such a shift could have hidden a call,
    ``cancelled`` requests for pages past the end, ``shrunk`` calls an exact total lost
    between two pages answered in order (deletions: each may have hidden a call),
    ``throttled`` times the prefetch was halved because drift outran the pages in flight.
    """

    pages: int = 0
    items: int = 0
    requests: int = 0
    dropped: int = 0
    shifts: int = 0
    refetched: int = 0
    cancelled: int = 0
    shrunk: int = 0
    throttled: int = 0


@attrs.define
class _Flight:
    """State shared with the fetch tasks (which must not hold the pager: a pager dropped
    after ``break`` is collected, and so cancels them)."""

    stats: PagerStats
    size: int | None
    waiting: int | None = None  # the page the consumer is waiting for
    clock: int = 0
    end: int | None = None  # the lowest page that answered has_more: false
    tasks: dict[int, asyncio.Task[Any]] = attrs.field(factory=dict)

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def ended(self, number: int) -> None:
        """Page ``number`` is past the end: cancel every request for a later page now."""
        if self.end is None or number < self.end:
            self.end = number
        for later, task in self.tasks.items():
            if later > number and not task.done() and task.cancel():
                self.stats.cancelled += 1


@attrs.frozen
class _Edge:
    """Where the listing got to: the answer that holds the last accepted item."""

    received: int
    total: int | None


def _positive(name: str, value: int | None) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")


class AsyncPager(Generic[T]):
    """Iterate items with ``async for``, pages with ``pages()``; ``await`` for page one.

    Use ``async with`` (or ``await pager.aclose()``) to release in-flight requests at a
    known point; a pager dropped after ``break`` cancels them when it is collected.
    ``max_items`` / ``max_pages`` bound the listing (nothing past them is requested).
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        spawn: Spawn[T],
        prefetch: int = 1,
        start_page: int = 1,
        size: int | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        key: Callable[[T], Hashable] = operator.attrgetter("id"),
    ) -> None:
        if type(prefetch) is not int or prefetch < 0:
            raise ValueError(f"prefetch must be an integer >= 0, got {prefetch!r}")
        if type(start_page) is not int or start_page < 1:
            raise ValueError(f"start_page must be an integer >= 1, got {start_page!r}")
        _positive("size", size)
        _positive("max_items", max_items)
        _positive("max_pages", max_pages)
        self._fetch = fetch
        self._spawn = spawn
        self._prefetch = prefetch
        self._start_page = start_page
        self._size = size
        self._max_items = max_items
        self._last_allowed = None if max_pages is None else start_page + max_pages - 1
        self._key = key
        self._pending: deque[tuple[int, asyncio.Task[RawPage[T]]]] = deque()
        self._next_page = start_page
        self._last_page: int | None = None  # from total, exact or estimated
        self._more = True  # the last page accepted said has_more
        self._done = False
        self._items: list[T] = []
        self._index = 0
        self._taken = 0  # items accepted so far (max_items counts these)
        self._recent = Recent(max(WINDOW, 2 * prefetch + 2))
        self._edge: _Edge | None = None
        self._shifted_at = 0  # the clock when the latest shift landed (0: none seen)
        self._stalls = 0  # pages of only duplicates since the last new item, not catching up
        self._reach = 0  # how far into what was yielded those pages reached
        self.stats = PagerStats()
        """What the listing did so far (see :class:`PagerStats`)."""
        self.request_ids: dict[int, str | None] = {}
        """The request id of each page accepted, by page number (the latest 1,000 pages)."""
        self._flight = _Flight(self.stats, size)
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
        """Iterate whole pages (duplicates already removed from ``items``)."""
        return _PageIterator(self)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._first().__await__()

    async def _first(self) -> Page[T]:
        raw = await self._fetch(self._start_page)
        check_echo(raw.data, number=self._start_page, size=self._size)
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
        try:
            while self._more:  # False at the end, or when a bound is reached
                page = await self._step()
                if page is not None:
                    return page
        except asyncio.CancelledError as exc:
            await self.aclose()
            if not _closed_by_client(exc):
                raise
        except BaseException:
            await self.aclose()
            raise
        else:
            await self.aclose()
            return None
        # Only the client's close gets here; raised outside the handler, with no context.
        raise ClientClosedError("the client was closed during the listing")

    async def _step(self) -> Page[T] | None:
        """Take the next page (re-fetched if a gap is possible); None if drift emptied it."""
        if not self._pending:
            self._schedule()
        number, task = self._pending.popleft()
        self.resume_page = number
        self._flight.waiting = number
        raw = await task
        self._flight.waiting = None
        chunk, edge = [raw], raw
        if self._gap_possible(raw):
            chunk, edge = await self._refetch(number, raw)
        self._more = edge.has_more()
        last = edge.last_page()
        if last is not None:
            self._last_page = max(number, last)
        self._fill(number)
        if self._pending:
            await asyncio.sleep(0)  # let the prefetch write its request before we decode
        return self._accept(number, chunk, edge)

    def _gap_possible(self, raw: RawPage[T]) -> bool:
        """Could calls lie between the last accepted page and ``raw``, unseen by both?"""
        edge = self._edge
        if edge is None or edge.received < raw.sent or self._shifted_at <= raw.sent:
            return False  # answered in order, or no shift seen since it was sent
        total = raw.exact_total()
        if total is not None and edge.total is not None and total >= edge.total:
            return False  # as many calls inserted before its answer as before the edge's
        key, index = self._key, self._recent.index
        return not any(key(item) in index for item in raw.page().items)

    async def _refetch(self, number: int, old: RawPage[T]) -> tuple[list[RawPage[T]], RawPage[T]]:
        """Fetch page ``number`` again (and on, if calls were inserted by the page) until
        the fresh copies reach the stale one; return the chunk to merge and its edge."""
        key = self._key
        old_keys = {key(item) for item in old.page().items}
        chunk: list[RawPage[T]] = []
        for page in range(number, number + CHASE):
            if page > number:
                self._throttle()  # a page or more inserted since it was sent: fewer ahead
            fresh = await _prepare(self._fetch, page, self._flight)
            self.stats.refetched += 1
            chunk.append(fresh)
            if not old_keys:  # the stale copy was an empty end: the fresh one decides
                return chunk, fresh
            if any(key(item) in old_keys for item in fresh.page().items):
                return [*chunk, old], old
            if not fresh.has_more():
                return [*chunk, old], fresh
        raise PaginationError(
            f"more than {CHASE} pages of calls were inserted while page {number} was "
            "listed; the listing cannot keep up",
            page=number,
        )

    def _throttle(self) -> None:
        """Drift of a page or more between requests in flight together: halve the prefetch,
        so pages are answered closer together (at 1 they are answered in order)."""
        if self._prefetch > 1:
            self._prefetch //= 2
            self.stats.throttled += 1

    def _note_request_id(self, number: int, request_id: str | None) -> None:
        ids = self.request_ids
        ids.pop(number, None)
        ids[number] = request_id
        if len(ids) > _REQUEST_IDS_KEPT:  # bounded: a million calls keep flat memory
            del ids[next(iter(ids))]

    def _accept(self, number: int, chunk: list[RawPage[T]], edge: RawPage[T]) -> Page[T] | None:
        """Drop duplicates, check progress, and learn what the page says about drift.

        None: the page brought only duplicates and is skipped (see :meth:`_stall`).
        """
        self.stats.pages += 1
        self._note_request_id(number, chunk[-1].request_id)
        recent = self._recent
        fresh, keys, total, seq = self._admit(chunk)
        before = self._edge
        self._learn(chunk, edge, total - len(fresh))
        if edge.has_more() and not fresh:
            self._stall(number, chunk, before, total)  # raises unless drift explains it
            return None
        self._stalls = self._reach = 0
        if self._max_items is not None and self._taken + len(fresh) >= self._max_items:
            del fresh[self._max_items - self._taken :], keys[len(fresh) :]
            self._more = False
        elif self._last_allowed is not None and number >= self._last_allowed:
            self._more = False
        self._taken += len(fresh)
        recent.commit(keys, seq)
        page = edge.page()
        if len(chunk) > 1 or len(fresh) != total:
            page = attrs.evolve(page, items=tuple(fresh))
        return page

    def _admit(self, chunk: list[RawPage[T]]) -> tuple[list[T], list[Hashable], int, int]:
        """Put the chunk's new ids in the window: (new items, their ids, items, last position).

        The usual page (one copy, nothing seen, no id twice) takes C-level set operations; a
        page with duplicates goes item by item (``setdefault``: one dict operation an id).
        """
        key, index, seq = self._key, self._recent.index, self._recent.seq
        if len(chunk) == 1:
            items = chunk[0].page().items
            keys = list(map(key, items))
            if index.keys().isdisjoint(keys):
                size = len(index)
                index.update(zip(keys, range(seq + 1, seq + 1 + len(keys)), strict=True))
                if len(index) - size == len(keys):
                    return list(items), keys, len(keys), seq + len(keys)
                for k in keys:  # an id twice within the page: undo, go the slow way
                    index.pop(k, None)
        fresh: list[T] = []
        keys = []
        total = 0
        for raw in chunk:
            for item in raw.page().items:
                seq += 1
                k = key(item)
                if index.setdefault(k, seq) == seq:  # new: now in the window
                    keys.append(k)
                    fresh.append(item)
                else:
                    self._recent.touch(k)
            total += len(raw.page().items)
        return fresh, keys, total, seq

    def _stall(
        self, number: int, chunk: list[RawPage[T]], before: _Edge | None, total: int
    ) -> None:
        """A page with has_more and nothing new: skip it, or raise.

        Only duplicates is what calls inserted by the page or more between two requests look
        like, and what a cycle looks like. While such pages reach further into what was
        yielded (catching up with drift) they are skipped, and up to :data:`STALLS` that do
        not; then it is an error. An empty page, or one answered after the previous one with
        an exact total that did not grow (so nothing was inserted), is an error at once.
        """
        key = self._key
        reach = self._recent.reach(key(item) for raw in chunk for item in raw.page().items)
        now = self._edge.total if self._edge is not None else None
        inserted = (  # could calls inserted since the previous page explain it?
            before is None
            or before.total is None
            or now is None
            or before.received >= chunk[0].sent  # answered out of order: cannot tell
            or now > before.total
        )
        if total and inserted and (reach > self._reach or self._stalls < STALLS):
            self._stalls += reach <= self._reach
            self._reach = max(self._reach, reach)
            self._throttle()
            return
        what = "no items" if not total else "only items already yielded"
        raise PaginationError(
            f"page {number} says has_more but has {what}; stopping instead of looping",
            page=number,
        )

    def _learn(self, chunk: list[RawPage[T]], edge: RawPage[T], dropped: int) -> None:
        """Record shifts (duplicates, a changed exact total) on the logical clock."""
        landed = max(raw.received for raw in chunk)
        before, total = self._edge, edge.exact_total()
        if dropped:
            self.stats.dropped += dropped
            self.stats.shifts += 1
            self._shifted_at = landed
        elif before is not None and before.total is not None and total is not None:
            if total != before.total:
                self.stats.shifts += 1
                self._shifted_at = landed
            if total < before.total and before.received < chunk[0].sent:
                self.stats.shrunk += before.total - total
        # The next page starts at or before this one's end (if answered after it), even
        # when that end lies among what was already yielded.
        self._edge = _Edge(edge.received, total)

    def _fill(self, current: int) -> None:
        """Keep up to ``prefetch`` requests in flight, for pages the listing expects."""
        flight = self._flight
        if not self._more:
            for _, task in self._pending:  # speculative pages past the real end
                self.stats.cancelled += _drop(task)
            self._pending.clear()
            return
        if flight.end is not None and flight.end <= current:
            self._uncut(flight.end)  # an end seen early was overtaken by drift: go on
        bound = current + 1
        if self._last_page is not None:
            bound = max(bound, self._last_page)
        if flight.end is not None:
            bound = min(bound, flight.end)
        if self._last_allowed is not None:
            bound = min(bound, self._last_allowed)
        if self._max_items is not None and self._size is not None:
            needed = math.ceil((self._max_items - self._taken) / self._size)
            bound = min(bound, current + needed - 1)
        while len(self._pending) < self._prefetch and self._next_page <= bound:
            self._schedule()

    def _uncut(self, end: int) -> None:
        """Drop the pages cancelled after ``end`` and request them again from the first."""
        self._flight.end = None
        while self._pending and self._pending[-1][0] > end:
            number, task = self._pending.pop()
            _drop(task)
            self._next_page = number

    def _schedule(self) -> None:
        number = self._next_page
        self._next_page += 1
        task = self._spawn(_prepare(self._fetch, number, self._flight))
        tasks = self._flight.tasks
        tasks[number] = task
        task.add_done_callback(lambda done: tasks.pop(number) if tasks.get(number) is done else 0)
        self._pending.append((number, task))


def _drop(task: asyncio.Task[Any]) -> bool:
    """Cancel a request nobody will await (its error, if it had one, is not reported)."""
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task.cancel()


async def _prepare(fetch: Fetch[T], number: int, flight: _Flight) -> RawPage[T]:
    """Fetch a page, stamp it, check its echoes; decode it now if the consumer is busy.

    When the consumer waits for this very page, decoding is left until the next request has
    been sent (see ``AsyncPager._advance``); a decode error is left to surface there too.
    """
    flight.stats.requests += 1
    sent = flight.tick()
    raw = await fetch(number)
    raw.sent, raw.received = sent, flight.tick()
    check_echo(raw.data, number=number, size=flight.size)
    if not raw.has_more():
        flight.ended(number)
    if flight.waiting != number:
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

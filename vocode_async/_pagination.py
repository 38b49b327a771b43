"""AsyncPager: every item of every page, fetched ahead of the consumer, exact under drift.

This is the I/O half: it sends requests, keeps the prefetch tasks, cancels, times, and
applies what :class:`._pagestate.PageState` decides (the drift, cycle, echo and bound rules,
argued there). How deep to prefetch is asked of a :class:`._pagedepth.Depth`.

**Prefetch.** When page k arrives with ``has_more``, the request for page k+1 is scheduled
and given one turn of the event loop (so it is on the wire) before the first item of page k
is handed out; ``prefetch=N`` keeps up to N requests in flight, so at most N+1 pages are
held; ``prefetch="auto"`` (the default) lets an :class:`._pagedepth.AutoDepth` choose N as
the listing runs, from what the pager tells it: each page's answer time and size, how long
the consumer waited for each page and how long it spent on the one before, and the 429s,
503s, timeouts and shared cooldowns the requester reports for the listing's requests (an
observer passed down with each request). Beyond the one page ``has_more`` promises, it fans
out as far as ``total`` says pages exist, exact or estimated. A page past the real end
(``has_more: false``) ends the listing normally and cancels every request for a later page
at once: an estimate too high costs at most N requests. Errors of a later page surface when
the consumer reaches it. Breaking out, ``aclose()``, cancellation or closing the client
cancels what is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
import time
from collections import deque
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Generator,
    Hashable,
    Sequence,
)
from typing import Any, Generic, TypeVar

import attrs

from ._errors import ClientClosedError, VocodeError
from ._log import log
from ._pagedepth import (
    DEFAULT_MAX_BUFFERED_BYTES,
    DEFAULT_MAX_PREFETCH,
    DEFAULT_PREFETCH,
    Depth,
    Event,
    Landed,
    Prefetch,
    Strained,
    Waited,
    Waiting,
    make_depth,
)
from ._pagestate import Fill, PagerStats, PageState, Refetch, Take
from ._types import NoRoom, Room
from .models._base import Page

__all__ = ["AsyncPager", "PagerStats", "RawPage", "Strain"]

T = TypeVar("T")
_REQUEST_IDS_KEPT = 1000
SLICE = 0.00015
"""Seconds a page's decode holds the event loop before other tasks run: every page being
decoded takes a slice a turn of the loop, so with a dozen pages in flight a turn is still
a few ms. A 1,000-item page takes 3-5 ms (20-30 slices); a small one goes in one or two.
(0.25 ms slices gave a loop-lag p50 worse than 50-item slices; 0.15 ms a better one.)"""


def _closed_by_client(exc: BaseException) -> bool:
    """Whether a cancellation came from the client's close: its message is then a
    :class:`ClientClosedError` (a type to match, not a text).

    On Python 3.10 the awaiter of a task cancelled with a message gets a bare
    CancelledError whose ``__context__`` carries it; later versions pass it on directly.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, asyncio.CancelledError) and _closing(seen.args):
            return True
        seen = seen.__context__
    return False


def _closing(args: tuple[object, ...]) -> bool:
    return len(args) == 1 and isinstance(args[0], ClientClosedError)


@attrs.define
class RawPage(Generic[T]):
    """A fetched page, parsed as JSON but not yet decoded into models.

    The pager reads ``has_more`` and ``total`` from ``data`` to schedule the next request
    first, and decodes (the costly part) after: decoding stays off the critical path. A page
    that arrives while its consumer is busy is decoded at once (:meth:`page` keeps it).
    :meth:`stamp` reads what :class:`._pagestate.Answer` needs from ``data``.

    ``decode(budget)`` decodes for about ``budget`` seconds and returns None while items
    are left (``decode(None)``: all of it); see :class:`._pagedecode.PageDecode`.
    """

    data: Any = attrs.field(repr=False)  # what a hostile server sent: never in a repr
    decode: Callable[[float | None], Page[T] | None] = attrs.field(repr=False)
    request_id: str | None = None
    body_bytes: int = 0  # the answer's length, as received
    _page: Page[T] | None = attrs.field(default=None, init=False, repr=False)
    _failed: VocodeError | None = attrs.field(default=None, init=False, repr=False)
    number: int = attrs.field(default=0, init=False)
    sent: int = attrs.field(default=0, init=False)
    received: int = attrs.field(default=0, init=False)
    echoed: int | None = attrs.field(default=None, init=False)
    count: int = attrs.field(default=0, init=False)
    has_more: bool = attrs.field(default=False, init=False)
    total: int | None = attrs.field(default=None, init=False)
    estimated: bool = attrs.field(default=True, init=False)
    size: int | None = attrs.field(default=None, init=False)

    def stamp(self, number: int, sent: int, received: int) -> RawPage[T]:
        """Page ``number``, asked at ``sent`` and answered at ``received``: read its header."""
        self.number, self.sent, self.received = number, sent, received
        data = self.data
        if isinstance(data, dict):
            get = data.get
            page, items, total, size = get("page"), get("items"), get("total"), get("size")
            self.echoed = page if type(page) is int else None
            self.count = len(items) if isinstance(items, list) else 0
            self.has_more = get("has_more") is True
            self.total = total if type(total) is int else None
            self.estimated = get("total_is_estimated") is not False
            self.size = size if type(size) is int else None
        return self

    @property
    def items(self) -> Sequence[T]:
        """The decoded items."""
        return self.page().items

    def page(self) -> Page[T]:
        """The decoded page (decoded once, finishing a decode :meth:`settle` began; a page
        that failed fails alike every time)."""
        if self._page is None:
            if self._failed is not None:
                raise self._failed
            self.data = None  # read by stamp() only: the parsed JSON is the decode's now
            try:
                page = self.decode(None)
            except VocodeError as error:
                self._failed = error
                raise
            assert page is not None  # no budget: decoded to the end
            self._page = page
        return self._page

    async def settle(self) -> None:
        """Decode now, for at most :data:`SLICE` seconds at a time with the event loop
        running in between (a large page); an error is kept for :meth:`page` to raise."""
        if self._page is not None or self._failed is not None:
            return
        self.data = None
        try:
            while (page := self.decode(SLICE)) is None:
                await asyncio.sleep(0)
                if self._page is not None or self._failed is not None:
                    return  # page() finished it meanwhile
        except VocodeError as error:
            if self._page is None and self._failed is None:
                self._failed = error
        else:
            if self._page is None and self._failed is None:
                self._page = page


Strain = Callable[[str, float], None]
"""Told by the requester of each 429, 503, timeout or cooldown of one request: the reason
(``"429"``, ``"503"``, ``"timeout"``, ``"cooldown"``) and the seconds it waits before the
next try."""
Fetch = Callable[[int, Strain, "Room | None"], Coroutine[Any, Any, RawPage[T]]]
Spawn = Callable[[Coroutine[Any, Any, RawPage[T]]], "asyncio.Task[RawPage[T]]"]


@attrs.define
class _Flight:
    """What the fetch tasks share (they must not hold the pager: a pager dropped after
    ``break`` is collected, and so cancels them).

    **Room.** Under a byte budget (``max_buffered_bytes``) ``held`` counts the bytes of
    each answer held or coming in, by page, from the moment its size is known (its
    Content-Length, or what has come so far) until the consumer moves past it. An answer
    for a page beyond the consumer's (``front``) that would take the total past the budget
    is dropped unread (the transport raises :class:`NoRoom`); its request waits until the
    consumer has moved on far enough, lowest page first, then asks again with its size
    reserved. The consumer's own page always gets in, so held answers stay within the
    budget plus that one page, however the answers' sizes change mid-listing. Copies
    fetched again for drift (the consumer waits for them) always get in too and count in
    ``refetched`` until the consumer moves on: a drift chase may pass the budget by the
    pages it walks (at most :data:`._pagestate.CHASE`), and ``stats.held_max`` shows it.
    """

    state: PageState[RawPage[Any]]
    depth: Depth
    waiting: int | None = None  # the page the consumer is waiting for
    tasks: dict[int, asyncio.Task[Any]] = attrs.field(factory=dict)
    front: int = 1  # the consumer's page (a lower page is done with)
    held: dict[int, int] = attrs.field(factory=dict)
    refetched: dict[int, int] = attrs.field(factory=dict)  # copies fetched again, by page
    queue: set[int] = attrs.field(factory=set)  # pages waiting for room to ask again
    _freed: asyncio.Event | None = None

    def room(self, page: int, *, urgent: bool = False) -> Room | None:
        """What the transport asks as page ``page``'s answer comes in (None: no budget);
        ``urgent``: a copy fetched again for drift, always let in (and counted)."""
        budget = self.depth.budget
        if budget is None:
            return None
        if urgent:
            return lambda size: self._hold(self.refetched, page, size)
        held = self.held

        def fits(size: int) -> bool:
            if self._over(page, size, budget):
                held.pop(page, None)  # what came of it so far is dropped too
                return False
            return self._hold(held, page, size)

        return fits

    def _over(self, page: int, size: int, budget: int) -> bool:
        """Whether ``size`` bytes for page ``page`` would pass the budget (never for the
        consumer's page)."""
        others = self._total() - self.held.get(page, 0)
        return page > self.front and others + size > budget

    def _total(self) -> int:
        return sum(self.held.values()) + sum(self.refetched.values())

    def _hold(self, held: dict[int, int], page: int, size: int) -> bool:
        held[page] = size
        stats = self.state.stats
        stats.held_max = max(stats.held_max, self._total())
        return True

    async def wait_room(self, page: int, size: int) -> None:
        """Until ``size`` more bytes fit (or ``page`` is the consumer's), lower pages
        first; then reserve them for page ``page``."""
        budget, held, queue = self.depth.budget, self.held, self.queue
        assert budget is not None
        queue.add(page)
        try:
            while page > self.front and (page != min(queue) or self._over(page, size, budget)):
                if self._freed is None:
                    self._freed = asyncio.Event()
                await self._freed.wait()
        finally:
            queue.discard(page)
            self._wake()  # the next page in the queue may fit too
        self._hold(held, page, size)

    def advance(self, page: int) -> None:
        """The consumer moved on to page ``page``: every earlier answer is let go."""
        self.front = page
        held = self.held
        for done in [number for number in held if number < page]:
            del held[done]
        self.refetched.clear()  # the chunk they were fetched for is done with
        self._wake()

    def release(self, page: int) -> None:
        """Page ``page``'s answer will not be held (cancelled, failed, dropped)."""
        if self.held.pop(page, None) is not None:
            self._wake()

    def _wake(self) -> None:
        if self._freed is not None:
            self._freed.set()
            self._freed = None

    def deferred(self, page: int, size: int, seconds: float) -> None:
        """Page ``page``'s answer (``size`` bytes at least) was dropped unread for room."""
        self.state.stats.deferred += 1
        log.debug(
            "page %d: its answer (%d bytes or more) dropped unread, max_buffered_bytes=%d "
            "holds no more now; asked again when the listing has moved on",
            page,
            size,
            self.depth.budget,
        )
        self.observe(Landed(page, seconds, size))

    def observe(self, event: Event) -> None:
        """Tell the depth; count and log a change it makes."""
        change = self.depth.observe(event)
        if change is None:
            return
        stats = self.state.stats
        stats.depth = min(change.new, self.state.cap)  # what is kept, under drift's cap
        stats.depth_changes += 1
        stats.depth_max = max(stats.depth_max, change.new)
        log.debug("listing depth %d -> %d: %s", change.old, change.new, change.reason)

    def strain(self, page: int) -> Strain:
        """The observer passed down with page ``page``'s request."""
        return lambda reason, wait: self.observe(Strained(page, reason, wait))

    def cut(self, after: int) -> None:
        """Page ``after`` is past the end: cancel every request for a later page now."""
        for later, task in self.tasks.items():
            if later > after and not task.done() and task.cancel():
                self.state.stats.cancelled += 1


def _positive(name: str, value: int | None) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")


class AsyncPager(Generic[T]):
    """Iterate items with ``async for``, pages with ``pages()``; ``await`` for page one.

    Use ``async with`` (or ``await pager.aclose()``) to release in-flight requests at a
    known point; a pager dropped after ``break`` cancels them when it is collected.
    ``max_items`` / ``max_pages`` bound the listing (nothing past them is requested).
    ``prefetch="auto"`` (the default) chooses how many requests to keep in flight, within
    ``max_prefetch`` and ``max_buffered_bytes`` (see :class:`._pagedepth.AutoDepth`);
    ``prefetch=N`` keeps N. ``stats.depth`` / ``depth_max`` / ``depth_changes`` show it.
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        spawn: Spawn[T],
        prefetch: Prefetch = DEFAULT_PREFETCH,
        max_prefetch: int = DEFAULT_MAX_PREFETCH,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        start_page: int = 1,
        size: int | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        key: Callable[[T], Hashable] = operator.attrgetter("id"),
        depth: Depth | None = None,
    ) -> None:
        if depth is None:
            depth = make_depth(
                prefetch, max_prefetch=max_prefetch, max_buffered_bytes=max_buffered_bytes
            )
        if type(start_page) is not int or start_page < 1:
            raise ValueError(f"start_page must be an integer >= 1, got {start_page!r}")
        _positive("size", size)
        _positive("max_items", max_items)
        _positive("max_pages", max_pages)
        self._fetch = fetch
        self._spawn = spawn
        self._start_page = start_page
        self._state: PageState[RawPage[Any]] = PageState(
            depth,
            start_page=start_page,
            size=size,
            max_items=max_items,
            max_pages=max_pages,
            key=key,
        )
        self._flight = _Flight(self._state, depth)
        self._woke: float | None = None  # when the consumer last got a page it waited for
        self._pending: deque[tuple[int, asyncio.Task[RawPage[T]]]] = deque()
        self._asked: dict[int, float] = {}  # when each pending page's request was scheduled
        self._done = False
        self._items: list[T] = []
        self._index = 0
        self.stats = self._state.stats
        self.stats.depth = self.stats.depth_max = depth.depth()
        """What the listing did so far (see :class:`PagerStats`)."""
        self.request_ids: dict[int, str | None] = {}
        """The request id of each page accepted, by page number (the latest 1,000 pages)."""
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
        start = self._start_page
        raw = await self._fetch(start, self._flight.strain(start), None)
        self._state.check(raw.stamp(start, 0, 0))
        await raw.settle()
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
        self._asked.clear()
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
            while self._state.more:  # False at the end, or when a bound is reached
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
        state, flight, pending = self._state, self._flight, self._pending
        number = state.next_request()
        if number is not None:
            self._schedule(number)
        number, task = pending.popleft()
        self.resume_page = flight.waiting = number
        flight.advance(number)
        started, capped = time.perf_counter(), state.capped
        busy = None if self._woke is None else started - self._woke
        asked = self._asked.pop(number, None)
        if not task.done() and asked is not None:  # tell the depth before the wait, not after
            flight.observe(Waiting(number, started - asked, busy, capped))
            for later in state.deepen():
                self._schedule(later)
        raw = await task
        flight.waiting = None
        self._woke = time.perf_counter()
        flight.observe(Waited(number, self._woke - started, busy, capped))
        decision = state.reached(raw)
        while isinstance(decision, Refetch):
            fresh = await _prepare(self._fetch, decision.page, flight, urgent=True)
            decision = state.refetched(fresh)
        self._apply(state.fill(decision))
        if pending:
            await asyncio.sleep(0)  # let the prefetch write its request before we decode
        await decision.edge.settle()
        self._note_request_id(number, decision.copies[-1].request_id)
        take = state.take(decision)
        if not isinstance(take, Take):
            return None  # only duplicates, explained by drift
        page: Page[T] = decision.edge.page()
        if not take.whole:
            page = attrs.evolve(page, items=take.items)
        return page

    def _apply(self, fill: Fill) -> None:
        """Drop the requests ``fill`` gives up, send the ones it asks for."""
        pending = self._pending
        if fill.drop_after is not None:
            while pending and pending[-1][0] > fill.drop_after:
                dropped, task = pending.pop()
                self._asked.pop(dropped, None)
                self._flight.release(dropped)
                cancelled = _drop(task)
                if fill.past_end:
                    self.stats.cancelled += cancelled
        for number in fill.send:
            self._schedule(number)

    def _note_request_id(self, number: int, request_id: str | None) -> None:
        ids = self.request_ids
        ids.pop(number, None)
        ids[number] = request_id
        if len(ids) > _REQUEST_IDS_KEPT:  # bounded: a million calls keep flat memory
            del ids[next(iter(ids))]

    def _schedule(self, number: int) -> None:
        flight = self._flight
        task = self._spawn(_prepare(self._fetch, number, flight))
        self._asked[number] = time.perf_counter()
        tasks = flight.tasks
        tasks[number] = task

        def done(task: asyncio.Task[Any]) -> None:
            if tasks.get(number) is task:
                del tasks[number]
            if task.cancelled() or task.exception() is not None:
                flight.release(number)

        task.add_done_callback(done)
        self._pending.append((number, task))


def _drop(task: asyncio.Task[Any]) -> bool:
    """Cancel a request nobody will await (its error, if it had one, is not reported)."""
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task.cancel()


async def _prepare(
    fetch: Fetch[T], number: int, flight: _Flight, *, urgent: bool = False
) -> RawPage[T]:
    """Fetch a page, stamp it, check its echoes; decode it now if the consumer is busy.

    When the consumer waits for this very page, decoding is left until the next request has
    been sent (see ``AsyncPager._step``); a decode error is left to surface there too.
    An answer the budget has no room for is asked again when there is (``urgent``: a copy
    the consumer needs now, let in whatever its size).
    """
    state = flight.state
    room = flight.room(number, urgent=urgent)
    while True:
        sent, started = state.send(), time.perf_counter()
        try:
            raw = await fetch(number, flight.strain(number), room)
            break
        except NoRoom as refused:
            size = refused.size  # wait outside the handler: its traceback holds the answer
        flight.deferred(number, size, time.perf_counter() - started)
        await flight.wait_room(number, size)
    raw.stamp(number, sent, state.tick())
    flight.observe(Landed(number, time.perf_counter() - started, raw.body_bytes))
    cut = state.landed(raw)
    if cut is not None:
        flight.cut(cut.after)
    if flight.waiting != number:
        with contextlib.suppress(Exception):
            await raw.settle()
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

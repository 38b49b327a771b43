"""Who may send now: the client's connection slots, the listings' share of them, and the
shared Retry-After cooldown, checked once a slot is held.

aiohttp queues a request that finds its pool full, and a request in that queue goes out as
soon as a connection frees, whatever the API announced meanwhile. So the client takes the
pool's slots itself (as many as the pool has connections, aiohttp then never queues):
the cooldown is checked after a slot is held and before sending, and a 429/503 that
announces one extends it before its slot is given back. A request that finds a cooldown
after queueing gives its slot back and waits the cooldown out.

Listing pages (a pager prefetching deep holds many) may hold at most ``LISTING_SHARE`` of
the slots together, so other requests of a shared client always find a connection.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Callable

from ._errors import APIStatusError, APITimeoutError, VocodeError
from ._retry import Cooldown

__all__ = ["LISTING_SHARE", "Gate", "Slots"]

LISTING_SHARE = 0.75
"""The part of the pool's connections that listing pages may hold together."""


class _TimedOut(Exception):
    """A slot's deadline passed while it waited; never leaves this module."""


class Slots:
    """A counting semaphore whose wait ends at a deadline (no task per waiter), FIFO."""

    __slots__ = ("free", "waiters")

    def __init__(self, size: int) -> None:
        self.free = size
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def take(self, deadline: float | None) -> bool:
        """Take a slot; False if ``deadline`` (``time.monotonic``) passed first."""
        if self.ready():
            self.free -= 1
            return True
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self.waiters.append(waiter)
        timer = None
        if deadline is not None:
            timer = loop.call_later(max(0.0, deadline - time.monotonic()), _expire, waiter)
        try:
            await waiter
        except _TimedOut:
            _discard(self.waiters, waiter)
            return False
        except asyncio.CancelledError:
            if _given(waiter):  # handed a slot just as it was cancelled: pass it on
                self.give()
            else:
                _discard(self.waiters, waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return True

    def ready(self) -> bool:
        """Whether a slot is free for the taking, with nobody waiting before."""
        return self.free > 0 and not self.waiters

    def give(self) -> None:
        """Give a slot back: to the first waiter still waiting, or to the pool."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(_TimedOut())


def _given(waiter: asyncio.Future[None]) -> bool:
    return waiter.done() and not waiter.cancelled() and waiter.exception() is None


def _discard(
    waiters: collections.deque[asyncio.Future[None]], waiter: asyncio.Future[None]
) -> None:
    with contextlib.suppress(ValueError):  # already handed on by give()
        waiters.remove(waiter)


class Gate:
    """The admission of one client's requests: slots per pool, the listings' share, the
    cooldown. ``size`` 0: the pool has no bound (no slots are counted)."""

    def __init__(
        self, size: int, max_retry_after: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.cooldown = Cooldown(clock)
        self.max_retry_after = max_retry_after
        self.pooled = Slots(size) if size else None
        self.unsafe = Slots(size) if size else None  # unsafe requests: a pool of their own
        self.listings = Slots(max(1, int(size * LISTING_SHARE))) if size > 1 else None

    def admit(self, unsafe: bool, listing: bool) -> bool:
        """Take the slots at once if they are free and no cooldown runs (the usual case,
        without a coroutine); False: nothing was taken, ``await enter(...)``."""
        if self.cooldown.running():
            return False
        slots = self.unsafe if unsafe else self.pooled
        share = self.listings if listing else None
        if slots is None:
            return share is None
        if not slots.ready() or (share is not None and not share.ready()):
            return False
        slots.free -= 1
        if share is not None:
            share.free -= 1
        return True

    async def enter(
        self, method: str, path: str, deadline: float | None, unsafe: bool, listing: bool
    ) -> None:
        """Wait for a slot (and, for a listing page, the listings' share) and for any
        cooldown to pass; raise RateLimitError at once if the cooldown outlasts
        ``deadline``, APITimeoutError if the deadline passes while waiting for a slot."""
        share = self.listings if listing else None
        if share is not None and not await share.take(deadline):
            raise _queue_timeout(method, path)
        try:
            await self._enter(method, path, deadline, self.unsafe if unsafe else self.pooled)
        except BaseException:
            if share is not None:
                share.give()
            raise

    async def _enter(
        self, method: str, path: str, deadline: float | None, slots: Slots | None
    ) -> None:
        while True:
            await self.cooldown.wait(deadline=deadline, method=method, path=path)
            if slots is None:
                return
            if not await slots.take(deadline):
                raise _queue_timeout(method, path)
            if not self.cooldown.running():
                return
            slots.give()  # announced while this request queued: wait it out, slot free

    def leave(self, unsafe: bool, listing: bool, error: VocodeError | None = None) -> None:
        """Give the slots back; first, a 429/503 with Retry-After extends the cooldown."""
        if isinstance(error, APIStatusError) and error.retry_after and error.status in (429, 503):
            self.cooldown.extend(min(error.retry_after, self.max_retry_after))
        slots = self.unsafe if unsafe else self.pooled
        if slots is not None:
            slots.give()
        if listing and self.listings is not None:
            self.listings.give()


def _queue_timeout(method: str, path: str) -> APITimeoutError:
    return APITimeoutError(
        f"{method} {path} timed out waiting for a connection (nothing was sent)",
        method=method,
        path=path,
        request_sent=False,
    )

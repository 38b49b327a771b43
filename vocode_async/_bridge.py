"""What the blocking client's groups hold: a way to run the async client's calls to the end.

:class:`Home` is shared by a :class:`~vocode_async.Vocode` and its ``with_options`` views:
the loop thread (started on first use) and the :class:`~vocode_async.AsyncVocode` living on
it. After ``os.fork`` the child finds a loop thread it does not own (the thread did not
survive the fork): it starts its own loop and builds a fresh async client from the same
keywords. The parent's objects are never touched, nor ever finalized, in the child: their
sockets, TLS sessions and epoll selector are shared with the parent, and closing them here
would cut the parent's connections or silence its loop (a TLS close_notify sent on its
socket, its descriptors dropped from the shared epoll set). They are made immortal.

:class:`Bridge` is one view's handle: ``run`` blocks on a coroutine method, ``pager`` wraps
a listing, ``stream`` a byte stream; ``client`` is the async client (or view) to call.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import functools
import os
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from typing import Any, ParamSpec, TypeVar

from ._client import AsyncVocode
from ._errors import ClientClosedError
from ._loopthread import LoopThread
from ._pagination import AsyncPager
from ._syncpager import Pager

__all__ = ["Bridge", "Home"]

T = TypeVar("T")
P = ParamSpec("P")
_EXIT_TIMEOUT = 2.0  # seconds a client left open gets to close at interpreter exit
_HOMES: weakref.WeakSet[Home] = weakref.WeakSet()


def _immortal(obj: object) -> None:
    """Keep ``obj`` alive for good, through interpreter exit (no finalizer ever runs)."""
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _after_fork_in_child() -> None:
    for home in list(_HOMES):
        home._lock = threading.Lock()  # another thread of the parent may have held it
        home.forked()


os.register_at_fork(after_in_child=_after_fork_in_child)


class Home:
    """The loop thread and async client one blocking client and its views share."""

    def __init__(self, kwargs: Mapping[str, Any]) -> None:
        self._kwargs = dict(kwargs)
        self.base = AsyncVocode(**self._kwargs)  # configuration errors surface here, at once
        self._loop: LoopThread | None = None
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self.closed = False
        self.generation = 0  # bumped with every new loop (a fork): views rebuild on it
        _HOMES.add(self)

    def forked(self) -> bool:
        """After a fork, in the child: drop the parent's loop and client (never touching
        them) and build a fresh client; True if that happened now."""
        loop = self._loop
        if loop is None or not loop.forked:
            return False
        with self._lock:
            if self._loop is not loop:
                return False
            _immortal((loop, self.base, self._finalizer))
            if self._finalizer is not None:
                self._finalizer.detach()
            self._loop, self._finalizer = None, None
            self.base = AsyncVocode(**self._kwargs)
            self.generation += 1
            return True

    def loop(self) -> LoopThread:
        """This process's loop thread, started now if need be (also after a fork)."""
        loop = self._loop
        if loop is not None and not self.closed and not loop.forked:
            return loop
        self.forked()
        with self._lock:
            if self.closed:
                raise ClientClosedError("the Vocode client is closed")
            if self._loop is None:
                self._loop = LoopThread()
                # Closes the client at exit (or when collected) if nobody did: a daemon
                # thread cannot hold the process, and the session is closed cleanly.
                self._finalizer = weakref.finalize(self, _shutdown, self._loop, self.base)
            return self._loop

    def close(self) -> None:
        """Close the async client on its loop, then stop the loop. Idempotent."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            finalizer = self._finalizer
        if finalizer is not None:
            finalizer()


def _shutdown(loop: LoopThread, client: AsyncVocode, timeout: float | None = None) -> None:
    if loop.forked:
        return
    if threading.current_thread() is loop.thread:  # collected on the loop itself
        loop.spawn(client.close)
        return
    try:
        loop.run(client.close, timeout=_EXIT_TIMEOUT if timeout is None else timeout)
    except concurrent.futures.TimeoutError:
        pass  # a close that hangs (a server that never answers) must not hold the exit
    finally:
        loop.stop(_EXIT_TIMEOUT)


class Bridge:
    """One view's handle on the shared :class:`Home`, under its ``with_options`` settings."""

    __slots__ = ("_cached", "_home", "_options")

    def __init__(self, home: Home, options: tuple[Mapping[str, Any], ...] = ()) -> None:
        self._home = home
        self._options = options
        self._cached: tuple[int, AsyncVocode] | None = None

    def with_options(self, options: Mapping[str, Any]) -> Bridge:
        """A handle whose client is this one's ``with_options(**options)``."""
        return Bridge(self._home, (*self._options, options))

    @property
    def client(self) -> AsyncVocode:
        """The async client (or view) to call, in this process."""
        home = self._home
        home.forked()
        cached = self._cached
        if cached is not None and cached[0] == home.generation:
            return cached[1]
        client = home.base
        for options in self._options:
            client = client.with_options(**options)
        self._cached = (home.generation, client)
        return client

    def run(self, method: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``await method(*args, **kwargs)`` on the loop thread; block until it is done."""
        loop = self._home.loop()
        call = functools.partial(method, *args, **kwargs) if args or kwargs else method
        try:
            return loop.run(call)
        except concurrent.futures.CancelledError:
            if self._home.closed:  # the loop was stopped under this call
                raise ClientClosedError("the Vocode client was closed during the call") from None
            raise

    def close(self) -> None:
        """Close the shared client (every view of it)."""
        self._home.close()

    def spawn(self, call: Callable[[], Awaitable[Any]]) -> None:
        """Start ``call()`` on the loop thread without waiting (clean-up of a dropped pager)."""
        loop = self._home._loop
        if loop is not None and not self._home.closed:
            loop.spawn(call)

    def pager(self, pager: AsyncPager[T]) -> Pager[T]:
        """A blocking iterator over ``pager`` (which runs on the loop thread)."""
        return Pager(self, pager)

    def stream(self, chunks: AsyncGenerator[bytes, None]) -> Generator[bytes, None, None]:
        """The chunks of an async byte stream, each fetched on the loop thread."""
        done = object()

        async def step() -> Any:
            try:
                return await chunks.__anext__()
            except StopAsyncIteration:
                return done

        try:
            while (chunk := self.run(step)) is not done:
                yield chunk
        finally:
            with contextlib.suppress(ClientClosedError):
                self.run(chunks.aclose)

"""One asyncio event loop in a daemon thread, and blocking calls into it.

Built on anyio's :class:`~anyio.from_thread.BlockingPortal` (the kept way to run async code
from sync threads: a call's result or exception crosses back, cancelling its future cancels
the task). We start the portal's thread ourselves instead of through
``start_blocking_portal``: that context manager is a generator whose ``finally`` calls into
the loop, so a copy inherited by a forked child would hang the child when collected. Here
nothing in a stale copy ever calls into a loop that no longer runs.

- The thread is a daemon, so a client never closed cannot keep the process alive (its
  owner also closes it at exit, bounded, through ``weakref.finalize``).
- A blocking call interrupted (Ctrl-C: ``KeyboardInterrupt`` in the waiting thread) cancels
  its task on the loop and waits a moment for the cancellation to run, so what the async
  path does on cancel (the warning about an unsafe request that may have been sent) happens
  before the interrupt propagates.
- ``owner`` is the pid that started the thread: after ``os.fork`` the child has a copy of
  this object but no thread; callers check :attr:`forked` and start a fresh one.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

from ._errors import ClientClosedError, WrongEventLoopError

__all__ = ["LoopThread"]

T = TypeVar("T")
_CANCEL_GRACE = 1.0  # seconds an interrupted call waits for its cancellation to run


class LoopThread:
    """An event loop in a daemon thread, owned by one process (``owner``)."""

    def __init__(self, name: str = "vocode-loop") -> None:
        ready: concurrent.futures.Future[BlockingPortal] = concurrent.futures.Future()

        async def serve() -> None:
            async with BlockingPortal() as portal:
                ready.set_result(portal)
                await portal.sleep_until_stopped()

        def main() -> None:
            try:
                anyio.run(serve, backend="asyncio")
            except BaseException as exc:  # pragma: no cover - the loop failed to start
                if not ready.done():
                    ready.set_exception(exc)

        self.owner = os.getpid()
        self.thread = threading.Thread(target=main, name=name, daemon=True)
        self.thread.start()
        self.portal = ready.result()

    @property
    def forked(self) -> bool:
        """Whether this process is a fork of the one that started the loop (no thread here)."""
        return os.getpid() != self.owner

    def run(self, call: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
        """Run ``call()`` on the loop and block until it is done; its result or exception.

        Interrupted while waiting (``KeyboardInterrupt``) or past ``timeout``, the task is
        cancelled on the loop and given up to a second to unwind before the interrupt (or
        ``TimeoutError``) propagates.
        """
        if threading.get_ident() == self.thread.ident:
            # Blocking the loop on itself would wait forever (a trace callback, say).
            raise WrongEventLoopError(
                "a Vocode call was made on the client's own event loop (from a callback?): "
                "it would wait forever; use an AsyncVocode there"
            )
        done = threading.Event()
        try:
            future = self.portal.start_task_soon(_settled, call, done)
        except RuntimeError:  # "This portal is not running": closed by another thread
            raise ClientClosedError("the client is closed (its event loop has stopped)") from None
        try:
            return future.result(timeout)
        except BaseException:
            if not future.done():  # interrupted while waiting, not a failure of the call
                future.cancel()
                done.wait(_CANCEL_GRACE)
            raise

    def spawn(self, call: Callable[[], Awaitable[Any]]) -> None:
        """Start ``call()`` on the loop without waiting (clean-up from ``__del__``)."""
        if not self.forked and self.thread.is_alive():
            self.portal.start_task_soon(call)

    def stop(self, timeout: float | None = None) -> None:
        """Cancel what still runs, stop the loop and join its thread. Idempotent."""
        if self.forked or not self.thread.is_alive():
            return
        stopping = self.portal.start_task_soon(self.portal.stop, True)
        # Already stopping, or slow to: the thread is a daemon, it cannot hold the process.
        stopped = (concurrent.futures.CancelledError, concurrent.futures.TimeoutError, RuntimeError)
        with contextlib.suppress(*stopped):
            stopping.result(timeout)
        self.thread.join(timeout)


async def _settled(call: Callable[[], Awaitable[T]], done: threading.Event) -> T:
    try:
        return await call()
    finally:
        done.set()

"""Scenario: the blocking client (issue 21).

- listing: every call through ``Vocode`` (a plain ``for`` loop in the main thread, the async
  pager prefetching on the client's loop thread) against ``AsyncVocode``'s ``async for``,
  same prefetch, at 50 ms and 0 ms page latency. Interleaved runs, medians.
- threads: 32 threads doing ``calls.get`` through one shared ``Vocode`` against 32 threads
  sharing one client of the official SDK's sync client (``vocode-api``, httpx underneath).
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

from vocode_async import AsyncVocode, Vocode

from ._server import API_KEY, fake_server


async def _async_listing(url: str, prefetch: int) -> int:
    async with AsyncVocode(api_key=API_KEY, base_url=url) as client:
        return sum([1 async for _ in client.calls.list(size=100, prefetch=prefetch)])


def _sync_listing(url: str, prefetch: int) -> int:
    with Vocode(api_key=API_KEY, base_url=url) as client:
        return sum(1 for _ in client.calls.list(size=100, prefetch=prefetch))


def listing(*, calls: int, latency_ms: float, runs: int, prefetch: int = 1) -> dict[str, Any]:
    """Median seconds of each client listing ``calls`` calls (100 a page)."""
    variants: dict[str, Callable[[str], int]] = {
        "AsyncVocode": lambda url: asyncio.run(_async_listing(url, prefetch)),
        "Vocode": lambda url: _sync_listing(url, prefetch),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    with fake_server(calls=calls, latency_ms=latency_ms) as url:
        for _ in range(runs):
            for name, run in variants.items():
                start = time.perf_counter()
                got = run(url)
                times[name].append(time.perf_counter() - start)
                if got != calls:
                    raise AssertionError(f"{name} listed {got} of {calls}")
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    return {
        "calls": calls,
        "latency_ms": latency_ms,
        "prefetch": prefetch,
        "runs": runs,
        "variants": {
            name: {"median_s": m, "samples_s": times[name], "items_per_s": calls / m}
            for name, m in medians.items()
        },
        "sync_vs_async": medians["AsyncVocode"] / medians["Vocode"],
    }


def _in_threads(threads: int, per_thread: int, get: Callable[[], object]) -> float:
    """Seconds for ``threads`` threads each calling ``get`` ``per_thread`` times."""
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            get()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start


def threads(*, threads: int = 32, per_thread: int, latency_ms: float, runs: int) -> dict[str, Any]:
    """Requests/s of ``threads`` threads sharing one client: ours and the official SDK's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydantic's notes about the official SDK's config
        from vocode.client import Vocode as OfficialVocode

    samples: dict[str, list[float]] = {"Vocode": [], "official SDK (sync)": []}
    with (
        fake_server(calls=1000, latency_ms=latency_ms) as url,
        Vocode(api_key=API_KEY, base_url=url) as ours,
    ):
        call_id = ours.calls.list(size=1).first_page().items[0].id
        official = OfficialVocode(token=API_KEY, base_url=url)
        clients: dict[str, Callable[[], object]] = {
            "Vocode": lambda: ours.calls.get(call_id),
            "official SDK (sync)": lambda: official.calls.get_call(id=call_id),
        }
        for get in clients.values():  # warm the pools
            _in_threads(threads, 2, get)
        for _ in range(runs):
            for name, get in clients.items():
                samples[name].append(_in_threads(threads, per_thread, get))
    total = threads * per_thread
    out: dict[str, Any] = {
        "threads": threads,
        "requests": total,
        "latency_ms": latency_ms,
        "runs": runs,
        "variants": {},
    }
    for name, values in samples.items():
        median = statistics.median(values)
        out["variants"][name] = {"median_s": median, "requests_per_s": total / median}
    return out


def measure(*, quick: bool) -> dict[str, Any]:
    runs = 3 if quick else 5
    return {
        "listing": [
            listing(calls=2_000 if quick else 10_000, latency_ms=50, runs=runs),
            listing(calls=5_000 if quick else 20_000, latency_ms=0, runs=runs + 2),
        ],
        "threads": [
            threads(per_thread=20 if quick else 100, latency_ms=0, runs=runs),
            threads(per_thread=10 if quick else 40, latency_ms=20, runs=runs),
        ],
    }

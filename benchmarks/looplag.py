"""Scenario ``loop-lag``: many listings in one worker, and the event loop while they run.

* Many listings: ``listings`` concurrent listings of the same ``pages`` x 100 calls
  (vocode_async at ``prefetch=4``; raw aiohttp + orjson a page loop each), and one alone.
  Client CPU per listed item and the share of it spent in garbage collection (timed by
  ``gc.callbacks``); once more with ``gc.set_threshold(50_000, 20, 100)``, the remedy a
  user may choose (see docs/configuration.md), never set by the SDK.
* Loop lag: ``lag_listings`` concurrent listings of 1,000-item pages while a ticker task
  asks for a 1 ms sleep over and over; lag = how late each wake-up came (p50/p99/max),
  and items/s.

Variants are interleaved run by run; medians of ``runs``. The fake server runs in its own
process.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson

from vocode_async import AsyncVocode

from ._server import API_KEY, fake_server

Lister = Callable[[str, int, int], Awaitable[int]]
_REMEDY = (50_000, 20, 100)


async def _ours(url: str, listings: int, size: int) -> int:
    async with AsyncVocode(api_key=API_KEY, base_url=url) as client:

        async def one() -> int:
            count = 0
            async with client.calls.list(size=size, prefetch=4) as pager:
                async for page in pager.pages():
                    count += len(page.items)
            return count

        return sum(await asyncio.gather(*(one() for _ in range(listings))))


async def _raw(url: str, listings: int, size: int) -> int:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with aiohttp.ClientSession(headers=headers) as session:

        async def one() -> int:
            count, page = 0, 1
            while True:
                params = {"page": str(page), "size": str(size)}
                async with session.get(f"{url}/v1/calls/list", params=params) as resp:
                    data = orjson.loads(await resp.read())
                count += len(data["items"])
                if not data["has_more"]:
                    return count
                page += 1

        return sum(await asyncio.gather(*(one() for _ in range(listings))))


VARIANTS: dict[str, Lister] = {"vocode_async": _ours, "raw aiohttp": _raw}


def _run(lister: Lister, url: str, listings: int, size: int, expect: int) -> dict[str, float]:
    """One run: CPU per item and the part of it spent in the collector."""
    in_gc = [0.0]

    def timed(phase: str, _: dict[str, Any]) -> None:
        in_gc[0] += time.process_time() * (-1 if phase == "start" else 1)

    gc.collect()
    gc.callbacks.append(timed)
    try:
        cpu = time.process_time()
        got = asyncio.run(lister(url, listings, size))
        cpu = time.process_time() - cpu
    finally:
        gc.callbacks.remove(timed)
    if got != expect:
        raise AssertionError(f"listed {got} of {expect} calls")
    return {"cpu_us_per_item": cpu / got * 1e6, "gc_share": in_gc[0] / cpu}


def _many(url: str, *, listings: int, calls: int, runs: int) -> dict[str, Any]:
    cells: dict[str, list[dict[str, float]]] = {}
    default = gc.get_threshold()
    for _ in range(runs):
        for name, lister in VARIANTS.items():
            cells.setdefault(f"{name}, 1 listing", []).append(_run(lister, url, 1, 100, calls))
            many = _run(lister, url, listings, 100, calls * listings)
            cells.setdefault(f"{name}, {listings} listings", []).append(many)
            gc.set_threshold(*_REMEDY)
            try:
                remedied = _run(lister, url, listings, 100, calls * listings)
            finally:
                gc.set_threshold(*default)
            cells.setdefault(f"{name}, {listings} listings, gc threshold", []).append(remedied)
    return {
        name: {key: statistics.median(s[key] for s in samples) for key in samples[0]}
        for name, samples in cells.items()
    }


async def _with_ticker(lister: Lister, url: str, listings: int) -> dict[str, Any]:
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(time.perf_counter() - start - 0.001)

    tick = asyncio.create_task(ticker())
    start = time.perf_counter()
    try:
        got = await lister(url, listings, 1000)
    finally:
        done.set()
        await tick
    wall = time.perf_counter() - start
    return {"items": got, "wall": wall, "lags": lags}


def _lag(url: str, *, listings: int, calls: int, runs: int) -> dict[str, Any]:
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in VARIANTS}
    for _ in range(runs):
        for name, lister in VARIANTS.items():
            out = asyncio.run(_with_ticker(lister, url, listings))
            if out["items"] != calls * listings:
                raise AssertionError(f"{name} listed {out['items']} of {calls * listings}")
            lags = sorted(out["lags"])
            samples[name].append(
                {
                    "p50_ms": lags[len(lags) // 2] * 1000,
                    "p99_ms": lags[min(len(lags) - 1, int(0.99 * len(lags)))] * 1000,
                    "max_ms": lags[-1] * 1000,
                    "items_per_s": out["items"] / out["wall"],
                }
            )
    return {
        name: {key: statistics.median(s[key] for s in runs_) for key in runs_[0]}
        for name, runs_ in samples.items()
    }


def measure(
    *,
    listings: int = 100,
    pages: int = 50,
    lag_listings: int = 4,
    lag_calls: int = 20_000,
    runs: int = 5,
) -> dict[str, Any]:
    calls = pages * 100
    with fake_server(calls=calls, latency_ms=0) as url:
        many = _many(url, listings=listings, calls=calls, runs=runs)
    with fake_server(calls=lag_calls, latency_ms=0) as url:
        lag = _lag(url, listings=lag_listings, calls=lag_calls, runs=runs)
    return {
        "listings": listings,
        "pages": pages,
        "lag_listings": lag_listings,
        "lag_calls": lag_calls,
        "runs": runs,
        "remedy": list(_REMEDY),
        "many": many,
        "lag": lag,
    }


def table(r: dict[str, Any]) -> str:
    many, lag = r["many"], r["lag"]
    rows = [
        f"Listings of {r['pages']} pages x 100 calls at 0 ms (vocode_async: prefetch=4); "
        f'median of {r["runs"]} interleaved runs. "gc threshold": '
        f"`gc.set_threshold{tuple(r['remedy'])}` for that run (the user's choice).",
        "",
        "| variant | client CPU per item | vs raw, same listings | in GC |",
        "|---|---:|---:|---:|",
    ]
    for name, v in many.items():
        raw = many[name.replace("vocode_async", "raw aiohttp")]
        rows.append(
            f"| {name} | {v['cpu_us_per_item']:.1f} us | "
            f"{v['cpu_us_per_item'] / raw['cpu_us_per_item']:.2f}x | {v['gc_share']:.0%} |"
        )
    rows += [
        "",
        f"Event-loop lag: {r['lag_listings']} concurrent listings of {r['lag_calls']:,} calls in "
        "pages of 1,000, while a task sleeps 1 ms over and over (lag: how late it woke).",
        "",
        "| variant | lag p50 ms | p99 ms | max ms | items/s | items/s vs raw |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    raw_rate = lag["raw aiohttp"]["items_per_s"]
    for name, v in lag.items():
        rows.append(
            f"| {name} | {v['p50_ms']:.1f} | {v['p99_ms']:.1f} | {v['max_ms']:.1f} | "
            f"{v['items_per_s']:,.0f} | {v['items_per_s'] / raw_rate:.2f}x |"
        )
    return "\n".join(rows)

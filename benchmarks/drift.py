"""Scenarios of issue 15: fan-out on estimated totals, and listing exactly under drift.

``estimated``: a 40 ms server whose ``total`` is an estimate (x1, and x10 too high);
prefetch 0/1/4/8; median seconds, the ratio to prefetch=0 and the requests beyond the
pages that exist. ``drift``: newest first, 3 calls inserted at the head by every request,
0-30 ms latency (answers out of order), every 7th request a 503; items/s, requests beyond
one a page, and calls that existed before the listing but were not yielded (must be 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from typing import Any

import aiohttp

from vocode_async import AsyncVocode, RetryPolicy

from ._server import API_KEY, child_server

PREFETCH = (0, 1, 4, 8)


def list_server(*args: str) -> contextlib.AbstractContextManager[str]:
    """The purpose-built list server (benchmarks/listserver.py) in a child process."""
    return child_server("benchmarks.listserver", *args)


async def _control(url: str, method: str, path: str) -> Any:
    async with aiohttp.ClientSession() as session, session.request(method, url + path) as r:
        return await r.json()


async def _one(url: str, *, size: int, prefetch: int) -> dict[str, Any]:
    await _control(url, "POST", "/_reset")
    policy = RetryPolicy(max_retries=4, initial_wait=0.0)
    start = time.perf_counter()
    async with AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=policy) as client:
        pager = client.calls.list(size=size, prefetch=prefetch)
        ids = [call.id async for call in pager]
    seconds = time.perf_counter() - start
    stats = await _control(url, "GET", "/_stats")
    return {
        "seconds": seconds,
        "items": len(ids),
        "requests": stats["requests"],
        "twice": len(ids) - len(set(ids)),
        "missing": len(set(stats["before"]) - set(ids)),
        "refetched": pager.stats.refetched,
        "throttled": pager.stats.throttled,
    }


def _measure(url: str, *, calls: int, size: int, runs: int) -> dict[str, Any]:
    samples: dict[str, list[dict[str, Any]]] = {f"prefetch={n}": [] for n in PREFETCH}
    for _ in range(runs):
        for n in PREFETCH:
            samples[f"prefetch={n}"].append(asyncio.run(_one(url, size=size, prefetch=n)))
    pages = math.ceil(calls / size)
    out: dict[str, Any] = {}
    base = statistics.median(s["seconds"] for s in samples["prefetch=0"])
    for name, rows in samples.items():
        median = statistics.median(r["seconds"] for r in rows)
        out[name] = {
            "median_s": median,
            "items_per_s": statistics.median(r["items"] / r["seconds"] for r in rows),
            "ratio_to_prefetch0": median / base,
            "extra_requests_max": max(r["requests"] - pages for r in rows),
            "extra_requests_median": statistics.median(r["requests"] - pages for r in rows),
            "missing_max": max(r["missing"] for r in rows),
            "twice_max": max(r["twice"] for r in rows),
            "refetched_median": statistics.median(r["refetched"] for r in rows),
        }
    return out


def measure_estimated(*, calls: int = 4000, size: int = 100, runs: int = 5) -> dict[str, Any]:
    out: dict[str, Any] = {"calls": calls, "size": size, "latency_ms": 40, "runs": runs}
    for factor in (1, 10):
        args = ["--calls", str(calls), "--latency-ms", "40", "--estimated"]
        args += ["--estimate-factor", str(factor)]
        with list_server(*args) as url:
            out[f"x{factor}"] = _measure(url, calls=calls, size=size, runs=runs)
    return out


def measure_drift(*, calls: int = 3000, size: int = 100, runs: int = 5) -> dict[str, Any]:
    out: dict[str, Any] = {"calls": calls, "size": size, "runs": runs}
    args = ["--calls", str(calls), "--jitter-ms", "30", "--inserts", "3", "--fail-every", "7"]
    for estimated in (False, True):
        extra = ["--estimated"] if estimated else []
        with list_server(*args, *extra) as url:
            out["estimated" if estimated else "exact"] = _measure(
                url, calls=calls, size=size, runs=runs
            )
    return out

"""Scenario ``auto`` (issue 20): the default ``prefetch="auto"`` against fixed depths.

The list server (benchmarks/listserver.py, its own process) answers after a fixed delay a
page: 0, 10, 50, 200 ms; the consumer is fast (nothing) or slow (2 ms an item, awaited once
a page); totals exact or estimated. Two more cells: a server that answers 429 above 4
requests held at once, with and without ``Retry-After: 1``. Variants run interleaved, one
round after another; figures are medians. The server counts the most requests it held at
once (``peak``) and its refusals. The official SDK joins the 50 ms fast exact cell.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import statistics
import time
from typing import Any

import aiohttp

from vocode_async import AsyncVocode, RetryPolicy

from ._server import API_KEY, child_server
from .listing import run_official

FIXED = (1, 4, 8, 16, 32)
SIZE = 100
SLOW_MS_PER_ITEM = 2.0
CAP = 4


def _server(*args: str) -> contextlib.AbstractContextManager[str]:
    return child_server("benchmarks.listserver", *args)


async def _control(url: str, method: str, path: str) -> Any:
    async with aiohttp.ClientSession() as session, session.request(method, url + path) as r:
        return await r.json()


async def _one(url: str, prefetch: Any, slow: bool) -> dict[str, Any]:
    await _control(url, "POST", "/_reset")
    policy = RetryPolicy(max_retries=8)  # so deep fixed depths finish against the capped server
    pause = SIZE * SLOW_MS_PER_ITEM / 1000
    start = time.perf_counter()
    count = depth_max = 0
    if prefetch == "official SDK":
        count = await run_official(url, size=SIZE, per_page=_sleep(pause if slow else 0))
    else:
        async with (
            AsyncVocode(api_key=API_KEY, base_url=url, retry_policy=policy) as client,
            client.calls.list(size=SIZE, prefetch=prefetch) as pager,
        ):
            async for page in pager.pages():
                count += len(page.items)
                if slow:
                    await asyncio.sleep(pause)
        depth_max = pager.stats.depth_max
    seconds = time.perf_counter() - start
    stats = await _control(url, "GET", "/_stats")
    return {
        "seconds": seconds,
        "items": count,
        "peak": stats["peak"],
        "refused": stats["refused"],
        "depth_max": depth_max,
    }


def _sleep(seconds: float) -> Any:
    async def pause() -> None:
        if seconds:
            await asyncio.sleep(seconds)

    return pause


def _cell(
    args: list[str],
    *,
    calls: int,
    slow: bool,
    runs: int,
    official: bool,
    names: list[Any] | None = None,
) -> dict[str, Any]:
    if names is None:
        names = ["auto", *FIXED] + (["official SDK"] if official else [])
    samples: dict[str, list[dict[str, Any]]] = {str(n): [] for n in names}
    with _server("--calls", str(calls), *args) as url:
        for _ in range(runs):
            for name in names:
                row = asyncio.run(_one(url, name, slow))
                if row["items"] != calls:
                    raise AssertionError(f"{name} listed {row['items']} of {calls} calls")
                samples[str(name)].append(row)
    pages = math.ceil(calls / SIZE)
    out: dict[str, Any] = {}
    for name, rows in samples.items():
        median = statistics.median(r["seconds"] for r in rows)
        out[name] = {
            "median_s": median,
            "items_per_s": calls / median,
            "peak_max": max(r["peak"] for r in rows),
            "refused_per_100_pages": statistics.median(r["refused"] for r in rows) * 100 / pages,
            "refused_max": max(r["refused"] for r in rows),
            "depth_max": max(r["depth_max"] for r in rows),
        }
    return out


def _calls(delay: int, slow: bool, quick: bool) -> int:
    if slow:
        return 500 if quick else 1_000  # 2 ms an item bounds every variant: 2 s a run
    if delay == 0:
        return 5_000 if quick else 20_000
    return 2_000 if quick else 10_000


def _specs(quick: bool) -> list[dict[str, Any]]:
    """Every cell of the matrix: what the server and the consumer do, and how many calls."""
    specs = []
    for delay in (0, 10, 50, 200):
        for slow in (False, True):
            for estimated in (False, True):
                specs.append(
                    {
                        "delay_ms": delay,
                        "consumer": "slow" if slow else "fast",
                        "totals": "estimated" if estimated else "exact",
                        "cap": None,
                        "calls": _calls(delay, slow, quick),
                        "args": ["--latency-ms", str(delay)]
                        + (["--estimated"] if estimated else []),
                        "official": delay == 50 and not slow and not estimated,
                    }
                )
    for retry_after in ("", "1"):
        specs.append(
            {
                "delay_ms": 50,
                "consumer": "fast",
                "totals": "exact",
                "cap": CAP,
                "retry_after": retry_after or None,
                "calls": 5_000 if quick else 20_000,
                "args": ["--latency-ms", "50", "--cap", str(CAP), "--retry-after", retry_after],
                "official": False,
            }
        )
    return specs


def _measure_cell(
    spec: dict[str, Any], runs: int, names: list[Any] | None = None
) -> dict[str, Any]:
    cell = {k: v for k, v in spec.items() if k not in ("args", "official")}
    slow = spec["consumer"] == "slow"
    cell["runs"] = runs
    cell["variants"] = _cell(
        spec["args"],
        calls=spec["calls"],
        slow=slow,
        runs=runs,
        official=spec["official"],
        names=names,
    )
    return cell


ZERO_MS_RUNS = 4
"""The 0 ms fast cells run this many times more: there the server holds one request at a
time whatever the depth (every variant lists alike), so the ratios between variants are
noise (0.8-1.2x in 7 runs), and a few more runs of 0.2 s each bring their medians together."""


def _runs(spec: dict[str, Any], runs: int) -> int:
    zero = spec["delay_ms"] == 0 and spec["consumer"] == "fast"
    return runs * ZERO_MS_RUNS if zero else runs


def measure(*, runs: int = 3, quick: bool = False) -> dict[str, Any]:
    cells = [_measure_cell(spec, _runs(spec, runs)) for spec in _specs(quick)]
    return {"size": SIZE, "slow_ms_per_item": SLOW_MS_PER_ITEM, "cells": cells}


def main(argv: list[str] | None = None) -> None:
    """Some cells, fewer rounds, some variants: for tuning. Prints; writes nothing.

    ``python -m benchmarks.autodepth --delay 50 --consumer fast --runs 2 --variants auto,32``
    """
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--delay", type=int, action="append", help="ms a page (repeatable)")
    parser.add_argument("--consumer", choices=("fast", "slow"))
    parser.add_argument("--totals", choices=("exact", "estimated"))
    parser.add_argument(
        "--server", choices=("uncapped", "capped", "retry-after"), help="capped: 429 above 4"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer calls a cell")
    parser.add_argument("--variants", help="comma-separated: auto,1,4,8,16,32 (default all)")
    args = parser.parse_args(argv)
    names: list[Any] | None = None
    if args.variants:
        names = [v if v == "auto" else int(v) for v in args.variants.split(",")]
    for spec in _specs(args.quick):
        server = (
            "uncapped"
            if spec["cap"] is None
            else "retry-after"
            if spec.get("retry_after")
            else "capped"
        )
        if (
            (args.delay and spec["delay_ms"] not in args.delay)
            or (args.consumer and spec["consumer"] != args.consumer)
            or (args.totals and spec["totals"] != args.totals)
            or (args.server and server != args.server)
        ):
            continue
        cell = _measure_cell({**spec, "official": False}, args.runs, names)
        variants = cell["variants"]
        fixed = [v for k, v in variants.items() if k != "auto" and v["refused_max"] == 0]
        best = max((v["items_per_s"] for v in fixed), default=math.nan)
        print(
            f"{spec['delay_ms']} ms {spec['consumer']} {spec['totals']} {server}"
            f" ({spec['calls']} calls, {args.runs} runs)",
            flush=True,
        )
        for name, v in variants.items():
            print(
                f"  {name:>5}: {v['items_per_s']:9,.0f} items/s  x{v['items_per_s'] / best:.2f}"
                f" of best fixed  peak {v['peak_max']:>2}  refused {v['refused_max']:>3}"
                f"  depth_max {v['depth_max']}",
                flush=True,
            )


if __name__ == "__main__":
    main()

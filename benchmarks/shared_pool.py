"""Scenario: gets on one client whose pool deep-prefetching listings share (a web worker).

``python -m benchmarks.shared_pool`` (under ``flock /work/wt/bench.lock``). The fake server
runs in its own process with ``--latency-ms`` on every answer; ``--listings`` pagers (size
100, ``--prefetch`` deep) list every call over and over on one client (default pool: 100
connections) while ``--gets`` gets are issued one every ``--interval-ms``. Prints the gets'
latency percentiles and the listings' items/s as JSON. A measurement, never an assertion.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import vocode_async
from vocode_async import AsyncVocode

from ._server import API_KEY, fake_server


async def _list_forever(client: AsyncVocode, prefetch: int, items: list[int]) -> None:
    while True:
        async for _ in client.calls.list(size=100, prefetch=prefetch):
            items[0] += 1


async def _timed_get(client: AsyncVocode, call_id: str, took: list[float]) -> None:
    started = time.perf_counter()
    await client.calls.get(call_id)
    took.append(time.perf_counter() - started)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace, url: str) -> dict[str, object]:
    async with AsyncVocode(api_key=API_KEY, base_url=url, timeout=300) as client:
        ids = [call.id async for call in client.calls.list(size=100, max_items=100)]
        took: list[float] = []
        items = [0]
        listings = [
            asyncio.create_task(_list_forever(client, args.prefetch, items))
            for _ in range(args.listings)
        ]
        await asyncio.sleep(1.0)  # the listings are under way and the pool is busy
        started, before = time.perf_counter(), items[0]
        gets = []
        for i in range(args.gets):
            gets.append(asyncio.create_task(_timed_get(client, ids[i % len(ids)], took)))
            await asyncio.sleep(args.interval_ms / 1000)
        await asyncio.gather(*gets)
        elapsed = time.perf_counter() - started
        listed = items[0] - before
        for task in listings:
            task.cancel()
        await asyncio.gather(*listings, return_exceptions=True)
    ms = [t * 1000 for t in took]
    return {
        "code": "listing share" if hasattr(vocode_async, "_gate") else "one pool, no share",
        "listings": args.listings,
        "prefetch": args.prefetch,
        "gets": len(ms),
        "get_ms_p50": round(statistics.median(ms), 1),
        "get_ms_p99": round(_percentile(ms, 0.99), 1),
        "get_ms_max": round(max(ms), 1),
        "listed_items_per_s": round(listed / elapsed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=50)
    parser.add_argument("--prefetch", type=int, default=8)
    parser.add_argument("--gets", type=int, default=300)
    parser.add_argument("--interval-ms", type=float, default=20.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    with fake_server(calls=args.calls, latency_ms=args.latency_ms) as url:
        result = asyncio.run(run(args, url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

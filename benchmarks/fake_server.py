"""Scenario: how fast the fake serves 100-item pages (it must not be what a benchmark measures).

Raw aiohttp clients in this process, the server in its own (`vocode-async serve`); every
page of a 20,000-call listing, sequentially and with 8 requests in flight.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import aiohttp

from ._server import API_KEY, fake_server


async def _walk(url: str, pages: int, concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    queue = list(range(1, pages + 1))
    async with aiohttp.ClientSession(headers=headers) as session:

        async def worker() -> None:
            while queue:
                page = queue.pop()
                params = {"page": page, "size": 100}
                async with session.get(f"{url}/v1/calls/list", params=params) as resp:
                    await resp.read()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start


def measure(*, calls: int = 20_000, runs: int = 5) -> dict[str, Any]:
    pages = calls // 100
    samples: dict[str, list[float]] = {"sequential": [], "8 in flight": []}
    with fake_server(calls=calls, latency_ms=0) as url:
        asyncio.run(_walk(url, pages, 8))  # warm the page cache, as a long benchmark would
        for _ in range(runs):
            samples["sequential"].append(asyncio.run(_walk(url, pages, 1)))
            samples["8 in flight"].append(asyncio.run(_walk(url, pages, 8)))
    out: dict[str, Any] = {"pages": pages, "runs": runs, "variants": {}}
    for name, values in samples.items():
        median = statistics.median(values)
        out["variants"][name] = {"median_s": median, "pages_per_s": pages / median}
    return out

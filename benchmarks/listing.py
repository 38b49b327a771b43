"""Scenario: list every call through a server with latency, with a consumer cost per page.

Variants run interleaved (one run of each, then the next round), so machine drift hits all
of them alike; the figure reported is the median of the rounds.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from vocode_async import AsyncVocode

from ._server import API_KEY, fake_server

Consumer = Callable[[], Awaitable[None]]


def consumer(kind: str, cost_ms: float) -> Consumer:
    """What the caller does with each page: nothing, awaited I/O, or CPU work."""

    async def none() -> None:
        return None

    async def io() -> None:
        await asyncio.sleep(cost_ms / 1000)

    async def cpu() -> None:
        end = time.perf_counter() + cost_ms / 1000
        while time.perf_counter() < end:
            pass

    return {"none": none, "io": io, "cpu": cpu}[kind]


async def run_vocode_async(url: str, *, size: int, prefetch: int, per_page: Consumer) -> int:
    async with AsyncVocode(api_key=API_KEY, base_url=url) as client:
        count = 0
        async with client.calls.list(size=size, prefetch=prefetch) as pager:
            async for page in pager.pages():
                count += len(page.items)
                await per_page()
        return count


async def run_official(url: str, *, size: int, per_page: Consumer) -> int:
    """The official SDK (`vocode-api`): the page loop users write by hand with it."""
    from vocode.client import AsyncVocode as OfficialVocode

    client = OfficialVocode(token=API_KEY, base_url=url)
    count, page = 0, 1
    while True:
        result = await client.calls.list_calls(page=page, size=size)
        count += len(result.items)
        await per_page()
        if not result.has_more:
            return count
        page += 1


async def run_raw_aiohttp(url: str, *, size: int, per_page: Consumer) -> int:
    """A hand-written aiohttp + orjson page loop into plain dicts (no models, no checks)."""
    import aiohttp
    import orjson

    headers = {"Authorization": f"Bearer {API_KEY}"}
    count, page = 0, 1
    async with aiohttp.ClientSession(headers=headers) as session:
        while True:
            params = {"page": str(page), "size": str(size)}
            async with session.get(f"{url}/v1/calls/list", params=params) as resp:
                data = orjson.loads(await resp.read())
            count += len(data["items"])
            await per_page()
            if not data["has_more"]:
                return count
            page += 1


FULL_VARIANTS: dict[str, Callable[..., Awaitable[int]]] = {
    "official SDK": run_official,
    "raw aiohttp": run_raw_aiohttp,
    "prefetch=0": lambda url, **kw: run_vocode_async(url, prefetch=0, **kw),
    "prefetch=1": lambda url, **kw: run_vocode_async(url, prefetch=1, **kw),
    "prefetch=4": lambda url, **kw: run_vocode_async(url, prefetch=4, **kw),
}

VARIANTS: dict[str, Callable[..., Awaitable[int]]] = {
    "prefetch=0": lambda url, **kw: run_vocode_async(url, prefetch=0, **kw),
    "prefetch=1": lambda url, **kw: run_vocode_async(url, prefetch=1, **kw),
    "prefetch=4": lambda url, **kw: run_vocode_async(url, prefetch=4, **kw),
}


def measure(
    *,
    calls: int,
    size: int,
    latency_ms: float,
    kind: str,
    cost_ms: float,
    runs: int,
    variants: dict[str, Callable[..., Awaitable[int]]] | None = None,
) -> dict[str, Any]:
    """Median seconds and items/s per variant, with ratios to the ideal bound."""
    chosen = variants or VARIANTS
    times: dict[str, list[float]] = {name: [] for name in chosen}
    cpu: dict[str, list[float]] = {name: [] for name in chosen}  # this process only
    per_page = consumer(kind, cost_ms)
    with fake_server(calls=calls, latency_ms=latency_ms) as url:
        for _ in range(runs):
            for name, variant in chosen.items():
                start, used = time.perf_counter(), time.process_time()
                got = asyncio.run(variant(url, size=size, per_page=per_page))
                times[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - used)
                if got != calls:
                    raise AssertionError(f"{name} listed {got} of {calls} calls")
    pages = math.ceil(calls / size)
    ideal = pages * max(latency_ms, cost_ms if kind != "none" else 0) / 1000
    result: dict[str, Any] = {
        "calls": calls,
        "size": size,
        "latency_ms": latency_ms,
        "consumer": kind,
        "cost_ms": cost_ms if kind != "none" else 0,
        "runs": runs,
        "pages": pages,
        "ideal_s": ideal,
        "ideal_prefetch4_s": pages * latency_ms / 4000,
        "variants": {},
    }
    for name, samples in times.items():
        median = statistics.median(samples)
        result["variants"][name] = {
            "median_s": median,
            "samples_s": samples,
            "items_per_s": calls / median,
            "ratio_to_ideal": median / ideal if ideal else None,
            "client_cpu_us_per_item": statistics.median(cpu[name]) / calls * 1e6,
        }
    return result

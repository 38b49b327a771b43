"""Scenario: per-request overhead, sequential `calls.get` at 0 ms latency, vs raw aiohttp."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import aiohttp
import orjson

from vocode_async import AsyncVocode

from ._server import API_KEY, fake_server


async def _first_id(url: str) -> str:
    async with AsyncVocode(api_key=API_KEY, base_url=url) as client:
        page = await client.calls.list(size=1)
        return page.items[0].id


async def ours(url: str, call_id: str, n: int) -> float:
    async with AsyncVocode(api_key=API_KEY, base_url=url) as client:
        start = time.perf_counter()
        for _ in range(n):
            await client.calls.get(call_id)
        return time.perf_counter() - start


async def raw(url: str, call_id: str, n: int) -> float:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        start = time.perf_counter()
        for _ in range(n):
            async with session.get(f"{url}/v1/calls", params={"id": call_id}) as resp:
                orjson.loads(await resp.read())
        return time.perf_counter() - start


def measure(*, n: int = 5000, runs: int = 5) -> dict[str, Any]:
    samples: dict[str, list[float]] = {"vocode_async": [], "raw aiohttp": []}
    with fake_server(calls=1000, latency_ms=0) as url:
        call_id = asyncio.run(_first_id(url))
        for _ in range(runs):
            samples["vocode_async"].append(asyncio.run(ours(url, call_id, n)))
            samples["raw aiohttp"].append(asyncio.run(raw(url, call_id, n)))
    out: dict[str, Any] = {"requests": n, "runs": runs, "variants": {}}
    for name, values in samples.items():
        median = statistics.median(values)
        out["variants"][name] = {"median_s": median, "requests_per_s": n / median}
    return out

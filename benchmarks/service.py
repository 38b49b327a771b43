"""Scenario ``service``: the SDK inside a web worker, one shared client, vs raw aiohttp.

A web service embeds one client and its handlers await ``calls.get`` for whoever calls
them. Here the callers are tasks of this (the worker's) process, each awaiting its request
in turn, against the fake server in its own process at 0 ms latency: what is measured is
the worker's own CPU and latency, the server's cost is the same for both variants.

* CPU per ``calls.get``, sequential: rounds of ``per_round`` calls, the two variants
  interleaved round by round; the ratio is the median of the per-round ratios (a busy
  machine hits both alike within a round).
* ``N`` concurrent callers: requests/s, latency p50/p99 and CPU per request, each variant
  ``runs`` times interleaved, medians.

Raw aiohttp is one ``ClientSession`` and ``orjson.loads`` of the body (no models, no
checks); vocode_async decodes each full call (agent inline) into strict models.
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

Get = Callable[[], Awaitable[object]]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _callers(get: Get, callers: int, total: int) -> dict[str, float]:
    """``callers`` tasks sharing ``total`` requests; wall and CPU time, latency quantiles."""
    latencies: list[float] = []
    left = [total]

    async def caller() -> None:
        while left[0] > 0:
            left[0] -= 1
            start = time.perf_counter()
            await get()
            latencies.append(time.perf_counter() - start)

    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(caller() for _ in range(callers)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "requests_per_s": total / wall,
        "cpu_us": cpu / total * 1e6,
        "p50_ms": _quantile(latencies, 0.50) * 1000,
        "p99_ms": _quantile(latencies, 0.99) * 1000,
    }


async def _measure(
    url: str, *, per_round: int, rounds: int, concurrency: tuple[int, ...], total: int, runs: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with (
        AsyncVocode(api_key=API_KEY, base_url=url) as client,
        aiohttp.ClientSession(headers=headers) as session,
    ):
        call_id = (await client.calls.list(size=1)).items[0].id

        async def ours() -> object:
            return await client.calls.get(call_id)

        async def raw() -> object:
            async with session.get(f"{url}/v1/calls", params={"id": call_id}) as resp:
                return orjson.loads(await resp.read())

        variants: dict[str, Get] = {"vocode_async": ours, "raw aiohttp": raw}
        for get in variants.values():  # warm up: connections, generated decoders
            for _ in range(200):
                await get()
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(rounds):
            for name, get in variants.items():
                used = time.process_time()
                for _ in range(per_round):
                    await get()
                cpu[name].append((time.process_time() - used) / per_round * 1e6)
        ratios = [o / r for o, r in zip(cpu["vocode_async"], cpu["raw aiohttp"], strict=True)]
        sequential = {
            "per_round": per_round,
            "rounds": rounds,
            "cpu_us": {name: statistics.median(v) for name, v in cpu.items()},
            "ratio": statistics.median(ratios),
            "ratio_quartiles": statistics.quantiles(ratios)[::2],
        }
        concurrent: dict[str, Any] = {}
        for callers in concurrency:
            samples: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
            for _ in range(runs):
                for name, get in variants.items():
                    samples[name].append(await _callers(get, callers, total))
            concurrent[str(callers)] = {
                name: {key: statistics.median(s[key] for s in runs_) for key in runs_[0]}
                for name, runs_ in samples.items()
            }
    return {"sequential": sequential, "concurrent": concurrent}


def measure(
    *,
    per_round: int = 500,
    rounds: int = 15,
    concurrency: tuple[int, ...] = (1, 200, 1000),
    total: int = 4000,
    runs: int = 5,
) -> dict[str, Any]:
    with fake_server(calls=1000, latency_ms=0) as url:
        result = asyncio.run(
            _measure(
                url,
                per_round=per_round,
                rounds=rounds,
                concurrency=concurrency,
                total=total,
                runs=runs,
            )
        )
    result["total"], result["runs"] = total, runs
    return result


def table(r: dict[str, Any]) -> str:
    seq = r["sequential"]
    cpu = seq["cpu_us"]
    q1, q3 = seq["ratio_quartiles"]
    rows = [
        "CPU per `calls.get`, sequential, 0 ms upstream: "
        f"vocode_async {cpu['vocode_async']:.0f} us, "
        f"raw aiohttp + orjson {cpu['raw aiohttp']:.0f} us: **{seq['ratio']:.2f}x** (median of "
        f"{seq['rounds']} interleaved rounds of {seq['per_round']}; quartiles {q1:.2f}-{q3:.2f}).",
        "",
        f"{r['total']:,} requests shared by N concurrent callers (tasks of the worker); "
        f"median of {r['runs']} interleaved runs.",
        "",
        "| callers | variant | requests/s | vs raw | p50 ms | p99 ms | p99 vs raw "
        "| CPU per request |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for callers, variants in r["concurrent"].items():
        raw = variants["raw aiohttp"]
        for name, v in variants.items():
            rows.append(
                f"| {callers} | {name} | {v['requests_per_s']:,.0f} | "
                f"{v['requests_per_s'] / raw['requests_per_s']:.2f}x | {v['p50_ms']:.1f} | "
                f"{v['p99_ms']:.1f} | {v['p99_ms'] / raw['p99_ms']:.2f}x | {v['cpu_us']:.0f} us |"
            )
    return "\n".join(rows)

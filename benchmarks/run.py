"""Benchmark runner: JSON in benchmarks/results/, a PNG chart, tables in benchmarks/README.md.

    python -m benchmarks.run all                 # everything (about 30 minutes)
    python -m benchmarks.run prefetch listing    # chosen scenarios
    python -m benchmarks.run listing --quick     # fewer calls and runs, for a smoke test
    python -m benchmarks.run service loop-lag    # the SDK in a web worker, vs raw aiohttp

Scenarios: auto (issue 20: prefetch="auto", the default, against fixed depths 1-32 over page
delays, consumers, totals and a server capped at 4 requests), prefetch (issue 2's), listing
(vs the official SDK and raw aiohttp), estimated and drift (issue 15: fan-out on estimated
totals, exact listing under drift), cpu (0 ms: prefetch=1 vs raw aiohttp), decode, memory,
overhead, import, fake, sync (issue 21: the blocking client against the async one, and 32
threads against the official sync client); and the worker scenarios (one module each, with
its own table: see WORKER): service, loop-lag. The official SDK is `vocode-api` from PyPI;
`nox -s bench` installs it (it is never a dependency of vocode_async).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from benchmarks import (
    autodepth,
    decode,
    drift,
    fake_server,
    importtime,
    listing,
    looplag,
    memory,
    overhead,
    service,
    sync,
)
from benchmarks.report import chart, tables

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SCENARIOS = (
    "prefetch",
    "listing",
    "estimated",
    "drift",
    "cpu",
    "decode",
    "memory",
    "overhead",
    "import",
    "fake",
    "sync",
    "auto",
)


class Worker:
    """A scenario of the SDK inside a service (a module with ``measure`` and ``table``)."""

    def __init__(self, run: Callable[[bool], Any], table: Callable[[Any], str]) -> None:
        self.run, self.table = run, table


# Worker scenarios, by name; one line each (a ``ratelimit`` scenario plugs in here too).
WORKER: dict[str, Worker] = {
    "service": Worker(
        lambda quick: service.measure(
            per_round=200 if quick else 500,
            rounds=5 if quick else 15,
            total=1000 if quick else 4000,
            runs=2 if quick else 5,
        ),
        service.table,
    ),
    "loop-lag": Worker(
        lambda quick: looplag.measure(
            listings=20 if quick else 100,
            pages=10 if quick else 50,
            lag_calls=4000 if quick else 20_000,
            runs=2 if quick else 5,
        ),
        looplag.table,
    ),
}


def run_scenario(name: str, quick: bool) -> Any:
    if name in WORKER:
        return WORKER[name].run(quick)
    runs = 3 if quick else 5
    if name == "prefetch":
        return listing.measure(
            calls=2_000 if quick else 20_000,
            size=100,
            latency_ms=50,
            kind="io",
            cost_ms=30,
            runs=runs,
        )
    if name == "listing":
        cells = []
        for latency in (0, 20, 50):
            for kind in ("none", "io", "cpu"):
                cells.append(
                    listing.measure(
                        calls=2_000 if quick else 20_000,
                        size=100,
                        latency_ms=latency,
                        kind=kind,
                        cost_ms=30,
                        runs=runs,
                        variants=listing.FULL_VARIANTS,
                    )
                )
        return cells
    if name == "estimated":
        return drift.measure_estimated(calls=2_000 if quick else 4_000, runs=runs)
    if name == "drift":
        return drift.measure_drift(calls=1_500 if quick else 3_000, runs=runs)
    if name == "cpu":  # short runs (0.1-0.2 s each): two more rounds for a steadier median
        return listing.measure(
            calls=5_000 if quick else 20_000,
            size=100,
            latency_ms=0,
            kind="none",
            cost_ms=0,
            runs=runs + 2,
            variants={
                "raw aiohttp": listing.FULL_VARIANTS["raw aiohttp"],
                **listing.VARIANTS,
            },
        )
    if name == "decode":
        return decode.measure(repeats=200 if quick else 2000, runs=runs)
    if name == "memory":
        return memory.measure(
            small=5_000 if quick else 50_000, large=50_000 if quick else 1_000_000
        )
    if name == "overhead":
        return overhead.measure(n=500 if quick else 5000, runs=runs)
    if name == "auto":
        return autodepth.measure(runs=runs - 2, quick=quick)
    if name == "fake":
        return fake_server.measure(calls=5_000 if quick else 20_000, runs=runs)
    if name == "sync":
        return sync.measure(quick=quick)
    return importtime.measure(runs=5 if quick else 15)


def update_readme(sections: dict[str, str]) -> None:
    readme = HERE / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    for name, table in sections.items():
        begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
        block = f"{begin}\n{table}\n{end}"
        if begin in text:
            start, stop = text.index(begin), text.index(end) + len(end)
            text = text[:start] + block + text[stop:]
        else:
            text += f"\n{block}\n"
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenarios", nargs="+", choices=(*SCENARIOS, *WORKER, "all"))
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    args = parser.parse_args()
    chosen = (*SCENARIOS, *WORKER) if "all" in args.scenarios else tuple(args.scenarios)
    RESULTS.mkdir(exist_ok=True)
    env = {"python": platform.python_version(), "machine": platform.machine(), "quick": args.quick}
    sections = {}
    for name in chosen:
        print(f"== {name}", flush=True)
        result = {"env": env, "result": run_scenario(name, args.quick)}
        suffix = "-quick" if args.quick else ""
        (RESULTS / f"{name}{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
        table = WORKER[name].table if name in WORKER else tables[name]
        sections[name] = table(result["result"])
        print(sections[name], flush=True)
        if name == "listing":
            chart(result["result"], RESULTS / f"listing{suffix}.png")
    if not args.quick:
        update_readme(sections)


if __name__ == "__main__":
    main()

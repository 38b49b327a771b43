"""Benchmark runner: writes benchmarks/results/<scenario>.json and prints a markdown table.

python -m benchmarks.run prefetch            # issue 2's scenario (about 3 minutes)
python -m benchmarks.run prefetch --runs 5
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from benchmarks.listing import measure

RESULTS = Path(__file__).resolve().parent / "results"


def prefetch_table(result: dict[str, Any]) -> str:
    rows = [
        f"Listing {result['calls']:,} calls, {result['size']} per page, latency "
        f"{result['latency_ms']:g} ms, consumer {result['consumer']} "
        f"{result['cost_ms']:g} ms/page; "
        f"median of {result['runs']} interleaved runs. Ideal = pages x max(latency, consumer) = "
        f"{result['ideal_s']:.2f} s.",
        "",
        "| variant | median s | items/s | x ideal | speed-up vs prefetch=0 |",
        "|---|---:|---:|---:|---:|",
    ]
    base = result["variants"]["prefetch=0"]["median_s"]
    for name, v in result["variants"].items():
        rows.append(
            f"| {name} | {v['median_s']:.2f} | {v['items_per_s']:,.0f} | "
            f"{v['ratio_to_ideal']:.3f} | {base / v['median_s']:.2f}x |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=["prefetch"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    result = measure(
        calls=args.calls, size=100, latency_ms=50, kind="io", cost_ms=30, runs=args.runs
    )
    result["python"] = platform.python_version()
    result["machine"] = platform.machine()
    (RESULTS / f"{args.scenario}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(prefetch_table(result))


if __name__ == "__main__":
    main()

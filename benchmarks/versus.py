"""Listing speed and CPU of this checkout against another (a refactor's "holds within noise").

    git worktree add --detach /tmp/old <commit>
    python -m benchmarks.versus /tmp/old --rounds 5

The list server (benchmarks/listserver.py) runs in its own process at 0 ms (prefetch=1) and
20 ms (prefetch=4), 10,000 calls; each round lists once with each checkout, interleaved, each
in a fresh process importing vocode_async from its own tree. Prints medians: items/s and client
CPU per item, and new/old ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks._server import API_KEY, child_server

HERE = Path(__file__).resolve().parent
CALLS = 10_000
CELLS = ((0, 1), (20, 4))  # latency ms, prefetch

ONE = """
import asyncio, json, sys, time
from vocode_async import AsyncVocode

async def main():
    async with AsyncVocode(api_key=sys.argv[1], base_url=sys.argv[2]) as client:
        wall, cpu, n = time.perf_counter(), time.process_time(), 0
        async for _ in client.calls.list(size=100, prefetch=int(sys.argv[3])):
            n += 1
        print(json.dumps({"n": n, "wall": time.perf_counter() - wall,
                          "cpu": time.process_time() - cpu}))

asyncio.run(main())
"""


def _one(tree: Path, url: str, prefetch: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", ONE, API_KEY, url, str(prefetch)],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    assert result["n"] == CALLS, result
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the other checkout (a worktree)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = {"old": args.old.resolve(), "new": HERE.parent}
    for latency, prefetch in CELLS:
        runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        with child_server(
            "benchmarks.listserver", "--calls", str(CALLS), "--latency-ms", str(latency)
        ) as url:
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    runs[name].append(_one(tree, url, prefetch))
        rate = {k: statistics.median(CALLS / r["wall"] for r in v) for k, v in runs.items()}
        cpu = {k: statistics.median(r["cpu"] / CALLS * 1e6 for r in v) for k, v in runs.items()}
        print(
            f"{latency} ms, prefetch={prefetch}: old {rate['old']:,.0f}/s {cpu['old']:.1f} us, "
            f"new {rate['new']:,.0f}/s {cpu['new']:.1f} us: items/s "
            f"{rate['new'] / rate['old']:.2f}x, CPU per item {cpu['new'] / cpu['old']:.2f}x"
        )


if __name__ == "__main__":
    main()

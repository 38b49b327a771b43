"""Scenario: peak RSS (VmHWM) of a fresh process streaming N calls from a server process."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from ._server import API_KEY, fake_server

CHILD = """
import asyncio, json, sys
from vocode_async import AsyncVocode


def peak_kib():
    # VmHWM is this process image's own peak. ru_maxrss is not: after fork+exec it keeps
    # the parent's high-water mark.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")

async def main(url, n, prefetch):
    seen = 0
    async with AsyncVocode(api_key=sys.argv[4], base_url=url) as client:
        async with client.calls.list(size=100, prefetch=prefetch) as pager:
            async for call in pager:
                seen += 1
                if seen >= n:
                    break
    return seen

seen = asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
print(json.dumps({"seen": seen, "max_rss_kib": peak_kib()}))
"""


def peak_rss(url: str, n: int, prefetch: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(n), str(prefetch), API_KEY],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout))


def measure(*, small: int = 50_000, large: int = 1_000_000) -> dict[str, Any]:
    out: dict[str, Any] = {"small": small, "large": large, "variants": {}}
    with fake_server(calls=large, latency_ms=0) as url:
        for prefetch in (1, 4):
            rows = {n: peak_rss(url, n, prefetch) for n in (small, large)}
            for n, row in rows.items():
                if row["seen"] != n:
                    raise AssertionError(f"streamed {row['seen']} of {n}")
            mib_small = rows[small]["max_rss_kib"] / 1024
            mib_large = rows[large]["max_rss_kib"] / 1024
            out["variants"][f"prefetch={prefetch}"] = {
                "rss_small_mib": mib_small,
                "rss_large_mib": mib_large,
                "ratio": mib_large / mib_small,
            }
    return out


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))

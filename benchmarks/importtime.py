"""Scenario: import time in fresh processes (median of repeated runs)."""

from __future__ import annotations

import statistics
import subprocess
import sys
from typing import Any

PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def measure(*, runs: int = 15) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": runs, "variants": {}}
    for label, module in (("vocode_async", "vocode_async"), ("official SDK", "vocode.client")):
        values = []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-c", PROBE.format(module=module)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                break
            values.append(float(done.stdout))
        if values:
            out["variants"][label] = {"median_ms": statistics.median(values) * 1000}
    return out

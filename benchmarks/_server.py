"""Start the fake Vocode server in a separate process for benchmarks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

API_KEY = "bench-key"


@contextmanager
def fake_server(*, calls: int, latency_ms: float) -> Iterator[str]:
    """Run `vocode-async serve` in a child process; yield its base URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vocode_async.cli",
            "serve",
            "--port",
            "0",
            "--api-key",
            API_KEY,
            "--calls",
            str(calls),
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"fake server did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)

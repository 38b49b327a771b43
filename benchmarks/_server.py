"""Start the fake Vocode server in a separate process for benchmarks."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

API_KEY = "bench-key"


@contextmanager
def child_server(*command: str) -> Iterator[str]:
    """Run ``python -m <command>`` (a server that prints its URL first); yield the URL."""
    proc = subprocess.Popen([sys.executable, "-m", *command], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"{command[0]} did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def fake_server(*, calls: int, latency_ms: float) -> contextlib.AbstractContextManager[str]:
    """Run `vocode-async serve` in a child process; yield its base URL."""
    return child_server(
        *("vocode_async.cli", "serve", "--port", "0", "--api-key", API_KEY),
        *("--calls", str(calls), "--latency-ms", str(latency_ms)),
    )

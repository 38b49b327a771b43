"""Shared fixtures. Every test runs with a leak check: no task left, no loop error."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from vocode_async import AsyncVocode, RetryPolicy
from vocode_async.testing import FakeVocodeServer

API_KEY = "sk-canary-7f3c9e1d-do-not-leak"
FAST = RetryPolicy(max_retries=2, initial_wait=0.0)


def spec_path() -> Path | None:
    """The OpenAPI spec beside the repo (or $VOCODE_OPENAPI_SPEC), if present."""
    env = os.environ.get("VOCODE_OPENAPI_SPEC")
    candidate = (
        Path(env) if env else Path(__file__).resolve().parents[2] / "shared/vocode-openapi.json"
    )
    return candidate if candidate.is_file() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# A job started in the background (`cmd &` in a script, nohup) inherits SIGINT ignored, and
# its children inherit that in turn, so a child that a test signals starts through this
# prefix, which restores the default handling of SIGINT and SIGTERM and then execs the
# command. (Not preexec_fn: it is unsafe in a process with threads, such as the fake's.)
_DEFAULT_SIGNALS = (
    "import os, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
    "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def signalable(command: list[str]) -> list[str]:
    """``command`` with default signal handling, whatever the test run inherited."""
    return [sys.executable, "-c", _DEFAULT_SIGNALS, *command]


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Children started within inherit SIGINT ignored, as in a background job."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def acquired(client: AsyncVocode) -> int:
    """Connections the client's pool has handed out and not had back."""
    session = client._requester.core.transport.session
    if session is None or session.connector is None:
        return 0
    return len(session.connector._acquired)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
async def no_leaks() -> AsyncIterator[list[str]]:
    """Fail a test that leaves a task running or makes the loop report an error."""
    loop = asyncio.get_running_loop()
    messages: list[str] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: messages.append(str(ctx.get("message"))))
    yield messages
    for _ in range(5):
        await asyncio.sleep(0)
    gc.collect()
    await asyncio.sleep(0.01)
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    loop.set_exception_handler(previous)
    assert not left, f"tasks left running: {left}"
    assert not messages, f"event loop reported: {messages}"


@pytest.fixture
async def server() -> AsyncIterator[FakeVocodeServer]:
    async with FakeVocodeServer(api_key=API_KEY, calls=2500, seed=7) as srv:
        yield srv


@pytest.fixture
async def client(server: FakeVocodeServer) -> AsyncIterator[AsyncVocode]:
    async with server.client(retry_policy=FAST) as c:
        yield c


def make_client(server: FakeVocodeServer, **kwargs: Any) -> AsyncVocode:
    kwargs.setdefault("retry_policy", FAST)
    return server.client(**kwargs)


@contextmanager
def serve(calls: int, faults: list[str], *, api_key: str, seed: int = 0) -> Iterator[str]:
    """`vocode-async serve` in a child process; yields its URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "vocode_async.cli",
        "serve",
        "--port",
        str(port),
        "--api-key",
        api_key,
        "--calls",
        str(calls),
        "--seed",
        str(seed),
    ]
    for fault in faults:
        command += ["--fault", fault]
    proc = subprocess.Popen(signalable(command), stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1"), url
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()


@asynccontextmanager
async def running(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1; yield its base URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()

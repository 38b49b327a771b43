"""vocode-async: export calls, or serve the fake API.

Exit codes: 0 ok, 1 API or network error, 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import click

from .._client import AsyncVocode
from .._errors import ConfigError, VocodeError
from ..testing import FakeVocodeServer, Fault
from ._export import export_calls

__all__ = ["main"]

T = TypeVar("T")
DEMO_CALLS = 10_000


def _run(job: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; turn our errors into one line on stderr and the documented codes."""
    try:
        return asyncio.run(job())  # type: ignore[arg-type]
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except VocodeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


@click.group()
@click.version_option(package_name="vocode-async")
def main() -> None:
    """The Vocode Hosted API from the command line."""


@main.group()
def calls() -> None:
    """Phone calls."""


@calls.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write, one JSON object per line.",
)
@click.option(
    "--demo", is_flag=True, help=f"Run against an embedded fake with {DEMO_CALLS:,} calls."
)
@click.option(
    "--size", default=100, show_default=True, type=click.IntRange(1, 1000), help="Calls per page."
)
@click.option(
    "--prefetch",
    default=2,
    show_default=True,
    type=click.IntRange(0, 16),
    help="Page requests kept in flight ahead of the writer.",
)
@click.option("--api-key", envvar="VOCODE_API_KEY", help="API key (default: $VOCODE_API_KEY).")
@click.option("--base-url", envvar="VOCODE_BASE_URL", help="API base URL.")
def export(
    out: Path, demo: bool, size: int, prefetch: int, api_key: str | None, base_url: str | None
) -> None:
    """Export every call as JSON Lines (written atomically)."""

    if not demo and not api_key:
        raise click.UsageError(
            "no API key: pass --api-key, set VOCODE_API_KEY, or try --demo for the embedded fake"
        )

    target = out.resolve()

    async def job() -> int:
        async with AsyncExitStack() as stack:
            kwargs: dict[str, Any] = {"api_key": api_key, "base_url": base_url}
            if demo:
                server = await stack.enter_async_context(
                    FakeVocodeServer(api_key="demo-key", calls=DEMO_CALLS, seed=0)
                )
                kwargs = {"api_key": server.api_key, "base_url": server.url}
            client = await stack.enter_async_context(AsyncVocode(**kwargs))
            return await export_calls(client, target, size=size, prefetch=prefetch)

    count = _run(job)
    click.echo(f"wrote {count} calls to {out}", err=True)


def _faults(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[Fault]:
    try:
        return [Fault.parse(text) for text in value]
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--api-key", default="test-key", show_default=True)
@click.option("--calls", "n_calls", default=1000, show_default=True, type=click.IntRange(0))
@click.option("--latency-ms", default=0.0, show_default=True, type=click.FloatRange(0))
@click.option(
    "--jitter-ms",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Extra random latency.",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    callback=_faults,
    metavar="KIND[:key=value,...]",
    help="Inject a fault (repeatable), e.g. 'status:status=500,rate=0.05', "
    "'rate_limit:path=/v1/calls/list,retry_after=2', 'reset:rate=0.01', 'html_502:times=3'.",
)
def serve(
    host: str,
    port: int,
    api_key: str,
    n_calls: int,
    latency_ms: float,
    jitter_ms: float,
    seed: int,
    faults: list[Fault],
) -> None:
    """Serve the fake Vocode API until interrupted (prints its URL first)."""

    async def job() -> None:
        server = FakeVocodeServer(
            api_key=api_key,
            calls=n_calls,
            seed=seed,
            latency=latency_ms / 1000,
            jitter=jitter_ms / 1000,
            host=host,
            port=port,
        )
        for fault in faults:
            server.faults.add(fault)
        async with server:
            click.echo(server.url, nl=True)
            sys.stdout.flush()
            await asyncio.Event().wait()

    _run(job)

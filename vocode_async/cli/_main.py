"""vocode-async: export calls, read every group, place and end calls, serve the fake API.

Exit codes: 0 ok, 1 API or network error, 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from .._pagedepth import DEFAULT_MAX_PREFETCH, DEFAULT_PREFETCH, Prefetch
from .._version import __version__
from ..testing import FakeVocodeServer, Fault
from ._export import ExportOptions, export_calls, locked, prepare, saved_count
from ._groups import add_call_verbs, add_group_commands, add_usage
from ._options import Settings, api_command, open_client, run
from ._progress import Progress

__all__ = ["main"]


class _Commands(click.Group):
    """Groups are spelled with hyphens (``vector-databases``); the Python spelling works too."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name.replace("_", "-"))


def _prefetch(ctx: click.Context, param: click.Parameter, value: str) -> Prefetch:
    """``auto``, or a fixed number of requests in flight (0 to the deepest ``auto`` goes)."""
    text = value.strip().lower()
    if text == "auto":
        return "auto"
    if not text.isascii() or not text.isdigit():
        raise click.BadParameter(f"{value!r} is neither auto nor a whole number")
    number = int(text)
    if number > DEFAULT_MAX_PREFETCH:
        raise click.BadParameter(f"{number} is not in the range 0-{DEFAULT_MAX_PREFETCH}")
    return number


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="vocode-async")
def main() -> None:
    """The Vocode Hosted API from the command line.

    Key and base URL from --api-key/--base-url or VOCODE_API_KEY/VOCODE_BASE_URL; --demo runs
    any command against an embedded fake. Exit codes: 0 ok, 1 API or network error, 2 usage
    error, 130 interrupted.
    """


_GROUPS = add_group_commands(main)
add_call_verbs(_GROUPS["calls"])
add_usage(main)


@_GROUPS["calls"].command("export", short_help="Export every call to JSON Lines or CSV.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (it appears only when the export is complete).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--size", default=100, show_default=True, type=click.IntRange(1, 1000), help="Calls per page."
)
@click.option(
    "--prefetch",
    default=str(DEFAULT_PREFETCH),
    show_default=True,
    metavar="auto|N",
    callback=_prefetch,
    help="Page requests kept in flight ahead of the writer: auto (as deep as the writer "
    f"waits for pages, at most {DEFAULT_MAX_PREFETCH}; shallower on 429/503/timeouts) or a "
    "fixed number (exact under drift at any value).",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    help="Stop after this many calls (counting those written before a --resume).",
)
@click.option("--sort-column", help="Sort by this field (default: newest first).")
@click.option("--sort-desc", is_flag=True, help="Sort descending.")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue an interrupted export of the same file (none: start a full one, and say so).",
)
@click.option("--force", is_flag=True, help="Replace an existing non-empty --out file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@api_command
def export(
    settings: Settings,
    out: Path,
    fmt: str,
    size: int,
    prefetch: Prefetch,
    limit: int | None,
    sort_column: str | None,
    sort_desc: bool,
    resume: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Export every call as JSON Lines or CSV, with progress; resumable after an interruption."""
    target = out.absolute()  # not resolved: a link at FILE is refused, never written through
    if not target.parent.is_dir():
        raise click.BadParameter(
            f"cannot write {out}: directory {target.parent} does not exist", param_hint="--out"
        )
    options = ExportOptions(format=fmt, size=size, sort_column=sort_column, sort_desc=sort_desc)
    ctx = click.get_current_context()
    explicit = [
        name
        for name, param in _OPTION_PARAMS.items()
        if ctx.get_parameter_source(param) is click.core.ParameterSource.COMMANDLINE
    ]
    progress = Progress(enabled=not quiet)

    async def job() -> int:
        with locked(target):
            start = prepare(target, options, resume=resume, force=force, explicit=explicit)
            if start.notice is not None:
                click.echo(start.notice, err=True)
            try:
                async with open_client(settings) as client:
                    return await export_calls(
                        client, target, start, prefetch=prefetch, progress=progress, limit=limit
                    )
            finally:
                progress.stop()

    def hint() -> str | None:
        count = saved_count(target)
        if count is None:
            return None
        return f"{count:,} calls saved; the same command with --resume continues"

    count = run(settings, job, hint=hint)
    click.echo(f"wrote {count} calls to {out}", err=True)


# A resumed export keeps the options it was made with; one given explicitly must agree.
_OPTION_PARAMS = {
    "format": "fmt",
    "size": "size",
    "sort_column": "sort_column",
    "sort_desc": "sort_desc",
}


def _faults(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[Fault]:
    try:
        return [Fault.parse(text) for text in value]
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@main.command(short_help="Serve the fake Vocode API (for tests and demos).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
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
@click.option("--estimated-totals", is_flag=True, help="Listings report estimated totals.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    callback=_faults,
    metavar="KIND[:key=value,...]",
    help="Inject a fault (repeatable; once unless times=N or times=unlimited), e.g. "
    "'status:status=500,rate=0.05,times=unlimited', "
    "'rate_limit:path=/v1/calls/list,retry_after=2', 'reset:rate=0.01', 'html_502:times=3', "
    "'reset:path=/v1/calls/create,after=true' (the call is placed, then its answer lost).",
)
def serve(
    host: str,
    port: int,
    api_key: str,
    n_calls: int,
    latency_ms: float,
    jitter_ms: float,
    seed: int,
    estimated_totals: bool,
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
            estimated_totals=estimated_totals,
            host=host,
            port=port,
        )
        for fault in faults:
            server.faults.add(fault)
        async with server:
            click.echo(server.url, nl=True)
            sys.stdout.flush()
            await asyncio.Event().wait()

    run(None, job)

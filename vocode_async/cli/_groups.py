"""`<group> list` and `<group> get` for every group, from one table; calls and usage verbs.

Output is for people and pipes: ``list`` prints aligned columns (``--json``: one JSON
object per line), ``get`` prints the object as indented JSON. Third-party secrets are
shown as ``<redacted>`` unless ``--show-secrets``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import orjson

from .._converter import decoder as _decoder
from .._pagination import AsyncPager
from ._options import Settings, api_command, open_client, run
from ._terminal import inert, inert_json

__all__ = ["GROUPS", "add_call_verbs", "add_group_commands", "add_usage"]

GROUPS: dict[str, tuple[str, Sequence[str]]] = {
    "calls": ("Phone calls.", ("id", "status", "start_time", "to_number", "agent")),
    "agents": ("AI agents.", ("id", "name", "language", "voice")),
    "numbers": ("Phone numbers (keyed by number).", ("number", "label", "active", "inbound_agent")),
    "prompts": ("Prompts.", ("id", "content")),
    "actions": ("Agent actions.", ("id", "type")),
    "voices": ("Voices.", ("id", "type")),
    "webhooks": ("Webhooks.", ("id", "url", "method", "subscriptions")),
    "vector_databases": ("Vector databases.", ("id", "type", "index", "api_environment")),
    "account_connections": ("Twilio and OpenAI account connections.", ("id", "type")),
}
_WIDTH = 48  # longest cell in a table
RECORDING_TIMEOUT = 600.0  # seconds: the library's 60 s default would cut a long call's audio


def _dump(obj: Any, secrets: bool, *, indent: bool = False) -> str:
    option = orjson.OPT_INDENT_2 if indent else 0
    text = orjson.dumps(_decoder().for_output(obj, secrets=secrets), option=option).decode()
    return inert_json(text)


def _cell(value: Any) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    text = inert(" ".join(text.split())) if value is not None else "-"
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def _table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    cells = [list(columns), *([_cell(row.get(c)) for c in columns] for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
    )


def _list_command(group: str, columns: Sequence[str]) -> click.Command:
    @click.command("list")
    @click.option("--all", "every", is_flag=True, help="Every item, not just the first page.")
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
    @click.option("--size", default=20, show_default=True, type=click.IntRange(1, 1000))
    @click.option("--show-secrets", is_flag=True, help="Show third-party keys and tokens.")
    @api_command
    def command(
        settings: Settings, every: bool, as_json: bool, size: int, show_secrets: bool
    ) -> None:
        async def job() -> None:
            async with open_client(settings) as client:
                pager: AsyncPager[Any] = getattr(client, group).list(size=size)
                async with pager:
                    if every:
                        items = [item async for item in pager]
                        total = len(items)
                    else:
                        page = await pager
                        items, total = list(page.items), page.total
            if as_json:
                for item in items:
                    click.echo(_dump(item, show_secrets))
            else:
                rows = [_decoder().for_output(item, secrets=show_secrets) for item in items]
                click.echo(_table(rows, columns))
            if not every and total > len(items):
                click.echo(f"{len(items)} of {total}; --all lists every one", err=True)

        run(settings, job)

    command.help = f"List {group.replace('_', ' ')} (the first page; --all for every one)."
    return command


def _get_command(group: str) -> click.Command:
    key = "PHONE_NUMBER" if group == "numbers" else "ID"

    @click.command("get")
    @click.argument("key", metavar=key)
    @click.option("--show-secrets", is_flag=True, help="Show third-party keys and tokens.")
    @api_command
    def command(settings: Settings, key: str, show_secrets: bool) -> None:
        async def job() -> None:
            async with open_client(settings) as client:
                found = await getattr(client, group).get(key)
            click.echo(_dump(found, show_secrets, indent=True))

        run(settings, job)

    command.help = f"Show one of the {group.replace('_', ' ')}, in full, as JSON."
    return command


def add_group_commands(main: click.Group) -> dict[str, click.Group]:
    """Add every group with its list and get; return them by name (for more verbs)."""
    added = {}
    for name, (help_text, columns) in GROUPS.items():
        group = click.Group(name.replace("_", "-"), help=help_text)
        group.add_command(_list_command(name, columns))
        group.add_command(_get_command(name))
        main.add_command(group)
        added[name] = group
    return added


def add_call_verbs(calls: click.Group) -> None:
    """calls create, end, recording."""

    @calls.command("create")
    @click.option("--from-number", required=True, help="One of your numbers.")
    @click.option("--to-number", required=True, help="The number to call.")
    @click.option("--agent", required=True, help="The id of the agent that speaks.")
    @api_command
    def create(settings: Settings, from_number: str, to_number: str, agent: str) -> None:
        """Place a call (never retried once it may have been placed)."""

        async def job() -> None:
            async with open_client(settings) as client:
                call = await client.calls.create(
                    from_number=from_number, to_number=to_number, agent=agent
                )
            click.echo(_dump(call, False, indent=True))

        run(settings, job)

    @calls.command("end")
    @click.argument("id")
    @api_command
    def end(settings: Settings, id: str) -> None:
        """Hang up a call in progress."""

        async def job() -> None:
            async with open_client(settings) as client:
                call = await client.calls.end(id)
            click.echo(_dump(call, False, indent=True))

        run(settings, job)

    @calls.command("recording")
    @click.argument("id")
    @click.option(
        "--out",
        required=True,
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="File to save the audio to (written atomically).",
    )
    @click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True, max=86_400),
        default=RECORDING_TIMEOUT,
        show_default=True,
        help="Seconds the whole download may take (a long call's audio is large).",
    )
    @api_command
    def recording(settings: Settings, id: str, out: Path, timeout: float) -> None:
        """Download a call's recording."""

        async def job() -> None:
            async with open_client(settings) as client:
                calls = client.with_options(timeout=timeout).calls
                saved = await calls.download_recording(id, out)
            click.echo(f"saved {saved.stat().st_size:,} bytes to {out}", err=True)

        run(settings, job)


def add_usage(main: click.Group) -> None:
    """usage."""

    @main.command("usage")
    @click.option("--json", "as_json", is_flag=True, help="As JSON.")
    @api_command
    def usage(settings: Settings, as_json: bool) -> None:
        """This month's minutes against your plan."""

        async def job() -> None:
            async with open_client(settings) as client:
                got = await client.usage.get()
            if as_json:
                click.echo(_dump(got, False))
                return
            limit = got.monthly_usage_limit_minutes
            of = f" of {limit:,}" if limit is not None else ""
            plan = inert(str(getattr(got.plan_type, "value", got.plan_type)))  # an open enum
            click.echo(f"{got.monthly_usage_minutes:,}{of} minutes this month ({plan})")

        run(settings, job)

"""A ``cli-help`` directive: every ``vocode-async`` command's ``--help``, captured as printed.

The text comes from running each command with ``--help`` (click's test runner, in process),
so the page cannot drift from the command line; a command whose help fails breaks the build.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
from click.testing import CliRunner
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from vocode_async.cli import main

PROG = "vocode-async"
WIDTH = 88


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path under ``group``, depth first, in the order ``--help`` lists them."""
    yield path
    ctx = click.Context(group, info_name=PROG)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        elif command is not None:
            yield (*path, name)


def help_text(path: tuple[str, ...]) -> str:
    """What ``vocode-async PATH --help`` prints."""
    result = CliRunner().invoke(
        main, [*path, "--help"], prog_name=PROG, terminal_width=WIDTH, max_content_width=WIDTH
    )
    if result.exit_code != 0:
        raise RuntimeError(f"{PROG} {' '.join(path)} --help failed: {result.output}")
    return result.output.rstrip()


class CliHelp(SphinxDirective):
    """One section per command: its full name as the title, its ``--help`` below."""

    def run(self) -> list[nodes.Node]:
        sections: list[nodes.Node] = []
        for path in commands(main):
            title = " ".join((PROG, *path))
            name = nodes.fully_normalize_name(title)
            section = nodes.section(ids=[nodes.make_id(title)], names=[name])
            section += nodes.title(text=title)
            section += nodes.literal_block(text=f"$ {title} --help\n{help_text(path)}")
            self.state.document.note_implicit_target(section, section)
            sections.append(section)
        return sections


def setup(app: Sphinx) -> dict[str, object]:
    """Register the directive."""
    app.add_directive("cli-help", CliHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

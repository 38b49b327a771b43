"""The export's progress bar on stderr (rich): items, total (``~`` when estimated), rate, ETA.

Shown only on a terminal and without ``--quiet``; otherwise every call is a no-op.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Progress"]


class Progress:
    """A progress bar, or nothing (``enabled=False``, or stderr is not a terminal)."""

    def __init__(self, *, enabled: bool, label: str = "calls") -> None:
        self._bar: Any = None
        self._task: Any = None
        self._label = label
        if enabled:
            from rich.console import Console

            console = Console(stderr=True)
            if console.is_terminal:
                self._bar = _make_bar(console)

    def start(self, *, done: int = 0) -> None:
        """Show the bar, starting from ``done`` items (a resumed export)."""
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(self._label, completed=done, total=None, approx="")

    def advance(self, items: int, *, total: int, estimated: bool) -> None:
        """Count ``items`` more; the API's latest ``total`` (perhaps an estimate)."""
        if self._bar is not None:
            approx = "~" if estimated else ""
            self._bar.update(self._task, advance=items, total=total, approx=approx)

    def finish(self) -> None:
        """The listing ended: what was counted is the total (an estimate is settled)."""
        if self._bar is not None:
            done = self._bar.tasks[0].completed
            self._bar.update(self._task, total=done, approx="")

    def stop(self) -> None:
        """Remove the bar (idempotent)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _make_bar(console: Any) -> Any:
    from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Count(ProgressColumn):
        """12,300/~48,000 calls (``~``: the API's total is an estimate)."""

        def render(self, task: Any) -> Text:
            total = "?" if task.total is None else f"{task.fields['approx']}{task.total:,.0f}"
            return Text(f"{task.completed:,.0f}/{total} {task.description}")

    class Rate(ProgressColumn):
        """Items per second over rich's sliding window."""

        def render(self, task: Any) -> Text:
            return Text(f"{task.speed or 0:,.0f}/s", style="cyan")

    return Progress(
        TextColumn("[bold]export"),
        BarColumn(),
        Count(),
        Rate(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )

"""The ``vocode-async`` command line (needs the ``cli`` extra: click and rich).

``main`` is the click command; ``console`` is the installed script, which says which
extra to install when click or rich is missing instead of failing with a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["console", "main"]

_EXTRA = "pip install 'vocode-async[cli]'"


def console() -> None:
    """Run the command; without click or rich installed, say which extra provides them."""
    try:
        from ._main import main as command
    except ModuleNotFoundError as exc:
        if exc.name not in ("click", "rich"):
            raise
        sys.stderr.write(f"vocode-async: the command line needs {exc.name}: {_EXTRA}\n")
        raise SystemExit(2) from None
    command()


def __getattr__(name: str) -> Any:
    if name == "main":  # imported on use, so that `console` can report a missing extra
        from ._main import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

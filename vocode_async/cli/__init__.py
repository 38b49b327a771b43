"""The ``vocode-async`` command line (needs the ``cli`` extra: click and rich).

``main`` is the click command; ``console`` is the installed script, which says how to
install the extra when click or rich is missing instead of failing with a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["console", "main"]

_CLI_PACKAGES = ("click>=8.2", "rich>=13")  # pyproject.toml's `cli` extra (a test pins it)


def console() -> None:
    """Run the command; without click or rich installed, say how to install them."""
    try:
        from ._main import main as command
    except ModuleNotFoundError as exc:
        if exc.name not in ("click", "rich"):
            raise
        sys.stderr.write(_install_hint(exc.name))
        raise SystemExit(2) from None
    command()


def _install_hint(missing: str) -> str:
    """Every way to get the extra: not on an index yet, the first alone would fail."""
    clone = _installed_from()
    if clone is None:
        from_clone = "pip install -e '.[cli]'  # in a clone of the repository"
    else:
        import shlex

        path, editable = clone
        flag = "-e " if editable else ""
        from_clone = (
            f"pip install {flag}{shlex.quote(path + '[cli]')}  # the clone it was installed from"
        )
    packages = " ".join(f"'{p}'" for p in _CLI_PACKAGES)
    return (
        f"vocode-async: the command line needs {missing}, from the package's cli extra;"
        " install it:\n"
        "  pip install 'vocode-async[cli]'  # from a package index\n"
        f"  {from_clone}\n"
        f"  pip install {packages}  # or only the extra's packages\n"
    )


def _installed_from() -> tuple[str, bool] | None:
    """The directory this package was installed from and whether editably (pip records
    it in direct_url.json, PEP 610), or None: from an index, a wheel, or not installed."""
    import importlib.metadata
    import json
    import urllib.parse
    import urllib.request

    try:
        recorded = importlib.metadata.distribution("vocode-async").read_text("direct_url.json")
        info = json.loads(recorded or "null")
        url = urllib.parse.urlsplit(info["url"])
        editable = info["dir_info"].get("editable") is True
    except (importlib.metadata.PackageNotFoundError, ValueError, LookupError, TypeError):
        return None  # no record, or not one of a local directory: the generic hint
    if url.scheme != "file":
        return None
    return urllib.request.url2pathname(url.path), editable


def __getattr__(name: str) -> Any:
    if name == "main":  # imported on use, so that `console` can report a missing extra
        from ._main import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

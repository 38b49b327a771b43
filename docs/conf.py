"""Sphinx configuration of the vocode_async reference (built by ``nox -s docs``)."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from vocode_async import __version__  # noqa: E402

logger = logging.getLogger(__name__)

project = "vocode_async"
author = "vocode_async developers"
copyright = "vocode_async developers"
release = version = __version__

extensions = ["sphinx.ext.autodoc", "myst_parser", "cli_pages"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "README.md"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_default_options = {"members": True, "show-inheritance": True}
add_module_names = False
toc_object_entries_show_parents = "hide"

html_theme = "furo"
html_title = f"vocode_async {__version__}"
html_static_path: list[str] = []

# -- checks and tweaks -------------------------------------------------------------------
# Every name of these modules' __all__ must be documented somewhere in the reference, so a
# name added to the API without a page breaks the build (warnings are errors).
PUBLIC_MODULES = ("vocode_async", "vocode_async.models", "vocode_async.testing")
# Built by the client or the listing, never by the user: their constructors are internals.
NO_SIGNATURE = ("vocode_async.AsyncPager", "vocode_async.resources.")


def _check_coverage(app: Sphinx, env: BuildEnvironment) -> None:
    documented = set(env.get_domain("py").objects)  # type: ignore[attr-defined]
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if f"{module_name}.{name}" not in documented:
                logger.warning("%s.%s is public but not in the reference", module_name, name)


def _hide_signature(
    app: Sphinx, what: str, name: str, obj: object, options: object, *signature: object
) -> tuple[str, None] | None:
    if what == "class" and name.startswith(NO_SIGNATURE):
        return "", None
    return None


@functools.cache
def _attribute_docs() -> dict[str, list[str]]:
    """Module-level attribute docstrings of every vocode_async module, by name.

    A constant or union alias re-exported by a package (``vocode_async.UNSET``,
    ``vocode_async.models.Voice``) has its docstring where it is assigned, which autodoc
    does not look at when documenting the package.
    """
    found: dict[str, list[str]] = {}
    package = importlib.import_module("vocode_async")
    for info in pkgutil.walk_packages(package.__path__, "vocode_async."):
        if info.name.endswith("__main__"):
            continue  # importing it runs the command line
        for (scope, name), lines in ModuleAnalyzer.for_module(info.name).find_attr_docs().items():
            if not scope:
                found.setdefault(name, lines)
    return found


def _is_public_data(name: str) -> bool:
    module_name, _, attr = name.rpartition(".")
    return module_name in PUBLIC_MODULES and attr in importlib.import_module(module_name).__all__


def _keep_public(
    app: Sphinx, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    # automodule skips a re-exported alias whose only docstring is where it is assigned.
    return False if skip and name in _attribute_docs() and what == "module" else None


def _attribute_docstring(
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    if what == "data" and _is_public_data(name):
        lines[:] = _attribute_docs().get(name.rpartition(".")[2], lines)


def setup(app: Sphinx) -> None:
    """Hook the coverage check and the docstring and signature tweaks into the build."""
    app.connect("env-check-consistency", _check_coverage)
    app.connect("autodoc-process-signature", _hide_signature)
    app.connect("autodoc-skip-member", _keep_public)
    app.connect("autodoc-process-docstring", _attribute_docstring)

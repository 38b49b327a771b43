"""Build checks and autodoc tweaks for the vocode_async reference (any warning fails the build).

- Coverage: every name of the public modules' ``__all__`` is documented somewhere.
- Configuration: the configuration page names every keyword of the signatures it covers
  and every environment variable the package reads.
- The error tree: ``{error-tree}`` renders the drawing in ``vocode_async._errors``'s
  docstring after checking it against the classes (a new or moved error fails the build).
- Re-exported constants and union aliases get their attribute docstrings, which autodoc
  only looks for in the module that is documented, not where they are assigned.
- Objects the user never constructs (the pager, resource groups) show no constructor.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
import types
import typing
from pathlib import Path

import attrs
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import vocode_async
from vocode_async import AsyncVocode, RetryPolicy, VocodeError, _errors
from vocode_async.resources._base import Collection
from vocode_async.testing import FakeVocodeServer

logger = logging.getLogger(__name__)

PUBLIC_MODULES = ("vocode_async", "vocode_async.models", "vocode_async.testing")
NO_SIGNATURE = (
    "vocode_async.AsyncPager",
    "vocode_async.Pager",
    "vocode_async.resources.",
    "vocode_async._sync_resources.",
)
"""Whole names, or prefixes (ending in a dot)."""
CONFIGURATION_PAGE = "configuration"


def configured_keywords() -> set[str]:
    """Every keyword the configuration page must name."""
    names = {field.name for field in attrs.fields(RetryPolicy)}
    for func in (
        AsyncVocode.__init__,
        AsyncVocode.with_options,
        Collection.list,
        FakeVocodeServer.__init__,
    ):
        names |= set(inspect.signature(func).parameters) - {"self"}
    return names


def environment_variables() -> set[str]:
    """Every environment variable the package reads by name (``os.environ``, click's envvar)."""
    pattern = re.compile(r'(?:environ\.get\(|environ\[|envvar=)"([A-Z][A-Z0-9_]+)"')
    package = Path(vocode_async.__file__).parent
    return {name for path in package.rglob("*.py") for name in pattern.findall(path.read_text())}


def _check_configuration(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname != CONFIGURATION_PAGE:
        return
    wanted = configured_keywords() | environment_variables()
    missing = sorted(name for name in wanted if f"`{name}`" not in source[0])
    if missing:
        logger.warning("configuration.md does not describe %s", ", ".join(missing))


def drawn_tree() -> str:
    """The error tree drawn in ``vocode_async._errors``'s docstring."""
    doc = _errors.__doc__ or ""
    block = doc.split("::\n", 1)[1].strip("\n").split("\n\n")[0]  # the indented block
    return "\n".join(line[4:] for line in block.splitlines())


def tree_edges(drawing: str) -> set[tuple[str, str]]:
    """(class, parent) for every class the drawing names, from its indentation."""
    edges, stack = set(), []
    for line in drawing.splitlines():
        found = re.match(r"^([│ ]*)(?:[├└]── )?([A-Z]\w+)", line)
        if not found:
            continue  # a continued note
        depth = len(found.group(1)) // 4 + (1 if "── " in line else 0)
        del stack[depth:]
        if stack:
            edges.add((found.group(2), stack[-1]))
        stack.append(found.group(2))
    return edges


def class_edges() -> set[tuple[str, str]]:
    """(class, parent) for every public error class."""
    return {
        (name, obj.__bases__[0].__name__)
        for name in vocode_async.__all__
        if isinstance(obj := getattr(vocode_async, name), type)
        and issubclass(obj, VocodeError)
        and obj is not VocodeError
    }


class ErrorTree(SphinxDirective):
    """The drawing of the error tree, checked against the classes."""

    def run(self) -> list[nodes.Node]:
        drawing = drawn_tree()
        drawn, real = tree_edges(drawing), class_edges()
        if drawn != real:
            logger.warning(
                "the error tree in vocode_async._errors is out of date: drawn but not so %s; "
                "so but not drawn %s",
                sorted(drawn - real),
                sorted(real - drawn),
                location=self.get_location(),
            )
        return [nodes.literal_block(text=drawing.replace("``", ""), language="text")]


def _check_coverage(app: Sphinx, env: BuildEnvironment) -> None:
    documented = set(env.get_domain("py").objects)  # type: ignore[attr-defined]
    for module_name in PUBLIC_MODULES:
        for name in importlib.import_module(module_name).__all__:
            if f"{module_name}.{name}" not in documented:
                logger.warning("%s.%s is public but not in the reference", module_name, name)


@functools.cache
def attribute_docs() -> dict[str, list[str]]:
    """Module-level attribute docstrings of every vocode_async module, by name."""
    found: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(vocode_async.__path__, "vocode_async."):
        if info.name.endswith("__main__"):
            continue  # importing it runs the command line
        for (scope, name), lines in ModuleAnalyzer.for_module(info.name).find_attr_docs().items():
            if not scope:
                found.setdefault(name, lines)
    return found


def _attribute_docstring(
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    module_name, _, attr = name.rpartition(".")
    if what == "data" and module_name in PUBLIC_MODULES:
        lines[:] = attribute_docs().get(attr, lines)
        if isinstance(obj, types.UnionType):  # a tagged union: link its members
            kinds = ", ".join(f":class:`~{module_name}.{a.__name__}`" for a in typing.get_args(obj))
            lines.extend(["", f"One of {kinds}."])


def _hide_signature(
    app: Sphinx, what: str, name: str, obj: object, options: object, *signature: object
) -> tuple[str, None] | None:
    if what == "class" and any(
        name == skip or (skip.endswith(".") and name.startswith(skip)) for skip in NO_SIGNATURE
    ):
        return "", None
    return None


def setup(app: Sphinx) -> dict[str, object]:
    """Hook the checks and tweaks into the build."""
    app.add_directive("error-tree", ErrorTree)
    app.connect("source-read", _check_configuration)
    app.connect("env-check-consistency", _check_coverage)
    app.connect("autodoc-process-signature", _hide_signature)
    app.connect("autodoc-process-docstring", _attribute_docstring)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Every public name has a docstring: what the API reference (``nox -s docs``) is built from.

Walks ``__all__`` of vocode_async, vocode_async.models and vocode_async.testing, plus the
resource groups a client exposes (``client.calls``, ...): each class and function has its
own docstring, and so does each public method and property defined on a public class. A
constant (``DEFAULT_BASE_URL``, ``UNSET``) has an attribute docstring: a string literal
right after its assignment, in the module that assigns it (found by following the
``from .x import`` re-exports), which is what the reference shows.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import typing
from pathlib import Path
from types import ModuleType

import pytest

import vocode_async
from vocode_async import AsyncVocode, Vocode

MODULES = ("vocode_async", "vocode_async.models", "vocode_async.testing")


def public_names() -> list[tuple[str, str]]:
    return [(mod, name) for mod in MODULES for name in importlib.import_module(mod).__all__]


def resource_classes() -> list[type]:
    """The groups of both clients (the blocking ones are generated from the async ones)."""
    found = []
    for client in (AsyncVocode, Vocode):
        hints = typing.get_type_hints(client)
        found += [cls for cls in hints.values() if isinstance(cls, type)]
    return found


def own_doc(obj: object) -> str | None:
    """The docstring written on ``obj`` itself (not inherited from a base class)."""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    return doc.strip() if isinstance(doc, str) and doc.strip() else None


def assigning_module(module: ModuleType, name: str) -> ModuleType:
    """Follow ``from .x import name`` re-exports to the module that assigns ``name``."""
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == name for a in node.names):
            package = module.__name__ if hasattr(module, "__path__") else module.__package__
            source = importlib.import_module("." * node.level + (node.module or ""), package)
            return assigning_module(source, name)
    return module


def attribute_docstring(module: ModuleType, name: str) -> str | None:
    """The string literal right after ``name = ...`` (or ``name: T = ...``) in ``module``."""
    body = ast.parse(Path(inspect.getfile(module)).read_text()).body
    for stmt, after in itertools.pairwise(body):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            value = after.value.value
            return value.strip() if isinstance(value, str) and value.strip() else None
    return None


def undocumented_members(cls: type) -> list[str]:
    """Public methods and properties defined on ``cls`` itself that lack a docstring."""
    missing = []
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        if (inspect.isfunction(func) or isinstance(func, property)) and not own_doc(func):
            missing.append(f"{cls.__qualname__}.{name}")
    return missing


def missing_docstrings(module_name: str, name: str) -> list[str]:
    """What lacks a docstring: the name itself, or a method or property of its class."""
    module = importlib.import_module(module_name)
    obj = getattr(module, name)
    if isinstance(obj, type) or inspect.isroutine(obj):
        missing = [] if own_doc(obj) else [f"{module_name}.{name}"]
    else:  # a constant or an alias: its attribute docstring, where it is assigned
        origin = assigning_module(module, name)
        missing = [] if attribute_docstring(origin, name) else [f"{module_name}.{name}"]
    if isinstance(obj, type):
        missing += [f"{module_name}.{member}" for member in undocumented_members(obj)]
    return missing


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    names = importlib.import_module(module_name).__all__
    missing = [found for name in names for found in missing_docstrings(module_name, name)]
    assert not missing, f"no docstring (for a constant: no string literal after it): {missing}"


@pytest.mark.parametrize("cls", resource_classes(), ids=lambda cls: cls.__name__)
def test_resource_group_and_its_methods_have_docstrings(cls: type) -> None:
    assert own_doc(cls), f"{cls.__name__} has no docstring"
    for base in cls.__mro__:
        if base.__module__.startswith("vocode_async."):
            assert undocumented_members(base) == [], f"undocumented in {base.__name__}"


def test_the_walk_sees_what_it_checks() -> None:
    # The checks above must not pass by seeing nothing: the walk covers every group and
    # name, and a missing docstring is found (a function, a method, a constant).
    assert len(resource_classes()) == 20
    assert len(public_names()) > 140

    def bare() -> None:
        pass

    class Bare:
        def method(self) -> None:
            pass

    assert own_doc(bare) is None
    assert undocumented_members(Bare) == [f"{Bare.__qualname__}.method"]
    assert missing_docstrings("vocode_async", "__all__") == ["vocode_async.__all__"]
    assert assigning_module(vocode_async, "UNSET").__name__ == "vocode_async._types"

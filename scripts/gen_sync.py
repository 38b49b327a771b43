"""Generate ``vocode_async/_sync_resources.py``: the blocking groups of ``Vocode``.

    python scripts/gen_sync.py           # rewrite the module
    python scripts/gen_sync.py --check   # exit 1 if it is out of date

The async groups (``vocode_async/resources``) are the one source of truth. For every group
that ``AsyncVocode`` composes, and every public method of its class (inherited ``list`` and
``get`` included, their type variables resolved), this writes a method with the same
signature (annotations and defaults as written in the source) that runs the async method on
the client's loop thread: a coroutine method returns its result, a listing (``AsyncPager[X]``)
a blocking ``Pager[X]``, a byte stream (``AsyncGenerator[bytes, None]``) a generator of
bytes. ``tests/test_sync.py`` regenerates it and fails when the committed module differs.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import sys
import textwrap
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "vocode_async/_sync_resources.py"
sys.path.insert(0, str(ROOT))

from vocode_async import AsyncVocode  # noqa: E402
from vocode_async.resources._base import Collection, Resource  # noqa: E402

# How an async docstring reads for the blocking method.
_DOC_WORDS = (
    ("``async for item in ...``", "``for item in ...``"),
    ("``contextlib.aclosing``", "``contextlib.closing``"),
)


class _Imports:
    """The names the generated annotations use, each imported from where it is defined."""

    def __init__(self) -> None:
        self.names: dict[str, object] = {}
        self.froms: dict[str, set[str]] = {}
        self.modules: set[str] = set()

    def name(self, obj: Any, written: str) -> str:
        """The name to import ``obj`` by (``written``: how the async source spells it)."""
        if isinstance(obj, type):  # a class, under its own name (not a private alias)
            module, name = _public_module(obj), obj.__qualname__
        else:  # a constant (UNSET) or a type alias (VoiceParams): where it is defined
            homes = (type(obj).__module__, "vocode_async.models", "vocode_async._types")
            found = [
                (m, k)
                for m in homes
                for k, v in vars(sys.modules[m]).items()
                if v is obj and not k.startswith("_")
            ]
            found.sort(key=lambda found: found[1] != written)  # as written, if public
            if not found:
                raise SystemExit(f"cannot import {written}: define it in a module of its own")
            module, name = found[0]
        if self.names.setdefault(name, obj) is not obj:
            raise SystemExit(f"two objects named {name!r}: rename one in the async source")
        if module.startswith("vocode_async.models.") and getattr(_models(), name, None) is obj:
            module = "vocode_async.models"
        self.froms.setdefault(module, set()).add(name)
        return name

    def render(self) -> str:
        lines = [f"import {m}" for m in sorted(self.modules)]
        outside = sorted(m for m in self.froms if not m.startswith("vocode_async"))
        inside = sorted(m for m in self.froms if m.startswith("vocode_async"))
        for group in (outside, inside):
            if lines:
                lines.append("")
            for module in group:
                inside = module.startswith("vocode_async")
                where = "." + module.removeprefix("vocode_async").lstrip(".") if inside else module
                lines.append(f"from {where} import {', '.join(sorted(self.froms[module]))}")
        return "\n".join(lines)


def _public_module(cls: type) -> str:
    """Where to import ``cls`` from: outside this package, the shortest parent module that
    has it (``pathlib``, not ``pathlib._local`` where Python 3.13 defines ``Path``)."""
    module = cls.__module__
    if module.startswith("vocode_async"):
        return module
    parts = module.split(".")
    for end in range(1, len(parts) + 1):
        candidate = ".".join(parts[:end])
        if getattr(importlib.import_module(candidate), cls.__qualname__, None) is cls:
            return candidate
    return module


def _models() -> ModuleType:
    import vocode_async.models

    return vocode_async.models


class _Resolve(ast.NodeTransformer):
    """Rewrite an annotation or default so that every name is one the module imports."""

    def __init__(self, scope: dict[str, Any], typevars: dict[Any, Any], imports: _Imports):
        self.scope, self.typevars, self.imports = scope, typevars, imports

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in vars(builtins) and node.id not in self.scope:
            return node
        obj, written = self.scope[node.id], node.id
        if obj in self.typevars:  # Collection's L or G: what the group's class passes
            obj, written = self.typevars[obj]
        return ast.Name(self.imports.name(obj, written), ast.Load())

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        base = node.value
        if isinstance(base, ast.Name) and isinstance(self.scope.get(base.id), ModuleType):
            self.imports.modules.add(self.scope[base.id].__name__)
            return node
        return self.generic_visit(node)


def _function(method: Any) -> ast.FunctionDef | ast.AsyncFunctionDef:
    tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    return node


def _kind(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    if isinstance(node, ast.AsyncFunctionDef):
        return "run"
    returns = ast.unparse(node.returns) if node.returns else ""
    if returns.startswith("AsyncPager["):
        return "pager"
    if returns == "AsyncGenerator[bytes, None]":
        return "stream"
    raise SystemExit(f"{node.name}: no blocking form for a method returning {returns!r}")


def _typevars(cls: type) -> dict[Any, tuple[Any, str]]:
    """Collection's type variables → (the object, its name) as the group's class passes them."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    node = tree.body[0]
    assert isinstance(node, ast.ClassDef)
    bases = getattr(cls, "__orig_bases__", cls.__bases__)
    for base, written in zip(bases, node.bases, strict=True):
        if typing.get_origin(base) is Collection:
            assert isinstance(written, ast.Subscript) and isinstance(written.slice, ast.Tuple)
            names = [ast.unparse(elt) for elt in written.slice.elts]
            pairs = zip(typing.get_args(base), names, strict=True)
            return dict(zip(Collection.__parameters__, pairs, strict=True))  # type: ignore[attr-defined]
    return {}


def _method(group: str, cls: type, name: str, imports: _Imports) -> str:
    method = getattr(cls, name)
    node = _function(method)
    kind = _kind(node)
    resolve = _Resolve(method.__globals__, _typevars(cls), imports)
    args = node.args
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
        if arg.annotation is not None:
            arg.annotation = resolve.visit(arg.annotation)
    args.defaults = [resolve.visit(d) for d in args.defaults]
    args.kw_defaults = [None if d is None else resolve.visit(d) for d in args.kw_defaults]
    assert node.returns is not None, f"{cls.__name__}.{name} has no return annotation"
    if kind == "pager":
        assert isinstance(node.returns, ast.Subscript)
        node.returns = ast.Subscript(ast.Name("Pager"), resolve.visit(node.returns.slice))
    elif kind == "stream":
        imports.froms.setdefault("collections.abc", set()).add("Generator")
        node.returns = ast.parse("Generator[bytes, None, None]", mode="eval").body
    else:
        node.returns = resolve.visit(node.returns)
    assert not args.vararg and not args.kwarg, f"{cls.__name__}.{name}: *args/**kwargs"
    ordered = [*args.posonlyargs, *args.args]  # the first is self
    positional = [a.arg for a in args.posonlyargs if a is not ordered[0]]
    keyword = [a.arg for a in [*args.args, *args.kwonlyargs] if a is not ordered[0]]
    forwarded = ", ".join([*positional, *(f"{k}={k}" for k in keyword)])
    target = f"self._bridge.client.{group}.{name}"
    if kind == "run":
        body = f"return self._bridge.run({target}{', ' if forwarded else ''}{forwarded})"
    else:
        body = f"return self._bridge.{kind}({target}({forwarded}))"
    stub = ast.FunctionDef(
        name=name, args=args, body=[ast.Pass()], decorator_list=[], returns=node.returns
    )
    stub.type_comment = None
    signature = ast.unparse(ast.fix_missing_locations(ast.copy_location(stub, node)))
    signature = signature.split("\n", 1)[0]  # "def name(...) -> X:" (its stub body dropped)
    doc = inspect.getdoc(method) or ""
    for old, new in _DOC_WORDS:
        doc = doc.replace(old, new)
    return "\n".join([f"    {signature}", _docstring(doc, 8), f"        {body}"])


def _docstring(doc: str, indent: int) -> str:
    pad = " " * indent
    lines = doc.splitlines() or [""]
    if len(lines) == 1:
        return f'{pad}"""{lines[0]}"""'
    body = "\n".join(f"{pad}{line}" if line else "" for line in lines[1:])
    return f'{pad}"""{lines[0]}\n{body}\n{pad}"""'


def _public(cls: type) -> list[str]:
    """The operations of a group class, in source order (inherited ones first)."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        if not issubclass(klass, Resource) or klass is Resource:
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and inspect.isfunction(value) and name not in names:
                names.append(name)
    return names


def _groups() -> list[tuple[str, type]]:
    hints = typing.get_type_hints(AsyncVocode)
    return [(name, hint) for name, hint in hints.items() if issubclass(hint, Resource)]


def render() -> str:
    imports = _Imports()
    classes: list[str] = []
    groups = _groups()
    for group, cls in groups:
        methods = [_method(group, cls, name, imports) for name in _public(cls)]
        doc = _docstring(inspect.getdoc(cls) or "", 4)
        classes.append(
            f"class Sync{cls.__name__}(SyncResource):\n{doc}\n\n"
            f'    __slots__ = ()\n    _group = "{group}"\n\n' + "\n\n".join(methods)
        )
    fields = "\n".join(f"    {group}: Sync{cls.__name__}" for group, cls in groups)
    binds = "\n".join(f"        self.{group} = Sync{cls.__name__}(bridge)" for group, cls in groups)
    names = sorted(["SyncGroups", *(f"Sync{cls.__name__}" for _, cls in groups)])
    return f'''"""The blocking groups of :class:`~vocode_async.Vocode`.

Generated by ``scripts/gen_sync.py`` from ``vocode_async/resources``: do not edit by hand
(``tests/test_sync.py`` fails when it is out of date). Each method runs the async method of
the same name on the client's loop thread.
"""

from __future__ import annotations

{imports.render()}
from ._bridge import Bridge
from ._syncbase import SyncResource
from ._syncpager import Pager

__all__ = {names!r}


{chr(10).join(c + chr(10) + chr(10) for c in classes)}
class SyncGroups:
    """Every group of the API, as attributes (``client.calls``, ...)."""

{fields}

    def _bind_groups(self, bridge: Bridge) -> None:
{binds}
'''


def _finish(text: str) -> str:
    """The module as ruff would format it (the check compares the committed file)."""
    import subprocess

    ruff = [sys.executable, "-m", "ruff"]
    for command in (["check", "--fix-only", "--select", "I"], ["format"]):
        text = subprocess.run(
            [*ruff, *command, "--stdin-filename", str(TARGET), "-"],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    return text


def main(argv: list[str]) -> int:
    text = _finish(render())
    if "--check" in argv:
        if not TARGET.is_file() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run {sys.argv[0]}", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

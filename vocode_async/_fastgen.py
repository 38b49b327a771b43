"""Straight-line structure functions for the fast converter (the hot path of a listing).

cattrs' generated functions call one hook per field, gather keyword arguments in a dict and
go through the class's ``__init__``: about 5 us for a 25-field call. Here each attrs class
gets one function whose primitive checks are inlined and whose fields are set directly
(none has validators or post-init hooks). It registers as a cattrs hook factory; anything
that is not a plain primitive still goes through the converter's own hook for that type. A
failure here raises and the caller re-runs cattrs' detailed converter to name the field,
so both must reject the same inputs: the checks mirror the strict hooks in ``_converter``.

The models are frozen: their ``__setattr__`` raises, and setting a slot through its
descriptor costs a call per field (half of a listed call's decoding). So each class gets a
private *builder*: a subclass that adds no slot and restores ``object``'s attribute
protocol, whose plain attribute stores the interpreter specializes. The object is filled
as a builder, then becomes the model class (``__class__`` assignment: same layout, checked
by CPython) before anyone else sees it; a half-filled builder is never returned.

Since the class's ``__init__`` never runs, only classes whose ``__init__`` does nothing
but store its arguments under the fields' names are compiled (:func:`can_inline`); any
other falls back to cattrs. Each function's source is registered in :mod:`linecache`
(under ``<vocode_async structure ...>``), so tracebacks and ``inspect.getsource`` show it;
:func:`source_of` returns it.
"""

from __future__ import annotations

import collections.abc
import enum
import linecache
import types
import typing
from collections.abc import Callable
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

import attrs
import cattrs

from ._types import Unset
from .models._base import Model

__all__ = ["can_inline", "make_structure_fn", "source_of", "tag_of"]

_NoneType = type(None)
_MISSING = object()
_PRIMS = (str, int, bool)


# Where attrs' __init__ stores the hash of a ``cache_hash=True`` class (no public flag says
# a class caches it); a rename fails tests/test_fastgen_shapes.py, not silently.
_HASH_CACHE = "_attrs_cached_hash"


def can_inline(tp: Any) -> bool:
    """Attrs classes whose ``__init__`` only stores its arguments: no pre- or post-init
    hook, no cached hash; fields without validators, converters, factories, aliases or
    ``init=False``. A generic one (``Page``) once parametrized with concrete types."""
    cls = typing.get_origin(tp) or tp
    if not (isinstance(cls, type) and attrs.has(cls)) or _init_does_more(cls):
        return False
    if getattr(cls, "__parameters__", None) and (
        cls is tp or any(isinstance(arg, typing.TypeVar) for arg in typing.get_args(tp))
    ):
        return False
    return all(_plain_field(f) for f in attrs.fields(cls))


def _init_does_more(cls: type) -> bool:
    """Whether attrs' ``__init__`` runs code or sets state that a direct build would skip."""
    hash_names = getattr(getattr(cls.__hash__, "__code__", None), "co_names", ())
    return (
        hasattr(cls, "__attrs_pre_init__")
        or hasattr(cls, "__attrs_post_init__")
        or _HASH_CACHE in hash_names
    )


def _plain_field(field: attrs.Attribute[Any]) -> bool:
    return (
        field.init
        and field.type is not None  # untyped: cattrs passes it through
        and field.validator is None
        and field.converter is None
        and not isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
        and getattr(field, "alias", field.name) == field.name  # cattrs knows what it means
    )


def _hints(tp: Any) -> tuple[type, dict[str, Any]]:
    """The class of ``tp`` and its field types, a generic's parameters filled in."""
    cls = typing.get_origin(tp) or tp
    annotated = typing.get_type_hints(cls)
    # A field given as attrs.field(type=...) has no annotation (make_class on attrs < 25).
    hints = {f.name: annotated.get(f.name, f.type) for f in attrs.fields(cls)}
    if cls is tp:
        return cls, hints
    bound = dict(zip(cls.__parameters__, typing.get_args(tp), strict=True))

    def fill(hint: Any) -> Any:
        if isinstance(hint, typing.TypeVar):
            return bound[hint]
        params = getattr(hint, "__parameters__", ())
        return hint[tuple(bound[p] for p in params)] if params else hint

    return cls, {name: fill(hint) for name, hint in hints.items()}


def _check(kind: type, var: str, optional: bool) -> list[str]:
    none_ok = f"{var} is not None and " if optional else ""
    if kind is float:
        return [
            f"if type({var}) is int: {var} = float({var})",
            f"elif {none_ok}type({var}) is not float: raise TypeError('expected a number')",
        ]
    name = kind.__name__
    return [f"if {none_ok}type({var}) is not {name}: raise TypeError('expected {name}')"]


def _fast_lines(hint: Any, i: int, env: dict[str, Any]) -> tuple[str, str] | None:
    """The test and statement for the usual valid value of a field (checked first)."""
    is_union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    members = typing.get_args(hint) if is_union else (hint,)
    plain = [m for m in members if m is not _NoneType and m is not Unset]
    var = f"v{i}"
    if len(plain) == 1 and plain[0] in (*_PRIMS, float):
        return f"type({var}) is {plain[0].__name__}", "pass"
    enums = [m for m in plain if isinstance(m, type) and issubclass(m, enum.Enum)]
    if enums and set(plain) == {enums[0], str}:
        env[f"k{i}"] = {member.value: member for member in enums[0]}
        return f"type({var}) is str", f"{var} = k{i}.get({var}, {var})"
    if plain == [datetime]:
        env["_fromts"], env["_utc"] = datetime.fromtimestamp, timezone.utc
        return f"type({var}) is int", f"{var} = _fromts({var}, _utc)"
    if str in plain:
        return f"type({var}) is str", "pass"
    return None


def _field_lines(converter: cattrs.Converter, hint: Any, i: int, env: dict[str, Any]) -> list[str]:
    """Code that checks (and converts) ``v{i}`` for a field typed ``hint``."""
    is_union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    members = typing.get_args(hint) if is_union else (hint,)
    if Unset in members:  # the spec's "Undefined" ({}) means "not set"
        env["UNSET"] = Unset.UNSET
        lines = _value_lines(converter, hint, members, i, env)
        return [f"if type(v{i}) is dict and not v{i}: v{i} = UNSET", "else:"] + [
            f"  {line}" for line in lines
        ]
    return _value_lines(converter, hint, members, i, env)


def _value_lines(
    converter: cattrs.Converter, hint: Any, members: tuple[Any, ...], i: int, env: dict[str, Any]
) -> list[str]:
    var = f"v{i}"
    optional = _NoneType in members
    none_ok = f"{var} is not None and " if optional else ""
    guard = f"if {var} is not None:" if optional else "if True:"
    plain = [m for m in members if m is not _NoneType and m is not Unset]
    enums = [m for m in plain if isinstance(m, type) and issubclass(m, enum.Enum)]
    if len(plain) == 1 and plain[0] in (*_PRIMS, float):
        return _check(plain[0], var, optional)
    if enums and set(plain) == {enums[0], str}:  # an open enum: unknown values stay strings
        env[f"k{i}"] = {member.value: member for member in enums[0]}
        return [
            f"if type({var}) is str: {var} = k{i}.get({var}, {var})",
            f"elif {none_ok}True: raise TypeError('expected a string')",
        ]
    if len(plain) == 1 and typing.get_origin(plain[0]) is typing.Literal:
        env[f"l{i}"] = frozenset(typing.get_args(plain[0]))
        return [f"if {none_ok}{var} not in l{i}: raise ValueError('unexpected value')"]
    inner = plain[0] if len(plain) == 1 else hint
    env[f"h{i}"], env[f"t{i}"] = converter.get_structure_hook(inner), inner
    tags = _tagged(converter, plain)
    if tags:  # a tagged union: dispatch on `type` here; anything else through the hook
        # An object that is only its tag always decodes alike: frozen, so one is shared.
        env[f"g{i}"], env[f"u{i}"] = tags, {}
        return [
            guard,
            f"  c = g{i}.get({var}.get('type')) if type({var}) is dict else None",
            "  if c is None:",
            f"    {var} = h{i}({var}, t{i})",
            f"  elif len({var}) == 1:",
            f"    s = u{i}.get(c[1])",
            f"    {var} = s if s is not None else u{i}.setdefault(c[1], c[0]({var}, c[1]))",
            "  else:",
            f"    {var} = c[0]({var}, c[1])",
        ]
    if inner is datetime:  # epoch seconds inline; strings (and errors) through the hook
        env["_fromts"], env["_utc"] = datetime.fromtimestamp, timezone.utc
        return [
            f"if type({var}) is int or type({var}) is float: {var} = _fromts({var}, _utc)",
            f"el{guard[:-1]}: {var} = h{i}({var}, t{i})",
        ]
    if _is_str_map(inner):  # checked in place and kept: no copy, no hook per value
        return [
            guard,
            f"  if type({var}) is not dict: raise TypeError('expected an object')",
            f"  if {var}:",
            f"    for _k, _x in {var}.items():",
            "      if type(_k) is not str or type(_x) is not str: raise TypeError('expected str')",
        ]
    if str in plain:  # "an id or an object": the id needs no hook
        return [f"if type({var}) is not str: {var} = h{i}({var}, t{i})"]
    if optional and inner is not hint:
        return [f"if {var} is not None: {var} = h{i}({var}, t{i})"]
    return [f"{var} = h{i}({var}, t{i})"]


def tag_of(cls: type) -> str | None:
    """The ``Literal`` value of an attrs class's ``type`` field, if it has one."""
    hint = typing.get_type_hints(cls).get("type")
    if typing.get_origin(hint) is not typing.Literal:
        return None
    (tag,) = typing.get_args(hint)
    return str(tag)


def _tagged(converter: cattrs.Converter, members: list[Any]) -> dict[str, tuple[Any, Any]]:
    """For a union of attrs classes told apart by a ``Literal`` type: tag → (hook, class)."""
    if len(members) < 2 or not all(attrs.has(m) for m in members):
        return {}
    tags = ((tag_of(m), m) for m in members)
    return {tag: (converter.get_structure_hook(m), m) for tag, m in tags if tag is not None}


def _is_str_map(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin in (dict, collections.abc.Mapping) and typing.get_args(tp) == (str, str)


def _builder(cls: type) -> type:
    """A subclass of ``cls`` with its layout and ``object``'s plain attribute stores.

    Both ``__setattr__`` and ``__delattr__`` are restored: CPython fills one slot from the
    pair, and an inherited frozen ``__delattr__`` alone would keep stores unspecialized.
    """
    namespace = {
        "__slots__": (),
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        "__module__": cls.__module__,
        "__qualname__": f"{cls.__qualname__}.<builder>",
    }
    return type(f"{cls.__name__}Builder", (cls,), namespace)


def make_structure_fn(converter: cattrs.Converter, tp: Any) -> Callable[[Any, Any], Any]:
    """Compile the structure function of ``tp`` (a class, or a parametrized generic one)."""
    cls, hints = _hints(tp)
    fields = attrs.fields(cls)
    env: dict[str, Any] = {"_cls": cls, "_b": _builder(cls), "_new": object.__new__}
    env["_MISSING"] = _MISSING
    body = ["def structure(o, _):", "  get = o.get", "  obj = _new(_b)", "  m = 0"]
    for i, field in enumerate(fields):
        var = f"v{i}"
        lines = _field_lines(converter, hints[field.name], i, env)
        required = field.default is attrs.NOTHING
        fast = None if required else _fast_lines(hints[field.name], i, env)
        if required:
            body.append(f"  {var} = o[{field.name!r}]")
        else:
            env[f"d{i}"] = field.default
            body.append(f"  {var} = get({field.name!r}, _MISSING)")
        if fast is not None:  # the usual value first: one test, no sentinel or None check
            body.append(f"  if {fast[0]}: {fast[1]}")
        if not required:
            body.append(f"  {'el' if fast else ''}if {var} is _MISSING: {var} = d{i}; m += 1")
        if fast is not None or not required:
            body.append("  else:")
            body += [f"    {line}" for line in lines]
        else:
            body += [f"  {line}" for line in lines]
        body.append(f"  obj.{field.name} = {var}")
    if issubclass(cls, Model):  # keys the model does not know are kept, not dropped
        env["_known"], env["_proxy"] = frozenset(f.name for f in fields), MappingProxyType
        body.append(f"  if len(o) + m != {len(fields)}:")
        body.append("    obj._extra = _proxy({k: x for k, x in o.items() if k not in _known})")
    body += ["  obj.__class__ = _cls", "  return obj"]
    source = "\n".join(body) + "\n"
    filename = _register(_type_name(tp), source)
    exec(compile(source, filename, "exec"), env)
    fn: Callable[[Any, Any], Any] = env["structure"]
    return fn


def _type_name(tp: Any) -> str:
    """``module.Qualname``, with a generic's arguments: ``...Page[NormalizedCall]``."""
    cls = typing.get_origin(tp) or tp
    args = typing.get_args(tp)
    inner = ", ".join(getattr(a, "__qualname__", repr(a)) for a in args)
    return f"{cls.__module__}.{cls.__qualname__}" + (f"[{inner}]" if args else "")


def _register(name: str, source: str) -> str:
    """A linecache filename holding ``source``: the same for the same source (converters
    built again reuse it), numbered for another class of the same name."""
    lines = source.splitlines(keepends=True)
    n = 1
    while True:
        filename = f"<vocode_async structure {name}{f' #{n}' if n > 1 else ''}>"
        entry = (len(source), None, lines, filename)  # no mtime: linecache.checkcache keeps it
        if linecache.cache.setdefault(filename, entry) == entry:
            return filename
        n += 1


def source_of(fn: Callable[..., Any]) -> str | None:
    """The generated source of a structure function made here (None for any other)."""
    filename = getattr(getattr(fn, "__code__", None), "co_filename", "")
    if not filename.startswith("<vocode_async structure "):
        return None
    return "".join(linecache.getlines(filename)) or None

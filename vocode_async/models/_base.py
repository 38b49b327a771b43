"""Base pieces shared by every model module: markers the converter dispatches on."""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import attrs
import orjson

__all__ = ["ApiEnum", "DefaultVariant", "Model", "Page", "RequestBody", "UnknownVariant"]

T = TypeVar("T")
_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})
Serializer = Callable[[Any, bool], Any]
_serializer: list[Serializer] = []  # installed by the converter, which sits above the models


def install_serializer(serialize: Serializer) -> None:
    """Let models serialize themselves through ``serialize(model, reveal_secrets)``."""
    _serializer[:] = [serialize]


def _serialize(model: Model, reveal_secrets: bool) -> Any:
    """``model`` as plain data, through the converter's serializer.

    The converter sits above the models (it imports them) and installs its serializer when
    it is imported; a model module used without the rest of the package imports it here,
    on first use (a late import: no import cycle).
    """
    if not _serializer:
        importlib.import_module("vocode_async._converter")  # installs it
    return _serializer[0](model, reveal_secrets)


def secret(default: Any = attrs.NOTHING) -> Any:
    """A field holding a third-party secret: never in a repr, redacted in CLI output."""
    return attrs.field(default=default, repr=False, metadata={"secret": True})


class ApiEnum(str, enum.Enum):
    """An enum of the API's string values that prints as its value: ``print(call.status)``
    shows ``ended``, as does an f-string (the repr stays ``<CallStatus.ENDED: 'ended'>``)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return format(str(self.value), format_spec)


class Model:
    """What every model can do: serialize itself, and keep the fields it does not know.

    The API adds fields faster than any spec: a key of an answer that the model has no
    field for is kept, raw, in :attr:`extra_fields` and written back by :meth:`to_dict`.
    """

    __slots__ = ("_extra",)

    @property
    def extra_fields(self) -> Mapping[str, Any]:
        """The answer's keys this model does not know, with their raw JSON values (read-only).

        Empty for models built in code or decoded from an answer with no unknown key.
        """
        extra: Mapping[str, Any] = getattr(self, "_extra", _NO_EXTRA)
        return extra

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle and ``copy`` keep :attr:`extra_fields` (attrs' own state has fields only)."""
        state = {f.name: getattr(self, f.name) for f in attrs.fields(type(self))}  # type: ignore[arg-type]
        return (_restore, (type(self), state, dict(self.extra_fields) or None))

    def to_dict(self, *, reveal_secrets: bool = False) -> dict[str, Any]:
        """This model as JSON-ready plain data: ISO 8601 times, enum values, no ``UNSET`` (a
        field the API sent as ``{}``, "not set", where its default is something else, is
        written back as ``{}``).

        Secrets (and unknown fields whose names look secret) are ``"<redacted>"`` unless
        ``reveal_secrets=True``; decoding that output gives back an equal model.
        """
        data: dict[str, Any] = _serialize(self, reveal_secrets)
        return data

    def to_json(self, *, reveal_secrets: bool = False, indent: bool = False) -> str:
        """:meth:`to_dict` as a JSON string (``indent``: two spaces a level)."""
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_dict(reveal_secrets=reveal_secrets), option=option).decode()


def _restore(cls: type[Model], state: dict[str, Any], extra: dict[str, Any] | None) -> Model:
    """A pickled model back: its fields, and the unknown keys it was decoded with."""
    obj = cls.__new__(cls)
    for name, value in state.items():
        object.__setattr__(obj, name, value)
    if extra:
        object.__setattr__(obj, "_extra", MappingProxyType(extra))
    return obj


class RequestBody(Model):
    """Marks a request body: the converter omits every field left ``UNSET``."""

    __slots__ = ()


class DefaultVariant(Model):
    """Marks the tagged-union member an object without a ``type`` tag decodes as.

    Only where the spec makes the tag optional (telephony metadata); elsewhere a missing
    tag is an error.
    """

    __slots__ = ()


@attrs.frozen(kw_only=True)
class UnknownVariant(Model):
    """A tagged-union member whose ``type`` this SDK does not know yet.

    The API adds variants over time; rather than fail, the object keeps its tag and the
    raw mapping (re-encoded unchanged). Its repr hides the mapping, which may hold secrets.
    """

    type: str
    raw: Mapping[str, Any] = attrs.field(repr=False, hash=False)


@attrs.frozen(kw_only=True)
class Page(Model, Generic[T]):
    """One page of a listing, as the API returns it."""

    items: tuple[T, ...]
    page: int
    size: int
    has_more: bool
    total: int
    total_is_estimated: bool

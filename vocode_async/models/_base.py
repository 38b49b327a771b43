"""Base pieces shared by every model module: markers the converter dispatches on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import attrs

__all__ = ["DefaultVariant", "Page", "RequestBody", "UnknownVariant"]

T = TypeVar("T")


def secret(default: Any = attrs.NOTHING) -> Any:
    """A field holding a third-party secret: never in a repr, redacted in CLI output."""
    return attrs.field(default=default, repr=False, metadata={"secret": True})


class RequestBody:
    """Marks a request body: the converter omits every field left ``UNSET``."""

    __slots__ = ()


class DefaultVariant:
    """Marks the tagged-union member an object without a ``type`` tag decodes as.

    Only where the spec makes the tag optional (telephony metadata); elsewhere a missing
    tag is an error.
    """

    __slots__ = ()


@attrs.frozen(kw_only=True)
class UnknownVariant:
    """A tagged-union member whose ``type`` this SDK does not know yet.

    The API adds variants over time; rather than fail, the object keeps its tag and the
    raw mapping (re-encoded unchanged). Its repr hides the mapping, which may hold secrets.
    """

    type: str
    raw: Mapping[str, Any] = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a listing, as the API returns it."""

    items: tuple[T, ...]
    page: int
    size: int
    has_more: bool
    total: int
    total_is_estimated: bool

"""Small shared types: the UNSET sentinel, JSON aliases, a listing's knobs and its room."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal, TypeAlias, TypeVar, Union

__all__ = [
    "UNSET",
    "JSON",
    "JSONObject",
    "Query",
    "Unset",
    "Omittable",
    "Prefetch",
    "DEFAULT_PREFETCH",
    "NoRoom",
    "Room",
]

JSON: TypeAlias = Union["JSONObject", Sequence["JSON"], str, int, float, bool, None]
JSONObject: TypeAlias = Mapping[str, JSON]
Query: TypeAlias = Mapping[str, "str | int | float | bool | None"]
Prefetch: TypeAlias = int | Literal["auto"]
"""A listing's ``prefetch``: ``"auto"``, or a fixed number of requests in flight."""
DEFAULT_PREFETCH: Prefetch = "auto"
"""The one place the default of every ``list()`` and of ``calls export`` is written."""
DEFAULT_MAX_PREFETCH = 32
"""The deepest ``"auto"`` goes (requests in flight)."""
DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024
"""The answers ``"auto"`` lets a listing hold at once, in bytes as received."""
Room: TypeAlias = Callable[[int], bool]
"""Asked by the transport while a listing page's answer comes in: may the listing hold an
answer of this many bytes (as decoded so far; first the Content-Length of a plain body)?"""


class NoRoom(Exception):
    """A listing page's answer was dropped unread: ``max_buffered_bytes`` had no room for
    ``size`` bytes (at least) while earlier pages are held. The pager asks for the page again
    when there is room; this never leaves the pager."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class Unset(enum.Enum):
    """The type of :data:`UNSET`: "not passed", kept apart from ``None``."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = Unset.UNSET
"""Marks an argument or field the caller did not pass (partial updates, per-call overrides)."""

_T = TypeVar("_T")
Omittable: TypeAlias = _T | Unset

"""Endpoint: what a resource method declares (method, path, response type, safety), and
:class:`Safety`, how safe an operation is to repeat (the retrier reads it, endpoints declare it)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

import attrs

from ._checks import path_problem

__all__ = ["Endpoint", "Safety"]

T = TypeVar("T")
_METHOD = re.compile(r"[A-Z]+")


class Safety(enum.Enum):
    """How safe an operation is to send twice."""

    SAFE = "safe"
    """Reads and idempotent updates: repeating them changes nothing."""
    UNSAFE = "unsafe"
    """``calls.create`` and ``numbers.buy``: repeating them can act twice."""


def _names(names: Iterable[str]) -> frozenset[str]:
    return frozenset(names)


@attrs.frozen
class Endpoint(Generic[T]):
    """One API operation. ``response`` is the model the body decodes into (None: no body).

    ``accept`` is the media type of its answer (sent as ``Accept``: a server that negotiates
    content refuses a JSON-only ``Accept`` on the recording, which is ``audio/mpeg``).

    ``creates`` names the body fields that take either the id of an existing object or the
    parameters of one the API then makes (an agent's ``actions``, a number's
    ``inbound_agent``). A request whose body gives one of them inline is unsafe to repeat,
    however safe the operation: see :meth:`safety_of`.
    """

    method: str
    path: str
    response: Any
    safety: Safety = Safety.SAFE
    accept: str = "application/json"
    creates: frozenset[str] = attrs.field(default=frozenset(), converter=_names)

    def safety_of(self, body: Any) -> Safety:
        """How safe this request is to repeat, given its encoded JSON ``body``.

        An update that names nested objects by id changes only what it names; one that
        gives a nested object's parameters may make a new object each time it is sent
        (a lost answer, retried, leaves an orphan), so it is treated as a create.
        """
        if self.safety is Safety.UNSAFE or not self.creates or not isinstance(body, dict):
            return self.safety
        for name in self.creates & body.keys():
            value = body[name]
            items = value if isinstance(value, list) else [value]
            if any(isinstance(item, dict) for item in items):
                return Safety.UNSAFE
        return self.safety

    def __attrs_post_init__(self) -> None:
        # Paths are joined to the base URL; one that is not a plain absolute path could
        # point the request (and its Authorization header) at another origin, and a CR or
        # LF in it would be dropped on the way (another path) or split the request line.
        problem = path_problem(self.path)
        if problem is not None:
            raise ValueError(problem)
        if not isinstance(self.method, str) or not _METHOD.fullmatch(self.method):
            raise ValueError(f"{self.method!r} is not an HTTP method")

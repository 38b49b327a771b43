"""Endpoint: what a resource method declares (method, path, response type, safety)."""

from __future__ import annotations

import re
from typing import Any, Generic, TypeVar

import attrs

from ._checks import path_problem
from ._retry import Safety

__all__ = ["Endpoint"]

T = TypeVar("T")
_METHOD = re.compile(r"[A-Z]+")


@attrs.frozen
class Endpoint(Generic[T]):
    """One API operation. ``response`` is the model the body decodes into (None: no body).

    ``accept`` is the media type of its answer (sent as ``Accept``: a server that negotiates
    content refuses a JSON-only ``Accept`` on the recording, which is ``audio/mpeg``).
    """

    method: str
    path: str
    response: Any
    safety: Safety = Safety.SAFE
    accept: str = "application/json"

    def __attrs_post_init__(self) -> None:
        # Paths are joined to the base URL; one that is not a plain absolute path could
        # point the request (and its Authorization header) at another origin, and a CR or
        # LF in it would be dropped on the way (another path) or split the request line.
        problem = path_problem(self.path)
        if problem is not None:
            raise ValueError(problem)
        if not isinstance(self.method, str) or not _METHOD.fullmatch(self.method):
            raise ValueError(f"{self.method!r} is not an HTTP method")

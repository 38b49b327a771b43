"""Endpoint: what a resource method declares (method, path, response type, safety)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import attrs

from ._retry import Safety

__all__ = ["Endpoint"]

T = TypeVar("T")


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
        # point the request (and its Authorization header) at another origin.
        if not self.path.startswith("/") or "//" in self.path or "@" in self.path:
            raise ValueError(f"endpoint path must be a plain absolute path: {self.path!r}")

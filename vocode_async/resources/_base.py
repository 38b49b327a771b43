"""The base of every resource group: a handle on the client's one request path."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Resource"]

if TYPE_CHECKING:
    from .._client import AsyncVocode


class Resource:
    """A group of operations (``client.calls``, ...); methods only declare what to send."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncVocode) -> None:
        self._client = client

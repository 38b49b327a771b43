"""The base of every blocking group (``Vocode().calls``, ...), and its raw responses.

The groups themselves are generated from the async ones (``scripts/gen_sync.py`` writes
``_sync_resources.py``): each method forwards to the same method of the async client on the
loop thread, with the same signature, models and errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._bridge import Bridge
from ._raw import RawResponse

__all__ = ["SyncRawResponses", "SyncResource"]


class SyncResource:
    """A blocking group of operations; each method runs its async twin to the end."""

    __slots__ = ("_bridge",)
    _group: str = ""  # the attribute of AsyncVocode this group mirrors

    def __init__(self, bridge: Bridge) -> None:
        self._bridge = bridge

    @property
    def with_raw_response(self) -> SyncRawResponses:
        """The same methods, answering a :class:`~vocode_async.RawResponse` (status, headers,
        request id, elapsed; ``parse()`` gives what the async method gives: for ``list`` the
        first page, for ``recording`` the whole body)."""
        return SyncRawResponses(self._bridge, self._group)


class SyncRawResponses:
    """``<group>.with_raw_response`` of a blocking group: each method answers a RawResponse."""

    __slots__ = ("_bridge", "_group")

    def __init__(self, bridge: Bridge, group: str) -> None:
        self._bridge = bridge
        self._group = group

    def _raw(self) -> Any:
        return getattr(self._bridge.client, self._group).with_raw_response

    def __getattr__(self, name: str) -> Callable[..., RawResponse[Any]]:
        method = getattr(self._raw(), name)  # an AttributeError naming the group if unknown
        bridge = self._bridge

        def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
            # Looked up again: after a fork the async client is a new one.
            raw: RawResponse[Any] = bridge.run(getattr(self._raw(), name), *args, **kwargs)
            return raw

        call.__name__ = name
        call.__doc__ = method.__doc__
        return call

    def __dir__(self) -> list[str]:
        return dir(self._raw())

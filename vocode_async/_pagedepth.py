"""How many page requests a listing keeps in flight: the object the pager asks.

The pager asks :meth:`Depth.depth` each time it tops up its requests, and tells the object
what it saw (:meth:`Depth.observe`). :class:`FixedDepth` is ``prefetch=N``: it asks N
whatever happens. A controller that grows the depth while the consumer waits and shrinks
it on 429/503/timeouts (issue 20) is another :class:`Depth`; ``limit`` bounds it, and sizes
the window of ids the pager keeps. Drift halves the depth on top of what this object says
(see :class:`._pagestate.PageState`).
"""

from __future__ import annotations

from typing import Protocol

import attrs

__all__ = ["Depth", "FixedDepth", "Waited"]


@attrs.frozen
class Waited:
    """The consumer reached page ``page`` and waited ``seconds`` for its answer."""

    page: int
    seconds: float


class Depth(Protocol):
    """A prefetch depth: how many requests to keep in flight now."""

    @property
    def limit(self) -> int:
        """The deepest it will ever ask for."""
        ...

    def depth(self) -> int:
        """Requests to keep in flight now (0: one page at a time, asked when reached)."""
        ...

    def observe(self, event: Waited) -> None:
        """What the pager saw; a fixed depth ignores it."""
        ...


@attrs.frozen
class FixedDepth:
    """``prefetch=N``: always N requests in flight (drift may still halve it)."""

    n: int

    @property
    def limit(self) -> int:
        return self.n

    def depth(self) -> int:
        return self.n

    def observe(self, event: Waited) -> None:
        pass

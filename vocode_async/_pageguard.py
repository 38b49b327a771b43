"""The ids a listing remembers, in memory bounded whatever the listing's length.

- :class:`Recent` keeps the ids of the last :data:`WINDOW` pages (more with a deep prefetch;
  pages that repeated ids count for their new ones, up to :data:`STRETCH` times as many):
  drift duplicates are dropped, and pages made only of them (a cycle of up to WINDOW
  pages, a server that answers page 1 again) stop the listing.
- What it does not catch: a server that cycles with a period longer than the window, says
  ``has_more`` forever and gives only an estimated ``total`` repeats ids older than the
  window. Knowing every id would take memory that grows with the listing, and a per-id
  sketch of old ids costs more CPU per listed call than the listing itself allows (it was
  tried: +0.3 us a call). Bound such a listing with ``max_items=`` / ``max_pages=``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable

__all__ = ["STRETCH", "WINDOW", "Recent"]

WINDOW = 8
"""Pages whose ids are kept exactly (at most ``WINDOW * size`` ids)."""

STRETCH = 4
"""How many times its pages the window keeps, at most, while they repeat ids."""


class Recent:
    """The ids of the last pages, exactly (``index``: id -> its position in the listing).

    The pager admits a page's ids straight into ``index`` (``setdefault``: one dict operation
    an id tells new from seen), then calls :meth:`commit` with the new ones. An id seen
    again (:meth:`touch`) stays in the window as long as pages keep repeating it, so a short
    cycle cannot outlast the window and come back as new.
    """

    __slots__ = ("_gen", "_kept", "_pages", "_touched", "index", "limit", "seq", "span", "want")

    def __init__(self, pages: int = WINDOW) -> None:
        self.limit = pages
        self._pages: deque[tuple[int, list[Hashable], int]] = deque()
        self._gen = 0  # pages committed so far
        self._kept: dict[Hashable, int] = {}  # id seen again -> the latest page holding it
        self._touched: list[Hashable] = []
        self.index: dict[Hashable, int] = {}
        self.seq = 0  # ids admitted so far: how far into the listing an id sits
        self.span = 0
        """The latest ids yielded that the window holds for sure: the new ids of its pages."""
        self.want = 0
        """The ids the window keeps at least (``limit`` pages of the size the server pages
        by): pages that repeated ids hold fewer new ones, so it then keeps more pages, up
        to :data:`STRETCH` times ``limit``."""

    def touch(self, key: Hashable) -> None:
        """``key`` came back on the page being admitted: keep it with that page."""
        self._touched.append(key)

    def commit(self, keys: list[Hashable], seq: int) -> None:
        """``keys`` (admitted up to position ``seq``) are one page; the oldest page leaves."""
        self.seq = seq
        self._gen += 1
        fresh = len(keys)
        self.span += fresh
        if self._touched:
            for key in self._touched:
                self._kept[key] = self._gen
            keys = keys + self._touched
            self._touched = []
        pages = self._pages
        pages.append((self._gen, keys, fresh))
        while len(pages) > self.limit and (
            self.span - pages[0][2] >= self.want or len(pages) > STRETCH * self.limit
        ):
            self._forget()

    def _forget(self) -> None:
        """The oldest page leaves (an id another page repeated stays with that one)."""
        gen, old, gone = self._pages.popleft()
        self.span -= gone
        if not self._kept:
            deque(map(self.index.pop, old), maxlen=0)  # the usual case: a loop in C
            return
        for key in old:
            latest = self._kept.get(key)
            if latest is None or latest <= gen:
                self._kept.pop(key, None)
                self.index.pop(key, None)

    def oldest(self, key: Hashable) -> bool:
        """Whether ``key`` is among the ids of the oldest page the window keeps."""
        return bool(self._pages) and key in self._pages[0][1]

    def reach(self, keys: Iterable[Hashable]) -> int:
        """The latest position of any of ``keys`` in the window; 0 if none is there."""
        index = self.index
        return max((index.get(key, 0) for key in keys), default=0)

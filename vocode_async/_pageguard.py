"""What a listing checks on every page, in memory bounded whatever the listing's length.

- :func:`check_echo` reads the parsed JSON before the (costly) decode: a page that is not
  the one asked for, a negative ``size``/``total``, more items than ``size`` asked for, or
  a page that starts a whole page past an exact ``total`` is a :class:`PaginationError`.
- :class:`Recent` keeps the ids of the last :data:`WINDOW` pages (more with a deep prefetch):
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
from typing import Any

from ._errors import PaginationError

__all__ = ["WINDOW", "Recent", "check_echo"]

WINDOW = 8
"""Pages whose ids are kept exactly (at most ``WINDOW * size`` ids)."""


def check_echo(data: Any, *, number: int, size: int | None) -> None:
    """Refuse a page whose echoes contradict the request. Types are left to the decode."""
    if not isinstance(data, dict):
        return
    page, items, total = data.get("page"), data.get("items"), data.get("total")
    if type(page) is int and page != number:
        raise PaginationError(
            f"asked for page {number}, the server answered page {page}", page=number
        )
    for name in ("size", "total"):
        value = data.get(name)
        if type(value) is int and value < 0:
            raise PaginationError(f"page {number} has a negative {name} ({value})", page=number)
    count = len(items) if isinstance(items, list) else 0
    if size is not None and count > size:
        raise PaginationError(
            f"page {number} holds {count} items, more than the {size} asked for", page=number
        )
    if (
        size is not None
        and type(total) is int
        and data.get("total_is_estimated") is False
        and (number - 2) * size >= total
        and (count or data.get("has_more") is True)
    ):
        raise PaginationError(
            f"page {number} has items or has_more, a whole page past the exact total {total}",
            page=number,
        )


class Recent:
    """The ids of the last pages, exactly (``index``: id -> its position in the listing).

    The pager admits a page's ids straight into ``index`` (``setdefault``: one dict operation
    an id tells new from seen), then calls :meth:`commit` with the new ones. An id seen
    again (:meth:`touch`) stays in the window as long as pages keep repeating it, so a short
    cycle cannot outlast the window and come back as new.
    """

    __slots__ = ("_gen", "_kept", "_limit", "_pages", "_touched", "index", "seq")

    def __init__(self, pages: int = WINDOW) -> None:
        self._limit = pages
        self._pages: deque[tuple[int, list[Hashable]]] = deque()
        self._gen = 0  # pages committed so far
        self._kept: dict[Hashable, int] = {}  # id seen again -> the latest page holding it
        self._touched: list[Hashable] = []
        self.index: dict[Hashable, int] = {}
        self.seq = 0  # ids admitted so far: how far into the listing an id sits

    def touch(self, key: Hashable) -> None:
        """``key`` came back on the page being admitted: keep it with that page."""
        self._touched.append(key)

    def commit(self, keys: list[Hashable], seq: int) -> None:
        """``keys`` (admitted up to position ``seq``) are one page; the oldest page leaves."""
        self.seq = seq
        self._gen += 1
        if self._touched:
            for key in self._touched:
                self._kept[key] = self._gen
            keys = keys + self._touched
            self._touched = []
        self._pages.append((self._gen, keys))
        if len(self._pages) > self._limit:
            gen, old = self._pages.popleft()
            if not self._kept:
                deque(map(self.index.pop, old), maxlen=0)  # the usual case: a loop in C
                return
            for key in old:
                latest = self._kept.get(key)
                if latest is None or latest <= gen:
                    self._kept.pop(key, None)
                    self.index.pop(key, None)

    def reach(self, keys: Iterable[Hashable]) -> int:
        """The latest position of any of ``keys`` in the window; 0 if none is there."""
        index = self.index
        return max((index.get(key, 0) for key in keys), default=0)

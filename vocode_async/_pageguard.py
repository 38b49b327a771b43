"""What a listing checks on every page, in memory bounded whatever the listing's length.

- :func:`check_echo` reads the parsed JSON before the (costly) decode: a page that is not
  the one asked for, a negative ``size``/``total``, more items than ``size`` asked for, or
  a page that starts a whole page past an exact ``total`` is a :class:`PaginationError`.
- :class:`Recent` keeps the ids of the last :data:`WINDOW` pages (more with a deep prefetch):
  drift duplicates are dropped, and pages made only of them (a cycle of up to WINDOW
  pages, a server that answers page 1 again) stop the listing.
- :class:`Sketch` remembers the ids that left the window in a fixed 1 MiB bit array (one
  bit per hash of one id in eight, sampled by hash so a repeated id is sampled again),
  allocated only when a listing outgrows the window. It cannot say that one id was seen
  (a bit may be another id's), so it never drops an item; it stops a listing when every
  sampled id of a page of new-looking ids hits a set bit and the chance of that by
  accident (``fill ** sampled``) is below 1e-12: a cycle longer than the window. With
  pages of 100 that holds up to about 5 million ids listed; past that, or with pages
  under about 50, it goes quiet rather than wrong.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from typing import Any

from ._errors import PaginationError

__all__ = ["WINDOW", "Recent", "Sketch", "check_echo"]

WINDOW = 8
"""Pages whose ids are kept exactly (at most ``WINDOW * size`` ids)."""

_BITS = 1 << 23  # 1 MiB
_MASK = _BITS - 1
_CHANCE = 1e-12


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
    """The ids of the last pages, exactly (``index``: id -> its position in the listing);
    ids of older pages go to a :class:`Sketch`.

    The pager admits a page's ids straight into ``index`` (``setdefault``: one dict operation
    an id tells new from seen), then calls :meth:`commit` with the new ones.
    """

    __slots__ = ("_limit", "_pages", "_sketch", "index", "seq")

    def __init__(self, pages: int = WINDOW) -> None:
        self._limit = pages
        self._pages: deque[list[Hashable]] = deque()
        self._sketch: Sketch | None = None
        self.index: dict[Hashable, int] = {}
        self.seq = 0  # ids admitted so far: how far into the listing an id sits

    def commit(self, keys: list[Hashable], seq: int) -> None:
        """``keys`` (admitted up to position ``seq``) are one page; the oldest page leaves."""
        self.seq = seq
        self._pages.append(keys)
        if len(self._pages) > self._limit:
            old, index = self._pages.popleft(), self.index
            for key in old:
                del index[key]
            if self._sketch is None:
                self._sketch = Sketch()
            self._sketch.add(old)

    def reach(self, keys: Iterable[Hashable]) -> int:
        """The latest position of any of ``keys`` in the window; 0 if none is there."""
        index = self.index
        return max((index.get(key, 0) for key in keys), default=0)

    def repeats(self, keys: list[Hashable]) -> bool:
        """True when ``keys`` (none in the window) are, beyond reasonable doubt, old ids."""
        return self._sketch is not None and self._sketch.repeats(keys)


class Sketch:
    """One bit per sampled id hash (1 id in 8, by hash) in a fixed bit array: bounded memory,
    and a repeated id is always sampled again. It never says "new" of a seen id."""

    __slots__ = ("_bits", "_set")

    def __init__(self) -> None:
        self._bits = bytearray(_BITS >> 3)
        self._set = 0

    def add(self, keys: Iterable[Hashable]) -> None:
        bits = self._bits
        for key in keys:
            h = hash(key)
            if h & 7:
                continue
            i = (h >> 3) & _MASK
            mask = 1 << (i & 7)
            if not bits[i >> 3] & mask:
                bits[i >> 3] |= mask
                self._set += 1

    def repeats(self, keys: list[Hashable]) -> bool:
        """Every sampled id of ``keys`` is set, and that many by chance is beyond belief."""
        bits, sampled = self._bits, 0
        for key in keys:
            h = hash(key)
            if h & 7:
                continue
            i = (h >> 3) & _MASK
            if not bits[i >> 3] & (1 << (i & 7)):
                return False  # a new page gets here within a few ids
            sampled += 1
        return sampled > 0 and (self._set / _BITS) ** sampled < _CHANCE

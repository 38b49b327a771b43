"""Decoding one listed page: its items a chunk at a time, each chunk's JSON dropped once decoded.

A page's parsed JSON is about four container objects an item (the item, its telephony
metadata, ``context``, ``telephony_params``). Dropped chunk by chunk rather than with the
whole page, they are freed while the models are built, so the collector's count of young
objects climbs by what the models keep, not by the whole page's JSON on top of it (on a
busy worker, collections are a third of a listing's CPU).

:class:`PageDecode` is a step function: :meth:`PageDecode.run` decodes for up to a time
budget and returns None if items are left, so the pager lets the event loop run between
steps; run without a budget it finishes at once (what a caller that needs the page now
does, mid-way or not). A page that does not decode is handed, as what is left of it, to the
whole-page decode, which names the bad field (its index counted from the page's start).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ._converter import Decoder
from .models._base import Page

__all__ = ["CHUNK", "PageDecode"]

T = TypeVar("T")

CHUNK = 32
"""Items decoded between two looks at the clock (and two drops of decoded JSON)."""

# The whole-page decode: (what is left of the parsed page, items decoded before it) -> page.
Whole = Callable[[Any, int], Page[T]]


class PageDecode(Generic[T]):
    """The decode of one parsed page into ``into`` (a ``Page[X]``), resumable.

    ``data`` is the page's parsed JSON, owned from here on: its ``items`` list shrinks as
    they are decoded. ``whole`` decodes what is left of it the detailed way (and raises the
    error that names the field) when a chunk fails.
    """

    __slots__ = ("_data", "_done", "_each", "_fast", "_head", "_hook", "_into", "_whole")

    def __init__(self, decoder: Decoder, data: Any, into: Any, whole: Whole[T]) -> None:
        self._data = data
        self._into = into
        self._fast = decoder.fast
        self._hook, item = decoder.item_hook(into)
        self._each = itertools.repeat(item)
        self._whole = whole
        self._done: list[T] = []
        self._head: Page[T] | None = None

    def run(self, budget: float | None = None) -> Page[T] | None:
        """Decode for about ``budget`` seconds (None: to the end); the page, or None while
        items are left. Raises what the whole-page decode raises for a bad page."""
        if self._data is None:
            raise RuntimeError("the page was decoded already")
        if self._head is None and not self._start():
            return self._fall_back()
        finished = self._chunks(budget)
        if finished is None:
            return self._fall_back()
        if not finished:
            return None
        page, self._head, self._data = self._head, None, None
        assert page is not None
        object.__setattr__(page, "items", tuple(self._done))  # new: nobody has seen it yet
        self._done = []
        return page

    def _start(self) -> bool:
        """Decode the page's own fields (False if they or its items list are not right)."""
        data = self._data
        if type(data) is not dict or type(data.get("items")) is not list:
            return False
        try:
            self._head = self._fast.structure({**data, "items": []}, self._into)
        except Exception:
            return False
        return True

    def _chunks(self, budget: float | None) -> bool | None:
        """Decode chunks until the items are done (True) or the budget is spent (False);
        None if a chunk failed (left in the items, those before it in ``_done``)."""
        items: list[Any] = self._data["items"]
        hook, each, done = self._hook, self._each, self._done
        clock = time.perf_counter
        deadline = None if budget is None else clock() + budget
        while items:
            decoded = len(done)
            try:
                done += map(hook, items[:CHUNK], each)
            except Exception:
                del done[decoded:]
                return None
            del items[:CHUNK]  # this chunk's JSON goes now
            if deadline is not None and items and clock() >= deadline:
                return False
        return True

    def _fall_back(self) -> Page[T]:
        """What is left of the page through the whole-page decode (which raises if bad);
        no local here holds the parsed JSON (error reports record locals)."""
        skip, done = len(self._done), self._done
        self._head, self._done = None, []
        page = self._whole(self._take(), skip)
        if done:  # decoded whole after all (a failure that did not repeat): keep both parts
            object.__setattr__(page, "items", (*done, *page.items))
        return page

    def _take(self) -> Any:
        data, self._data = self._data, None
        return data

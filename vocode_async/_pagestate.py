"""The pager's decisions, without I/O: stamped pages in, plain frozen decisions out.

:class:`PageState` is told what the driver (:class:`._pagination.AsyncPager`) sees — a request
leaving, an answer landing, the consumer reaching a page, a fresh copy of it — and answers
what to do: which pages to request or drop, which page to fetch again, which items to yield,
when to stop. It raises :class:`PaginationError` where a page breaks a rule. No clock, no
event loop: every rule is a table test (``tests/test_pagestate.py``).
"""

from __future__ import annotations

import math
import operator
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs

from ._errors import PaginationError
from ._pagedepth import Depth
from ._pageguard import WINDOW, Recent

__all__ = [
    "CHASE",
    "STALLS",
    "Answer",
    "Chunk",
    "Cut",
    "Fill",
    "PageState",
    "PagerStats",
    "Refetch",
    "Skip",
    "Take",
]

STALLS = 2
"""Pages of only duplicates skipped in a row (drift of a page or more) before giving up."""
CHASE = 32
"""Pages a re-fetch may walk forward to reach the stale copy it replaces."""


class Answer(Protocol):
    """One page as the machine reads it: what was asked, when, and what came back.

    ``sent``/``received`` are the machine's clock (:meth:`PageState.send`, :meth:`PageState.tick`)
    when it was asked and answered; ``echoed`` the page number the server said, ``count`` how
    many items it holds before any decoding; ``total``/``size`` the integers the page says
    (None if absent), ``estimated`` unless ``total_is_estimated`` is false; ``items`` the
    decoded items (read only when a rule needs them).
    """

    @property
    def number(self) -> int: ...
    @property
    def sent(self) -> int: ...
    @property
    def received(self) -> int: ...
    @property
    def echoed(self) -> int | None: ...
    @property
    def count(self) -> int: ...
    @property
    def has_more(self) -> bool: ...
    @property
    def total(self) -> int | None: ...
    @property
    def estimated(self) -> bool: ...
    @property
    def size(self) -> int | None: ...
    @property
    def items(self) -> Sequence[Any]: ...


A = TypeVar("A", bound=Answer)


@attrs.define
class PagerStats:
    """What a listing did.

    ``pages`` accepted, ``items`` yielded, ``requests`` sent (retries aside), ``dropped``
    boundary duplicates, ``shifts`` pages that revealed calls inserted since an earlier
    page, ``refetched`` pages fetched again because such a shift could have hidden a call,
    ``cancelled`` requests for pages past the end, ``shrunk`` calls an exact total lost
    between two pages answered in order (deletions: each may have hidden a call),
    ``throttled`` times the prefetch was halved because drift outran the pages in flight;
    ``depth`` the requests the listing keeps in flight now (as its ``prefetch`` decides:
    fixed, or what ``"auto"`` chose), ``depth_max`` the largest it reached,
    ``depth_changes`` how many times ``"auto"`` changed it; ``deferred`` answers dropped
    unread because ``max_buffered_bytes`` had no room for them while earlier pages were held
    (each page asked again once there was), ``held_max`` the most bytes of answers (as
    received) the listing held at once, the page being consumed included.
    """

    pages: int = 0
    items: int = 0
    requests: int = 0
    dropped: int = 0
    shifts: int = 0
    refetched: int = 0
    cancelled: int = 0
    shrunk: int = 0
    throttled: int = 0
    depth: int = 0
    depth_max: int = 0
    depth_changes: int = 0
    deferred: int = 0
    held_max: int = 0


# -- decisions ------------------------------------------------------------------------


@attrs.frozen
class Cut:
    """Page ``after`` is the end: cancel the requests in flight for every later page."""

    after: int
    reason: str = "has_more is false"


@attrs.frozen
class Refetch:
    """Fetch page ``page`` again and hand the copy to :meth:`PageState.refetched`."""

    page: int
    reason: str


@attrs.frozen
class Chunk(Generic[A]):
    """The copies that make page ``page`` (one, or fresh copies then the stale one), and the
    ``edge``: the copy whose ``has_more``/``total`` count (where the listing got to)."""

    page: int
    copies: tuple[A, ...]
    edge: A
    reason: str


@attrs.frozen
class Fill:
    """Drop the requests for pages after ``drop_after`` (``past_end``: pages past the end,
    counted as cancelled; else pages cancelled by an end drift overtook, to ask again), then
    request ``send``."""

    send: range
    drop_after: int | None = None
    past_end: bool = False
    reason: str = "ahead"


@attrs.frozen
class Take:
    """Yield ``items`` of page ``page`` (``whole``: the edge's items, untouched); ``stop``
    says why nothing follows (``end``, ``max_items``, ``max_pages``), None if more may."""

    page: int
    items: tuple[Any, ...]
    whole: bool
    dropped: int
    stop: str | None


@attrs.frozen
class Skip:
    """Page ``page`` brought only duplicates that drift explains: yield nothing, go on."""

    page: int
    reason: str


@attrs.frozen
class _Edge:
    """Where the listing got to: the answer that holds the last accepted item."""

    received: int
    total: int | None


@attrs.define
class _Chase:
    stale: Any
    keys: set[Hashable]
    copies: list[Any] = attrs.field(factory=list)


def exact_total(answer: Answer) -> int | None:
    return None if answer.estimated else answer.total


def last_page(answer: Answer) -> int | None:
    """The last page ``total`` (exact or estimated) says exists, if the page says so."""
    total, size = answer.total, answer.size
    if total is None or size is None or size < 1:
        return None
    return math.ceil(total / size)


class PageState(Generic[A]):
    """The rules of a page-number listing, as a synchronous state machine.

    **Drift.** Calls created during a newest-first listing shift every later item. Every
    request is stamped when sent and when answered. A gap between pages k, k+1 needs k+1
    answered before k with calls inserted in between: k+1 sent before k landed, and an insert
    after k+1 was sent, which shows as a shift (boundary duplicates, an exact ``total`` that
    changed) on a page that landed after k+1 was sent. So page k+1 with no overlap with what
    came before, sent before page k landed and with a shift seen since, is fetched again
    (:class:`Refetch`; the fresh copy overlaps page k) and the copies merged. An exact total
    as high as page k's proves nothing: the API counts and reads a page in two queries, so
    inserts can shift page k after its count. No drift: nothing is fetched twice.

    **Duplicates.** Drift of a page or more between requests in flight together makes pages
    of only duplicates: skipped (:class:`Skip`) while they reach further into what was
    yielded, and the depth halved (``stats.throttled``); :data:`STALLS` that stop reaching
    (unless inserts the exact total counted, not yet seen again, explain them: up to
    :data:`CHASE` such pages in a row), an empty page with ``has_more``, or one answered in
    order with an exact total that did not grow (a cycle, not drift) raise. A re-fetch that
    cannot reach the stale copy within :data:`CHASE` pages raises.

    **Unseen.** A deletion moves later calls up one, so a page-number listing can skip one;
    an exact total that shrank between pages answered in order is counted (``stats.shrunk``).
    """

    def __init__(
        self,
        depth: Depth,
        *,
        start_page: int = 1,
        size: int | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        key: Callable[[Any], Hashable] = operator.attrgetter("id"),
    ) -> None:
        self.depth = depth
        self.stats = PagerStats()
        self.capped = False
        """The last :meth:`fill` stopped at the depth while the listing expected more pages
        (and drift had not cut the depth lower): a deeper listing would have asked more."""
        self._size = size
        self._max_items = max_items
        self._last_allowed = None if max_pages is None else start_page + max_pages - 1
        self._key = key
        self._clock = 0
        self._next_page = start_page
        self._ahead: deque[int] = deque()  # pages requested, not yet reached, in order
        self._end: int | None = None  # the lowest page that answered has_more: false
        self._last_page: int | None = None  # from total, exact or estimated
        self._bound = 0  # the last page the last fill allowed requests for (0: none yet)
        self._cap = depth.limit  # the depth drift left (halved by each throttle)
        self._more = True  # the last page accepted said has_more, and no bound was reached
        self._taken = 0  # items accepted so far (max_items counts these)
        self._recent = Recent(max(WINDOW, 2 * depth.limit + 2))
        self._edge: _Edge | None = None
        self._shifted_at = 0  # the clock when the latest shift landed (0: none seen)
        self._stalls = 0  # pages of only duplicates since the last new item, not catching up
        self._explained = 0  # of those, pages the exact total's growth explained
        self._reach = 0  # how far into what was yielded those pages reached
        self._growth = 0  # calls an exact total grew by, not yet seen again as duplicates
        self._chase: _Chase | None = None
        self._behind = 0  # calls the exact total grew by, less the duplicates met since
        self._echoed_size: int | None = None  # the size the first page that said one said

    @property
    def more(self) -> bool:
        """Whether the listing goes on (False at the end or a bound)."""
        return self._more

    @property
    def in_flight(self) -> tuple[int, ...]:
        """The pages requested and not yet reached, in order."""
        return tuple(self._ahead)

    # -- requests -------------------------------------------------------------------

    def tick(self) -> int:
        """Advance the clock: the stamp of an answer landing."""
        self._clock += 1
        return self._clock

    def send(self) -> int:
        """A request leaves (counted): its stamp."""
        self.stats.requests += 1
        return self.tick()

    def next_request(self) -> int | None:
        """Nothing in flight: the page to request now (the consumer waits for it)."""
        if self._ahead:
            return None
        number = self._next_page
        self._next_page += 1
        self._ahead.append(number)
        return number

    def landed(self, answer: A) -> Cut | None:
        """An answer landed: check its echoes; a page past the end cuts what follows."""
        self.check(answer)
        if answer.has_more:
            return None
        number = answer.number
        if self._end is None or number < self._end:
            self._end = number
        return Cut(number)

    def check(self, answer: Answer) -> None:
        """Refuse a page whose echoes contradict the request, or each other, or an earlier
        page's (read before any decoding): each rule stops a listing that would otherwise
        leave calls out without saying so."""
        number, total, echoed = answer.number, answer.total, answer.size
        if answer.echoed is not None and answer.echoed != number:
            raise PaginationError(
                f"asked for page {number}, the server answered page {answer.echoed}", page=number
            )
        for name, value in (("size", echoed), ("total", total)):
            if value is not None and value < 0:
                raise PaginationError(f"page {number} has a negative {name} ({value})", page=number)
        size = self._size
        if size is not None and answer.count > size:
            raise PaginationError(
                f"page {number} holds {answer.count} items, more than the {size} asked for",
                page=number,
            )
        if echoed:
            if answer.count > echoed:
                raise PaginationError(
                    f"page {number} holds {answer.count} items, more than the size {echoed} "
                    "it says it pages by",
                    page=number,
                )
            # Page k holds the calls (k-1)*size to k*size: a size that changes mid-listing
            # moves every later page, and the calls between the two layouts are never listed.
            if self._echoed_size is None:
                self._echoed_size = echoed
            elif echoed != self._echoed_size:
                raise PaginationError(
                    f"page {number} says it pages by {echoed}, an earlier page said "
                    f"{self._echoed_size}: the pages moved under the listing",
                    page=number,
                )
        # A server that keeps its pages smaller than asked, and echoes that size, pages by it.
        known = [n for n in (size, echoed or self._echoed_size) if n]
        if not known:
            return
        full = min(known)
        exact = None if answer.estimated else total
        if exact is not None and (number - 2) * full >= exact and (answer.count or answer.has_more):
            raise PaginationError(
                f"page {number} has items or has_more, a whole page past the exact total {exact}",
                page=number,
            )
        # A page that says more follow is full: the calls a short one leaves out would never
        # be listed.
        if answer.has_more and 0 < answer.count < full:
            raise PaginationError(
                f"page {number} holds {answer.count} items, fewer than a full page of {full}, "
                "and says has_more: the calls it left out cannot be listed (stopping rather "
                "than skipping them)",
                page=number,
            )
        # The last page ends where its own exact total says the listing ends, give or take
        # what lands between the API's page query and its count query (less than a page,
        # as for items past the total above).
        if not answer.has_more and exact is not None:
            listed = (number - 1) * full + answer.count
            if exact - listed >= full:
                raise PaginationError(
                    f"page {number} says it is the last, but its exact total {exact} counts "
                    f"{exact - listed} calls after it (pages of {full}): they cannot be listed",
                    page=number,
                )

    def fill(self, chunk: Chunk[A]) -> Fill:
        """The page is reached: which requests to drop, which pages to request now.

        Up to ``depth`` requests in flight, for pages the listing expects: the next one,
        and as far as ``total`` says pages exist; never past an end seen, ``max_pages``, or
        the pages ``max_items`` still needs.
        """
        number, edge = chunk.page, chunk.edge
        self._more = edge.has_more
        last = last_page(edge)
        if last is not None:
            self._last_page = max(number, last)
        ahead = self._ahead
        if not self._more:  # speculative pages past the real end
            ahead.clear()
            self.capped = False
            return Fill(range(0), drop_after=number, past_end=True, reason="end")
        dropped, end = None, self._end
        if end is not None and end <= number:  # an end seen early was overtaken by drift
            dropped, self._end = end, None
            while ahead and ahead[-1] > end:
                self._next_page = ahead.pop()
        bound = number + 1
        if self._last_page is not None:
            bound = max(bound, self._last_page)
        if self._end is not None:
            bound = min(bound, self._end)
        if self._last_allowed is not None:
            bound = min(bound, self._last_allowed)
        if self._max_items is not None and self._size is not None:
            needed = math.ceil((self._max_items - self._taken) / self._size)
            bound = min(bound, number + needed - 1)
        self._bound = bound
        sent = self._top_up()
        reason = "ahead" if dropped is None else "end overtaken: ask again"
        return Fill(sent, drop_after=dropped, reason=reason)

    def deepen(self) -> range:
        """The depth grew while the consumer waits for a page: the pages to request now, as
        far as the last :meth:`fill` allowed and short of an end that landed since."""
        if not self._more or not self._bound:
            return range(0)
        return self._top_up()

    def _top_up(self) -> range:
        ahead, bound, first = self._ahead, self._bound, self._next_page
        if self._end is not None:
            bound = min(bound, self._end)
        wanted = self.depth.depth()
        depth = min(wanted, self._cap)
        while len(ahead) < depth and self._next_page <= bound:
            ahead.append(self._next_page)
            self._next_page += 1
        self.capped = wanted <= self._cap and self._next_page <= bound
        return range(first, self._next_page)

    # -- reaching a page ------------------------------------------------------------

    def reached(self, answer: A) -> Refetch | Chunk[A]:
        """The consumer reached ``answer``: could calls lie between the last accepted page
        and it, unseen by both? If so, fetch it again."""
        number = answer.number
        if not self._ahead or self._ahead.popleft() != number:
            raise RuntimeError(f"page {number} was not the next page requested")
        edge = self._edge
        if edge is None or edge.received < answer.sent:
            return Chunk(number, (answer,), answer, "answered in order")
        if self._shifted_at <= answer.sent:
            return Chunk(number, (answer,), answer, "no shift seen since it was sent")
        key, index = self._key, self._recent.index
        if any(key(item) in index for item in answer.items):
            return Chunk(number, (answer,), answer, "it overlaps what came before")
        self._chase = _Chase(answer, {key(item) for item in answer.items})
        return Refetch(number, "sent before the last page landed, a shift since, no overlap")

    def refetched(self, fresh: A) -> Refetch | Chunk[A]:
        """A fresh copy of the page being re-fetched: walk on (calls were inserted by the
        page or more) until the fresh copies reach the stale one."""
        chase = self._chase
        if chase is None:
            raise RuntimeError("no page is being fetched again")
        self.stats.refetched += 1
        chase.copies.append(fresh)
        stale, key = chase.stale, self._key
        number = stale.number
        if not chase.keys:
            chunk = Chunk(number, (*chase.copies,), fresh, "the stale copy was an empty end")
        elif any(key(item) in chase.keys for item in fresh.items):
            chunk = Chunk(number, (*chase.copies, stale), stale, "reached the stale copy")
        elif not fresh.has_more:
            chunk = Chunk(number, (*chase.copies, stale), fresh, "the fresh copies ended")
        else:
            page = fresh.number + 1
            if page >= number + CHASE:
                raise PaginationError(
                    f"page {number} was fetched again {CHASE} pages on without reaching the "
                    "copy fetched before: calls are being inserted faster than the listing "
                    "walks forward, and it cannot keep up",
                    page=number,
                )
            self._throttle()  # a page or more inserted since it was sent: fewer ahead
            return Refetch(page, "a page or more inserted since: walk on")
        self._chase = None
        return chunk

    def take(self, chunk: Chunk[A]) -> Take | Skip:
        """Drop duplicates, check progress, learn what the page says about drift."""
        self.stats.pages += 1
        number, copies, edge = chunk.page, chunk.copies, chunk.edge
        fresh, keys, total, seq = self._admit(copies)
        # The size the server pages by (a last page's count says nothing of it).
        per_page = min((n for n in (self._size, self._echoed_size) if n), default=edge.count)
        self._recent.want = self._recent.limit * per_page
        self._burst(number, edge, total - len(fresh))
        if fresh and len(fresh) < total and len(copies) == 1:
            self._escaped(number, copies[0].items, fresh)
        before = self._edge
        self._learn(copies, edge, total - len(fresh))
        if edge.has_more and not fresh:
            self._stall(number, copies, before, total)  # raises unless drift explains it
            self._growth = max(0, self._growth - total)
            if self._last_allowed is not None and number >= self._last_allowed:
                self._more = False  # max_pages holds for a page skipped too
            return Skip(number, "only duplicates, reaching further: drift")
        self._stalls = self._reach = self._explained = 0
        dropped, stop = total - len(fresh), None if edge.has_more else "end"
        self._growth = max(0, self._growth - dropped)
        if self._max_items is not None and self._taken + len(fresh) >= self._max_items:
            fresh = fresh[: self._max_items - self._taken]
            del keys[len(fresh) :]
            self._more, stop = False, "max_items"
        elif self._last_allowed is not None and number >= self._last_allowed:
            self._more, stop = False, "max_pages"
        self._taken += len(fresh)
        self._recent.commit(keys, seq)
        whole = len(copies) == 1 and len(fresh) == total
        return Take(number, fresh, whole, dropped, stop)

    # -- rules ----------------------------------------------------------------------

    def _admit(self, copies: tuple[A, ...]) -> tuple[tuple[Any, ...], list[Hashable], int, int]:
        """Put the chunk's new ids in the window: (new items, their ids, items, last position).

        The usual page (one copy, nothing seen, no id twice) takes C-level set operations; a
        page with duplicates goes item by item (``setdefault``: one dict operation an id).
        """
        key, index, seq = self._key, self._recent.index, self._recent.seq
        if len(copies) == 1:
            items = copies[0].items
            keys = list(map(key, items))
            if index.keys().isdisjoint(keys):
                size = len(index)
                index.update(zip(keys, range(seq + 1, seq + 1 + len(keys)), strict=True))
                if len(index) - size == len(keys):
                    return tuple(items), keys, len(keys), seq + len(keys)
                for k in keys:  # an id twice within the page: undo, go the slow way
                    index.pop(k, None)
        fresh: list[Any] = []
        keys = []
        total = 0
        for answer in copies:
            items = answer.items
            for item in items:
                seq += 1
                k = key(item)
                if index.setdefault(k, seq) == seq:  # new: now in the window
                    keys.append(k)
                    fresh.append(item)
                else:
                    self._recent.touch(k)
            total += len(items)
        return tuple(fresh), keys, total, seq

    def _burst(self, number: int, edge: A, met: int) -> None:
        """Refuse a page that shows the listing further behind than its window reaches.

        Calls inserted at the head move every call already yielded back by as many places,
        so the listing meets each again that many calls later (``_behind``: the growth of
        the exact total, less the duplicates met since, ``met`` of them on this page); by
        then the window holds only the last ``limit`` pages, and an older call would pass
        as new and be yielded twice. Deletions count against it, so it errs low: a listing
        is not refused for churn that left it where it was.
        """
        before, total = self._edge, exact_total(edge)
        if before is None or before.total is None or total is None:
            self._behind = max(0, self._behind - met)
            return
        # The calls yielded before the inserts are ``ahead`` places on; by the time the
        # listing meets them it has yielded the calls in between. Until the window forgets
        # any, it will keep ``want`` of them; from then on, ``span`` (the pages it holds:
        # ``want`` and up to a page more, unless they repeated so many it holds fewer).
        ahead = max(0, self._behind + total - before.total)
        self._behind = max(0, ahead - met)
        recent = self._recent
        kept = recent.span if self._taken > recent.span else recent.want
        if ahead > kept:
            raise PaginationError(
                f"page {number}: calls inserted since the listing began put it {ahead} calls "
                f"behind, more than the {kept} calls it remembers (exact totals), so calls it "
                "already yielded would come again (stopping rather than yielding them twice; "
                "a larger size= remembers more calls)",
                page=number,
            )

    def _escaped(self, number: int, items: Sequence[Any], fresh: tuple[Any, ...]) -> None:
        """Refuse a page whose first calls look new but come just before the oldest call
        the window remembers: calls yielded before it, forgotten, so yielded twice.

        Newest first, calls are created at the head: between two calls already yielded
        none appears, so a page's repeats come before its new calls. New ones ahead of the
        oldest remembered are the listing further behind than the exact total showed (calls
        created between the API's count and page queries).
        """
        if items[0] is not fresh[0] or self._taken <= self._recent.span:
            return
        new = set(map(id, fresh))
        first = next(item for item in items if id(item) not in new)
        if self._recent.oldest(self._key(first)):
            raise PaginationError(
                f"page {number}: its first calls look new but come just before the oldest "
                "call the listing remembers, so they were most likely yielded already and "
                "forgotten (calls created faster than the exact total showed); stopping "
                "rather than yielding them twice (a larger size= remembers more calls)",
                page=number,
            )

    def _learn(self, copies: tuple[A, ...], edge: A, dropped: int) -> None:
        """Record shifts (duplicates, a changed exact total) on the clock."""
        landed = max(answer.received for answer in copies)
        before, total = self._edge, exact_total(edge)
        if before is not None and before.total is not None and total is not None:
            self._growth += max(0, total - before.total)  # inserted calls, duplicates to come
        if dropped:
            self.stats.dropped += dropped
            self.stats.shifts += 1
            self._shifted_at = landed
        elif before is not None and before.total is not None and total is not None:
            if total != before.total:
                self.stats.shifts += 1
                self._shifted_at = landed
            if total < before.total and before.received < copies[0].sent:
                self.stats.shrunk += before.total - total
        # The next page starts at or before this one's end (if answered after it), even
        # when that end lies among what was already yielded.
        self._edge = _Edge(edge.received, total)

    def _stall(self, number: int, copies: tuple[A, ...], before: _Edge | None, total: int) -> None:
        """A page with has_more and nothing new: skip it, or raise.

        Only duplicates is what calls inserted by the page or more between two requests look
        like, and what a cycle looks like. While such pages reach further into what was
        yielded (catching up with drift) they are skipped, and up to :data:`STALLS` that do
        not; then it is an error. An empty page, or one answered after the previous one with
        an exact total that did not grow, while the growth seen before is already used up by
        duplicates (so nothing inserted explains it), is an error at once.
        """
        key = self._key
        reach = self._recent.reach(key(item) for answer in copies for item in answer.items)
        now = self._edge.total if self._edge is not None else None
        counted = self._growth >= total  # inserts counted earlier, not all seen again yet
        inserted = (  # could calls inserted since the previous page explain it?
            before is None
            or before.total is None
            or now is None
            or before.received >= copies[0].sent  # answered out of order: cannot tell
            or now > before.total
            or counted
        )
        explained = counted and self._explained < CHASE
        if total and inserted and (reach > self._reach or self._stalls < STALLS or explained):
            if reach <= self._reach:
                if explained:
                    self._explained += 1  # a page of inserts per request, for a while
                else:
                    self._stalls += 1
            self._reach = max(self._reach, reach)
            self._throttle()
            return
        if total and counted:  # explained, but for CHASE pages in a row
            raise PaginationError(
                f"page {number}: calls were inserted a page or more per request for "
                f"{CHASE} pages in a row; the listing cannot keep up",
                page=number,
            )
        what = "no items" if not total else "only items already yielded"
        raise PaginationError(
            f"page {number} says has_more but has {what}; stopping instead of looping",
            page=number,
        )

    def _throttle(self) -> None:
        """Drift of a page or more between requests in flight together: halve the depth,
        so pages are answered closer together (at 1 they are answered in order)."""
        depth = min(self.depth.depth(), self._cap)
        if depth > 1:
            self._cap = depth // 2
            self.stats.throttled += 1
            self.stats.depth = min(self.stats.depth, self._cap)  # the depth kept, reported

    @property
    def cap(self) -> int:
        """The most requests drift leaves in flight (``depth.limit`` until a throttle)."""
        return self._cap

"""How many page requests a listing keeps in flight: the object the pager asks.

The pager asks :meth:`Depth.depth` each time it tops up its requests, and tells the object
what it saw (:meth:`Depth.observe`): a page landing (:class:`Landed`), the consumer reaching
a page (:class:`Waited`; :class:`Waiting` first when its answer has not landed, so the
depth can grow before the wait rather than after), a request of the listing refused or
slowed (:class:`Strained`); the pager asks again at once after a :class:`Waiting`
(:meth:`._pagestate.PageState.deepen`). An object that changes its depth says so
(:class:`Change`, with a reason). ``limit`` bounds the depth and sizes the window of ids
the pager keeps, so it is fixed up front. Drift halves the depth on top of what this object
says (see :class:`._pagestate.PageState`).

:class:`FixedDepth` is ``prefetch=N``. :class:`AutoDepth` is ``prefetch="auto"``, the
default: events in, depth out, and a clock passed in, so every rule is a table test.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

import attrs

from ._types import DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_PREFETCH, DEFAULT_PREFETCH, Prefetch

__all__ = [
    "DEFAULT_MAX_BUFFERED_BYTES",
    "DEFAULT_MAX_PREFETCH",
    "DEFAULT_PREFETCH",
    "AutoDepth",
    "Change",
    "Depth",
    "Event",
    "FixedDepth",
    "Landed",
    "Prefetch",
    "Strained",
    "Waited",
    "Waiting",
    "make_depth",
]


WAIT_FLOOR = 0.001
"""A wait shorter than this (seconds) is noise, never a reason to go deeper."""
WAIT_RATIO = 0.25
"""Below a refused depth, a wait counts when it is at least this share of the consumer's
time on a page."""
SLOW_START = 7
GROWTH = 4
"""Until a request is refused, one page reached unanswered takes the depth at most to the
larger of +SLOW_START and xGROWTH (1 -> 8 -> 32)."""
AHEAD_RATIO = 1.0
"""A page reached unanswered grows the depth when the wait to come is at least this share of
the client's time on a page: pages prefetched are decoded in the background, in slices,
which costs CPU; a shorter wait is not worth it."""
BUSY_FLOOR = 0.0001
"""The least time a page (seconds) the depth is sized by (a consumer that takes none)."""
PROBE = 64
"""Pages without a refusal before trying again the depth that was refused."""
PROBE_MAX = 1024
"""The most pages between two such tries (it doubles each time a try is refused)."""
PROBE_COST = 20
"""And not before this many times what the refusal cost (its wait, or a round trip): a try
refused again then costs at most 1/20 of the time between tries (doubled on each refusal)."""
RTT = 0.1
"""The round trip assumed before any page landed (seconds)."""
QUEUED = 2.0
"""Requests answered this many times slower than the fastest one seen are queueing (at the
server, or in a busy client): more in flight would only queue more, so it stops growing."""


@attrs.frozen
class Waited:
    """The consumer reached page ``page`` and waited ``seconds`` for its answer.

    ``busy``: the seconds it spent on the page before (decoding it included; None on the
    first page). ``capped``: the requests in flight were as many as the depth allowed while
    the listing expected more pages (so a deeper listing would have asked more).
    """

    page: int
    seconds: float
    busy: float | None = None
    capped: bool = False


@attrs.frozen
class Waiting:
    """The consumer reached page ``page`` before its answer landed: the request left
    ``age`` seconds ago. ``busy`` and ``capped`` as for :class:`Waited`, which follows when
    the answer lands."""

    page: int
    age: float
    busy: float | None = None
    capped: bool = False


@attrs.frozen
class Landed:
    """The answer to page ``page`` landed ``seconds`` after it was asked (retries included);
    its body is ``size`` bytes."""

    page: int
    seconds: float
    size: int = 0


@attrs.frozen
class Strained:
    """A request of the listing (page ``page``) was answered ``reason`` (``"429"``,
    ``"503"``, ``"timeout"``) or held back by the client's shared Retry-After
    (``"cooldown"``); the client waits ``wait`` seconds before trying again."""

    page: int
    reason: str
    wait: float = 0.0


Event = Waited | Waiting | Landed | Strained


@attrs.frozen
class Change:
    """The depth went from ``old`` to ``new``, because ``reason``."""

    old: int
    new: int
    reason: str


class Depth(Protocol):
    """A prefetch depth: how many requests to keep in flight now."""

    @property
    def limit(self) -> int:
        """The deepest it will ever ask for."""
        ...

    @property
    def budget(self) -> int | None:
        """The bytes of answers the listing may hold at once (None: no bound but the
        depth)."""
        ...

    def depth(self) -> int:
        """Requests to keep in flight now (0: one page at a time, asked when reached)."""
        ...

    def observe(self, event: Event) -> Change | None:
        """What the pager saw; the change it makes to the depth, if any."""
        ...


@attrs.frozen
class FixedDepth:
    """``prefetch=N``: always N requests in flight (drift may still halve it)."""

    n: int

    @property
    def limit(self) -> int:
        return self.n

    @property
    def budget(self) -> int | None:
        return None  # N+1 pages, whatever their size: what a fixed depth means

    def depth(self) -> int:
        return self.n

    def observe(self, event: Event) -> Change | None:
        return None


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@attrs.define
class AutoDepth:
    """``prefetch="auto"``: as deep as the consumer's waiting shows it needs, no deeper.

    - It starts at 1. When the consumer reaches a page not yet answered (:class:`Waiting`)
      while the depth was what held the requests back and more pages remain, it grows at
      once, before the wait: to the depth that hides a round trip, the fastest answer seen
      over the consumer's time on a page, + 1; at most the larger of +:data:`SLOW_START` and
      x:data:`GROWTH` a step (1 -> 8 -> 32), so overshooting a server's limit costs a few
      refusals, once. Only while no request was refused, and only when the wait to come
      (the smoothed answer time minus the time the request has been out) is at least
      :data:`WAIT_FLOOR` and :data:`AHEAD_RATIO` of the consumer's time on a page: pages
      prefetched are decoded in the background, which costs CPU, so waits shorter than the
      client's own work (a server answering at once) and a slow consumer keep it at 1.
      The wait itself (:class:`Waited`) grows nothing more.
    - Pages ready before the consumer asks: it holds. Answers that come :data:`QUEUED`
      times slower than the fastest one seen (smoothed): it holds too, since the requests
      queue (at a server that answers one at a time, or in a client busy decoding) and more
      in flight would not come back sooner.
    - A 429, a 503, a timeout or the client's shared Retry-After halves it, once per episode
      (signals within the wait they ask for plus two round trips are one episode), and the
      depth that was refused is remembered. More pages refused in the same episode (a
      cooldown refuses nothing) bring it down to the requests of the episode's start the
      server did not refuse (8 sent, 4 refused: 4), and the depth refused to that + 1. Below
      the depth refused it grows by one a round (one page per request in flight, on the
      waits); the refused depth itself is tried again only after :data:`PROBE` pages
      without a refusal and :data:`PROBE_COST` times what the refusal cost (a Retry-After of
      1 s: 20 s), twice as long after each try that is refused (a refused try goes back one
      step, without halving). A try that holds for two rounds forgets the refused depth.
    - Never above ``max_prefetch``, nor above what ``max_buffered_bytes`` holds: depth + 1
      answers (the one being consumed) of the largest answer seen so far.
    """

    max_prefetch: int = DEFAULT_MAX_PREFETCH
    max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES
    clock: Callable[[], float] = attrs.field(default=time.monotonic, repr=False)
    now: int = attrs.field(default=1, init=False)
    high: int = attrs.field(default=1, init=False)
    changes: int = attrs.field(default=0, init=False)
    _page_bytes: int = attrs.field(default=0, init=False)  # the largest answer seen
    _rtt: float | None = attrs.field(default=None, init=False)  # smoothed request time
    _fastest: float = attrs.field(default=math.inf, init=False)  # the fastest answer seen
    _ceiling: int | None = attrs.field(default=None, init=False)  # the depth refused
    _probe: int = attrs.field(default=PROBE, init=False)  # clean pages before trying it
    _cost: float = attrs.field(default=PROBE_COST, init=False)  # x the wait, before trying it
    _try_at: float = attrs.field(default=-math.inf, init=False)  # not before this time
    _clean: int = attrs.field(default=0, init=False)  # pages reached since the last strain
    _credit: int = attrs.field(default=0, init=False)  # waited pages since the last +1
    _tried: int = attrs.field(default=0, init=False)  # the value of _clean when the try began
    _calm_until: float = attrs.field(default=-math.inf, init=False)
    _sent: int = attrs.field(default=0, init=False)  # the depth when the episode began
    _refused: set[int] = attrs.field(factory=set, init=False)  # pages refused in it

    def __attrs_post_init__(self) -> None:
        for name in ("max_prefetch", "max_buffered_bytes"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.now = self.high = 1

    @property
    def limit(self) -> int:
        return self.max_prefetch

    @property
    def budget(self) -> int | None:
        return self.max_buffered_bytes

    def depth(self) -> int:
        return self.now

    def room(self) -> int:
        """The deepest the budget allows (``max_prefetch`` until a page landed)."""
        if not self._page_bytes:
            return self.max_prefetch
        return max(0, min(self.max_prefetch, self.max_buffered_bytes // self._page_bytes - 1))

    def queued(self) -> bool:
        """Whether answers come :data:`QUEUED` times slower than the fastest seen."""
        return self._rtt is not None and self._rtt > QUEUED * self._fastest

    def observe(self, event: Event) -> Change | None:
        if isinstance(event, Waited):
            return self._waited(event)
        if isinstance(event, Landed):
            return self._landed(event)
        if isinstance(event, Waiting):
            return self._waiting(event)
        return self._strained(event)

    # -- rules ----------------------------------------------------------------------

    def _landed(self, event: Landed) -> Change | None:
        rtt, seconds = self._rtt, event.seconds
        self._rtt = seconds if rtt is None else 0.75 * rtt + 0.25 * seconds
        self._fastest = min(self._fastest, seconds)
        if event.size > self._page_bytes:
            self._page_bytes = event.size
            room = self.room()
            if self.now > room:
                return self._set(
                    room,
                    f"answers of up to {event.size:,} bytes: max_buffered_bytes="
                    f"{self.max_buffered_bytes:,} holds {room + 1}",
                )
        return None

    def _waiting(self, event: Waiting) -> Change | None:
        rtt, busy = self._rtt, event.busy
        if self._ceiling is not None or rtt is None or busy is None or not event.capped:
            return None
        ahead = rtt - event.age  # the wait to come, if this answer takes the usual time
        if ahead < max(WAIT_FLOOR, AHEAD_RATIO * busy) or self.queued():
            return None
        hides = math.ceil(self._fastest / max(busy, BUSY_FLOOR)) + 1
        step = max(self.now + SLOW_START, GROWTH * self.now)
        target = min(hides, step, self.room())
        if target <= self.now:
            return None
        return self._set(
            target,
            f"page {event.page} not answered after {_ms(event.age)}, about {_ms(ahead)} to "
            f"wait (busy {_ms(busy)} a page; {hides} in flight hide a "
            f"{_ms(self._fastest)} answer)",
        )

    def _waited(self, event: Waited) -> Change | None:
        self._clean += 1
        busy, ceiling = event.busy, self._ceiling
        if busy is None or ceiling is None:
            return None  # growth happens when a page is reached (Waiting), not after
        if self.now >= ceiling:  # trying the depth refused
            if self._clean - self._tried < 2 * self.now:
                return None
            self._ceiling, self._probe, self._cost = None, PROBE, PROBE_COST  # the try held
            return None
        if not event.capped or event.seconds < max(WAIT_FLOOR, WAIT_RATIO * busy):
            return None  # nothing to gain from going deeper: hold
        room = self.room()
        target = self.now + 1
        if target > room or self.queued():
            return None
        why = f"waited {_ms(event.seconds)} for page {event.page} (busy {_ms(busy)} a page)"
        if target < ceiling:
            self._credit += 1
            if self._credit < self.now:
                return None
            self._credit = 0
            return self._set(target, f"{why}; +1 a round below {ceiling}, the depth refused")
        if self._clean < self._probe or self.clock() < self._try_at:
            return None
        self._tried = self._clean
        return self._set(target, f"{why}; trying {target} after {self._clean} pages unrefused")

    def _strained(self, event: Strained) -> Change | None:
        at = self.clock()
        refusal = event.reason != "cooldown"  # a cooldown holds a request back, unsent
        if at < self._calm_until:  # the same episode: one decrease for it, but
            return self._burst(event) if refusal else None
        rtt = RTT if self._rtt is None else self._rtt
        self._calm_until = at + event.wait + 2 * rtt
        self._clean = self._credit = 0
        self._sent, self._refused = self.now, {event.page} if refusal else set()
        why = f"{event.reason} on page {event.page}"
        cost = max(event.wait, rtt)  # what this refusal costs the listing
        ceiling = self._ceiling
        if ceiling is not None and self.now >= ceiling:  # a try of the refused depth
            self._probe = min(2 * self._probe, PROBE_MAX)
            self._cost = min(2 * self._cost, 16 * PROBE_COST)
            self._try_at = at + self._cost * cost
            return self._set(max(1, ceiling - 1), f"{why}: back below {ceiling}")
        self._try_at = at + self._cost * cost
        self._ceiling = max(2, self.now)  # at 1, going to 2 is the try
        return self._set(max(1, self.now // 2), f"{why}: halved")

    def _burst(self, event: Strained) -> Change | None:
        """More pages refused in the episode: of the requests in flight when it began, the
        server accepted at most the ones it did not refuse."""
        refused = self._refused
        if event.page in refused:
            return None  # a retry of a page refused already
        refused.add(event.page)
        accepted = self._sent - len(refused)
        if self._ceiling is not None:
            self._ceiling = max(2, min(self._ceiling, accepted + 1))
        why = f"{event.reason} on page {event.page}: {len(refused)} of {self._sent} refused"
        return self._set(max(1, min(self.now, accepted)), why)

    def _set(self, new: int, reason: str) -> Change | None:
        old = self.now
        if new == old:
            return None
        self.now = new
        self.high = max(self.high, new)
        self.changes += 1
        return Change(old, new, reason)


def make_depth(
    prefetch: Prefetch,
    *,
    max_prefetch: int = DEFAULT_MAX_PREFETCH,
    max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
    clock: Callable[[], float] = time.monotonic,
) -> Depth:
    """The depth a listing's keywords ask for; a bad value is a ValueError naming it.

    ``max_prefetch`` and ``max_buffered_bytes`` bound ``"auto"``; a fixed ``prefetch`` is
    taken as it is.
    """
    auto = AutoDepth(max_prefetch, max_buffered_bytes, clock)  # validates both bounds
    if prefetch == "auto":
        return auto
    if type(prefetch) is not int or prefetch < 0:
        raise ValueError(f'prefetch must be "auto" or an integer >= 0, got {prefetch!r}')
    return FixedDepth(prefetch)

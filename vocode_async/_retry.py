"""Retry policy as data, a pure classifier and the backoff wrapper.

The classifier decides from two facts only: how safe the operation is to repeat
(:class:`Safety`) and how it failed (one of our errors). Reads retry on connection
failures, timeouts and 408/409/429/5xx. Unsafe operations (``calls.create`` dials a
phone, ``numbers.buy`` spends money; the API takes no idempotency key) retry only when
the request provably was not processed; any other failure makes the outcome unknown.
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

import attrs
import backoff

from ._endpoint import Safety  # declared by endpoints; re-exported here for old imports
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    OutcomeUnknownError,
    RateLimitError,
    VocodeError,
)
from ._log import log
from ._retryafter import parse_retry_after  # re-exported for old imports

__all__ = [
    "Cooldown",
    "Decision",
    "RetryBudget",
    "RetryPolicy",
    "Retrier",
    "Safety",
    "Verdict",
    "classify",
    "decide",
    "parse_retry_after",
]

T = TypeVar("T")


def strain_of(error: VocodeError) -> str | None:
    """A failure that says the server is overloaded (``"429"``, ``"503"``, ``"timeout"``),
    for a listing that adapts its depth; None for any other."""
    if isinstance(error, APITimeoutError):
        return "timeout"
    status = getattr(error, "status", None)
    return str(status) if status in (429, 503) else None


def summary(error: BaseException) -> str:
    """An error in a few words for a log line: its class and status, never its text."""
    status = getattr(error, "status", None)
    return type(error).__name__ + (f" {status}" if status else "")


class Verdict(enum.Enum):
    """What the classifier makes of one failed try (see :func:`classify`)."""

    RETRY = "retry"
    RAISE = "raise"
    UNKNOWN = "unknown"
    """Unsafe operation, and the request may have been processed: never retry."""


_SAFE_RETRY_STATUSES = frozenset({408, 409, 429})
RETRIES_EXHAUSTED = "retries exhausted"
BUDGET_EXHAUSTED = "retry budget exhausted"
OVER_MAX_RETRY_AFTER = "Retry-After over max_retry_after"
RETRY_AFTER_PAST_DEADLINE = "Retry-After past the call's deadline"
DEADLINE_FIRST = "the call's deadline comes first"
BUDGET_MESSAGE = (
    "the client's retry budget is exhausted (too many failures at once without a "
    "Retry-After; see RetryPolicy.budget)"
)


def announced(error: VocodeError) -> bool:
    """A 429/503 whose Retry-After asks for a wait: retrying it after that wait (which the
    shared cooldown imposes on every request of the client) is paced by the server, so it
    spends no retry budget. A blind retry (no Retry-After, or 0) does."""
    status = getattr(error, "status", None)
    retry_after = getattr(error, "retry_after", None)
    return status in (429, 503) and retry_after is not None and retry_after > 0


def classify(safety: Safety, error: VocodeError) -> Verdict:
    """Whether a failed try may be retried, from the safety and the failure alone (the
    first step of :func:`decide`). Pure: no I/O, no clock."""
    if isinstance(error, ClientClosedError):
        sent = error.request_sent and safety is Safety.UNSAFE
        return Verdict.UNKNOWN if sent else Verdict.RAISE
    if isinstance(error, APIConnectionError):
        if safety is Safety.SAFE or not error.request_sent:
            return Verdict.RETRY
        return Verdict.UNKNOWN
    if isinstance(error, APIStatusError):
        status = error.status
        # A 5xx, or a final status no API sends (1xx, 000: a broken proxy): it may have acted.
        broken = status >= 500 or status < 200
        if safety is Safety.SAFE:
            retry = status in _SAFE_RETRY_STATUSES or broken
            return Verdict.RETRY if retry else Verdict.RAISE
        if status == 429 or (status == 503 and error.retry_after is not None):
            return Verdict.RETRY
        return Verdict.UNKNOWN if broken else Verdict.RAISE
    return Verdict.RAISE


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a client retries. Waits are full-jitter exponential, never below Retry-After.

    Set ``initial_wait=0`` in tests to retry without sleeping (Retry-After still applies).
    ``max_retries`` is the client's default for its calls (``AsyncVocode(max_retries=...)``
    and ``with_options`` override it per client and per call).
    """

    max_retries: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    initial_wait: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_wait: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    multiplier: float = attrs.field(default=2.0, validator=attrs.validators.ge(1))
    max_retry_after: float = attrs.field(default=120.0, validator=attrs.validators.ge(0))
    budget: int | None = attrs.field(default=500)
    """Client-wide retry tokens (botocore's quota): a retry spends 5 (10 after a timeout),
    a success gives back what its retries spent, or 1. None: no budget. A retry after a
    429/503 whose Retry-After announced a wait spends none: the server paces those."""

    def wait(
        self, retry_number: int, retry_after: float | None, draw: float | None = None
    ) -> float:
        """The wait before retry ``retry_number`` (1-based), jittered, >= Retry-After.

        ``draw``: the jitter, uniform in [0, 1) (None: drawn here)."""
        ceiling = min(self.max_wait, self.initial_wait * self.multiplier ** (retry_number - 1))
        jittered = random.uniform(0.0, ceiling) if draw is None else draw * ceiling
        return jittered if retry_after is None else max(retry_after, jittered)


@attrs.define
class RetryBudget:
    """A token bucket shared by every call of one client, so a storm cannot multiply load.

    When many calls fail at once (a 429 storm, an outage), each retry spends tokens; once
    they run out, failures are raised instead of retried until successes refill the bucket.
    """

    capacity: int
    cost: int = 5
    timeout_cost: int = 10
    tokens: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.tokens = self.capacity

    def cost_of(self, error: VocodeError) -> int:
        """The tokens one retry after ``error`` costs (whether there are enough is
        :func:`decide`'s to say)."""
        return self.timeout_cost if isinstance(error, APITimeoutError) else self.cost

    def take(self, cost: int) -> None:
        """Spend ``cost`` tokens on a retry :func:`decide` allowed."""
        self.tokens -= cost

    def refund(self, amount: int) -> None:
        """Give tokens back after a success."""
        self.tokens = min(self.capacity, self.tokens + amount)


@attrs.define
class Cooldown:
    """A Retry-After shared by every task of one client.

    When one request hears "429 (or 503), retry after N s", the others hold back too
    instead of spending their own tries discovering the same thing.
    """

    clock: Callable[[], float] = time.monotonic
    until: float = 0.0
    active: bool = False

    def extend(self, seconds: float) -> None:
        """Hold new requests back for ``seconds`` from now (never shortens a cooldown).

        Logged once per window (a wave of 429s each extending it says nothing new)."""
        now = self.clock()
        until = now + seconds
        if until <= self.until:
            return
        if self.until <= now:  # no window running (or one ran out unseen): a new one
            self._ended()
            log.info("Retry-After: holding this client's requests for %.2fs", seconds)
        self.until, self.active = until, True

    def running(self) -> bool:
        """Whether requests are held back now (the end of a window is logged once, here)."""
        if self.until > self.clock():
            return True
        self._ended()
        return False

    def remaining(self) -> float:
        """Seconds until the window ends (0 when none runs)."""
        return max(0.0, self.until - self.clock())

    def _ended(self) -> None:
        if self.active:
            self.active = False
            log.info("Retry-After cooldown over: requests resume")

    async def wait(self, *, deadline: float | None, method: str, path: str) -> None:
        """Sleep out the cooldown; raise RateLimitError at once if it outlasts the deadline."""
        delay = self.until - self.clock()
        if delay <= 0:
            self._ended()
            return
        if deadline is not None and self.until > deadline:
            raise RateLimitError(
                f"{method} {path}: the API asked this client to wait {delay:.1f}s, past the "
                "call's deadline",
                status=429,
                method=method,
                path=path,
                request_id=None,
                detail=None,
                retry_after=delay,
            )
        await asyncio.sleep(delay)
        if self.clock() >= self.until:
            self._ended()


@attrs.frozen
class Decision:
    """What to do after one failed try; made by :func:`decide`, and nowhere else."""

    verdict: Verdict
    reason: str | None = None
    """Why a failure the classifier would retry is not retried (again); None otherwise.
    It becomes the error's ``give_up_reason``."""
    wait: float = 0.0
    """Seconds to wait before the next try (when retrying)."""
    cost: int = 0
    """Retry-budget tokens the retry spends (when retrying)."""
    expired: bool = False
    """The call's deadline, not the policy, ends the call."""

    @property
    def retry(self) -> bool:
        """Whether to try again, after :attr:`wait` seconds."""
        return self.verdict is Verdict.RETRY and self.reason is None


def decide(
    policy: RetryPolicy,
    safety: Safety,
    error: VocodeError,
    *,
    tries: int,
    max_retries: int,
    remaining: float | None,
    budget: RetryBudget | None,
    draw: float,
) -> Decision:
    """Whether to retry a call after its failed try number ``tries``, and how long to wait.

    The one place the retry decision is made: the classifier (safety and failure), then
    ``max_retries``, ``max_retry_after``, the call's deadline (``remaining`` seconds to it,
    None: no deadline) and the client's retry budget. Pure: no I/O, no clock, no randomness
    (``draw``: the jitter, uniform in [0, 1)); it reads the budget and spends nothing.
    """
    verdict = classify(safety, error)
    if verdict is not Verdict.RETRY:
        return Decision(verdict)
    if tries > max_retries:
        return Decision(verdict, RETRIES_EXHAUSTED)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None and retry_after > policy.max_retry_after:
        return Decision(verdict, OVER_MAX_RETRY_AFTER)
    wait = policy.wait(tries, retry_after, draw)
    if remaining is not None:
        if retry_after is not None and retry_after >= remaining:
            return Decision(verdict, RETRY_AFTER_PAST_DEADLINE)
        if wait >= remaining:
            # Never sleep past the deadline: end now, keeping the failure as the cause.
            return Decision(verdict, DEADLINE_FIRST, expired=True)
    cost = 0
    if budget is not None and not announced(error):
        cost = budget.cost_of(error)
        if budget.tokens < cost:
            return Decision(verdict, BUDGET_EXHAUSTED)
    return Decision(verdict, wait=wait, cost=cost)


@attrs.define
class _Call:
    """One call's retry record, across its tries."""

    safety: Safety
    max_retries: int
    deadline: float | None
    method: str
    path: str
    tries: int = 0
    spent: int = 0  # retry-budget tokens this call has spent
    last_failure: VocodeError | None = None  # the last that was not the deadline itself
    strain: Callable[[str, float], None] | None = None  # hears 429/503/timeouts

    def where(self) -> str:
        return f"{self.method} {self.path}"


class _Tried:
    """One try of a call, judged: its result, or its failure and the decision about it."""

    __slots__ = ("call", "decision", "error", "result")

    def __init__(
        self,
        call: _Call,
        result: object = None,
        error: VocodeError | None = None,
        decision: Decision | None = None,
    ) -> None:
        self.call = call
        self.result = result
        self.error = error
        self.decision = decision

    def retry(self) -> bool:
        """Whether the decision was to try again (backoff's predicate: reads, decides nothing)."""
        return self.decision is not None and self.decision.retry


class Retrier(Generic[T]):
    """Runs one call's tries under a policy.

    Every decision is :func:`decide`'s, made as a try fails. ``backoff`` runs the tries
    after the first: it tries again while the decision says so, sleeps the decision's wait,
    and reports through ``on_backoff`` (a log line); it decides nothing itself (no
    ``giveup``, no ``max_tries``). How many retries a call gets is the call's own
    (``RequestOptions.max_retries``): the policy's ``max_retries`` is only the client's
    default, read once when the client is built.
    """

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self.budget = None if policy.budget is None else RetryBudget(policy.budget)
        self._retrying = backoff.on_predicate(
            self._waits,
            _Tried.retry,
            max_tries=None,
            jitter=None,  # jitter happens in RetryPolicy.wait, so Retry-After is never cut
            logger=None,  # backoff's logger would print exception text
            on_backoff=_report_backoff,
        )(self._try)

    async def run(
        self,
        send: Callable[[], Awaitable[T]],
        *,
        safety: Safety,
        method: str,
        path: str,
        max_retries: int,
        deadline: float | None = None,
        strain: Callable[[str, float], None] | None = None,
    ) -> T:
        """Await ``send()`` (one try) until it succeeds or :func:`decide` says stop; raise
        our error.

        ``strain`` is told of each try answered 429 or 503 or timed out: the reason and the
        seconds waited before the next try (0 when there is none).
        """
        call = _Call(safety, max_retries, deadline, method, path, strain=strain)
        tried = await self._try(call, send)  # the first try without backoff: most need no other
        first = tried.decision
        if first is not None and first.retry:
            _report_retry(tried)
            await asyncio.sleep(first.wait)
            tried = await self._retrying(call, send)
        error, decision = tried.error, tried.decision
        if error is None or decision is None:
            if self.budget is not None:
                self.budget.refund(call.spent or 1)
            return tried.result  # type: ignore[return-value]  # send()'s T
        _report_give_up(call, error, decision)
        if decision.verdict is Verdict.UNKNOWN:
            raise OutcomeUnknownError(
                f"{method} {path} may or may not have taken effect ({error}); it was not "
                "retried because repeating it could act twice. Reconcile by listing.",
                method=method,
                path=path,
            ) from error
        if decision.expired and call.last_failure is not None:
            timeout = APITimeoutError(
                f"{method} {path}: the call's deadline ended it after {call.tries} "
                f"attempt(s); the last failure was {summary(call.last_failure)}",
                method=method,
                path=path,
                request_sent=True,
            )
            timeout.give_up_reason = decision.reason
            raise timeout from call.last_failure
        if decision.reason is not None:
            error.give_up_reason = decision.reason
            if decision.reason == BUDGET_EXHAUSTED:
                error.args = (f"{error}; not retried: {BUDGET_MESSAGE}", *error.args[1:])
        raise error

    async def _try(self, call: _Call, send: Callable[[], Awaitable[T]]) -> _Tried:
        """One try, and on failure the decision about it (the budget spent if retrying)."""
        call.tries += 1
        try:
            return _Tried(call, await send())
        except VocodeError as exc:
            error = exc
        now = self._clock()
        deadline = call.deadline
        if not (
            deadline is not None and now >= deadline - 0.005 and isinstance(error, APITimeoutError)
        ):
            call.last_failure = error  # a timeout at the deadline is the deadline, not a failure
        decision = decide(
            self.policy,
            call.safety,
            error,
            tries=call.tries,
            max_retries=call.max_retries,
            remaining=None if deadline is None else deadline - now,
            budget=self.budget,
            draw=random.random(),
        )
        if decision.cost and self.budget is not None:
            self.budget.take(decision.cost)
            call.spent += decision.cost
        if call.strain is not None and (strained := strain_of(error)) is not None:
            call.strain(strained, decision.wait if decision.retry else 0.0)
        return _Tried(call, error=error, decision=decision)

    def _waits(self) -> Generator[float, _Tried | None, None]:
        """backoff's wait generator: each wait is the one the decision named."""
        tried = yield 0.0  # primed by backoff with send(None)
        while True:
            assert tried is not None and tried.decision is not None
            tried = yield tried.decision.wait


def _of(call: _Call) -> str:
    return f"attempt {call.tries} of {call.max_retries + 1}"  # the log text users grep for


def _report_retry(tried: _Tried) -> None:
    """Log a retry about to wait (the first try's, and backoff's ``on_backoff``)."""
    call, error, decision = tried.call, tried.error, tried.decision
    assert error is not None and decision is not None
    why = "Retry-After" if getattr(error, "retry_after", None) is not None else "backoff"
    log.info(
        "retrying %s in %.2fs (%s, %s) after %s",
        call.where(),
        decision.wait,
        why,
        _of(call),
        summary(error),
    )


def _report_backoff(details: Any) -> None:
    _report_retry(details["value"])


def _report_give_up(call: _Call, error: VocodeError, decision: Decision) -> None:
    """Log why a call ends on a failure it could have retried (or whose outcome is unknown)."""
    if decision.verdict is Verdict.UNKNOWN:
        log.warning("%s failed with %s; not retried: outcome unknown", call.where(), summary(error))
    elif decision.verdict is Verdict.RETRY:
        log.info(
            "giving up on %s after %s: %s (%s)",
            call.where(),
            _of(call),
            summary(error),
            decision.reason,
        )

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
from typing import Generic, TypeVar

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
    "RetryBudget",
    "RetryPolicy",
    "Retrier",
    "Safety",
    "Verdict",
    "classify",
    "parse_retry_after",
]

T = TypeVar("T")


def summary(error: BaseException) -> str:
    """An error in a few words for a log line: its class and status, never its text."""
    status = getattr(error, "status", None)
    return type(error).__name__ + (f" {status}" if status else "")


class Verdict(enum.Enum):
    """What to do about one failed attempt."""

    RETRY = "retry"
    RAISE = "raise"
    UNKNOWN = "unknown"
    """Unsafe operation, and the request may have been processed: never retry."""


_SAFE_RETRY_STATUSES = frozenset({408, 409, 429})
RETRIES_EXHAUSTED = "retries exhausted"
BUDGET_EXHAUSTED = "retry budget exhausted"
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
    """Decide whether a failed attempt may be retried. Pure: no I/O, no clock."""
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

    def wait(self, retry_number: int, retry_after: float | None) -> float:
        """The wait before retry ``retry_number`` (1-based), jittered, >= Retry-After."""
        ceiling = min(self.max_wait, self.initial_wait * self.multiplier ** (retry_number - 1))
        jittered = random.uniform(0.0, ceiling)
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

    def spend(self, error: VocodeError) -> int | None:
        """Take the tokens for one retry after ``error``; None if there are not enough."""
        cost = self.timeout_cost if isinstance(error, APITimeoutError) else self.cost
        if self.tokens < cost:
            return None
        self.tokens -= cost
        return cost

    def refund(self, amount: int) -> None:
        """Give tokens back after a success."""
        self.tokens = min(self.capacity, self.tokens + amount)


@attrs.define
class Cooldown:
    """A Retry-After shared by every task of one client.

    When one request hears "429 (or 503), retry after N s", the others hold back too
    instead of spending their own attempts discovering the same thing.
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


@attrs.define
class _CallState:
    """Per-call retry state: what the classifier and the wait generator need."""

    safety: Safety
    max_retries: int
    deadline: float | None
    method: str
    path: str
    tries: int = 0
    verdict: Verdict = Verdict.RAISE
    spent: int = 0  # retry-budget tokens this call has spent
    wait: float = 0.0  # before the next attempt, decided when deciding to retry
    real: VocodeError | None = None  # the last failure that was not the deadline itself
    expired: bool = False  # the deadline (not the policy) ended the call
    reason: str | None = None  # why a retryable failure was not retried (again)

    def where(self) -> str:
        return f"{self.method} {self.path}"


class _Failed(Exception):
    """Carries one failed attempt and its call through backoff; never leaves this module."""

    def __init__(self, state: _CallState, error: VocodeError) -> None:
        super().__init__()
        self.state = state
        self.error = error


class Retrier(Generic[T]):
    """Runs one call's attempts under a policy; the backoff decorator is built once here
    and entered only after a first attempt failed and is to be retried."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self.budget = None if policy.budget is None else RetryBudget(policy.budget)
        self._run = backoff.on_exception(
            self._waits,
            _Failed,
            max_tries=None,
            giveup=self._give_up,
            jitter=None,  # jitter happens in RetryPolicy.wait, so Retry-After is never cut
            logger=None,  # backoff's logger would print exception text
        )(self._attempt)

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        safety: Safety,
        method: str,
        path: str,
        max_retries: int | None = None,
        deadline: float | None = None,
    ) -> T:
        """Await ``attempt()`` until it succeeds or the policy gives up; raise our error."""
        retries = self.policy.max_retries if max_retries is None else max_retries
        state = _CallState(safety, retries, deadline, method, path)
        try:
            try:  # the first attempt without backoff's loop: most calls need no other
                result = await self._attempt(state, attempt)
            except _Failed as first:
                if self._give_up(first):
                    raise
                await asyncio.sleep(state.wait)  # what backoff would have slept
                result = await self._run(state, attempt)
        except _Failed as failed:
            error = failed.error
        else:
            if self.budget is not None:
                self.budget.refund(state.spent or 1)
            return result
        # Raised outside the except block, so _Failed is not left as __context__.
        if state.verdict is Verdict.UNKNOWN:
            raise OutcomeUnknownError(
                f"{method} {path} may or may not have taken effect ({error}); it was not "
                "retried because repeating it could act twice. Reconcile by listing.",
                method=method,
                path=path,
            ) from error
        if state.expired and state.real is not None:
            timeout = APITimeoutError(
                f"{method} {path}: the call's deadline ended it after {state.tries} "
                f"attempt(s); the last failure was {summary(state.real)}",
                method=method,
                path=path,
                request_sent=True,
            )
            timeout.give_up_reason = state.reason
            raise timeout from state.real
        if state.reason is not None:
            error.give_up_reason = state.reason
            if state.reason == BUDGET_EXHAUSTED:
                error.args = (f"{error}; not retried: {BUDGET_MESSAGE}", *error.args[1:])
        raise error

    async def _attempt(self, state: _CallState, attempt: Callable[[], Awaitable[T]]) -> T:
        state.tries += 1
        try:
            return await attempt()
        except VocodeError as error:
            state.verdict = classify(state.safety, error)
            past = state.deadline is not None and self._clock() >= state.deadline - 0.005
            if not (past and isinstance(error, APITimeoutError)):
                state.real = error  # a timeout at the deadline is the deadline, not a failure
            raise _Failed(state, error) from None

    def _give_up(self, failed: Exception) -> bool:
        assert isinstance(failed, _Failed)
        state, error = failed.state, failed.error
        reason = self._stop_reason(state, error)
        if state.verdict is Verdict.RETRY:
            state.reason = reason
        of = f"attempt {state.tries} of {state.max_retries + 1}"
        if reason is None:
            why = "Retry-After" if getattr(error, "retry_after", None) is not None else "backoff"
            log.info(
                "retrying %s in %.2fs (%s, %s) after %s",
                state.where(),
                state.wait,
                why,
                of,
                summary(error),
            )
            return False
        if state.verdict is Verdict.UNKNOWN:
            log.warning(
                "%s failed with %s; not retried: outcome unknown", state.where(), summary(error)
            )
        elif state.verdict is Verdict.RETRY:
            log.info("giving up on %s after %s: %s (%s)", state.where(), of, summary(error), reason)
        return True

    def _stop_reason(self, state: _CallState, error: VocodeError) -> str | None:
        """Why not to retry (None: retry, after ``state.wait`` seconds)."""
        if state.verdict is not Verdict.RETRY:
            return "not retryable"
        if state.tries > state.max_retries:
            return RETRIES_EXHAUSTED
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            return "Retry-After over max_retry_after"
        state.wait = self.policy.wait(state.tries, retry_after)
        if state.deadline is not None:
            remaining = state.deadline - self._clock()
            if retry_after is not None and retry_after >= remaining:
                return "Retry-After past the call's deadline"
            if state.wait >= remaining:
                # Never sleep past the deadline: end now, keeping the failure as the cause.
                state.expired = True
                return "the call's deadline comes first"
        if self.budget is not None and not announced(error):
            cost = self.budget.spend(error)
            if cost is None:
                return BUDGET_EXHAUSTED
            state.spent += cost
        return None

    def _waits(self) -> Generator[float, _Failed | None, None]:
        failed = yield 0.0  # primed by backoff with send(None)
        while True:
            assert failed is not None
            failed = yield failed.state.wait

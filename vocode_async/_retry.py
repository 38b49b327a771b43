"""Retry policy as data, a pure classifier, Retry-After parsing and the backoff wrapper.

The classifier decides from two facts only: how safe the operation is to repeat
(:class:`Safety`) and how it failed (one of our errors). Reads retry on connection
failures, timeouts and 408/409/429/5xx. Unsafe operations (``calls.create`` dials a
phone, ``numbers.buy`` spends money; the API takes no idempotency key) retry only when
the request provably was not processed; any other failure makes the outcome unknown.
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import random
import time
from collections.abc import Awaitable, Callable, Generator
from datetime import datetime, timezone
from typing import Generic, TypeVar

import attrs
import backoff

from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    OutcomeUnknownError,
    RateLimitError,
    VocodeError,
)

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


class Safety(enum.Enum):
    """How safe an operation is to send twice."""

    SAFE = "safe"
    """Reads and idempotent updates: repeating them changes nothing."""
    UNSAFE = "unsafe"
    """``calls.create`` and ``numbers.buy``: repeating them can act twice."""


class Verdict(enum.Enum):
    """What to do about one failed attempt."""

    RETRY = "retry"
    RAISE = "raise"
    UNKNOWN = "unknown"
    """Unsafe operation, and the request may have been processed: never retry."""


_SAFE_RETRY_STATUSES = frozenset({408, 409, 429})


def classify(safety: Safety, error: VocodeError) -> Verdict:
    """Decide whether a failed attempt may be retried. Pure: no I/O, no clock."""
    if isinstance(error, APIConnectionError):
        if safety is Safety.SAFE or not error.request_sent:
            return Verdict.RETRY
        return Verdict.UNKNOWN
    if isinstance(error, APIStatusError):
        status = error.status
        if safety is Safety.SAFE:
            retry = status in _SAFE_RETRY_STATUSES or status >= 500
            return Verdict.RETRY if retry else Verdict.RAISE
        if status == 429 or (status == 503 and error.retry_after is not None):
            return Verdict.RETRY
        return Verdict.UNKNOWN if status >= 500 else Verdict.RAISE
    return Verdict.RAISE


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date.

    A date in the past gives 0; anything unparsable gives None (the caller then falls back
    to exponential backoff and the status is still reported as it was).
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and seconds == seconds else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = datetime.now(timezone.utc).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


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
    a success gives back what its retries spent, or 1. None: no budget."""

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

    def extend(self, seconds: float) -> None:
        """Hold new requests back for ``seconds`` from now (never shortens a cooldown)."""
        self.until = max(self.until, self.clock() + seconds)

    async def wait(self, *, deadline: float | None, method: str, path: str) -> None:
        """Sleep out the cooldown; raise RateLimitError at once if it outlasts the deadline."""
        delay = self.until - self.clock()
        if delay <= 0:
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


class _Failed(Exception):
    """Carries one failed attempt and its call through backoff; never leaves this module."""

    def __init__(self, state: _CallState, error: VocodeError) -> None:
        super().__init__()
        self.state = state
        self.error = error


class Retrier(Generic[T]):
    """Runs one call's attempts under a policy; the backoff decorator is built once here."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self.budget = None if policy.budget is None else RetryBudget(policy.budget)
        self.cooldown = Cooldown(clock)
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
        raise error

    async def _attempt(self, state: _CallState, attempt: Callable[[], Awaitable[T]]) -> T:
        state.tries += 1
        try:
            await self.cooldown.wait(deadline=state.deadline, method=state.method, path=state.path)
            return await attempt()
        except VocodeError as error:
            retry_after = getattr(error, "retry_after", None)
            if retry_after and getattr(error, "status", None) in (429, 503):
                self.cooldown.extend(min(retry_after, self.policy.max_retry_after))
            state.verdict = classify(state.safety, error)
            raise _Failed(state, error) from None

    def _give_up(self, failed: Exception) -> bool:
        assert isinstance(failed, _Failed)
        state = failed.state
        if state.verdict is not Verdict.RETRY or state.tries > state.max_retries:
            return True
        retry_after = getattr(failed.error, "retry_after", None)
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            return True
        if state.deadline is not None and self._clock() + (retry_after or 0.0) >= state.deadline:
            return True
        if self.budget is not None:
            cost = self.budget.spend(failed.error)
            if cost is None:
                return True
            state.spent += cost
        return False

    def _waits(self) -> Generator[float, _Failed | None, None]:
        failed = yield 0.0  # primed by backoff with send(None)
        while True:
            assert failed is not None
            retry_after = getattr(failed.error, "retry_after", None)
            failed = yield self.policy.wait(failed.state.tries, retry_after)

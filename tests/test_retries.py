"""Retries: when a call is tried again, how long it waits, and why it stops.

The decision itself is one pure function, ``decide``: its table is here, facts in, decision
out, no server. End-to-end retry behaviour (real servers) is in ``test_requests.py``,
``test_ratelimit.py`` and ``test_matrix.py``, and below for the cases found in review.
"""

from __future__ import annotations

import pytest

import vocode_async as va
from vocode_async._endpoint import Safety
from vocode_async._retry import (
    BUDGET_EXHAUSTED,
    DEADLINE_FIRST,
    OVER_MAX_RETRY_AFTER,
    RETRIES_EXHAUSTED,
    RETRY_AFTER_PAST_DEADLINE,
    Decision,
    RetryBudget,
    RetryPolicy,
    Verdict,
    decide,
)

POLICY = RetryPolicy(initial_wait=1.0, max_wait=8.0, multiplier=2.0, max_retry_after=60.0)


def _status(status: int, retry_after: float | None = None) -> va.APIStatusError:
    cls = va._errors.error_for_status(status)
    return cls("x", status=status, method="GET", path="/p", retry_after=retry_after)


def _timeout() -> va.APITimeoutError:
    return va.APITimeoutError("x", method="GET", path="/p", request_sent=True)


def _decide(
    error: va.VocodeError,
    *,
    safety: Safety = Safety.SAFE,
    tries: int = 1,
    remaining: float | None = None,
    budget: RetryBudget | None = None,
    draw: float = 0.5,
) -> Decision:
    return decide(
        POLICY,
        safety,
        error,
        tries=tries,
        max_retries=2,
        remaining=remaining,
        budget=budget,
        draw=draw,
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # Retried: the wait is the draw times the ceiling (1 s, then 2 s), never below
        # a Retry-After; a retry spends budget tokens unless the server announced a wait.
        ({"error": _status(500)}, Decision(Verdict.RETRY, wait=0.5)),
        ({"error": _status(500), "tries": 2}, Decision(Verdict.RETRY, wait=1.0)),
        ({"error": _status(429, 3.0)}, Decision(Verdict.RETRY, wait=3.0)),
        (
            {"error": _status(500), "budget": RetryBudget(20)},
            Decision(Verdict.RETRY, wait=0.5, cost=5),
        ),
        (
            {"error": _timeout(), "budget": RetryBudget(20)},
            Decision(Verdict.RETRY, wait=0.5, cost=10),
        ),
        (
            {"error": _status(429, 3.0), "budget": RetryBudget(0)},
            Decision(Verdict.RETRY, wait=3.0),
        ),
        # Not retried at all: the classifier's verdict, no reason.
        ({"error": _status(404)}, Decision(Verdict.RAISE)),
        ({"error": _status(500), "safety": Safety.UNSAFE}, Decision(Verdict.UNKNOWN)),
        # Retryable, but stopped: the reason becomes the error's give_up_reason.
        ({"error": _status(500), "tries": 3}, Decision(Verdict.RETRY, RETRIES_EXHAUSTED)),
        ({"error": _status(429, 61.0)}, Decision(Verdict.RETRY, OVER_MAX_RETRY_AFTER)),
        (
            {"error": _status(429, 5.0), "remaining": 5.0},
            Decision(Verdict.RETRY, RETRY_AFTER_PAST_DEADLINE),
        ),
        (
            {"error": _status(500), "remaining": 0.4},
            Decision(Verdict.RETRY, DEADLINE_FIRST, expired=True),
        ),
        (
            {"error": _status(500), "budget": RetryBudget(4)},
            Decision(Verdict.RETRY, BUDGET_EXHAUSTED),
        ),
    ],
    ids=lambda value: value.reason or value.verdict.value if isinstance(value, Decision) else "",
)
def test_decide(facts: dict[str, object], expected: Decision) -> None:
    assert _decide(**facts) == expected  # type: ignore[arg-type]


def test_decide_spends_nothing() -> None:
    """The decision reads the budget; the retrier spends what it says, once."""
    budget = RetryBudget(20)
    assert _decide(_status(500), budget=budget).cost == 5
    assert budget.tokens == 20

"""Reading a ``Retry-After`` header: delay-seconds or an HTTP date, as seconds to wait.

Below both its readers: the transport puts the value on a status error, the retrier and
the gate act on it.
"""

from __future__ import annotations

import email.utils
import re
from datetime import datetime, timezone

__all__ = ["parse_retry_after"]

# RFC 9110: delay-seconds is ASCII digits (a fraction is tolerated); float() would also
# read "inf", "1e400", "1_000" and digits of other scripts ("١٢"), which no server means.
_DELAY = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_FOREVER = 10 * 365 * 86400.0
"""A wait this long or longer (ten years) is read as this: above any budget, yet a number."""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date.

    A date in the past gives 0; a wait beyond ten years (a huge number, a date past the
    year 9999) gives ten years, which is over any ``max_retry_after`` (so RateLimitError at once).
    Anything else unparsable (a sign, other scripts' digits, NaN, an impossible date or
    offset) gives None: the caller then falls back to exponential backoff and the
    status is still reported as it was. Never raises.
    """
    if value is None:
        return None
    text = value.strip()
    if not text.isascii():
        return None
    if _DELAY.fullmatch(text):
        return min(float(text), _FOREVER)  # float() of a long digit string is inf, not an error
    try:
        parsed = email.utils.parsedate_tz(text)
        if parsed is None:
            return None
        if parsed[0] > datetime.max.year:  # a date past the calendar: absurdly far away
            return _FOREVER
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        at = when.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # a month 13, an offset of days: not a date
    current = datetime.now(timezone.utc).timestamp() if now is None else now
    return min(max(0.0, at - current), _FOREVER)

"""Soak and load, bounded to seconds: 200,000 calls through 5% transient faults and drift.

The fake runs in its own process (`vocode-async serve`), so this process's RSS is the
client's alone. Faults match only the walk's `size=100` requests; a fault-free listing at
`size=1000` afterwards tells which calls existed from the start (drift inserts are newest).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from tests.conftest import serve
from vocode_async import AsyncVocode, RetryPolicy
from vocode_async._types import Prefetch

CALLS = 200_000
KEY = "soak-key"
# 5% of the walk's requests fail transiently, in five kinds; 0.5% insert a call first.
FAULTS = [
    "status:status=500,rate=0.01,query.size=100,times=unlimited",
    "html_502:rate=0.01,query.size=100,times=unlimited",
    "status:status=503,rate=0.01,query.size=100,times=unlimited",
    "rate_limit:retry_after=0,rate=0.01,query.size=100,times=unlimited",
    "reset:rate=0.01,query.size=100,times=unlimited",
    "drift_insert:rate=0.005,query.size=100,times=unlimited",
]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no /proc/self/status on this system")


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.requests = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.requests += record.getMessage().startswith("GET /v1/calls/list -> ")


@pytest.mark.parametrize("prefetch", [1, "auto"])
async def test_soak_200k_calls_through_faults_and_drift(prefetch: Prefetch) -> None:
    counter, logger = _Count(), logging.getLogger("vocode_async")
    logger.addHandler(counter)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        await _soak(counter, prefetch)
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


async def _soak(counter: _Count, prefetch: Prefetch) -> None:
    ids = bytearray()  # 16 bytes a call: what we keep must not be what we measure
    rss: dict[int, float] = {}
    policy = RetryPolicy(max_retries=6, initial_wait=0.0)
    with serve(CALLS, FAULTS, api_key=KEY, seed=3) as url:
        async with AsyncVocode(api_key=KEY, base_url=url, retry_policy=policy) as client:
            count = 0
            pager = client.calls.list(size=100, prefetch=prefetch)
            walk_requests = counter.requests
            async for call in pager:
                ids += uuid.UUID(call.id).bytes
                count += 1
                if count in (50_000, CALLS):
                    rss[count] = rss_mib()
            walk_requests = counter.requests - walk_requests
            final = [c.id async for c in client.calls.list(size=1000, prefetch=4)]
    walked = [bytes(ids[i : i + 16]) for i in range(0, len(ids), 16)]
    inserted = len(final) - CALLS
    expected = {uuid.UUID(i).bytes for i in final[inserted:]}  # the newest are the inserts
    retries = walk_requests - pager.stats.pages
    print(
        f"\nsoak (prefetch={prefetch!r}, deepest {pager.stats.depth_max}): {count:,} calls, "
        f"{retries} retried requests, {inserted} inserted mid-walk, "
        f"{pager.stats.dropped} "
        f"boundary duplicates dropped; RSS {rss[50_000]:.1f} MiB at 50k, "
        f"{rss[CALLS]:.1f} MiB at 200k"
    )
    assert inserted > 0 and pager.stats.dropped > 0  # the drift really happened
    assert 0.03 * pager.stats.pages < retries < 0.08 * pager.stats.pages  # and the faults
    assert len(walked) == len(set(walked)) == CALLS  # nothing duplicated
    assert set(walked) == expected  # nothing lost, nothing extra
    assert rss[CALLS] - rss[50_000] < 12  # flat: ids kept (2.4 MB) and noise only

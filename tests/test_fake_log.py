"""The fake lives long: its request log, counters and page cache stay bounded under any
load (large bodies, unauthenticated floods, requests for routes that do not exist)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.conftest import API_KEY
from vocode_async.testing import FakeVocodeServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
MIB = 1024 * 1024


@pytest.fixture
async def anon() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def retained(server: FakeVocodeServer) -> int:
    """Bytes of request data the log holds on to."""
    return sum(len(r.body) + len(r.path) + sum(map(len, r.query)) for r in server.log)


async def test_the_log_is_a_ring_of_recent_requests(anon: aiohttp.ClientSession) -> None:
    async with FakeVocodeServer(api_key=API_KEY, calls=3, log_limit=50) as server:
        for n in range(120):
            headers = AUTH if n % 2 else {}
            async with anon.get(server.url + "/v1/usage", headers=headers) as resp:
                assert resp.status == (200 if n % 2 else 403)
        assert len(server.log) == 50
        # the newest 50, in order, numbered from the server's start
        assert [r.seq for r in server.log] == list(range(71, 121))
        assert server.counters["GET /v1/usage"] == 120  # counters still count every one


async def test_default_bound_is_a_thousand_records(anon: aiohttp.ClientSession) -> None:
    async with FakeVocodeServer(api_key=API_KEY, calls=3) as server:

        async def hit(n: int) -> None:
            async with anon.get(server.url + "/v1/usage", params={"n": str(n)}) as resp:
                assert resp.status == 403

        for start in range(0, 1100, 100):
            await asyncio.gather(*(hit(n) for n in range(start, start + 100)))
        assert len(server.log) == FakeVocodeServer.LOG_LIMIT == 1000
        assert server.log[-1].seq == 1100


async def test_large_bodies_are_kept_capped_with_their_size(anon: aiohttp.ClientSession) -> None:
    body = b'{"content": "' + b"x" * (MIB - 100) + b'"}'
    async with FakeVocodeServer(api_key=API_KEY, calls=3, log_limit=20) as server:
        prompt = next(iter(server.store.objects["prompts"]))
        for n in range(40):
            headers = {**(AUTH if n % 2 else {}), "Content-Type": "application/json"}
            url = server.url + "/v1/prompts/update"
            async with anon.post(url, params={"id": prompt}, data=body, headers=headers) as resp:
                assert resp.status == (200 if n % 2 else 403)
        assert len(server.log) == 20
        for record in server.log:
            assert record.size == len(body) and record.truncated
            assert record.body == body[: FakeVocodeServer.LOG_BODY_LIMIT]
        assert retained(server) <= 20 * (FakeVocodeServer.LOG_BODY_LIMIT + 1024)
        # a small body is kept whole
        async with anon.post(url, params={"id": prompt}, json={"content": "y"}) as resp:
            assert resp.status == 403
        last = server.log[-1]
        assert last.body == b'{"content": "y"}' and not last.truncated and last.size == 16


async def test_counters_of_unknown_routes_do_not_grow(anon: aiohttp.ClientSession) -> None:
    async with FakeVocodeServer(api_key=API_KEY, calls=3) as server:
        for n in range(60):
            choices = (("GET", f"/nope/{n}"), ("DELETE", "/v1/usage"), ("PATCH", f"/{n}"))
            method, path = choices[n % 3]
            async with anon.request(method, server.url + path) as resp:
                assert resp.status in (404, 405)
        assert len(server.counters) == 1, server.counters
        assert sum(server.counters.values()) == 60


async def test_page_cache_holds_a_bounded_number_of_bytes() -> None:
    async with FakeVocodeServer(api_key=API_KEY, calls=1000) as server:
        async with aiohttp.ClientSession(headers=AUTH) as http:
            for n in range(200):  # every sort column a distinct key: 200 pages of 1000 calls
                query = {"size": "1000", "sort_column": f"no_such_{n}"}
                async with http.get(server.url + "/v1/calls/list", params=query) as resp:
                    assert resp.status == 200
                    await resp.read()
        assert server.page_cache_bytes <= FakeVocodeServer.PAGE_CACHE_BYTES


FLOOD = """
import asyncio, sys
import aiohttp
from vocode_async.testing import FakeVocodeServer

MIB = 1024 * 1024

def rss() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))

async def main() -> None:
    big = b'{"content": "' + b"x" * (MIB - 100) + b'"}'
    async with FakeVocodeServer(api_key="k", calls=10) as server:
        prompt = next(iter(server.store.objects["prompts"]))
        url = server.url + "/v1/prompts/update"
        async with aiohttp.ClientSession() as http:
            async def flood(count: int) -> None:
                for n in range(count):
                    headers = {"Content-Type": "application/json"}
                    if n % 2:
                        headers["Authorization"] = "Bearer k"
                    query = {"id": prompt}
                    async with http.post(url, params=query, data=big, headers=headers) as r:
                        assert r.status in (200, 403), r.status
            await flood(80)   # the ring is full, every buffer size has been seen
            before = rss()
            await flood(240)
            after = rss()
    print(before, after)

asyncio.run(main())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_rss_stays_flat_under_a_flood_of_large_posts() -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FLOOD)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    growth = (after - before) / MIB
    print(f"RSS {before / MIB:.1f} MiB -> {after / MIB:.1f} MiB ({growth:+.1f} MiB, 240 posts)")
    assert growth < 40, growth  # 240 MiB of bodies went through

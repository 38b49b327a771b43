"""The fake as the SDK meets it: its client helper's retry waits, answers lost after the
work was done (``after=True`` faults) and the request id on every answer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from tests.conftest import API_KEY
from vocode_async import (
    AsyncVocode,
    InternalServerError,
    NotFoundError,
    OutcomeUnknownError,
    RetryPolicy,
    UnprocessableEntityError,
)
from vocode_async.testing import FakeVocodeServer

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
pytestmark = pytest.mark.fake_vocode(api_key=API_KEY, calls=10, seed=4)


# -- retry waits ---------------------------------------------------------------------------


async def test_client_retries_without_waiting_by_default(fake_vocode: FakeVocodeServer) -> None:
    """Five 500s then an answer: default backoff would wait seconds (randomly), past the
    deadline; the helper's client waits nothing."""
    fake_vocode.faults.add(path="/v1/usage", status=500, times=5)
    started = time.monotonic()
    async with fake_vocode.client(max_retries=5, timeout=2.0) as client:
        assert isinstance(client, AsyncVocode)
        usage = await client.usage.get()
    assert usage.plan_type is not None
    assert fake_vocode.counters["GET /v1/usage"] == 6
    assert time.monotonic() - started < 1.0


async def test_client_keeps_a_retry_policy_it_is_given(fake_vocode: FakeVocodeServer) -> None:
    fake_vocode.faults.add(path="/v1/usage", status=500, times=2)
    async with fake_vocode.client(retry_policy=RetryPolicy(max_retries=0)) as client:
        with pytest.raises(InternalServerError):
            await client.usage.get()
    assert fake_vocode.counters["GET /v1/usage"] == 1


# -- answers lost after the work -----------------------------------------------------------


async def create(client: AsyncVocode, server: FakeVocodeServer, to_number: str) -> str:
    agent = next(iter(server.store.agents))
    call = await client.calls.create(from_number="+15550000000", to_number=to_number, agent=agent)
    return call.id


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "reset"},
        {"kind": "status", "status": 502},
        {"kind": "status", "status": 500},
        {"kind": "hang"},
        {"kind": "latency", "delay": 5.0},
    ],
    ids=lambda f: "-".join(str(v) for v in f.values()),
)
async def test_a_create_that_took_effect_and_lost_its_answer(
    fake_vocode: FakeVocodeServer, fault: dict[str, Any]
) -> None:
    calls = len(fake_vocode.store.calls)
    rule = fake_vocode.faults.add(path="/v1/calls/create", after=True, **fault)
    async with fake_vocode.client(timeout=0.5) as client:
        with pytest.raises(OutcomeUnknownError):
            await create(client, fake_vocode, "+15551230000")
        # the call was placed once, and only once: the SDK did not dial again
        assert fake_vocode.counters["calls_created"] == 1 and rule.fired == 1
        assert len(fake_vocode.store.calls) == calls + 1
        assert fake_vocode.store.calls[-1]["to_number"] == "+15551230000"
        assert fake_vocode.counters["POST /v1/calls/create"] == 1
        # reconciling finds it: the newest call to that number
        newest = [
            c
            async for c in client.calls.list(sort_column="start_time", sort_desc=True, size=5)
            if c.to_number == "+15551230000"
        ]
        assert [c.id for c in newest] == [fake_vocode.store.calls[-1]["id"]]


async def test_an_after_fault_spares_refused_requests(fake_vocode: FakeVocodeServer) -> None:
    rule = fake_vocode.faults.add(kind="reset", path="/v1/calls/create", after=True)
    async with fake_vocode.client() as client:
        with pytest.raises(UnprocessableEntityError):  # nothing done: the answer is kept
            await client.calls.create(from_number="+1", to_number="+2", agent="not-a-uuid")
        assert rule.fired == 0
        with pytest.raises(NotFoundError):
            await client.calls.get(NO_SUCH_ID)
        with pytest.raises(OutcomeUnknownError):
            await create(client, fake_vocode, "+15551230001")
        assert rule.fired == 1 and fake_vocode.counters["calls_created"] == 1
        await create(client, fake_vocode, "+15551230002")  # it fired once, as rules do
    assert fake_vocode.counters["calls_created"] == 2


async def test_after_drift_and_truncate_on_reads(fake_vocode: FakeVocodeServer) -> None:
    """A read served, then a call is added (drift after the page); or its body cut short."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {API_KEY}"}) as http:
        fake_vocode.faults.add(kind="drift_insert", path="/v1/calls/list", after=True)
        async with http.get(fake_vocode.url + "/v1/calls/list") as resp:
            assert (await resp.json())["total"] == 10  # the page as it was
        assert len(fake_vocode.store.calls) == 11
        fake_vocode.faults.add(kind="truncate", path="/v1/usage", after=True)
        async with http.get(fake_vocode.url + "/v1/usage") as resp:
            body = await resp.read()
        assert resp.status == 200 and body.startswith(b'{"user_id":') and not body.endswith(b"}")


# -- request ids ---------------------------------------------------------------------------


async def test_errors_and_raw_responses_carry_the_request_id(
    fake_vocode: FakeVocodeServer,
) -> None:
    async with fake_vocode.client() as client:
        with pytest.raises(NotFoundError) as caught:
            await client.calls.get(NO_SUCH_ID)
        record = fake_vocode.log[-1]
        assert caught.value.request_id == record.request_id == fake_vocode.request_id(record.seq)
        assert record.request_id in str(caught.value)
        raw = await client.calls.with_raw_response.list(size=2)
        assert raw.request_id == fake_vocode.log[-1].request_id
        assert raw.request_id != record.request_id
        fake_vocode.faults.add(path="/v1/usage", status=500, times=None)
        with pytest.raises(InternalServerError) as failed:
            await client.with_options(max_retries=0).usage.get()
        assert failed.value.request_id == fake_vocode.log[-1].request_id


async def test_request_ids_are_deterministic_under_a_seed() -> None:
    seen = []
    for seed in (1, 1, 2):
        async with FakeVocodeServer(api_key=API_KEY, calls=1, seed=seed) as server:
            async with aiohttp.ClientSession() as anon:
                ids = []
                for path in ("/v1/usage", "/nope", "/v1/usage"):  # 403, 404, 403
                    async with anon.get(server.url + path) as resp:
                        ids.append(resp.headers["x-request-id"])
            assert [r.request_id for r in server.log] == ids
            seen.append(ids)
    assert seen[0] == seen[1] and len(set(seen[0])) == 3
    assert not set(seen[0]) & set(seen[2])


async def test_a_fault_answer_has_an_id_unless_it_names_its_own(
    fake_vocode: FakeVocodeServer,
) -> None:
    fake_vocode.faults.add(path="/v1/usage", status=503)
    fake_vocode.faults.add(path="/v1/usage", status=502, headers={"X-Request-Id": "mine"})
    fake_vocode.faults.add(kind="reset", path="/v1/usage")
    async with aiohttp.ClientSession() as anon:
        async with anon.get(fake_vocode.url + "/v1/usage") as resp:
            assert resp.headers["x-request-id"] == fake_vocode.log[-1].request_id
        async with anon.get(fake_vocode.url + "/v1/usage") as resp:
            assert resp.headers["x-request-id"] == "mine"
        async with anon.get(fake_vocode.url + "/v1/usage") as resp:
            assert resp.headers["x-request-id"] == fake_vocode.log[-1].request_id
            with pytest.raises(aiohttp.ClientPayloadError):
                await resp.read()
    await asyncio.sleep(0)

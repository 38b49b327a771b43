"""Times in every RFC 3339 form decode, on every supported Python (3.10's
``datetime.fromisoformat`` takes only 3 or 6 fraction digits and no ``Z``).

The fake serves single calls' times with 0 to 9 fraction digits and ``Z`` or numeric
offsets (seeded by the call's id), so the whole suite reads them; a purpose-built server
serves the forms the fake does not.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from tests.conftest import API_KEY
from vocode_async import AsyncVocode, ResponseDecodeError
from vocode_async.testing import FakeVocodeServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
UTC = timezone.utc


@pytest.fixture
async def fake() -> AsyncIterator[FakeVocodeServer]:
    async with FakeVocodeServer(api_key=API_KEY, calls=60, seed=4) as srv:
        yield srv


def expected(epoch: int, text: str) -> datetime:
    """What ``text`` (as the fake wrote it for ``epoch``) means, worked out by hand."""
    fraction = text[20:].split("Z")[0].split("+")[0].split("-")[0] if text[19] == "." else ""
    return datetime.fromtimestamp(epoch, UTC) + timedelta(
        microseconds=int(fraction[:6].ljust(6, "0"))
    )


async def test_the_fake_serves_varied_forms_and_the_sdk_reads_them(fake: FakeVocodeServer) -> None:
    digits, zones = set(), set()
    async with aiohttp.ClientSession(headers=AUTH) as http, fake.client() as client:
        for stored in fake.store.calls:
            async with http.get(fake.url + "/v1/calls", params={"id": stored["id"]}) as resp:
                text = (await resp.json())["start_time"]
            match = re.fullmatch(r"[\d-]{10}T[\d:]{8}(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
            assert match is not None, text
            digits.add(len(match.group(1) or ""))
            zones.add(match.group(2))
            call = await client.calls.get(stored["id"])
            assert call.start_time == expected(stored["start_time"], text), text
            assert call.start_time.utcoffset() == timedelta(0)
    assert {0, 1, 2, 7, 9} <= digits and {"Z", "+00:00", "-05:00"} <= zones


FORMS = [
    ("2024-01-01T00:00:00.0Z", datetime(2024, 1, 1, tzinfo=UTC)),
    ("2024-01-01T00:00:00.12Z", datetime(2024, 1, 1, 0, 0, 0, 120000, tzinfo=UTC)),
    ("2024-01-01T00:00:00.1234567Z", datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
    ("2024-01-01T00:00:00.123456789+00:00", datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
    ("2024-01-01t10:30:00.5z", datetime(2024, 1, 1, 10, 30, 0, 500000, tzinfo=UTC)),
    ("2024-01-01 05:30:00+05:30", datetime(2024, 1, 1, tzinfo=UTC)),
    ("2023-12-31T19:00:00.1-05:00", datetime(2024, 1, 1, 0, 0, 0, 100000, tzinfo=UTC)),
    ("2024-01-01T00:00:00-00:00", datetime(2024, 1, 1, tzinfo=UTC)),
    ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, tzinfo=UTC)),  # a leap second
]


async def serve_call(call: dict[str, Any], path: str = "/v1/calls") -> web.AppRunner:
    """A server that answers ``GET path`` with ``call``, whatever is asked."""

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps(call), content_type="application/json")

    app = web.Application()
    app.router.add_get(path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


@pytest.mark.parametrize(("text", "when"), FORMS, ids=[f[0] for f in FORMS])
async def test_every_rfc3339_form_decodes(
    fake: FakeVocodeServer, text: str, when: datetime
) -> None:
    call = fake.store.full(fake.store.calls[0])
    runner = await serve_call({**call, "start_time": text, "end_time": text})
    try:
        port = runner.addresses[0][1]
        async with AsyncVocode(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}") as client:
            got = await client.calls.get(call["id"])
        assert got.start_time == when and got.end_time == when
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("text", ["2024-13-01T00:00:00Z", "2024-01-01T00:00:00.Z", "yesterday"])
async def test_a_bad_time_names_the_field(fake: FakeVocodeServer, text: str) -> None:
    call = fake.store.full(fake.store.calls[0])
    runner = await serve_call({**call, "start_time": text})
    try:
        port = runner.addresses[0][1]
        async with AsyncVocode(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}") as client:
            with pytest.raises(ResponseDecodeError) as info:
                await client.calls.get(call["id"])
        assert info.value.field_path == "start_time"
    finally:
        await runner.cleanup()


async def test_a_string_where_an_object_belongs_is_named_at_the_field(
    fake: FakeVocodeServer,
) -> None:
    prompt = fake.store.expand("prompts", next(iter(fake.store.objects["prompts"].values())))
    prompt["prompt_template"] = "3c90c3cc-0d44-4b50-8888-8dd25736052a"  # the old fake's bug

    runner = await serve_call(prompt, "/v1/prompts")
    try:
        port = runner.addresses[0][1]
        async with AsyncVocode(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}") as client:
            with pytest.raises(ResponseDecodeError) as info:
                await client.prompts.get(prompt["id"])
        assert info.value.field_path == "prompt_template"
        assert "prompt_template: expected an object, got a string" in str(info.value)
    finally:
        await runner.cleanup()

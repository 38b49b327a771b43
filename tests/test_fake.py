"""The fake server on its own, spoken to with raw aiohttp (not our client or models).

Every operation's answer conforms to the spec's response schema; auth, 422s, pagination
edges and each fault kind behave as documented.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import jsonschema
import pytest

from tests import spec
from tests.conftest import API_KEY, serve
from vocode_async.testing import FakeVocodeServer, Fault, FaultKind, Faults

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


@pytest.fixture
async def small() -> AsyncIterator[FakeVocodeServer]:
    async with FakeVocodeServer(api_key=API_KEY, calls=25, seed=3) as srv:
        yield srv


async def call(
    http: aiohttp.ClientSession,
    server: FakeVocodeServer,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    body: Any = None,
) -> tuple[int, Any]:
    async with http.request(method, server.url + path, params=params, json=body) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.read()


def first(server: FakeVocodeServer, kind: str, **match: Any) -> dict[str, Any]:
    return next(
        o
        for o in server.store.objects[kind].values()
        if all(o.get(k) == v for k, v in match.items())
    )


def requests_for(server: FakeVocodeServer) -> dict[str, tuple[dict[str, Any], Any]]:
    """One valid request (query, body) per operationId, against the seeded store."""
    agent = next(iter(server.store.agents))
    call_id = next(c["id"] for c in server.store.calls if c["recording_available"])
    twilio = first(server, "account_connections", type="account_connection_twilio")["id"]
    number = next(iter(server.store.objects["numbers"]))
    ids = {k: next(iter(server.store.objects[k])) for k in server.store.objects}
    bodies = {
        "prompts": {"content": "x"},
        "voices": {"type": "voice_azure", "voice_name": "v"},
        "actions": {"type": "action_transfer_call", "config": {"phone_number": "+1"}},
        "webhooks": {"subscriptions": ["event_transcript"], "url": "https://x.example"},
        "vector_databases": {
            "type": "vector_database_pinecone",
            "index": "i",
            "api_key": "k",
            "api_environment": "e",
        },
        "account_connections": {
            "type": "account_connection_openai",
            "credentials": {"openai_api_key": "sk"},
        },
        "agents": {"prompt": {"content": "p"}, "voice": ids["voices"]},
    }
    updates = {
        "voices": {"type": first(server, "voices", id=ids["voices"])["type"]},
        "actions": {"type": first(server, "actions", id=ids["actions"])["type"]},
        "account_connections": {
            "type": first(server, "account_connections", id=ids["account_connections"])["type"]
        },
        "vector_databases": {"type": "vector_database_pinecone", "index": "j"},
    }
    out: dict[str, tuple[dict[str, Any], Any]] = {
        "list_calls": ({"size": 10}, None),
        "get_call": ({"id": call_id}, None),
        "end_call": ({"id": call_id}, None),
        "create_call": ({}, {"from_number": "+1", "to_number": "+2", "agent": agent}),
        "get_recording": ({"id": call_id}, None),
        "get_usage": ({}, None),
        "list_numbers": ({}, None),
        "get_number": ({"phone_number": number}, None),
        "buy_number": ({}, {"area_code": "212"}),
        "update_number": ({"phone_number": number}, {"label": "l"}),
        "cancel_number": ({"phone_number": number}, None),
        "link_number": (
            {},
            {"phone_number": "+17775550000", "telephony_account_connection": twilio},
        ),
        "add_to_steering_pool": ({"id": twilio}, {"phone_number": "+1"}),
        "remove_from_steering_pool": ({"id": twilio}, {"phone_number": "+1"}),
    }
    for kind, create in bodies.items():
        singular = kind[:-1]
        out[f"list_{kind}"] = ({"size": 2}, None)
        out[f"get_{singular}"] = ({"id": ids[kind]}, None)
        out[f"create_{singular}"] = ({}, create)
        out[f"update_{singular}"] = ({"id": ids[kind]}, updates.get(kind, {}))
    return out


async def test_every_operation_answers_as_the_spec_says(
    http: aiohttp.ClientSession, small: FakeVocodeServer
) -> None:
    requests = requests_for(small)
    operations = spec.operations()
    assert {op_id for op_id, *_ in operations} == set(requests)
    for op_id, method, path, op in operations:
        params, body = requests[op_id]
        status, answer = await call(http, small, method, path, params, body)
        assert status == 200, (op_id, answer)
        schema = spec.response_schema(op)
        if schema is not None:
            jsonschema.validate(answer, schema)
        else:
            assert isinstance(answer, bytes) and answer.startswith(b"RIFF"), op_id


async def test_auth_failures(small: FakeVocodeServer) -> None:
    error_schema = {
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"type": "string"}},
    }
    async with aiohttp.ClientSession() as anon:
        for headers, expected in (({}, 403), ({"Authorization": "Bearer wrong"}, 401)):
            async with anon.get(small.url + "/v1/agents/list", headers=headers) as resp:
                assert resp.status == expected
                jsonschema.validate(await resp.json(), error_schema)


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "loc"),
    [
        ("GET", "/v1/calls/list", {"page": "0"}, None, ["query", "page"]),
        ("GET", "/v1/agents/list", {"size": "abc"}, None, ["query", "size"]),
        ("GET", "/v1/voices/list", {"size": "5000"}, None, ["query", "size"]),
        ("GET", "/v1/calls/list", {"sort_desc": "maybe"}, None, ["query", "sort_desc"]),
        ("GET", "/v1/prompts", {}, None, ["query", "id"]),
        ("POST", "/v1/webhooks/create", {}, {"url": "https://x"}, ["body", "subscriptions"]),
        ("POST", "/v1/webhooks/create", {}, {"url": 1, "subscriptions": []}, ["body", "url"]),
        ("POST", "/v1/voices/create", {}, {"type": "voice_nope"}, ["body"]),
        ("POST", "/v1/calls/create", {}, [1, 2], ["body"]),
        (
            "POST",
            "/v1/agents/create",
            {},
            {"prompt": {"content": 5}, "voice": "v"},
            ["body", "prompt", "content"],
        ),
    ],
)
async def test_bad_input_is_a_fastapi_422(
    http: aiohttp.ClientSession,
    small: FakeVocodeServer,
    method: str,
    path: str,
    params: dict[str, str],
    body: Any,
    loc: list[str],
) -> None:
    status, answer = await call(http, small, method, path, params, body)
    assert status == 422
    jsonschema.validate(answer, spec.inline(spec.schemas()["HTTPValidationError"], spec.schemas()))
    assert answer["detail"][0]["loc"] == loc


async def test_unknown_reference_is_refused_and_nothing_is_made(
    http: aiohttp.ClientSession, small: FakeVocodeServer
) -> None:
    body = {"from_number": "+1", "to_number": "+2", "agent": "00000000-0000-4000-8000-000000000000"}
    status, answer = await call(http, small, "POST", "/v1/calls/create", body=body)
    assert status == 400 and "Agent" in answer["detail"]
    assert small.counters["calls_created"] == 0 and len(small.store.calls) == 25


@pytest.mark.parametrize(
    ("page", "size", "count", "has_more"),
    [
        (1, 10, 10, True),
        (3, 10, 5, False),
        (1, 100, 25, False),
        (4, 10, 0, False),
        (25, 1, 1, False),
    ],
)
async def test_pagination_edges(
    http: aiohttp.ClientSession,
    small: FakeVocodeServer,
    page: int,
    size: int,
    count: int,
    has_more: bool,
) -> None:
    status, answer = await call(http, small, "GET", "/v1/calls/list", {"page": page, "size": size})
    assert status == 200
    assert (len(answer["items"]), answer["has_more"], answer["total"]) == (count, has_more, 25)
    assert answer["total_is_estimated"] is False and (answer["page"], answer["size"]) == (
        page,
        size,
    )


async def test_sorting(http: aiohttp.ClientSession, small: FakeVocodeServer) -> None:
    for desc in ("false", "true"):
        query = {"size": 100, "sort_column": "to_number", "sort_desc": desc}
        _, answer = await call(http, small, "GET", "/v1/calls/list", query)
        numbers = [item["to_number"] for item in answer["items"]]
        assert numbers == sorted(numbers, reverse=desc == "true")
    _, newest = await call(http, small, "GET", "/v1/calls/list", {"size": 1})
    assert newest["items"][0]["id"] == small.store.calls[-1]["id"]  # newest first by default
    _, agents = await call(http, small, "GET", "/v1/agents/list", {"sort_column": "name"})
    names = [a["name"] for a in agents["items"]]
    assert names == sorted(names)


async def test_times_as_the_newer_api_sends_them(
    http: aiohttp.ClientSession, small: FakeVocodeServer
) -> None:
    _, page = await call(http, small, "GET", "/v1/calls/list", {"size": 1})
    item = page["items"][0]
    assert isinstance(item["start_time"], int)
    _, full = await call(http, small, "GET", "/v1/calls", {"id": item["id"]})
    assert isinstance(full["start_time"], str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]{8}(\.\d+)?(Z|[+-]\d\d:\d\d)", full["start_time"])
    assert isinstance(full["agent"], dict) and isinstance(item["agent"], str)


async def test_status_fault_with_a_rate_is_deterministic(http: aiohttp.ClientSession) -> None:
    counts = []
    for _ in range(2):
        async with FakeVocodeServer(api_key=API_KEY, calls=5, seed=11) as srv:
            srv.faults.add(Fault.parse("status:status=500,rate=0.3,times=unlimited"))
            statuses = [(await call(http, srv, "GET", "/v1/usage"))[0] for _ in range(100)]
            counts.append(statuses.count(500))
            assert set(statuses) == {200, 500}
    assert counts[0] == counts[1] and 15 <= counts[0] <= 45


async def test_retry_after_shorthands_and_html(
    http: aiohttp.ClientSession, small: FakeVocodeServer
) -> None:
    small.faults.add(Fault.parse("rate_limit:path=/v1/usage,retry_after=7,times=1"))
    small.faults.add(Fault.parse("unavailable:path=/v1/usage,times=1"))
    small.faults.add(Fault.parse("html_502:path=/v1/usage,times=1"))
    seen = []
    for _ in range(4):
        async with http.get(small.url + "/v1/usage") as resp:
            seen.append((resp.status, resp.headers.get("Retry-After"), resp.content_type))
    assert seen == [
        (429, "7", "application/json"),
        (503, "1", "application/json"),
        (502, None, "text/html"),
        (200, None, "application/json"),
    ]


async def test_latency_with_jitter(http: aiohttp.ClientSession, small: FakeVocodeServer) -> None:
    small.faults.add(kind=FaultKind.LATENCY, path="/v1/usage", delay=0.1, jitter=0.05, times=None)
    started = time.monotonic()
    await call(http, small, "GET", "/v1/usage")
    elapsed = time.monotonic() - started
    assert 0.1 <= elapsed < 1.0


async def test_reset_truncate_and_hang(
    http: aiohttp.ClientSession, small: FakeVocodeServer
) -> None:
    small.faults.add(kind=FaultKind.RESET, path="/v1/calls/list")
    with pytest.raises(aiohttp.ClientPayloadError):
        await call(http, small, "GET", "/v1/calls/list")
    small.faults.add(kind=FaultKind.TRUNCATE, path="/v1/calls/list")
    async with http.get(small.url + "/v1/calls/list") as resp:
        assert resp.status == 200 and (await resp.read()).endswith(b'"user_id": ')
    small.faults.add(kind=FaultKind.HANG, path="/v1/usage")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(call(http, small, "GET", "/v1/usage"), 0.3)


async def test_empty_page_and_drift(http: aiohttp.ClientSession, small: FakeVocodeServer) -> None:
    small.faults.add(kind=FaultKind.EMPTY_PAGE, path="/v1/calls/list")
    _, page = await call(http, small, "GET", "/v1/calls/list")
    assert page["items"] == [] and page["has_more"] is True
    small.faults.add(kind=FaultKind.DRIFT_INSERT, path="/v1/calls/list")
    _, page = await call(http, small, "GET", "/v1/calls/list")
    assert page["total"] == 26
    small.faults.add(kind=FaultKind.DRIFT_DELETE, path="/v1/calls/list", times=2)
    _, page = await call(http, small, "GET", "/v1/calls/list")
    assert page["total"] == 25
    assert small.log[-1].path == "/v1/calls/list" and small.counters["GET /v1/calls/list"] == 3


def test_fault_parse_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown fault kind 'boom'"):
        Fault.parse("boom")
    with pytest.raises(ValueError, match="bad fault option 'colour=red'"):
        Fault.parse("status:colour=red")
    fault = Fault.parse("latency:delay_ms=50,jitter_ms=10,path=/v1/calls/list")
    assert (fault.kind, fault.delay, fault.jitter, fault.times) == (
        FaultKind.LATENCY,
        0.05,
        0.01,
        Fault().times,  # one default for both spellings: once
    )
    assert Fault.parse("reset:times=unlimited").times is None
    with pytest.raises(ValueError, match="bad value for fault option 'status': 'abc'"):
        Fault.parse("status:status=abc")


async def test_pytest_fixture(fake_vocode: FakeVocodeServer, http: aiohttp.ClientSession) -> None:
    async with aiohttp.ClientSession() as anon:
        headers = {"Authorization": f"Bearer {fake_vocode.api_key}"}
        async with anon.get(fake_vocode.url + "/v1/calls/list", headers=headers) as resp:
            assert resp.status == 200 and (await resp.json())["total"] == 100


@pytest.mark.signals  # the served child is stopped with SIGTERM
def test_serve_command_with_a_fault() -> None:
    with serve(7, ["status:path=/v1/usage,status=418,times=1"], api_key="k") as url:

        async def probe() -> list[int]:
            async with aiohttp.ClientSession(headers={"Authorization": "Bearer k"}) as s:
                out = []
                for path in ("/v1/usage", "/v1/usage", "/v1/calls/list"):
                    async with s.get(url + path) as resp:
                        out.append(resp.status)
                        body = await resp.json()
                return [*out, body["total"]]

        assert asyncio.run(probe()) == [418, 200, 200, 7]


def test_serve_rejects_a_bad_fault() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vocode_async.cli", "serve", "--fault", "boom"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unknown fault kind 'boom'" in done.stderr


async def test_estimated_totals(http: aiohttp.ClientSession) -> None:
    async with FakeVocodeServer(api_key=API_KEY, calls=2345, estimated_totals=True) as srv:
        _, page = await call(http, srv, "GET", "/v1/calls/list", {"size": 100, "page": 24})
        assert (page["total"], page["total_is_estimated"], page["has_more"]) == (3000, True, False)
        assert len(page["items"]) == 45
        async with srv.client() as client:  # the pager ends on has_more, not on an estimate
            ids = [c.id async for c in client.calls.list(size=100, prefetch=4)]
        assert len(ids) == len(set(ids)) == 2345
        # it fans out within the estimate: at most prefetch (4) pages past the end
        assert 25 <= srv.counters["GET /v1/calls/list"] <= 25 + 4


# -- fault kinds by name, a typed faults.add ------------------------------------------------


async def test_a_kind_given_by_name_acts(
    http: aiohttp.ClientSession, small: FakeVocodeServer
) -> None:
    rule = Fault(kind="latency", path="/v1/usage", delay=0.3)
    assert rule.kind is FaultKind.LATENCY
    small.faults.add(rule)
    started = time.monotonic()
    assert (await call(http, small, "GET", "/v1/usage"))[0] == 200
    assert time.monotonic() - started >= 0.3 and rule.fired == 1
    hang = small.faults.add(kind="hang", path="/v1/usage")
    assert hang.kind is FaultKind.HANG
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(call(http, small, "GET", "/v1/usage"), 0.3)


@pytest.mark.parametrize("kind", ["boom", "LATENCY", "rate_limit", 3, None])
def test_an_unknown_kind_is_refused_naming_the_kinds(kind: Any) -> None:
    expected = r"unknown fault kind .*; one of status, latency, reset, truncate, hang, empty_page"
    with pytest.raises(ValueError, match=expected):
        Fault(kind=kind)
    with pytest.raises(ValueError, match=expected):
        Faults().add(kind=kind)


def test_faults_add_takes_the_fields_of_fault_with_its_defaults() -> None:
    params = inspect.signature(Faults.add).parameters
    fields = {f.name: f for f in attrs.fields(Fault) if f.name not in ("seen", "fired")}
    assert set(params) - {"self", "fault"} == set(fields)
    for name, field in fields.items():
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        assert params[name].default in (default, None), name
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
    assert Faults().add() == Fault()
    with pytest.raises(TypeError, match="a Fault or its fields, not both"):
        Faults().add(Fault(), status=503)


def test_after_applies_to_the_kinds_that_can_spoil_an_answer() -> None:
    with pytest.raises(ValueError, match="after=True does not apply to a 'empty_page' fault"):
        Fault(kind="empty_page", after=True)
    assert Fault.parse("reset:path=/v1/calls/create,after=true").after is True
    with pytest.raises(ValueError, match="bad value for fault option 'after'"):
        Fault.parse("reset:after=maybe")


async def test_a_method_matches_in_any_case(
    http: aiohttp.ClientSession, small: FakeVocodeServer
) -> None:
    small.faults.add(path="/v1/usage", method="get", status=418)
    assert (await call(http, small, "GET", "/v1/usage"))[0] == 418


async def test_empty_page_fault_with_a_bad_page_query_is_no_500(
    http: aiohttp.ClientSession, small: FakeVocodeServer
) -> None:
    small.faults.add(kind=FaultKind.EMPTY_PAGE, path="/v1/calls/list", times=None)
    for page in ("abc", "\u0661", "9" * 5000):
        status, answer = await call(http, small, "GET", "/v1/calls/list", {"page": page})
        assert status == 200 and (answer["page"], answer["items"]) == (1, []), answer

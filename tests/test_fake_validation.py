"""The fake refuses what the API refuses: bodies and queries the spec rules out get
FastAPI's 422 and change nothing; unknown references get one 400; answers keep to the
response schemas, so the SDK can read back everything the fake accepted.

These run without the spec (the rules are generated into the package); the generated
module is kept in sync with the spec by ``test_fake_rules.py``.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.conftest import API_KEY
from vocode_async.testing import FakeVocodeServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
PHRASE_TRIGGER = {
    "type": "action_trigger_phrase_based",
    "config": {"phrase_triggers": [{"phrase": "bye", "conditions": []}]},
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeVocodeServer]:
    async with FakeVocodeServer(api_key=API_KEY, calls=5, seed=5) as srv:
        yield srv


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


async def send(
    http: aiohttp.ClientSession,
    fake: FakeVocodeServer,
    path: str,
    body: Any = None,
    params: dict[str, str] | None = None,
    *,
    method: str = "POST",
    raw: bytes | None = None,
) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"params": params}
    if raw is not None:  # as JSON: under another content type FastAPI reads no JSON at all
        kwargs["data"] = raw
        kwargs["headers"] = {"Content-Type": "application/json"}
    elif body is not None:
        kwargs["json"] = body
    async with http.request(method, fake.url + path, **kwargs) as resp:
        return resp.status, await resp.json()


def snapshot(fake: FakeVocodeServer) -> Any:
    return copy.deepcopy((fake.store.objects, fake.store.calls, fake.store.version))


def an_agent(fake: FakeVocodeServer) -> str:
    return next(iter(fake.store.agents))


# The invalid bodies, each confirmed invalid by a JSON-schema validator against the
# spec (tests/test_conformance.py checks that they are), with where the 422 points.
INVALID: list[tuple[str, str, dict[str, Any], list[str | int]]] = [
    (
        "webhook method",
        "/v1/webhooks/create",
        {"subscriptions": ["event_transcript"], "url": "https://x", "method": "AAA"},
        ["body", "method"],
    ),
    (
        "webhook event",
        "/v1/webhooks/create",
        {"subscriptions": ["event_nope"], "url": "https://x"},
        ["body", "subscriptions", 0],
    ),
    (
        "openai credentials empty",
        "/v1/account_connections/create",
        {"type": "account_connection_openai", "credentials": {}},
        ["body", "account_connection_openai", "credentials", "openai_api_key"],
    ),
    (
        "twilio credentials without the token",
        "/v1/account_connections/create",
        {"type": "account_connection_twilio", "credentials": {"twilio_account_sid": "AC1"}},
        ["body", "account_connection_twilio", "credentials", "twilio_auth_token"],
    ),
    (
        "dtmf phrase trigger without its config",
        "/v1/actions/create",
        {"type": "action_dtmf", "action_trigger": {"type": "action_trigger_phrase_based"}},
        [
            "body",
            "action_dtmf",
            "action_trigger",
            "action_trigger_phrase_based",
            "config",
        ],
    ),
    (
        "transfer with an empty config",
        "/v1/actions/create",
        {"type": "action_transfer_call", "config": {}},
        ["body", "action_transfer_call", "config", "phone_number"],
    ),
    (
        "external action with half a config",
        "/v1/actions/create",
        {
            "type": "action_external",
            "config": {
                "name": "n",
                "url": "https://x",
                "input_schema": {},
                "speak_on_send": True,
                "speak_on_receive": False,
            },
        },
        ["body", "action_external", "config", "description"],
    ),
    (
        "play.ht quality",
        "/v1/voices/create",
        {"type": "voice_play_ht", "voice_id": "v", "quality": "ultra"},
        ["body", "voice_play_ht", "quality"],
    ),
    (
        "rime model",
        "/v1/voices/create",
        {"type": "voice_rime", "speaker": "s", "model_id": "v9"},
        ["body", "voice_rime", "model_id"],
    ),
    (
        "prompt template not a uuid",
        "/v1/prompts/create",
        {"content": "c", "prompt_template": "not-a-uuid"},
        ["body", "prompt_template"],
    ),
    (
        "collect field type",
        "/v1/prompts/create",
        {"collect_fields": [{"field_type": "field_type_phone", "label": "l", "name": "n"}]},
        ["body", "collect_fields", 0, "field_type"],
    ),
    (
        "agent language",
        "/v1/agents/create",
        {"prompt": {"content": "p"}, "voice": "VOICE", "language": "xx"},
        ["body", "language"],
    ),
    (
        "call context values are strings",
        "/v1/calls/create",
        {"from_number": "+1", "to_number": "+2", "agent": "AGENT", "context": {"n": 1}},
        ["body", "context", "n"],
    ),
    (
        "call on_no_human_answer",
        "/v1/calls/create",
        {"from_number": "+1", "to_number": "+2", "agent": "AGENT", "on_no_human_answer": "x"},
        ["body", "on_no_human_answer"],
    ),
    (
        "number provider",
        "/v1/numbers/buy",
        {"telephony_provider": "sprint"},
        ["body", "telephony_provider"],
    ),
]


def fill(fake: FakeVocodeServer, body: Any) -> Any:
    """Valid ids where a body names ``AGENT`` or ``VOICE``."""
    ids = {"AGENT": an_agent(fake), "VOICE": next(iter(fake.store.objects["voices"]))}
    if isinstance(body, dict):
        return {k: fill(fake, v) for k, v in body.items()}
    return ids.get(body, body) if isinstance(body, str) else body


@pytest.mark.parametrize(
    ("path", "body", "loc"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
async def test_invalid_body_is_a_422_and_changes_nothing(
    http: aiohttp.ClientSession,
    fake: FakeVocodeServer,
    path: str,
    body: dict[str, Any],
    loc: list[str | int],
) -> None:
    before = snapshot(fake)
    status, answer = await send(http, fake, path, fill(fake, body))
    assert status == 422, answer
    assert [e["loc"] for e in answer["detail"]] == [loc], answer
    assert all(set(e) == {"loc", "msg", "type"} for e in answer["detail"])
    assert snapshot(fake) == before


async def test_after_refused_bodies_the_sdk_reads_every_listing(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    for _, path, body, _ in INVALID:
        assert (await send(http, fake, path, fill(fake, body)))[0] == 422
    async with fake.client() as client:
        for group in ("account_connections", "actions", "calls", "prompts", "voices"):
            items = [item async for item in getattr(client, group).list()]
            assert items, group


async def test_every_error_is_reported_at_once(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    body = {"subscriptions": "event_transcript", "url": 5, "method": "PUT"}
    status, answer = await send(http, fake, "/v1/webhooks/create", body)
    assert status == 422
    assert sorted(e["loc"][1] for e in answer["detail"]) == ["method", "subscriptions", "url"]


@pytest.mark.parametrize(
    ("raw", "loc", "kind"),
    [
        (b"", ["body"], "missing"),
        (b"{not json", ["body", 0], "json_invalid"),
        (b"null", ["body"], "dict_type"),
        (b"[]", ["body"], "dict_type"),
    ],
)
async def test_missing_or_broken_body(
    http: aiohttp.ClientSession, fake: FakeVocodeServer, raw: bytes, loc: list[Any], kind: str
) -> None:
    status, answer = await send(http, fake, "/v1/prompts/create", raw=raw)
    assert status == 422
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(loc, kind)]


NOT_JSON = "Input should be a valid dictionary or object to extract fields from"


async def test_a_body_is_read_as_json_only_under_a_json_content_type(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    """FastAPI parses JSON with no content type, ``application/json`` or ``+json`` (any case,
    any parameters); any other type hands the endpoint bytes, which no model accepts."""
    body = b'{"content": "hi"}'
    url = fake.url + "/v1/prompts/create"
    answers = {}
    for kind in (
        None,
        "application/json",
        "Application/JSON; charset=utf-8",
        "application/vnd.vocode+json",
        "text/plain",
        "text/json",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        "application/jsonl",
        "json",
    ):
        headers = {} if kind is None else {"Content-Type": kind}
        async with http.post(
            url, data=body, headers=headers, skip_auto_headers=["Content-Type"]
        ) as r:
            answers[kind] = (r.status, await r.json())
    accepted = [kind for kind, (status, _) in answers.items() if status == 200]
    assert accepted == [
        None,
        "application/json",
        "Application/JSON; charset=utf-8",
        "application/vnd.vocode+json",
    ], answers
    for kind in answers.keys() - set(accepted):
        status, answer = answers[kind]
        assert status == 422
        assert answer["detail"] == [
            {"loc": ["body"], "msg": NOT_JSON, "type": "model_attributes_type"}
        ], kind


async def test_a_body_of_whitespace_is_a_body_that_is_not_json(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    # FastAPI treats only an empty body as none (and then uses the spec's default body)
    status, answer = await send(http, fake, "/v1/numbers/buy", raw=b" \n")
    assert status == 422 and answer["detail"][0]["type"] == "json_invalid", answer
    assert fake.counters["numbers_bought"] == 0


async def test_a_repeated_query_parameter_is_read_as_its_last_value(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    # Starlette's query_params[name] (what FastAPI reads) is the last value of a repeated name
    url = fake.url + "/v1/calls/list?size=2&page=1&page=2"
    async with http.get(url) as resp:
        repeated = await resp.json()
    status, second = await send(
        http, fake, "/v1/calls/list", params={"size": "2", "page": "2"}, method="GET"
    )
    assert status == 200 and repeated == second
    async with http.get(fake.url + "/v1/calls/list?page=0&page=1") as resp:
        assert resp.status == 200


async def test_buy_with_no_body_uses_the_spec_default(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    status, answer = await send(http, fake, "/v1/numbers/buy", raw=b"")
    assert status == 200, answer
    assert answer["telephony_provider"] == "vonage"
    assert fake.counters["numbers_bought"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"page": "0"},
        {"page": "-1"},
        {"size": "0"},
        {"size": "-5"},
        {"page": "18446744073709551616"},
        {"page": "9223372036854775808"},
        {"size": "18446744073709551616"},
        {"page": "1.5"},
        {"page": "+-1"},
        {"page": "\u0661"},  # an Arabic-Indic digit one: int() reads it, FastAPI does not
        {"sort_desc": "perhaps"},
        {"page": "1" * 4301},  # past Python's int max-str-digits: not a 500
        {"size": "9" * 8000},  # (a longer request line is aiohttp's 400, as a proxy's)
        {"page": "-" + "1" * 5000},
    ],
)
async def test_list_query_out_of_range_is_a_422(
    http: aiohttp.ClientSession, fake: FakeVocodeServer, query: dict[str, str]
) -> None:
    for group in ("calls", "agents"):
        status, answer = await send(http, fake, f"/v1/{group}/list", params=query, method="GET")
        assert status == 422, (group, answer)
        assert answer["detail"][0]["loc"] == ["query", next(iter(query))]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1" * 4301, "int_parsing_size"),
        ("-" + "9" * 5000, "int_parsing_size"),
        ("9" * 20, "less_than"),
        ("-" + "9" * 20, "greater_than_equal"),
    ],
)
async def test_query_integers_too_long_or_too_large_say_so(
    http: aiohttp.ClientSession, fake: FakeVocodeServer, text: str, kind: str
) -> None:
    status, answer = await send(http, fake, "/v1/calls/list", params={"page": text}, method="GET")
    assert status == 422, answer
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["query", "page"], kind)]


async def test_query_integer_with_many_leading_zeros_is_read(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    params = {"page": "0" * 5000 + "2", "size": "2"}  # pydantic reads it as 2
    status, answer = await send(http, fake, "/v1/calls/list", params=params, method="GET")
    assert status == 200 and answer["page"] == 2


async def test_largest_page_is_empty_not_an_error(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    params = {"page": str(2**63 - 1), "size": "1000"}
    status, answer = await send(http, fake, "/v1/calls/list", params=params, method="GET")
    assert status == 200 and answer["items"] == [] and answer["has_more"] is False


async def test_id_query_must_be_a_uuid(http: aiohttp.ClientSession, fake: FakeVocodeServer) -> None:
    status, answer = await send(http, fake, "/v1/calls", params={"id": "abc"}, method="GET")
    assert status == 422 and answer["detail"][0]["loc"] == ["query", "id"]
    status, answer = await send(http, fake, "/v1/calls", params={"id": NO_SUCH_ID}, method="GET")
    assert status == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/calls/create", {"from_number": "+1", "to_number": "+2", "agent": NO_SUCH_ID}),
        ("/v1/agents/create", {"prompt": NO_SUCH_ID, "voice": "VOICE"}),
        ("/v1/agents/create", {"prompt": {"content": "p"}, "voice": NO_SUCH_ID}),
        (
            "/v1/agents/create",
            {"prompt": {"content": "p"}, "voice": "VOICE", "actions": [NO_SUCH_ID]},
        ),
        (
            "/v1/agents/create",
            {"prompt": {"content": "p"}, "voice": "VOICE", "openai_account_connection": NO_SUCH_ID},
        ),
        ("/v1/prompts/create", {"prompt_template": NO_SUCH_ID}),
        ("/v1/numbers/buy", {"telephony_account_connection": NO_SUCH_ID}),
        ("/v1/numbers/link", {"phone_number": "+1", "telephony_account_connection": NO_SUCH_ID}),
        (
            "/v1/calls/create",
            {
                "from_number": "+1",
                "to_number": "+2",
                # a nested prompt is made first only if every id in the body is known
                "agent": {"prompt": {"content": "p"}, "webhook": NO_SUCH_ID},
            },
        ),
    ],
)
async def test_unknown_reference_is_one_400_everywhere(
    http: aiohttp.ClientSession, fake: FakeVocodeServer, path: str, body: dict[str, Any]
) -> None:
    before = snapshot(fake)
    status, answer = await send(http, fake, path, fill(fake, body))
    assert status == 400, answer
    assert isinstance(answer["detail"], str) and answer["detail"].endswith("not found")
    assert snapshot(fake) == before


async def test_reference_of_the_wrong_type_is_refused(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    openai = next(
        k
        for k, v in fake.store.objects["account_connections"].items()
        if v["type"] == "account_connection_openai"
    )
    status, answer = await send(
        http, fake, "/v1/numbers/buy", {"telephony_account_connection": openai}
    )
    assert status == 400 and "account_connection_twilio" in answer["detail"]


async def test_prompt_template_id_is_served_back_as_the_template(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    template = next(iter(fake.store.objects["prompt_templates"]))
    status, created = await send(
        http, fake, "/v1/prompts/create", {"content": "c", "prompt_template": template}
    )
    assert status == 200, created
    assert created["prompt_template"]["id"] == template
    assert isinstance(created["prompt_template"]["required_context_keys"], list)
    async with fake.client() as client:
        prompt = await client.prompts.get(created["id"])
        assert prompt.prompt_template is not None and prompt.prompt_template.id == template
        listed = [p async for p in client.prompts.list() if p.id == created["id"]]
        assert listed[0].prompt_template == template  # list items keep the id


async def test_update_with_undefined_leaves_the_field(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    agent = an_agent(fake)
    name = fake.store.agents[agent]["name"]
    status, answer = await send(
        http, fake, "/v1/agents/update", {"name": {}, "language": "de"}, {"id": agent}
    )
    assert status == 200, answer
    assert (answer["name"], answer["language"]) == (name, "de")
    status, answer = await send(http, fake, "/v1/agents/update", {"name": {"x": 1}}, {"id": agent})
    assert status == 422 and answer["detail"][-1]["loc"][:2] == ["body", "name"]


async def test_create_fills_the_spec_defaults(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    status, hook = await send(
        http, fake, "/v1/webhooks/create", {"subscriptions": [], "url": "https://x", "extra": 1}
    )
    assert status == 200 and hook["method"] == "POST" and "extra" not in hook
    status, action = await send(
        http, fake, "/v1/actions/create", {"type": "action_dtmf", "action_trigger": PHRASE_TRIGGER}
    )
    assert status == 200 and action["action_trigger"] == PHRASE_TRIGGER


INT64_MAX = 2**63 - 1


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (str(2**63).encode(), "less_than"),
        (str(2**64 - 1).encode(), "less_than"),
        # orjson reads integers past 64 bits (and -2**63 - 1) as floats: refused as pydantic
        # refuses such a float
        (b"18446744073709551616", "int_parsing_size"),  # 2**64: what the fake used to store
        (str(-(2**63) - 1).encode(), "int_parsing_size"),
        (str(2**70).encode(), "int_parsing_size"),
        (b"1e308", "int_parsing_size"),  # a float with no fraction, out of int64
        (b"9.3e18", "int_parsing_size"),
        (b"-1e19", "int_parsing_size"),
        (b"1.5", "int_from_float"),
        (b"1e400", None),  # inf to Python's json (FastAPI): refused either way
        (b"-1e400", None),
        (b"1" * 5000, None),
    ],
)
async def test_body_integers_outside_int64_are_a_422(
    http: aiohttp.ClientSession, fake: FakeVocodeServer, value: bytes, kind: str | None
) -> None:
    before = snapshot(fake)
    raw = b'{"type": "voice_azure", "voice_name": "v", "pitch": ' + value + b"}"
    status, answer = await send(http, fake, "/v1/voices/create", raw=raw)
    assert status == 422, answer
    (error,) = answer["detail"]
    assert set(error) == {"loc", "msg", "type"}
    if kind is not None:
        assert (error["loc"], error["type"]) == (["body", "voice_azure", "pitch"], kind), error
    assert snapshot(fake) == before
    async with fake.client() as client:  # the group still decodes
        assert [v async for v in client.voices.list(size=100)]


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (str(INT64_MAX).encode(), INT64_MAX),
        (str(-(2**63)).encode(), -(2**63)),
        (b"1.0", 1),  # pydantic's lax mode: an integral float is an int
        (b"1e18", 10**18),
        (b"-0.0", 0),
    ],
)
async def test_body_integers_within_int64_are_stored_as_ints(
    http: aiohttp.ClientSession, fake: FakeVocodeServer, value: bytes, stored: int
) -> None:
    raw = b'{"type": "voice_azure", "voice_name": "v", "pitch": ' + value + b"}"
    status, voice = await send(http, fake, "/v1/voices/create", raw=raw)
    assert status == 200, voice
    kept = fake.store.objects["voices"][voice["id"]]["pitch"]
    assert voice["pitch"] == stored and isinstance(kept, int)
    async with fake.client() as client:
        listed = [v async for v in client.voices.list(size=100)]
        assert any(v.id == voice["id"] and v.pitch == stored for v in listed)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (b"1e400", None),
        (b"-1e400", None),
        (b"1" + b"0" * 400, None),  # an integer no float can hold
        (b"NaN", None),
        (b"Infinity", None),
    ],
)
async def test_body_numbers_must_be_finite(
    http: aiohttp.ClientSession, fake: FakeVocodeServer, value: bytes, kind: str | None
) -> None:
    before = snapshot(fake)
    raw = b'{"type": "voice_eleven_labs", "voice_id": "v", "stability": ' + value + b"}"
    status, answer = await send(http, fake, "/v1/voices/create", raw=raw)
    assert status == 422, answer
    if kind is not None:
        where = ["body", "voice_eleven_labs", "stability"]
        assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(where, kind)]
    assert snapshot(fake) == before


async def test_body_numbers_up_to_the_largest_float_are_stored(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    raw = b'{"type": "voice_eleven_labs", "voice_id": "v", "stability": 1e308}'
    status, voice = await send(http, fake, "/v1/voices/create", raw=raw)
    assert status == 200 and voice["stability"] == 1e308


async def test_a_nested_update_may_not_change_the_kind_and_changes_nothing(
    http: aiohttp.ClientSession, fake: FakeVocodeServer
) -> None:
    agent = an_agent(fake)
    voice = fake.store.objects["voices"][fake.store.agents[agent]["voice"]]
    other = next(t for t in ("voice_rime", "voice_azure") if t != voice["type"])
    body = {"prompt": {"content": "changed"}, "voice": {"type": other}}
    before = snapshot(fake)
    status, answer = await send(http, fake, "/v1/agents/update", body, {"id": agent})
    assert status == 422 and answer["detail"][0]["loc"] == ["body", "voice", "type"], answer
    assert snapshot(fake) == before


async def test_the_fake_refuses_a_json_body_sent_as_text_plain() -> None:
    async with (
        FakeVocodeServer(api_key=API_KEY, calls=0) as fake,
        aiohttp.ClientSession() as session,
        session.post(
            fake.url + "/v1/prompts/create",
            data=b'{"content": "hi"}',
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "text/plain"},
        ) as answer,
    ):
        assert answer.status == 422

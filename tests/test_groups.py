"""Every group through the SDK against the fake, over loopback HTTP.

Each group's create → get → list → update round trip; the request bodies the SDK sent
(read back from the fake's request log) validate against the spec's request schemas.
"""

from __future__ import annotations

import inspect
from typing import Any

import attrs
import jsonschema
import orjson
import pytest

from tests import spec
from tests.conftest import make_client
from vocode_async import (
    AsyncVocode,
    NotFoundError,
    OutcomeUnknownError,
    UnprocessableEntityError,
    models,
)
from vocode_async.models import (
    AddToConferenceActionParams,
    AddToConferenceConfig,
    AgentUpdateParams,
    AzureVoice,
    AzureVoiceParams,
    AzureVoiceUpdateParams,
    CollectField,
    CreateCallAgentParams,
    ElevenLabsVoice,
    ElevenLabsVoiceParams,
    EventType,
    ExternalAction,
    ExternalActionConfig,
    ExternalActionParams,
    HTTPMethod,
    Language,
    OpenAIAccountConnection,
    OpenAIAccountConnectionParams,
    OpenAICredentials,
    PhraseBasedActionTrigger,
    PhraseBasedActionTriggerConfig,
    PhraseTrigger,
    PineconeVectorDatabase,
    PlanType,
    PromptParams,
    PromptUpdateParams,
    RimeVoice,
    TransferCallAction,
    TransferCallActionParams,
    TransferCallActionUpdateParams,
    TransferCallConfig,
    TwilioAccountConnection,
    TwilioAccountConnectionParams,
    TwilioAccountConnectionUpdateParams,
    TwilioCredentials,
    UnknownVoice,
    Usage,
    WebhookParams,
)
from vocode_async.testing import FakeVocodeServer, FaultKind

CANARIES = ("TWILIO-CANARY", "OPENAI-CANARY", "PINECONE-CANARY", "XI-CANARY")


def bodies(server: FakeVocodeServer, path: str) -> list[Any]:
    """The JSON bodies the server received on ``path``."""
    return [orjson.loads(r.body) for r in server.log if r.path == path and r.body]


def assert_bodies_match_spec(server: FakeVocodeServer) -> int:
    """Validate every request body the SDK sent against the spec's request schema."""
    by_path = {(m, p): op for _, m, p, op in spec.operations()}
    checked = 0
    for record in server.log:
        op = by_path.get((record.method, record.path))
        schema = spec.request_schema(op) if op is not None else None
        if schema is None or not record.body:
            continue
        jsonschema.validate(orjson.loads(record.body), schema)
        checked += 1
    return checked


async def test_prompts_round_trip(client: AsyncVocode, server: FakeVocodeServer) -> None:
    field = CollectField(field_type="field_type_email", label="Email", name="email")
    made = await client.prompts.create(content="Greet warmly.", collect_fields=(field,))
    assert made.content == "Greet warmly." and made.collect_fields == (field,)
    assert await client.prompts.get(made.id) == made
    listed = [p.id async for p in client.prompts.list(size=2)]
    assert listed[0] == made.id and len(listed) == 4
    updated = await client.prompts.update(made.id, context_endpoint="https://ctx.example")
    assert updated.content == "Greet warmly."  # untouched: partial update
    assert updated.context_endpoint == "https://ctx.example"
    assert bodies(server, "/v1/prompts/update") == [{"context_endpoint": "https://ctx.example"}]
    assert assert_bodies_match_spec(server) == 2


async def test_voices_tagged_union(client: AsyncVocode, server: FakeVocodeServer) -> None:
    azure = await client.voices.create(AzureVoiceParams(voice_name="en-US-Aria", rate=20))
    assert isinstance(azure, AzureVoice) and azure.rate == 20
    eleven = await client.voices.create(ElevenLabsVoiceParams(voice_id="v", api_key="XI-CANARY"))
    assert isinstance(eleven, ElevenLabsVoice) and eleven.api_key == "XI-CANARY"
    assert "XI-CANARY" not in repr(eleven)
    kinds = {type(v) async for v in client.voices.list()}
    assert {AzureVoice, ElevenLabsVoice, RimeVoice} <= kinds
    changed = await client.voices.update(azure.id, AzureVoiceUpdateParams(pitch=3))
    assert isinstance(changed, AzureVoice) and (changed.pitch, changed.rate) == (3, 20)
    assert bodies(server, "/v1/voices/update") == [{"pitch": 3, "type": "voice_azure"}]
    with pytest.raises(UnprocessableEntityError) as info:
        await client.voices.update(azure.id, ElevenLabsVoiceParams(voice_id="x"))  # type: ignore[arg-type]
    assert info.value.issues[0].loc == ("body", "type")
    assert assert_bodies_match_spec(server) >= 3


async def test_unknown_voice_kind_keeps_raw(client: AsyncVocode, server: FakeVocodeServer) -> None:
    voice = next(iter(server.store.objects["voices"].values()))
    voice["type"] = "voice_from_the_future"
    got = await client.voices.get(voice["id"])
    assert isinstance(got, UnknownVoice) and got.type == "voice_from_the_future"
    assert got.raw["id"] == voice["id"]


async def test_actions_round_trip(client: AsyncVocode, server: FakeVocodeServer) -> None:
    trigger = PhraseBasedActionTrigger(
        config=PhraseBasedActionTriggerConfig(
            phrase_triggers=(
                PhraseTrigger(phrase="operator", conditions=("phrase_condition_type_contains",)),
            )
        )
    )
    transfer = await client.actions.create(
        TransferCallActionParams(
            config=TransferCallConfig(phone_number="+1555"), action_trigger=trigger
        )
    )
    assert isinstance(transfer, TransferCallAction) and transfer.action_trigger == trigger
    external = await client.actions.create(
        ExternalActionParams(
            config=ExternalActionConfig(
                name="lookup",
                description="d",
                url="https://x.example",
                input_schema={"type": "object"},
                speak_on_send=True,
                speak_on_receive=False,
            )
        )
    )
    assert isinstance(external, ExternalAction) and external.config.input_schema == {
        "type": "object"
    }
    await client.actions.create(
        AddToConferenceActionParams(config=AddToConferenceConfig(phone_number="+1"))
    )
    assert (await client.actions.get(transfer.id)) == transfer
    ids = [a.id async for a in client.actions.list(size=2)]
    assert len(ids) == len(set(ids)) == 6
    moved = await client.actions.update(
        transfer.id, TransferCallActionUpdateParams(config=TransferCallConfig(phone_number="+1666"))
    )
    assert isinstance(moved, TransferCallAction)
    assert moved.config.phone_number == "+1666" and moved.action_trigger == trigger
    assert assert_bodies_match_spec(server) == 4


async def test_webhooks_round_trip(client: AsyncVocode, server: FakeVocodeServer) -> None:
    hook = await client.webhooks.create(
        subscriptions=(EventType.PHONE_CALL_ENDED,), url="https://h.example"
    )
    assert hook.subscriptions == (EventType.PHONE_CALL_ENDED,)
    assert hook.method is HTTPMethod.POST
    server.store.objects["webhooks"][hook.id]["subscriptions"].append("event_from_the_future")
    newer = await client.webhooks.get(hook.id)
    assert newer.subscriptions == (EventType.PHONE_CALL_ENDED, "event_from_the_future")
    got = await client.webhooks.update(hook.id, method=HTTPMethod.GET)
    assert got.method is HTTPMethod.GET and got.url == "https://h.example"
    assert [w.id async for w in client.webhooks.list()][:1] == [hook.id]
    assert bodies(server, "/v1/webhooks/update") == [{"method": "GET"}]
    assert assert_bodies_match_spec(server) == 2


async def test_vector_databases_hide_their_key(
    client: AsyncVocode, server: FakeVocodeServer
) -> None:
    db = await client.vector_databases.create(
        index="kb2", api_key="PINECONE-CANARY", api_environment="eu"
    )
    assert isinstance(db, PineconeVectorDatabase) and db.api_key == "PINECONE-CANARY"
    assert "PINECONE-CANARY" not in repr(db)
    again = await client.vector_databases.update(db.id, index="kb3")
    assert (again.index, again.api_key) == ("kb3", "PINECONE-CANARY")
    assert {d.id async for d in client.vector_databases.list()} >= {db.id}
    assert bodies(server, "/v1/vector_databases/create")[0]["type"] == "vector_database_pinecone"
    assert assert_bodies_match_spec(server) == 2


async def test_account_connections_and_steering_pool(
    client: AsyncVocode, server: FakeVocodeServer
) -> None:
    twilio = await client.account_connections.create(
        TwilioAccountConnectionParams(
            credentials=TwilioCredentials(
                twilio_account_sid="AC9", twilio_auth_token="TWILIO-CANARY"
            )
        )
    )
    openai = await client.account_connections.create(
        OpenAIAccountConnectionParams(credentials=OpenAICredentials(openai_api_key="OPENAI-CANARY"))
    )
    assert isinstance(twilio, TwilioAccountConnection) and isinstance(
        openai, OpenAIAccountConnection
    )
    for secret, obj in (("TWILIO-CANARY", twilio), ("OPENAI-CANARY", openai)):
        assert secret not in repr(obj) and secret not in str(obj)
    await client.account_connections.add_to_steering_pool(twilio.id, phone_number="+1555")
    await client.account_connections.add_to_steering_pool(twilio.id, phone_number="+1556")
    await client.account_connections.remove_from_steering_pool(twilio.id, phone_number="+1555")
    got = await client.account_connections.get(twilio.id)
    assert isinstance(got, TwilioAccountConnection) and got.steering_pool == ("+1556",)
    rotated = await client.account_connections.update(
        twilio.id,
        TwilioAccountConnectionUpdateParams(
            credentials=TwilioCredentials(twilio_account_sid="AC9", twilio_auth_token="NEW")
        ),
    )
    assert isinstance(rotated, TwilioAccountConnection)
    assert rotated.credentials.twilio_auth_token == "NEW"
    kinds = [type(c) async for c in client.account_connections.list()]
    assert kinds.count(TwilioAccountConnection) == 2 and kinds.count(OpenAIAccountConnection) == 2
    assert assert_bodies_match_spec(server) == 6


async def test_agents_take_ids_or_bodies(client: AsyncVocode, server: FakeVocodeServer) -> None:
    voice = next(iter(server.store.objects["voices"]))
    action = next(iter(server.store.objects["actions"]))
    agent = await client.agents.create(
        prompt=PromptParams(content="You sell phones."),
        voice=voice,
        actions=(action, TransferCallActionParams(config=TransferCallConfig(phone_number="+1"))),
        webhook=WebhookParams(subscriptions=(EventType.TRANSCRIPT,), url="https://w.example"),
        language=Language.DE,
        name="Seller",
    )
    assert agent.prompt.content == "You sell phones." and agent.voice.id == voice
    assert [a.id for a in agent.actions][:1] == [action] and len(agent.actions) == 2
    assert agent.webhook is not None and agent.language is Language.DE
    assert server.counters["prompts_created"] == 0  # nested objects are the fake's own work
    assert len(server.store.objects["prompts"]) == 4
    listed = [a async for a in client.agents.list()]
    assert listed[0].id == agent.id and listed[0].prompt == agent.prompt.id
    renamed = await client.agents.update(
        agent.id, name="Closer", prompt=PromptUpdateParams(content="You close deals.")
    )
    assert renamed.name == "Closer" and renamed.prompt.content == "You close deals."
    assert renamed.prompt.id == agent.prompt.id  # updated in place
    assert renamed.voice == agent.voice  # untouched
    assert bodies(server, "/v1/agents/update") == [
        {"name": "Closer", "prompt": {"content": "You close deals."}}
    ]
    assert assert_bodies_match_spec(server) == 2
    before = len(server.store.objects["agents"])
    with pytest.raises(UnprocessableEntityError) as info:
        await client.agents.create(prompt=agent.prompt.id, voice=AzureVoiceParams(voice_name=3))  # type: ignore[arg-type]
    assert [i.loc for i in info.value.issues] == [("body", "voice", "voice_azure", "voice_name")]
    assert len(server.store.objects["agents"]) == before  # nothing half-made


async def test_numbers_buy_update_cancel_link(
    client: AsyncVocode, server: FakeVocodeServer
) -> None:
    bought = await client.numbers.buy(area_code="415")
    assert bought.number.startswith("+1415") and bought.active
    assert server.counters["numbers_bought"] == 1
    agent = list(server.store.agents)[1]
    updated = await client.numbers.update(bought.number, label="sales", inbound_agent=agent)
    assert updated.label == "sales" and updated.inbound_agent.id == agent
    renamed = await client.numbers.update(
        bought.number, inbound_agent=AgentUpdateParams(name="Front")
    )
    assert renamed.inbound_agent.id == agent and renamed.inbound_agent.name == "Front"
    assert (await client.numbers.get(bought.number)).label == "sales"
    cancelled = await client.numbers.cancel(bought.number)
    assert not cancelled.active
    twilio = next(
        c["id"]
        for c in server.store.objects["account_connections"].values()
        if c["type"] == "account_connection_twilio"
    )
    linked = await client.numbers.link(
        phone_number="+14155550000", telephony_account_connection=twilio
    )
    assert linked.telephony_account_connection is not None
    assert linked.telephony_account_connection.id == twilio
    numbers = [n.number async for n in client.numbers.list()]
    assert numbers[:2] == ["+14155550000", bought.number] and len(numbers) == 5
    with pytest.raises(NotFoundError):
        await client.numbers.get("+19999999999")
    assert assert_bodies_match_spec(server) == 4


async def test_calls_create_with_an_inline_agent(
    client: AsyncVocode, server: FakeVocodeServer
) -> None:
    call = await client.calls.create(
        from_number="+1555",
        to_number="+1556",
        agent=CreateCallAgentParams(prompt=PromptParams(content="Confirm the order.")),
        context={"order": "42"},
    )
    assert call.agent.prompt.content == "Confirm the order." and call.context == {"order": "42"}
    assert server.counters["calls_created"] == 1
    assert assert_bodies_match_spec(server) == 1


async def test_usage(client: AsyncVocode) -> None:
    usage = await client.usage.get()
    assert isinstance(usage, Usage) and usage.plan_type is PlanType.DEVELOPER
    assert usage.monthly_usage_minutes > 0


async def test_secrets_in_nested_objects_stay_out_of_reprs(server: FakeVocodeServer) -> None:
    async with make_client(server) as client:
        db = await client.vector_databases.create(
            index="i", api_key="PINECONE-CANARY", api_environment="e"
        )
        made = await client.agents.create(
            prompt=PromptParams(content="c"),
            voice=ElevenLabsVoiceParams(voice_id="v", api_key="XI-CANARY"),
            vector_database=db.id,
            openai_account_connection=next(
                c["id"]
                for c in server.store.objects["account_connections"].values()
                if c["type"] == "account_connection_openai"
            ),
        )
        text = repr(made) + str(made) + repr(await client.agents.get(made.id))
        for secret in ("XI-CANARY", "PINECONE-CANARY", "sk-seeded"):
            assert secret not in text
        assert (
            made.vector_database is not None and made.vector_database.api_key == "PINECONE-CANARY"
        )


async def test_buying_a_number_is_never_repeated(
    client: AsyncVocode, server: FakeVocodeServer
) -> None:
    server.faults.add(path="/v1/numbers/buy", status=500)
    with pytest.raises(OutcomeUnknownError) as info:
        await client.numbers.buy(area_code="212")
    assert info.value.path == "/v1/numbers/buy"
    assert server.counters["POST /v1/numbers/buy"] == 1
    server.faults.add(path="/v1/numbers/list", status=500)  # a read: retried
    assert len([n async for n in client.numbers.list()]) == 3
    assert server.counters["GET /v1/numbers/list"] == 2


async def test_creating_an_agent_after_a_reset_is_not_repeated(
    client: AsyncVocode, server: FakeVocodeServer
) -> None:
    server.faults.add(kind=FaultKind.RESET, path="/v1/agents/create")
    with pytest.raises(OutcomeUnknownError):
        await client.agents.create(prompt=PromptParams(content="x"), voice="v")
    assert server.counters["POST /v1/agents/create"] == 1


def test_models_surface_is_pinned() -> None:
    assert models.__all__ == sorted(models.__all__)
    for module in vars(models).values():
        if inspect.ismodule(module) and module.__name__.startswith("vocode_async.models."):
            for name in getattr(module, "__all__", ()):
                assert getattr(models, name) is getattr(module, name), name


def test_no_model_shows_a_secret_in_its_repr() -> None:
    """Every model with a secret field, filled with a canary: repr and str never show it."""
    canary = "CANARY-5ec2e7"
    checked = []
    for name in models.__all__:
        cls = getattr(models, name)
        if not (isinstance(cls, type) and attrs.has(cls)):
            continue
        fields = attrs.fields(cls)
        if not any(f.metadata.get("secret") for f in fields):
            continue
        obj = object.__new__(cls)
        for f in fields:
            object.__setattr__(obj, f.name, canary if f.metadata.get("secret") else "x")
        assert canary not in repr(obj) and canary not in str(obj), name
        checked.append(name)
    assert len(checked) >= 12, checked  # the voices, vector databases and credentials

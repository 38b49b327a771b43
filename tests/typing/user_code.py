"""Typical user code; `mypy --strict` checks it in the test session (never executed)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp

from vocode_async import (
    UNSET,
    AsyncVocode,
    ClientClosedError,
    NotFoundError,
    OutcomeUnknownError,
    RawResponse,
    RequestOptions,
    WrongEventLoopError,
    raw_response,
)
from vocode_async.models import (
    Action,
    Agent,
    AzureVoice,
    AzureVoiceParams,
    Call,
    CallStatus,
    EventType,
    NormalizedAgent,
    NormalizedCall,
    Page,
    PhoneNumber,
    PromptParams,
    TransferCallActionParams,
    TransferCallConfig,
    TwilioAccountConnection,
    Usage,
    Voice,
)
from vocode_async.testing import FakeVocodeServer, Fault, FaultKind, RequestRecord


async def main() -> None:
    async with AsyncVocode(api_key="k") as client:
        ended = 0
        async for call in client.calls.list(size=100, prefetch=2):
            item: NormalizedCall = call
            if item.status == CallStatus.ENDED:
                ended += 1
            started: datetime | None = item.start_time
            del started
        first: Page[NormalizedCall] = await client.calls.list()
        print(first.total, ended)
        async with client.calls.list(prefetch=8, max_items=500, max_pages=10) as pager:
            async for page in pager.pages():
                print(len(page.items), pager.stats.refetched, pager.stats.shifts)
        try:
            full: Call = await client.with_options(max_retries=0).calls.get("id")
            print(full.agent.id)
        except NotFoundError as exc:
            print(exc.status, exc.request_id)
        try:
            await client.calls.create(from_number="+1", to_number="+2", agent="agent-id")
        except OutcomeUnknownError as exc:
            print("reconcile:", exc.method, exc.path)
        except ClientClosedError as exc:
            sent: bool = exc.request_sent
            print(sent)
        except WrongEventLoopError:
            print("one client per event loop")


async def groups(client: AsyncVocode) -> None:
    voice: Voice = await client.voices.create(AzureVoiceParams(voice_name="en-US-JennyNeural"))
    if isinstance(voice, AzureVoice):
        print(voice.rate)
    action: Action = await client.actions.create(
        TransferCallActionParams(config=TransferCallConfig(phone_number="+15550001111"))
    )
    agent: Agent = await client.agents.create(
        prompt=PromptParams(content="Be brief."),
        voice="voice-id",
        actions=(
            "action-id",
            TransferCallActionParams(config=TransferCallConfig(phone_number="+1")),
        ),
    )
    print(action, agent.prompt.content)
    agent = await client.agents.update(agent.id, name="Front desk", webhook=UNSET)
    async for listed in client.agents.list(size=50):
        summary: NormalizedAgent = listed
        print(summary.voice)
    number: PhoneNumber = await client.numbers.update("+15550000000", inbound_agent=agent.id)
    print(number.inbound_agent.name)
    hook = await client.webhooks.create(
        subscriptions=(EventType.PHONE_CALL_ENDED,), url="https://x"
    )
    print(hook.url)
    async for connection in client.account_connections.list():
        if isinstance(connection, TwilioAccountConnection):
            await client.account_connections.add_to_steering_pool(connection.id, phone_number="+1")
    usage: Usage = await client.usage.get()
    print(usage.monthly_usage_minutes)


async def escape_hatches(client: AsyncVocode) -> None:
    view: AsyncVocode = client.with_options(
        timeout=5.0,
        extra_headers={"X-Trace": "1"},
        extra_query={"debug": "1"},
        extra_body={"llm_fallback": {"provider": "openai"}},
    )
    options: RequestOptions = view.options
    print(options.timeout)
    raw: RawResponse[Call] = await raw_response(client.calls.get)("id")
    call: Call = raw.parse()
    print(raw.status, raw.request_id, raw.elapsed.total_seconds(), raw.headers.get("x"))
    listed: RawResponse[Page[NormalizedCall]] = await raw_response(client.calls.list)(size=5)
    print(listed.parse().items)
    loose: RawResponse[Any] = await client.calls.with_raw_response.get("id")
    print(loose.status)
    data: dict[str, Any] = call.to_dict()
    text: str = call.to_json(reveal_secrets=True, indent=True)
    unknown: Mapping[str, Any] = call.extra_fields
    print(data, text, unknown)
    anything: Any = await client.request("POST", "/v1/new/thing", json={"a": 1}, unsafe=False)
    print(anything)


async def configured() -> None:
    trace = aiohttp.TraceConfig()
    async with AsyncVocode(
        api_key="k",
        default_headers={"X-Team": "a"},
        proxy="http://proxy.internal:3128",
        ssl=ssl.create_default_context(),
        trust_env=False,
        trace_configs=[trace],
        max_connections=10,
        max_connections_per_host=5,
    ) as client:
        await escape_hatches(client)


async def against_the_fake() -> None:
    # `mypy --strict` warns of an unused `type: ignore`: each one below is a check that the
    # line IS an error (a misspelt fault field, an attribute the client lacks).
    async with FakeVocodeServer(calls=5, seed=1) as server:
        rule: Fault = server.faults.add(kind="reset", path="/v1/calls/create", after=True)
        server.faults.add(kind=FaultKind.LATENCY, delay=0.5, times=None, query={"page": "2"})
        server.faults.add(Fault(kind="hang", method="post"))
        server.faults.add(kind="latency", dely=5)  # type: ignore[call-arg]
        server.faults.add(kind="status", status="500")  # type: ignore[arg-type]
        async with server.client(timeout=5.0) as client:
            typed: AsyncVocode = client
            await typed.calls.list()
            client.no_such_group  # type: ignore[attr-defined]  # noqa: B018
        record: RequestRecord = server.log[-1]
        print(rule.fired, record.request_id, record.size, record.truncated, record.seq)


if __name__ == "__main__":
    asyncio.run(main())

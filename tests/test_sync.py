"""Vocode, the blocking client: every operation, threads, a running loop, fork, exit, Ctrl-C.

Servers run in threads (``fake_vocode_sync``) so the test's own thread can block. What must
happen in a process of its own (fork, interpreter exit, SIGINT) runs in a child script that
reports on stdout.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from vocode_async import (
    ClientClosedError,
    ConfigError,
    NotFoundError,
    OutcomeUnknownError,
    Pager,
    RawResponse,
    Vocode,
    WrongEventLoopError,
)
from vocode_async._sync_resources import SyncGroups
from vocode_async.models import (
    Action,
    AzureVoice,
    AzureVoiceParams,
    AzureVoiceUpdateParams,
    Call,
    CreateCallAgentParams,
    EventType,
    NormalizedCall,
    OpenAIAccountConnectionParams,
    OpenAICredentials,
    Page,
    PromptParams,
    TransferCallActionParams,
    TransferCallActionUpdateParams,
    TransferCallConfig,
    TwilioAccountConnection,
    TwilioAccountConnectionParams,
    TwilioAccountConnectionUpdateParams,
    TwilioCredentials,
    Usage,
)
from vocode_async.testing import FakeVocodeServer, Fault, FaultKind

ROOT = Path(__file__).resolve().parents[1]
KEY = "sync-key"


def operations() -> set[str]:
    """``group.method`` for every method of every blocking group."""
    found = set()
    for group, cls in inspect.get_annotations(SyncGroups, eval_str=True).items():
        for name, value in vars(cls).items():
            if not name.startswith("_") and inspect.isfunction(value):
                found.add(f"{group}.{name}")
    return found


def test_the_generated_groups_are_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/gen_sync.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_every_group_and_operation_is_there() -> None:
    assert len(operations()) == 43  # the 42 operations, and download_recording


@pytest.mark.fake_vocode(calls=30, seed=2)
def test_every_operation_against_the_fake(fake_vocode_sync: FakeVocodeServer, tmp_path: Path):
    server, done = fake_vocode_sync, set()

    def did(*names: str) -> None:
        done.update(names)

    with server.sync_client() as c:
        for group in ("agents", "numbers", "prompts", "actions", "voices", "webhooks"):
            items = list(getattr(c, group).list(size=2))
            assert items, group
            key = getattr(items[0], "number", None) or items[0].id
            assert getattr(c, group).get(key) is not None
            did(f"{group}.list", f"{group}.get")
        calls = list(c.calls.list(size=7))
        assert len(calls) == 30 and all(isinstance(x, NormalizedCall) for x in calls)
        full: Call = c.calls.get(calls[0].id)
        assert full.id == calls[0].id
        made = c.calls.create(
            from_number="+1555",
            to_number="+1556",
            agent=CreateCallAgentParams(prompt=PromptParams(content="Hi.")),
        )
        assert c.calls.end(made.id).id == made.id
        with_audio = next(x["id"] for x in server.store.calls if x["recording_available"])
        audio = b"".join(c.calls.recording(with_audio, chunk_size=1000))
        assert audio == server.store.recording(with_audio)
        saved = c.calls.download_recording(with_audio, tmp_path / "a.mp3")
        assert saved.read_bytes() == audio
        did("calls.list", "calls.get", "calls.create", "calls.end", "calls.recording")
        did("calls.download_recording")

        voice = c.voices.create(AzureVoiceParams(voice_name="en-US-Aria"))
        assert isinstance(c.voices.update(voice.id, AzureVoiceUpdateParams(pitch=2)), AzureVoice)
        prompt = c.prompts.create(content="Be brief.")
        assert c.prompts.update(prompt.id, content="Be briefer.").content == "Be briefer."
        action = c.actions.create(
            TransferCallActionParams(config=TransferCallConfig(phone_number="+1"))
        )
        moved = c.actions.update(
            action.id,
            TransferCallActionUpdateParams(config=TransferCallConfig(phone_number="+2")),
        )
        assert isinstance(moved, Action)
        hook = c.webhooks.create(subscriptions=(EventType.TRANSCRIPT,), url="https://h.example")
        assert c.webhooks.update(hook.id, url="https://i.example").url == "https://i.example"
        db = c.vector_databases.create(index="kb", api_key="PINECONE-CANARY", api_environment="e")
        assert c.vector_databases.get(db.id).index == "kb"
        assert c.vector_databases.update(db.id, index="kb2").index == "kb2"
        assert [d.id for d in c.vector_databases.list()].count(db.id) == 1
        agent = c.agents.create(prompt=prompt.id, voice=voice.id, name="A")
        assert c.agents.update(agent.id, name="B").name == "B"
        did("voices.create", "voices.update", "prompts.create", "prompts.update")
        did("actions.create", "actions.update", "webhooks.create", "webhooks.update")
        did("vector_databases.create", "vector_databases.get", "vector_databases.update")
        did("vector_databases.list", "agents.create", "agents.update")

        twilio = c.account_connections.create(
            TwilioAccountConnectionParams(
                credentials=TwilioCredentials(twilio_account_sid="AC1", twilio_auth_token="T")
            )
        )
        c.account_connections.create(
            OpenAIAccountConnectionParams(credentials=OpenAICredentials(openai_api_key="O"))
        )
        c.account_connections.add_to_steering_pool(twilio.id, phone_number="+1555")
        c.account_connections.remove_from_steering_pool(twilio.id, phone_number="+1555")
        rotated = c.account_connections.update(
            twilio.id,
            TwilioAccountConnectionUpdateParams(
                credentials=TwilioCredentials(twilio_account_sid="AC1", twilio_auth_token="U")
            ),
        )
        assert isinstance(rotated, TwilioAccountConnection)
        assert isinstance(c.account_connections.get(twilio.id), TwilioAccountConnection)
        assert len(list(c.account_connections.list())) == 4
        did(*(f"account_connections.{n}" for n in ("create", "update", "get", "list")))
        did("account_connections.add_to_steering_pool")
        did("account_connections.remove_from_steering_pool")

        bought = c.numbers.buy(area_code="415")
        assert c.numbers.update(bought.number, label="x").label == "x"
        assert not c.numbers.cancel(bought.number).active
        linked = c.numbers.link(phone_number="+14155550000", telephony_account_connection=twilio.id)
        assert linked.number == "+14155550000"
        usage: Usage = c.usage.get()
        assert usage.monthly_usage_minutes > 0
        did("numbers.buy", "numbers.update", "numbers.cancel", "numbers.link", "usage.get")
        with pytest.raises(NotFoundError):  # the same error classes as the async client
            c.numbers.get("+19999999999")
    assert done == operations()
    assert server.counters["calls_created"] == 1 and server.counters["numbers_bought"] == 1


def test_views_raw_responses_and_request(fake_vocode_sync: FakeVocodeServer) -> None:
    with fake_vocode_sync.sync_client() as client:
        view = client.with_options(max_retries=0, extra_headers={"X-Trace": "1"})
        assert view.options.max_retries == 0 and client.options.max_retries == 2
        call_id = next(iter(client.calls.list(size=5))).id
        assert view.calls.get(call_id).id == call_id
        assert fake_vocode_sync.log[-1].path == "/v1/calls"
        raw = client.calls.with_raw_response.get(call_id)
        assert isinstance(raw, RawResponse) and raw.status == 200
        assert raw.parse().id == call_id
        first = client.calls.with_raw_response.list(size=3).parse()
        assert isinstance(first, Page) and len(first.items) == 3
        assert client.request("GET", "/v1/usage")["plan_type"] == "plan_developer"
        with pytest.raises(ValueError, match="max_retries"):
            client.with_options(max_retries=-1)
    with pytest.raises(ConfigError):
        Vocode(api_key="k", base_url="ftp://x")


@pytest.mark.fake_vocode(calls=250, seed=4)
def test_listing_pages_bounds_resume_and_stats(fake_vocode_sync: FakeVocodeServer) -> None:
    server = fake_vocode_sync
    with server.sync_client() as client:
        first = client.calls.list(size=100).first_page()
        assert isinstance(first, Page) and len(first.items) == 100 and first.total == 250
        pager = client.calls.list(size=100, prefetch=2)
        assert isinstance(pager, Pager)
        sizes = [len(page.items) for page in pager.pages()]
        assert sizes == [100, 100, 50] and pager.stats.items == 250 == sum(sizes)
        with client.calls.list(size=10, max_items=25) as bounded:
            ids = [c.id for c in bounded]
        assert len(ids) == 25 and bounded.stats.items == 25
        assert len(list(client.calls.list(size=10, max_pages=3))) == 30
        server.faults.add(path="/v1/calls/list", query={"page": "3"}, status=404, times=None)
        broken = client.calls.list(size=50)
        seen: list[str] = []
        with pytest.raises(NotFoundError):
            seen.extend(c.id for c in broken)
        assert len(seen) == 100 and broken.resume_page == 3
        server.faults.clear()
        rest = [c.id for c in client.calls.list(size=50, start_page=broken.resume_page)]
        assert len(set(seen + rest)) == 250


@pytest.mark.fake_vocode(calls=400, latency=0.05)
def test_the_next_pages_arrive_while_the_caller_works(fake_vocode_sync: FakeVocodeServer):
    """Pages cross a page at a time; the requests for the next ones are already out."""
    with fake_vocode_sync.sync_client() as client:
        pager = client.calls.list(size=100, prefetch=2)
        next(pager)
        time.sleep(0.3)  # the caller busy with page 1: pages 2 and 3 come in meanwhile
        assert fake_vocode_sync.counters["GET /v1/calls/list"] == 3
        started = time.perf_counter()
        for _ in range(199):
            next(pager)
        assert time.perf_counter() - started < 0.05  # no wait: both pages were there
        pager.close()


@pytest.mark.fake_vocode(latency=0.5)
def test_eight_threads_share_one_client_concurrently(fake_vocode_sync: FakeVocodeServer):
    server = fake_vocode_sync
    with server.sync_client() as client:
        ids = [c.id for c in client.calls.list(size=8, max_items=8)]
        server.log.clear()
        got: list[str] = []
        threads = [
            threading.Thread(target=lambda i=i: got.append(client.calls.get(i).id)) for i in ids
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
    assert sorted(got) == sorted(ids)
    arrivals = [r.at for r in server.log if r.path == "/v1/calls"]
    # Every request reached the server before the first could have been answered (each is
    # held 0.5 s after it arrives): all eight were in flight at the server at once.
    assert len(arrivals) == 8 and max(arrivals) - min(arrivals) < 0.5
    assert elapsed < 2 * 0.5 + 0.5, elapsed


def test_inside_a_running_event_loop(fake_vocode_sync: FakeVocodeServer) -> None:
    """A notebook cell: blocking calls from a coroutine on another loop in the same thread."""
    client = fake_vocode_sync.sync_client()
    result: list[Any] = []

    async def cell() -> None:
        await asyncio.sleep(0)
        result.append(len(list(client.calls.list(size=30))))
        result.append(client.usage.get())

    worker = threading.Thread(target=asyncio.run, args=(cell(),), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "deadlocked inside a running loop"
    client.close()
    assert result[0] == 100 and isinstance(result[1], Usage)


def test_closed_client_raises_and_leaves_no_thread(fake_vocode_sync: FakeVocodeServer) -> None:
    before = set(threading.enumerate())
    client = fake_vocode_sync.sync_client()
    view = client.with_options(timeout=5)
    pager = client.calls.list(size=10, prefetch=3)
    next(pager)  # prefetches in flight
    client.close()
    client.close()  # idempotent
    assert set(threading.enumerate()) <= before
    for closed in (client, view):
        with pytest.raises(ClientClosedError):
            closed.usage.get()
    with pytest.raises(ClientClosedError):
        list(pager)


# -- in a process of its own ---------------------------------------------------------------

PRELUDE = """
import os, signal, sys, threading, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if our parent ignores it
from vocode_async import Vocode
client = Vocode(api_key=os.environ["KEY"], base_url=os.environ["URL"])
"""


# ResourceWarnings shown (an unclosed session would say so); fork's note on 3.12+ hidden.
WARNINGS = ("-W", "default::ResourceWarning", "-W", "ignore::DeprecationWarning")


def start(script: str, server: FakeVocodeServer, **popen: Any) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VOCODE_"))}
    env.update(KEY=server.api_key, URL=server.url, PYTHONUNBUFFERED="1")
    source = PRELUDE + textwrap.dedent(script)
    return subprocess.Popen(
        [sys.executable, *WARNINGS, "-c", source],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **popen,
    )


def test_a_forked_child_gets_a_fresh_loop(fake_vocode_sync: FakeVocodeServer) -> None:
    """The child works on a loop of its own; when it exits (normally, finalizers and all),
    the parent's pooled connections still work at once: nothing of the parent's was closed
    or unregistered from the shared epoll set by the child."""
    child = start(
        """
        first = client.calls.list(size=5).first_page().items[0].id
        for uses in (True, False):  # a child that uses the client, one that never does
            pid = os.fork()
            if pid == 0:
                if uses:
                    same = client.calls.get(first).id == first
                    print("child", same, len(list(client.calls.list())))
                    client.close()
                sys.exit(0)
            _, status = os.waitpid(pid, 0)
            started = time.monotonic()
            same = client.calls.get(first).id == first
            print("parent", os.waitstatus_to_exitcode(status), same, time.monotonic() - started < 5)
        client.close()
        """,
        fake_vocode_sync,
    )
    out, err = child.communicate(timeout=60)
    expected = ["child True 100", "parent 0 True True", "parent 0 True True"]
    assert out.splitlines() == expected, out + err
    assert err == "", err


def test_a_client_left_open_does_not_hold_the_process(fake_vocode_sync: FakeVocodeServer):
    fake_vocode_sync.faults.add(kind=FaultKind.HANG, path="/v1/calls/list", query={"page": "3"})
    child = start(
        """
        pager = client.calls.list(size=10, prefetch=4)
        next(pager)  # page 3 hangs in flight; the client is never closed
        print("leaving", flush=True)
        """,
        fake_vocode_sync,
    )
    started = time.monotonic()
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0 and out == "leaving\n", out + err
    assert time.monotonic() - started < 10
    assert "Unclosed" not in err and "Error" not in err, err


def interrupt_when(child: subprocess.Popen[str], ready: Any) -> tuple[str, str]:
    deadline = time.monotonic() + 20
    while not ready():
        assert time.monotonic() < deadline and child.poll() is None, child.communicate()
        time.sleep(0.02)
    time.sleep(0.1)
    child.send_signal(signal.SIGINT)
    return child.communicate(timeout=20)


SLOW = """
started = time.monotonic()
try:
    {call}
except KeyboardInterrupt:
    print("interrupted after", round(time.monotonic() - started, 1), flush=True)
    print("loop free", client.usage.get().plan_type.value)
    session = client._bridge.client._requester.core.transport.session
    print("in use", len(session.connector._acquired) if session else 0)
    client.close()
    print("threads", [t.name for t in threading.enumerate()])
"""


@pytest.mark.parametrize(
    "call", ["client.calls.get(os.environ['ID'])", "list(client.calls.list())"]
)
def test_ctrl_c_during_a_slow_call(fake_vocode_sync: FakeVocodeServer, call: str) -> None:
    server = fake_vocode_sync
    server.faults.add(kind=FaultKind.LATENCY, method="GET", path="/v1/calls", delay=30)
    server.faults.add(kind=FaultKind.LATENCY, path="/v1/calls/list", delay=30)
    os.environ["ID"] = server.store.calls[0]["id"]
    try:
        child = start(SLOW.format(call=call), server, preexec_fn=_ignore_sigint_in_parent)
    finally:
        del os.environ["ID"]
    before = len(server.log)
    out, err = interrupt_when(child, lambda: len(server.log) > before)
    lines = out.splitlines()
    assert lines[0].startswith("interrupted after"), out + err
    assert float(lines[0].split()[-1]) < 2.0
    assert lines[1:] == ["loop free plan_developer", "in use 0", "threads ['MainThread']"], out


def _ignore_sigint_in_parent() -> None:
    """The child starts as if its parent ignored SIGINT (CI runners may): it restores it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_after_a_create_was_sent_warns(fake_vocode_sync: FakeVocodeServer) -> None:
    server = fake_vocode_sync
    server.faults.add(kind=FaultKind.LATENCY, path="/v1/calls/create", delay=30)
    call = "client.calls.create(from_number='+1', to_number='+2', agent=os.environ['AGENT'])"
    os.environ["AGENT"] = next(iter(server.store.agents))
    try:
        child = start(SLOW.format(call=call), server)
    finally:
        del os.environ["AGENT"]
    out, err = interrupt_when(child, lambda: server.counters["POST /v1/calls/create"] == 1)
    assert out.startswith("interrupted after"), out + err
    assert "POST /v1/calls/create was cancelled after the request may have been sent" in err
    assert "reconcile by listing" in err


def test_an_unsafe_failure_is_the_same_error_as_async(fake_vocode_sync: FakeVocodeServer):
    fake_vocode_sync.faults.add(Fault(path="/v1/calls/create", status=502))
    with fake_vocode_sync.sync_client() as client, pytest.raises(OutcomeUnknownError):
        client.calls.create(from_number="+1", to_number="+2", agent="nope")


def test_a_call_from_the_clients_own_loop_is_refused(fake_vocode_sync: FakeVocodeServer):
    with fake_vocode_sync.sync_client() as client:

        async def inside() -> None:
            client.usage.get()  # on the loop thread: would deadlock

        with pytest.raises(WrongEventLoopError, match="own event loop"):
            client._bridge.run(inside)
        assert client.usage.get().monthly_usage_minutes > 0


def test_the_blocking_constructor_takes_every_keyword_of_the_async_one() -> None:
    """``Vocode``'s signature is written out (for editors); it must not drift from
    ``AsyncVocode``'s: the same keywords, kinds and defaults, ``session=`` aside (a borrowed
    aiohttp session belongs to the caller's loop, not the client's thread)."""
    import inspect

    from vocode_async import AsyncVocode, Vocode

    def shape(cls: type) -> dict[str, tuple[object, object]]:
        params = inspect.signature(cls.__init__).parameters.values()
        return {p.name: (p.kind, p.default) for p in params if p.name != "self"}

    theirs, ours = shape(AsyncVocode), shape(Vocode)
    assert "session" in theirs and len(ours) > 10
    theirs.pop("session")
    assert ours == theirs

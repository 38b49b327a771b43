"""Typical blocking user code; `mypy --strict` checks it in the test session (never executed).

Every value is assigned to an annotated variable: a method typed ``Any`` would not fail
here, so ``check_not_any`` below also pins that the types are not ``Any``.
"""

from __future__ import annotations

from contextlib import closing, suppress
from pathlib import Path

from vocode_async import ClientClosedError, OutcomeUnknownError, Pager, PagerStats, Vocode
from vocode_async.models import (
    Agent,
    Call,
    NormalizedAgent,
    NormalizedCall,
    Page,
    PhoneNumber,
    Usage,
    Voice,
)


def report() -> None:
    with Vocode(api_key="k", max_retries=3) as client:
        full: Call = client.calls.get("id")
        pager: Pager[NormalizedCall] = client.calls.list(size=100, prefetch=2, max_items=500)
        for call in pager:
            item: NormalizedCall = call
            print(item.id, full.id)
        first: Page[NormalizedCall] = client.calls.list().first_page()
        for page in client.agents.list(max_pages=3).pages():
            agents: Page[NormalizedAgent] = page
            print(len(agents.items), first.total)
        stats: PagerStats = pager.stats
        resume: int = pager.resume_page
        print(stats.items, resume)
        agent: Agent = client.with_options(timeout=5).agents.get("a")
        number: PhoneNumber = client.numbers.buy(area_code="415")
        usage: Usage = client.usage.get()
        voices: list[Voice] = list(client.voices.list())
        with closing(client.calls.recording("id")) as chunks:
            audio: bytes = b"".join(chunks)
        saved: Path = client.calls.download_recording("id", "a.mp3")
        anything: object = client.request("GET", "/v1/usage")
        print(agent, number, usage, voices, audio, saved, anything)
        try:
            client.calls.create(from_number="+1", to_number="+2", agent="agent-id")
        except OutcomeUnknownError as error:
            print(error.method)
    with suppress(ClientClosedError):
        client.usage.get()


def check_not_any(client: Vocode) -> None:
    """Assigning to a wrong type must be an error (it would not be, were these ``Any``)."""
    wrong: int = client.calls.get("id")  # type: ignore[assignment]
    also_wrong: str = next(iter(client.calls.list()))  # type: ignore[assignment]
    client.calls.get(1)  # type: ignore[arg-type]
    client.calls.list(size="big")  # type: ignore[arg-type]
    print(wrong, also_wrong)

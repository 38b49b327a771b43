"""Typical user code; `mypy --strict` checks it in the test session (never executed)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from vocode_async import AsyncVocode, NotFoundError, OutcomeUnknownError
from vocode_async.models import Call, CallStatus, NormalizedCall, Page


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
        try:
            full: Call = await client.with_options(max_retries=0).calls.get("id")
            print(full.agent.id)
        except NotFoundError as exc:
            print(exc.status, exc.request_id)
        try:
            await client.calls.create(from_number="+1", to_number="+2", agent="agent-id")
        except OutcomeUnknownError as exc:
            print("reconcile:", exc.method, exc.path)


if __name__ == "__main__":
    asyncio.run(main())

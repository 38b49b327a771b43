"""A listing server whose answers grow mid-listing, run in a child process (so that a test
measuring its own memory measures the client alone): ``python -m tests.growserver FRAMING``
prints its URL, then serves GET /v1/calls/list until terminated.

Pages of 10 calls; 60 pages; from page 12 each call carries 40 KB of context, so an answer
goes from about 7 KB to about 400 KB. FRAMING: ``length`` (a Content-Length), ``chunked``
(64 KB chunks, no length) or ``gzip`` (compressed, chunked).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from aiohttp import web

from tests.pageserver import page_body as envelope

SIZE, PAGES, BIG_FROM, PAD = 10, 60, 12, 40_000


def call(ident: str, pad: int = 0) -> dict[str, Any]:
    """A normalized call as the API lists it; ``pad`` bytes of context make it large."""
    return {
        "id": ident,
        "user_id": "e3e70682-c209-4cac-a29f-6fbed82c07cd",
        "status": "ended",
        "recording_available": True,
        "human_detection_result": "no_human",
        "do_not_call_result": False,
        "telephony_id": "tel-0",
        "stage": "created",
        "stage_outcome": "call_did_not_connect",
        "telephony_metadata": {"type": "telephony_metadata_vonage"},
        "start_time": 1700000000,
        "end_time": 1700000586,
        "to_number": "+15553719574",
        "from_number": "+15550000000",
        "agent": "8d723104-f773-43c1-b458-a748e9bb17bc",
        "telephony_provider": "vonage",
        "agent_phone_number": "+15550000000",
        "hipaa_compliant": False,
        "on_no_human_answer": "continue",
        "context": {"n": ident, "pad": "x" * pad} if pad else {"n": ident},
        "run_do_not_call_detection": False,
        "telephony_params": {},
    }


def encoded(items: list[dict[str, Any]], page: int, size: int, total: int) -> bytes:
    """A page of ``items`` with an exact ``total``, as the server sends it."""
    more = page * size < total
    return json.dumps(envelope(items, page, size, has_more=more, total=total)).encode()


def page_body(page: int) -> bytes:
    pad = PAD if page >= BIG_FROM else 0
    items = [call(f"p{page}-{i}", pad) for i in range(SIZE)]
    return encoded(items, page, SIZE, PAGES * SIZE)


async def answer(request: web.Request, body: bytes, framing: str) -> web.StreamResponse:
    """``body`` with a Content-Length, in chunks without one, or gzipped (chunked too)."""
    if framing == "length":
        return web.Response(body=body, content_type="application/json")
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    if framing == "gzip":
        response.enable_compression(web.ContentCoding.gzip)
    await response.prepare(request)
    for start in range(0, len(body), 65536):
        await response.write(body[start : start + 65536])
    await response.write_eof()
    return response


async def main(framing: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        await asyncio.sleep(0.03)
        return await answer(request, page_body(page), framing)

    app = web.Application()
    app.router.add_get("/v1/calls/list", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

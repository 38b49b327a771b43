"""A listing server for the estimated-totals and drift scenarios, in its own process.

    python -m benchmarks.listserver --calls 4000 --latency-ms 40 --estimated --estimate-factor 10
    python -m benchmarks.listserver --calls 3000 --jitter-ms 30 --inserts 3 --fail-every 7
    python -m benchmarks.listserver --calls 10000 --latency-ms 50 --cap 4 --retry-after 1

Newest first, pages pre-serialized per store version. Each list request inserts
``--inserts`` calls at the head as it arrives, then waits latency + up to jitter (so answers
are snapshots taken out of order), and every ``--fail-every``-th request answers 503 once.
With ``--estimated``, ``total`` is the truth x ``--estimate-factor`` and
``total_is_estimated`` is true. With ``--cap C``, a request arriving while C are held answers
429 at once (with ``Retry-After: --retry-after`` if given). ``GET /_stats`` gives the
requests served, the ids that existed before the listing, the most requests held at once
(``peak``, refused ones included) and the 429s (``refused``); ``POST /_reset`` restores the
initial calls and zeroes the counters.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys

import orjson
from aiohttp import web

from vocode_async.testing._data import Store


class ListServer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.reset()

    def reset(self) -> None:
        self.store = Store(calls=self.args.calls, seed=self.args.seed)
        self.before = [c["id"] for c in self.store.calls]
        self.requests = 0
        self.held = self.peak = self.refused = 0
        self.cache: dict[tuple[int, int, int], bytes] = {}

    async def list_calls(self, request: web.Request) -> web.Response:
        self.held += 1
        self.peak = max(self.peak, self.held)
        try:
            return await self._list_calls(request)
        finally:
            self.held -= 1

    async def _list_calls(self, request: web.Request) -> web.Response:
        args = self.args
        if args.cap and self.held > args.cap:
            self.refused += 1
            headers = {"Retry-After": args.retry_after} if args.retry_after else {}
            return web.json_response({"detail": "too many"}, status=429, headers=headers)
        self.requests += 1
        if args.fail_every and self.requests % args.fail_every == 0:
            return web.json_response({"detail": "busy"}, status=503)
        for _ in range(args.inserts):
            self.store.add_call()
        delay = args.latency_ms + args.jitter_ms * self.rng.random()
        if delay:
            await asyncio.sleep(delay / 1000)
        page, size = int(request.query["page"]), int(request.query["size"])
        key = (self.store.version, page, size)
        body = self.cache.get(key)
        if body is None:
            total = len(self.store.calls)
            window = self.store.call_window(None, False, (page - 1) * size, page * size)
            body = orjson.dumps(
                {
                    "items": [Store.normalized(c) for c in window],
                    "page": page,
                    "size": size,
                    "has_more": page * size < total,
                    "total": int(total * args.estimate_factor),
                    "total_is_estimated": args.estimated,
                }
            )
            if len(self.cache) > 4096:
                self.cache.clear()
            self.cache[key] = body
        return web.Response(body=body, content_type="application/json")

    async def stats(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "requests": self.requests,
                "before": self.before,
                "peak": self.peak,
                "refused": self.refused,
            }
        )

    async def reset_route(self, _: web.Request) -> web.Response:
        self.reset()
        return web.json_response({})


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--jitter-ms", type=float, default=0)
    parser.add_argument("--inserts", type=int, default=0)
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--estimated", action="store_true", help="totals are estimates")
    parser.add_argument("--estimate-factor", type=float, default=1, help="total x this")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cap", type=int, default=0, help="429 above this many held at once")
    parser.add_argument("--retry-after", default="", help="the 429's Retry-After value")
    server = ListServer(parser.parse_args())
    app = web.Application()
    app.router.add_get("/v1/calls/list", server.list_calls)
    app.router.add_get("/_stats", server.stats)
    app.router.add_post("/_reset", server.reset_route)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

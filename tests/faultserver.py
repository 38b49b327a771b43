"""A byte-level HTTP/1.1 server for faults aiohttp.web cannot make (resets, half answers).

Each test gives a handler ``async (request, writer, server) -> bool`` (True: keep the
connection open for the next request). The server keeps a ledger of every request
(method, path, body hash, the client port it came from) and counts connections.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import orjson

__all__ = ["RawServer", "Request", "respond"]


@attrs.frozen
class Request:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    peer_port: int

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:12]


Handler = Callable[[Request, asyncio.StreamWriter, "RawServer"], Awaitable[bool]]


async def _read_request(reader: asyncio.StreamReader, peer_port: int) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Request(method, target.split("?", 1)[0], headers, body, peer_port)


def respond(
    writer: asyncio.StreamWriter,
    status: int = 200,
    body: Any = None,
    *,
    raw: bytes | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> None:
    """Write a whole response (``length`` may lie, to cut a body short)."""
    payload = raw if raw is not None else orjson.dumps(body)
    head = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}"]
    head.append(f"Content-Length: {len(payload) if length is None else length}")
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)


class RawServer:
    """``async with RawServer(handler) as server:`` then ``server.url``, ``server.ledger``."""

    def __init__(self, handler: Handler, *, port: int = 0) -> None:
        self.handler = handler
        self.ledger: list[Request] = []
        self.connections = 0
        self.closed_by_peer = 0
        self._port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.url = ""

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self._port)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        peer_port = writer.get_extra_info("peername")[1]
        try:
            while True:
                request = await _read_request(reader, peer_port)
                if request is None:
                    self.closed_by_peer += 1
                    break
                self.ledger.append(request)
                if not await self.handler(request, writer, self):
                    break
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            self.closed_by_peer += 1
        finally:
            self._writers.discard(writer)
            writer.transport.abort() if writer.transport.is_closing() else writer.close()

    def count(self, method: str, path: str) -> int:
        """Requests the server read for ``method path``."""
        return sum(1 for r in self.ledger if (r.method, r.path) == (method, path))

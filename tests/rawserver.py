"""Byte-level answers for error-text tests: a server that answers every connection with the
same bytes, the bytes of one HTTP answer, and every text an error (and its chain) shows."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


@contextlib.asynccontextmanager
async def raw_server(answer: bytes) -> AsyncIterator[str]:
    """A server that answers every connection with ``answer``, byte for byte; its URL."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


def http_answer(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    """One whole HTTP/1.1 answer, closing its connection."""
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def everything(error: BaseException) -> str:
    """Every text ``error`` and the errors chained to it show: str, repr, each attribute."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), *map(repr, vars(current).values())]
        current = current.__cause__ or current.__context__
    return "\n".join(texts)

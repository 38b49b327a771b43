"""An outside review's reproducers: each test is one promise the docs make that did not hold.

Every test is marked ``xfail(strict=True)``: it fails today because of the defect it names,
and will start to XPASS (failing the run) once the defect is fixed, so its mark must go with
the fix. Real loopback servers only: the fake, a listing server written here, or a raw
asyncio server for byte-level answers.
"""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from vocode_async import AsyncVocode, BadRequestError, ResponseDecodeError
from vocode_async.testing import FakeVocodeServer, Fault, FaultKind
from vocode_async.testing._data import Store

from .pageserver import KEY as PAGE_KEY
from .pageserver import PageServer, page_body

KEY = "outside-review-key-5d1e"


def export(url: str, out: Path, *extra: str, key: str = KEY) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "vocode_async.cli", "calls", "export", "--out", str(out)),
            *("--size", "50", "--quiet", "--api-key", key, "--base-url", url, *extra),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def fake() -> Any:
    server = FakeVocodeServer(api_key=KEY, calls=200, seed=3)
    with server.in_thread():
        yield server


def _interrupt_at_page_3(fake: FakeVocodeServer, out: Path) -> None:
    """An export that failed on page 3 (one 401): pages 1 and 2 saved and checkpointed."""
    fake.faults.add(
        Fault(kind=FaultKind.STATUS, status=401, path="/v1/calls/list", query={"page": "3"})
    )
    done = export(fake.url, out, "--prefetch", "0")
    assert done.returncode == 1 and "--resume" in done.stderr, done.stderr


# -- promise 1: the export never reports success over a wrong file ---------------------------


def test_a_symlinked_part_file_does_not_clobber_its_target(
    fake: FakeVocodeServer, tmp_path: Path
) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("precious\n")
    out = tmp_path / "calls.jsonl"
    (tmp_path / "calls.jsonl.part").symlink_to(victim)
    export(fake.url, out)
    assert victim.read_text() == "precious\n"


def test_a_symlinked_lock_file_does_not_clobber_its_target(
    fake: FakeVocodeServer, tmp_path: Path
) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("precious\n")
    out = tmp_path / "calls.jsonl"
    (tmp_path / "calls.jsonl.lock").symlink_to(victim)
    export(fake.url, out)
    assert victim.read_text() == "precious\n"


def test_a_damaged_next_page_in_the_checkpoint_is_refused(
    fake: FakeVocodeServer, tmp_path: Path
) -> None:
    out = tmp_path / "calls.jsonl"
    _interrupt_at_page_3(fake, out)
    ckpt = tmp_path / "calls.jsonl.part.json"
    saved = orjson.loads(ckpt.read_bytes())
    assert saved["next_page"] == 3
    ckpt.write_bytes(orjson.dumps({**saved, "next_page": 4}))  # a one-digit change
    done = export(fake.url, out, "--resume")
    if done.returncode == 0:  # success is only allowed over the whole, exact file
        assert out.read_bytes().count(b"\n") == len(fake.store.calls), done.stderr
    else:
        assert done.returncode == 2 and not out.exists(), done.stderr


def test_resume_does_not_replace_a_file_that_appeared_since(
    fake: FakeVocodeServer, tmp_path: Path
) -> None:
    out = tmp_path / "calls.jsonl"
    _interrupt_at_page_3(fake, out)
    out.write_text("another program's file\n")
    export(fake.url, out, "--resume")
    assert out.read_text() == "another program's file\n"


ITEMS = [Store.normalized(c) for c in Store(calls=30, seed=4).sorted_calls(None, False)]


@asynccontextmanager
async def _listing(
    answer: Callable[[int, int], Awaitable[dict[str, Any]]],
) -> AsyncIterator[PageServer]:
    async with PageServer(answer) as pages:
        yield pages


async def _export_async(url: str, out: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "vocode_async.cli", "calls", "export", "--out", str(out)),
        *("--size", "10", "--quiet", "--api-key", PAGE_KEY, "--base-url", url),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


@pytest.mark.parametrize("lie", ["short_middle_page", "has_more_false_early"])
async def test_a_listing_that_contradicts_its_exact_total_is_not_success(
    lie: str, tmp_path: Path
) -> None:
    async def answer(page: int, size: int) -> dict[str, Any]:
        window = ITEMS[(page - 1) * size : page * size]
        if lie == "short_middle_page" and page == 1:
            window = window[:5]
        more = page * size < 30 and lie != "has_more_false_early"
        return page_body(window, page, size, has_more=more, total=30)

    out = tmp_path / "calls.jsonl"
    async with _listing(answer) as pages:
        code, err = await _export_async(pages.url, out)
    if code == 0:
        assert out.read_bytes().count(b"\n") == 30, err


# -- promise 2: secrets never appear in an error ---------------------------------------------

SECRET_KEY = "sk-canary_7f3c9e1d.do:not/leak"


@asynccontextmanager
async def _raw(answer: bytes) -> AsyncIterator[str]:
    """A server that answers every connection with ``answer``, byte for byte."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


def _answer(status: int, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def _everything(error: BaseException) -> str:
    texts, seen, current = [], set(), error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), *map(repr, vars(current).values())]
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


async def test_a_utf16_echo_of_the_key_is_not_readable_in_the_excerpt() -> None:
    body = orjson.dumps({"echo": SECRET_KEY}).decode().encode("utf-16-le")
    async with _raw(_answer(200, body, "application/json; charset=utf-16")) as url:
        client = AsyncVocode(SECRET_KEY, base_url=url, max_retries=0)
        try:
            with pytest.raises(ResponseDecodeError) as caught:
                await client.calls.get("3e70f16a-5548-4822-9e1b-372ad3fbf47a")
        finally:
            await client.close()
    text = _everything(caught.value).replace("?", "").replace("\\x00", "")
    assert SECRET_KEY not in text


def _mime_base64(data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i : i + 20] for i in range(0, len(encoded), 20))


ECHOES = {
    # HTML5 named character references: &lowbar; is "_", &period; ".", &colon; ":", &sol; "/"
    "html_named": SECRET_KEY.replace("_", "&lowbar;")
    .replace(".", "&period;")
    .replace(":", "&colon;")
    .replace("/", "&sol;"),
    # numeric references with leading zeros (valid HTML: any number of digits)
    "html_zero_padded": "".join(f"&#x{ord(c):08x};" for c in SECRET_KEY),
    # base64 as MIME writes it, in lines (RFC 2045): the key spans a line break
    "base64_in_lines": _mime_base64(b'{"echo": "xx' + SECRET_KEY.encode() + b'"}'),
}


def _decoded(form: str, echo: str) -> str:
    import html

    if form == "base64_in_lines":
        return base64.b64decode(echo.replace("\n", "")).decode()
    return html.unescape(echo)


@pytest.mark.parametrize("form", sorted(ECHOES))
async def test_every_html_and_base64_spelling_of_the_key_is_masked(form: str) -> None:
    echo = ECHOES[form]
    assert SECRET_KEY in _decoded(form, echo)  # the echo does spell the key
    body = orjson.dumps({"detail": "bad key: " + echo})
    async with (
        _raw(_answer(400, body, "application/json")) as url,
        AsyncVocode(SECRET_KEY, base_url=url, max_retries=0) as client,
    ):
        with pytest.raises(BadRequestError) as caught:
            await client.calls.get("3e70f16a-5548-4822-9e1b-372ad3fbf47a")
    assert echo not in _everything(caught.value)


# -- promise 5: bad extras are refused before anything is sent -------------------------------


@pytest.mark.parametrize("value", [["a", "b"], {"a": 1}, b"raw"], ids=["list", "dict", "bytes"])
async def test_an_extra_query_value_no_query_can_carry_is_refused(value: Any) -> None:
    sent: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        sent.append(request.path_qs)
        return web.json_response(page_body([], 1, 10, has_more=False, total=0))

    app = web.Application()
    app.router.add_get("/v1/calls/list", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with AsyncVocode(KEY, base_url=f"http://127.0.0.1:{port}") as client:
            with pytest.raises(ValueError, match="extra_query"):
                await client.with_options(extra_query={"x": value}).calls.list(size=10)
    finally:
        await runner.cleanup()
    assert sent == []


# -- promise 7: the fake refuses what the real API would 422 ---------------------------------


async def test_the_fake_refuses_a_json_body_sent_as_text_plain() -> None:
    async with (
        FakeVocodeServer(api_key=KEY, calls=0) as fake,
        aiohttp.ClientSession() as session,
        session.post(
            fake.url + "/v1/prompts/create",
            data=b'{"content": "hi"}',
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "text/plain"},
        ) as answer,
    ):
        assert answer.status == 422

"""A second outside review's reproducers: each test is one promise the docs make that did
not hold.

Every test is marked ``xfail(strict=True)``: it fails today because of the defect it names,
and will start to XPASS (failing the run) once the defect is fixed, so its mark must go with
the fix. Real loopback servers and real ``vocode-async`` processes only.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import subprocess
import sys
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from vocode_async import AsyncVocode, RetryPolicy, VocodeError
from vocode_async.testing import FakeVocodeServer, Fault, FaultKind
from vocode_async.testing._data import Store

from .pageserver import KEY as PAGE_KEY
from .pageserver import PageServer, page_body

KEY = "outside-review-2-key-93ab"


def export(url: str, out: Path, *extra: str, key: str = KEY) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "vocode_async.cli", "calls", "export", "--out", str(out)),
            *("--quiet", "--api-key", key, "--base-url", url, *extra),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


async def export_async(url: str, out: Path, *extra: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "vocode_async.cli", "calls", "export", "--out", str(out)),
        *("--size", "10", "--quiet", "--api-key", PAGE_KEY, "--base-url", url, *extra),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


@pytest.fixture
def fake() -> Iterator[FakeVocodeServer]:
    server = FakeVocodeServer(api_key=KEY, calls=200, seed=3)
    with server.in_thread():
        yield server


def _interrupt_at_page_3(fake: FakeVocodeServer, out: Path) -> None:
    """An export that failed on page 3 (one 401): pages 1 and 2 (of 50) checkpointed."""
    fake.faults.add(
        Fault(kind=FaultKind.STATUS, status=401, path="/v1/calls/list", query={"page": "3"})
    )
    done = export(fake.url, out, "--size", "50", "--prefetch", "0")
    assert done.returncode == 1 and "--resume" in done.stderr, done.stderr


def _forge(ckpt: Path, **fields: Any) -> None:
    """Edit a checkpoint and recompute its own checksum (the format is in _checkpoint.py)."""
    import hashlib

    data = orjson.loads(ckpt.read_bytes())
    data.update(fields)
    data.pop("checksum")
    data["checksum"] = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()
    ckpt.write_bytes(orjson.dumps(data))


# -- promise 1: the export never reports success over a wrong file ---------------------------

ITEMS = [Store.normalized(c) for c in Store(calls=30, seed=4).sorted_calls(None, False)]


@pytest.mark.parametrize("second", [("--limit", "25"), ()], ids=["larger-limit", "no-limit"])
async def test_a_resume_with_another_limit_does_not_skip_the_cut_pages_rest(
    second: tuple[str, ...], tmp_path: Path
) -> None:
    out = tmp_path / "calls.jsonl"

    async def answer(page: int, size: int) -> dict[str, Any]:
        if page == 2 and not out.exists():  # the first run is interrupted at its very end
            out.write_text("someone else's file\n")
        window = ITEMS[(page - 1) * size : page * size]
        more = page * size < 30
        return page_body(window, page, size, has_more=more, total=30, estimated=True)

    async with PageServer(answer) as pages:
        code, err = await export_async(pages.url, out, "--limit", "15", "--prefetch", "0")
        assert code == 2 and "appeared" in err, err  # kept: FILE.part and its checkpoint
        out.unlink()
        code, err = await export_async(pages.url, out, "--resume", *second)
    if code == 0:
        ids = [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]
        want = 25 if second else 30
        assert ids == [c["id"] for c in ITEMS[:want]], err


@pytest.mark.xfail(
    strict=True,
    reason="a checkpoint forged with regular=false (checksum recomputed) skips a page: "
    "next_page is checked against --size only while regular is true",
)
def test_a_forged_next_page_past_a_page_is_refused(fake: FakeVocodeServer, tmp_path: Path) -> None:
    out = tmp_path / "calls.jsonl"
    ckpt = tmp_path / "calls.jsonl.part.json"
    _interrupt_at_page_3(fake, out)
    _forge(ckpt, regular=False, next_page=4, total=None)
    done = export(fake.url, out, "--size", "50", "--resume")
    if done.returncode == 0:
        assert out.read_bytes().count(b"\n") == 200, done.stdout


@pytest.mark.xfail(
    strict=True,
    reason="a checkpoint forged to name the current FILE in `replaces` (checksum recomputed) "
    "lets --resume replace a file it never began over, without --force",
)
def test_a_forged_replaces_does_not_replace_a_file_without_force(
    fake: FakeVocodeServer, tmp_path: Path
) -> None:
    out = tmp_path / "calls.jsonl"
    ckpt = tmp_path / "calls.jsonl.part.json"
    _interrupt_at_page_3(fake, out)
    out.write_text("another program's file\n")
    info = os.stat(out)
    ident = {
        "dev": info.st_dev,
        "ino": info.st_ino,
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
    }
    _forge(ckpt, replaces=ident)
    export(fake.url, out, "--size", "50", "--resume")
    assert out.read_text() == "another program's file\n"


# -- promise 2: secrets never appear in an error ---------------------------------------------

SECRET = "sk-canary_7f3c9e1d.do:not/leak"


@contextlib.asynccontextmanager
async def _raw(answer: bytes) -> AsyncIterator[str]:
    """A server that answers every connection with ``answer``, byte for byte."""

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


def _everything(error: BaseException) -> str:
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), *map(repr, vars(current).values())]
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


async def _error_text(answer: bytes) -> str:
    async with _raw(answer) as url:
        retry = RetryPolicy(max_retries=0)
        async with AsyncVocode(api_key=SECRET, base_url=url, retry_policy=retry) as client:
            with pytest.raises(VocodeError) as caught:
                await client.calls.get("abc")
    return _everything(caught.value)


def _answer(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def test_a_key_cut_short_by_aiohttp_is_not_shown() -> None:
    line = f"HTTP/1.1 200 {'B' * 75}{SECRET}{'B' * 9000}\r\n\r\n".encode()
    text = await _error_text(line)
    assert SECRET[:20] not in text


async def test_a_key_spelled_past_the_excerpt_window_is_not_shown() -> None:
    body = f"x {SECRET[:-1]}&#{'0' * 6000}{ord(SECRET[-1])};".encode()
    text = await _error_text(_answer(200, body))
    assert SECRET[:-1] not in text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
async def test_base64_of_a_utf16_key_is_masked(codec: str) -> None:
    echoed = base64.b64encode(SECRET.encode(codec)).decode()
    body = orjson.dumps({"detail": f"bad key {echoed}"})
    text = await _error_text(_answer(400, body))
    assert echoed not in text


async def test_a_secret_with_both_quotes_echoed_in_a_location_is_masked() -> None:
    password = 'it\'s my "pw" 7f3c9e1d'
    answer = f"HTTP/1.1 302 Found\r\nLocation: /login?pw={password}\r\nContent-Length: 0\r\n\r\n"
    async with _raw(answer.encode()) as url:
        retry = RetryPolicy(max_retries=0)
        async with AsyncVocode(api_key=SECRET, base_url=url, retry_policy=retry) as client:
            with pytest.raises(VocodeError) as caught:
                await client.request("POST", "/v1/x", json={"password": password}, unsafe=False)
    assert "7f3c9e1d" not in _everything(caught.value)


@pytest.mark.parametrize("target", ["dangling", "existing"])
def test_a_link_at_file_is_not_written_through(
    target: str, fake: FakeVocodeServer, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim.jsonl"
    if target == "existing":
        victim.write_text("precious\n")
    out = tmp_path / "calls.jsonl"
    out.symlink_to(victim)
    export(fake.url, out, *(["--force"] if target == "existing" else []))
    assert sorted(p.name for p in elsewhere.iterdir()) == (
        ["victim.jsonl"] if target == "existing" else []
    )
    if target == "existing":
        assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("form", ["percent-latin-1", "raw-latin-1"])
async def test_a_non_ascii_secret_echoed_in_latin_1_is_masked(form: str) -> None:
    password = "pässwörd-7f3c9e1d"
    echoed = (
        urllib.parse.quote(password, encoding="latin-1").encode()
        if form == "percent-latin-1"
        else password.encode("latin-1")
    )
    body = b'{"detail": "wrong password ' + echoed + b'"}'
    async with _raw(_answer(400, body)) as url:
        retry = RetryPolicy(max_retries=0)
        async with AsyncVocode(api_key=SECRET, base_url=url, retry_policy=retry) as client:
            with pytest.raises(VocodeError) as caught:
                await client.request("POST", "/v1/x", json={"password": password}, unsafe=False)
    assert "7f3c9e1d" not in _everything(caught.value)

"""The export over the pager: exact under drift at its default prefetch, and ``--limit``."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from pathlib import Path
from typing import Any

import orjson

from vocode_async.cli._checkpoint import Checkpoint, ExportOptions
from vocode_async.testing._data import Store

from .pageserver import KEY, DriftServer, PageServer, page_body


async def _export(url: str, out: Path, *extra: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "vocode_async.cli", "calls", "export", "--out", str(out)),
        *("--api-key", KEY, "--base-url", url, "--quiet", *extra),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def _ids(out: Path) -> list[str]:
    return [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]


async def test_default_export_is_exact_under_drift(tmp_path: Path) -> None:
    out = tmp_path / "calls.jsonl"
    server = DriftServer(1200, seed=3)
    async with server:
        code, err = await _export(server.url, out, "--size", "50")
    ids = _ids(out)
    assert code == 0, err
    assert len(ids) == len(set(ids))
    assert not set(server.before) - set(ids)
    assert max(server.pages) > 2 and len(server.pages) > 26  # prefetched, re-fetched


async def test_limit_ends_an_endless_export(tmp_path: Path) -> None:
    items = [Store.normalized(c) for c in Store(calls=500, seed=4).sorted_calls(None, False)]

    async def endless(page: int, size: int) -> dict[str, Any]:
        window = items[((page - 1) * size) % 500 :][:size]  # wraps around, has_more forever
        return page_body(window, page, size, has_more=True, total=10**7, estimated=True)

    out = tmp_path / "calls.jsonl"
    async with PageServer(endless) as server:
        code, err = await _export(server.url, out, "--size", "100", "--limit", "230")
        assert code == 0, err
        assert _ids(out) == [i["id"] for i in items[:230]]
        assert sorted(server.pages) == [1, 2, 3]
        code, err = await _export(server.url, tmp_path / "x.jsonl", "--limit", "0")
    assert code == 2 and "--limit" in err


async def test_limit_counts_what_was_written_before_a_resume(tmp_path: Path) -> None:
    items = [Store.normalized(c) for c in Store(calls=500, seed=4).sorted_calls(None, False)]

    async def answer(page: int, size: int) -> dict[str, Any]:
        window = items[(page - 1) * size : page * size]
        return page_body(window, page, size, has_more=page * size < 500, total=500)

    out = tmp_path / "calls.jsonl"
    written = b"".join(orjson.dumps({"id": i["id"]}) + b"\n" for i in items[:100])
    (tmp_path / "calls.jsonl.part").write_bytes(written)
    Checkpoint(
        options=ExportOptions(format="jsonl", size=100),
        next_page=2,
        offset=len(written),
        count=100,
        last_ids=[i["id"] for i in items[:100]],
        last_count=100,
        total=500,
        sha256=hashlib.sha256(written).hexdigest(),
    ).save(tmp_path / "calls.jsonl.part.json")
    async with PageServer(answer) as server:
        code, err = await _export(server.url, out, "--resume", "--limit", "230")
    assert code == 0, err
    assert _ids(out) == [i["id"] for i in items[:230]]
    # 130 more, plus room (page 4, if asked before the export stopped) for the ids written
    # last coming back at the boundary (drift); nothing further
    assert sorted(set(server.pages))[:2] == [2, 3] and set(server.pages) <= {2, 3, 4}

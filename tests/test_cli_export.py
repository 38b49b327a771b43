"""`calls export` never reports success over a wrong file (reliability rows 41 and 42).

Every damaged state (a stale checkpoint, a part file cut short or grown, a checkpoint that is
garbage, cut short, has unknown keys or an unknown version, a part changed during the run)
ends in exact recovery (the file equals an uninterrupted export, byte for byte) or in one
error line with exit 2: never exit 0 over missing, padded or repeated calls. Real
``vocode-async`` processes against the fake server or a purpose-built one.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from tests.conftest import free_port
from vocode_async.cli._formats import CSV_COLUMNS
from vocode_async.testing import FakeVocodeServer, Fault, FaultKind
from vocode_async.testing._data import Store

from .pageserver import KEY as PAGE_KEY
from .pageserver import PageServer, page_body

KEY = "export-canary-key-71c3"
CALLS = 600


def command(url: str, out: Path, *extra: str, key: str = KEY) -> list[str]:
    return [
        *(sys.executable, "-m", "vocode_async.cli", "calls", "export", "--out", str(out)),
        *("--size", "50", "--quiet", "--api-key", key, "--base-url", url, *extra),
    ]


def export(url: str, out: Path, *extra: str, key: str = KEY) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(url, out, *extra, key=key), capture_output=True, text=True, timeout=120
    )


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The single stderr line of a refused export."""
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), lines
    return lines[0]


def reference(server: FakeVocodeServer, tmp_path: Path) -> bytes:
    """What an uninterrupted export of the same server writes."""
    ref = tmp_path / "ref" / "calls.jsonl"
    ref.parent.mkdir()
    done = export(server.url, ref)
    assert done.returncode == 0, done.stderr
    data = ref.read_bytes()
    assert data.count(b"\n") == len(server.store.calls)
    return data


def interrupted(server: FakeVocodeServer, out: Path) -> dict[str, Any]:
    """An export that failed at page 4 (one 401): 150 calls saved, and its checkpoint."""
    server.faults.add(
        Fault(kind=FaultKind.STATUS, status=401, path="/v1/calls/list", query={"page": "4"})
    )
    done = export(server.url, out, "--prefetch", "0")
    assert done.returncode == 1 and "--resume" in done.stderr, done.stderr
    saved: dict[str, Any] = orjson.loads(part_of(out, ".json").read_bytes())
    assert saved["count"] == 150
    return saved


def part_of(out: Path, suffix: str = "") -> Path:
    return out.with_name(out.name + ".part" + suffix)


@pytest.fixture
def server() -> Any:
    fake = FakeVocodeServer(api_key=KEY, calls=CALLS, seed=5)
    with fake.in_thread():
        yield fake


# -- item 1: a checkpoint belongs to exactly its part file -----------------------------------


def test_a_fresh_run_in_between_leaves_no_stale_checkpoint(
    server: FakeVocodeServer, tmp_path: Path
) -> None:
    want = reference(server, tmp_path)
    out = tmp_path / "calls.jsonl"
    interrupted(server, out)
    failed = export(server.url, out, key="wrong-key")  # a fresh run: starts over, fails at once
    assert failed.returncode == 1
    assert "starting over: the interrupted export (150 calls saved) is discarded" in failed.stderr
    done = export(server.url, out, "--resume")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == want  # the whole export, not NUL padding behind "wrote N"
    assert f"wrote {CALLS} calls" in done.stderr


@pytest.mark.parametrize("cut", ["mid-line", "whole-lines", "byte-changed"])
def test_a_part_file_that_is_not_what_the_checkpoint_vouches_for_is_refused(
    server: FakeVocodeServer, tmp_path: Path, cut: str
) -> None:
    out = tmp_path / "calls.jsonl"
    saved = interrupted(server, out)
    part = part_of(out)
    data = part.read_bytes()[: saved["offset"]]
    if cut == "mid-line":
        data = data[:-40]
    elif cut == "whole-lines":
        data = b"".join(data.splitlines(keepends=True)[:-2])
    else:
        data = data[:100] + (b"X" if data[100:101] != b"X" else b"Y") + data[101:]
    part.write_bytes(data)
    line = one_line(export(server.url, out, "--resume"), 2)
    assert "calls.jsonl.part" in line and "without --resume" in line
    assert part.read_bytes() == data  # neither padded nor cut
    assert not out.exists()


def test_bytes_after_the_checkpoint_are_dropped_exactly(
    server: FakeVocodeServer, tmp_path: Path
) -> None:
    want = reference(server, tmp_path)
    out = tmp_path / "calls.jsonl"
    interrupted(server, out)
    with part_of(out).open("ab") as fh:
        fh.write(b'{"id": "not-a-call"}\n{"id": "half')
    done = export(server.url, out, "--resume")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == want


def test_a_kill_and_resume_equals_an_uninterrupted_export(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key=KEY, calls=3000, seed=9, latency=0.02, port=free_port())
    out = tmp_path / "calls.jsonl"
    with server.in_thread():
        want = reference(server, tmp_path)
        proc = subprocess.Popen(command(server.url, out), stderr=subprocess.DEVNULL)
        ckpt = part_of(out, ".json")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            ckpt.exists() and orjson.loads(ckpt.read_bytes())["next_page"] > 5
        ):
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert not out.exists()
        done = export(server.url, out, "--resume")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == want  # ids, count and order
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.jsonl", "ref"]


# -- item 3: a damaged checkpoint is one line and exit 2 -------------------------------------


def _damage(data: bytes, how: str) -> bytes:
    saved = orjson.loads(data)
    if how == "garbage":
        return b"\x00\xff this is not a checkpoint"
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "unknown-key":
        return orjson.dumps({**saved, "surprise": 1})
    if how == "unknown-version":
        return orjson.dumps({**saved, "version": 99})
    if how == "wrong-type":
        return orjson.dumps({**saved, "offset": "12"})
    assert how == "old-format"  # what vocode-async wrote before checkpoints had a version
    return orjson.dumps({k: v for k, v in saved.items() if k not in ("version", "sha256")})


@pytest.mark.parametrize(
    "how", ["garbage", "truncated", "unknown-key", "unknown-version", "wrong-type", "old-format"]
)
def test_a_damaged_checkpoint_is_one_line_and_exit_2(
    server: FakeVocodeServer, tmp_path: Path, how: str
) -> None:
    out = tmp_path / "calls.jsonl"
    interrupted(server, out)
    ckpt = part_of(out, ".json")
    ckpt.write_bytes(_damage(ckpt.read_bytes(), how))
    line = one_line(export(server.url, out, "--resume"), 2)
    assert "calls.jsonl.part.json" in line and "without --resume" in line
    assert not out.exists()


def test_resume_refuses_other_options(server: FakeVocodeServer, tmp_path: Path) -> None:
    out = tmp_path / "calls.jsonl"
    interrupted(server, out)
    line = one_line(export(server.url, out, "--resume", "--format", "csv"), 2)
    assert "format='jsonl'" in line


# -- item 2: one export at a time per output -------------------------------------------------


async def _run(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(*args, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def _held_at_page_3(url: str, out: Path) -> asyncio.subprocess.Process:
    """An export whose server holds page 3: pages 1 and 2 are on disk, checkpointed."""
    proc = await asyncio.create_subprocess_exec(
        *command(url, out, key=PAGE_KEY), stderr=asyncio.subprocess.PIPE
    )
    ckpt = part_of(out, ".json")
    for _ in range(1500):
        if ckpt.exists() and orjson.loads(ckpt.read_bytes())["next_page"] == 3:
            return proc
        await asyncio.sleep(0.02)
    raise AssertionError("the export did not reach page 3")


ITEMS = [Store.normalized(c) for c in Store(calls=300, seed=4).sorted_calls(None, False)]


def _held_pages() -> tuple[PageServer, asyncio.Event]:
    hold = asyncio.Event()

    async def answer(page: int, size: int) -> dict[str, Any]:
        if page == 3:
            await hold.wait()
        window = ITEMS[(page - 1) * size : page * size]
        return page_body(window, page, size, has_more=page * size < 300, total=300)

    return PageServer(answer), hold


async def test_a_second_export_to_the_same_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "calls.jsonl"
    pages, hold = _held_pages()
    async with pages:
        first = await _held_at_page_3(pages.url, out)
        refused = [
            await _run(*command(pages.url, out, *extra, key=PAGE_KEY))
            for extra in ([], ["--resume"], ["--force"])
        ]
        hold.set()
        _, err = await first.communicate()
    for code, text in refused:
        lines = text.splitlines()
        assert code == 2 and len(lines) == 1, text
        assert lines[0].startswith("error: another export to ") and "calls.jsonl" in lines[0]
        assert f"(pid {first.pid})" in lines[0]
    assert first.returncode == 0, err
    ids = [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert ids == [i["id"] for i in ITEMS]  # the first run, undisturbed
    assert sorted(os.listdir(tmp_path)) == ["calls.jsonl"]


# -- item 4: the file is verified before success is reported ---------------------------------


async def test_a_part_file_changed_during_the_run_is_not_reported_as_done(
    tmp_path: Path,
) -> None:
    out = tmp_path / "calls.jsonl"
    pages, hold = _held_pages()
    async with pages:
        proc = await _held_at_page_3(pages.url, out)
        part = part_of(out)
        first, second = part.read_bytes().splitlines(keepends=True)[:2]
        with part.open("r+b") as fh:  # line 1 becomes a copy of line 2 (as long as it fits)
            fh.write(second[: len(first)])
        hold.set()
        _, err = await proc.communicate()
    lines = err.decode().splitlines()
    assert proc.returncode == 1, lines
    assert len(lines) == 1 and lines[0].startswith("error: the export did not verify"), lines
    assert not out.exists()


def _jsonl(*rows: object) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def _csv(*rows: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([list(CSV_COLUMNS), *rows])
    return buffer.getvalue().encode()


def _row(call_id: str) -> list[str]:
    return [call_id, *([""] * (len(CSV_COLUMNS) - 1))]


@pytest.mark.parametrize(
    ("fmt", "data", "count", "problem"),
    [
        ("jsonl", _jsonl({"id": "a"}, {"id": "b"}), 2, None),
        ("jsonl", _jsonl({"id": "a"}, {"id": "b"}), 3, "2 calls, not 3"),
        ("jsonl", _jsonl({"id": "a"}) + b'{"id": "b"', 2, "line 2"),
        ("jsonl", _jsonl({"id": "a"}, [1, 2]), 2, "line 2"),
        ("jsonl", _jsonl({"id": "a"}, {"name": "b"}), 2, "line 2"),
        ("jsonl", _jsonl({"id": "a"}, {"id": "a"}), 2, "duplicate id 'a'"),
        ("jsonl", _jsonl({"id": "a"}) + b"\n", 2, "line 2"),
        ("csv", _csv(_row("a"), _row("b")), 2, None),
        ("csv", _csv(_row("a"), _row("a")), 2, "duplicate id 'a'"),
        ("csv", _csv(_row("a"), ["b", "short"]), 2, "row 2"),
        ("csv", _csv(_row("a"), _row("")), 2, "row 2"),
        ("csv", _csv(_row("a")), 2, "1 calls, not 2"),
        ("csv", b"id,status\n", 0, "header"),
    ],
)
def test_verify_part(
    tmp_path: Path, fmt: str, data: bytes, count: int, problem: str | None
) -> None:
    from vocode_async.cli._formats import verify_part

    part = tmp_path / "x.part"
    part.write_bytes(data)
    found = verify_part(part, fmt, count)
    assert (found is None) if problem is None else (found is not None and problem in found)


# -- item 5: --out never replaces an existing file without --force ---------------------------


def test_an_existing_file_is_not_replaced_without_force(
    server: FakeVocodeServer, tmp_path: Path
) -> None:
    out = tmp_path / "demo.jsonl"
    before = _jsonl(*({"id": str(n)} for n in range(10)))
    out.write_bytes(before)
    line = one_line(export(server.url, out, "--limit", "5"), 2)
    assert "--force" in line and "demo.jsonl" in line
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.jsonl"]
    line = one_line(export(server.url, out, "--limit", "5", "--resume"), 2)  # nothing to resume
    assert "--force" in line
    done = export(server.url, out, "--limit", "5", "--force")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().count(b"\n") == 5
    empty = tmp_path / "empty.jsonl"
    empty.touch()  # an empty file (mktemp) is not an export
    assert export(server.url, empty, "--limit", "5").returncode == 0


def test_resume_may_finish_its_own_export_over_an_existing_file(
    server: FakeVocodeServer, tmp_path: Path
) -> None:
    want = reference(server, tmp_path)
    out = tmp_path / "calls.jsonl"
    out.write_bytes(b"an older export\n")
    server.faults.add(
        Fault(kind=FaultKind.STATUS, status=401, path="/v1/calls/list", query={"page": "4"})
    )
    failed = export(server.url, out, "--prefetch", "0", "--force")
    assert failed.returncode == 1 and out.read_bytes() == b"an older export\n"
    done = export(server.url, out, "--resume")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == want


# -- item 6: --resume with nothing to resume says so -----------------------------------------


def test_resume_without_a_checkpoint_says_it_starts_over(
    server: FakeVocodeServer, tmp_path: Path
) -> None:
    want = reference(server, tmp_path)
    out = tmp_path / "calls.jsonl"
    done = export(server.url, out, "--resume")
    assert done.returncode == 0, done.stderr
    notice, wrote = done.stderr.splitlines()
    assert "nothing to resume" in notice and "calls.jsonl.part.json" in notice
    assert wrote == f"wrote {CALLS} calls to {out}"
    assert out.read_bytes() == want


# -- item 7: CSV cells a spreadsheet would run are neutralised -------------------------------

HOSTILE = {
    "error_message": '=HYPERLINK("http://evil.example","click")',
    "telephony_id": "+cmd|' /C calc'!A0",
    "to_number": "-2+3",
    "stage": "@SUM(A1:A9)",
    "stage_outcome": "\t=1+1",
    "telephony_provider": "\r=1+1",
}


def test_csv_cells_that_would_run_as_formulas_are_neutralised(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key=KEY, calls=3, seed=1)
    server.store.add_call(**HOSTILE)
    with server.in_thread():
        as_csv = export(server.url, tmp_path / "calls.csv", "--format", "csv")
        as_jsonl = export(server.url, tmp_path / "calls.jsonl")
    assert as_csv.returncode == 0 and as_jsonl.returncode == 0, as_csv.stderr + as_jsonl.stderr
    with (tmp_path / "calls.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    hostile = next(r for r in rows if r["error_message"].startswith("'="))
    for column, value in HOSTILE.items():
        assert hostile[column] == "'" + value, column
    assert hostile["from_number"] == "+15550000000"  # a plain number stays as it is
    lines = (tmp_path / "calls.jsonl").read_bytes().splitlines()
    exact = next(orjson.loads(line) for line in lines if b"HYPERLINK" in line)
    assert {k: v for k, v in exact.items() if k in HOSTILE} == HOSTILE  # JSONL: byte-exact


def test_the_readme_demo_export_runs_twice(tmp_path: Path) -> None:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    line = next(t for t in readme.read_text().splitlines() if "calls export --demo" in t)
    args = shlex.split(line.rsplit("&&", 1)[1])
    assert args[0] == ".venv/bin/vocode-async", line
    for _ in range(2):  # the second run replaces the first one's calls.jsonl
        done = subprocess.run(
            [sys.executable, "-m", "vocode_async.cli", *args[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "calls.jsonl").read_bytes().count(b"\n") == 10_000


# -- the outside review: links, a checkpoint that vouches for itself, what a resume replaces --


def _victim(tmp_path: Path, data: bytes = b"precious\n") -> Path:
    victim = tmp_path / "elsewhere" / "precious.txt"
    victim.parent.mkdir(exist_ok=True)
    victim.write_bytes(data)
    return victim


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_resume_never_writes_through_a_linked_part_file(
    server: FakeVocodeServer, tmp_path: Path, link: str
) -> None:
    out = tmp_path / "calls.jsonl"
    interrupted(server, out)
    part = part_of(out)
    victim = _victim(tmp_path, part.read_bytes())  # the same bytes: the hash alone matches
    part.unlink()
    if link == "symlink":
        part.symlink_to(victim)
    else:
        os.link(victim, part)
    before = victim.read_bytes()
    line = one_line(export(server.url, out, "--resume"), 2)
    assert "calls.jsonl.part" in line and "without --resume" in line
    assert victim.read_bytes() == before
    assert not out.exists() and not out.is_symlink()


def test_a_fresh_run_replaces_a_hard_linked_part_file_without_touching_its_other_name(
    server: FakeVocodeServer, tmp_path: Path
) -> None:
    out = tmp_path / "calls.jsonl"
    victim = _victim(tmp_path)
    os.link(victim, part_of(out))
    done = export(server.url, out, "--limit", "60")
    assert done.returncode == 0, done.stderr
    assert victim.read_bytes() == b"precious\n"
    assert out.read_bytes().count(b"\n") == 60 and os.stat(out).st_nlink == 1


def test_a_linked_checkpoint_tmp_file_is_not_written_through(
    server: FakeVocodeServer, tmp_path: Path
) -> None:
    out = tmp_path / "calls.jsonl"
    victim = _victim(tmp_path)
    part_of(out, ".json.tmp").symlink_to(victim)
    done = export(server.url, out, "--limit", "60")
    assert done.returncode == 0, done.stderr
    assert victim.read_bytes() == b"precious\n"


@pytest.mark.parametrize("lock", ["symlink", "hardlink", "foreign-text"])
def test_a_lock_path_that_is_not_a_lock_file_is_refused_untouched(
    server: FakeVocodeServer, tmp_path: Path, lock: str
) -> None:
    out = tmp_path / "calls.jsonl"
    path = out.with_name(out.name + ".lock")
    victim = _victim(tmp_path)
    if lock == "symlink":
        path.symlink_to(victim)
    elif lock == "hardlink":
        os.link(victim, path)
    else:
        victim = path
        victim.write_bytes(b"precious\n")
    line = one_line(export(server.url, out), 2)
    assert "calls.jsonl.lock" in line and "remove it" in line
    assert victim.read_bytes() == b"precious\n"
    assert not out.exists()


def _forged(saved: dict[str, Any], **changes: Any) -> bytes:
    """``saved`` with ``changes``, and (if it has one) its checksum made to fit them."""
    import hashlib

    data = {**saved, **changes}
    if "checksum" in data:
        del data["checksum"]
        digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()
        data["checksum"] = digest
    return orjson.dumps(data)


@pytest.mark.parametrize("field", ["next_page", "count", "last_ids"])
def test_a_checkpoint_that_contradicts_its_part_file_is_refused(
    server: FakeVocodeServer, tmp_path: Path, field: str
) -> None:
    out = tmp_path / "calls.jsonl"
    saved = interrupted(server, out)
    ckpt = part_of(out, ".json")
    change: dict[str, Any] = {
        "next_page": {"next_page": saved["next_page"] + 1},
        "count": {"count": saved["count"] - 1, "last_count": saved.get("last_count", 50) - 1},
        "last_ids": {"last_ids": list(reversed(saved["last_ids"]))},
    }[field]
    ckpt.write_bytes(_forged(saved, **change))  # edited, checksum and all
    line = one_line(export(server.url, out, "--resume"), 2)
    assert line.startswith("error: cannot resume: ") and "without --resume" in line
    if field == "count":  # consistent in itself: the part file's 150 lines contradict it
        assert "holds 150 calls, its checkpoint says 149" in line
    assert not out.exists()


def test_resume_replaces_only_the_file_its_export_began_over(
    server: FakeVocodeServer, tmp_path: Path
) -> None:
    want = reference(server, tmp_path)
    out = tmp_path / "calls.jsonl"
    out.write_bytes(b"an older export\n")
    server.faults.add(
        Fault(kind=FaultKind.STATUS, status=401, path="/v1/calls/list", query={"page": "4"})
    )
    assert export(server.url, out, "--prefetch", "0", "--force").returncode == 1
    out.write_bytes(b"rewritten since by another program\n")
    line = one_line(export(server.url, out, "--resume"), 2)
    assert "--force" in line and "calls.jsonl" in line and "changed since" in line
    assert out.read_bytes() == b"rewritten since by another program\n"
    done = export(server.url, out, "--resume", "--force")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == want


async def test_a_file_that_appears_during_the_export_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "calls.jsonl"
    pages, hold = _held_pages()
    async with pages:
        proc = await _held_at_page_3(pages.url, out)
        out.write_bytes(b"written meanwhile\n")
        hold.set()
        _, err = await proc.communicate()
        lines = err.decode().splitlines()
        assert proc.returncode == 2 and len(lines) == 1, lines
        assert "--force" in lines[0] and "during the export" in lines[0]
        assert out.read_bytes() == b"written meanwhile\n"
        code, text = await _run(*command(pages.url, out, "--resume", "--force", key=PAGE_KEY))
    assert code == 0, text
    ids = [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert ids == [i["id"] for i in ITEMS]


async def test_a_page_of_repeated_ids_under_an_exact_total_is_not_success(
    tmp_path: Path,
) -> None:
    async def answer(page: int, size: int) -> dict[str, Any]:
        window = ITEMS[(page - 1) * size : page * size]
        if page == 2:
            window = window[:25] * 2  # 50 items, 25 ids
        return page_body(window, page, size, has_more=page * size < 150, total=150)

    out = tmp_path / "calls.jsonl"
    async with PageServer(answer) as pages:
        code, err = await _run(*command(pages.url, out, key=PAGE_KEY))
    lines = err.splitlines()
    assert code == 1 and len(lines) == 1, lines
    assert "the API said it lists 150" in lines[0] and "holds 125 calls" in lines[0]
    assert not out.exists() and part_of(out).read_bytes().count(b"\n") == 125


async def test_a_resume_after_more_than_a_page_of_new_calls_writes_each_call_once(
    tmp_path: Path,
) -> None:
    listing = list(ITEMS)  # newest first
    failed: list[int] = []

    async def answer(page: int, size: int) -> Any:
        if page == 3 and not failed:  # the first run stops here: pages 1 and 2 are saved
            failed.append(page)
            return web.json_response({"detail": "Invalid API key"}, status=401)
        window, total = listing[(page - 1) * size : page * size], len(listing)
        return page_body(window, page, size, has_more=page * size < total, total=total)

    out = tmp_path / "calls.jsonl"
    async with PageServer(answer) as pages:
        code, err = await _run(*command(pages.url, out, "--prefetch", "0", key=PAGE_KEY))
        assert code == 1 and "--resume" in err, err
        new = [Store.normalized(c) for c in Store(calls=75, seed=8).sorted_calls(None, False)]
        listing[:0] = new  # a page and a half of calls created meanwhile, ahead of the rest
        code, err = await _run(*command(pages.url, out, "--resume", key=PAGE_KEY))
    assert code == 0, err
    ids = [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert ids == [i["id"] for i in ITEMS]  # each once, in order (the new ones came before)


@pytest.mark.parametrize(
    ("value", "code"),
    [("auto", 0), ("AUTO", 0), ("3", 0), ("33", 2), ("deep", 2), ("-1", 2), ("2.5", 2)],
)
def test_prefetch_is_auto_or_a_whole_number(
    server: FakeVocodeServer, tmp_path: Path, value: str, code: int
) -> None:
    out = tmp_path / "calls.jsonl"
    done = export(server.url, out, "--prefetch", value)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if code:
        assert "--prefetch" in done.stderr and value in done.stderr, done.stderr
        assert not out.exists()
    else:
        assert len(out.read_bytes().splitlines()) == CALLS

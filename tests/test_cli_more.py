"""The command line beyond the demo export: formats, resume, every group, errors, secrets."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs
import orjson
import pytest
from click.testing import CliRunner

from tests.conftest import free_port, sigint_ignored, signalable
from vocode_async.cli import main
from vocode_async.cli._checkpoint import Checkpoint, ExportOptions
from vocode_async.cli._formats import CSV_COLUMNS
from vocode_async.cli._groups import GROUPS
from vocode_async.models import NormalizedCall
from vocode_async.testing import FakeVocodeServer, FaultKind

KEY = "cli-canary-key-5d1e"


def invoke(server: FakeVocodeServer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--api-key", KEY, "--base-url", server.url])
    return result.exit_code, result.stdout, result.stderr


def expected_ids(server: FakeVocodeServer) -> list[str]:
    return [c["id"] for c in server.store.sorted_calls(None, False)]


def test_csv_export_has_every_call_and_the_documented_columns(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key=KEY, calls=777, seed=2)
    out = tmp_path / "calls.csv"
    with server.in_thread():
        code, _, err = invoke(server, "calls", "export", "--out", str(out), "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["id"] for r in rows] == expected_ids(server)
    assert tuple(rows[0]) == CSV_COLUMNS
    twilio = next(r for r in rows if r["telephony_metadata.type"] == "telephony_metadata_twilio")
    assert twilio["telephony_metadata.call_sid"].startswith("CA")
    assert orjson.loads(rows[0]["context"])["n"].isdigit()
    assert "wrote 777 calls" in err


def test_csv_columns_cover_every_field_of_a_listed_call() -> None:
    flat = {c.split(".")[0] for c in CSV_COLUMNS}
    assert flat == {f.name for f in attrs.fields(NormalizedCall)}


def test_sorted_export(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key=KEY, calls=300, seed=4)
    out = tmp_path / "sorted.jsonl"
    with server.in_thread():
        code, _, err = invoke(
            server,
            "calls",
            "export",
            "--out",
            str(out),
            "--sort-column",
            "to_number",
            "--sort-desc",
            "--size",
            "50",
            "--quiet",
        )
    assert code == 0, err
    numbers = [orjson.loads(line)["to_number"] for line in out.read_bytes().splitlines()]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) == 300


def _export_command(url: str, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "vocode_async.cli",
        "calls",
        "export",
        "--out",
        str(out),
        "--size",
        "50",
        "--api-key",
        KEY,
        "--base-url",
        url,
        *extra,
    ]


@pytest.mark.signals
@pytest.mark.parametrize("how", ["kill", "interrupt"])
def test_resume_after_the_export_is_stopped(tmp_path: Path, how: str) -> None:
    server = FakeVocodeServer(api_key=KEY, calls=3000, seed=9, latency=0.02, port=free_port())
    out = tmp_path / "calls.jsonl"
    ckpt = tmp_path / "calls.jsonl.part.json"
    with server.in_thread():
        # The worst case of how the suite was started (a background job ignores SIGINT),
        # every time: the test's own child must still get the signal it is sent.
        with sigint_ignored():
            command = signalable(_export_command(server.url, out))
            proc = subprocess.Popen(command, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            ckpt.exists() and orjson.loads(ckpt.read_bytes())["next_page"] > 5
        ):
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert not out.exists()  # nothing truncated posing as complete
        if how == "interrupt":
            assert proc.returncode == 130, err
        saved = orjson.loads(ckpt.read_bytes())
        assert 0 < saved["count"] < 3000
        server.store.add_call()  # drift: a new call shifts every page by one
        done = subprocess.run(
            _export_command(server.url, out, "--resume"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    ids = [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert len(ids) == len(set(ids))  # no duplicates across the resume
    assert set(ids) >= set(expected_ids(server)[1:])  # every call that existed throughout
    assert sorted(os.listdir(tmp_path)) == ["calls.jsonl"]


def test_resume_refuses_other_options(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key=KEY, calls=10)
    out = tmp_path / "x.jsonl"
    (tmp_path / "x.jsonl.part").write_bytes(b"")
    Checkpoint(options=ExportOptions(format="csv", size=10), next_page=2).save(
        tmp_path / "x.jsonl.part.json"
    )
    with server.in_thread():
        code, _, err = invoke(
            server, "calls", "export", "--out", str(out), "--resume", "--format", "jsonl"
        )
    assert code == 2 and "format='csv'" in err


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_group_lists_and_gets(group: str) -> None:
    server = FakeVocodeServer(api_key=KEY, calls=30, seed=1)
    with server.in_thread():
        code, out, err = invoke(server, group.replace("_", "-"), "list", "--all", "--json")
        assert code == 0, err
        items = [orjson.loads(line) for line in out.splitlines()]
        assert items, group
        key = "number" if group == "numbers" else "id"
        code, out, err = invoke(server, group, "get", items[0][key])
        assert code == 0, err
        assert orjson.loads(out)[key] == items[0][key]
        code, table, err = invoke(server, group, "list", "--size", "2")
        total = 30 if group == "calls" else len(server.store.objects[group])
        assert code == 0 and len(table.splitlines()) == 1 + min(2, total)  # header, rows
        assert (f"2 of {total}" in err) == (total > 2)


def test_secrets_are_redacted_unless_asked() -> None:
    server = FakeVocodeServer(api_key=KEY, calls=1)
    with server.in_thread():
        _, shown, _ = invoke(server, "voices", "list", "--json")
        _, revealed, _ = invoke(server, "voices", "list", "--json", "--show-secrets")
        _, connections, _ = invoke(server, "account-connections", "list", "--json")
    assert "xi-seeded" not in shown and "<redacted>" in shown
    assert "xi-seeded" in revealed
    assert "tw-seeded" not in connections and "sk-seeded" not in connections


def test_calls_create_end_and_recording(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key=KEY, calls=3, seed=5)
    agent = next(iter(server.store.agents))
    with server.in_thread():
        code, out, err = invoke(
            server,
            "calls",
            "create",
            "--from-number",
            "+1555",
            "--to-number",
            "+1556",
            "--agent",
            agent,
        )
        assert code == 0, err
        call = orjson.loads(out)
        assert call["to_number"] == "+1556" and server.counters["calls_created"] == 1
        code, out, _ = invoke(server, "calls", "end", call["id"])
        assert code == 0 and orjson.loads(out)["status"] == "ended"
        target = tmp_path / "rec.mp3"
        code, _, err = invoke(server, "calls", "recording", call["id"], "--out", str(target))
        assert code == 0 and target.read_bytes() == server.store.recording(call["id"])
        code, out, _ = invoke(server, "usage")
        assert code == 0 and "minutes this month" in out


def test_a_recording_download_has_its_own_timeout(tmp_path: Path) -> None:
    """A recording outlasts the library's 60 s default: the command allows 600 s by default,
    and ``--timeout`` bounds the whole download (here a server that stalls 30 s)."""
    server = FakeVocodeServer(api_key=KEY, calls=3, seed=5)
    call = server.store.calls[0]["id"]
    server.faults.add(kind=FaultKind.LATENCY, path="/v1/calls/recording", delay=30)
    target = tmp_path / "rec.mp3"
    with server.in_thread():
        started = time.monotonic()
        args = ("calls", "recording", call, "--out", str(target), "--timeout", "1")
        code, _, err = invoke(server, *args)
        took = time.monotonic() - started
    print(f"--timeout 1 against a 30 s stall ended after {took:.2f} s")
    assert code == 1 and "timed out" in err.lower() and took < 15, (took, err)
    assert not target.exists()
    shown = CliRunner().invoke(main, ["calls", "recording", "--help"]).stdout
    assert "--timeout" in shown and "default: 600" in shown, shown


def test_api_errors_are_one_line_and_exit_1() -> None:
    server = FakeVocodeServer(api_key=KEY, calls=3)
    with server.in_thread():
        code, _, err = invoke(server, "agents", "get", "00000000-0000-4000-8000-000000000000")
        assert code == 1 and err.count("\n") == 1 and "404" in err and "Traceback" not in err
        code, _, err = invoke(
            server,
            "calls",
            "create",
            "--from-number",
            "1",
            "--to-number",
            "2",
            "--agent",
            "00000000-0000-4000-8000-000000000000",
        )
        assert code == 1 and "400" in err and KEY not in err
        code, _, err = invoke(
            server, "agents", "get", "00000000-0000-4000-8000-000000000000", "--debug"
        )
        assert code == 1 and "Traceback" in err and KEY not in err


def test_demo_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOCODE_API_KEY", raising=False)
    result = CliRunner().invoke(main, ["agents", "list", "--demo"])
    assert result.exit_code == 0 and "Agent 0" in result.stdout
    result = CliRunner().invoke(main, ["agents", "list"])
    assert result.exit_code == 2 and "--demo" in result.stderr

"""The vocode-async command, in-process and as a subprocess, against the fake server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from vocode_async.cli import main
from vocode_async.testing import FakeVocodeServer


def test_demo_export_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "calls.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "vocode_async.cli", "calls", "export", "--demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "error"},
    )
    assert done.returncode == 0, done.stderr
    lines = out.read_bytes().splitlines()
    ids = [orjson.loads(line)["id"] for line in lines]
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
    assert "wrote 10000 calls" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["calls.jsonl"]  # no temp file left


def test_export_matches_the_server(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key="cli-key", calls=1234, seed=5)
    out = tmp_path / "out.jsonl"
    with server.in_thread():
        result = CliRunner().invoke(
            main,
            [
                "calls",
                "export",
                "--out",
                str(out),
                "--size",
                "100",
                "--api-key",
                "cli-key",
                "--base-url",
                server.url,
            ],
        )
    assert result.exit_code == 0, result.output
    ids = [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert ids == [c["id"] for c in server.store.sorted_calls(None, False)]


def test_bad_key_is_one_line_and_exit_1(tmp_path: Path) -> None:
    server = FakeVocodeServer(api_key="right", calls=10)
    out = tmp_path / "out.jsonl"
    with server.in_thread():
        result = CliRunner().invoke(
            main,
            ["calls", "export", "--out", str(out), "--api-key", "wrong", "--base-url", server.url],
        )
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "401" in result.output
    assert "wrong" not in result.output
    assert not out.exists()


def test_no_key_and_no_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOCODE_API_KEY", raising=False)
    result = CliRunner().invoke(main, ["calls", "export", "--out", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2
    assert "--api-key" in result.output and "VOCODE_API_KEY" in result.output
    assert "--demo" in result.output


def test_unknown_flag_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["calls", "export", "--nope"])
    assert result.exit_code == 2

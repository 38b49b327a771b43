"""What the server chose never drives the terminal: control characters in names, details and
plans (cursor moves, a screen clear, an OSC 52 clipboard write, BEL) are shown escaped.

The command runs in a child process, once on a pseudo-terminal (where nothing strips ANSI
sequences on the way) and once into a pipe, against the fake with such strings seeded.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import orjson
import pytest

from vocode_async.testing import FakeVocodeServer

KEY = "terminal-key"
# A clipboard write (OSC 52 ... BEL), a screen clear (CSI 2J), the same as a C1 CSI, DEL,
# then a right-to-left override (it reorders what the line shows).
HOSTILE = "evil\x1b]52;c;cHduZWQ=\x07name\x1b[2J\x9b2J\x7f\ttab\u202egnp.exe"
# Every C0 control but the line end, DEL, every C1 control and the bidi overrides and
# isolates; a terminal adds \r to \n.
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@contextmanager
def hostile_fake() -> Iterator[tuple[FakeVocodeServer, str]]:
    """A fake whose first agent is named HOSTILE; yields it and that agent's id."""
    server = FakeVocodeServer(api_key=KEY, calls=3, seed=1)
    agent = next(iter(server.store.objects["agents"].values()))
    agent["name"] = HOSTILE
    with server.in_thread():
        yield server, agent["id"]


def command(server: FakeVocodeServer, *args: str) -> list[str]:
    url = ["--api-key", KEY, "--base-url", server.url]
    return [sys.executable, "-m", "vocode_async.cli", *args, *url]


def on_a_terminal(argv: list[str]) -> tuple[int, str]:
    """Run ``argv`` with stdout and stderr on a pseudo-terminal; its code and all it wrote."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(60), b"".join(chunks).decode()


def piped(argv: list[str]) -> tuple[int, str]:
    done = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    return done.returncode, (done.stdout + done.stderr).decode()


Run = Callable[[list[str]], tuple[int, str]]
RUNS = pytest.mark.parametrize("run", [on_a_terminal, piped], ids=["terminal", "pipe"])


def assert_inert(text: str) -> None:
    found = sorted({f"{ord(c):#04x}" for c in RAW_CONTROL.findall(text)})
    assert not found, f"raw control characters {found} in {text!r}"


@RUNS
def test_a_table_shows_control_characters_escaped(run: Run) -> None:
    with hostile_fake() as (server, _):
        code, text = run(command(server, "agents", "list"))
    assert code == 0, text
    assert_inert(text)
    assert r"evil\x1b]52;c;cHduZWQ=\x07name\x1b[2J\x9b2J\x7f" in text  # seen, not obeyed


@RUNS
def test_json_shows_control_characters_escaped_and_stays_the_same_data(run: Run) -> None:
    with hostile_fake() as (server, agent_id):
        code, text = run(command(server, "agents", "get", agent_id))
        listed, lines = run(command(server, "agents", "list", "--json"))
    assert code == listed == 0, text + lines
    assert_inert(text + lines)
    assert orjson.loads(text)["name"] == HOSTILE
    assert HOSTILE in [orjson.loads(line)["name"] for line in lines.splitlines()]


@RUNS
@pytest.mark.parametrize("debug", [False, True], ids=["line", "debug"])
def test_an_error_shows_control_characters_escaped(run: Run, debug: bool) -> None:
    with hostile_fake() as (server, agent_id):
        detail = orjson.dumps({"detail": f"no such agent {HOSTILE}"})
        server.faults.add(path="/v1/agents", status=404, body=detail)
        argv = command(server, "agents", "get", agent_id, *(["--debug"] if debug else []))
        code, text = run(argv)
    assert code == 1, text
    assert_inert(text)
    assert r"evil\x1b]52;c;cHduZWQ=\x07name" in text
    assert ("Traceback" in text) is debug and text.splitlines()[-1].startswith("error: ")


@RUNS
def test_an_unknown_plan_is_shown_escaped(run: Run) -> None:
    with hostile_fake() as (server, _):
        body = orjson.dumps({"user_id": "u", "plan_type": HOSTILE, "monthly_usage_minutes": 3})
        server.faults.add(path="/v1/usage", status=200, body=body)
        code, text = run(command(server, "usage"))
    assert code == 0, text
    assert_inert(text)
    assert r"evil\x1b]52;c;" in text

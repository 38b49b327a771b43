"""What a newcomer does first: every README code block runs as written, the fixture works
in a project of one's own in either pytest-asyncio mode.

Python blocks run as scripts (``python block.py``) with VOCODE_BASE_URL and VOCODE_API_KEY
pointed at a fake server; a block that imports pytest is a test file, run by pytest in a
project of its own (no conftest, pytest-asyncio's default strict mode).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vocode_async.testing import FakeVocodeServer

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
KEY = "readme-key"


def blocks() -> list[tuple[str, str]]:
    """(id, source) of every Python block, the id naming the section it is in."""
    text = README.read_text()
    found = []
    for n, match in enumerate(BLOCK.finditer(text)):
        headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)
        section = re.sub(r"\W+", "-", headings[-1].lower()).strip("-") if headings else "top"
        found.append((f"{n}-{section}", match.group(1)))
    return found


BLOCKS = blocks()


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child: ours, minus what would change how pytest or the SDK runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VOCODE_"))}
    return {**env, "PYTHONWARNINGS": "error", **extra}


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=child_env(),
    )


def project(tmp_path: Path, source: str, ini: str = "") -> Path:
    """A project of one's own: an ini file (pytest-asyncio's default strict mode unless
    ``ini`` says otherwise; the loop scope set, as pytest-asyncio asks) and one test file,
    nothing else (no conftest, no pytest_plugins line)."""
    settings = f"asyncio_default_fixture_loop_scope = function\n{ini}"
    (tmp_path / "pytest.ini").write_text(f"[pytest]\n{settings}")
    (tmp_path / "test_mine.py").write_text(source)
    return tmp_path


def test_the_readme_has_its_python_blocks() -> None:
    sections = {block_id.split("-", 1)[1] for block_id, _ in BLOCKS}
    assert {"use", "every-group", "testing-your-code-against-a-fake-vocode"} <= sections
    assert len(BLOCKS) >= 7, [block_id for block_id, _ in BLOCKS]


def run_against_fake(
    source: str, tmp_path: Path, *, calls: int = 120, server: FakeVocodeServer | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``source`` as a script with VOCODE_BASE_URL/VOCODE_API_KEY pointed at a fake
    (``server``, whose key must be KEY, or a new one with ``calls`` calls)."""
    script = tmp_path / "block.py"
    script.write_text(source)
    server = server or FakeVocodeServer(api_key=KEY, calls=calls, seed=3)
    with server.in_thread():
        return subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=child_env(VOCODE_BASE_URL=server.url, VOCODE_API_KEY=KEY),
        )


@pytest.mark.parametrize("source", [s for _, s in BLOCKS], ids=[i for i, _ in BLOCKS])
def test_readme_block_runs_as_written(source: str, tmp_path: Path) -> None:
    if "import pytest" in source:
        done = run_pytest(project(tmp_path, source))
        assert done.returncode == 0, done.stdout + done.stderr
        assert " passed" in done.stdout and "skipped" not in done.stdout, done.stdout
        return
    done = run_against_fake(source, tmp_path)
    assert done.returncode == 0, done.stderr
    print(done.stdout[-2000:])


def test_the_use_block_prints_statuses_as_values(tmp_path: Path) -> None:
    """``print(call.status)`` shows ``ended``, not ``CallStatus.ENDED``."""
    (source,) = [s for block_id, s in BLOCKS if block_id.endswith("-use")]
    done = run_against_fake(source, tmp_path, calls=30)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 31  # one per call, then the last one in full
    statuses = {line.split()[1] for line in lines[:-1]}
    assert statuses <= {"not_started", "in_progress", "error", "ended"}, statuses
    assert "CallStatus" not in done.stdout


RECONCILE = next(s for _, s in BLOCKS if "except OutcomeUnknownError" in s)


def reconcile_server() -> FakeVocodeServer:
    """1,000 calls, the newest of them between the example's two numbers (an earlier
    call that must not pass for the one being placed)."""
    server = FakeVocodeServer(api_key=KEY, calls=1000, seed=3)
    server.store.add_call(from_number="+15550000000", to_number="+15551234567")
    return server


def test_the_reconcile_example_reads_one_page_when_the_call_was_not_placed(
    tmp_path: Path,
) -> None:
    """The usual outcome of an ``OutcomeUnknownError`` is a call that was not placed; the
    example must then give up after the newest calls, not walk the whole account, and not
    take an earlier call between the same numbers for this one. The guide shows the same
    listing."""
    server = reconcile_server()
    server.faults.add(path="/v1/calls/create", status=500)  # answered 500, nothing placed
    done = run_against_fake(RECONCILE, tmp_path, server=server)
    assert done.returncode == 1 and "OutcomeUnknownError" in done.stderr, done.stderr
    lists = [r for r in server.log if r.path == "/v1/calls/list"]
    assert len(lists) == 1, f"{len(lists)} listing requests, the last {lists[-1].query}"
    assert server.counters["calls_created"] == 0
    (listing,) = re.findall(r"client\.calls\.list\([^)]*\)", RECONCILE)
    guide = (README.parent / "docs" / "retries.md").read_text()
    assert "".join(listing.split()) in "".join(guide.split()), listing


def test_the_reconcile_example_finds_a_call_placed_whose_answer_was_lost(
    tmp_path: Path,
) -> None:
    """The call was placed and its answer lost: the example finds it and does not dial
    again (one call made, one listing request)."""
    server = reconcile_server()
    server.faults.add(kind="reset", path="/v1/calls/create", after=True)
    done = run_against_fake(RECONCILE, tmp_path, server=server)
    assert done.returncode == 0, done.stderr
    assert server.counters["calls_created"] == 1
    creates = [r for r in server.log if r.path == "/v1/calls/create"]
    lists = [r for r in server.log if r.path == "/v1/calls/list"]
    assert (len(creates), len(lists)) == (1, 1), (creates, lists)


FIXTURE_TESTS = """
import pytest

from vocode_async.testing import FakeVocodeServer


async def calls_of(server: FakeVocodeServer) -> int:
    async with server.client() as client:
        return (await client.calls.list(size=5)).total


{mark}
async def test_defaults(fake_vocode: FakeVocodeServer) -> None:
    assert fake_vocode.api_key == "test-key"
    assert await calls_of(fake_vocode) == 100


{mark}
@pytest.mark.fake_vocode(calls=7, seed=4, api_key="mine")
async def test_marker(fake_vocode: FakeVocodeServer) -> None:
    assert fake_vocode.api_key == "mine"
    assert await calls_of(fake_vocode) == 7


{mark}
async def test_factory(fake_vocode_factory) -> None:
    first = await fake_vocode_factory(calls=2)
    second = await fake_vocode_factory(calls=3, api_key="other")
    assert first.url != second.url
    assert (await calls_of(first), await calls_of(second)) == (2, 3)
"""


@pytest.mark.parametrize(
    ("mode", "mark"),
    [("strict", "@pytest.mark.asyncio"), ("auto", "")],
)
def test_fixture_in_a_project_of_ones_own(mode: str, mark: str, tmp_path: Path) -> None:
    """Installed, the package's plugin gives ``fake_vocode`` to any project, no conftest."""
    source = FIXTURE_TESTS.format(mark=mark)
    done = run_pytest(project(tmp_path, source, f"asyncio_mode = {mode}\n"), "-W", "error")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout, done.stdout


@pytest.mark.parametrize("ci", [False, True])
def test_without_the_spec_a_spec_test_skips_or_in_ci_fails(ci: bool, tmp_path: Path) -> None:
    """A plain clone skips with one reason; CI refuses to go green without the spec."""
    env = {k: v for k, v in child_env().items() if k != "CI"}
    env["VOCODE_OPENAPI_SPEC"] = str(tmp_path / "absent.json")
    if ci:
        env["CI"] = "true"
    runtime = tmp_path / "test_needs_the_spec.py"  # a test that asks for it as it runs
    runtime.write_text("from tests import spec\n\n\ndef test_it():\n    spec.load()\n")
    spec_tests = ["tests/test_spec.py", str(runtime)]  # and a module that asks on import
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *spec_tests],
        cwd=README.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    reason = "OpenAPI spec not found: set VOCODE_OPENAPI_SPEC or put it at ../shared/"
    assert reason in done.stdout, done.stdout
    if ci:
        assert done.returncode != 0 and "CI is set: the spec tests must run" in done.stdout
    else:
        assert done.returncode == 0, done.stdout
        assert "2 skipped" in done.stdout and "passed" not in done.stdout, done.stdout

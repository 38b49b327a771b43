"""What a release promises: one version everywhere, and a changelog in Keep-a-Changelog form.

The wheel itself is built, checked and installed alone by ``nox -s build``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import vocode_async

ROOT = Path(__file__).resolve().parents[1]
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$")
SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_the_command_line_prints_the_package_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vocode_async.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == f"vocode-async, version {vocode_async.__version__}"


def test_the_version_is_written_once() -> None:
    # hatch reads vocode_async/_version.py; nothing else may spell the version out.
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'path = "vocode_async/_version.py"' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", vocode_async.__version__)
    for path in (ROOT / "vocode_async").rglob("*.py"):
        if path.name != "_version.py":
            assert f'"{vocode_async.__version__}"' not in path.read_text(), path


def test_the_changelog_keeps_its_form() -> None:
    lines = (ROOT / "CHANGELOG.md").read_text().splitlines()
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[0] == "## [Unreleased]"
    releases = [RELEASE.match(line) for line in headings[1:]]
    assert all(releases), f"a release heading is not '## [X.Y.Z] - YYYY-MM-DD': {headings}"
    versions = [tuple(int(n) for n in m.group(1).split(".")) for m in releases if m]
    dates = [date.fromisoformat(m.group(2)) for m in releases if m]
    assert versions == sorted(versions, reverse=True), "newest release first"
    assert dates == sorted(dates, reverse=True), "newest release first"
    current = tuple(int(n) for n in vocode_async.__version__.split("."))
    assert all(v <= current for v in versions), "a release above __version__"
    kinds = {line[4:] for line in lines if line.startswith("### ")}
    assert kinds <= SECTIONS, f"unknown sections: {kinds - SECTIONS}"

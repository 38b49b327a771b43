"""The guides' code is real: every Python block of docs/*.md parses (``await`` allowed at the
top, as in a snippet), its imports resolve, and a block that is a whole program
(``asyncio.run(...)``) runs as written against the fake server over loopback.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vocode_async.testing import FakeVocodeServer

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
KEY = "docs-key"


def blocks() -> list[tuple[str, str]]:
    """(page-number, source) of every Python block of every page."""
    return [
        (f"{page.stem}-{n}", match.group(1))
        for page in sorted(DOCS.rglob("*.md"))
        for n, match in enumerate(BLOCK.finditer(page.read_text()))
    ]


BLOCKS = blocks()
PROGRAMS = [(block_id, source) for block_id, source in BLOCKS if "asyncio.run(" in source]


def test_the_guides_have_code_and_whole_programs() -> None:
    pages = {block_id.rsplit("-", 1)[0] for block_id, _ in BLOCKS}
    assert {"index", "quickstart", "listing", "retries", "testing", "errors"} <= pages
    assert len(PROGRAMS) >= 2


@pytest.mark.parametrize("source", [s for _, s in BLOCKS], ids=[i for i, _ in BLOCKS])
def test_block_parses_and_its_imports_resolve(source: str) -> None:
    tree = compile(source, "<block>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    code = compile(ast.Module(body=imports, type_ignores=[]), "<imports>", "exec")
    exec(code, {})  # ImportError names what the page promises but the package lacks


@pytest.mark.parametrize("source", [s for _, s in PROGRAMS], ids=[i for i, _ in PROGRAMS])
def test_whole_program_runs_against_the_fake(source: str, tmp_path: Path) -> None:
    script = tmp_path / "block.py"
    script.write_text(source)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VOCODE_"))}
    server = FakeVocodeServer(api_key=KEY, calls=120, seed=3)
    with server.in_thread():
        env.update(VOCODE_BASE_URL=server.url, VOCODE_API_KEY=KEY, PYTHONWARNINGS="error")
        done = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=env,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") >= 120, done.stdout[-2000:]  # one line per call at least

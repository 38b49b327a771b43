"""The fake's request rules are generated from the spec and kept in sync with it; the fake
stands apart from the SDK's models (a bug in them must not hide on both sides)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests import spec
from tests.conftest import spec_path
from vocode_async.testing import _rules

ROOT = Path(__file__).resolve().parents[1]


def test_generated_rules_match_the_spec() -> None:
    spec.load()  # skips without the spec
    path = spec_path()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/gen_fake_rules.py"), "--check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_rules_cover_every_operation_and_keep_no_prose() -> None:
    found = spec.load()
    routes = {f"{m.upper()} {p}" for p, ops in found["paths"].items() for m in ops}
    assert set(_rules.OPERATIONS) == routes
    text = (ROOT / "vocode_async/testing/_rules.py").read_text()
    for word in ("'title'", "'description': '", "'summary'", "'examples'"):
        assert word not in text


def test_the_fake_never_imports_the_models_or_the_converter() -> None:
    for path in sorted((ROOT / "vocode_async/testing").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("models" in n or "_converter" in n or "_fastgen" in n for n in names), (
                path.name,
                names,
            )

"""Sessions: `tests` (lint, types, pytest; the README's command), `pytest-3.10` ... `pytest-3.13`
(the suite on every supported Python: CI's matrix), `demo`, `bench`."""

from __future__ import annotations

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]  # as the classifiers in pyproject.toml say

nox.options.sessions = ["tests"]
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session: nox.Session) -> None:
    """ruff check, ruff format --check, mypy --strict, then pytest, on the Python running nox."""
    session.install("-e", ".[test]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "--strict", "vocode_async", "tests/typing")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHONS)
def pytest(session: nox.Session) -> None:
    """pytest on one supported Python (missing: skipped; an error in CI, as .ci/run asks)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: export every call of the embedded fake to calls.jsonl."""
    session.install(".[cli]")
    session.run("vocode-async", "calls", "export", "--demo", "--out", "calls.jsonl")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not part of CI): results in benchmarks/results and benchmarks/README.md."""
    session.install(".[cli]", "vocode-api", "matplotlib")
    session.run("python", "benchmarks/run.py", *(session.posargs or ["all"]))

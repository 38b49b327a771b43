"""Sessions: `tests` (lint, types, pytest; what CI runs), `demo`, `bench`."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests"]
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session: nox.Session) -> None:
    """ruff check, ruff format --check, mypy --strict, then the whole pytest suite."""
    session.install("-e", ".[test]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "--strict", "vocode_async", "tests/typing")
    session.run("pytest", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: export every call of the embedded fake to calls.jsonl."""
    session.install(".")
    session.run("vocode-async", "calls", "export", "--demo", "--out", "calls.jsonl")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not part of CI): results in benchmarks/results and benchmarks/README.md."""
    session.install(".", "vocode-api", "matplotlib")
    session.run("python", "benchmarks/run.py", *(session.posargs or ["all"]))

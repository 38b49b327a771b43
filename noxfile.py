"""Sessions: `tests` (lint, types, pytest; the README's command), `pytest-3.10` ... `pytest-3.13`
(the suite on every supported Python: CI's matrix), `lowest` (the suite with the lowest
version of every dependency pyproject.toml allows), `docs` (the reference), `build` (the
sdist and wheel, checked and installed), `demo`, `bench`."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

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


@nox.session(python=PYTHONS[0])
def lowest(session: nox.Session) -> None:
    """pytest with the lowest version of every direct dependency pyproject.toml allows (uv's
    lowest-direct resolution; their own dependencies at their newest), on the lowest
    supported Python: a floor the code has outgrown fails here."""
    session.install("uv")
    python = str(Path(session.bin) / "python")
    session.run(
        *("uv", "pip", "install", "--quiet", "--python", python),
        *("--resolution", "lowest-direct", "-e", ".[test]"),
    )
    session.run("uv", "pip", "freeze", "--python", python)  # the versions tested, in the log
    session.run("pytest", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: export every call of the embedded fake to calls.jsonl (replacing the
    previous run's: --force)."""
    session.install(".[cli]")
    session.run("vocode-async", "calls", "export", "--demo", "--out", "calls.jsonl", "--force")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not part of CI): results in benchmarks/results and benchmarks/README.md."""
    session.install(".[cli]", "vocode-api", "matplotlib")
    session.run("python", "benchmarks/run.py", *(session.posargs or ["all"]))


DOCS_OUT = Path("build/docs")


@nox.session(reuse_venv=True)
def docs(session: nox.Session) -> None:
    """The reference and guides as static HTML in build/docs/html (any warning fails), then
    screenshots of two pages, checked, with headless Chromium (skipped when it is absent).
    Its environment is kept between runs and installed again only when pyproject.toml or
    the version changed (the package is installed editable: code changes need nothing)."""
    _install_unless_done(session, "-e", ".[docs]")
    html = DOCS_OUT / "html"
    shutil.rmtree(html, ignore_errors=True)
    session.run("sphinx-build", "-E", "-W", "--keep-going", "-q", "-b", "html", "docs", str(html))
    session.run("python", "docs/screenshots.py", str(html), str(DOCS_OUT / "screenshots"))
    session.log(f"open {(html / 'index.html').resolve().as_uri()}")


@nox.session
def build(session: nox.Session) -> None:
    """sdist and wheel in dist/, `twine check`, then a fresh venv that installs only the
    wheel: import it (the library alone), then with the `cli` extra run
    `vocode-async --version` and the demo export."""
    session.install("build>=1.2", "twine>=5")
    shutil.rmtree("dist", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "dist")  # the wheel is built from the sdist
    session.run("twine", "check", "--strict", *map(str, Path("dist").iterdir()))
    version = _version()
    wheel = Path(f"dist/vocode_async-{version}-py3-none-any.whl").resolve()
    if not wheel.is_file() or not Path(f"dist/vocode_async-{version}.tar.gz").is_file():
        session.error(f"expected the sdist and wheel of version {version} in dist/")
    with tempfile.TemporaryDirectory() as tmp:
        session.chdir(tmp)  # so nothing can be imported from the source tree
        session.run("python", "-m", "venv", "venv")
        bin_dir = Path(tmp, "venv", "bin")
        session.run(bin_dir / "pip", "install", "--quiet", str(wheel), external=True)
        imported = session.run(  # the library alone: no click, no rich
            bin_dir / "python", "-I", "-c", _IMPORT_CHECK, external=True, silent=True
        )
        session.run(bin_dir / "pip", "install", "--quiet", f"{wheel}[cli]", external=True)
        printed = session.run(bin_dir / "vocode-async", "--version", external=True, silent=True)
        for text in (imported, printed):
            if not isinstance(text, str) or version not in text:
                session.error(f"expected version {version}, got {text!r}")
        session.run(
            *(bin_dir / "vocode-async", "calls", "export", "--demo", "--quiet"),
            *("--out", "calls.jsonl"),
            external=True,
        )
        lines = Path(tmp, "calls.jsonl").read_text().count("\n")
        if lines != 10_000:
            session.error(f"the demo export wrote {lines} calls, expected 10000")
        session.log(f"the wheel installs alone: {version}, the demo export wrote {lines} calls")


# Run by the wheel's own interpreter (-I: the source tree is not on its path).
_IMPORT_CHECK = """
import vocode_async, vocode_async.models, vocode_async.testing
assert "site-packages" in vocode_async.__file__, vocode_async.__file__
print(vocode_async.__version__)
"""


def _install_unless_done(session: nox.Session, *args: str) -> None:
    """``session.install(*args)``, skipped when this environment already had it with the
    same pyproject.toml and version (a stamp in the environment records what it has)."""
    stamp = Path(str(session.virtualenv.location), ".vocode-installed")
    wanted = hashlib.sha256(repr(args).encode())
    for source in ("pyproject.toml", "vocode_async/_version.py"):
        wanted.update(Path(source).read_bytes())
    if stamp.is_file() and stamp.read_text() == wanted.hexdigest():
        session.log("the environment is up to date: nothing to install")
        return
    session.install(*args)
    stamp.write_text(wanted.hexdigest())


def _version() -> str:
    """The version, read from its one source (vocode_async/_version.py)."""
    text = Path("vocode_async/_version.py").read_text()
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if found is None:
        raise RuntimeError("no __version__ in vocode_async/_version.py")
    return found.group(1)

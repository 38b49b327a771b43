"""The guides' code is real: every Python block of docs/*.md parses (``await`` allowed at the
top, as in a snippet), its imports resolve, a block that is a whole program
(``asyncio.run(...)``) runs as written against the fake server over loopback, and a block
that is a test file runs under pytest in a project of its own (as the README's do).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.test_readme import project, run_against_fake, run_pytest

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
TESTS = [(block_id, source) for block_id, source in BLOCKS if "import pytest" in source]


def test_the_guides_have_code_and_whole_programs() -> None:
    pages = {block_id.rsplit("-", 1)[0] for block_id, _ in BLOCKS}
    assert {"index", "quickstart", "listing", "retries", "testing", "errors"} <= pages
    assert len(PROGRAMS) >= 2
    assert len(TESTS) >= 2


@pytest.mark.parametrize("source", [s for _, s in BLOCKS], ids=[i for i, _ in BLOCKS])
def test_block_parses_and_its_imports_resolve(source: str) -> None:
    tree = compile(source, "<block>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    code = compile(ast.Module(body=imports, type_ignores=[]), "<imports>", "exec")
    exec(code, {})  # ImportError names what the page promises but the package lacks


@pytest.mark.parametrize("source", [s for _, s in PROGRAMS], ids=[i for i, _ in PROGRAMS])
def test_whole_program_runs_against_the_fake(source: str, tmp_path: Path) -> None:
    done = run_against_fake(source, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") >= 120, done.stdout[-2000:]  # one line per call at least


@pytest.mark.parametrize("source", [s for _, s in TESTS], ids=[i for i, _ in TESTS])
def test_test_file_passes_under_pytest(source: str, tmp_path: Path) -> None:
    done = run_pytest(project(tmp_path, source))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "skipped" not in done.stdout, done.stdout


async def test_the_errors_guide_says_what_a_malformed_id_raises() -> None:
    """``calls.get("not-a-uuid")`` is a 422 (as the real API answers, and the fake), not a
    404: the guide quotes the error as the SDK words it and maps it to "not found" in code
    that runs (a test file block)."""
    from vocode_async import UnprocessableEntityError
    from vocode_async.testing import FakeVocodeServer

    async with FakeVocodeServer(api_key=KEY, calls=1) as server, server.client() as client:
        with pytest.raises(UnprocessableEntityError) as caught:
            await client.calls.get("not-a-uuid")
    # after "422 Unprocessable Entity from GET ...", before " (request id ...)"
    said = str(caught.value).split(": ", 1)[1].split(" (request id ")[0]
    assert caught.value.request_id is not None  # the fake sends one: it was cut off above
    assert said == "query.id: Input should be a valid UUID"
    page = (DOCS / "errors.md").read_text()
    assert f"`{said}`" in page
    assert any('"not-a-uuid"' in source for block_id, source in TESTS if "errors" in block_id)


async def test_the_listing_guide_states_resume_page_and_cancelled_as_they_are() -> None:
    """The numbers the guide gives for a finished listing's ``resume_page`` and for
    ``stats.cancelled`` are what the pager does, over loopback against the fake."""
    from vocode_async.testing import FakeVocodeServer

    async def listed(calls: int, **kwargs: object) -> tuple[int, int, int, int]:
        estimated = calls == 2345
        async with (
            FakeVocodeServer(api_key=KEY, calls=calls, estimated_totals=estimated) as server,
            server.client() as client,
        ):
            pager = client.calls.list(size=100, **kwargs)  # type: ignore[arg-type]
            async with pager:
                async for _ in pager:
                    pass
            stats = pager.stats
            return pager.resume_page, stats.cancelled, stats.requests - stats.pages, stats.items

    assert await listed(250) == (3, 0, 0, 250)
    assert await listed(250, max_items=150) == (2, 0, 0, 150)
    assert await listed(0, start_page=1) == (1, 0, 0, 0)
    resume_page, cancelled, sent_past_the_end, items = await listed(2345, prefetch=4)
    assert (resume_page, items) == (24, 2345)  # timing decides how many were sent: <= 4
    assert cancelled > 0 and sent_past_the_end <= min(cancelled, 4), (cancelled, sent_past_the_end)
    page = " ".join((DOCS / "listing.md").read_text().split())
    for said in (
        "**Once a listing has finished** it is the number of the last page read",
        "(3 for 250 calls at `size=100`)",
        "(2 for `max_items=150`)",
        "`start_page` when there was nothing to list",
        "`stats.cancelled` counts the page requests",
        "at most `prefetch` requests sent",
    ):
        assert said in page, said


CODE = re.compile(r"^```[a-z]+\n(.*?)^```$", re.DOTALL | re.MULTILINE)
FITS = 88  # characters of a code line the theme shows at a 1280 px wide window, unscrolled


def test_code_lines_fit_the_page() -> None:
    """A code line longer than the column is cut on the page (it scrolls, unseen)."""
    long = [
        f"{page.relative_to(DOCS)}: {line.strip()[:60]}"
        for page in sorted(DOCS.rglob("*.md"))
        for match in CODE.finditer(page.read_text())
        for line in match.group(1).splitlines()
        if len(line) > FITS
    ]
    assert not long, long


async def test_the_pager_reference_gives_every_attribute_a_type() -> None:
    """autodoc shows a type only for an annotated ``self.x: T = ...``; the others need an
    ``attribute`` with ``:type:`` on the page (``stats`` and ``resume_page`` had none)."""
    import vocode_async._pagination as pagination
    from vocode_async.testing import FakeVocodeServer

    async with FakeVocodeServer(api_key=KEY, calls=1) as server, server.client() as client:
        pager = client.calls.list()
        public = sorted(name for name in vars(pager) if not name.startswith("_"))
    untyped = [name for name in public if not typed(name, pagination.__file__)]
    assert public and not untyped, untyped


def typed(name: str, module: str) -> bool:
    """Annotated where it is assigned (``self.name: T``), or typed on the reference page."""
    source = Path(module).read_text()
    page = (DOCS / "reference" / "pager.md").read_text()
    return bool(
        re.search(rf"^\s+self\.{name}: ", source, re.MULTILINE)
        or re.search(rf"\.\. attribute:: {name}\n\s+:type: \S", page)
    )


def test_the_home_page_links_every_row_and_lists_the_reference_once() -> None:
    """Every row of "Where to go" is a link to a page that exists; the reference pages are
    reached through it (and the sidebar), not repeated as a list below the table."""
    text = (DOCS / "index.md").read_text()
    table = text.split("## Where to go", 1)[1].split("```", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    targets = [re.fullmatch(r".*\| \[[^]]+\]\(([^)]+)\) \|", row) for row in rows[1:]]
    assert all(targets) and len(targets) >= 8, rows
    assert all((DOCS / t.group(1)).is_file() for t in targets if t), targets
    toctrees = re.findall(r"^```\{toctree\}\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert toctrees and all(":hidden:" in tree for tree in toctrees), toctrees

"""Sphinx configuration of the vocode_async reference (built by ``nox -s docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from vocode_async import __version__  # noqa: E402

project = "vocode_async"
author = "vocode_async developers"
copyright = "vocode_async developers"
release = version = __version__

extensions = ["sphinx.ext.autodoc", "myst_parser", "cli_pages", "checks"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "README.md"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_default_options = {"members": True, "undoc-members": True}
add_module_names = False
toc_object_entries_show_parents = "hide"

html_theme = "furo"
html_title = f"vocode_async {__version__}"
html_static_path: list[str] = []

# Every cross-reference to vocode_async must resolve (a renamed class breaks the build).
# Others cannot: no intersphinx inventories offline (Python, aiohttp), and the type
# variables and helpers of private modules have no page.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(?!vocode_async\.).*"),
    (r"py:.*", r"vocode_async\.(.+\.)?_\w+\..*"),
]

"""Look at the built reference as a person would: headless Chromium screenshots, checked.

``python docs/screenshots.py HTML_DIR OUT_DIR`` renders the home page and the AsyncPager
page, saves PNGs in OUT_DIR, and fails unless each shows its content: the rendered page
(after scripts ran) has the expected text, and the picture is not blank (enough pixels
differ from the background). Without Chromium it says so and skips (exit 0): install
Debian's ``chromium`` package to run it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

# page -> words its rendered DOM must contain
PAGES = {
    "index.html": ("vocode_async", "Quickstart", "AsyncVocode"),
    "reference/pager.html": ("AsyncPager", "resume_page", "aclose", "prefetch"),
}
WINDOW = (1280, 1000)
MIN_INK = 0.02  # share of pixels that differ from the page's background


def chromium() -> str | None:
    """The Chromium binary, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def render(browser: str, url: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on ``url`` (no sandbox: CI runs as root)."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        *flags,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def ink(png: Path) -> float:
    """The share of pixels that differ from the most common colour (the background)."""
    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    total = sum(count for count, _ in colours)
    background = max(count for count, _ in colours)
    return (total - background) / total


def check(browser: str, html: Path, out: Path, page: str, words: tuple[str, ...]) -> str:
    """Screenshot one page; raise SystemExit naming what is missing."""
    url = (html / page).resolve().as_uri()
    dom = render(browser, url, "--dump-dom").stdout
    missing = [word for word in words if word not in dom]
    if missing:
        raise SystemExit(f"{page}: the rendered page lacks {missing}")
    png = out / (page.replace("/", "-").removesuffix(".html") + ".png")
    render(browser, url, f"--screenshot={png}")
    share = ink(png)
    if share < MIN_INK:
        raise SystemExit(f"{page}: the screenshot {png} looks blank ({share:.1%} ink)")
    return f"{png} ({share:.0%} of pixels drawn; text found: {', '.join(words)})"


def main(html: Path, out: Path) -> int:
    """Check every page of PAGES; print where the screenshots are."""
    browser = chromium()
    if browser is None:
        print("screenshots skipped: no chromium found (apt-get install chromium)")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for page, words in PAGES.items():
        print("screenshot:", check(browser, html, out, page, words))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))

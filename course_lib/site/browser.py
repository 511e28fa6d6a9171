"""Serve a built site on 127.0.0.1 and open it in headless Chromium (Debian's ``chromium``).

playwright drives the system's Chromium through ``executable_path``; it never downloads a
browser. :func:`find_chromium` looks at ``COURSE_CHROMIUM``, then ``chromium`` and
``chromium-browser`` on the PATH. The tests' page checks (``tests/site_browser.py``) and
``python -m course_lib.site --screens DIR`` both use these helpers.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

#: Headless, as root in a container, and quiet: no GPU, no QUIC, no background requests.
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
#: Resolves when MathJax has typeset the page; true at once on a page without MathJax.
MATHJAX_READY = """async () => {
  if (!document.querySelector('script[src*="mathjax"]')) return true;
  for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return false;
  await MathJax.startup.promise;
  return true;
}"""


def find_chromium() -> str | None:
    """The Chromium executable: ``$COURSE_CHROMIUM``, else chromium on the PATH, else None."""
    override = os.environ.get("COURSE_CHROMIUM")
    if override:
        return override
    return shutil.which("chromium") or shutil.which("chromium-browser")


def site_pages(site: Path) -> list[str]:
    """The pages to open, relative to the site: the front page, then the notebooks in order."""
    site = Path(site)
    return ["index.html", *sorted(p.name for p in site.glob("[0-9][0-9]_*.html"))]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` from 127.0.0.1 on a free port in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def chromium(executable: str | None = None):
    """A playwright Browser on the system's Chromium (headless)."""
    from playwright.sync_api import sync_playwright

    executable = executable or find_chromium()
    if not executable:
        raise FileNotFoundError(
            "Chromium: expected COURSE_CHROMIUM or chromium on the PATH, found neither "
            "(Debian/Ubuntu: apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page, path: Path) -> Path:
    """Wait for MathJax, then save a full-page PNG of ``page`` at ``path``."""
    page.evaluate(MATHJAX_READY)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return Path(path)


def screenshot_site(site: Path, screens: Path) -> list[Path]:
    """Save a full-page screenshot (1280 wide) of every page of ``site`` into ``screens``."""
    shots = []
    with serve(site) as base, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        for name in site_pages(site):
            page.goto(base + name, wait_until="load")
            shots.append(screenshot(page, Path(screens) / name.replace(".html", ".png")))
        page.close()
    return shots

"""Checks of a built site's pages in headless Chromium, for tests/test_site.py.

:func:`inspect_page` opens one page and gathers everything that can be wrong with it; the
tests assert on the :class:`PageReport`. Requests to any host but 127.0.0.1 are blocked
and recorded (the site must work offline).
"""

from __future__ import annotations

import dataclasses
import html.parser
import urllib.error
import urllib.request
from urllib.parse import unquote, urldefrag, urljoin, urlparse

from course_lib.plotting import check_alt_text
from course_lib.site.browser import MATHJAX_READY, VIEWPORT
from course_lib.site.browser import screenshot as save_screenshot

#: Impacts axe-core reports; the first two fail the test.
FAILING_IMPACTS = ("critical", "serious")

#: axe-core's options. Its stylesheet preload resolves an ``@import`` against the page's URL
#: instead of the stylesheet's (the theme's ``styles/theme.css`` imports ``../basic.css``), so
#: it would request a missing /basic.css; preload serves only the css-orientation-lock rule.
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}

#: Text outside math, code and scripts that is LaTeX MathJax did not typeset.
RAW_LATEX = r"\$|\\[a-zA-Z]+\{|\\\("
_PAGE_FACTS = """async (rawLatex) => {
  const re = new RegExp(rawLatex);
  const skip = 'mjx-container, code, pre, script, style, kbd, samp, textarea, noscript';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (parent && !parent.closest(skip) && re.test(n.textContent))
      raw.push(n.textContent.trim().slice(0, 120));
  }
  const images = Array.from(document.images);
  for (const img of images) img.loading = 'eager';
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return {
    raw_latex: raw,
    merrors: document.querySelectorAll('mjx-merror').length,
    images: images.map(img => ({src: img.getAttribute('src'), complete: img.complete,
                                width: img.naturalWidth, alt: img.getAttribute('alt')})),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  };
}"""

def is_generic_alt(alt: str | None) -> bool:
    """True if ``alt`` is not usable alt text by the course's one rule
    (:func:`course_lib.plotting.check_alt_text`, which ``show()`` applies when a figure is
    stored): missing, "Figure 1", a file name, matplotlib's ``<Figure size ...>``, or too
    short to say what the picture shows."""
    try:
        check_alt_text(alt, where="<img alt>")
    except (TypeError, ValueError):
        return True
    return False


@dataclasses.dataclass(repr=False)
class PageReport:
    url: str
    console_errors: list[str] = dataclasses.field(default_factory=list)
    failed_requests: list[str] = dataclasses.field(default_factory=list)
    offsite_requests: list[str] = dataclasses.field(default_factory=list)
    mathjax_ready: bool = True
    raw_latex: list[str] = dataclasses.field(default_factory=list)
    merrors: int = 0
    broken_images: list[str] = dataclasses.field(default_factory=list)
    bad_alt: list[str] = dataclasses.field(default_factory=list)
    links: list[str] = dataclasses.field(default_factory=list)
    violations: list[dict] = dataclasses.field(default_factory=list)

    def __repr__(self) -> str:
        return f"PageReport({self.url!r})"

    def serious_violations(self) -> list[dict]:
        return [v for v in self.violations if v.get("impact") in FAILING_IMPACTS]

    def other_violations(self) -> list[dict]:
        return [v for v in self.violations if v.get("impact") not in FAILING_IMPACTS]


def describe(violations: list[dict]) -> str:
    """One line per axe violation: impact, rule, count, and the first offending element."""
    lines = []
    for v in violations:
        first = v["nodes"][0] if v.get("nodes") else {}
        lines.append(f"  {v.get('impact')}: {v['id']} ({len(v.get('nodes', []))}x) "
                     f"{v.get('help', '')}; e.g. {first.get('target')} "
                     f"{first.get('html', '')[:160]}")
    return "\n".join(lines)


def new_context(browser, viewport=None):
    """A browser context whose requests to hosts other than 127.0.0.1 are aborted and kept
    in ``context.offsite``."""
    context = browser.new_context(viewport=viewport or VIEWPORT)
    context.offsite = []

    def route(route):
        url = route.request.url
        if urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            context.offsite.append(url)
            route.abort()

    context.route("**/*", route)
    return context


def inspect_page(context, url: str, axe=None, screenshot=None) -> PageReport:
    """Open ``url`` in a new page of ``context`` and report what is wrong with it."""
    report = PageReport(url)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and report.console_errors.append(m.text))
    page.on("pageerror", lambda e: report.console_errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: report.failed_requests.append(
        f"{r.url}: {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and report.failed_requests.append(
        f"{r.url}: HTTP {r.status}"))
    start = len(context.offsite)
    try:
        page.goto(url, wait_until="load")
        report.mathjax_ready = bool(page.evaluate(MATHJAX_READY))
        facts = page.evaluate(_PAGE_FACTS, RAW_LATEX)
        report.raw_latex = facts["raw_latex"]
        report.merrors = facts["merrors"]
        report.links = facts["links"]
        for img in facts["images"]:
            if not img["complete"] or img["width"] == 0:
                report.broken_images.append(img["src"])
            if is_generic_alt(img["alt"]):
                report.bad_alt.append(f"{img['src']}: alt={img['alt']!r}")
        if axe is not None:
            report.violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
        if screenshot is not None:
            save_screenshot(page, screenshot)
    finally:
        page.close()
    report.offsite_requests = context.offsite[start:]
    return report


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value or "")


def broken_links(base: str, links: list[str]) -> list[str]:
    """The links under ``base`` that do not answer HTTP 200, or whose #anchor is not an id
    on the target page."""
    broken = []
    pages: dict[str, set[str] | str] = {}
    for link in sorted(set(links)):
        if not link.startswith(base):
            continue
        target, anchor = urldefrag(link)
        anchor = unquote(anchor)
        if target not in pages:
            try:
                with urllib.request.urlopen(target, timeout=30) as response:
                    body = response.read()
                    kind = response.headers.get_content_type()
                parser = _Ids()
                if kind == "text/html":
                    parser.feed(body.decode("utf-8", "replace"))
                pages[target] = parser.ids
            except (urllib.error.URLError, OSError) as exc:
                pages[target] = f"{exc}"
        found = pages[target]
        if isinstance(found, str):
            broken.append(f"{link}: {found}")
        elif anchor and anchor not in found:
            broken.append(f"{link}: no element with id {anchor!r} on {target}")
    return broken


def page_url(base: str, name: str) -> str:
    return urljoin(base, name)

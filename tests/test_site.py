"""The course as a website (python -m course_lib.site): built offline from the stored
outputs, then every page opened in headless Chromium.

The site is built once per session. Each page must show no console error, make no request
that fails or leaves 127.0.0.1, have MathJax typeset every formula (no raw LaTeX, no
MathJax error), load every image, give every image an alt text that describes it, link only
to pages and anchors that exist, and have no serious or critical axe-core violation.
Without Chromium the browser tests are skipped with the reason, unless
COURSE_REQUIRE_BROWSER=1 (CI), which makes them fail. Screenshots of every page go to
$COURSE_SITE_SCREENS, or to a temporary folder whose path is printed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from site_browser import broken_links, describe, inspect_page, is_generic_alt, new_context

from course_lib.site import build, stage
from course_lib.site.browser import chromium, find_chromium, serve

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = ["index", *NOTEBOOKS]
ALT = "A straight line rising from the lower left to the upper right corner."


def _need_chromium() -> str:
    path = find_chromium()
    if path is None:
        reason = ("no Chromium (set COURSE_CHROMIUM, or apt-get install chromium): "
                  "the site's browser checks did not run")
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"COURSE_REQUIRE_BROWSER=1 but {reason}")
        print(reason)
        pytest.skip(reason)
    return path


def _build(out: Path, notebooks: Path | None = None) -> float:
    """Build the site with the README's command into ``out``; return the seconds taken."""
    command = [sys.executable, "-m", "course_lib.site", "--out", str(out)]
    if notebooks is not None:
        command += ["--notebooks", str(notebooks)]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL, timeout=900)
    assert proc.returncode == 0, f"the site build failed:\n{proc.stdout}\n{proc.stderr}"
    print(proc.stdout.strip())
    return time.perf_counter() - start


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    _need_chromium()
    out = tmp_path_factory.mktemp("site") / "site"
    seconds = _build(out)
    print(f"site built in {seconds:.1f} s")
    return out


@pytest.fixture(scope="session")
def reports(site, tmp_path_factory):
    """One browser, every page in sequence: {page name: PageReport}, plus the broken links."""
    from axe_playwright_python.sync_playwright import Axe

    screens = Path(os.environ.get("COURSE_SITE_SCREENS") or tmp_path_factory.mktemp("screens"))
    screens.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    result = {}
    axe = Axe()
    with serve(site) as base, chromium() as browser:
        context = new_context(browser)
        for name in PAGES:
            result[name] = inspect_page(context, f"{base}{name}.html", axe=axe,
                                        screenshot=screens / f"{name}.png")
        links = [link for report in result.values() for link in report.links]
        result["links"] = broken_links(base, links)
        context.close()
    print(f"{len(PAGES)} pages checked in {time.perf_counter() - start:.1f} s; "
          f"screenshots in {screens}")
    return result


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly(reports, name):
    report = reports[name]
    assert report.console_errors == [], f"{name}: console errors {report.console_errors}"
    assert report.failed_requests == [], f"{name}: failed requests {report.failed_requests}"
    assert report.offsite_requests == [], (
        f"{name}: requests that left 127.0.0.1 (the site must work offline): "
        f"{report.offsite_requests}")


@pytest.mark.parametrize("name", PAGES)
def test_every_formula_is_typeset(reports, name):
    report = reports[name]
    assert report.mathjax_ready, f"{name}: MathJax did not finish"
    assert report.raw_latex == [], f"{name}: LaTeX left as text: {report.raw_latex}"
    assert report.merrors == 0, f"{name}: {report.merrors} MathJax errors"


def _image_cells(stem: str) -> dict[str, int]:
    """{sha256 of an image output: its cell's index} for a notebook (the site names each
    image file by the hash of its bytes)."""
    notebook = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text("utf-8"))
    return {hashlib.sha256(base64.b64decode(output["data"]["image/png"])).hexdigest(): i
            for i, cell in enumerate(notebook["cells"]) for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})}


@pytest.mark.parametrize("name", PAGES)
def test_every_image_loads_and_has_alt_text(reports, name):
    report = reports[name]
    assert report.broken_images == [], f"{name}: broken images {report.broken_images}"
    cells = _image_cells(name) if name != "index" else {}
    missing = [f"cell {cells[m.group(1)]}" if (m := re.search(r"([0-9a-f]{64})\.png:", bad))
               and m.group(1) in cells else bad for bad in report.bad_alt]
    assert missing == [], (
        f"{name}: images without a descriptive alt text (the image output's "
        f"metadata['image/png']['alt']), by cell index from 0: {', '.join(missing)}")


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violation(reports, name):
    report = reports[name]
    serious = report.serious_violations()
    assert serious == [], (
        f"{name}: axe-core found serious or critical violations:\n{describe(serious)}\n"
        f"and lesser ones:\n{describe(report.other_violations())}")
    # The course's pages have none of the lesser ones either; keep it so.
    assert report.other_violations() == [], (
        f"{name}: axe-core found moderate or minor violations:\n"
        f"{describe(report.other_violations())}")


def test_every_internal_link_resolves(reports):
    assert reports["links"] == [], "broken internal links:\n" + "\n".join(reports["links"])


# --- the site build itself, without a browser --------------------------------------------

def _figure_notebook(folder: Path, alt: str | None) -> Path:
    """A one-figure notebook whose image output carries ``alt`` in its metadata."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    output = {"output_type": "display_data", "metadata": {},
              "data": {"image/png": base64.b64encode(buffer.getvalue()).decode(),
                       "text/plain": alt or "<Figure size 200x150 with 1 Axes>"}}
    if alt is not None:
        output["metadata"] = {"image/png": {"alt": alt}}
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)",
                                    "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "cells": [
            {"cell_type": "markdown", "id": "t", "metadata": {},
             "source": "# 01 · A test page\n\nThe line $y = x$ on $[0, 1]$.\n"},
            {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1,
             "source": "show(fig)", "outputs": [output]}]}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "01_test.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def test_the_alt_text_of_an_image_output_reaches_the_img_tag(tmp_path):
    notebook = _figure_notebook(tmp_path / "nb", ALT)
    before = notebook.read_bytes()
    _build(tmp_path / "site", tmp_path / "nb")
    page = (tmp_path / "site" / "01_test.html").read_text(encoding="utf-8")
    assert re.findall(r'<img alt="([^"]*)"', page) == [ALT]
    assert "_notebooks" not in page and "Download this notebook (01_test.ipynb)" in page
    downloads = list((tmp_path / "site" / "_downloads").rglob("01_test.ipynb"))
    assert [d.read_bytes() for d in downloads] == [before], "the download is the notebook"
    assert notebook.read_bytes() == before, "the build must not change the notebook"
    offsite = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="(https?://[^"]*)"', page)
    assert offsite == [], f"the page loads from the internet: {offsite}"


def test_the_front_page_is_the_readme_with_links_to_the_pages(tmp_path):
    stems = stage(ROOT / "notebooks", tmp_path)
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert stems == NOTEBOOKS
    assert index.startswith("# Activation Functions in Neural Networks")
    assert "## Table of contents" in index and "## Set up" not in index
    assert "](notebooks/" not in index
    for stem in stems:
        assert f"]({stem}.ipynb)" in index and f"\n{stem}\n" in index  # table and toctree
    for stem in stems:
        staged = json.loads((tmp_path / f"{stem}.ipynb").read_text(encoding="utf-8"))
        assert staged["cells"][0]["source"].startswith("# ")
        assert f"(path:{build.ORIGINALS}/{stem}.ipynb)" in staged["cells"][0]["source"]


def test_a_folder_of_other_notebooks_gets_links_instead_of_the_table(tmp_path):
    _figure_notebook(tmp_path / "nb", ALT)
    assert stage(tmp_path / "nb", tmp_path / "src") == ["01_test"]
    index = (tmp_path / "src" / "index.md").read_text(encoding="utf-8")
    assert "| 01 |" not in index and "- [01_test](01_test.ipynb)" in index


def test_bad_folders_are_refused_with_the_argument_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="notebook_dir: expected a folder with"):
        stage(tmp_path, tmp_path / "src")
    (tmp_path / "notes.txt").write_text("not a site", encoding="utf-8")
    with pytest.raises(FileExistsError, match="out: expected a new folder or an earlier site"):
        build.build_site(tmp_path, ROOT / "notebooks")
    assert (tmp_path / "notes.txt").exists()


def test_no_stored_notebook_shows_a_reference_solution():
    calls = []
    for stem in NOTEBOOKS:
        notebook = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text("utf-8"))
        for i, cell in enumerate(notebook["cells"]):
            lines = "".join(cell["source"]).splitlines() if cell["cell_type"] == "code" else []
            if any(re.match(r"\s*[^#\s].*\bsolution\(", ln) and "import" not in ln
                   for ln in lines):
                calls.append(f"{stem} cell {i}")
    assert calls == [], f"cells that call solution(): {calls}"


@pytest.mark.parametrize("alt, generic", [
    (ALT, False), (None, True), ("", True), ("  ", True), ("Figure 1", True),
    ("fig. 3", True), ("<Figure size 640x480 with 1 Axes>", True),
    ("_images/78def63c.png", True), ("loss.png", True), ("_images/78def63c", True),
    ("The derivative peaks at 1/4 at x = 0", False),
    ("Training loss of ReLU and tanh over 20 epochs", False)])
def test_generic_alt_texts_are_recognised(alt, generic):
    assert is_generic_alt(alt) is generic


# --- the checker fails on a bad page -------------------------------------------------------

BAD_PAGE = """<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body><main>
<h1>A bad page</h1><p>Raw math: $x^2$ and \\frac{1}{2}.</p>
<img src="missing.png" alt="A plot of nothing in particular, for the test">
<img src="good.png">
<a href="missing.html">a missing page</a> <a href="#nowhere">a missing anchor</a>
<a href="bad.html#here">a good anchor</a><span id="here"></span>
<p style="color: #bbbbbb; background: #ffffff">faint grey text</p>
<script>console.error("boom")</script>
<img src="https://example.org/x.png" alt="a picture from the internet, never fetched">
</main></body></html>"""


def test_the_page_checker_finds_what_is_wrong(tmp_path):
    _need_chromium()
    from axe_playwright_python.sync_playwright import Axe

    (tmp_path / "bad.html").write_text(BAD_PAGE, encoding="utf-8")
    notebook = _figure_notebook(tmp_path / "nb", ALT)
    png = json.loads(notebook.read_text())["cells"][1]["outputs"][0]["data"]["image/png"]
    (tmp_path / "good.png").write_bytes(base64.b64decode(png))
    with serve(tmp_path) as base, chromium() as browser:
        context = new_context(browser)
        report = inspect_page(context, base + "bad.html", axe=Axe())
        links = broken_links(base, report.links)
        context.close()
    assert report.raw_latex == ["Raw math: $x^2$ and \\frac{1}{2}."]
    assert [src for src in report.broken_images if "missing" in src] == ["missing.png"]
    assert report.bad_alt == ["good.png: alt=None"]
    assert "boom" in report.console_errors
    assert any("missing.png: HTTP 404" in r for r in report.failed_requests)
    assert report.offsite_requests == ["https://example.org/x.png"]
    assert sorted(link.removeprefix(base).split(":")[0] for link in links) == [
        "bad.html#nowhere", "missing.html"]
    serious = {v["id"] for v in report.serious_violations()}
    assert {"image-alt", "color-contrast"} <= serious, describe(report.violations)

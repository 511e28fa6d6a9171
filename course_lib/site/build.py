"""Stage the notebooks and the README into a Sphinx source folder and build the site."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
README = ROOT / "README.md"
DEFAULT_OUT = ROOT / "_build" / "site"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
#: The MathJax component the pages load (sphinx-mathjax-offline's ``mathjax_path``).
MATHJAX_ENTRY = "tex-chtml.js"
#: Where the staged copies keep the untouched notebook files that the download links offer.
ORIGINALS = "_notebooks"

#: The markdown cell put at the top of each staged notebook (its source is set per notebook).
DOWNLOAD_CELL = {"cell_type": "markdown", "id": "course-site-download", "metadata": {}}
_README_LINK = re.compile(r"\]\(notebooks/(\d\d_[A-Za-z0-9_]+)\.ipynb\)")
_TOC_ROW = re.compile(r"^\|.*\]\(notebooks/(\d\d_[A-Za-z0-9_]+)\.ipynb\)")


def _sections(readme: str) -> tuple[str, str]:
    """The README's introduction (before its first ``##``) and its table of contents."""
    intro, _, rest = readme.partition("\n## ")
    toc = ""
    for section in ("## " + rest).split("\n## "):
        if section.removeprefix("## ").startswith("Table of contents"):
            toc = "## " + section.removeprefix("## ")
    return intro.rstrip() + "\n", toc.rstrip() + "\n"


def index_markdown(readme: str, stems: Sequence[str]) -> str:
    """The front page: the README's introduction and table of contents, linked to the pages.

    Rows of the table whose notebook is not among ``stems`` are left out; notebooks that the
    table does not list get a plain list of links. A hidden toctree orders the pages.
    """
    intro, toc = _sections(readme)
    lines = []
    listed = set()
    for line in toc.splitlines():
        match = _TOC_ROW.match(line)
        if match and match.group(1) not in stems:
            continue
        if match:
            listed.add(match.group(1))
        lines.append(line)
    if not listed:  # none of the table's notebooks is here: keep the heading, not the table
        lines = [line for line in lines if not line.startswith("|")]
    toc = "\n".join(lines) + "\n"
    extra = [stem for stem in stems if stem not in listed]
    if extra:
        toc += "\n" + "".join(f"- [{stem}]({stem}.ipynb)\n" for stem in extra)
    body = _README_LINK.sub(r"](\1.ipynb)", intro + "\n" + toc)
    toctree = "\n```{toctree}\n:hidden:\n:maxdepth: 1\n\n" + "".join(
        f"{stem}\n" for stem in stems) + "```\n"
    return body + toctree


def _with_download_link(notebook: dict, name: str) -> dict:
    """A copy of ``notebook`` whose title is followed by a link to download ``name``."""
    link = f"[Download this notebook ({name})](path:{ORIGINALS}/{name})"
    cells = list(notebook["cells"])
    first = cells[0] if cells else None
    source = "".join(first["source"]) if first else ""
    if first and first["cell_type"] == "markdown" and source.startswith("# "):
        title, _, rest = source.partition("\n")
        head = {**DOWNLOAD_CELL, "source": f"{title}\n\n{link}\n"}
        cells[0] = {**first, "source": rest.lstrip("\n")}
        cells.insert(0, head)
    else:
        cells.insert(0, {**DOWNLOAD_CELL, "source": link + "\n"})
    return {**notebook, "cells": cells}


#: The sidebar's ``course-title.html``: the theme's logo and title inside a navigation
#: landmark (sphinx_conf's html_sidebars uses it in place of the theme's navbar-logo.html).
COURSE_TITLE_TEMPLATE = (
    '<nav class="course-title" aria-label="Course home">{% include "navbar-logo.html" %}</nav>\n')


def _table_corners_as_cells(notebook: dict) -> dict:
    """A copy of ``notebook`` whose HTML tables have no empty header cell.

    pandas writes the corner above the row labels (and an unnamed index's header) as an empty
    ``<th></th>``; a header that names nothing confuses a screen reader (axe:
    empty-table-header), so the page shows it as an ordinary empty ``<td></td>``.
    """
    def fix(output: dict) -> dict:
        html = output.get("data", {}).get("text/html")
        if html is None:
            return output
        text = "".join(html) if isinstance(html, list) else html
        return {**output, "data": {**output["data"], "text/html": text.replace(
            "<th></th>", "<td></td>")}}

    cells = [{**cell, "outputs": [fix(o) for o in cell["outputs"]]} if "outputs" in cell
             else cell for cell in notebook["cells"]]
    return {**notebook, "cells": cells}


def stage(notebook_dir: Path, source_dir: Path, readme: Path = README) -> list[str]:
    """Write a Sphinx source folder for the notebooks of ``notebook_dir`` into ``source_dir``.

    Returns the page names. The repository's notebooks are only read.
    """
    paths = sorted(Path(notebook_dir).glob(NOTEBOOK_GLOB))
    if not paths:
        raise FileNotFoundError(
            f"notebook_dir: expected a folder with notebooks named {NOTEBOOK_GLOB}, "
            f"got {notebook_dir} with none")
    source_dir = Path(source_dir)
    (source_dir / ORIGINALS).mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copyfile(path, source_dir / ORIGINALS / path.name)
        notebook = json.loads(path.read_text(encoding="utf-8"))
        staged = _with_download_link(_table_corners_as_cells(notebook), path.name)
        (source_dir / path.name).write_text(json.dumps(staged, indent=1), encoding="utf-8")
    stems = [path.stem for path in paths]
    text = index_markdown(Path(readme).read_text(encoding="utf-8"), stems)
    (source_dir / "index.md").write_text(text, encoding="utf-8")
    (source_dir / "_templates").mkdir(exist_ok=True)
    (source_dir / "_templates" / "course-title.html").write_text(
        COURSE_TITLE_TEMPLATE, encoding="utf-8")
    (source_dir / "conf.py").write_text(
        "from course_lib.site.sphinx_conf import *  # noqa: F403\n", encoding="utf-8")
    return stems


def _clear(out: Path) -> None:
    """Empty ``out`` if it holds an earlier site; refuse to empty any other folder."""
    if not out.exists():
        return
    if not out.is_dir() or (any(out.iterdir()) and not (out / ".buildinfo").exists()):
        raise FileExistsError(
            f"out: expected a new folder or an earlier site (with .buildinfo), got {out}")
    shutil.rmtree(out)


def site_size(out: Path) -> int:
    """Bytes in the files of the site folder ``out``."""
    return sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())


def build_site(out: Path = DEFAULT_OUT, notebook_dir: Path = NOTEBOOK_DIR,
               readme: Path = README, quiet: bool = True) -> Path:
    """Build the site into ``out`` with warnings as errors; return the path of index.html."""
    from sphinx.cmd.build import build_main

    out = Path(out).resolve()
    _clear(out)
    with tempfile.TemporaryDirectory(prefix="course-site-") as tmp:
        source = Path(tmp) / "src"
        stage(notebook_dir, source, readme)
        args = ["-b", "html", "-W", "--keep-going", "-E", "-d", str(Path(tmp) / "doctrees"),
                *(["-q"] if quiet else []), str(source), str(out)]
        status = build_main(args)
    if status != 0:
        raise RuntimeError(f"Sphinx failed (exit status {status}); its messages are above")
    _prune_mathjax(out / "_static" / "mathjax")
    return out / "index.html"


def _prune_mathjax(folder: Path, entry: str = MATHJAX_ENTRY) -> None:
    """Remove MathJax's other combined entry points (SVG output, MathML input, the full
    bundles: about 13 MB) from the site. The pages load ``entry`` only, and it loads the
    components it needs from the subfolders, which stay."""
    for path in folder.glob("*.js"):
        if path.name != entry:
            path.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course_lib.site", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder to write the site into (default: _build/site)")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOK_DIR,
                        help="folder of NN_*.ipynb notebooks (default: notebooks/)")
    parser.add_argument("--screens", type=Path, default=None,
                        help="also save a full-page screenshot of every page here (Chromium)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    index = build_site(args.out, args.notebooks)
    seconds = time.perf_counter() - start
    size = site_size(index.parent)
    print(f"built {index} in {seconds:.1f} s; the site takes {size / 1e6:.1f} MB")
    print(f"read it: python -m http.server -d {index.parent} then open http://127.0.0.1:8000/")
    if args.screens is not None:
        from course_lib.site.browser import screenshot_site

        shots = screenshot_site(index.parent, args.screens)
        print(f"saved {len(shots)} screenshots in {args.screens}")
    return 0

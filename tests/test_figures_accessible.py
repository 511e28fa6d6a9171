"""Figures everyone can read: alt text on every stored figure, white backgrounds, and
a plot style that tells lines apart without colour.

The stored notebooks are what learners open and what the course's website is built from,
so these tests read them, not a fresh run.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import matplotlib
import matplotlib.image as mpimg
import numpy as np
import pytest

from course_lib.plotting import COURSE_COLORS, COURSE_LINESTYLES, COURSE_RC, check_alt_text

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _images(path: Path):
    """(cell index, output) for every stored output that holds an image."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if any(key.startswith("image/") for key in data):
                yield index, output


def test_every_notebook_has_figures():
    counts = {p.name: len(list(_images(p))) for p in NOTEBOOKS}
    assert len(counts) == 15
    assert all(n > 0 for n in counts.values()), counts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_stored_figure_has_alt_text(path):
    """Each image output carries usable alt text in its metadata, also as its plain text."""
    problems, seen = [], set()
    for index, output in _images(path):
        alt = output.get("metadata", {}).get("image/png", {}).get("alt")
        try:
            text = check_alt_text(alt, where=f"cell {index}")
        except (TypeError, ValueError) as exc:
            problems.append(str(exc))
            continue
        plain = output["data"].get("text/plain")
        plain = "".join(plain) if isinstance(plain, list) else plain  # nbformat's line list
        if plain != text:
            problems.append(f"cell {index}: text/plain is not the alt text")
        if text in seen:
            problems.append(f"cell {index}: alt text repeats an earlier figure's: {text!r}")
        seen.add(text)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_stored_figure_has_a_white_background(path):
    """Transparent or dark figures vanish in JupyterLab's dark theme: corners are white."""
    problems = []
    for index, output in _images(path):
        png = base64.b64decode(output["data"]["image/png"])
        pixels = mpimg.imread(io.BytesIO(png), format="png")
        corners = np.array([pixels[0, 0], pixels[0, -1], pixels[-1, 0], pixels[-1, -1]])
        if corners.shape[1] == 4 and not np.all(corners[:, 3] == 1.0):
            problems.append(f"cell {index}: transparent corner")
        elif not np.all(corners[:, :3] == 1.0):
            problems.append(f"cell {index}: corner not white: {corners[:, :3].tolist()}")
    assert not problems, "\n".join(problems)


def test_no_notebook_displays_a_figure_without_alt_text():
    """``plt.show()`` would store a figure without alt text; cells end with ``show()``."""
    offenders = []
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code" and "plt.show(" in "".join(cell["source"]):
                offenders.append(f"{path.name} cell {index}")
    assert not offenders, offenders


@pytest.mark.parametrize("alt", [
    None, 3, b"Line plot of relu for x from -3 to 3", "", "   ", "Figure 1", "figure 2:",
    "Fig. 3", "plot", "<Figure size 700x400 with 1 Axes>", "relu.png", "ReLU curve",
    "Figure 4 shows ReLU and its derivative on a grid", "x " * 400,
])
def test_unusable_alt_text_is_refused(alt):
    with pytest.raises((TypeError, ValueError), match="alt"):
        check_alt_text(alt)


def test_style_tells_lines_apart_by_line_style_as_well_as_colour():
    cycle = COURSE_RC["axes.prop_cycle"].by_key()
    assert cycle["color"] == list(COURSE_COLORS)
    assert len(set(map(str, cycle["linestyle"]))) == len(COURSE_COLORS) == len(COURSE_LINESTYLES)
    for key in ("figure.facecolor", "axes.facecolor", "savefig.facecolor"):
        assert COURSE_RC[key] == "white"


def _srgb_to_linear(c):
    c = np.asarray(c, dtype=float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb):
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                  [0.0193, 0.1192, 0.9505]])
    xyz = linear_rgb @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]),
                     200 * (f[:, 1] - f[:, 2])], axis=1)


# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
_CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}


@pytest.mark.parametrize("vision", ["normal", *_CVD])
def test_the_first_six_colours_stay_distinct_under_colour_vision_deficiency(vision):
    """The lines a figure usually has (up to six) differ by CIELAB distance > 10 even
    under simulated protanopia, deuteranopia and tritanopia (Machado et al. 2009)."""
    rgb = np.array([[int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)] for h in COURSE_COLORS[:6]])
    linear = _srgb_to_linear(rgb)
    if vision != "normal":
        linear = np.clip(linear @ np.array(_CVD[vision]).T, 0, 1)
    lab = _lab(linear)
    distance = np.linalg.norm(lab[:, None] - lab[None], axis=-1)
    closest = distance[np.triu_indices(len(lab), 1)].min()
    assert closest > 10, f"two colours differ by only {closest:.1f} under {vision}"


def test_show_stores_the_alt_text_with_one_white_png_in_a_kernel():
    """Run show() in a real kernel: one output, alt in metadata and as plain text."""
    import nbformat
    from nbclient import NotebookClient

    alt = "Line plot of y = x squared for x from -1 to 1, a parabola with its minimum at 0"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import matplotlib.pyplot as plt\n"
        "from course_lib.plotting import show, use_course_style\n"
        "use_course_style()\n"
        "fig, ax = plt.subplots()\n"
        "ax.plot([-1, 0, 1], [1, 0, 1])\n"
        f"show(fig, alt={alt!r})\n"
        "print(plt.get_fignums())"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nshow(ax, alt='Figure 2')")]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = nb.cells[0].outputs
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, outputs
    assert images[0]["metadata"]["image/png"]["alt"] == alt
    assert images[0]["data"]["text/plain"] == alt
    pixels = mpimg.imread(io.BytesIO(base64.b64decode(images[0]["data"]["image/png"])))
    assert np.all(pixels[0, 0, :3] == 1.0)
    assert [o.get("text") for o in outputs if o["output_type"] == "stream"] == ["[]\n"]
    error = [o for o in nb.cells[1].outputs if o["output_type"] == "error"]
    assert error and error[0]["ename"] == "ValueError" and "alt" in error[0]["evalue"]
    assert not any("image/png" in o.get("data", {}) for o in nb.cells[1].outputs)


@pytest.mark.parametrize("fig", [None, "fig", np.zeros(3)])
def test_show_refuses_what_is_not_a_figure(fig):
    from course_lib.plotting import show

    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        show(fig, alt="A line plot of nothing at all for this test")

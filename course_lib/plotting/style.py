"""The course's look for matplotlib: one colour-blind-safe palette, readable fonts, PNG."""

from __future__ import annotations

import sys
from typing import Any

import matplotlib as mpl

__all__ = ["COURSE_COLORS", "COURSE_LINESTYLES", "COURSE_RC", "use_course_style"]

#: Okabe & Ito's colour-blind-safe palette (yellow last: it is hard to see on white).
COURSE_COLORS = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)

#: One line style per colour of :data:`COURSE_COLORS`, in the same order.
COURSE_LINESTYLES = (
    "-",
    "--",
    "-.",
    ":",
    (0, (5, 1, 1, 1, 1, 1)),  # dash dot dot
    (0, (8, 2)),  # long dash
    (0, (1, 3)),  # sparse dots
    (0, (3, 1, 1, 1)),  # dense dash dot
)

COURSE_RC: dict[str, Any] = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 100,
    "savefig.format": "png",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.framealpha": 0.9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    # colour and line style change together, so lines differ without colour vision too
    "axes.prop_cycle": (mpl.cycler(color=list(COURSE_COLORS))
                        + mpl.cycler(linestyle=list(COURSE_LINESTYLES))),
    # white, not transparent: figures stay readable in JupyterLab's dark theme
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
}


def use_course_style() -> None:
    """Apply the course's look to matplotlib (and PNG figures in a Jupyter kernel).

    Sets :data:`COURSE_RC` in ``matplotlib.rcParams``. In IPython it also asks the
    inline backend for PNG figures: PNG outputs are not compared by nbval, while
    SVG embeds a date and would never match.
    """
    mpl.rcParams.update(COURSE_RC)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and hasattr(shell, "kernel"):
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")

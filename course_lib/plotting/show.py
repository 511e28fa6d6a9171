"""Display a figure in a notebook with a text alternative (alt text) stored beside it.

Used by: every notebook (each figure cell ends with ``show(fig, alt=...)``).

A figure is a picture; a learner who uses a screen reader, or reads the course as a web
page with images turned off, gets only its text alternative. :func:`show` stores that text
with the figure's output, where JupyterLab and the course's website find it: in the
output's metadata (``metadata["image/png"]["alt"]``) and as its plain-text form (what a
text-only front end shows instead of ``<Figure size 700x400 with 1 Axes>``).

Good alt text says what the figure shows and what to see in it, e.g. "Line plot of ReLU
and its derivative for x from -3 to 3: the derivative jumps from 0 to 1 at x = 0"; not
"Figure 1" and not the code that drew it.
"""

from __future__ import annotations

import io
import re
import sys
from typing import Any

from matplotlib.figure import Figure

__all__ = ["show", "check_alt_text", "MIN_ALT_WORDS", "MAX_ALT_CHARS"]

#: Fewer words than this cannot say what a figure shows.
MIN_ALT_WORDS = 6
#: Longer than this belongs in the text around the figure, not in its alt text.
MAX_ALT_CHARS = 600
#: Alt text that names the image instead of describing it.
_GENERIC = re.compile(
    r"^\s*(figure|fig\.?|plot|image|graph|chart|picture)(\s*\d+)?\s*[:.]?\s*$"
    r"|<Figure size|\.png\b|\.svg\b|^\s*(figure|fig\.?)\s*\d+\b",
    re.IGNORECASE,
)


def check_alt_text(alt: Any, where: str = "show()") -> str:
    """Return ``alt`` with its white space collapsed, or raise if it is not usable alt text.

    >>> check_alt_text("Line plot of  ReLU for x from -3 to 3, zero left of the origin")
    'Line plot of ReLU for x from -3 to 3, zero left of the origin'
    >>> check_alt_text("Figure 1")
    Traceback (most recent call last):
    ...
    ValueError: show(): alt must say what the figure shows, not name it; got 'Figure 1'
    """
    if not isinstance(alt, str):
        raise TypeError(f"{where}: alt must be a str describing the figure; "
                        f"got {type(alt).__name__}")
    text = " ".join(alt.split())
    if _GENERIC.search(text):
        raise ValueError(f"{where}: alt must say what the figure shows, not name it; "
                         f"got {text!r}")
    if len(text.split()) < MIN_ALT_WORDS:
        raise ValueError(f"{where}: alt must say what the figure shows in at least "
                         f"{MIN_ALT_WORDS} words; got {len(text.split())}: {text!r}")
    if len(text) > MAX_ALT_CHARS:
        raise ValueError(f"{where}: alt must be at most {MAX_ALT_CHARS} characters (say the "
                         f"rest in the text beside the figure); got {len(text)}")
    return text


def _figure_of(fig: Any) -> Figure:
    if isinstance(fig, Figure):
        return fig
    owner = getattr(fig, "figure", None)
    if isinstance(owner, Figure):  # an Axes, or any artist on a figure
        return owner
    raise TypeError(f"show(): fig must be a matplotlib Figure or Axes; got {type(fig).__name__}")


def _png(fig: Figure) -> bytes:
    """The figure as PNG, as the notebook's inline backend draws it, on a white background."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", facecolor="white",
                edgecolor="white")
    return buffer.getvalue()


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def show(fig: Any, *, alt: str) -> None:
    """Display ``fig`` with its alt text and close it (a notebook cell's last line).

    In a Jupyter kernel the figure becomes one PNG output whose metadata and plain-text
    form carry ``alt``; elsewhere (a script) ``matplotlib.pyplot.show()`` shows it.

    Parameters
    ----------
    fig
        The ``Figure`` (or an ``Axes`` on it) to display.
    alt
        What the figure shows, in a sentence or two: at least 6 words, at most 600
        characters, not a name such as "Figure 1". Checked before anything is drawn.
    """
    figure = _figure_of(fig)
    import matplotlib.pyplot as plt

    try:
        text = check_alt_text(alt)
    except (TypeError, ValueError):
        plt.close(figure)  # or the notebook would display it anyway, without alt text
        raise

    if not _in_kernel():
        plt.show()
        return
    from IPython.display import display

    try:
        display({"image/png": _png(figure), "text/plain": text}, raw=True,
                metadata={"image/png": {"alt": text}})
    finally:
        plt.close(figure)

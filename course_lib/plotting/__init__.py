"""One consistent look for the course's figures, and the pure functions behind its sliders.

* :mod:`~course_lib.plotting.style` - :func:`use_course_style` (rcParams for every notebook:
  PNG output, readable fonts, a colour-blind-safe colour cycle with a line style per
  colour, white backgrounds, light grid).
* :mod:`~course_lib.plotting.show` - :func:`show`, which displays a figure with its alt
  text (what it shows, for screen readers and the course's website).
* :mod:`~course_lib.plotting.figures` - activation grids, curves, histograms, heat maps,
  decision boundaries.
* :mod:`~course_lib.plotting.explore` - figures of one parameter's effect (a slope, a
  temperature, a gain, a quantisation scale) and :func:`slider`, which puts such a figure
  under ipywidgets sliders.

Every plotting function labels its axes and returns what it drew on; a notebook cell ends
with ``show(fig, alt="what the figure shows")``.
This package is the only part of course_lib that imports matplotlib; ``import course_lib``
does not load it.
"""

from course_lib.plotting.explore import (
    plot_parameter_effect,
    plot_quantization,
    plot_signal_depth,
    plot_softmax_temperature,
    slider,
)
from course_lib.plotting.figures import (
    plot_activations,
    plot_curves,
    plot_decision_boundary,
    plot_function_and_derivative,
    plot_heatmap,
    plot_histograms,
)
from course_lib.plotting.show import check_alt_text, show
from course_lib.plotting.style import COURSE_COLORS, COURSE_LINESTYLES, COURSE_RC, use_course_style

__all__ = [
    "COURSE_COLORS",
    "COURSE_LINESTYLES",
    "COURSE_RC",
    "use_course_style",
    "show",
    "check_alt_text",
    "plot_activations",
    "plot_function_and_derivative",
    "plot_curves",
    "plot_histograms",
    "plot_heatmap",
    "plot_decision_boundary",
    "plot_parameter_effect",
    "plot_softmax_temperature",
    "plot_signal_depth",
    "plot_quantization",
    "slider",
]

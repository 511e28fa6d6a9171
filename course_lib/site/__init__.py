"""The course as a static website, built offline from the notebooks' stored outputs.

Usage (from the repository root)::

    python -m course_lib.site                  # writes _build/site/index.html
    python -m course_lib.site --out DIR --notebooks DIR --screens DIR

Sphinx with myst-nb renders each notebook's committed outputs (nothing is executed) with
sphinx-book-theme; MathJax is copied into the site, so the pages need no network. The front
page is the README's introduction and table of contents. Each page starts with a link to
download its notebook; each figure's ``<img alt>`` is the alt text stored in the image
output's metadata (:mod:`course_lib.site.alt`). ``--screens`` saves a full-page screenshot of
every page with headless Chromium (:mod:`course_lib.site.browser`).
"""

from course_lib.site.build import build_site, stage

__all__ = ["build_site", "stage"]

"""The Sphinx configuration of the course's website (``python -m course_lib.site``).

The staging directory's ``conf.py`` is the single line ``from course_lib.site.sphinx_conf
import *``. Everything here builds offline: myst-nb renders the stored outputs and never
executes a notebook, MathJax is served from the site itself (sphinx-mathjax-offline), and
no widget JavaScript is loaded from a CDN.
"""

from __future__ import annotations

from course_lib.site import alt

project = "Activation Functions in Neural Networks"
author = "the course's authors"
copyright = "the course's authors"
html_title = project

extensions = ["myst_nb", "sphinx-mathjax-offline"]
exclude_patterns = ["_build", "_notebooks", ".doctrees", "**.ipynb_checkpoints"]

# Notebooks: the stored outputs, exactly as committed and checked.
nb_execution_mode = "off"
nb_render_plugin = alt.RENDERER_NAME
nb_render_markdown_format = "myst"  # Markdown outputs hold $...$ formulas
nb_ipywidgets_js: dict = {}  # no widget JavaScript from a CDN
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_dmath_double_inline = True  # $$...$$ inside a paragraph, as Jupyter displays it
# MathJax also typesets $...$ in HTML outputs (tables of formulas), as JupyterLab does.
myst_mathjax_classes = "tex2jax_process|mathjax_process|math|output_area|text_html"
mathjax4_config = {"tex": {"inlineMath": [["$", "$"], ["\\(", "\\)"]]}}
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_theme_options = {
    "use_download_button": False,  # each page has its own link to the notebook file
    "use_fullscreen_button": False,
    "footer_content_items": [],  # no "By ... / © ..." footer line
    "show_toc_level": 2,
    "pygments_light_style": "a11y-high-contrast-light",
    "pygments_dark_style": "a11y-high-contrast-dark",
}
# The sidebar's course title inside a landmark (axe: "all page content in landmarks"); the
# other items are the theme's own. build.stage writes course-title.html into _templates.
templates_path = ["_templates"]
html_sidebars = {"**": ["course-title.html", "icon-links.html", "search-button-field.html",
                        "sbt-sidebar-nav.html"]}
html_show_sourcelink = False
html_copy_source = False
html_show_sphinx = False
html_show_copyright = False
html_last_updated_fmt = None
# The theme's colour mode starts light (an empty mode makes its script log an error); the
# reader's choice of the switch is kept.
html_context = {"default_mode": "light"}


def setup(app):
    alt.install()
    # MathJax on every page: a page whose only formulas are in HTML outputs needs it too.
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

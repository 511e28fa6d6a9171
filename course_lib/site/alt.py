"""Alt text for the site's figures, taken from each image output's own metadata.

The course stores a figure's description with the figure: an image output carries
``output["metadata"]["image/png"]["alt"]``. myst-nb's ``render_image`` reads ``alt`` from the
cell's metadata only, so :class:`AltTextRenderer` sets the ``<img alt>`` from the output's
metadata after the stock renderer has done the rest.

myst-nb chooses its renderer by the name in ``nb_render_plugin``, looked up among the
``myst_nb.renderers`` entry points. :func:`install` lets the name :data:`RENDERER_NAME`
resolve to :class:`AltTextRenderer` for this process and passes every other name on, so the
site build needs no installed entry point; ``sphinx_conf.setup`` calls it.
"""

from __future__ import annotations

from myst_nb import sphinx_ as myst_nb_sphinx
from myst_nb.core.render import MimeData, NbElementRenderer

#: The value of ``nb_render_plugin`` that selects :class:`AltTextRenderer`.
RENDERER_NAME = "course_lib_alt_text"


class AltTextRenderer(NbElementRenderer):
    """myst-nb's default renderer, with the alt text of an image output's metadata."""

    def render_image(self, data: MimeData) -> list:
        result = super().render_image(data)
        alt = output_alt(data.output_metadata, data.mime_type)
        if alt:
            for node in result:
                if node.tagname == "image":
                    node["alt"] = alt
        return result


def output_alt(output_metadata: dict, mime_type: str) -> str | None:
    """The stripped ``alt`` of ``output_metadata[mime_type]``, or None if there is none."""
    alt = (output_metadata or {}).get(mime_type, {}).get("alt")
    if isinstance(alt, str) and alt.strip():
        return " ".join(alt.split())
    return None


def install() -> None:
    """Make :data:`RENDERER_NAME` resolve to :class:`AltTextRenderer` (idempotent)."""
    current = myst_nb_sphinx.load_renderer
    if getattr(current, "course_lib_alt_text", False):
        return

    def load_renderer(name: str) -> type[NbElementRenderer]:
        if name == RENDERER_NAME:
            return AltTextRenderer
        return current(name)

    load_renderer.course_lib_alt_text = True  # type: ignore[attr-defined]
    myst_nb_sphinx.load_renderer = load_renderer

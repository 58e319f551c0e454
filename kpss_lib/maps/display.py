"""Maps in notebooks: shown as self-contained as the saved files.

folium shows a map in JupyterLab as an ``<iframe srcdoc>`` of its page, which links
Leaflet from a CDN: offline the map is blank. Here the frame holds the page as
:func:`kpss_lib.mapio.map_html` writes it, with every script and style embedded, so a
notebook and the report exported from it request nothing from the network.
"""
from __future__ import annotations

import html
import warnings

import folium

from kpss_lib.errors import UnknownValueError
from kpss_lib.mapio import map_html

#: Height of a map frame as a share of its width (folium's default layout).
FRAME_RATIO = "60%"


def frame_html(m: folium.Map, *, ratio: str = FRAME_RATIO) -> str:
    """The map as a responsive ``<iframe srcdoc>`` with Leaflet and all assets embedded.

    Parameters
    ----------
    m : folium.Map
        Any folium map (kpss' or not); its assets must be ones kpss vendors.
    ratio : str, default "60%"
        Frame height as a CSS share of its width.
    """
    page = html.escape(map_html(m), quote=True)
    return ('<div style="width:100%;"><div style="position:relative;width:100%;height:0;'
            f'padding-bottom:{ratio};"><iframe srcdoc="{page}" title="Mapa" style="position:absolute;width:100%;'
            'height:100%;left:0;top:0;border:none !important;" allowfullscreen></iframe></div></div>')


class KpssMap(folium.Map):
    """A :class:`folium.Map` whose notebook display embeds its assets (:func:`frame_html`).

    Every kpss builder returns one, so ``m`` as the last line of a cell shows a map that
    works offline in JupyterLab and in the exported report.
    """

    def _repr_html_(self, **kwargs) -> str:
        try:
            return frame_html(self)
        except UnknownValueError as exc:
            # A plugin kpss does not vendor: show the map as folium would (it needs the network), and say why.
            warnings.warn(f"the map is shown with CDN links: {exc}", stacklevel=2)
            return super()._repr_html_(**kwargs)


class MapDisplay:
    """Wraps any folium map for display in a notebook with its assets embedded (see :func:`show`)."""

    def __init__(self, m: folium.Map, ratio: str = FRAME_RATIO):
        self.map = m
        self.ratio = ratio

    def _repr_html_(self) -> str:
        return frame_html(self.map, ratio=self.ratio)


def show(m: folium.Map, *, ratio: str = FRAME_RATIO) -> MapDisplay:
    """Display a folium map in a notebook with no CDN request: ``maps.show(m)`` as a cell's last line.

    kpss' own maps already display this way; use it for maps made with plain folium
    (``folium.Map(...)``) or to choose the frame's height ``ratio`` (e.g. ``"75%"``).
    """
    return MapDisplay(m, ratio)

"""Folium maps of service coverage: small, self-contained, readable at a glance, comparable across reports.

GeoDataFrame in, :class:`folium.Map` out, no indicator maths. The package is split by concern:

- :mod:`~kpss_lib.maps.builders` – the map builders (:func:`coverage_map`, :func:`choropleth_map`,
  :func:`white_spots_layer`, :func:`outline_layer`, :func:`add_title`, :func:`source_line`);
- :mod:`~kpss_lib.maps.markers` – service places (:func:`service_markers`);
- :mod:`~kpss_lib.maps.styles` – class breaks (:func:`class_breaks`, :func:`shared_breaks`), colour
  scales, the fixed colour of each kind of service (:data:`SERVICE_COLORS`), the legend;
- :mod:`~kpss_lib.maps.basemap` – the empty map (:func:`base_map`) and the offline vector base
  (:func:`vector_base_layer`: main roads, neighbouring ORP);
- :mod:`~kpss_lib.maps.elements` – the page: stylesheet, JS runtime, controls, compact layer payloads;
- :mod:`~kpss_lib.maps.geometry` – simplification and polyline encoding;
- :mod:`~kpss_lib.maps.bands` – fixed travel bands to the nearest service (:func:`travel_band_map`);
- :mod:`~kpss_lib.maps.text` – escaping; the Czech words and numbers come from :mod:`kpss_lib.vocabulary`;
- :mod:`~kpss_lib.maps.display` – notebook display with embedded assets (:func:`show`).

The maps of a study (``kpss map``) are drawn by :func:`kpss_lib.study_maps.study_map`,
which computes the tables through :mod:`kpss_lib.study` and hands them in here.

Why not ``folium.GeoJson`` / ``folium.Choropleth``: they write every property and every style
once per feature, which makes a map of the 6 258 obcí several times larger than it needs to be.
The layers here ship one compact array per feature and build the features in the browser.
All text from the data is HTML-escaped in Python, and every JSON payload is written with
``<``, ``>`` and ``&`` as ``\\u`` escapes, so a provider called ``<script>`` shows as text.
"""
from kpss_lib.mapio import map_html, save_map
from kpss_lib.maps.bands import TRAVEL_BAND_COLORS, TRAVEL_BANDS, travel_band_map
from kpss_lib.maps.basemap import ROAD_STYLES, base_map, vector_base_layer
from kpss_lib.maps.builders import add_title, choropleth_map, coverage_map, outline_layer, source_line, white_spots_layer
from kpss_lib.maps.display import KpssMap, frame_html, show
from kpss_lib.maps.geometry import simplify_units
from kpss_lib.maps.markers import service_markers
from kpss_lib.maps.styles import (DEFAULT_TILES, SCHEMES, SERVICE_COLORS, SHARED_BREAKS_NOTE, WHITE_SPOT_COLOR,
                                  class_breaks, service_color, shared_breaks)

__all__ = [
    "SCHEMES", "SERVICE_COLORS", "SHARED_BREAKS_NOTE", "TRAVEL_BANDS", "TRAVEL_BAND_COLORS",
    "DEFAULT_TILES", "WHITE_SPOT_COLOR", "ROAD_STYLES",
    "class_breaks", "shared_breaks", "service_color", "simplify_units",
    "base_map", "vector_base_layer", "choropleth_map", "service_markers", "white_spots_layer", "outline_layer",
    "add_title", "coverage_map", "travel_band_map", "source_line",
    "show", "frame_html", "KpssMap", "save_map", "map_html",
]

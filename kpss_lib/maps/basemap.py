"""The base of every map: an empty Leaflet map fitted to the territory, and an offline vector base.

Online tiles (OpenStreetMap) stay an option; the vector base is drawn from data kpss
already has (main roads of ArcČR 500 from :func:`kpss_lib.load.roads.load_roads`,
ORP outlines around the territory) and embedded in the file, so a map opened with no
network still shows where things are.
"""
from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import shapely

from kpss_lib.config import CRS_METRIC, CRS_WGS84
from kpss_lib.errors import UnknownValueError
from kpss_lib.maps.display import KpssMap
from kpss_lib.maps.elements import _ensure_style, _FitBounds, _LeafletAssets, _LineLayer, _finish
from kpss_lib.maps.geometry import _bounds, _line_coords, _to_wgs84
from kpss_lib.maps.styles import DEFAULT_TILES
from kpss_lib.maps.text import _esc

#: Road classes drawn by :func:`vector_base_layer`, with line width (px) and the largest
#: extent (km, the longer side) at which the class is still drawn.
ROAD_STYLES: dict[str, tuple[float, float]] = {
    "dálnice": (2.2, 1e9),
    "rychlostní silnice": (2.0, 1e9),
    "silnice I. třídy": (1.4, 1e9),
    "silnice II. třídy": (0.9, 70.0),
}
ROAD_COLOR = "#3d3d3d"


def base_map(
    bounds: gpd.GeoDataFrame | Sequence[Sequence[float]],
    *,
    tiles: str | None = DEFAULT_TILES,
    title: str | None = None,
) -> folium.Map:
    """An empty map fitted to ``bounds`` that loads Leaflet only (no jQuery, Bootstrap, icon fonts).

    Once its layers and controls are added (by the builders, which end with
    ``_finish``), the map refits so that no control covers ``bounds``, shows a metric
    scale bar and keeps its layer control collapsed.

    Parameters
    ----------
    bounds : GeoDataFrame or [[south, west], [north, east]]
        What the map opens on (degrees, EPSG:4326 for a list).
    tiles : str or None, default "OpenStreetMap"
        Base tiles, any name or URL template folium accepts; ``None`` for an offline map
        with a plain background.
    title : str, optional
        Title of the HTML document (browser tab); escaped here.
    """
    if isinstance(bounds, gpd.GeoDataFrame):
        frame = _to_wgs84(bounds, "bounds")
        if frame.empty:
            raise UnknownValueError("cannot fit a map to an empty GeoDataFrame")
        box = _bounds(frame)
    else:
        box = [[float(bounds[0][0]), float(bounds[0][1])], [float(bounds[1][0]), float(bounds[1][1])]]
    center = [(box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2]
    # maxZoom must be set on the map itself: markercluster needs it and an offline map has no tiles to give it.
    m = KpssMap(location=center, zoom_start=8, tiles=None, control_scale=False, zoom_snap=0.25)
    m.options.update(minZoom=5, maxZoom=18)
    # Instance attributes shadow folium's class-level list of CDN assets.
    m.default_js = list(_LeafletAssets.default_js)
    m.default_css = list(_LeafletAssets.default_css)
    if tiles is not None:
        folium.TileLayer(tiles, name="Podkladová mapa", control=False).add_to(m)
    m.add_child(_FitBounds(box), name="kpss_fit_bounds")
    m._kpss_bounds = box  # refitted clear of the controls by the closing script (elements._Chrome)
    if title:
        m.get_root().title = _esc(title)
    _ensure_style(m)
    return m


def _wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    return gpd.GeoSeries([geom], crs=CRS_METRIC).to_crs(CRS_WGS84).iloc[0]


def _extent_box(frame: gpd.GeoDataFrame, margin: float = 0.15) -> tuple[shapely.Geometry, float]:
    """The territory's bounding box in EPSG:5514 grown by ``margin`` of its size, and its longer side in km."""
    minx, miny, maxx, maxy = frame.to_crs(CRS_METRIC).total_bounds
    side = max(maxx - minx, maxy - miny)
    grow = side * margin
    return shapely.box(minx - grow, miny - grow, maxx + grow, maxy + grow), side / 1000.0


def vector_base_layer(
    m: folium.Map,
    territory: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    surroundings: gpd.GeoDataFrame | None = None,
    show_roads: bool = True,
) -> folium.Map:
    """Add a light offline base: main roads over the map, neighbouring ORP outlines around the territory.

    Roads are clipped to the territory's extent (plus 15 %), simplified to about 2/3 of a
    screen pixel and drawn non-interactive above the choropleth; which classes are drawn
    depends on the extent (:data:`ROAD_STYLES`: II. class roads only up to 70 km, i.e. for
    an ORP or a small okres, not for a kraj).

    Parameters
    ----------
    m : folium.Map
        The map to add to.
    territory : GeoDataFrame
        The mapped units (any CRS): they give the extent and are left out of the outlines.
    roads : GeoDataFrame, optional
        Road segments with ``road_class`` (:func:`kpss_lib.load.roads.load_roads`); default
        loaded when the road file is present, else no roads.
    surroundings : GeoDataFrame, optional
        Polygons outlined around the territory (layer "Okolní území"); default the ORP of ČR
        ("Okolní ORP") up to a 70 km extent, else the kraje ("Okolní kraje"). Only their
        borders outside the territory are drawn.
    show_roads : bool, default True
        Whether the road layer is switched on when the map opens (e.g. off over online tiles).
    """
    frame = _to_wgs84(territory, "territory")
    if frame.empty:
        raise UnknownValueError("cannot draw a base around an empty territory")
    box, side_km = _extent_box(frame)
    if roads is None:
        from kpss_lib.load.roads import load_roads, roads_available

        roads = load_roads() if roads_available() else None
    surroundings_name = "Okolní území"
    if surroundings is None:
        from kpss_lib.load.territory import load_kraje, load_orp

        # Around an ORP its neighbouring ORP; around a kraj or more, the neighbouring kraje.
        small = side_km <= ROAD_STYLES["silnice II. třídy"][1]
        surroundings, surroundings_name = (load_orp(), "Okolní ORP") if small else (load_kraje(), "Okolní kraje")
    # Lines need less detail than the choropleth's borders: 2/3 of a screen pixel.
    tolerance = 2 * side_km * 1000 / 3000
    _add_surroundings(m, frame, surroundings, box, tolerance, surroundings_name)
    if roads is not None and len(roads):
        _add_roads(m, roads, box, side_km, tolerance, show_roads)
    return _finish(m)


def _metric(frame: gpd.GeoDataFrame, box: shapely.Geometry) -> gpd.GeoDataFrame:
    """The rows of ``frame`` whose bounding box meets ``box``, in EPSG:5514 (only those are reprojected)."""
    metric = frame if frame.crs is not None and frame.crs.equals(CRS_METRIC) else None
    if metric is None:
        minx, miny, maxx, maxy = gpd.GeoSeries([box], crs=CRS_METRIC).to_crs(frame.crs).total_bounds
        metric = frame.cx[minx:maxx, miny:maxy].to_crs(CRS_METRIC)
    return metric[metric.intersects(box)]


def _add_surroundings(m: folium.Map, frame: gpd.GeoDataFrame, surroundings: gpd.GeoDataFrame,
                      box: shapely.Geometry, tolerance: float, name: str) -> None:
    """Dashed outlines of the polygons around the territory, not over it."""
    territory = np.asarray(frame.to_crs(CRS_METRIC).geometry.array, dtype=object)
    try:
        union = shapely.coverage_union_all(territory)
    except shapely.errors.GEOSException:
        union = shapely.union_all(territory)
    # ORP and obce polygons come from differently generalised files: their borders differ by up to ~300 m.
    inside = shapely.buffer(union, max(1.5 * tolerance, 300.0))
    shapely.prepare(inside)
    around = _metric(surroundings, box)
    geoms = np.asarray(around.geometry.array, dtype=object)
    geoms = geoms[~shapely.contains(inside, geoms)]
    if not len(geoms):
        return
    edges = shapely.union_all(shapely.boundary(geoms))
    outside = shapely.get_parts(shapely.difference(shapely.intersection(edges, box), inside))
    # Slivers along the territory's own border (the two files' borders differ) go.
    outside = outside[shapely.length(outside) > 5 * tolerance]
    if not len(outside):
        return
    lines = _line_coords(_wgs84(shapely.simplify(shapely.multilinestrings(outside), tolerance)))
    if lines:
        style = {"color": "#7a7a7a", "weight": 0.9, "opacity": 0.9, "dashArray": "4 3"}
        m.add_child(_LineLayer({"g": [[lines, style]], "p": "kpss-base", "z": 350}, name=_esc(name)))


def _add_roads(m: folium.Map, roads: gpd.GeoDataFrame, box: shapely.Geometry, side_km: float, tolerance: float,
               show: bool) -> None:
    """The road classes that suit the extent (:data:`ROAD_STYLES`), merged into long lines and simplified."""
    if "road_class" not in roads.columns:
        raise UnknownValueError(f"roads lack the column 'road_class'; columns: {', '.join(map(str, roads.columns))}")
    metric = _metric(roads, box)
    minx, miny, maxx, maxy = box.bounds
    groups = []
    for road_class, (weight, max_km) in ROAD_STYLES.items():
        part = metric[metric["road_class"] == road_class]
        if part.empty or side_km > max_km:
            continue
        clipped = shapely.clip_by_rect(np.asarray(part.geometry.array, dtype=object), minx, miny, maxx, maxy)
        pieces = shapely.get_parts(clipped)
        pieces = pieces[shapely.get_type_id(pieces) == 1]  # LineStrings (a clip may leave points)
        # Segments of one road meet end to end: merging them saves a starting point per segment.
        merged = shapely.line_merge(shapely.multilinestrings(pieces)) if len(pieces) else None
        lines = _line_coords(_wgs84(shapely.simplify(merged, tolerance))) if merged is not None else []
        if lines:
            groups.append([lines, {"color": ROAD_COLOR, "weight": weight, "opacity": 0.5}])
    if groups:
        m.add_child(_LineLayer({"g": groups, "p": "kpss-roads", "z": 430}, name="Hlavní silnice", show=show))

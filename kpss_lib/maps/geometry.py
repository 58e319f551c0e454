"""Geometry for web maps: reprojection, coverage-preserving simplification, compact encoding."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from kpss_lib.config import CRS_METRIC, CRS_WGS84
from kpss_lib.errors import UnknownValueError

_COORD_DECIMALS = 4  # ~7-11 m in CZ: finer than any simplified choropleth border needs
# --------------------------------------------------------------------------- geometry

def _to_wgs84(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise UnknownValueError(f"{what} must be a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise UnknownValueError(f"{what} has no CRS; set it first, e.g. {what}.set_crs('EPSG:4326')")
    return frame if frame.crs.equals(CRS_WGS84) else frame.to_crs(CRS_WGS84)


def simplify_units(units: gpd.GeoDataFrame, tolerance_m: float | None = None) -> gpd.GeoDataFrame:
    """Simplify polygon borders for a web map without gaps or overlaps between neighbours.

    Uses ``shapely.coverage_simplify`` (shared edges are simplified once, identically for
    both neighbours) in EPSG:5514. When the polygons are not a valid coverage (they
    overlap or their shared edges do not match), each polygon is simplified on its own
    with ``preserve_topology``, which may open hairline gaps but never drops a polygon.

    Parameters
    ----------
    units : GeoDataFrame
        Polygons in any CRS.
    tolerance_m : float, optional
        Simplification tolerance in metres; 0 keeps the geometry. Default: 1/3 000 of
        the larger side of the extent (about 160 m for all of CZ, 30 m for a kraj), i.e.
        about a third of a screen pixel when the whole extent is shown.

    Returns
    -------
    GeoDataFrame
        A copy in EPSG:4326 with simplified geometry.
    """
    frame = _to_wgs84(units, "units")
    if frame.empty:
        return frame.copy()
    metric = frame.geometry.to_crs(CRS_METRIC)
    if tolerance_m is None:
        minx, miny, maxx, maxy = metric.total_bounds
        tolerance_m = max(maxx - minx, maxy - miny) / 3000.0
    if tolerance_m < 0 or not math.isfinite(tolerance_m):
        raise UnknownValueError(f"tolerance_m must be >= 0 metres, got {tolerance_m!r}")
    out = frame.copy()
    if tolerance_m == 0:
        return out
    geoms = np.asarray(metric.array, dtype=object)
    if bool(shapely.coverage_is_valid(geoms)):
        simplified = shapely.coverage_simplify(geoms, tolerance_m)
    else:
        simplified = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    out = out.set_geometry(gpd.GeoSeries(simplified, index=frame.index, crs=CRS_METRIC).to_crs(CRS_WGS84))
    return out


def _encode_ints(values: np.ndarray) -> str:
    """Google's encoded-polyline characters for a flat array of signed integers."""
    chars = []
    for value in values.tolist():
        v = ~(value << 1) if value < 0 else value << 1
        while v >= 0x20:
            chars.append(chr((0x20 | (v & 0x1F)) + 63))
            v >>= 5
        chars.append(chr(v + 63))
    return "".join(chars)


def _encode_path(coords: np.ndarray, closed: bool) -> str | None:
    """One ring or line as an encoded polyline of (lon, lat) deltas on a 10^-4 degree grid.

    The grid (~7-11 m in CZ) is finer than any simplified choropleth border needs;
    rounding is per vertex, so a border shared by two polygons stays identical.
    Repeated points and a ring's closing point are dropped (Leaflet closes rings).
    Characters are 63-126: never ``<``, ``>`` or ``&``.
    """
    grid = np.round(np.asarray(coords)[:, :2] * 10 ** _COORD_DECIMALS).astype(np.int64)
    keep = np.ones(len(grid), dtype=bool)
    keep[1:] = np.any(grid[1:] != grid[:-1], axis=1)
    grid = grid[keep]
    if closed and len(grid) > 1 and np.all(grid[0] == grid[-1]):
        grid = grid[:-1]
    if len(grid) < (3 if closed else 2):
        return None
    deltas = np.diff(grid, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return _encode_ints(deltas.ravel())


def _encode_point(x: float, y: float) -> str:
    """One (lon, lat) point as an encoded polyline on the 10^-4 degree grid: ~8 characters instead of ~17."""
    return _encode_ints(np.round(np.array([x, y]) * 10 ** _COORD_DECIMALS).astype(np.int64))


def _polygon_coords(geom: object) -> list | None:
    """A (Multi)Polygon as [[shell, hole, ...], ...] of encoded rings; None when nothing is drawable."""
    if geom is None or shapely.is_empty(geom):
        return None
    polygons = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon":
            continue  # points or lines left by a GeometryCollection have no area to fill
        shell = _encode_path(part.exterior.coords, closed=True)
        if shell is None:
            continue
        holes = [r for r in (_encode_path(i.coords, closed=True) for i in part.interiors) if r is not None]
        polygons.append([shell, *holes])
    return polygons or None


def _line_coords(geom: object) -> list[str]:
    """The lines of a (Multi)LineString as encoded polylines."""
    lines = []
    for part in shapely.get_parts(geom):
        if part.geom_type in ("LineString", "LinearRing"):
            encoded = _encode_path(part.coords, closed=False)
            if encoded is not None:
                lines.append(encoded)
    return lines


def _bounds(frame: gpd.GeoDataFrame) -> list[list[float]]:
    minx, miny, maxx, maxy = frame.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]

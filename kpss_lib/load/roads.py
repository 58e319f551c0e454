"""The road network of Czechia (ArcČR 500): one row per road segment, in EPSG:5514.

The input is optional: where ``silnice_arccr500.geojson`` is missing, callers fall
back to straight-line distances and say so. See ``PROVENANCE.md`` for its traps
(no speeds, no local streets, a generalised network).
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kpss_lib.config import CRS_METRIC, input_path
from kpss_lib.errors import DataFileError
from kpss_lib.load.cache import cached

ROADS_FILE = "silnice_arccr500.geojson"

#: Road classes of ArcČR 500 (``TRIDA``), from the fastest to the slowest.
ROAD_CLASSES = ("dálnice", "rychlostní silnice", "silnice I. třídy", "silnice II. třídy",
                "silnice III. třídy", "neevidovaná silnice")


def roads_available() -> bool:
    """True when the road file is in the data folder."""
    try:
        return input_path(ROADS_FILE).is_file()
    except Exception:  # noqa: BLE001 - a missing data folder means no roads either
        return False


def _build_roads() -> gpd.GeoDataFrame:
    path = input_path(ROADS_FILE)
    raw = gpd.read_file(path)
    expected = {"TRIDA", "CISLO_SILNICE", "MEZINARODNI_OZNACENI"}
    missing = sorted(expected - set(raw.columns))
    if missing:
        raise DataFileError(path, "road file lacks columns", column=", ".join(missing),
                            expected=", ".join(sorted(expected)), got=", ".join(map(str, raw.columns)))
    unknown = sorted(set(raw["TRIDA"].dropna()) - set(ROAD_CLASSES))
    if unknown or raw["TRIDA"].isna().any():
        raise DataFileError(path, "unknown road class", column="TRIDA",
                            expected=", ".join(ROAD_CLASSES), got=unknown[:5] or "empty value")
    roads = gpd.GeoDataFrame({
        "road_class": raw["TRIDA"].astype(str),
        "road_number": raw["CISLO_SILNICE"].astype("string"),
        "e_road": raw["MEZINARODNI_OZNACENI"].astype("string"),
    }, geometry=raw.geometry.to_crs(CRS_METRIC), crs=CRS_METRIC)
    roads["length_m"] = roads.geometry.length
    return roads.reset_index(drop=True)


def load_roads(*, use_cache: bool = True) -> gpd.GeoDataFrame:
    """Every road segment: ``road_class, road_number, e_road, length_m, geometry`` (EPSG:5514, metres).

    Raises :class:`~kpss_lib.errors.ConfigError` when the file is missing (check
    :func:`roads_available` first where roads are optional).
    """
    return cached("roads", [input_path(ROADS_FILE)], _build_roads, use_cache=use_cache)


def _build_road_edges(use_cache: bool = True) -> gpd.GeoDataFrame:
    roads = load_roads(use_cache=use_cache)
    # Segment end points meet exactly in ArcČR 500 (PROVENANCE.md), so equal
    # coordinates are one node; no snapping tolerance is needed or wanted.
    ends = np.vstack([
        shapely.get_coordinates(shapely.get_point(roads.geometry.values, 0)),
        shapely.get_coordinates(shapely.get_point(roads.geometry.values, -1)),
    ])
    _, node = np.unique(ends, axis=0, return_inverse=True)
    node = node.reshape(-1).astype(np.int64)
    edges = gpd.GeoDataFrame({
        "u": node[: len(roads)],
        "v": node[len(roads):],
        "road_class": roads["road_class"].to_numpy(),
        "road_number": roads["road_number"].to_numpy(),
        "length_m": roads["length_m"].to_numpy(),
    }, geometry=roads.geometry.values, crs=roads.crs)
    return edges


def load_road_edges(*, use_cache: bool = True) -> gpd.GeoDataFrame:
    """The road graph as its edge table, one row per segment (EPSG:5514, metres).

    Columns ``u``, ``v`` (int64 node numbers: a segment runs from node ``u`` at its
    first point to node ``v`` at its last; segments whose end points are equal share
    the node), ``road_class``, ``road_number``, ``length_m`` (length of the
    segment's line in metres) and ``geometry``. Nodes are numbered 0 … n − 1 in
    the lexicographic order of their (x, y); 13 529 nodes for the ArcČR 500 file.
    Cached by the content of the road file, like :func:`load_roads`; build the
    routable network from it with :func:`kpss_lib.indicators.roads.road_network`.

    ``use_cache=False`` rebuilds from the GeoJSON and writes nothing.

    Raises :class:`~kpss_lib.errors.ConfigError` when the file is missing.
    """
    return cached("road_edges", [input_path(ROADS_FILE)], lambda: _build_road_edges(use_cache),
                  use_cache=use_cache)


def road_length_km_by_class(roads: pd.DataFrame) -> pd.Series:
    """Total length (km) per road class, in :data:`ROAD_CLASSES` order."""
    return (roads.groupby("road_class")["length_m"].sum() / 1000).reindex(list(ROAD_CLASSES), fill_value=0.0)

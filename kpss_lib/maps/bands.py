"""Travel bands: obce coloured by the drive time (or distance) to the nearest service.

A coordinator reads "do 10 minut / 10–20 / 20–30 / nad 30" at a glance, and the same
bands in the same colours on every map of every region; so the bands and colours are
fixed here, not computed from the values as the classes of a choropleth are.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.maps.builders import coverage_map
from kpss_lib.maps.styles import DEFAULT_TILES
from kpss_lib.vocabulary import COST_KINDS, travel_band_labels

#: Upper bounds of the travel bands per unit: minutes of driving, kilometres.
TRAVEL_BANDS: dict[str, tuple[float, ...]] = {"min": (10.0, 20.0, 30.0), "km": (5.0, 10.0, 20.0)}
#: Fill of the bands, near to far (green → red; a colour-blind reader still sees light → dark).
TRAVEL_BAND_COLORS: tuple[str, ...] = ("#1a9850", "#a6d96a", "#fdae61", "#d73027")
_LABELS = {"min": "Dojezd k nejbližší službě", "km": "Vzdálenost k nejbližší službě"}


def _kind(table: pd.DataFrame, unit: str) -> str:
    """The distance kind of a nearest table: its settings' ``cost``, else what the unit implies."""
    cost = table.attrs.get("settings", {}).get("cost")
    if cost in COST_KINDS:
        return COST_KINDS[cost]
    return COST_KINDS["drive"] if unit == "min" else COST_KINDS["straight"]


def travel_band_map(
    table: gpd.GeoDataFrame,
    value_column: str = "cost",
    unit: str | None = None,
    *,
    kind: str | None = None,
    places: pd.DataFrame | None = None,
    title: str | None = None,
    source: str | None = None,
    tiles: str | None = DEFAULT_TILES,
    tooltip_columns: Sequence[str] | Mapping[str, str] | None = None,
    outline_by: str | None = "orp_code",
) -> folium.Map:
    """Map of obce in fixed travel bands to the nearest service, with a Czech legend.

    Parameters
    ----------
    table : GeoDataFrame
        One row per obec with ``value_column`` and polygons, e.g.
        ``nearest_table(study, geometry=True)``.
    value_column : str, default "cost"
        Drive time (min) or distance (km) to the nearest service; NaN (no service
        reachable) is drawn grey as "bez dat".
    unit : {"min", "km"}, optional
        Default ``table.attrs["cost_unit"]``, else "km" for a column ending in ``_km``.
        Bands: minutes 10 / 20 / 30, kilometres 5 / 10 / 20 (:data:`TRAVEL_BANDS`).
    kind : str, optional
        The distance kind for the legend, e.g. "jízdní doba po silnicích"; default from
        the table's settings (``cost``) or the unit.
    places : DataFrame, optional
        Service places to draw (:func:`service_markers`).
    title, source, tiles, tooltip_columns, outline_by
        As in :func:`coverage_map`.

    Returns
    -------
    folium.Map
    """
    if value_column not in table.columns:
        raise UnknownValueError(f"column {value_column!r} is not in the table; columns: "
                                f"{', '.join(map(str, table.columns))}")
    unit = unit or table.attrs.get("cost_unit") or ("km" if value_column.endswith("_km") else None)
    if unit not in TRAVEL_BANDS:
        raise UnknownValueError(f"unit of {value_column!r} must be one of {', '.join(TRAVEL_BANDS)}, got {unit!r} "
                                "(give unit=, or attrs['cost_unit'] on the table)")
    bounds = TRAVEL_BANDS[unit]
    kind = kind or _kind(table, unit)
    # The last class is open ("nad 30 min"): any bound above 30 works, values above it stay in it.
    breaks = [*bounds, bounds[-1] * 2]
    values = pd.to_numeric(table[value_column], errors="coerce").to_numpy(dtype=float)
    if np.any(values[np.isfinite(values)] < 0):
        raise UnknownValueError(f"column {value_column!r} has negative travel values; expected minutes or km ≥ 0")
    return coverage_map(
        table, value_column, label=f"{_LABELS[unit]} ({kind})", unit=unit, places=places, white_spots=None,
        outline_by=outline_by, title=title, source=source, tiles=tiles, breaks=breaks,
        breaks_note="pevná pásma, stejná na všech mapách", cmap=list(TRAVEL_BAND_COLORS),
        tooltip_columns=tooltip_columns, decimals=0 if unit == "min" else 1,
        class_labels=travel_band_labels(bounds, unit))

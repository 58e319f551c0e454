"""Change map: how a scenario moves an indicator, unit by unit, on a diverging scale.

Built on :func:`~kpss_lib.maps.builders.choropleth_map` with five classes fixed
around zero, symmetric so that equal changes up and down read with equal
strength: a strong and a mild decrease, "beze změny" (white), a mild and a
strong increase. Most units of a scenario do not change at all, so quantile
breaks would be meaningless; the middle class holds the unchanged units:
|change| up to ε, a round number a thousand times below the largest change
(1.89 → 0.001), which absorbs the floating-point noise of after − before and
reads plainly in the legend ("nad −0,001 do 0,001").
"""
from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.maps.builders import choropleth_map

__all__ = ["CHANGE_COLORS", "change_breaks", "change_map"]

#: Strong decrease … strong increase when an increase is good (ColorBrewer RdBu, 5 classes).
CHANGE_COLORS = ("#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac")
_NOTE = ("Změna = po − před. Bílá: beze změny; modrá: zlepšení, červená: zhoršení; "
         "třídy souměrné kolem nuly (polovina a celá největší změna).")


def _scale(values: "np.ndarray | pd.Series | list[float]") -> tuple[float, int]:
    """(largest |change|, decimal places of ε); 1 when nothing changes, so every unit reads "beze změny"."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    largest = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
    return largest, max(0, 3 - int(np.floor(np.log10(largest))))


def change_breaks(values: "np.ndarray | pd.Series | list[float]") -> list[float]:
    """Upper bounds of the five change classes: −m/2, −ε, ε, m/2, m (m = largest |change|, ε = 10^⌊log₁₀ m⌋⁻³)."""
    largest, places = _scale(values)
    tiny = 10.0 ** (int(np.floor(np.log10(largest))) - 3)
    return [-largest / 2, -tiny, tiny, largest / 2, largest]


def change_map(
    units: gpd.GeoDataFrame,
    column: str,
    *,
    label: str,
    unit: str | None = None,
    higher_is_better: bool = True,
    title: str | None = None,
    source: str | None = None,
    tooltip_columns: "list[str] | dict[str, str] | None" = None,
    tiles: str | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Diverging choropleth of a change (after − before) with a Czech legend.

    Parameters
    ----------
    units : GeoDataFrame
        One row per unit (obce, ORP, …) with polygons and ``column``.
    column : str
        The change, e.g. ``"access_per_1000_residential_beds_change"`` of
        :func:`~kpss_lib.planning_forward.scenario_table`.
    label : str
        Czech name of the change for legend and tooltip ("Změna lůžek na 1 000 obyvatel 65+").
    unit : str, optional
        Unit shown in the legend and tooltips.
    higher_is_better : bool, default True
        Blue for an increase (capacity, accessibility); False turns the colours
        round (people in white spots: a decrease is blue).
    title, source : str, optional
        Map title and source line.
    tooltip_columns : list or dict, optional
        Extra tooltip rows (e.g. before and after values).
    tiles : str or None, default None
        Base tiles; None keeps the report offline.
    m : folium.Map, optional
        Add to this map instead of a new one.
    """
    if column not in units.columns:
        raise UnknownValueError(f"column {column!r} is not in units; columns: {', '.join(map(str, units.columns))}")
    colors = list(CHANGE_COLORS if higher_is_better else CHANGE_COLORS[::-1])
    return choropleth_map(units, column, label=label, unit=unit, breaks=change_breaks(units[column]),
                          decimals=_scale(units[column])[1], cmap=colors, title=title, source=source, tooltip_columns=tooltip_columns, tiles=tiles,
                          m=m, breaks_note=_NOTE)

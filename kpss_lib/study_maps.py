"""Maps of a study: the tables of :mod:`kpss_lib.study` drawn by :mod:`kpss_lib.maps`.

``kpss map`` and Python users draw the same map with :func:`study_map`::

    study = open_study("Zlínský kraj", level="obec", services=["domovy pro seniory"])
    save_map(study_map(study, indicator="dostupnost 2SFCA"), "outputs/mapa.html")

The maps package only draws; the tables are computed here, through the study.
"""
from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from kpss_lib import maps
from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.coverage import default_measure
from kpss_lib.load.territory import units_of
from kpss_lib.study import Study, coverage_table, nearest_table, white_spots_table
from kpss_lib.vocabulary import column_label, format_number, indicator_label, map_indicator
from kpss_lib.vocabulary.indicators import unknown_indicator

#: Unit levels :func:`study_map` draws.
MAP_LEVELS = ("obec", "orp")
_LEVEL_TITLES = {"obec": "podle obcí", "orp": "podle ORP"}
_OBEC_ONLY = {"travel_band": "dojezd", "distance_km": "vzdálenost k nejbližší službě"}


def _cost_column(nearest: pd.DataFrame) -> tuple[str, str]:
    """The nearest table's travel column and unit: ``cost`` (min or km) when present, else ``distance_km``."""
    if "cost" in nearest.columns:
        return "cost", nearest.attrs.get("cost_unit", "km")
    return "distance_km", "km"


def _units_with(study: Study, table: pd.DataFrame, key: str) -> gpd.GeoDataFrame:
    """The polygons of the region's units joined with the values of ``table`` (one row per unit)."""
    units = units_of(study.region, study.level)
    keep = [c for c in table.columns if c not in units.columns or c == key]
    merged = units.merge(table[keep], on=key, how="left", validate="1:1")
    merged.attrs = dict(table.attrs)
    return merged


def _unit_table(study: Study) -> pd.DataFrame:
    """Every indicator per unit; obce also carry the columns of :func:`nearest_table` (cost, 2SFCA)."""
    key = f"{study.level}_code"
    table = coverage_table(study).drop(columns=[key], errors="ignore").rename(columns={"unit_code": key})
    if study.level != "obec":
        return table
    nearest = nearest_table(study)
    # Per obec, distance and 2SFCA are the nearest table's own (the obec's point, not an aggregate).
    extra = [c for c in nearest.columns if c == key or c not in table.columns or c.startswith("access_per_1000_")]
    merged = table.drop(columns=[c for c in extra if c != key and c in table.columns])
    merged = merged.merge(nearest[extra], on=key, how="left", validate="1:1")
    merged.attrs = {**table.attrs, **nearest.attrs}
    return merged


def _column_of(key: str, table: pd.DataFrame, level: str) -> str:
    """The column a key names: a measure family completed with the selection's main measure."""
    if key == "distance":
        return _cost_column(table)[0] if level == "obec" else "mean_distance_km"
    if key.endswith("_"):
        measure = default_measure(table)
        if measure is None:
            raise UnknownValueError(f"the selection has no registered capacity in the region; "
                                    f"{key.rstrip('_')} cannot be mapped (try --indicator \"počet služeb\")")
        key = f"{key}{measure}"
    if key not in table.columns:
        if key.startswith("access_per_1000_"):
            raise UnknownValueError(f"{key}: 2SFCA needs a catchment (settings catchment_km/catchment_min)")
        numeric = [str(c) for c in table.columns if c != "geometry" and pd.api.types.is_numeric_dtype(table[c])
                   and not str(c).endswith("_code") and not str(c).startswith("pop_")]
        raise UnknownValueError(unknown_indicator(key, numeric))
    return key


def _white_spot_text(study: Study) -> str:
    """What a hatched obec means: the radius in drive minutes for drive times, else in km."""
    settings = study.settings
    if getattr(settings, "cost", "straight") == "drive":
        return f"žádná vybraná služba do {format_number(settings.radius_min, 0)} min jízdy"
    return f"žádná vybraná služba do {format_number(settings.radius_km, 0)} km"


def study_map(study: Study, *, indicator: str | None = None, scheme: str = "quantiles", k: int = 5,
              bins: list[float] | None = None, white_spots: bool = False, markers: bool = True,
              offline: bool = False, title: str | None = None) -> folium.Map:
    """The map of an indicator of the study's region per unit of its level (obec or ORP).

    Parameters
    ----------
    study : Study
        Level "obec" or "orp"; white spots use the study's radius.
    indicator : str, optional
        Czech name of :data:`kpss_lib.vocabulary.MAP_INDICATORS` ("kapacita na 1 000",
        "dostupnost 2SFCA", "vzdálenost k nejbližší službě", "dojezd", "podíl 65+", …) or a
        column of the coverage table (``per_1000_residential_beds``). Measure families
        ("kapacita na 1 000", "dostupnost 2SFCA", "kapacita") take the measure with the
        largest capacity in the region. Default "kapacita na 1 000" ("počet služeb"
        when the selection has no capacity). "dojezd" draws fixed travel bands
        (:func:`kpss_lib.maps.travel_band_map`, obec level only).
    scheme, k, bins
        Class breaks (:func:`kpss_lib.maps.class_breaks`).
    white_spots : bool, default False
        Hatch obce with no selected service within the radius (obec level only).
    markers : bool, default True
        Draw the selected services of the region.
    offline : bool, default False
        No base tiles.
    title : str, optional
        Default: "<selection> – <region>, podle obcí|ORP".

    Returns
    -------
    folium.Map

    Raises
    ------
    UnknownValueError
        for an unknown indicator or level, or an obec-only indicator on ORP.
    """
    level, region = study.level, study.region
    if level not in MAP_LEVELS:
        raise UnknownValueError(f"unknown level {level!r}; a map draws {', '.join(MAP_LEVELS)}")
    key = map_indicator(indicator) if indicator is not None else None
    if level != "obec" and key in ("travel_band", "distance_km"):
        raise UnknownValueError(f"indicator {_OBEC_ONLY[key]!r} is per obec: use level obec (--level obec)")
    if white_spots and level != "obec":
        raise UnknownValueError("white spots are obce: use level obec (--level obec)")
    table = _unit_table(study)
    units = _units_with(study, table, f"{level}_code")
    if white_spots:
        units["white_spot"] = units["obec_code"].isin(white_spots_table(study)["obec_code"])
    selection = study.places.attrs.get("selection") or "všechny sociální služby"
    title = title or f"{selection[:1].upper()}{selection[1:]} – {region.name}, {_LEVEL_TITLES[level]}"
    source = maps.source_line(study.places)
    cost_note = getattr(study, "cost_note", None)
    places = study.region_places if markers else None
    tiles = None if offline else maps.DEFAULT_TILES
    tooltip = {c: column_label(c, study.population) for c in ("pop_total", "population", "n_services")
               if c in units}
    if key == "travel_band":
        column, unit = _cost_column(units)
        return maps.travel_band_map(units, column, unit, places=places, title=title, tiles=tiles,
                                    source=f"{source}; {cost_note}" if cost_note else source,
                                    tooltip_columns=tooltip)
    if key is None:
        key = "per_1000_" if default_measure(table) else "n_services"
    column = _column_of(key, units, level)
    label, unit = indicator_label(column, study.target)
    if column == "cost":
        label, unit = ("Dojezd k nejbližší službě", units.attrs.get("cost_unit", "km"))
    if column.startswith("share_") and unit == "%":
        units[column] = units[column] * 100  # shares are 0–1; the legend reads percent
    return maps.coverage_map(
        units, column, label=label, unit=unit, places=places, white_spots="white_spot" if white_spots else None,
        white_spots_description=_white_spot_text(study) if white_spots else None,
        outline_by="orp_code" if level == "obec" else None, title=title, source=source, tiles=tiles,
        scheme=scheme, k=k, bins=bins, tooltip_columns=tooltip)

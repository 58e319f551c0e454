"""One-call indicator tables for the CLI, the notebooks and the maps.

The indicator functions in :mod:`kpss_lib.indicators` are pure (tables in, tables
out). This thin layer does the rest: it loads the inputs from ``KPSS_DATA_DIR``
(``load_obce``, ``load_services``, ``load_datapaq``), resolves region names
(``"Zlínský kraj"``, ``"ORP Otrokovice"``, ``"7205"``, ``"Otrokovicko"``) and
service names, picks the default target population of the selected kinds of
service, and calls the pure functions. Nothing here computes an indicator.

Every function takes the selection as ``selection``: a
:class:`~kpss_lib.indicators.selection.Selection`, kinds of service (``"domovy pro
seniory"``, ``"13"``, ``["13", "14"]``) or None for all services.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Union

import geopandas as gpd
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators import compare as _compare
from kpss_lib.indicators import coverage as _coverage
from kpss_lib.indicators.need import need_table
from kpss_lib.indicators.selection import Selection
from kpss_lib.load.datapaq import load_datapaq
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import Region, find_region, load_level, load_obce, population_column

__all__ = [
    "compare_for",
    "coverage_table",
    "need_for",
    "nearest_for",
    "region_geometries",
    "resolve_inputs",
    "selected_places",
    "white_spots_for",
]

#: What the wrappers accept as a selection of services.
SelectionLike = Union[Selection, str, int, Iterable[str], None]


def selected_places(selection: SelectionLike = None, services_file: str | Path | None = None) -> pd.DataFrame:
    """Places of the selected services from ``load_services(services_file)``."""
    return Selection.of(selection).apply(load_services(services_file).places)


def resolve_inputs(
    region: "str | Region | Iterable[str]",
    selection: SelectionLike = None,
    population: str | None = None,
    services_file: str | Path | None = None,
) -> tuple[Region, pd.DataFrame, pd.DataFrame, str]:
    """(region, obce, selected places, population group) for the wrappers below.

    ``region`` may be a name or code, a Region, or a list of obec codes/names (a
    micro-region called "vlastní mikroregion"). ``population`` None means the
    default of the selected kinds of service ("65+" for domovy pro seniory,
    "total" for a mixed selection).

    Raises
    ------
    RegionNotFoundError, UnknownValueError
        for unknown names, listing the closest valid ones.
    """
    from kpss_lib.load.territory import micro_region

    if isinstance(region, (str, Region)):
        resolved = find_region(region)
    else:
        resolved = micro_region("vlastní mikroregion", [str(member) for member in region])
    chosen = Selection.of(selection)
    places = chosen.apply(load_services(services_file).places)
    group = population or chosen.default_population()
    obce = pd.DataFrame(load_obce().drop(columns="geometry"))
    return resolved, obce, places, group


#: Indicator bases computed in this process (they cover all of CZ, so every region reuses them).
_BASES: dict[tuple, _coverage.IndicatorBasis] = {}


def _basis(obce: pd.DataFrame, places: pd.DataFrame, group: str, **settings) -> _coverage.IndicatorBasis:
    """The indicator basis of a selection over all of CZ, computed once per process.

    Keyed by a fingerprint of the inputs' content (so a changed input is never served
    stale), the target population and the settings; a request without 2SFCA
    (``catchment_km=None``) reuses a basis that has it.
    """
    fingerprint = tuple(
        int(pd.util.hash_pandas_object(frame[columns], index=False).sum())
        for frame, columns in ((obce, ["obec_code", "x", "y", population_column(group)]),
                               (places, ["service_id", "form", "capacity_unit", "capacity_share", "x", "y"])))
    base = (fingerprint, group,
            settings.get("radius_km"), settings.get("terrain_radius_km"), settings.get("terrain_attribution", "base"))
    catchment = settings.get("catchment_km")
    for key, basis in _BASES.items():
        if key[:-1] == base and (key[-1] == catchment or catchment is None):
            return basis
    basis = _coverage.indicator_basis(obce, places, group, **settings)
    if len(_BASES) > 32:
        _BASES.clear()
    _BASES[base + (catchment,)] = basis
    return basis


def _with_geometry(table: pd.DataFrame, level: str, key: str = "unit_code") -> gpd.GeoDataFrame:
    units = load_level(level)
    units = units.loc[units[f"{level}_code"].isin(table[key]), [f"{level}_code", "geometry"]]
    merged = units.rename(columns={f"{level}_code": key}).merge(table, on=key, how="right")
    result = gpd.GeoDataFrame(merged, geometry="geometry", crs=units.crs)
    result.attrs = table.attrs
    return result


def coverage_table(
    region: "str | Region | Iterable[str]",
    level: str = "orp",
    selection: SelectionLike = None,
    population: str | None = None,
    *,
    radius_km: float = 10.0,
    terrain_radius_km: float = 15.0,
    catchment_km: float | None = 20.0,
    terrain_attribution: str = "base",
    total: bool = False,
    geometry: bool = False,
    services_file: str | Path | None = None,
) -> pd.DataFrame | gpd.GeoDataFrame:
    """Every indicator per unit of ``level`` within ``region`` (loads the data itself).

    Parameters
    ----------
    region : str, Region or list of obec codes
        ``"Zlínský kraj"``, ``"ORP Otrokovice"``, ``"7205"``, ``"Otrokovicko"``, ``"CZ"``.
    level : {"obec", "pou", "orp", "okres", "kraj"}, default "orp"
    selection : Selection, str, list or None
        Default: every service of the input.
    population : str, optional
        "total", "0-14", "15-64", "65+", "80+"; default from the selection.
    radius_km : float, default 10.0
        White-spot radius.
    terrain_radius_km : float, default 15.0
        Assumed reach of terrain services without a registered scope.
    catchment_km : float or None, default 20.0
        2SFCA catchment; None leaves accessibility out.
    terrain_attribution : {"base", "reach"}, default "base"
    total : bool, default False
        Append a row for the whole region.
    geometry : bool, default False
        Return a GeoDataFrame with the units' polygons (EPSG:4326; the total row,
        if any, has none).
    services_file : str or Path, optional
        Services input (``rpss.json``, catalogue CSV or template); default the
        catalogue in ``KPSS_DATA_DIR``.

    Returns
    -------
    DataFrame or GeoDataFrame
        See :func:`kpss_lib.indicators.coverage.aggregate`; ``attrs`` also hold
        ``region`` (label), ``level``, ``selection`` and ``population``.
    """
    resolved, obce, places, group = resolve_inputs(region, selection, population, services_file)
    basis = _basis(obce, places, group, radius_km=radius_km, terrain_radius_km=terrain_radius_km,
                   catchment_km=catchment_km, terrain_attribution=terrain_attribution)
    table = _coverage.indicator_table(obce, places, resolved, level, group, total=total, basis=basis)
    table.attrs.update({"region": resolved.label, "level": level, "selection": places.attrs.get("selection", ""),
                        "population": group})
    return _with_geometry(table, level) if geometry else table


def nearest_for(
    region: "str | Region | Iterable[str]",
    selection: SelectionLike = None,
    population: str | None = None,
    *,
    radius_km: float = 10.0,
    terrain_radius_km: float = 15.0,
    catchment_km: float | None = 20.0,
    geometry: bool = False,
    services_file: str | Path | None = None,
) -> pd.DataFrame | gpd.GeoDataFrame:
    """Every obec of the region: nearest service, distance, white spot flag and 2SFCA.

    See :func:`kpss_lib.indicators.coverage.nearest_distances`; ``geometry=True``
    adds the obec polygons (EPSG:4326).
    """
    resolved, obce, places, group = resolve_inputs(region, selection, population, services_file)
    basis = _basis(obce, places, group, radius_km=radius_km, terrain_radius_km=terrain_radius_km,
                   catchment_km=catchment_km)
    table = _coverage.nearest_distances(obce, places, resolved, group, basis=basis)
    table.attrs.update({"region": resolved.label, "selection": places.attrs.get("selection", "")})
    return _with_geometry(table, "obec", "obec_code") if geometry else table


def white_spots_for(
    region: "str | Region | Iterable[str]",
    selection: SelectionLike = None,
    population: str | None = None,
    radius_km: float = 10.0,
    *,
    terrain_radius_km: float = 15.0,
    geometry: bool = False,
    services_file: str | Path | None = None,
) -> pd.DataFrame | gpd.GeoDataFrame:
    """Obce of the region without a service of the selection within ``radius_km`` (see ``white_spots``)."""
    resolved, obce, places, group = resolve_inputs(region, selection, population, services_file)
    basis = _basis(obce, places, group, radius_km=radius_km, terrain_radius_km=terrain_radius_km,
                   catchment_km=None)
    table = _coverage.white_spots(obce, places, resolved, radius_km, group, basis=basis)
    table.attrs.update({"region": resolved.label, "selection": places.attrs.get("selection", "")})
    return _with_geometry(table, "obec", "obec_code") if geometry else table


def compare_for(
    regions: "Sequence[str | Region] | None" = None,
    selection: SelectionLike = None,
    population: str | None = None,
    *,
    within: "str | Region | None" = None,
    level: str = "orp",
    radius_km: float = 10.0,
    terrain_radius_km: float = 15.0,
    catchment_km: float | None = 20.0,
    terrain_attribution: str = "base",
    services_file: str | Path | None = None,
) -> pd.DataFrame:
    """The comparison table for named regions, or for every unit of ``level`` within ``within``.

    Examples
    --------
    >>> compare_for(["Zlínský kraj", "Jihomoravský kraj"], "domovy pro seniory")  # doctest: +SKIP
    >>> compare_for(within="Zlínský kraj", level="orp", selection="13")           # doctest: +SKIP
    """
    if not regions and within is None:
        raise UnknownValueError("give the regions to compare or within= (e.g. within='Zlínský kraj')")
    listed = [find_region(r) for r in regions or []]
    chosen = Selection.of(selection)
    places = chosen.apply(load_services(services_file).places)
    group = population or chosen.default_population()
    obce = pd.DataFrame(load_obce().drop(columns="geometry"))
    if within is not None:
        listed += _compare.units_as_regions(obce, find_region(within), level)
    table = _compare.compare_regions(
        obce, places, listed, group, datapaq=load_datapaq(), radius_km=radius_km,
        terrain_radius_km=terrain_radius_km, catchment_km=catchment_km, terrain_attribution=terrain_attribution)
    table.attrs.update({"selection": places.attrs.get("selection", ""), "population": group, "level": level,
                        "region": ", ".join(r.label for r in listed) if regions else find_region(within).label,
                        "regions": listed})
    return table


def region_geometries(regions: "Sequence[str | Region]") -> gpd.GeoDataFrame:
    """One polygon per region (``region_code``, ``region_name``, ``geometry`` in EPSG:4326).

    Administrative units take their own boundary; a micro-region or CZ the union of
    its obce. For comparison maps of regions of any kind.
    """
    from kpss_lib.config import CRS_WGS84

    resolved = [find_region(r) for r in regions]
    rows = []
    obce = None
    for region in resolved:
        if region.level in ("kraj", "okres", "orp", "obec"):
            units = load_level(region.level)
            geometry = units.loc[units[f"{region.level}_code"] == region.code, "geometry"].iloc[0]
        else:
            obce = load_obce() if obce is None else obce
            geometry = obce.loc[obce["obec_code"].isin(region.obce), "geometry"].union_all()
        rows.append({"region_code": region.code, "region_name": region.name, "geometry": geometry})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_WGS84)


def need_for(region: "str | Region", level: str = "orp") -> pd.DataFrame:
    """Need indicators (65+/80+ shares, DataPAQ) per unit of ``level`` within ``region``."""
    resolved = find_region(region)
    obce = pd.DataFrame(load_obce().drop(columns="geometry"))
    return need_table(obce, load_datapaq(), resolved, level)

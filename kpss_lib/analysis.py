"""One-call indicator tables for the CLI, the notebooks and the maps.

The indicator functions in :mod:`kpss_lib.indicators` are pure (tables in, tables
out). This thin layer does the rest: it loads the inputs from ``KPSS_DATA_DIR``
(``load_obce``, ``load_services``, ``load_datapaq``), resolves region names
(``"Zlínský kraj"``, ``"ORP Otrokovice"``, ``"7205"``, ``"Otrokovicko"``) and
service names, picks the default target population of the selected kinds of
service, and calls the pure functions. Nothing here computes an indicator.

Every function takes the selection as ``selection``: a
:class:`~kpss_lib.indicators.selection.Selection`, kinds of service (``"domovy pro
seniory"``, ``"13"``, ``["13", "14"]``) or None for all services; and the services
input as ``services_file``: None or ``""`` for the register catalogue in
``KPSS_DATA_DIR``, a path, or a list of them combined (``["", "planovane.xlsx"]``
= the catalogue plus an analyst's template; see
:func:`kpss_lib.load.services.load_services`).

Records of the services input that the loader rejected (no obec, duplicates, …)
are kept out of every figure; :func:`rejected_services`, :func:`rejected_counts`,
:func:`rejected_examples`, :func:`rejected_line` and :func:`write_rejected` show
them to the user (the CLI prints the line on stderr, the notebooks a section
"Vyřazené záznamy").
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
from kpss_lib.load.datapaq import DATAPAQ_INDICATORS, load_datapaq
from kpss_lib.load.services import CATALOGUE_FILE, REJECTED_COLUMNS, ServiceData, load_services
from kpss_lib.load.territory import Region, find_region, load_level, load_obce, population_column

__all__ = [
    "REJECTED_LABELS",
    "compare_for",
    "coverage_table",
    "datapaq_source_text",
    "default_measure",
    "need_for",
    "nearest_for",
    "region_geometries",
    "rejected_counts",
    "rejected_examples",
    "rejected_line",
    "rejected_services",
    "resolve_inputs",
    "selected_places",
    "service_data",
    "services_input",
    "services_input_text",
    "white_spots_for",
    "write_rejected",
]

#: What the wrappers accept as a selection of services.
SelectionLike = Union[Selection, str, int, Iterable[str], None]
#: What they accept as the services input: None/"" (the catalogue), a path, or a list of them.
ServicesFile = Union[str, Path, None, Sequence[Union[str, Path, None]]]
#: Czech column labels of the rejected-records table (CSV/XLSX and notebooks).
REJECTED_LABELS = {"file": "Soubor", "record": "Záznam", "column": "Sloupec", "reason": "Důvod",
                   "value": "Hodnota", "n_records": "Počet záznamů"}

#: The measure a map or summary shows by default: one function for the CLI, the maps and the notebooks.
default_measure = _coverage.default_measure


def services_input(services_file: ServicesFile = None) -> "str | Path | None | list[str | Path | None]":
    """``services_file`` as :func:`load_services` takes it: ``""`` → None (the catalogue), lists kept.

    Raises
    ------
    UnknownValueError
        for an empty list or a value that is not a path.
    """
    def one(value: object) -> "str | Path | None":
        if value is None or isinstance(value, Path):
            return value
        if isinstance(value, str):
            return value.strip() or None
        raise UnknownValueError(f"services_file: expected a file path, '' (the catalogue) or a list of them, "
                                f"got {value!r}")

    if isinstance(services_file, (list, tuple)):
        if not services_file:
            raise UnknownValueError("services_file: the list is empty; give '' for the catalogue or file paths")
        parts = [one(v) for v in services_file]
        return parts if len(parts) > 1 else parts[0]
    return one(services_file)


def service_data(services_file: ServicesFile = None) -> ServiceData:
    """``load_services`` of ``services_file`` (None/"" the catalogue, a path, or a list combined)."""
    return load_services(services_input(services_file))


def services_input_text(services_file: ServicesFile = None) -> str:
    """Czech description of the services input, for narratives and table descriptions.

    E.g. "katalog služeb pro seniory z registru poskytovatelů MPSV
    (socialni_sluzby_seniori_2026-09.csv)" or "katalog … + planovane.xlsx".
    """
    chosen = services_input(services_file)
    parts = chosen if isinstance(chosen, list) else [chosen]
    texts = [f"katalog služeb pro seniory z registru poskytovatelů MPSV ({CATALOGUE_FILE}; jen služby "
             "s cílovou skupinou senioři)" if part is None else f"soubor {Path(part).name}" for part in parts]
    return " + ".join(texts)


def datapaq_source_text() -> str:
    """Czech source line of the DataPAQ indicators with their reference years (from the loader's columns)."""
    items = [f"{label.removesuffix(' (%)').lower()} {year}" for _, label, year in DATAPAQ_INDICATORS.values()]
    return "DataPAQ (PAQ Research): " + ", ".join(items)


def selected_places(selection: SelectionLike = None, services_file: ServicesFile = None) -> pd.DataFrame:
    """Places of the selected services from ``load_services(services_file)``."""
    return Selection.of(selection).apply(service_data(services_file).places)


def rejected_services(services_file: ServicesFile = None) -> pd.DataFrame:
    """Records of the services input that were rejected and are in no figure.

    Returns
    -------
    DataFrame
        ``file, record, column, reason, value`` (one row per rejected record, as
        :func:`kpss_lib.load.services.load_services` reports them).
    """
    return service_data(services_file).rejected


def rejected_counts(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected records counted by file, column and reason (most frequent first).

    Returns
    -------
    DataFrame
        ``file, column, reason, n_records``.
    """
    if rejected.empty:
        return pd.DataFrame(columns=["file", "column", "reason", "n_records"])
    counts = (rejected.groupby(["file", "column", "reason"], dropna=False).size().rename("n_records")
              .reset_index().sort_values(["n_records", "file", "column"], ascending=[False, True, True]))
    return counts.reset_index(drop=True)


def rejected_examples(rejected: pd.DataFrame, per_reason: int = 3) -> pd.DataFrame:
    """The first ``per_reason`` rejected records of every (file, column, reason), for a short listing.

    Every reason and every input file shows up, also a reason with one record at
    the end of a long list (an analyst's own file after the register's rejections).
    """
    if rejected.empty:
        return rejected
    return rejected.groupby(["file", "column", "reason"], sort=False, dropna=False).head(per_reason)


def _short_reason(reason: object) -> str:
    # The loader's reasons end with "(expected …)" details; the line keeps the gist.
    return str(reason).split(" (")[0]


def rejected_line(rejected: pd.DataFrame, hint: str | None = None) -> str:
    """One Czech line about rejected records, e.g. "vyřazeno 59 záznamů vstupu služeb: 41× …; 18× …".

    Parameters
    ----------
    rejected : DataFrame
        :func:`rejected_services`.
    hint : str, optional
        How to get them all, appended after a semicolon (e.g. "celý seznam: --rejected SOUBOR.csv").
    """
    if rejected.empty:
        return "vstup služeb: žádný záznam nebyl vyřazen"
    # Count by reason over all input files: the line is a gist, rejected_counts has the files.
    keys = rejected["column"].astype(str) + ": " + rejected["reason"].map(_short_reason)
    reasons = "; ".join(f"{n}× {key}" for key, n in keys.value_counts(sort=False).sort_values(ascending=False,
                                                                                             kind="stable").items())
    n = len(rejected)
    # Czech agreement: vyřazen 1 záznam, vyřazeny 2–4 záznamy, vyřazeno 5 záznamů
    verb, noun = ("vyřazen", "záznam") if n == 1 else ("vyřazeny", "záznamy") if n <= 4 else ("vyřazeno", "záznamů")
    line = f"{verb} {n} {noun} vstupu služeb ({'není' if n == 1 else 'nejsou'} v žádném ukazateli): {reasons}"
    return f"{line}; {hint}" if hint else line


def write_rejected(rejected: pd.DataFrame, path: str | Path) -> Path:
    """Write the rejected records: CSV/XLSX with Czech headers, Parquet with English ones (atomically)."""
    from kpss_lib.labels import write_table

    path = Path(path)
    table = pd.DataFrame(rejected, columns=REJECTED_COLUMNS)
    if path.suffix.lower() != ".parquet":
        table = table.rename(columns=REJECTED_LABELS)
    return write_table(table, path, sheet_name="Vyřazené záznamy")


def resolve_inputs(
    region: "str | Region | Iterable[str]",
    selection: SelectionLike = None,
    population: str | None = None,
    services_file: ServicesFile = None,
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
    places = chosen.apply(service_data(services_file).places)
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
    services_file: ServicesFile = None,
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
    services_file : str, Path or list of them, optional
        Services input (``rpss.json``, catalogue CSV or template; a list is
        combined); None or ``""``: the catalogue in ``KPSS_DATA_DIR``.

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
    services_file: ServicesFile = None,
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
    services_file: ServicesFile = None,
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
    services_file: ServicesFile = None,
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
    places = chosen.apply(service_data(services_file).places)
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

    Administrative units take their own boundary; a micro-region, CZ or a part of
    a unit (an ORP of which only some obce are compared, see
    :mod:`kpss_lib.indicators.compare`) the union of its obce. For comparison maps
    of regions of any kind.
    """
    from kpss_lib.config import CRS_WGS84

    resolved = [find_region(r) for r in regions]
    obce = load_obce()
    sizes: dict = {}
    rows = []
    for region in resolved:
        size = _compare.unit_size(obce, region, sizes)
        name = region.name
        whole = size is not None and len(region.obce) >= size
        if whole and region.level in ("kraj", "okres", "orp", "obec"):  # levels with their own polygons
            units = load_level(region.level)
            geometry = units.loc[units[f"{region.level}_code"] == region.code, "geometry"].iloc[0]
        else:
            if size is not None and not whole:
                name = _compare.partial_name(region, size)
            geometry = obce.loc[obce["obec_code"].isin(region.obce), "geometry"].union_all()
        rows.append({"region_code": region.code, "region_name": name, "geometry": geometry})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_WGS84)


def need_for(region: "str | Region", level: str = "orp") -> pd.DataFrame:
    """Need indicators (65+/80+ shares, DataPAQ) per unit of ``level`` within ``region``."""
    resolved = find_region(region)
    obce = pd.DataFrame(load_obce().drop(columns="geometry"))
    return need_table(obce, load_datapaq(), resolved, level)

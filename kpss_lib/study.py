"""One way to assemble an analysis: a :class:`Study` opened once, handed to pure functions.

A notebook, a ``kpss`` command or a job of ``kpss run`` calls :func:`open_study`
once. It resolves the region (or the regions to compare), the selection of
services and the target population, loads the services input (keeping its
rejected records), the obce and the reference inputs, and checks every setting;
a bad value fails here, before anything is computed. The frozen :class:`Study`
then goes to the table functions below (``coverage_table(study)``,
``white_spots_table(study)``, …), which call the pure functions of
:mod:`kpss_lib.indicators` on its frames, and to the map builders of
:mod:`kpss_lib.maps`, which only draw.

Settings shared by every indicator (radii, catchment, terrain attribution) live
in :class:`Settings`; a new one (a cost kind, a reference date) is added there
once and reaches the CLI, the notebooks and ``kpss run`` through ``open_study``.

The indicator basis of a selection covers all of CZ and is computed at most once
per study (``Study.basis``), so a region, its units and CZ as reference are
aggregated from the same figures.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Union

import geopandas as gpd
import pandas as pd

from kpss_lib import runcache as _runcache
from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators import compare as _compare
from kpss_lib.indicators import coverage as _coverage
from kpss_lib.indicators.costs import describe_cost
from kpss_lib.indicators.need import need_table
from kpss_lib.indicators.roads import RoadNetwork
from kpss_lib.indicators.selection import Selection
from kpss_lib.load.supply import dates_note, left_out_line, population_date
from kpss_lib.load.datapaq import load_datapaq
from kpss_lib.load.services import ServiceData, combine, load_services
from kpss_lib.load.territory import POPULATION_LABELS, Region, find_region, load_level, load_obce, micro_region
from kpss_lib.load.territory import population_column
from kpss_lib.study_settings import COST_CHOICES, COST_NAMES, Settings, parse_speeds, resolve_cost, study_network

__all__ = ["COST_CHOICES", "Settings", "Study", "compare_table", "coverage_table", "need_for", "nearest_table",
           "open_study", "parse_speeds", "region_geometries", "resolve_cost", "services_input", "study_network",
           "supply_notes", "white_spots_table", "with_region"]

#: What ``services_file`` accepts: None/"" (the catalogue), a path, or a list of them.
ServicesFile = Union[str, Path, None, Sequence[Union[str, Path, None]]]
#: What a region accepts: a name or code, a Region, or a list of obec codes/names (a micro-region).
RegionLike = Union[str, Region, Iterable[str]]


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


#: ``cost`` values: "auto" resolves to "drive" where the road file is present, else "straight".
@dataclass(frozen=True)
class Study:
    """The resolved inputs of one analysis; build it with :func:`open_study`.

    Attributes
    ----------
    region : Region or None
        The region analysed (None for a comparison of ``regions`` only).
    regions : tuple of Region
        Regions to compare: those named, then the units of ``level`` within ``within``.
    level : str
        Units of the rows: "obec", "pou", "orp", "okres" or "kraj".
    selection : Selection
    population : str
        Target population key ("65+", "total", …).
    settings : Settings
    services_file : str, Path, list or None
        The services input as given (for descriptions).
    services : ServiceData
        The whole services input, with ``rejected`` records.
    obce_geo : GeoDataFrame
        Every obec of CZ (``load_obce()``), EPSG:4326 polygons.
    places : DataFrame
        The selected places of ``services``.
    within : Region or None
        The region whose units are compared (named in the comparison's description).
    network : RoadNetwork or None
        The road network for "road" and "drive" costs (built once per process).
    notes : tuple of str
        Czech notes of how settings were resolved (e.g. no road file: straight lines).
    """

    region: Region | None
    regions: tuple
    level: str
    selection: Selection
    population: str
    settings: Settings
    services_file: object
    services: ServiceData = field(repr=False)
    obce_geo: gpd.GeoDataFrame = field(repr=False)
    places: pd.DataFrame = field(repr=False)
    within: Region | None = None
    network: RoadNetwork | None = field(default=None, repr=False)
    notes: tuple = ()

    @cached_property
    def obce(self) -> pd.DataFrame:
        """Every obec of CZ without polygons (what the indicator functions take)."""
        return pd.DataFrame(self.obce_geo.drop(columns="geometry"))

    @cached_property
    def basis(self) -> _coverage.IndicatorBasis:
        """The indicator basis of the selection over all of CZ (computed once per study)."""
        return _coverage.indicator_basis(self.obce, self.places, self.population,
                                         **self.settings.basis_arguments(), network=self.network)

    @cached_property
    def datapaq(self) -> pd.DataFrame:
        """DataPAQ indicators per ORP (loaded when first needed)."""
        return load_datapaq()

    @property
    def rejected(self) -> pd.DataFrame:
        """Records of the services input that were rejected and are in no figure."""
        return self.services.rejected

    @property
    def excluded(self) -> pd.DataFrame:
        """Services not provided on the reference date (``reason`` says why); in no figure."""
        return self.services.excluded

    @property
    def cost_note(self) -> str:
        """One Czech line: the distance kind, its unit and assumptions (speeds, last stretch)."""
        return describe_cost(self.settings.cost, self.network)  # type: ignore[arg-type]

    def method_notes(self) -> list[str]:
        """Czech sentences stating every setting, assumption and data date of the study's figures."""
        return list(self._method_notes)

    @cached_property
    def _method_notes(self) -> tuple[str, ...]:
        # The same for every region of the study (left-out capacity counts the whole input).
        settings = self.settings
        unit = settings.unit
        notes = [f"Vzdálenost: {COST_NAMES[settings.cost]} – {self.cost_note}.", *self.notes,
                 f"Bílé místo: obec bez pobytové ani ambulantní služby výběru do {_number(settings.radius)} {unit} "
                 "(terénní dosah uveden zvlášť).",
                 f"Dosah terénních služeb: {_coverage.terrain_reach_label(self.places, settings.terrain_radius, unit)}.",
                 f"Kapacita terénních služeb se počítá "
                 f"{'v obci sídla' if settings.terrain_attribution == 'base' else 'rozdělená na obce v dosahu'}."]
        if settings.catchment is not None:
            method = ("E2SFCA (zóny a váhy Luo & Qi 2009)" if settings.cost == "drive" else "2SFCA")
            notes.append(f"Dostupnost: {method}, spádová oblast {_number(settings.catchment)} {unit}.")
        notes.extend(supply_notes(self))
        return tuple(notes)

    @cached_property
    def _reference_tables(self) -> dict:
        """Tables of other regions aggregated from this study's basis (:func:`coverage_table` ``region=``), by arguments."""
        return {}

    @property
    def selection_text(self) -> str:
        """Czech description of the selection ("domovy pro seniory", …)."""
        return self.places.attrs.get("selection", "") or self.selection.describe()

    @property
    def target(self) -> str:
        """The target population as it reads after "na 1 000": "obyvatel 65+"."""
        return POPULATION_LABELS[self.population].replace("obyvatelé", "obyvatel")

    @property
    def region_places(self) -> pd.DataFrame:
        """The selected places inside the region (all of them for a comparison)."""
        if self.region is None:
            return self.places
        return self.places[self.places["obec_code"].isin(self.region.obce)]

    def describe(self) -> dict:
        """``attrs`` every table of the study carries: region, level, selection, population."""
        area = self.region or self.within
        return {"region": area.label if area is not None else ", ".join(r.label for r in self.regions),
                "level": self.level, "selection": self.places.attrs.get("selection", ""),
                "population": self.population}


def _number(value: float) -> str:
    """A setting as Czech text: 10 → "10", 12.5 → "12,5"."""
    return f"{value:g}".replace(".", ",")


def _date(value: "pd.Timestamp | None") -> str:
    return f"{pd.Timestamp(value):%-d. %-m. %Y}"


def supply_notes(study: Study) -> list[str]:
    """Czech notes on the data dates, the reference date and the capacity left out of the study's figures."""
    data = study.services
    notes = [f"Obyvatelstvo ke dni {_date(population_date())}."]
    gap = dates_note(data.reference_date or data.data_date, population_date())
    if gap:
        notes.append(gap)
    notes.append(left_out_line(data, study.selection).capitalize() + ".")
    return notes


def load_on(services_file: ServicesFile, on: str | None) -> "tuple[ServiceData, tuple[str, ...]]":
    """The services input with the reference date applied, and Czech notes on its dates.

    ``on`` given: every part is filtered to the services provided that day. None: each
    part on its own date (the catalogue's 4. 9. 2026); a part without a date (``rpss.json``,
    an analyst's list, e.g. of planned services) is not filtered, and a note says so.
    """
    chosen = services_input(services_file)
    parts = [load_services(part) for part in (chosen if isinstance(chosen, list) else [chosen])]
    dated = [part.on(on) if on is not None or part.data_date is not None else part for part in parts]
    if on is not None:
        notes = [f"Služby poskytované ke dni {_date(pd.Timestamp(on))} (zadané referenční datum)."]
    else:
        notes = [f"Služby poskytované ke dni {_date(part.reference_date)} (datum vstupu)."
                 for part in dated if part.reference_date is not None]
        if any(part.reference_date is None for part in dated):
            notes.append("Vstup služeb bez vlastního data (rpss.json, vlastní seznam) není filtrován podle data "
                         "poskytování; referenční datum lze zadat parametrem on.")
    return (dated[0] if len(dated) == 1 else combine(*dated)), tuple(dict.fromkeys(notes))


def _region(value: RegionLike) -> Region:
    if isinstance(value, (str, Region)):
        return find_region(value)
    return micro_region("vlastní mikroregion", [str(member) for member in value])


def _regions(value: "str | Sequence[str | Region] | None", what: str) -> list[Region]:
    if isinstance(value, str):  # notebook parameters give "A; B"
        value = [part.strip() for part in value.split(";") if part.strip()]
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(r, (str, Region)) for r in value):
        raise UnknownValueError(f"{what} regions={value!r}: expected a list of names, e.g. ['Zlínský kraj']")
    return [find_region(r) for r in value]


def open_study(
    region: "RegionLike | None" = None,
    *,
    level: str = "orp",
    services: "str | Iterable[str] | None" = None,
    forms: "str | Iterable[str] | None" = None,
    categories: "str | Iterable[str] | None" = None,
    target_groups: "str | Iterable[str] | None" = None,
    capacity_units: "str | Iterable[str] | None" = None,
    selection: Selection | None = None,
    population: str | None = None,
    services_file: ServicesFile = None,
    regions: "str | Sequence[str | Region] | None" = None,
    within: "str | Region | None" = None,
    settings: Settings | None = None,
    what: str = "argument",
    **setting_values,
) -> Study:
    """Resolve, check and load everything an analysis needs, once.

    Parameters
    ----------
    region : str, Region or list of obec codes, optional
        ``"Zlínský kraj"``, ``"ORP Otrokovice"``, ``"7205"``, ``"Otrokovicko"``, ``"CZ"``;
        a list of obce is a micro-region ("vlastní mikroregion"). Required unless
        ``regions`` or ``within`` is given.
    level : {"obec", "pou", "orp", "okres", "kraj"}, default "orp"
    services, forms, categories, target_groups, capacity_units : str or list, optional
        The selection as CLI flags and notebook parameters give it (comma-separated
        text or lists; empty: no filter). Ignored when ``selection`` is given.
    selection : Selection, optional
    population : str, optional
        "total", "0-14", "15-64", "65+", "80+"; None or "" the default of the kinds of
        service ("65+" for domovy pro seniory, "total" for a mixed selection).
    services_file : str, Path or list of them, optional
        None or ``""``: the register catalogue in ``KPSS_DATA_DIR``; a list is combined
        (``["", "planovane.xlsx"]``).
    regions : list of str or Region, or "A; B", optional
        Regions to compare.
    within : str or Region, optional
        Compare every unit of ``level`` within this region, too.
    settings : Settings, optional
        Or the settings as keywords: ``cost`` (default "auto": drive time where the
        road file is present, else straight lines with a note), ``radius_km`` /
        ``radius_min``, ``terrain_radius_km`` / ``terrain_radius_min``,
        ``catchment_km`` / ``catchment_min``, ``terrain_attribution``, ``on``
        (reference date; default the input's own date, none for an input without
        one) and ``speeds`` (defaults of :class:`Settings`).
    what : str, default "argument"
        How error messages name a bad value ("parametr" in notebooks).

    Raises
    ------
    RegionNotFoundError, UnknownValueError
        for an unknown region, service, level or population (listing the closest
        valid names) or a bad setting.
    DataFileError
        for a missing or malformed input file.
    """
    if (cached := _runcache.lookup(locals())) is not None:  # a job of `kpss run`: the run's study, opened once
        return cached
    if level not in _coverage.LEVEL_COLUMNS:
        raise UnknownValueError(f"{what} level={level!r}: expected one of {', '.join(_coverage.LEVEL_COLUMNS)}")
    unknown = set(setting_values) - set(Settings.__dataclass_fields__)
    if unknown:
        raise TypeError(f"open_study() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    settings = (settings or Settings(**setting_values)).checked(what)
    settings, network, notes = resolve_cost(settings)
    resolved = _region(region) if region is not None else None
    listed = _regions(regions, what)
    within_region = find_region(within) if within else None
    if resolved is None and not listed and not within:
        raise UnknownValueError(f"{what} region (one region) or regions/within (regions to compare) is required")
    chosen = selection or Selection.from_text(services or "", categories or "", forms or "", target_groups or "",
                                              capacity_units or "")
    group = population or chosen.default_population()
    population_column(group)
    data, date_notes = load_on(services_file, settings.on)
    obce_geo = load_obce()
    places = chosen.apply(data.places)
    study = Study(region=resolved, regions=tuple(listed), level=level, selection=chosen, population=group,
                  settings=settings, services_file=services_file, services=data, obce_geo=obce_geo, places=places,
                  within=within_region, network=network, notes=notes + date_notes)
    if within_region is None:
        return study
    units = _compare.units_as_regions(study.obce, within_region, level)
    return with_region(study, regions=tuple(listed) + tuple(units))


def with_region(study: Study, region: "RegionLike | None" = None, **changes) -> Study:
    """The same study for another region (or other ``regions``), reusing its loaded and computed inputs.

    Selection, population, settings and inputs stay; the basis (all of CZ) is not
    computed again. E.g. one map per kraj from one study.
    """
    if region is not None:
        changes["region"] = _region(region)
    other = replace(study, **changes)
    kept = _REGION_FREE if set(changes) <= {"region", "regions", "within"} else ("obce", "datapaq")
    other.__dict__.update({name: study.__dict__[name] for name in kept if name in study.__dict__})
    return other


#: What a study computes once whatever its region: another region of the same study shares it.
_REGION_FREE = ("obce", "basis", "datapaq", "_method_notes", "_reference_tables")


def with_geometry(study: Study, table: pd.DataFrame, level: str, key: str = "unit_code") -> gpd.GeoDataFrame:
    units = study.obce_geo if level == "obec" else load_level(level)
    units = units.loc[units[f"{level}_code"].isin(table[key]), [f"{level}_code", "geometry"]]
    merged = units.rename(columns={f"{level}_code": key}).merge(table, on=key, how="right")
    result = gpd.GeoDataFrame(merged, geometry="geometry", crs=units.crs)
    result.attrs = table.attrs
    return result


def _the_region(study: Study) -> Region:
    if study.region is None:
        raise UnknownValueError("this table needs the study's region (open_study(region=...))")
    return study.region


def coverage_table(study: Study, *, region: "RegionLike | None" = None, level: str | None = None,
                   total: bool = False, geometry: bool = False) -> pd.DataFrame | gpd.GeoDataFrame:
    """Every indicator per unit of the study's level within its region.

    Parameters
    ----------
    study : Study
    region : str or Region, optional
        Another region aggregated from the same basis (e.g. "CZ" as reference).
    level : str, optional
        Default the study's level.
    total : bool, default False
        Append a row for the whole region (not when the region is a single unit of
        the level: that row would repeat the unit).
    geometry : bool, default False
        Return a GeoDataFrame with the units' polygons (EPSG:4326; a total row has none).

    Returns
    -------
    DataFrame or GeoDataFrame
        See :func:`kpss_lib.indicators.coverage.aggregate`; shares 0–1; ``attrs`` also
        hold ``region`` (label), ``level``, ``selection`` and ``population``.
    """
    level = level or study.level
    # Another region (a reference such as CZ) is aggregated once per study and shared by its
    # other regions (with_region): every job of `kpss run` gets the run's CZ table.
    key = (region, level, total, geometry) if isinstance(region, str) else None
    if key is not None and key in study._reference_tables:
        return _copy_table(study._reference_tables[key])
    area = _region(region) if region is not None else _the_region(study)
    table = _coverage.indicator_table(study.obce, study.places, area, level, study.population, total=total,
                                      basis=study.basis)
    if total and len(table) == 2:  # a region that is one unit: its total row would repeat that unit
        table = table.iloc[:1].copy()
    table.attrs.update({**study.describe(), "region": area.label, "level": level})
    table = with_geometry(study, table, level) if geometry else table
    if key is not None:
        study._reference_tables[key] = _copy_table(table)
    return table


def _copy_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy callers may change freely (attrs too)."""
    import copy

    result = table.copy(deep=True)
    result.attrs = copy.deepcopy(table.attrs)
    return result


def nearest_table(study: Study, *, geometry: bool = False) -> pd.DataFrame | gpd.GeoDataFrame:
    """Every obec of the region: nearest service, distance, white spot flag and 2SFCA.

    See :func:`kpss_lib.indicators.coverage.nearest_distances`; ``geometry=True``
    adds the obec polygons (EPSG:4326).
    """
    table = _coverage.nearest_distances(study.obce, study.places, _the_region(study), study.population,
                                        basis=study.basis)
    table.attrs.update({**study.describe(), "cost_unit": study.settings.unit, "cost_kind": study.settings.cost,
                        "cost_note": study.cost_note})
    return with_geometry(study, table, "obec", "obec_code") if geometry else table


def white_spots_table(study: Study, *, geometry: bool = False) -> pd.DataFrame | gpd.GeoDataFrame:
    """Obce of the region without a residential or day service of the selection within ``settings.radius``.

    Columns of :func:`nearest_table`; ``white_spot`` is True on every row,
    ``terrain_reached`` says which a terrain service reaches, ``white_spot_all``
    which have neither. ``attrs["cost_unit"]`` is the radius's unit (km or min).
    """
    table = _coverage.white_spots(study.obce, study.places, _the_region(study), study.settings.radius,
                                  study.population, basis=study.basis, which="white_spot")
    table.attrs.update({**study.describe(), "cost_unit": study.settings.unit, "cost_kind": study.settings.cost,
                        "radius": study.settings.radius, "cost_note": study.cost_note})
    return with_geometry(study, table, "obec", "obec_code") if geometry else table


def compare_table(study: Study) -> pd.DataFrame:
    """The comparison table of the study's regions: ranks, kraj/CZ values, DataPAQ peers, need.

    See :func:`kpss_lib.indicators.compare.compare_regions`; ``attrs["regions"]`` holds
    the compared regions (for :func:`region_geometries`).
    """
    if not study.regions:
        raise UnknownValueError("give the regions to compare or within= (e.g. within='Zlínský kraj')")
    table = _compare.compare_regions(study.obce, study.places, list(study.regions), study.population,
                                     datapaq=study.datapaq, basis=study.basis)
    table.attrs.update({**study.describe(), "regions": list(study.regions)})
    return table


def need_for(study: Study) -> pd.DataFrame:
    """Need indicators (65+/80+ shares, DataPAQ) per unit of the study's level within its region."""
    table = need_table(study.obce, study.datapaq, _the_region(study), study.level)
    table.attrs.update(study.describe())
    return table


def region_geometries(study: Study, regions: "Sequence[Region] | None" = None) -> gpd.GeoDataFrame:
    """One polygon per compared region (``region_code``, ``region_name``, ``geometry`` in EPSG:4326).

    Administrative units take their own boundary; a micro-region, CZ or a part of
    a unit (an ORP of which only some obce are compared, see
    :mod:`kpss_lib.indicators.compare`) the union of its obce.
    """
    from kpss_lib.config import CRS_WGS84

    obce = study.obce_geo
    sizes: dict = {}
    rows = []
    for region in regions if regions is not None else study.regions:
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

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
from kpss_lib.indicators.distance import check_radius_km
from kpss_lib.indicators.need import need_table
from kpss_lib.indicators.selection import Selection
from kpss_lib.load.datapaq import load_datapaq
from kpss_lib.load.services import ServiceData, load_services
from kpss_lib.load.territory import POPULATION_LABELS, Region, find_region, load_level, load_obce, micro_region
from kpss_lib.load.territory import population_column

__all__ = ["Settings", "Study", "compare_table", "coverage_table", "need_for", "nearest_table", "open_study",
           "region_geometries", "services_input", "white_spots_table", "with_region"]

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


@dataclass(frozen=True)
class Settings:
    """Settings of every indicator of a study (the one place to add another).

    Attributes
    ----------
    radius_km : float, default 10.0
        White spot: no residential or day place of the selection within this distance (km).
    terrain_radius_km : float, default 15.0
        Assumed reach of a terrain service around its base when the input has no
        registered territorial scope (km).
    catchment_km : float or None, default 20.0
        2SFCA catchment (km); None leaves accessibility out.
    terrain_attribution : {"base", "reach"}, default "base"
        Count terrain capacity where the service is based, or spread it over the
        obce it reaches by target population.
    """

    radius_km: float = 10.0
    terrain_radius_km: float = 15.0
    catchment_km: float | None = 20.0
    terrain_attribution: str = "base"

    def checked(self, what: str = "argument") -> "Settings":
        """The settings as floats; UnknownValueError naming ``what`` and the setting otherwise."""
        if self.terrain_attribution not in _coverage.ATTRIBUTIONS:
            raise UnknownValueError(f"{what} terrain_attribution={self.terrain_attribution!r}: expected one of "
                                    f"{', '.join(_coverage.ATTRIBUTIONS)}")
        return Settings(
            radius_km=check_radius_km(self.radius_km, f"{what} radius_km"),
            terrain_radius_km=check_radius_km(self.terrain_radius_km, f"{what} terrain_radius_km"),
            catchment_km=(None if self.catchment_km is None
                          else check_radius_km(self.catchment_km, f"{what} catchment_km")),
            terrain_attribution=self.terrain_attribution)

    def basis_arguments(self) -> dict:
        """Keyword arguments of :func:`~kpss_lib.indicators.coverage.indicator_basis`."""
        return {"radius_km": self.radius_km, "terrain_radius_km": self.terrain_radius_km,
                "catchment_km": self.catchment_km, "terrain_attribution": self.terrain_attribution}


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

    @cached_property
    def obce(self) -> pd.DataFrame:
        """Every obec of CZ without polygons (what the indicator functions take)."""
        return pd.DataFrame(self.obce_geo.drop(columns="geometry"))

    @cached_property
    def basis(self) -> _coverage.IndicatorBasis:
        """The indicator basis of the selection over all of CZ (computed once per study)."""
        return _coverage.indicator_basis(self.obce, self.places, self.population,
                                         **self.settings.basis_arguments())

    @cached_property
    def datapaq(self) -> pd.DataFrame:
        """DataPAQ indicators per ORP (loaded when first needed)."""
        return load_datapaq()

    @property
    def rejected(self) -> pd.DataFrame:
        """Records of the services input that were rejected and are in no figure."""
        return self.services.rejected

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
        Or the settings as keywords: ``radius_km``, ``terrain_radius_km``,
        ``catchment_km``, ``terrain_attribution`` (defaults of :class:`Settings`).
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
    resolved = _region(region) if region is not None else None
    listed = _regions(regions, what)
    within_region = find_region(within) if within else None
    if resolved is None and not listed and not within:
        raise UnknownValueError(f"{what} region (one region) or regions/within (regions to compare) is required")
    chosen = selection or Selection.from_text(services or "", categories or "", forms or "", target_groups or "",
                                              capacity_units or "")
    group = population or chosen.default_population()
    population_column(group)
    data = load_services(services_input(services_file))
    obce_geo = load_obce()
    places = chosen.apply(data.places)
    study = Study(region=resolved, regions=tuple(listed), level=level, selection=chosen, population=group,
                  settings=settings, services_file=services_file, services=data, obce_geo=obce_geo, places=places,
                  within=within_region)
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
    other.__dict__.update({name: study.__dict__[name] for name in ("obce", "basis", "datapaq")
                           if name in study.__dict__})
    return other


def _with_geometry(study: Study, table: pd.DataFrame, level: str, key: str = "unit_code") -> gpd.GeoDataFrame:
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
        Append a row for the whole region.
    geometry : bool, default False
        Return a GeoDataFrame with the units' polygons (EPSG:4326; a total row has none).

    Returns
    -------
    DataFrame or GeoDataFrame
        See :func:`kpss_lib.indicators.coverage.aggregate`; shares 0–1; ``attrs`` also
        hold ``region`` (label), ``level``, ``selection`` and ``population``.
    """
    if (cached := _runcache.reference_table(study, region, level, total, geometry)) is not None:
        return cached  # a reference (CZ) of `kpss run`, aggregated once per run
    area = _region(region) if region is not None else _the_region(study)
    level = level or study.level
    table = _coverage.indicator_table(study.obce, study.places, area, level, study.population, total=total,
                                      basis=study.basis)
    table.attrs.update({**study.describe(), "region": area.label, "level": level})
    return _with_geometry(study, table, level) if geometry else table


def nearest_table(study: Study, *, geometry: bool = False) -> pd.DataFrame | gpd.GeoDataFrame:
    """Every obec of the region: nearest service, distance, white spot flag and 2SFCA.

    See :func:`kpss_lib.indicators.coverage.nearest_distances`; ``geometry=True``
    adds the obec polygons (EPSG:4326).
    """
    table = _coverage.nearest_distances(study.obce, study.places, _the_region(study), study.population,
                                        basis=study.basis)
    table.attrs.update(study.describe())
    return _with_geometry(study, table, "obec", "obec_code") if geometry else table


def white_spots_table(study: Study, *, geometry: bool = False) -> pd.DataFrame | gpd.GeoDataFrame:
    """Obce of the region without a service of the selection within ``settings.radius_km``."""
    table = _coverage.white_spots(study.obce, study.places, _the_region(study), study.settings.radius_km,
                                  study.population, basis=study.basis)
    table.attrs.update(study.describe())
    return _with_geometry(study, table, "obec", "obec_code") if geometry else table


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

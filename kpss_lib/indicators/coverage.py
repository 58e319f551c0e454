"""Coverage of a territory by social services: supply per unit, white spots, distances.

Pure functions over the tables of :mod:`kpss_lib.load` (``load_obce()`` and a
selection of ``load_services().places``); nothing here reads files.

How the figures are built
-------------------------
Capacity
    A capacity is registered for a service and its *form* of provision in one
    *unit* (beds, clients, contacts, interventions, calls). Each place row carries
    ``capacity_share`` = capacity / number of places of that service-form-unit, so
    a service listed at three addresses puts a third of its capacity at each and
    sums over places equal the register. Capacities of different forms or units
    are never added up: each (form, unit) pair is its own *measure* with its own
    columns, e.g. ``capacity_residential_beds`` (pobytová, lůžka) or
    ``capacity_field_clients`` (terénní, klienti); see :data:`FORM_KEYS`,
    :data:`UNIT_KEYS`. A table has the measures present in the ``places`` it was
    given (all five units of all forms when that is empty).
Attribution to units
    Every place lies in an obec; an obec lies in exactly one POU, ORP, okres and
    kraj, so sums over obce add up across levels (the ORP of a kraj sum to the
    kraj). With ``terrain_attribution="base"`` (default) all capacity stays where
    the service is based. With ``"reach"``, the capacity of a terrain (terénní)
    place is spread over the obce within its reach in proportion to their target
    population; the total is unchanged (a reach without any target population
    keeps the capacity at the base).
Per 1 000
    ``per_1000_<measure>`` = summed capacity / summed target population × 1 000
    over the unit's obce, never an average of ratios. A unit whose target
    population is zero gets NaN and ``population_zero = True`` (and a line in
    ``attrs["warnings"]``); nothing is divided by zero.
Reach of terrain services
    When the places carry ``scope_orp_codes`` (the register's territorial scope,
    ``;``-separated ORP codes), a terrain service reaches every obec of those ORP;
    otherwise, by assumption, every obec whose definition point lies within
    ``terrain_radius_km`` (default 15 km) of the place. Outputs say which in the
    ``terrain_reach`` column / ``attrs["terrain_reach"]``.
White spots and distances
    Distances are straight lines from the obec's definition point to service
    places, in km on EPSG:5514 (:mod:`kpss_lib.indicators.distance`), to places
    anywhere in ``places`` (people cross region borders). An obec is a *white
    spot* (``white_spot``) when no non-terrain place of the selection lies within
    ``radius_km``; ``terrain_reached`` when a terrain service reaches it;
    ``white_spot_all`` (counted in ``n_white_spots`` of units) when both are
    missing. The mean distance of a unit is weighted by the target population.
    With ``cost="road"`` or ``"drive"`` (:mod:`kpss_lib.indicators.costs`) the
    nearest place, the radius, the terrain reach and the catchment are road km or
    drive minutes (column ``cost``); ``distance_km`` stays the straight line.
Accessibility (2SFCA)
    ``access_per_1000_<measure>`` is the population-weighted mean over the unit's
    obce of the two-step floating catchment accessibility
    (:func:`kpss_lib.indicators.access.two_step_fca`, catchment ``catchment_km``)
    computed with every obec of ``obce`` as demand, so supply near a border is
    shared with the neighbours.

Pass the whole ``load_obce()`` table as ``obce`` and restrict with ``region``:
demand and reach outside the region matter for distances and accessibility.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.access import enhanced_two_step_fca, two_step_fca
from kpss_lib.indicators.costs import COST_UNITS, cost_table, nearest_cost, pairs_within_cost
from kpss_lib.indicators.distance import (
    check_radius_km,
    coordinate_array,
    nearest_destination,
    require_columns,
)
from kpss_lib.indicators.roads import RoadNetwork
from kpss_lib.load.territory import POPULATION_LABELS, Region, population_column

__all__ = [
    "FORM_KEYS",
    "LEVEL_COLUMNS",
    "UNIT_KEYS",
    "IndicatorBasis",
    "add_age_shares",
    "aggregate",
    "capacity_measures",
    "coverage_table",
    "coverage_total",
    "default_measure",
    "indicator_basis",
    "indicator_table",
    "indicator_total",
    "measure_key",
    "nearest_distances",
    "region_obce_codes",
    "terrain_reach_label",
    "white_spots",
]

#: Czech form of provision → key used in column names.
FORM_KEYS = {"pobytová": "residential", "ambulantní": "ambulatory", "terénní": "field"}
#: Czech capacity unit → key used in column names.
UNIT_KEYS = {"lůžka": "beds", "klienti": "clients", "kontakty": "contacts",
             "intervence": "interventions", "hovory": "calls"}
#: Level → (code column, name column) of the obce table.
LEVEL_COLUMNS = {
    "obec": ("obec_code", "obec_name"),
    "pou": ("pou_code", "pou_name"),
    "orp": ("orp_code", "orp_name"),
    "okres": ("okres_code", "okres_name"),
    "kraj": ("kraj_code", "kraj_name"),
}
TERRAIN_FORM = "terénní"
SCOPE_COLUMN = "scope_orp_codes"
ATTRIBUTIONS = ("base", "reach")
_OBEC_COLUMNS = ["obec_code", "obec_name", "orp_code", "orp_name", "okres_code", "okres_name",
                 "kraj_code", "kraj_name", "x", "y"]
_PLACE_COLUMNS = ["service_id", "form", "capacity_unit", "capacity_share", "obec_code", "x", "y"]


def measure_key(form: str, unit: str) -> str:
    """Column key of a (form, capacity unit) pair: ("pobytová", "lůžka") → "residential_beds"."""
    try:
        return f"{FORM_KEYS[form]}_{UNIT_KEYS[unit]}"
    except KeyError:
        raise UnknownValueError(
            f"unknown form or capacity unit ({form!r}, {unit!r}); expected a form of "
            f"{', '.join(FORM_KEYS)} and a unit of {', '.join(UNIT_KEYS)}") from None


def capacity_measures(places: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The (key, form, unit) measures present in ``places``, in a fixed order.

    All 15 pairs of forms and units when ``places`` is empty, so an empty
    selection still yields zero columns rather than none.
    """
    pairs = set(zip(places["form"], places["capacity_unit"])) if len(places) else set()
    ordered = [(measure_key(f, u), f, u) for f in FORM_KEYS for u in UNIT_KEYS]
    if not pairs:
        return ordered
    unknown = pairs - {(f, u) for _, f, u in ordered}
    if unknown:
        form, unit = sorted(unknown)[0]
        measure_key(form, unit)  # raises with the valid values
    return [m for m in ordered if (m[1], m[2]) in pairs]


def add_age_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``share_65_plus`` and ``share_80_plus`` to a table of *summed* populations.

    Shares are summed population / summed ``pop_total`` (0–1) of each row, never
    averages of the obce's shares; a row without inhabitants gets NaN. The one
    place these shares are computed (coverage and need tables alike).

    Parameters
    ----------
    table : DataFrame
        With ``pop_total``, ``pop_65_plus`` and ``pop_80_plus`` (numbers of people).

    Returns
    -------
    DataFrame
        ``table`` itself, with the two columns set.
    """
    positive = table["pop_total"].where(table["pop_total"] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share_65_plus"] = table["pop_65_plus"] / positive
        table["share_80_plus"] = table["pop_80_plus"] / positive
    return table


def default_measure(table: pd.DataFrame) -> str | None:
    """The measure a map or a summary shows when none is asked for.

    The (form, capacity unit) measure with the largest total capacity in ``table``
    (``capacity_<key>`` columns), i.e. what the selection is mostly about: beds for
    domovy pro seniory, clients for pečovatelská služba. Ties go to the first
    measure in the order of :data:`FORM_KEYS` × :data:`UNIT_KEYS` (pobytová lůžka
    first). ``kpss map`` and the notebooks show this measure by default.

    Parameters
    ----------
    table : DataFrame
        An indicator, coverage or comparison table.

    Returns
    -------
    str or None
        The measure key, e.g. ``"residential_beds"`` (its columns are
        ``per_1000_<key>``, ``access_per_1000_<key>``); None when the table has
        no capacity column.
    """
    ordered = [f"{form}_{unit}" for form in FORM_KEYS.values() for unit in UNIT_KEYS.values()]
    present = [key for key in ordered if f"capacity_{key}" in table.columns]
    if not present:
        return None
    totals = [float(pd.to_numeric(table[f"capacity_{key}"], errors="coerce").fillna(0).sum()) for key in present]
    return present[int(np.argmax(totals))]  # argmax keeps the first of equal totals


def region_obce_codes(region: "Region | Iterable[str] | None", obce: pd.DataFrame) -> np.ndarray:
    """Obec codes of ``region`` (a Region, obec codes, or None for every obec of ``obce``).

    Raises
    ------
    UnknownValueError
        when a member obec is not in ``obce`` (a region from other data).
    """
    known = pd.Index(obce["obec_code"].astype(str).to_numpy(dtype=object))
    if region is None:
        return known.to_numpy()
    if isinstance(region, str):
        raise UnknownValueError(
            f"region: expected a Region (find_region({region!r})) or a list of obec codes, got the text "
            f"{region!r}; the pure indicator functions do not look names up")
    codes = list(region.obce) if isinstance(region, Region) else [str(c) for c in region]
    wanted = pd.Index(codes, dtype=object).unique()
    missing = sorted(wanted.difference(known))
    if missing:
        raise UnknownValueError(
            f"region: {len(missing)} obce are not in the obce table, e.g. {missing[:5]}; "
            "expected codes of load_obce()")
    return np.sort(wanted.to_numpy())


def terrain_reach_label(places: pd.DataFrame, terrain_radius_km: float, unit: str = "km") -> str:
    """Czech statement of how the reach of the terrain services in ``places`` was set.

    ``terrain_radius_km`` is in ``unit`` ("km", or "min" for drive time).
    """
    terrain = places[places["form"] == TERRAIN_FORM] if len(places) else places
    if terrain.empty:
        return "bez terénních služeb"
    radius = (f"poloměr {terrain_radius_km:g} km od místa poskytování (předpoklad)" if unit == "km" else
              f"{terrain_radius_km:g} min jízdy od místa poskytování (předpoklad)")
    if SCOPE_COLUMN not in terrain.columns:
        return radius
    has_scope = terrain[SCOPE_COLUMN].fillna("").astype(str).str.strip() != ""
    with_scope = terrain.loc[has_scope, "service_id"].nunique()
    without = terrain.loc[~has_scope, "service_id"].nunique()
    if without == 0:
        return "územní působnost z registru"
    if with_scope == 0:
        return radius
    return f"územní působnost z registru ({with_scope} služeb), jinak {radius} ({without} služeb)"


def _terrain_pairs(obce: pd.DataFrame, obce_xy: np.ndarray, places: pd.DataFrame, places_xy: np.ndarray,
                   terrain_radius_km: float, cost: str = "straight",
                   network: RoadNetwork | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(place position, obec position) for every obec a terrain place reaches (radius in the cost's unit)."""
    terrain = np.flatnonzero((places["form"] == TERRAIN_FORM).to_numpy())
    if len(terrain) == 0 or len(obce) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if SCOPE_COLUMN in places.columns:
        scope = places[SCOPE_COLUMN].iloc[terrain].fillna("").astype(str).str.strip()
        by_scope = terrain[(scope != "").to_numpy()]
        by_radius = terrain[(scope == "").to_numpy()]
    else:
        by_scope, by_radius = terrain[:0], terrain
    place_pos, obec_pos = [], []
    if len(by_scope):
        listed = pd.DataFrame({"place_pos": by_scope,
                               "orp_code": places[SCOPE_COLUMN].iloc[by_scope].astype(str).str.split(";").to_numpy()})
        listed = listed.explode("orp_code")
        listed["orp_code"] = listed["orp_code"].str.strip()
        positions = pd.DataFrame({"orp_code": obce["orp_code"].astype(str).to_numpy(),
                                  "obec_pos": np.arange(len(obce))})
        joined = listed.merge(positions, on="orp_code")
        place_pos.append(joined["place_pos"].to_numpy(np.int64))
        obec_pos.append(joined["obec_pos"].to_numpy(np.int64))
    if len(by_radius):
        i, j, _ = pairs_within_cost(obce_xy, places_xy[by_radius], cost, terrain_radius_km, network)
        place_pos.append(by_radius[j])
        obec_pos.append(i)
    return np.concatenate(place_pos), np.concatenate(obec_pos)


@dataclass(frozen=True)
class IndicatorBasis:
    """Everything the indicators of one selection and target population are summed from.

    Built by :func:`indicator_basis`; aggregated to any units by :func:`aggregate`.

    Attributes
    ----------
    obce : DataFrame
        One row per obec of the input (same order): codes and names, ``population``
        (target), ``pop_total``, ``pop_65_plus``, ``pop_80_plus``; with distances:
        ``distance_km`` (to the nearest place of the selection, NaN when it is
        empty), ``nearest_service_id``, ``nearest_service_name``,
        ``nearest_obec_name``, ``distance_fixed_km`` (nearest non-terrain place),
        ``n_terrain_reaching``, ``covered``, ``white_spot``; with a catchment:
        ``access_per_1000_<measure>``.
    attributions : DataFrame
        One row per (place, obec it is attributed to): ``obec_pos`` (row position in
        ``obce``), ``service_id``, ``provider``, ``place_id``, ``measure``,
        ``capacity`` (attributed, in the measure's unit).
    measures : list of (key, form, unit)
    population : str
        The target population key ("65+", …).
    settings : dict
        ``radius_km``, ``terrain_radius_km``, ``catchment_km``, ``terrain_attribution``,
        ``terrain_reach`` (Czech label), ``selection`` (Czech description or "").
    """

    obce: pd.DataFrame
    attributions: pd.DataFrame
    measures: list = field(default_factory=list)
    population: str = "total"
    settings: dict = field(default_factory=dict)


def _obec_frame(obce: pd.DataFrame, pop_column: str) -> pd.DataFrame:
    """The obce columns a basis keeps, populations as floats, ``population`` the target one."""
    keep = [c for c in [*_OBEC_COLUMNS, "pou_code", "pou_name"] if c in obce.columns]
    table = pd.DataFrame(obce[keep]).reset_index(drop=True)
    table["obec_code"] = table["obec_code"].astype(str)
    for column in dict.fromkeys([pop_column, "pop_total", "pop_65_plus", "pop_80_plus"]):
        if column in obce.columns:
            table[column] = obce[column].to_numpy(dtype="float64")
    table["population"] = obce[pop_column].to_numpy(dtype="float64")
    return table


def _attributions(table: pd.DataFrame, places: pd.DataFrame, terrain_place: np.ndarray, terrain_obec: np.ndarray,
                  terrain_attribution: str) -> pd.DataFrame:
    """One row per (place, obec its capacity is counted in); see :class:`IndicatorBasis`."""
    position_of = pd.Series(np.arange(len(table)), index=table["obec_code"])
    base_pos = places["obec_code"].astype(str).map(position_of)
    provider = (places["provider_ico"] if "provider_ico" in places.columns
                else pd.Series(pd.NA, index=places.index, dtype="object"))
    if "provider_name" in places.columns:
        provider = provider.astype("object").where(provider.notna(), places["provider_name"])
    place_id = places["place_id"] if "place_id" in places.columns else pd.Series(places.index.astype(str))
    keys = [measure_key(f, u) for f, u in zip(places["form"], places["capacity_unit"])] if len(places) else []
    place_pos = np.arange(len(places))
    obec_pos = base_pos.to_numpy(dtype="float64")
    weight = np.ones(len(places))
    if terrain_attribution == "reach" and len(terrain_place):
        demand = table["population"].to_numpy()[terrain_obec]
        in_reach = np.bincount(terrain_place, weights=demand, minlength=len(places))
        spread = in_reach[terrain_place] > 0
        moved = np.zeros(len(places), dtype=bool)
        moved[terrain_place[spread]] = True
        place_pos = np.concatenate([place_pos[~moved], terrain_place[spread]])
        obec_pos = np.concatenate([obec_pos[~moved], terrain_obec[spread].astype("float64")])
        weight = np.concatenate([weight[~moved], demand[spread] / in_reach[terrain_place[spread]]])
    located = ~np.isnan(obec_pos)  # places in obce outside the given table lie outside every region
    place_pos, obec_pos, weight = place_pos[located], obec_pos[located].astype(np.int64), weight[located]
    return pd.DataFrame({
        "obec_pos": obec_pos,
        "service_id": places["service_id"].to_numpy()[place_pos],
        "provider": provider.to_numpy()[place_pos],
        "place_id": place_id.to_numpy()[place_pos],
        "measure": np.asarray(keys, dtype=object)[place_pos] if len(places) else np.empty(0, object),
        "capacity": places["capacity_share"].to_numpy(dtype="float64")[place_pos] * weight,
        "weight": weight,
    })


def _nearest(table: pd.DataFrame, places: pd.DataFrame, cost: str,
             network: RoadNetwork | None) -> tuple[np.ndarray, np.ndarray]:
    """Cost to the nearest of ``places`` (positions = labels) per obec, and its position (−1: none reachable)."""
    if cost == "straight":
        found = nearest_destination(table, places)
        return found["distance_km"].to_numpy(), found["destination"].to_numpy(dtype=np.int64)
    found = nearest_cost(table, places, cost, network)  # type: ignore[arg-type]
    position = found["destination"].fillna(-1).to_numpy(dtype=np.int64)
    return found["cost"].to_numpy(dtype="float64"), position


def _add_distances(table: pd.DataFrame, places: pd.DataFrame, terrain_place: np.ndarray, terrain_obec: np.ndarray,
                   radius_km: float, reach_label: str, cost: str = "straight",
                   network: RoadNetwork | None = None) -> None:
    """Add the nearest place, terrain reach and white-spot columns to ``table`` (in place).

    ``radius_km`` is in the cost's unit; ``distance_km`` stays the straight line.
    """
    table["n_terrain_reaching"] = 0
    if len(terrain_place):
        pairs = pd.DataFrame({"obec": terrain_obec, "service": places["service_id"].to_numpy()[terrain_place]})
        counts = pairs.drop_duplicates().groupby("obec").size()
        table.loc[counts.index, "n_terrain_reaching"] = counts.to_numpy()
    if len(places):
        table["cost"], chosen = _nearest(table, places, cost, network)
        table["distance_km"] = (table["cost"] if cost == "straight"
                                else nearest_destination(table, places)["distance_km"].to_numpy())
        found = chosen >= 0
        names = places["service_name"] if "service_name" in places.columns else places["service_id"]
        columns = {"nearest_service_id": places["service_id"], "nearest_service_name": names}
        if "obec_name" in places.columns:
            columns["nearest_obec_name"] = places["obec_name"]
        for column, values in columns.items():
            picked = np.full(len(table), None, dtype=object)
            picked[found] = values.to_numpy(dtype=object)[chosen[found]]
            table[column] = picked
    else:
        table["cost"] = np.nan
        table["distance_km"] = np.nan
        table["nearest_service_id"] = None
        table["nearest_service_name"] = None
    fixed = places[places["form"] != TERRAIN_FORM].reset_index(drop=True)
    table["cost_fixed"] = _nearest(table, fixed, cost, network)[0] if len(fixed) else np.nan
    table["distance_fixed_km"] = (table["cost_fixed"] if cost == "straight" else
                                  nearest_destination(table, fixed)["distance_km"].to_numpy() if len(fixed)
                                  else np.nan)
    table["white_spot"] = ~(table["cost_fixed"] <= radius_km).to_numpy()
    table["terrain_reached"] = (table["n_terrain_reaching"] > 0).to_numpy()
    table["white_spot_all"] = table["white_spot"] & ~table["terrain_reached"]
    table["covered"] = ~table["white_spot_all"]
    table["terrain_reach"] = reach_label


def _add_accessibility(table: pd.DataFrame, places: pd.DataFrame, measures: list, catchment_km: float,
                       cost: str = "straight", network: RoadNetwork | None = None) -> None:
    """Add ``access_per_1000_<measure>`` to ``table`` (in place).

    Straight lines: 2SFCA within ``catchment_km`` (km). Road km: 2SFCA over a road cost
    table cut at the catchment. Drive minutes: E2SFCA with Luo & Qi's zones (0–10,
    10–20, 20–30 min; weights 1, 0.68, 0.22) within the catchment (minutes).
    """
    for key, form, unit in measures:
        chosen = places[(places["form"] == form) & (places["capacity_unit"] == unit)]
        if chosen.empty:
            table[f"access_per_1000_{key}"] = 0.0
            continue
        supply = pd.DataFrame({"x": chosen["x"].to_numpy(), "y": chosen["y"].to_numpy(),
                               "capacity": chosen["capacity_share"].to_numpy(dtype="float64")})
        demand = table[["x", "y", "population"]]
        if cost == "straight":
            result = two_step_fca(demand, supply, catchment_km)
        else:
            costs = cost_table(demand, supply, cost, catchment_km, network)  # type: ignore[arg-type]
            method = enhanced_two_step_fca if cost == "drive" else two_step_fca
            result = method(demand, supply, costs=costs)
        table[f"access_per_1000_{key}"] = result["access_per_1000"].to_numpy()


def indicator_basis(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    population: str = "65+",
    *,
    radius_km: float | None = 10.0,
    terrain_radius_km: float = 15.0,
    catchment_km: float | None = None,
    terrain_attribution: str = "base",
    cost: str = "straight",
    network: RoadNetwork | None = None,
) -> IndicatorBasis:
    """Per-obec figures and attributed capacities of one selection of services.

    Parameters
    ----------
    obce : DataFrame
        ``load_obce()`` (all of CZ, so that reach and demand across borders count),
        or any table with ``obec_code``, the level codes and names, ``x, y``
        (EPSG:5514 m) and the ``pop_*`` columns.
    places : DataFrame
        Selected rows of ``load_services().places`` (see
        :func:`~kpss_lib.indicators.selection.select_services`).
    population : str, default "65+"
        Target population: "total", "0-14", "15-64", "65+" or "80+".
    radius_km : float or None, default 10.0
        Distance within which a non-terrain place covers an obec (white spots);
        None skips distances and white spots.
    terrain_radius_km : float, default 15.0
        Assumed reach of a terrain service around its base when the data has no
        territorial scope.
    catchment_km : float or None, default None
        2SFCA catchment radius; None skips accessibility.
    terrain_attribution : {"base", "reach"}, default "base"
        Where the capacity of terrain services is counted (module notes).
    cost : {"straight", "road", "drive"}, default "straight"
        Distance kind (:mod:`kpss_lib.indicators.costs`). With "road" the three
        radii are road km, with "drive" drive minutes (the ``*_km`` names stay);
        ``cost`` columns are in that unit, ``distance_km`` stays the straight line.
    network : RoadNetwork, optional
        Required for "road" and "drive".

    Raises
    ------
    UnknownValueError
        for an unknown population group or attribution, a missing column, or a
        non-positive radius.
    ValidationError
        for a missing or non-finite coordinate (rows named).
    """
    require_columns(obce, _OBEC_COLUMNS, "obce")
    require_columns(places, _PLACE_COLUMNS, "places")
    pop_column = population_column(population)
    if terrain_attribution not in ATTRIBUTIONS:
        raise UnknownValueError(
            f"terrain_attribution: expected one of {', '.join(ATTRIBUTIONS)}, got {terrain_attribution!r}")
    terrain_radius_km = check_radius_km(terrain_radius_km, "terrain_radius_km")
    if radius_km is not None:
        radius_km = check_radius_km(radius_km, "radius_km")
    if catchment_km is not None:
        catchment_km = check_radius_km(catchment_km, "catchment_km")

    places = places.reset_index(drop=True)
    table = _obec_frame(obce, pop_column)
    obce_xy = coordinate_array(table, argument="obce")
    places_xy = coordinate_array(places, argument="places")
    measures = capacity_measures(places)
    if cost not in COST_UNITS:
        raise UnknownValueError(f"cost: expected one of {', '.join(COST_UNITS)}, got {cost!r}")
    terrain_place, terrain_obec = _terrain_pairs(table, obce_xy, places, places_xy, terrain_radius_km, cost, network)
    attributions = _attributions(table, places, terrain_place, terrain_obec, terrain_attribution)
    reach_label = terrain_reach_label(places, terrain_radius_km, COST_UNITS[cost])
    if radius_km is not None:
        _add_distances(table, places, terrain_place, terrain_obec, radius_km, reach_label, cost, network)
    if catchment_km is not None:
        _add_accessibility(table, places, measures, catchment_km, cost, network)
    settings = {"radius_km": radius_km, "terrain_radius_km": terrain_radius_km, "catchment_km": catchment_km,
                "terrain_attribution": terrain_attribution, "terrain_reach": reach_label,
                "selection": places.attrs.get("selection", ""), "cost": cost, "unit": COST_UNITS[cost]}
    return IndicatorBasis(table, attributions, measures, population, settings)


def _group_keys(basis: IndicatorBasis, members: np.ndarray, level: str | None,
                region_code: str, region_name: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Unit code of each member obec position, and one info row per unit."""
    table = basis.obce.iloc[members]
    if level is None:
        keys = np.full(len(members), region_code, dtype=object)
        info = pd.DataFrame({"unit_code": [region_code], "unit_name": [region_name]})
        kraje = sorted(table["kraj_code"].unique())
        if len(kraje) == 1:
            info["kraj_code"] = kraje[0]
            info["kraj_name"] = table["kraj_name"].iloc[0]
        else:
            info["kraj_code"] = ";".join(kraje)
            info["kraj_name"] = ";".join(table.drop_duplicates("kraj_code").sort_values("kraj_code")["kraj_name"])
        return keys, info.set_index("unit_code")
    if level not in LEVEL_COLUMNS:
        raise UnknownValueError(f"level: expected one of {', '.join(LEVEL_COLUMNS)}, got {level!r}")
    code_col, name_col = LEVEL_COLUMNS[level]
    if code_col not in table.columns:
        raise UnknownValueError(f"level {level!r} needs the column {code_col!r} in the obce table")
    keys = table[code_col].astype(str).to_numpy()
    extra = ["kraj_code", "kraj_name"] if level != "kraj" else []
    if level == "obec":
        extra = ["orp_code", "orp_name", *extra]
    info = (table[[code_col, name_col, *extra]].drop_duplicates(code_col)
            .rename(columns={code_col: "unit_code", name_col: "unit_name"}))
    if level == "kraj":
        info["kraj_code"], info["kraj_name"] = info["unit_code"], info["unit_name"]
    info["unit_code"] = info["unit_code"].astype(str)
    return keys, info.set_index("unit_code").sort_index()


def _add_supply(out: pd.DataFrame, basis: IndicatorBasis, members: np.ndarray, keys: np.ndarray,
                safe_pop: pd.Series) -> None:
    """Counts of services, providers and places, capacities, per 1 000 and shares per unit (in place)."""
    rows = basis.attributions
    rows = rows[np.isin(rows["obec_pos"].to_numpy(), members) & (rows["weight"].to_numpy() > 0)]
    unit_of_pos = pd.Series(keys, index=members)
    rows = rows.assign(unit=unit_of_pos.reindex(rows["obec_pos"].to_numpy()).to_numpy())
    grouped = rows.groupby("unit")
    out["n_services"] = grouped["service_id"].nunique()
    out["n_providers"] = grouped["provider"].nunique()
    out["n_places"] = grouped["place_id"].nunique()
    for column in ("n_services", "n_providers", "n_places"):
        out[column] = out[column].fillna(0).astype("int64")
    capacity = rows.groupby(["unit", "measure"])["capacity"].sum().unstack("measure")
    for key, _, _ in basis.measures:
        values = capacity[key] if key in capacity.columns else pd.Series(dtype="float64")
        out[f"capacity_{key}"] = values.reindex(out.index).fillna(0.0)
        out[f"per_1000_{key}"] = out[f"capacity_{key}"] / safe_pop * 1000
        total = out[f"capacity_{key}"].sum()
        out[f"share_{key}"] = out[f"capacity_{key}"] / total if total > 0 else np.nan
    total_pop = out["population"].sum()
    out["share_population"] = out["population"] / total_pop if total_pop > 0 else np.nan


def _add_reach(out: pd.DataFrame, basis: IndicatorBasis, table: pd.DataFrame, keys: np.ndarray,
               safe_pop: pd.Series) -> None:
    """Distances, white spots (when the basis has them) and 2SFCA per unit (in place)."""
    if "distance_km" in table.columns:
        weights = table["population"].to_numpy()
        distance = table["distance_km"].to_numpy(dtype="float64")
        frame = pd.DataFrame({"unit": keys, "w": weights, "wd": weights * distance, "d": distance,
                              "white": table["white_spot_all"].to_numpy(),
                              "white_pop": weights * table["white_spot_all"].to_numpy()})
        grouped_obce = frame.groupby("unit")
        out["mean_distance_km"] = grouped_obce["wd"].sum(min_count=1) / grouped_obce["w"].sum().where(lambda s: s > 0)
        out["max_distance_km"] = grouped_obce["d"].max()
        out["n_white_spots"] = grouped_obce["white"].sum().astype("int64")
        out["population_white_spots"] = grouped_obce["white_pop"].sum()
        out["share_population_white_spots"] = out["population_white_spots"] / safe_pop
        out["terrain_reach"] = basis.settings["terrain_reach"]
    access_columns = [c for c in table.columns if c.startswith("access_per_1000_")]
    if access_columns:
        weighted = table[access_columns].mul(table["population"], axis=0).groupby(keys).sum()
        for column in access_columns:
            out[column] = weighted[column] / safe_pop


def aggregate(
    basis: IndicatorBasis,
    region: "Region | Iterable[str] | None" = None,
    level: str | None = "orp",
    *,
    region_code: str | None = None,
    region_name: str | None = None,
) -> pd.DataFrame:
    """Sum a basis over the units of ``level`` within ``region`` (or over the whole region).

    Parameters
    ----------
    basis : IndicatorBasis
        From :func:`indicator_basis`.
    region : Region, iterable of obec codes, or None
        The territory; None = every obec of the basis.
    level : {"obec", "pou", "orp", "okres", "kraj"} or None, default "orp"
        Units of the rows; None gives one row for the whole region.
    region_code, region_name : str, optional
        Code and name of the one row when ``level`` is None (default: the Region's).

    Returns
    -------
    DataFrame
        One row per unit with at least one obec in the region (every unit, also
        those without any service: zeros, not missing rows), sorted by code.
        Columns: ``unit_code, unit_name, level`` (``kraj_code, kraj_name``; for
        obce also ``orp_code, orp_name``), ``n_obce``, ``partial`` (the unit lies
        only partly in the region, e.g. in a micro-region), ``population`` (target),
        ``pop_total``, ``population_zero``, ``n_services`` (distinct service ids),
        ``n_providers`` (distinct IČO, else provider name), ``n_places``; per
        measure ``capacity_<m>``, ``per_1000_<m>``, ``share_<m>`` (of the region's
        total, 0–1); ``share_population``; ``share_65_plus``, ``share_80_plus``
        (of ``pop_total``, 0–1); with distances ``mean_distance_km``,
        ``max_distance_km``, ``n_white_spots``, ``population_white_spots``,
        ``share_population_white_spots``, ``terrain_reach``; with a catchment
        ``access_per_1000_<m>``. ``attrs`` hold ``population``, ``settings`` and
        ``warnings`` (Czech lines about units with zero target population).
    """
    obce = basis.obce
    codes = region_obce_codes(region, obce)
    members = np.flatnonzero(pd.Index(obce["obec_code"].to_numpy(dtype=object)).isin(codes))
    if isinstance(region, Region):
        region_code = region_code or region.code
        region_name = region_name or region.name
    region_code = region_code or "region"
    region_name = region_name or "vybrané území"
    keys, info = _group_keys(basis, members, level, region_code, region_name)
    table = obce.iloc[members]
    key_series = pd.Series(keys, index=table.index)

    out = info.copy()
    out.insert(1, "level", level or (region.level if isinstance(region, Region) else "region"))
    out["n_obce"] = key_series.value_counts()
    if level is not None:
        code_col = LEVEL_COLUMNS[level][0]
        full = obce[code_col].astype(str).value_counts()
        out["partial"] = out["n_obce"] < full.reindex(out.index).to_numpy()
    else:
        out["partial"] = False
    sums = table.groupby(keys)[[c for c in ("population", "pop_total", "pop_65_plus", "pop_80_plus")
                                if c in table.columns]].sum()
    out = out.join(sums)
    out["population_zero"] = out["population"] <= 0
    safe_pop = out["population"].where(~out["population_zero"])

    _add_supply(out, basis, members, keys, safe_pop)
    if "pop_65_plus" in out.columns:
        add_age_shares(out)
    _add_reach(out, basis, table, keys, safe_pop)
    out = out.reset_index()
    warnings = [f"{row.unit_name} ({row.unit_code}): cílová populace ({POPULATION_LABELS[basis.population]}) "
                "je nulová, ukazatele na 1 000 obyvatel nejsou spočteny"
                for row in out[out["population_zero"]].itertuples()]
    out.attrs = {"population": basis.population, "settings": dict(basis.settings), "warnings": warnings}
    return out


def coverage_table(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    region: "Region | Iterable[str] | None" = None,
    level: str | None = "orp",
    population: str = "65+",
    *,
    terrain_attribution: str = "base",
    terrain_radius_km: float = 15.0,
    total: bool = False,
) -> pd.DataFrame:
    """Supply of a selection per unit of ``level`` within ``region``.

    :func:`indicator_table` without distances, white spots and accessibility (the
    cheap part).

    Parameters
    ----------
    obce : DataFrame
        ``load_obce()``.
    places : DataFrame
        Selected rows of ``load_services().places``.
    region : Region, iterable of obec codes, or None
        Default: every obec of ``obce``.
    level : {"obec", "pou", "orp", "okres", "kraj"} or None, default "orp"
        None: one row for the whole region.
    population : str, default "65+"
        "total", "0-14", "15-64", "65+" or "80+".
    terrain_attribution : {"base", "reach"}, default "base"
    terrain_radius_km : float, default 15.0
        Used only with ``terrain_attribution="reach"``.
    total : bool, default False
        Append a row for the whole region.

    Returns
    -------
    DataFrame
        The supply columns of :func:`aggregate` (no distances, no accessibility).

    Examples
    --------
    >>> coverage_table(load_obce(), select_services(places, "domovy pro seniory"),
    ...                find_region("Zlínský kraj"), "orp", "65+")  # doctest: +SKIP
    """
    return indicator_table(obce, places, region, level, population, radius_km=None, catchment_km=None,
                           terrain_radius_km=terrain_radius_km, terrain_attribution=terrain_attribution,
                           total=total)


def coverage_total(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    region: "Region | Iterable[str] | None" = None,
    population: str = "65+",
    *,
    terrain_attribution: str = "base",
    terrain_radius_km: float = 15.0,
) -> pd.DataFrame:
    """One row for the whole region, with the columns of :func:`coverage_table`.

    Sums over the region's obce; ``n_services`` counts distinct services (a
    service in two ORP counts once here, once in each ORP row).
    """
    return coverage_table(obce, places, region, None, population, terrain_attribution=terrain_attribution,
                          terrain_radius_km=terrain_radius_km)


def indicator_table(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    region: "Region | Iterable[str] | None" = None,
    level: str | None = "orp",
    population: str = "65+",
    *,
    radius_km: float | None = 10.0,
    terrain_radius_km: float = 15.0,
    catchment_km: float | None = 20.0,
    terrain_attribution: str = "base",
    total: bool = False,
    basis: IndicatorBasis | None = None,
) -> pd.DataFrame:
    """Every indicator per unit: supply, white spots, mean distance and 2SFCA.

    The one path from inputs to indicator tables: :func:`coverage_table`,
    :func:`coverage_total` and :func:`indicator_total` call it.

    Parameters
    ----------
    obce, places, population, radius_km, terrain_radius_km, catchment_km, terrain_attribution
        As in :func:`indicator_basis` (``radius_km=None`` leaves distances and
        white spots out, ``catchment_km=None`` accessibility).
    region : Region, iterable of obec codes, or None
        Default: every obec of ``obce``.
    level : {"obec", "pou", "orp", "okres", "kraj"} or None, default "orp"
        None: one row for the whole region (``level`` = the region's level).
    total : bool, default False
        Append a row summing the whole region (ignored with ``level=None``).
    basis : IndicatorBasis, optional
        An :func:`indicator_basis` of the same obce, places and settings, computed
        earlier (it is the costly part): used instead of computing one.
    """
    if basis is None:
        basis = indicator_basis(obce, places, population, radius_km=radius_km, terrain_radius_km=terrain_radius_km,
                                catchment_km=catchment_km, terrain_attribution=terrain_attribution)
    table = aggregate(basis, region, level)
    if total and level is not None:
        whole = aggregate(basis, region, None)
        whole["share_population"] = 1.0 if whole["population"].iloc[0] > 0 else np.nan
        attrs = table.attrs
        table = pd.concat([table, whole], ignore_index=True)
        table.attrs = attrs
        table.attrs["warnings"] = attrs["warnings"] + [w for w in whole.attrs["warnings"]
                                                       if w not in attrs["warnings"]]
    return table


def indicator_total(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    region: "Region | Iterable[str] | None" = None,
    population: str = "65+",
    *,
    radius_km: float | None = 10.0,
    terrain_radius_km: float = 15.0,
    catchment_km: float | None = 20.0,
    terrain_attribution: str = "base",
) -> pd.DataFrame:
    """One row for the whole region with every indicator (see :func:`indicator_table`)."""
    return indicator_table(obce, places, region, None, population, radius_km=radius_km,
                           terrain_radius_km=terrain_radius_km, catchment_km=catchment_km,
                           terrain_attribution=terrain_attribution)


def nearest_distances(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    region: "Region | Iterable[str] | None" = None,
    population: str = "65+",
    *,
    radius_km: float = 10.0,
    terrain_radius_km: float = 15.0,
    catchment_km: float | None = None,
    basis: IndicatorBasis | None = None,
) -> pd.DataFrame:
    """Every obec of the region with its distance to the nearest service of the selection.

    ``basis``: a precomputed :func:`indicator_basis` of the same inputs and settings.

    Returns
    -------
    DataFrame
        One row per obec (sorted by code): codes and names, ``population``
        (target), ``pop_total``, ``cost`` (to the nearest place of any form by the
        basis's cost kind, km or minutes as ``attrs["settings"]["unit"]``; ``inf``
        when no place is reachable, NaN when the selection is empty),
        ``distance_km`` (straight line to the nearest place, km),
        ``nearest_service_id``, ``nearest_service_name``, ``nearest_obec_name``
        (nearest by cost), ``cost_fixed`` / ``distance_fixed_km`` (nearest
        non-terrain place), ``n_terrain_reaching``, ``white_spot`` (no non-terrain
        place within the radius), ``terrain_reached``, ``white_spot_all`` (neither),
        ``covered`` (not ``white_spot_all``), ``terrain_reach``; with
        ``catchment_km`` also ``access_per_1000_<measure>``.
    """
    if basis is None:
        basis = indicator_basis(obce, places, population, radius_km=radius_km,
                                terrain_radius_km=terrain_radius_km, catchment_km=catchment_km)
    codes = set(region_obce_codes(region, basis.obce))
    table = basis.obce[basis.obce["obec_code"].isin(codes)].sort_values("obec_code").reset_index(drop=True)
    table.attrs = {"population": population, "settings": dict(basis.settings)}
    return table


def white_spots(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    region: "Region | Iterable[str] | None" = None,
    radius_km: float = 10.0,
    population: str = "65+",
    *,
    terrain_radius_km: float = 15.0,
    basis: IndicatorBasis | None = None,
    which: str = "white_spot_all",
) -> pd.DataFrame:
    """Obce of the region that no service of the selection covers.

    ``white_spot``: no non-terrain (residential or day) place within ``radius_km``
    of the obec's definition point; ``terrain_reached``: a terrain service reaches
    it; ``white_spot_all``: both missing (module notes).

    Parameters
    ----------
    which : {"white_spot_all", "white_spot"}, default "white_spot_all"
        The obce returned: without any service (default), or without a residential
        or day service (``terrain_reached`` tells which of them a terrain service reaches).

    Returns
    -------
    DataFrame
        The rows of :func:`nearest_distances` flagged ``which``, sorted by target
        population (largest first), so a working group sees first whom it leaves out.
    """
    if which not in ("white_spot_all", "white_spot"):
        raise UnknownValueError(f"which: expected 'white_spot_all' or 'white_spot', got {which!r}")
    table = nearest_distances(obce, places, region, population, radius_km=radius_km,
                              terrain_radius_km=terrain_radius_km, basis=basis)
    spots = table[table[which]].sort_values(["population", "obec_code"], ascending=[False, True])
    spots = spots.reset_index(drop=True)
    spots.attrs = table.attrs
    return spots

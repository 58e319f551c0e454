"""Planning forward on a :class:`~kpss_lib.study.Study`: capacity gaps, scenarios, siting.

The three questions a working group asks after today's coverage, answered from
one opened study (region, level, selection, target population, settings):

* :func:`gap_for` — how much capacity is missing (and, separately, above the
  norm) per unit, in the measure's own unit (:mod:`kpss_lib.indicators.gap`);
* :func:`read_scenario_of` / :func:`scenario_table` — what an analyst's list
  of changes to the register would change, per unit or per obec
  (:mod:`kpss_lib.indicators.scenario`);
* :func:`siting_problem_of` / :func:`siting_table` — which obce would help most
  as sites of k new services (:mod:`kpss_lib.indicators.siting`).

Distances follow the study's settings. :func:`siting_cost` is the one place
where the cost kind (``settings.cost``: straight km, road km or drive minutes)
picks the siting costs and the reach; scenarios pass
``settings.basis_arguments()`` through, so whatever the settings carry reaches
them too.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from kpss_lib.config import PROJECT_DATA_DIR
from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.coverage import default_measure
from kpss_lib.indicators.gap import gap_table, gap_total
from kpss_lib.indicators.scenario import compare_scenarios, new_places, read_scenario
from kpss_lib.indicators.siting import (CostFunction, SitingProblem, candidate_gains, candidate_obce,
                                        maximal_covering, p_median, siting_problem, straight_km)
from kpss_lib import study as _study
from kpss_lib.study import Study, coverage_table

__all__ = ["EXAMPLE_SCENARIO", "METHODS", "gap_for", "unit_geometries", "read_scenario_of", "scenario_table", "shortlist",
           "planning_summary", "siting_cost", "siting_places", "siting_problem_of", "siting_table"]

#: The example scenario shipped with kpss (Zlínský kraj, domovy pro seniory).
EXAMPLE_SCENARIO = PROJECT_DATA_DIR / "scenarios" / "zlinsky_kraj_domovy.csv"
#: Siting methods: maximal covering (people newly within reach) and p-median (weighted distance).
METHODS = {"coverage": "maximální pokrytí", "median": "p-medián"}
#: Beyond these costs a road route is not searched (a pair farther apart counts as this far): drive
#: minutes and road km. Far above any white-spot radius, so coverage is exact; p-median
#: only loses the ordering among obce farther than this from every place.
_ROAD_CUTOFF = {"drive": 120.0, "road": 150.0}


#: Settings of the phase-2 contract and the value that means "not asked for" (the cost kinds and dates).


def gap_for(study: Study, norm: "str | float" = "kraj", measure: str | None = None,
            *, total: bool = True) -> pd.DataFrame:
    """Capacity gap per unit of the study's level within its region, against ``norm``.

    Parameters
    ----------
    study : Study
    norm : {"kraj", "cr", "median", "peers"} or float, default "kraj"
        See :mod:`kpss_lib.indicators.gap`; a number is capacity per 1 000 of the target population.
    measure : str, optional
        Measure key (``"residential_beds"``); default the measure with the largest capacity.
    total : bool, default True
        Append the :func:`~kpss_lib.indicators.gap.gap_total` row (gap and surplus summed separately).

    Returns
    -------
    DataFrame
        :func:`~kpss_lib.indicators.gap.gap_table` (in the measure's unit), largest gap first;
        ``attrs`` also hold the study's description.
    """
    measure = measure or default_measure(coverage_table(study))
    if measure is None:
        raise UnknownValueError("the selection has no capacity in the whole country: no gap can be computed")
    table = gap_table(study.basis, study.region, study.level, measure, norm,
                      datapaq=study.datapaq if norm == "peers" else None)
    attrs = {**table.attrs, **study.describe(), "measure": measure}
    if total:
        table = pd.concat([table, gap_total(table, name=f"celkem ({study.region.label})")], ignore_index=True)
    table.attrs = attrs
    return table


def unit_geometries(study: Study, table: pd.DataFrame, level: str, key: str = "unit_code") -> pd.DataFrame:
    """``table`` without its total rows, with the polygons of its units of ``level`` (EPSG:4326), for the maps."""
    # The study's own joiner, so that these maps draw the same polygons as the coverage maps.
    units = table[table["level"] == level] if "level" in table.columns else table
    return _study.with_geometry(study, units, level, key)


def read_scenario_of(study: Study, path: "str | Path") -> pd.DataFrame:
    """A scenario file read and checked against the study's whole services input.

    Raises :class:`~kpss_lib.errors.ValidationError` naming file, row, column and value.
    """
    return read_scenario(path, study.services.places)


def scenario_table(study: Study, scenarios: Mapping[str, pd.DataFrame], *, level: str | None = None,
                   total: bool = True) -> pd.DataFrame:
    """Indicators before and after each scenario per unit (``level="obec"``: per obec).

    Parameters
    ----------
    study : Study
    scenarios : mapping of name → DataFrame
        :func:`read_scenario_of` or :func:`~kpss_lib.indicators.scenario.new_places` tables.
    level : str, optional
        Default the study's level.
    total : bool, default True
        Keep the row of the whole region (one per scenario).

    Returns
    -------
    DataFrame
        :func:`~kpss_lib.indicators.scenario.compare_scenarios`: ``<indicator>_before``,
        ``_after``, ``_change`` (capacities in their units, per 1 000, 2SFCA per 1 000,
        white spots, people in white spots).
    """
    table = compare_scenarios(study.obce, study.services.places, scenarios, study.region, level or study.level,
                              study.population, select=study.selection.apply,
                              basis_arguments={**study.settings.basis_arguments(), "network": study.network})
    attrs = {**table.attrs, **study.describe(), "level": level or study.level}
    if not total:
        table = table[table["unit_code"] != study.region.code].reset_index(drop=True)
    table.attrs = attrs
    return table


def _network_cost(kind: str, network) -> CostFunction:
    """Road km or drive minutes between points along the study's network, as the dense matrix siting needs."""
    from kpss_lib.indicators.costs import cost_table

    cutoff = _ROAD_CUTOFF[kind]

    def cost(origins: pd.DataFrame, destinations: pd.DataFrame) -> np.ndarray:
        pairs = cost_table(origins.reset_index(drop=True), destinations.reset_index(drop=True), kind, cutoff,
                           network)
        matrix = np.full((len(origins), len(destinations)), cutoff)
        matrix[pairs["origin_pos"].to_numpy(), pairs["destination_pos"].to_numpy()] = pairs["cost"].to_numpy()
        return matrix

    cost.__name__ = f"{kind}_{'minutes' if kind == 'drive' else 'km'}"
    return cost


def siting_cost(study: Study) -> tuple[CostFunction, float, str]:
    """Cost function, reach and unit of siting for the study's cost kind (the one place that decides).

    The reach is the white-spot radius (``radius_min`` for drive minutes, else
    ``radius_km``), so "newly covered" means "no longer in a white spot".
    """
    settings = study.settings
    if settings.cost in ("drive", "road"):
        return _network_cost(settings.cost, study.network), float(settings.radius), settings.unit
    return straight_km, float(settings.radius), settings.unit


def siting_problem_of(study: Study, *, candidates: Iterable[str] | None = None,
                      min_population: float | None = None) -> SitingProblem:
    """Siting of new services of the study's selection within its region.

    Parameters
    ----------
    study : Study
    candidates : iterable of str, optional
        Obec codes that may get a service; default every obec of the region.
    min_population : float, optional
        Keep candidates with at least this many inhabitants (all ages).
    """
    cost, reach, _ = siting_cost(study)
    chosen = None
    if candidates is not None or min_population is not None:
        chosen = candidate_obce(study.obce, study.region, min_population=min_population, codes=candidates)
    return siting_problem(study.obce, study.places, study.region, study.population, catchment=reach,
                          candidates=chosen, cost=cost, terrain_radius_km=study.settings.terrain_radius_km)


def shortlist(problem: SitingProblem, n: int = 40) -> SitingProblem:
    """The problem restricted to the ``n`` candidates that save most on their own (for p-median)."""
    best = candidate_gains(problem).sort_values(["cost_saved", "obec_code"], ascending=[False, True])
    keep = problem.candidates["obec_code"].isin(best["obec_code"].head(int(n))).to_numpy()
    return replace(problem, candidates=problem.candidates[keep].reset_index(drop=True), cost=problem.cost[:, keep])


def siting_table(problem: SitingProblem, ks: Sequence[int] = (1, 2, 3), method: str = "coverage",
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ranked sites and a summary for each k.

    Parameters
    ----------
    problem : SitingProblem
        :func:`siting_problem_of` (for ``"median"`` usually :func:`shortlist` of it).
    ks : sequence of int, default (1, 2, 3)
        Numbers of new services.
    method : {"coverage", "median"}, default "coverage"

    Returns
    -------
    sites : DataFrame
        Per k the chosen obce: ``method, k, rank``, obec columns, ``population``,
        ``newly_covered`` (target population, added by this site after the
        higher-ranked ones) and ``cost_saved`` (people × km or minutes).
    summary : DataFrame
        One row per k: ``method, k, sites`` (names), ``newly_covered``,
        ``population_white_spots_before`` / ``_after`` and ``mean_cost_before``
        / ``_after`` (population-weighted, km or minutes).
    """
    if method not in METHODS:
        raise UnknownValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    solve = maximal_covering if method == "coverage" else p_median
    parts, rows = [], []
    for k in ks:
        ranked = solve(problem, int(k))
        parts.append(ranked.assign(method=METHODS[method], k=int(k)))
        info = ranked.attrs
        rows.append({"method": METHODS[method], "k": int(k), "sites": ", ".join(ranked["obec_name"]),
                     **{key: info[key] for key in ("newly_covered", "population_white_spots_before",
                                                  "population_white_spots_after", "mean_cost_before",
                                                  "mean_cost_after")}})
    sites = pd.concat(parts, ignore_index=True)
    sites = sites[["method", "k", *[c for c in sites.columns if c not in ("method", "k")]]]
    attrs = {"population": problem.population, "catchment": problem.catchment, "settings": dict(problem.settings)}
    sites.attrs, summary = attrs, pd.DataFrame(rows)
    summary.attrs = dict(attrs)
    return sites, summary


def siting_places(study: Study, sites: pd.DataFrame, capacity: float, measure: str) -> pd.DataFrame:
    """The chosen sites as planned services of ``capacity`` (a scenario for :func:`scenario_table`)."""
    from kpss_lib.indicators.gap import measure_form_unit

    form, unit = measure_form_unit(measure)
    added = new_places(study.obce, sites["obec_code"], capacity, form, unit, name="navržená služba")
    same = study.places[(study.places["form"] == form) & (study.places["capacity_unit"] == unit)]
    if same.empty:
        raise UnknownValueError(f"measure {measure!r}: the selection has no {form} service counted in {unit}")
    # The kind of service, its category and target groups of the selection's commonest kind, so that
    # the selection keeps the new rows.
    model = same[same["type_code"] == same["type_code"].mode().iloc[0]].iloc[0]
    for column in ("type_code", "type_name", "paragraph", "category", "form_code", "target_groups"):
        added[column] = model[column]
    return added


def planning_summary(study: Study, gaps: pd.DataFrame, scenario_units: pd.DataFrame, scenario_obce: pd.DataFrame,
                     siting_summary: pd.DataFrame) -> dict:
    """The run overview's ``summary.json`` content (schema of :mod:`kpss_lib.overview`) for a planning report.

    Figures: total gap and surplus (measure's unit, first norm), people in white
    spots before and after the first scenario, people newly covered by the largest k
    of siting. ``obce``: every obec of the region with its white-spot flag after the
    first scenario and the change of 2SFCA accessibility there.
    """
    total = gaps.iloc[-1]
    unit = str(total["capacity_unit"])
    first = scenario_units["scenario"].iloc[0]
    region_row = scenario_units[(scenario_units["scenario"] == first)
                                & (scenario_units["unit_code"] == study.region.code)].iloc[0]
    best = siting_summary.iloc[-1]
    measure = gaps.attrs["measure"]
    figures = [
        {"key": "gap_total", "label": f"Chybějící kapacita ({total['norm']})", "value": float(total["gap"]),
         "unit": unit, "format": "dec1"},
        {"key": "surplus_total", "label": f"Kapacita nad normou ({total['norm']})", "value": float(total["surplus"]),
         "unit": unit, "format": "dec1"},
        {"key": "white_spots_before", "label": "Lidé v bílých místech – dnes",
         "value": float(region_row["population_white_spots_before"]), "unit": "osob", "format": "int"},
        {"key": "white_spots_after", "label": f"Lidé v bílých místech – scénář {first}",
         "value": float(region_row["population_white_spots_after"]), "unit": "osob", "format": "int"},
        {"key": "siting_newly_covered", "label": f"Nově v dosahu při {int(best['k'])} nových službách",
         "value": float(best["newly_covered"]), "unit": "osob", "format": "int"},
    ]
    obce = scenario_obce[scenario_obce["scenario"] == first]
    change = obce.get(f"access_per_1000_{measure}_change", pd.Series(np.nan, index=obce.index))
    return {
        "title": f"Kde chybí kapacita – {study.region.label}",
        "region": {"code": study.region.code, "name": study.region.name, "level": study.region.level},
        "figures": figures,
        "notes": [f"Služby: {study.selection_text}", f"Navržené obce: {best['sites']}"],
        "obce": [{"obec_code": str(r.unit_code), "obec_name": str(r.unit_name),
                  "white_spot": bool(r.n_white_spots_after > 0),
                  "value": None if pd.isna(v) else float(v)}
                 for r, v in zip(obce.itertuples(), change)],
    }

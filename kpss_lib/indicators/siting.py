"""Siting new services: the best obce for k new places, by PySAL spopt.

Given the existing places of a selection, a target population and a catchment,
which obce of a territory should get the next services?

Maximal covering (:func:`maximal_covering`, spopt ``MCLP``)
    choose k candidate obce so that as many people as possible who are *not yet*
    covered come within the catchment of a new place. People already covered (an
    existing non-terrain place within the catchment, or a terrain service
    reaching their obec: the white-spot rule of
    :mod:`kpss_lib.indicators.coverage`) weigh zero, so they never count as newly
    covered.
p-median (:func:`p_median`, spopt ``PMedian``)
    choose k candidate obce minimising the population-weighted cost (km or
    minutes) from each obec to its nearest place, old or new: the cost of an obec
    to a candidate is capped at its cost to the nearest existing place, so a new
    site only helps where it is nearer than what exists.

Both are solved exactly by spopt's integer programs with pulp's CBC solver.
Costs come from ``cost(origins, destinations) -> ndarray`` (rows = origins):
straight km on EPSG:5514 by default (:func:`straight_km`); a drive-time
function in minutes can be passed instead, with ``catchment`` then in minutes.

Demand and candidates are obce (definition points, target population of
``load_obce()``); demand is every obec of the territory, candidates default to
the same obce and can be restricted (:func:`candidate_obce`). Existing places
count wherever they are (people cross borders).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.coverage import TERRAIN_FORM, indicator_basis, region_obce_codes
from kpss_lib.indicators.distance import check_radius_km, pairwise_distance_km
from kpss_lib.load.territory import Region, population_column

__all__ = ["CostFunction", "SitingProblem", "best_sites_exhaustive", "candidate_gains", "candidate_obce",
           "maximal_covering", "p_median", "siting_problem", "straight_km"]

#: cost(origins, destinations) → float array (len(origins), len(destinations)), in catchment units.
CostFunction = Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]
_OBEC_INFO = ["obec_code", "obec_name", "orp_code", "orp_name"]


def straight_km(origins: pd.DataFrame, destinations: pd.DataFrame) -> np.ndarray:
    """Straight-line km between EPSG:5514 points (``x``, ``y`` in metres); the default cost."""
    return pairwise_distance_km(origins, destinations)


def candidate_obce(
    obce: pd.DataFrame,
    region: "Region | Iterable[str] | None" = None,
    *,
    min_population: float | None = None,
    population: str = "total",
    codes: Iterable[str] | None = None,
) -> np.ndarray:
    """Obec codes that may receive a new service.

    Parameters
    ----------
    obce : DataFrame
        ``load_obce()``.
    region : Region, iterable of obec codes, or None
        The territory; None = every obec.
    min_population : float, optional
        Keep obce with at least this many people of ``population``.
    population : str, default "total"
        Population group of ``min_population`` ("total" = all inhabitants).
    codes : iterable of str, optional
        Keep only these obce (they must lie in the territory).
    """
    chosen = pd.Index(region_obce_codes(region, obce))
    if codes is not None:
        wanted = pd.Index([str(c) for c in codes])
        outside = sorted(wanted.difference(chosen))
        if outside:
            raise UnknownValueError(f"codes: {len(outside)} candidate obce are not in the territory, e.g. {outside[:5]}")
        chosen = chosen.intersection(wanted)
    if min_population is not None:
        people = obce.set_index(obce["obec_code"].astype(str))[population_column(population)]
        chosen = chosen[people.reindex(chosen).to_numpy() >= float(min_population)]
    if len(chosen) == 0:
        raise UnknownValueError("candidates: no obec of the territory is left after the restrictions")
    return chosen.to_numpy()


@dataclass(frozen=True)
class SitingProblem:
    """Inputs of a siting question, built once by :func:`siting_problem`.

    Attributes
    ----------
    demand : DataFrame
        One row per obec of the territory: ``obec_code, obec_name, orp_code,
        orp_name``, ``population`` (target), ``existing_cost`` (to the nearest
        existing non-terrain place; inf without any), ``terrain_reached``,
        ``covered`` (before any new site), ``x, y``.
    candidates : DataFrame
        One row per candidate obec: the obec columns and ``population``.
    cost : ndarray
        Cost from each demand obec (rows) to each candidate (columns).
    catchment : float
        In the unit of the costs (km by default).
    population : str
        Target population key.
    settings : dict
        ``cost`` (name of the cost function), ``terrain_radius_km``.
    """

    demand: pd.DataFrame
    candidates: pd.DataFrame
    cost: np.ndarray
    catchment: float
    population: str = "65+"
    settings: dict = field(default_factory=dict)


def _cost_matrix(cost: CostFunction, origins: pd.DataFrame, destinations: pd.DataFrame) -> np.ndarray:
    """``cost(origins, destinations)`` checked: finite, non-negative, one row per origin."""
    matrix = np.asarray(cost(origins, destinations), dtype="float64")
    expected = (len(origins), len(destinations))
    if matrix.shape != expected or not np.isfinite(matrix).all() or (matrix < 0).any():
        raise UnknownValueError(f"cost: expected a finite non-negative array of shape {expected}, "
                                f"got shape {matrix.shape}")
    return matrix


def siting_problem(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    region: "Region | Iterable[str] | None",
    population: str = "65+",
    *,
    catchment: float = 10.0,
    candidates: Iterable[str] | None = None,
    cost: CostFunction | None = None,
    terrain_radius_km: float = 15.0,
) -> SitingProblem:
    """Demand, candidates, costs and today's coverage of a territory.

    Parameters
    ----------
    obce : DataFrame
        ``load_obce()`` (the whole country).
    places : DataFrame
        The selected existing places (``select_services(load_services().places, …)``), anywhere.
    region : Region, iterable of obec codes, or None
        Territory whose obce are demand (and default candidates).
    population : str, default "65+"
    catchment : float, default 10.0
        Reach of a place, in the unit of ``cost`` (km by default).
    candidates : iterable of str, optional
        Candidate obec codes (:func:`candidate_obce`); default every obec of the territory.
    cost : CostFunction, optional
        Default :func:`straight_km`.
    terrain_radius_km : float, default 15.0
        Assumed reach of terrain services without a registered scope (as in coverage).
    """
    catchment = check_radius_km(catchment, "catchment")
    cost = cost or straight_km
    codes = region_obce_codes(region, obce)
    table = obce.assign(obec_code=obce["obec_code"].astype(str))
    basis = indicator_basis(table, places, population, radius_km=terrain_radius_km,
                            terrain_radius_km=terrain_radius_km)
    reached = pd.Series(basis.obce["n_terrain_reaching"].to_numpy() > 0, index=basis.obce["obec_code"])
    by_code = table.set_index("obec_code")
    demand = by_code.loc[codes, ["obec_name", "orp_code", "orp_name", "x", "y"]].reset_index()
    demand["population"] = by_code.loc[codes, population_column(population)].to_numpy(dtype="float64")
    fixed = places[places["form"] != TERRAIN_FORM]
    demand["existing_cost"] = _cost_matrix(cost, demand, fixed).min(axis=1) if len(fixed) else np.inf
    demand["terrain_reached"] = reached.reindex(demand["obec_code"]).to_numpy()
    demand["covered"] = (demand["existing_cost"] <= catchment) | demand["terrain_reached"]
    chosen = codes if candidates is None else candidate_obce(obce, codes, codes=candidates)
    candidate_table = demand.set_index("obec_code").loc[chosen].reset_index()
    matrix = _cost_matrix(cost, demand, candidate_table)
    settings = {"cost": getattr(cost, "__name__", repr(cost)), "terrain_radius_km": terrain_radius_km}
    return SitingProblem(demand, candidate_table[[*_OBEC_INFO, "population", "x", "y"]], matrix, catchment,
                         population, settings)


def _new_weights(problem: SitingProblem) -> np.ndarray:
    """Target population not covered today (covered obce weigh zero)."""
    return np.where(problem.demand["covered"].to_numpy(), 0.0, problem.demand["population"].to_numpy())


def _capped_cost(problem: SitingProblem) -> np.ndarray:
    """Cost to each candidate, capped at the cost to the nearest existing place."""
    return np.minimum(problem.cost, problem.demand["existing_cost"].to_numpy()[:, None])


def _covered_by(problem: SitingProblem, sites: np.ndarray) -> float:
    """People newly within the catchment of the candidate positions ``sites``."""
    reach = (problem.cost[:, sites] <= problem.catchment).any(axis=1)
    return float(_new_weights(problem)[reach].sum())


def _weighted_cost(problem: SitingProblem, sites: np.ndarray) -> float:
    """Population-weighted cost to the nearest place, old or new (inf where none)."""
    nearest = _capped_cost(problem)[:, sites].min(axis=1) if len(sites) else problem.demand["existing_cost"].to_numpy()
    weights = problem.demand["population"].to_numpy()
    return float(np.sum(np.where(weights > 0, weights * nearest, 0.0)))


def candidate_gains(problem: SitingProblem) -> pd.DataFrame:
    """Every candidate alone: people it newly covers and the weighted cost it saves.

    Returns
    -------
    DataFrame
        The candidates with ``newly_covered`` (people of the target population
        not covered today within the catchment) and ``cost_saved`` (decrease of
        Σ population × cost to the nearest place, people × km or minutes), sorted
        by ``newly_covered`` then ``cost_saved`` (best first).
    """
    weights = _new_weights(problem)
    out = problem.candidates.drop(columns=["x", "y"]).copy()
    out["newly_covered"] = weights @ (problem.cost <= problem.catchment)
    existing = problem.demand["existing_cost"].to_numpy()
    people = problem.demand["population"].to_numpy()
    finite_existing = np.where(np.isfinite(existing), existing, _capped_cost(problem).max(axis=1))
    # With no place at all today the saving is measured against the farthest candidate.
    out["cost_saved"] = people @ np.maximum(finite_existing[:, None] - problem.cost, 0.0)
    return out.sort_values(["newly_covered", "cost_saved", "obec_code"],
                           ascending=[False, False, True]).reset_index(drop=True)


def _ranked(problem: SitingProblem, sites: list[int], method: str, objective: float) -> pd.DataFrame:
    """The chosen sites ordered greedily by what each adds after those before it."""
    order, remaining = [], list(sites)
    added_cover, added_saving = [], []
    while remaining:
        covered_now = _covered_by(problem, np.array(order, dtype=int))
        cost_now = _weighted_cost(problem, np.array(order, dtype=int))
        gains = [(_covered_by(problem, np.array(order + [j])) - covered_now,
                  cost_now - _weighted_cost(problem, np.array(order + [j]))) for j in remaining]
        best = max(range(len(remaining)), key=lambda i: (gains[i][0], gains[i][1]) if method == "coverage"
                   else (gains[i][1], gains[i][0]))
        order.append(remaining.pop(best))
        added_cover.append(gains[best][0])
        added_saving.append(gains[best][1])
    out = problem.candidates.iloc[order].drop(columns=["x", "y"]).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["newly_covered"] = added_cover
    out["cost_saved"] = added_saving
    chosen = np.array(order, dtype=int)
    weights = problem.demand["population"].to_numpy()
    uncovered_before = float(_new_weights(problem).sum())
    out.attrs = {
        "method": method, "k": len(sites), "objective": objective, "catchment": problem.catchment,
        "population": problem.population, "settings": dict(problem.settings),
        "newly_covered": _covered_by(problem, chosen),
        "population_white_spots_before": uncovered_before,
        "population_white_spots_after": uncovered_before - _covered_by(problem, chosen),
        "mean_cost_before": _weighted_cost(problem, np.array([], dtype=int)) / weights.sum(),
        "mean_cost_after": _weighted_cost(problem, chosen) / weights.sum(),
    }
    return out


def _check_k(problem: SitingProblem, k: int) -> int:
    if not isinstance(k, (int, np.integer)) or k < 1 or k > len(problem.candidates):
        raise UnknownValueError(f"k: expected a whole number of new sites from 1 to {len(problem.candidates)} "
                                f"(the candidates), got {k!r}")
    return int(k)


def _solve(build: Callable[[], object]) -> object:
    """Build an spopt model and solve it with CBC; UnknownValueError unless optimal."""
    import pulp  # spopt's solver backend; imported here so that importing kpss stays light

    with warnings.catch_warnings():
        # pulp 3.3 announces changes of its 4.0 API on every variable spopt creates.
        warnings.simplefilter("ignore", DeprecationWarning)
        model = build().solve(pulp.PULP_CBC_CMD(msg=False))
    status = pulp.LpStatus[model.problem.status]
    if status != "Optimal":
        raise UnknownValueError(f"the siting problem was not solved to optimality (CBC status {status})")
    return model


def maximal_covering(problem: SitingProblem, k: int) -> pd.DataFrame:
    """The k candidate obce that bring the most uncovered people within the catchment.

    Solved by spopt ``MCLP`` (CBC). Returns the chosen sites ranked greedily:
    ``rank``, obec columns, ``population`` (target, of the site obec),
    ``newly_covered`` (people newly within reach, added by this site after the
    higher-ranked ones; their sum is the optimum), ``cost_saved``. ``attrs``:
    ``objective`` (spopt's, = Σ newly_covered), ``population_white_spots_before``
    / ``_after`` (target population of the territory in white spots),
    ``mean_cost_before`` / ``_after`` (population-weighted, km or minutes).
    No row when everybody in the territory is covered already.
    """
    from spopt.locate import MCLP

    k = _check_k(problem, k)
    weights = _new_weights(problem)
    keep = weights > 0  # covered obce weigh nothing: leaving them out does not change the optimum
    if not keep.any():
        return _ranked(problem, [], "coverage", 0.0)  # nobody to cover: no site is proposed
    model = _solve(lambda: MCLP.from_cost_matrix(problem.cost[keep], weights[keep], problem.catchment, k))
    sites = [j for j, var in enumerate(model.fac_vars) if var.value() > 0.5]
    return _ranked(problem, sites, "coverage", float(model.problem.objective.value()))


def p_median(problem: SitingProblem, k: int, *, max_cells: int = 60_000) -> pd.DataFrame:
    """The k candidate obce minimising the population-weighted cost to the nearest place.

    Solved by spopt ``PMedian`` (CBC) on costs capped at each obec's cost to its
    nearest existing place. Obce that no candidate brings nearer than their
    existing place keep a constant cost and are left out of the program (their
    cost is added back to the objective), which leaves the optimum unchanged.
    Returns the ranked sites like :func:`maximal_covering` (ranked by
    ``cost_saved``); ``attrs["objective"]`` is Σ population × cost (people × km
    or minutes) after the new sites.

    Parameters
    ----------
    max_cells : int, default 60 000
        Largest program (obce × candidates) attempted: spopt's p-median is dense
        and CBC needs minutes beyond this on two cores (kraj Zlínský, 307 × 307:
        30–70 s). Restrict the candidates (:func:`candidate_obce`, or the best of
        :func:`candidate_gains`) for larger territories.
    """
    from spopt.locate import PMedian

    k = _check_k(problem, k)
    weights = problem.demand["population"].to_numpy()
    capped = _capped_cost(problem)
    existing = problem.demand["existing_cost"].to_numpy()
    improvable = (weights > 0) & (capped < existing[:, None]).any(axis=1)
    constant = float(np.sum(weights[~improvable & (weights > 0)] * existing[~improvable & (weights > 0)]))
    cells = int(improvable.sum()) * len(problem.candidates)
    if cells > max_cells:
        raise UnknownValueError(
            f"p-median: {int(improvable.sum())} obce × {len(problem.candidates)} candidates = {cells} cells exceed "
            f"max_cells={max_cells}; restrict the candidates (candidate_obce(min_population=…) or the best of "
            "candidate_gains()) or raise max_cells")
    if not improvable.any():
        return _ranked(problem, [], "median", constant)  # no candidate is nearer than what exists
    model = _solve(lambda: PMedian.from_cost_matrix(capped[improvable], weights[improvable], k))
    sites = [j for j, var in enumerate(model.fac_vars) if var.value() > 0.5]
    return _ranked(problem, sites, "median", float(model.problem.objective.value()) + constant)


def best_sites_exhaustive(problem: SitingProblem, k: int, method: str = "coverage") -> tuple[float, tuple[int, ...]]:
    """Best objective and candidate positions by trying every combination of k candidates.

    The check on the solver for small territories (an ORP: C(n, k) combinations).

    Parameters
    ----------
    method : {"coverage", "median"}, default "coverage"
        Maximise people newly covered, or minimise the weighted cost.
    """
    k = _check_k(problem, k)
    if method not in ("coverage", "median"):
        raise UnknownValueError(f"method: expected 'coverage' or 'median', got {method!r}")
    best_value, best_sites = None, ()
    for sites in combinations(range(len(problem.candidates)), k):
        chosen = np.array(sites)
        value = _covered_by(problem, chosen) if method == "coverage" else -_weighted_cost(problem, chosen)
        if best_value is None or value > best_value:
            best_value, best_sites = value, sites
    return (best_value if method == "coverage" else -best_value), best_sites

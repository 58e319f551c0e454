"""Spatial accessibility: two-step floating catchment area (2SFCA) and its enhanced form.

How much supply (beds, client places, ...) each demand point (an obec and its
target population) can reach, when every supply point is shared among all the
demand that can reach it.

Two-step floating catchment area (Luo & Wang 2003)
    For every supply point j with capacity S_j, the demand within the catchment
    radius r is D_j = Σ_{k: d_kj ≤ r} P_k and its supply-to-demand ratio is
    R_j = S_j / D_j. The accessibility of demand point i is the sum of the ratios
    of the supply points it reaches: A_i = Σ_{j: d_ij ≤ r} R_j.

Enhanced 2SFCA (Luo & Qi 2009)
    Distance-decay weights W(d) ≥ 0 apply in both steps:
    D_j = Σ_{k: d_kj ≤ r} W(d_kj) P_k, R_j = S_j / D_j and
    A_i = Σ_{j: d_ij ≤ r} W(d_ij) R_j. 2SFCA is the case W ≡ 1.

Units: A_i is in supply units per person of the target population (e.g. beds per
inhabitant aged 65+); ``access_per_1000`` multiplies it by 1 000. Both methods
preserve the total: Σ_i P_i A_i = Σ_j S_j over the supply points whose weighted
demand D_j is positive, so the population-weighted mean of A over a region with no
supply leaking in or out equals total supply / total demand.

Distances are straight lines between EPSG:5514 points in metres, reported and
compared in km (:mod:`kpss_lib.indicators.distance`); a point at exactly the radius
(or exactly at a step's upper bound) is inside. Only pairs within the radius are
ever formed (k-d tree), and both sums are ``numpy.bincount`` over those pairs, so
all 6 258 obcí against ~600 homes for the elderly take about 0.01 s.

Road distances and drive times: pass ``costs=`` a table from
:func:`kpss_lib.indicators.costs.cost_table` (kind ``"road"`` in km or ``"drive"``
in minutes, or ``"straight"``) built for the same demand and supply frames. The
catchment is then the table's cut-off, in its unit, and weights are functions of
that cost: for drive time the default E2SFCA weights are Luo & Qi's published
zones, 0–10, 10–20 and 20–30 minutes with weights 1.00, 0.68 and 0.22
(:data:`LUO_QI_DRIVE_ZONES_MIN`); for km they are the thirds of the cut-off.

Edge cases, and how they compare with PySAL ``access`` 1.1.10
--------------------------------------------------------------
* A supply point whose (weighted) demand in reach is zero — no demand point
  within the radius, or only demand points with zero population (or zero weight)
  — has an undefined ratio: ``ratio`` is NaN in :func:`supply_ratios` and it adds
  nothing to any demand point's accessibility. ``access`` drops a supply point with
  no demand point in reach the same way, but for one that reaches only
  zero-population demand it divides by zero: the ratio is ``inf`` and every demand
  point in its reach gets ``inf`` (``nan`` where the weight is 0).
* A demand point with no supply within the radius gets accessibility 0 and
  ``n_supply_in_reach`` 0; ``access`` leaves it out of its sums, so its
  result is NaN there.
* Demand points with zero population get an accessibility like any other (the
  supply they could reach); they are never divided by.
* Elsewhere the results equal ``access``'s ``two_stage_fca`` (no weights) and
  ``enhanced_two_stage_fca`` (with the same step weights) to rounding; the tests
  check 1e-9 on the real data. Versions of ``access`` before PR #26 (Feb 2022)
  summed the unweighted ratios in the second step; the installed version does not
  (the tests check it against the hand-computed case).

References
----------
Luo, W. & Wang, F. (2003). Measures of spatial accessibility to health care in a
GIS environment. Environment and Planning B 30(6), 865–884.
Luo, W. & Qi, Y. (2009). An enhanced two-step floating catchment area (E2SFCA)
method for measuring spatial accessibility to primary care physicians. Health &
Place 15(4), 1100–1107.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Union

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError, ValidationError
from kpss_lib.indicators.costs import check_cost_table
from kpss_lib.indicators.distance import (
    check_radius_km,
    coordinate_array,
    numeric_column,
    pairs_within,
    require_columns,
)

__all__ = [
    "LUO_QI_DRIVE_ZONES_MIN",
    "LUO_QI_STEP_WEIGHTS",
    "WeightFunction",
    "Weights",
    "default_cost_weights",
    "default_step_weights",
    "enhanced_two_step_fca",
    "gaussian_weights",
    "step_weights",
    "supply_points",
    "supply_ratios",
    "two_step_fca",
]

#: A distance-decay function: distances in km, or costs in a cost table's unit (numpy array)
#: → weights (same shape, ≥ 0).
WeightFunction = Callable[[np.ndarray], np.ndarray]
#: What the ``weights`` arguments accept: a step mapping {upper bound in km: weight},
#: a :data:`WeightFunction`, or None.
Weights = Union[Mapping[float, float], WeightFunction, None]

#: Luo & Qi (2009) weights of the three catchment zones, nearest first (the zones
#: were 0–10, 10–20 and 20–30 minutes; PySAL access uses the same weights by default).
LUO_QI_STEP_WEIGHTS: tuple[float, float, float] = (1.0, 0.68, 0.22)
#: Luo & Qi's (2009) published zones as drive minutes: {upper bound in min: weight}.
LUO_QI_DRIVE_ZONES_MIN: dict[float, float] = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}


def default_step_weights(radius_km: float = 20.0) -> dict[float, float]:
    """The default E2SFCA step weights: Luo & Qi's three zones scaled to the radius.

    Parameters
    ----------
    radius_km : float, default 20
        Catchment radius in km; the zones are its thirds.

    Returns
    -------
    dict
        ``{radius_km / 3: 1.0, 2 * radius_km / 3: 0.68, radius_km: 0.22}``
        (upper zone bound in km → weight). For 20 km: 0–6.67 km weight 1.0,
        6.67–13.33 km 0.68, 13.33–20 km 0.22; for 30 km exactly PySAL access's
        default ``{10: 1, 20: 0.68, 30: 0.22}``.
    """
    radius = check_radius_km(radius_km)
    return {radius * (k + 1) / 3: w for k, w in enumerate(LUO_QI_STEP_WEIGHTS)}


def default_cost_weights(costs: pd.DataFrame) -> dict[float, float]:
    """The default E2SFCA step weights for a cost table (see :func:`kpss_lib.indicators.costs.cost_table`).

    Drive time (``attrs["cost_kind"] == "drive"``): Luo & Qi's published zones
    :data:`LUO_QI_DRIVE_ZONES_MIN` (0–10, 10–20, 20–30 minutes: 1.00, 0.68, 0.22;
    pairs beyond 30 minutes get weight 0 even when the table reaches farther).
    Kilometres (``"road"``, ``"straight"``): :func:`default_step_weights` of the
    table's ``cutoff``.
    """
    if costs.attrs.get("cost_kind") == "drive":
        return dict(LUO_QI_DRIVE_ZONES_MIN)
    return default_step_weights(_table_cutoff(costs))


def _table_cutoff(costs: pd.DataFrame) -> float:
    """The catchment of a cost table: its ``attrs["cutoff"]`` (the largest cost when absent)."""
    cutoff = costs.attrs.get("cutoff")
    if cutoff is None:
        cutoff = float(costs["cost"].max()) if len(costs) else 1.0
    return check_radius_km(cutoff, argument="costs.attrs['cutoff']")


def step_weights(steps: Mapping[float, float]) -> WeightFunction:
    """A vectorised step function of distance from ``{upper bound in km: weight}``.

    A distance d gets the weight of the smallest upper bound ``>= d`` (bounds are
    inclusive, as in PySAL access's ``weights.step_fn``); beyond the largest bound
    the weight is 0.

    Parameters
    ----------
    steps : mapping of float to float
        Upper zone bounds in km (finite, > 0) → weights (finite, >= 0), e.g.
        ``{5: 1.0, 10: 0.5, 20: 0.25}``: 0–5 km weight 1, (5, 10] km 0.5,
        (10, 20] km 0.25, farther 0.

    Returns
    -------
    callable
        numpy array of distances in km → float64 array of weights.

    Raises
    ------
    UnknownValueError
        ``steps`` is empty, not a mapping, or has a bound or weight out of range.
    """
    if not isinstance(steps, Mapping) or len(steps) == 0:
        raise UnknownValueError(
            "weights: expected a non-empty mapping {upper bound in km: weight}, "
            f"e.g. {{5: 1.0, 10: 0.5, 20: 0.25}}, got {steps!r}"
        )
    try:
        items = sorted((float(k), float(v)) for k, v in steps.items())
    except (TypeError, ValueError):
        raise UnknownValueError(
            f"weights: expected numbers as bounds (km) and weights, got {dict(steps)!r}"
        ) from None
    bounds = np.array([k for k, _ in items], dtype=np.float64)
    values = np.array([v for _, v in items], dtype=np.float64)
    if not (np.isfinite(bounds).all() and (bounds > 0).all()):
        raise UnknownValueError(
            f"weights: every upper bound must be a positive finite distance in km, got {dict(steps)!r}"
        )
    if not (np.isfinite(values).all() and (values >= 0).all()):
        raise UnknownValueError(
            f"weights: every weight must be a finite number >= 0, got {dict(steps)!r}"
        )
    # A trailing zero makes "beyond the last bound" index into a weight of 0.
    table = np.append(values, 0.0)

    def weight(distance_km: np.ndarray) -> np.ndarray:
        return table[np.searchsorted(bounds, np.asarray(distance_km, dtype=np.float64), side="left")]

    return weight


def gaussian_weights(sigma_km: float) -> WeightFunction:
    """Gaussian distance decay ``exp(-d² / (2 σ²))`` (1 at d = 0), d and σ in km.

    The same function as PySAL access's ``weights.gaussian(sigma)``.

    Parameters
    ----------
    sigma_km : float
        Width σ in km, > 0.

    Returns
    -------
    callable
        numpy array of distances in km → float64 array of weights.
    """
    sigma = check_radius_km(sigma_km, argument="sigma_km")

    def weight(distance_km: np.ndarray) -> np.ndarray:
        d = np.asarray(distance_km, dtype=np.float64)
        return np.exp(-d * d / (2.0 * sigma**2))

    return weight


def supply_points(
    places: pd.DataFrame,
    *,
    capacity_col: str = "capacity_share",
    place_col: str = "place_id",
    unit_col: str = "capacity_unit",
    x: str = "x",
    y: str = "y",
) -> pd.DataFrame:
    """One supply point per place, with the capacity of all its services summed.

    Meant for ``load_services().places`` after selecting the services (e.g.
    ``type_code == "13"`` and ``capacity_unit == "lůžka"``): each row there holds
    ``capacity_share``, a service's capacity split equally over its places, so
    the sum per place never counts a service twice and the grand total equals the
    services' registered capacity.

    Parameters
    ----------
    places : DataFrame
        One row per (service, form, capacity unit, place), with ``place_col``,
        ``capacity_col``, ``unit_col`` and the place's EPSG:5514 ``x``, ``y``.
    capacity_col : str, default "capacity_share"
        Capacity of the row at its place.
    place_col : str, default "place_id"
        Identifier of the physical place (one address point).
    unit_col : str, default "capacity_unit"
        Capacity unit; all rows must share one (beds and clients are not summed).
        Ignored when the column is absent.
    x, y : str, default "x", "y"
        Coordinates in metres (EPSG:5514).

    Returns
    -------
    DataFrame
        Indexed by ``place_col`` (sorted), columns ``x``, ``y`` (the place's
        coordinates), ``capacity`` (float64 sum) and ``n_rows`` (rows summed).
        Ready as ``supply`` for the FCA functions (``supply_col="capacity"``).

    Raises
    ------
    UnknownValueError
        A column is missing, or the rows mix capacity units.
    ValidationError
        A capacity or coordinate is missing, negative or not a finite number, or
        rows of one place lie more than 1 m apart.
    """
    require_columns(places, [place_col, capacity_col, x, y], "places")
    if unit_col in places.columns:
        units = sorted(places[unit_col].dropna().astype(str).unique())
        if len(units) > 1:
            raise UnknownValueError(
                f"places: column {unit_col!r} must hold one capacity unit, got {units!r}; "
                f"select one first, e.g. places[places.{unit_col} == {units[0]!r}]"
            )
    capacity = numeric_column(
        places, capacity_col, "places", non_negative=True, what="a finite capacity >= 0"
    )
    xy = coordinate_array(places, x, y, argument="places")
    frame = pd.DataFrame(
        {"place": places[place_col].to_numpy(), "x": xy[:, 0], "y": xy[:, 1], "capacity": capacity}
    )
    grouped = frame.groupby("place", sort=True)
    out = grouped.agg(
        x=("x", "first"), y=("y", "first"), capacity=("capacity", "sum"), n_rows=("capacity", "size")
    )
    out.index.name = place_col
    # A place is one address point; rows of one place far apart mean two places share an id.
    spread = np.hypot(
        grouped["x"].max() - grouped["x"].min(), grouped["y"].max() - grouped["y"].min()
    )
    split = spread[spread > 1.0]
    if len(split):
        raise ValidationError(
            f"places: rows with the same {place_col!r} must share one point; "
            f"{len(split)} place(s) do not, e.g. {split.index[0]!r} "
            f"(points up to {split.iloc[0]:.0f} m apart)",
            rejected=pd.DataFrame(
                {
                    "argument": "places",
                    "record": split.index,
                    "column": f"{x}, {y}",
                    "reason": "one place id with points more than 1 m apart",
                    "value": split.to_numpy(),
                }
            ),
        )
    return out


def _weight_function(weights: Weights) -> WeightFunction | None:
    """None, a step mapping or a callable → a checked vectorised function (or None)."""
    if weights is None:
        return None
    if isinstance(weights, Mapping):
        return step_weights(weights)
    if callable(weights):
        return weights
    raise UnknownValueError(
        "weights: expected None, a mapping {upper bound in km: weight} or a function "
        f"of distance in km, got {type(weights).__name__}: {weights!r}"
    )


def _apply_weights(fn: WeightFunction, distance_km: np.ndarray) -> np.ndarray:
    """Call a weight function on all pair distances at once and check what it returns."""
    try:
        raw = fn(distance_km)
    except (TypeError, ValueError) as exc:
        raise UnknownValueError(
            "weights: the weight function must accept a numpy array of distances in km "
            "and return an array of weights (wrap a function of one number with "
            f"numpy.vectorize); calling it failed with {type(exc).__name__}: {exc}"
        ) from exc
    try:
        w = np.broadcast_to(np.asarray(raw, dtype=np.float64), distance_km.shape)
    except (TypeError, ValueError):
        raise UnknownValueError(
            f"weights: expected the weight function to return {distance_km.shape[0]} numbers "
            f"(one per distance), got {type(raw).__name__} of shape {np.shape(raw)}"
        ) from None
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise UnknownValueError(
            "weights: expected finite weights >= 0, got "
            f"{float(w[k])!r} at distance {float(distance_km[k])!r} km"
        )
    return w


def _radius(radius_km: float | None, costs: pd.DataFrame | None) -> float | None:
    """The straight radius, or None with a cost table (whose cut-off is the catchment)."""
    if costs is None:
        return check_radius_km(20.0 if radius_km is None else radius_km)
    if radius_km is not None:
        raise UnknownValueError(
            f"radius_km: a straight-line radius ({radius_km!r}) cannot be combined with costs=; "
            "the catchment is the cost table's cut-off (build it with cost_table(..., cutoff=...))"
        )
    return None


def _catchment(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    radius_km: float | None,
    weights: Weights,
    demand_col: str,
    supply_col: str,
    x: str,
    y: str,
    costs: pd.DataFrame | None = None,
) -> dict[str, np.ndarray]:
    """Both FCA steps on arrays; every public function is a view of this."""
    radius = _radius(radius_km, costs)
    fn = _weight_function(weights)
    require_columns(demand, [demand_col] + ([x, y] if costs is None else []), "demand")
    require_columns(supply, [supply_col] + ([x, y] if costs is None else []), "supply")
    population = numeric_column(
        demand, demand_col, "demand", non_negative=True, what="a finite population >= 0"
    )
    capacity = numeric_column(
        supply, supply_col, "supply", non_negative=True, what="a finite capacity >= 0"
    )
    if costs is None:
        demand_xy = coordinate_array(demand, x, y, argument="demand")
        supply_xy = coordinate_array(supply, x, y, argument="supply")
        i, j, dist = pairs_within(demand_xy, supply_xy, radius)
    else:
        i, j, dist = check_cost_table(costs, demand, supply)
    n, m = len(demand), len(supply)
    w = np.ones_like(dist) if fn is None else _apply_weights(fn, dist)

    demand_in_reach = np.bincount(j, weights=w * population[i], minlength=m)
    defined = demand_in_reach > 0
    ratio = np.full(m, np.nan)
    np.divide(capacity, demand_in_reach, out=ratio, where=defined)
    # Undefined ratios (no weighted demand) contribute nothing rather than inf/NaN.
    usable = np.where(defined, ratio, 0.0)
    access = np.bincount(i, weights=w * usable[j], minlength=n)
    return {
        "population": population,
        "capacity": capacity,
        "access": access,
        "n_supply_in_reach": np.bincount(i, minlength=n).astype(np.int64),
        "demand_in_reach": demand_in_reach,
        "ratio": ratio,
        "n_demand_in_reach": np.bincount(j, minlength=m).astype(np.int64),
    }


def _access_frame(result: dict[str, np.ndarray], demand: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "access": result["access"],
            "access_per_1000": result["access"] * 1000.0,
            "n_supply_in_reach": result["n_supply_in_reach"],
        },
        index=demand.index.copy(),
    )


def two_step_fca(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    radius_km: float | None = None,
    *,
    costs: pd.DataFrame | None = None,
    demand_col: str = "population",
    supply_col: str = "capacity",
    x: str = "x",
    y: str = "y",
) -> pd.DataFrame:
    """Two-step floating catchment area accessibility (Luo & Wang 2003).

    A_i = Σ_{j: d_ij ≤ r} S_j / D_j with D_j = Σ_{k: d_kj ≤ r} P_k; a supply point
    with D_j = 0 is left out (see the module notes).

    Parameters
    ----------
    demand : DataFrame
        Demand points (e.g. obce from ``load_obce()``): EPSG:5514 coordinates in
        metres in columns ``x``, ``y`` and the target population in ``demand_col``
        (finite, >= 0).
    supply : DataFrame
        Supply points (e.g. service places): coordinates in ``x``, ``y`` and
        capacity in ``supply_col`` (finite, >= 0). Several services at one place may
        be one row or several; the result is the same.
    radius_km : float, optional
        Catchment radius in km (straight line), finite and > 0; inclusive.
        None: 20 km, or with ``costs`` the table's cut-off (then it must be None).
    costs : DataFrame, optional
        A cost table from :func:`kpss_lib.indicators.costs.cost_table` for these
        ``demand`` (origins) and ``supply`` (destinations) frames: road km or drive
        minutes instead of straight km. Its pairs are the catchment, its ``cost``
        the distance passed to the weights, and ``x``, ``y`` are not needed.
    demand_col : str, default "population"
        Population column of ``demand`` (e.g. ``"pop_65_plus"``).
    supply_col : str, default "capacity"
        Capacity column of ``supply`` (e.g. ``"capacity_share"``).
    x, y : str, default "x", "y"
        Coordinate columns, the same names in both frames.

    Returns
    -------
    DataFrame
        Indexed like ``demand``, columns ``access`` (supply units per person of
        the target population, float64; 0 where no supply is in reach),
        ``access_per_1000`` (the same × 1 000) and ``n_supply_in_reach``
        (supply rows within the radius, int64).

    Raises
    ------
    UnknownValueError
        ``radius_km`` is not a positive finite number, or a column is missing
        (the message lists the columns present).
    ValidationError
        A coordinate, population or capacity is missing, not a finite number or
        negative; the message names the argument, column and rows, and
        ``rejected`` lists every such row (``argument, record, column, reason, value``).

    See Also
    --------
    supply_ratios : the supply-side table (D_j and R_j).
    enhanced_two_step_fca : with distance decay.
    """
    return _access_frame(
        _catchment(demand, supply, radius_km, None, demand_col, supply_col, x, y, costs), demand
    )


def enhanced_two_step_fca(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    radius_km: float | None = None,
    weights: Weights = None,
    *,
    costs: pd.DataFrame | None = None,
    demand_col: str = "population",
    supply_col: str = "capacity",
    x: str = "x",
    y: str = "y",
) -> pd.DataFrame:
    """Enhanced 2SFCA with distance-decay weights in both steps (Luo & Qi 2009).

    A_i = Σ_{j: d_ij ≤ r} W(d_ij) S_j / D_j with
    D_j = Σ_{k: d_kj ≤ r} W(d_kj) P_k; a supply point with D_j = 0 is left out.

    Parameters
    ----------
    demand : DataFrame
        Demand points (e.g. obce from ``load_obce()``): EPSG:5514 coordinates in
        metres in columns ``x``, ``y`` and the target population in ``demand_col``
        (finite, >= 0).
    supply : DataFrame
        Supply points (e.g. service places): coordinates in ``x``, ``y`` and
        capacity in ``supply_col`` (finite, >= 0). Several services at one place may
        be one row or several; the result is the same.
    radius_km : float, optional
        Catchment radius in km (straight line), finite and > 0; inclusive.
        None: 20 km, or with ``costs`` the table's cut-off (then it must be None).
    weights : mapping, callable or None, default None
        Distance decay W(d), d in km:

        * None: :func:`default_step_weights` of ``radius_km`` (Luo & Qi's weights
          1.0, 0.68, 0.22 on the radius' thirds); with ``costs``,
          :func:`default_cost_weights` (for drive time Luo & Qi's published
          0–10, 10–20, 20–30 minute zones);
        * a mapping ``{upper bound in km: weight}``, see :func:`step_weights`;
        * a function taking a numpy array of distances in km and returning an
          array of weights >= 0, e.g. ``gaussian_weights(10)``.

        The radius still cuts: pairs farther than ``radius_km`` get no weight.
    costs : DataFrame, optional
        A cost table from :func:`kpss_lib.indicators.costs.cost_table` for these
        ``demand`` (origins) and ``supply`` (destinations) frames: road km or drive
        minutes instead of straight km. Its pairs are the catchment, its ``cost``
        the distance passed to the weights, and ``x``, ``y`` are not needed.
    demand_col : str, default "population"
        Population column of ``demand`` (e.g. ``"pop_65_plus"``).
    supply_col : str, default "capacity"
        Capacity column of ``supply`` (e.g. ``"capacity_share"``).
    x, y : str, default "x", "y"
        Coordinate columns, the same names in both frames.

    Returns
    -------
    DataFrame
        Indexed like ``demand``, columns ``access``, ``access_per_1000`` and
        ``n_supply_in_reach`` as in :func:`two_step_fca` (the count ignores weights).

    Raises
    ------
    UnknownValueError
        ``radius_km`` is not a positive finite number, a column is missing
        (the message lists the columns present), or ``weights`` is unusable.
    ValidationError
        A coordinate, population or capacity is missing, not a finite number or
        negative; the message names the argument, column and rows, and
        ``rejected`` lists every such row (``argument, record, column, reason, value``).
    """
    if weights is None:
        weights = default_step_weights(20.0 if radius_km is None else radius_km) if costs is None \
            else default_cost_weights(costs)
    return _access_frame(
        _catchment(demand, supply, radius_km, weights, demand_col, supply_col, x, y, costs), demand
    )


def supply_ratios(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    radius_km: float | None = None,
    weights: Weights = None,
    *,
    costs: pd.DataFrame | None = None,
    demand_col: str = "population",
    supply_col: str = "capacity",
    x: str = "x",
    y: str = "y",
) -> pd.DataFrame:
    """The first FCA step: each supply point's demand in reach and supply-to-demand ratio.

    Parameters
    ----------
    demand : DataFrame
        Demand points (e.g. obce from ``load_obce()``): EPSG:5514 coordinates in
        metres in columns ``x``, ``y`` and the target population in ``demand_col``
        (finite, >= 0).
    supply : DataFrame
        Supply points (e.g. service places): coordinates in ``x``, ``y`` and
        capacity in ``supply_col`` (finite, >= 0). Several services at one place may
        be one row or several; the result is the same.
    radius_km : float, optional
        Catchment radius in km (straight line), finite and > 0; inclusive.
        None: 20 km, or with ``costs`` the table's cut-off (then it must be None).
    weights : mapping, callable or None, default None
        None: no distance decay (the ratios of :func:`two_step_fca`). For the
        ratios of :func:`enhanced_two_step_fca` pass the same ``weights`` given
        to it, or ``default_step_weights(radius_km)`` (``default_cost_weights(costs)``
        with a cost table) for its default.
    costs : DataFrame, optional
        A cost table from :func:`kpss_lib.indicators.costs.cost_table` for these
        ``demand`` (origins) and ``supply`` (destinations) frames: road km or drive
        minutes instead of straight km. Its pairs are the catchment, its ``cost``
        the distance passed to the weights, and ``x``, ``y`` are not needed.
    demand_col : str, default "population"
        Population column of ``demand`` (e.g. ``"pop_65_plus"``).
    supply_col : str, default "capacity"
        Capacity column of ``supply`` (e.g. ``"capacity_share"``).
    x, y : str, default "x", "y"
        Coordinate columns, the same names in both frames.

    Returns
    -------
    DataFrame
        Indexed like ``supply``, columns ``supply`` (capacity S_j),
        ``demand_in_reach`` (D_j, weighted population within the radius),
        ``ratio`` (R_j = S_j / D_j, supply units per person; NaN where D_j = 0,
        such a point adds nothing to accessibility), ``ratio_per_1000`` and
        ``n_demand_in_reach`` (demand rows within the radius, int64).

    Raises
    ------
    UnknownValueError
        ``radius_km`` is not a positive finite number, a column is missing
        (the message lists the columns present), or ``weights`` is unusable.
    ValidationError
        A coordinate, population or capacity is missing, not a finite number or
        negative; the message names the argument, column and rows, and
        ``rejected`` lists every such row (``argument, record, column, reason, value``).
    """
    result = _catchment(demand, supply, radius_km, weights, demand_col, supply_col, x, y, costs)
    return pd.DataFrame(
        {
            "supply": result["capacity"],
            "demand_in_reach": result["demand_in_reach"],
            "ratio": result["ratio"],
            "ratio_per_1000": result["ratio"] * 1000.0,
            "n_demand_in_reach": result["n_demand_in_reach"],
        },
        index=supply.index.copy(),
    )

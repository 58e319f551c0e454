"""Travel costs between obce and service places: straight line, along roads, or drive time.

Three cost kinds, one API:

========== ======= ======================================================================
kind       unit    what
========== ======= ======================================================================
straight   km      straight line between the points (today's kpss distance)
road       km      shortest route along the ArcČR 500 roads (:mod:`.roads`)
drive      minutes free-flow drive time along those roads at assumed class speeds
========== ======= ======================================================================

* :func:`cost_table` — every origin–destination pair within a cut-off, as a long
  (sparse) table; feed it to :func:`~kpss_lib.indicators.access.two_step_fca`,
  :func:`~kpss_lib.indicators.access.enhanced_two_step_fca` or
  :func:`~kpss_lib.indicators.access.supply_ratios` as ``costs=`` (catchments in
  km or minutes), or use it for terrain reach ("which obce can a terrain service
  reach within 30 minutes").
* :func:`nearest_cost` — the nearest destination of every origin and its cost
  (white spots: ``nearest_cost(...)["cost"] > limit``); no cut-off needed.
* :func:`pairs_within_cost` — the array core of :func:`cost_table` (like
  :func:`~kpss_lib.indicators.distance.pairs_within`).
* :func:`describe_cost` — the one Czech line naming the kind and its assumptions,
  to print wherever a cost-based result is shown.

Tables never hold all origins × destinations: straight pairs come from a k-d tree,
road pairs from Dijkstra limited to the cut-off (see :mod:`.roads`).

Typical use (``obce`` from ``load_obce()``, ``homes`` from ``supply_points(...)``)::

    from kpss_lib.load.roads import load_road_edges, roads_available
    from kpss_lib.indicators.roads import road_network
    network = road_network(load_road_edges())              # ~0.1 s warm; reuse it
    costs = cost_table(obce, homes, "drive", 30, network)  # minutes, pairs ≤ 30 min
    access = enhanced_two_step_fca(obce, homes, costs=costs, demand_col="pop_65_plus")
    white = nearest_cost(obce, homes, "drive", network)["cost"] > 20   # white spots, 20 min
    print(costs.attrs["description"])                      # the assumptions, in Czech
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError, ValidationError
from kpss_lib.indicators.distance import coordinate_array, nearest_destination, pairs_within
from kpss_lib.indicators.roads import RoadNetwork, describe_network, nearest_route, route_pairs

__all__ = [
    "COST_KINDS",
    "COST_UNITS",
    "CostKind",
    "check_cost_table",
    "cost_table",
    "describe_cost",
    "nearest_cost",
    "pairs_within_cost",
]

CostKind = Literal["straight", "road", "drive"]
#: The cost kinds and their units.
COST_UNITS: dict[str, str] = {"straight": "km", "road": "km", "drive": "min"}
COST_KINDS: tuple[str, ...] = tuple(COST_UNITS)

_WEIGHT = {"road": "length", "drive": "time"}
_COLUMNS = ["origin", "destination", "origin_pos", "destination_pos", "cost"]


def _check_kind(kind: object, network: RoadNetwork | None) -> str:
    if kind not in COST_UNITS:
        raise UnknownValueError(
            f"kind: expected one of {', '.join(COST_KINDS)} (straight km, road km, drive minutes), got {kind!r}"
        )
    if kind != "straight" and not isinstance(network, RoadNetwork):
        raise UnknownValueError(
            f"network: cost kind {kind!r} needs the road network "
            "(road_network(load_road_edges())), got "
            f"{type(network).__name__}"
        )
    return str(kind)


def _check_cutoff(cutoff: object, kind: str) -> float:
    try:
        value = float(cutoff)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise UnknownValueError(
            f"cutoff: expected a positive finite number of {COST_UNITS[kind]} "
            f"for cost kind {kind!r}, got {cutoff!r}"
        )
    return value


def describe_cost(kind: CostKind, network: RoadNetwork | None = None) -> str:
    """One Czech line naming the cost kind, its unit and its assumptions (speeds, last stretch).

    Parameters
    ----------
    kind : {"straight", "road", "drive"}
    network : RoadNetwork, optional
        Needed for ``"road"`` and ``"drive"``: its speeds and last-stretch settings are named.
    """
    kind = _check_kind(kind, network)
    if kind == "straight":
        return "vzdušná vzdálenost (km) mezi definičním bodem obce a adresou služby"
    return describe_network(network, _WEIGHT[kind])  # type: ignore[arg-type]


def pairs_within_cost(
    origins_xy: np.ndarray,
    destinations_xy: np.ndarray,
    kind: CostKind,
    cutoff: float,
    network: RoadNetwork | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions and costs of all pairs with cost at most ``cutoff`` (inclusive).

    Parameters
    ----------
    origins_xy, destinations_xy : numpy.ndarray
        (n, 2) and (m, 2) EPSG:5514 metres, validated (see
        :func:`~kpss_lib.indicators.distance.coordinate_array`).
    kind : {"straight", "road", "drive"}
    cutoff : float
        km for ``"straight"`` and ``"road"``, minutes for ``"drive"``; > 0.
    network : RoadNetwork, optional
        Required for ``"road"`` and ``"drive"``.

    Returns
    -------
    (origin_pos, destination_pos, cost) : tuple of numpy.ndarray
        int64, int64, float64, sorted by origin then destination position.
    """
    kind = _check_kind(kind, network)
    limit = _check_cutoff(cutoff, kind)
    if kind == "straight":
        return pairs_within(origins_xy, destinations_xy, limit)
    return route_pairs(network, origins_xy, destinations_xy, limit, _WEIGHT[kind])  # type: ignore[arg-type]


def cost_table(
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    kind: CostKind = "straight",
    cutoff: float = 20.0,
    network: RoadNetwork | None = None,
    *,
    x: str = "x",
    y: str = "y",
) -> pd.DataFrame:
    """Every origin–destination pair whose cost is at most ``cutoff``, as a long table.

    Parameters
    ----------
    origins, destinations : DataFrame
        Points with EPSG:5514 coordinates in metres in columns ``x``, ``y`` (e.g.
        obce from ``load_obce()`` and supply points from
        :func:`~kpss_lib.indicators.access.supply_points`).
    kind : {"straight", "road", "drive"}, default "straight"
        Straight-line km, km along roads, or drive minutes.
    cutoff : float, default 20
        Inclusive limit in the kind's unit (km or minutes), > 0.
    network : RoadNetwork, optional
        :func:`~kpss_lib.indicators.roads.road_network`; required for ``"road"``
        and ``"drive"``.
    x, y : str, default "x", "y"
        Coordinate columns, the same names in both frames.

    Returns
    -------
    DataFrame
        One row per pair, sorted by origin then destination position: ``origin``,
        ``destination`` (index labels), ``origin_pos``, ``destination_pos`` (0-based
        positions, int64) and ``cost`` (float64, km or minutes). ``attrs`` holds
        ``cost_kind``, ``unit``, ``cutoff``, ``n_origins``, ``n_destinations`` and
        ``description`` (:func:`describe_cost`). Pairs beyond the cut-off, and
        pairs with no route, have no row.

    Raises
    ------
    UnknownValueError
        Unknown kind, a bad cut-off, no network for a road kind, a missing column.
    ValidationError
        A coordinate is missing or not a finite number (rows named).
    """
    kind = _check_kind(kind, network)
    limit = _check_cutoff(cutoff, kind)
    a = coordinate_array(origins, x, y, argument="origins")
    b = coordinate_array(destinations, x, y, argument="destinations")
    i, j, cost = pairs_within_cost(a, b, kind, limit, network)  # type: ignore[arg-type]
    table = pd.DataFrame({
        "origin": origins.index[i],
        "destination": destinations.index[j],
        "origin_pos": i,
        "destination_pos": j,
        "cost": cost,
    })
    table.attrs.update(
        cost_kind=kind, unit=COST_UNITS[kind], cutoff=limit, n_origins=len(a),
        n_destinations=len(b), description=describe_cost(kind, network),  # type: ignore[arg-type]
    )
    return table


def check_cost_table(
    costs: object, origins: pd.DataFrame, destinations: pd.DataFrame, argument: str = "costs"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a cost table against the frames it is used with; return its arrays.

    The table must have the columns of :func:`cost_table`, positions inside the
    two frames, labels equal to the frames' index labels at those positions (a
    table built for other or reordered frames is refused), and finite costs >= 0.

    Returns
    -------
    (origin_pos, destination_pos, cost) : tuple of numpy.ndarray

    Raises
    ------
    UnknownValueError
        Not a DataFrame or a column is missing.
    ValidationError
        Rows that do not fit; ``rejected`` lists them (``argument, record, column, reason, value``).
    """
    if not isinstance(costs, pd.DataFrame):
        raise UnknownValueError(f"{argument}: expected a cost table (DataFrame from cost_table), got {type(costs).__name__}")
    missing = [c for c in _COLUMNS if c not in costs.columns]
    if missing:
        raise UnknownValueError(
            f"{argument}: missing column(s) {', '.join(map(repr, missing))}; expected the columns "
            f"of cost_table {_COLUMNS!r}, got {list(map(str, costs.columns))!r}"
        )
    i = pd.to_numeric(costs["origin_pos"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    j = pd.to_numeric(costs["destination_pos"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    c = pd.to_numeric(costs["cost"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    problems = []
    for column, pos, frame, label_column in (("origin_pos", i, origins, "origin"),
                                             ("destination_pos", j, destinations, "destination")):
        bad = ~(np.isfinite(pos) & (pos >= 0) & (pos < len(frame)) & (pos == np.floor(pos)))
        problems.append((column, bad, f"not a row position of the {len(frame)} {label_column} rows"))
        ok = np.flatnonzero(~bad)
        mismatch = np.zeros(len(pos), dtype=bool)
        # Compared as Series, so Arrow-backed labels are compared in Arrow (10× faster than objects).
        expected_labels = pd.Series(frame.index.take(pos[ok].astype(np.int64)))
        mismatch[ok] = (expected_labels != costs[label_column].iloc[ok].reset_index(drop=True)).to_numpy()
        problems.append((label_column, mismatch, f"not the index label of the {label_column} row at that position "
                                                 "(table built for other rows?)"))
    problems.append(("cost", ~(np.isfinite(c) & (c >= 0)), "not a finite cost >= 0"))
    rejected = [
        pd.DataFrame({"argument": argument, "record": costs.index[bad].tolist(), "column": column,
                      "reason": reason, "value": costs[column].to_numpy()[bad].tolist()})
        for column, bad, reason in problems if bad.any()
    ]
    if rejected:
        table = pd.concat(rejected, ignore_index=True)
        record, column, reason, value = (table[c].tolist()[0] for c in ("record", "column", "reason", "value"))
        raise ValidationError(
            f"{argument}: {len(table)} problem(s), e.g. row {record!r} column "
            f"{column!r}: {reason}, got {value!r}",
            rejected=table,
        )
    return i.astype(np.int64), j.astype(np.int64), c


def nearest_cost(
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    kind: CostKind = "straight",
    network: RoadNetwork | None = None,
    *,
    x: str = "x",
    y: str = "y",
) -> pd.DataFrame:
    """For every origin, the nearest destination by the chosen cost, and that cost.

    Parameters
    ----------
    origins, destinations : DataFrame
        Points with EPSG:5514 coordinates in metres in columns ``x``, ``y``.
    kind : {"straight", "road", "drive"}, default "straight"
    network : RoadNetwork, optional
        Required for ``"road"`` and ``"drive"``.
    x, y : str, default "x", "y"

    Returns
    -------
    DataFrame
        Indexed like ``origins``: ``cost`` (float64, km or minutes; ``inf`` when
        there is no destination) and ``destination`` (index label, ``None`` where
        the cost is ``inf``). ``attrs`` as in :func:`cost_table` (no ``cutoff``).
        For ``"straight"`` the values equal
        :func:`~kpss_lib.indicators.distance.nearest_destination`.
    """
    kind = _check_kind(kind, network)
    if kind == "straight":
        found = nearest_destination(origins, destinations, x, y)
        out = pd.DataFrame({"cost": found["distance_km"], "destination": found["destination"]})
    else:
        a = coordinate_array(origins, x, y, argument="origins")
        b = coordinate_array(destinations, x, y, argument="destinations")
        cost, best = nearest_route(network, a, b, _WEIGHT[kind])  # type: ignore[arg-type]
        label = np.full(len(cost), None, dtype=object)
        found = best >= 0
        label[found] = destinations.index.to_numpy(dtype=object)[best[found]]
        out = pd.DataFrame({"cost": cost, "destination": label}, index=origins.index.copy())
    out.attrs.update(cost_kind=kind, unit=COST_UNITS[kind], n_origins=len(origins),
                     n_destinations=len(destinations), description=describe_cost(kind, network))  # type: ignore[arg-type]
    return out

"""Shortest routes along the road network: the graph, the last stretch to it, and Dijkstra.

The network is the ArcČR 500 road edge table (:func:`kpss_lib.load.roads.load_road_edges`):
segments whose end points meet exactly, lengths in metres in EPSG:5514, and a road
class per segment. It has no speeds and no local streets, so two assumptions are
made and named in every output (:func:`describe_network`):

Speeds
    A travel speed per road class (km/h), :data:`DEFAULT_SPEEDS_KMH` unless the
    caller gives others; an edge's time is its length over its class speed. There
    are no one-way streets, junction delays or congestion: drive times are free-flow
    estimates, the kind of cost Luo & Qi (2009) used for their zones.

The last stretch (connector)
    A point (an obec's definition point, a service's address) joins the network at
    the nearest point of the nearest edge of the network's main component. The
    stretch to it is its straight length times ``detour`` (default 1.3, a usual
    circuity of local roads), driven at ``connector_speed_kmh`` (default 30 km/h,
    streets inside a village or town); from there the route follows the edge to
    either of its end nodes, at the edge's own speed. On the real data the
    straight stretch of the 6 258 obce has a median of 53 m, 95 % are within
    about 1.2 km and the longest is 2.9 km (:func:`snap_points` returns it as
    ``offset_m``). Error bound: if the real last stretch has a circuity between
    1.0 and 2.0, each end of a route is off by at most
    ``offset × max(detour − 1, 2 − detour)`` (0.7 × offset at the default), i.e.
    under 0.85 km, and at 30 km/h under 1.7 minutes, per end for 95 % of obce
    (about 2 km / 4 minutes at worst); a slower or faster real street speed scales the
    time of the stretch itself (≤ 3.1 minutes for 95 % of obce).

The small second component
    Two connected components: the main one holds 99.99 % of the nodes. Points
    join only the main one (its edges alone are searched for the nearest edge), so
    a point whose nearest edge lies in the small piece still gets finite costs, by
    a longer last stretch to the main network.

Costs: ``weight="length"`` gives kilometres, ``weight="time"`` minutes. Every road
cost is at least the straight distance between the two points (the route follows
the edges' lines, and the last stretch is at least its straight length), up to
rounding.

Routing never builds a dense all-pairs table: every origin and destination becomes
one extra node joined to the ends of its edge, and Dijkstra runs from the
destinations (fewer than the 6 258 obce) with ``limit`` = the cut-off, in blocks
of 128 sources; only pairs within the cut-off are kept.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.distance import require_columns

__all__ = [
    "DEFAULT_CONNECTOR_DETOUR",
    "DEFAULT_CONNECTOR_SPEED_KMH",
    "DEFAULT_SPEEDS_KMH",
    "RoadNetwork",
    "Snap",
    "describe_network",
    "leg_costs",
    "nearest_route",
    "road_network",
    "route_pairs",
    "snap_points",
]

#: Assumed free-flow speeds (km/h) per ArcČR 500 road class. Below the limits
#: (130 / 110 / 90 / 90 / 90 km/h outside towns) because routes cross towns and
#: junctions; with them Praha → Brno is about 2 hours, as drivers know it.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "dálnice": 110.0,
    "rychlostní silnice": 100.0,
    "silnice I. třídy": 70.0,
    "silnice II. třídy": 60.0,
    "silnice III. třídy": 50.0,
    "neevidovaná silnice": 40.0,
}
#: Road length of the last stretch per metre of its straight length.
DEFAULT_CONNECTOR_DETOUR = 1.3
#: Speed on the last stretch (local streets), km/h.
DEFAULT_CONNECTOR_SPEED_KMH = 30.0

Weight = Literal["length", "time"]

#: Dijkstra sources per block: bounds the (block × nodes) distance array to ~20 MB.
_SOURCES_PER_BLOCK = 128


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A routable road network (built by :func:`road_network`; treat as read-only).

    Node arrays have one entry per node, edge arrays one per edge (segment).
    ``length_km`` and ``minutes`` are the edge costs; the CSR matrices hold the
    cheapest edge between two nodes, both directions, loops dropped.
    """

    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    length_km: np.ndarray
    minutes: np.ndarray
    geometry: np.ndarray
    main_edges: np.ndarray
    tree: shapely.STRtree
    graph_km: sp.csr_matrix
    graph_min: sp.csr_matrix
    speeds_kmh: Mapping[str, float]
    detour: float
    connector_speed_kmh: float

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)


@dataclass(frozen=True, eq=False)
class Snap:
    """Where points join the network (:func:`snap_points`); arrays with one entry per point.

    ``edge`` is the joined edge, ``offset_m`` the straight distance from the point
    to the joining point, ``along_m`` the distance along the edge's line from its
    ``u`` end to the joining point.
    """

    edge: np.ndarray
    offset_m: np.ndarray
    along_m: np.ndarray


def _number(value: object, argument: str, expected: str, minimum: float, inclusive: bool = False) -> float:
    """``value`` as a finite float above ``minimum`` (or equal, when ``inclusive``), else UnknownValueError."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number) or number < minimum or (number == minimum and not inclusive):
        raise UnknownValueError(f"{argument}: expected {expected}, got {value!r}")
    return number


def _check_speeds(speeds_kmh: Mapping[str, float] | None, classes: np.ndarray) -> dict[str, float]:
    """Default speeds updated by the caller's, checked to cover every class present."""
    merged = dict(DEFAULT_SPEEDS_KMH)
    if speeds_kmh is not None:
        if not isinstance(speeds_kmh, Mapping):
            raise UnknownValueError(
                f"speeds_kmh: expected a mapping {{road class: km/h}}, got {speeds_kmh!r}"
            )
        unknown = sorted(set(map(str, speeds_kmh)) - set(DEFAULT_SPEEDS_KMH))
        if unknown:
            raise UnknownValueError(
                f"speeds_kmh: unknown road class(es) {unknown!r}; "
                f"valid classes: {', '.join(DEFAULT_SPEEDS_KMH)}"
            )
        for name, speed in speeds_kmh.items():
            merged[str(name)] = _number(speed, f"speeds_kmh[{name!r}]", "a finite speed in km/h > 0", 0.0)
    missing = sorted(set(map(str, classes)) - set(merged))
    if missing:
        raise UnknownValueError(
            f"edges: road class(es) {missing!r} have no speed; give them in speeds_kmh "
            f"(known classes: {', '.join(merged)})"
        )
    return merged


def _symmetric_csr(u: np.ndarray, v: np.ndarray, cost: np.ndarray, n: int) -> sp.csr_matrix:
    """Undirected graph as a CSR matrix holding, for parallel edges, the cheapest one.

    Explicit zero costs stay edges (scipy's csgraph reads stored zeros as edges).
    """
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    data = np.concatenate([cost, cost])
    keep = rows != cols  # a loop never shortens a route
    rows, cols, data = rows[keep], cols[keep], data[keep]
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, data = rows[first], cols[first], data[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix((data, cols.astype(np.int32), indptr), shape=(n, n))


def road_network(
    edges: pd.DataFrame,
    speeds_kmh: Mapping[str, float] | None = None,
    *,
    detour: float = DEFAULT_CONNECTOR_DETOUR,
    connector_speed_kmh: float = DEFAULT_CONNECTOR_SPEED_KMH,
) -> RoadNetwork:
    """A routable network from the road edge table.

    Parameters
    ----------
    edges : GeoDataFrame
        :func:`kpss_lib.load.roads.load_road_edges`: ``u``, ``v`` (node numbers
        0 … n − 1), ``road_class`` and LineString ``geometry`` in EPSG:5514
        metres, running from node ``u`` to node ``v``. Edge lengths are the
        lines' lengths (so that a route is never shorter than the straight line).
    speeds_kmh : mapping of str to float, optional
        Speeds (km/h) for some or all road classes; the others keep
        :data:`DEFAULT_SPEEDS_KMH`.
    detour : float, default 1.3
        Road length of the last stretch per metre of its straight length (>= 1).
    connector_speed_kmh : float, default 30
        Speed on the last stretch, km/h.

    Returns
    -------
    RoadNetwork
        Building it takes about 0.05 s for Czechia.
    """
    require_columns(edges, ["u", "v", "road_class", "geometry"], "edges")
    if len(edges) == 0:
        raise UnknownValueError("edges: expected at least one road segment, got an empty table")
    detour = _number(detour, "detour", "a finite factor >= 1 (a road is never shorter than "
                     "the straight line)", 1.0, inclusive=True)
    connector_speed = _number(connector_speed_kmh, "connector_speed_kmh", "a finite speed in km/h > 0", 0.0)
    classes = edges["road_class"].astype(str).to_numpy()
    speeds = _check_speeds(speeds_kmh, classes)
    u = edges["u"].to_numpy(dtype=np.int64)
    v = edges["v"].to_numpy(dtype=np.int64)
    geometry = np.asarray(edges.geometry.values, dtype=object)
    length_km = shapely.length(geometry) / 1000.0
    minutes = length_km / np.array([speeds[c] for c in classes]) * 60.0
    n = int(max(u.max(), v.max())) + 1
    node_xy = np.empty((n, 2))
    node_xy[u] = shapely.get_coordinates(shapely.get_point(geometry, 0))
    node_xy[v] = shapely.get_coordinates(shapely.get_point(geometry, -1))
    graph_km = _symmetric_csr(u, v, length_km, n)
    _, label = connected_components(graph_km, directed=False)
    main = np.flatnonzero(label[u] == np.bincount(label).argmax())
    return RoadNetwork(
        node_xy=node_xy, edge_u=u, edge_v=v, length_km=length_km, minutes=minutes,
        geometry=geometry, main_edges=main, tree=shapely.STRtree(geometry[main]),
        graph_km=graph_km, graph_min=_symmetric_csr(u, v, minutes, n),
        speeds_kmh=speeds, detour=detour, connector_speed_kmh=connector_speed,
    )


def snap_points(network: RoadNetwork, xy: np.ndarray) -> Snap:
    """Join points to the nearest point of the nearest edge of the main component.

    Parameters
    ----------
    network : RoadNetwork
    xy : numpy.ndarray
        (n, 2) EPSG:5514 metres, validated (see
        :func:`kpss_lib.indicators.distance.coordinate_array`).
    """
    points = shapely.points(xy)
    # query_nearest returns every edge at the minimal distance; one per point (the first) is enough.
    found = network.tree.query_nearest(points, all_matches=False)
    edge = np.empty(len(xy), dtype=np.int64)
    edge[found[0]] = network.main_edges[found[1]]
    lines = network.geometry[edge]
    along = shapely.line_locate_point(lines, points)
    offset = shapely.distance(points, shapely.line_interpolate_point(lines, along))
    return Snap(edge=edge, offset_m=offset, along_m=along)


def leg_costs(network: RoadNetwork, snap: Snap, weight: Weight) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost from each snapped point to the ``u`` end of its edge, to the ``v`` end, and of the last stretch alone.

    The last stretch is ``offset_m × detour`` at the connector speed; the part of
    the edge is its share of the edge's length (or time), so the two legs add up
    to the edge plus twice the stretch. km for ``"length"``, minutes for ``"time"``.
    """
    stretch_km = snap.offset_m * network.detour / 1000.0
    share = np.divide(snap.along_m / 1000.0, network.length_km[snap.edge],
                      out=np.zeros(len(snap.edge)), where=network.length_km[snap.edge] > 0)
    share = np.clip(share, 0.0, 1.0)
    if weight == "length":
        stretch, whole = stretch_km, network.length_km[snap.edge]
    else:
        stretch, whole = stretch_km / network.connector_speed_kmh * 60.0, network.minutes[snap.edge]
    return stretch + share * whole, stretch + (1.0 - share) * whole, stretch


def _check_weight(weight: str) -> Weight:
    if weight not in ("length", "time"):
        raise UnknownValueError(f"weight: expected 'length' (km) or 'time' (minutes), got {weight!r}")
    return weight  # type: ignore[return-value]


def _same_edge(network: RoadNetwork, o: Snap, d: Snap, weight: Weight) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origin–destination pairs joined to the same edge, with the cost straight along it."""
    pairs = pd.DataFrame({"edge": o.edge, "i": np.arange(len(o.edge))}).merge(
        pd.DataFrame({"edge": d.edge, "j": np.arange(len(d.edge))}), on="edge")
    i, j = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
    edge = o.edge[i]
    whole = network.length_km[edge] if weight == "length" else network.minutes[edge]
    per_km = np.divide(whole, network.length_km[edge], out=np.zeros(len(edge)),
                       where=network.length_km[edge] > 0)
    between_km = np.abs(o.along_m[i] - d.along_m[j]) / 1000.0
    return i, j, leg_costs(network, o, weight)[2][i] + between_km * per_km + leg_costs(network, d, weight)[2][j]


def _routing_graph(network: RoadNetwork, origins_xy: np.ndarray, destinations_xy: np.ndarray,
                   weight: Weight) -> sp.csr_matrix:
    """The network plus one node per destination (numbers N … N+m−1) and per origin
    (N+m … N+m+n−1), each joined to both ends of its edge, and a direct link for an
    origin and a destination on the same edge.

    A point node never shortens a route between other nodes: passing through it
    costs its edge plus twice its last stretch.
    """
    n_nodes, m, n = network.n_nodes, len(destinations_xy), len(origins_xy)
    d, o = snap_points(network, destinations_xy), snap_points(network, origins_xy)
    d_u, d_v, _ = leg_costs(network, d, weight)
    o_u, o_v, _ = leg_costs(network, o, weight)
    same_i, same_j, same_cost = _same_edge(network, o, d, weight)
    base = (network.graph_km if weight == "length" else network.graph_min).tocoo()
    dest = n_nodes + np.arange(m)
    orig = n_nodes + m + np.arange(n)
    u = np.concatenate([base.row, dest, dest, orig, orig, orig[same_i]])
    v = np.concatenate([base.col, network.edge_u[d.edge], network.edge_v[d.edge],
                        network.edge_u[o.edge], network.edge_v[o.edge], dest[same_j]])
    cost = np.concatenate([base.data, d_u, d_v, o_u, o_v, same_cost])
    return _symmetric_csr(u.astype(np.int64), v.astype(np.int64), cost, n_nodes + m + n)


def route_pairs(
    network: RoadNetwork,
    origins_xy: np.ndarray,
    destinations_xy: np.ndarray,
    cutoff: float,
    weight: Weight = "length",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All origin–destination pairs whose road cost is at most ``cutoff``.

    Parameters
    ----------
    network : RoadNetwork
    origins_xy, destinations_xy : numpy.ndarray
        (n, 2) and (m, 2) EPSG:5514 metres, validated.
    cutoff : float
        Inclusive limit, km for ``"length"``, minutes for ``"time"``.
    weight : {"length", "time"}, default "length"

    Returns
    -------
    (origin_pos, destination_pos, cost) : tuple of numpy.ndarray
        Sorted by origin then destination position; cost in km or minutes.
        Memory grows with the pairs found and one block of
        128 × (nodes + n + m) distances, never with n × m.
    """
    weight = _check_weight(weight)
    cutoff = _number(cutoff, "cutoff", "a finite number of km or minutes > 0", 0.0)
    n, m = len(origins_xy), len(destinations_xy)
    if n == 0 or m == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    graph = _routing_graph(network, origins_xy, destinations_xy, weight)
    first_origin = network.n_nodes + m
    found_i, found_j, found_c = [], [], []
    for start in range(0, m, _SOURCES_PER_BLOCK):
        sources = network.n_nodes + np.arange(start, min(m, start + _SOURCES_PER_BLOCK))
        cost = dijkstra(graph, directed=True, indices=sources, limit=cutoff)[:, first_origin:]
        j, i = np.nonzero(cost <= cutoff)
        found_i.append(i)
        found_j.append(j + start)
        found_c.append(cost[j, i])
    i, j, c = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_c)
    order = np.lexsort((j, i))
    return i[order].astype(np.int64), j[order].astype(np.int64), c[order]


def nearest_route(
    network: RoadNetwork,
    origins_xy: np.ndarray,
    destinations_xy: np.ndarray,
    weight: Weight = "length",
) -> tuple[np.ndarray, np.ndarray]:
    """For every origin, the road cost to its nearest destination and that destination's position.

    One multi-source Dijkstra from all destinations at once (no cut-off).

    Returns
    -------
    (cost, destination_pos) : tuple of numpy.ndarray
        float64 (km or minutes; ``inf`` when nothing is reachable or there are no
        destinations) and int64 (-1 where the cost is ``inf``).
    """
    weight = _check_weight(weight)
    n, m = len(origins_xy), len(destinations_xy)
    if m == 0 or n == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    graph = _routing_graph(network, origins_xy, destinations_xy, weight)
    dist, _, source = dijkstra(graph, directed=True, indices=network.n_nodes + np.arange(m),
                               min_only=True, return_predecessors=True)
    first_origin = network.n_nodes + m
    cost = dist[first_origin:]
    best = np.where(np.isfinite(cost), source[first_origin:] - network.n_nodes, -1).astype(np.int64)
    return cost, best


def describe_network(network: RoadNetwork, weight: Weight = "time") -> str:
    """One Czech line naming the assumptions behind road costs, for every output that shows them.

    E.g. ``"jízdní doba po silnicích ArcČR 500 při rychlostech dálnice 110 km/h, …;
    úsek k silnici vzdušnou čarou × 1,3 při 30 km/h"``.
    """
    weight = _check_weight(weight)
    stretch = f"úsek k silnici vzdušnou čarou × {_cz(network.detour)}"
    if weight == "length":
        return f"vzdálenost po silnicích ArcČR 500 (km); {stretch}"
    speeds = ", ".join(f"{name} {_cz(speed)} km/h" for name, speed in network.speeds_kmh.items())
    return (f"jízdní doba po silnicích ArcČR 500 (min) při rychlostech {speeds}; "
            f"{stretch} při {_cz(network.connector_speed_kmh)} km/h")


def _cz(number: float) -> str:
    """A number the Czech way: decimal comma, no trailing zeros."""
    return f"{number:g}".replace(".", ",")

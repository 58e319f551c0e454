"""Road network, cost kinds and accessibility on road costs.

A hand-made network whose routes are worked out below, the real ArcČR 500
network against networkx Dijkstra and against known routes, and 2SFCA/E2SFCA on
a drive-time table against PySAL ``access`` given the same table.
"""
from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from kpss_lib.errors import KpssError, UnknownValueError, ValidationError
from kpss_lib.indicators import roads as roads_module
from kpss_lib.indicators.access import (
    LUO_QI_DRIVE_ZONES_MIN,
    default_cost_weights,
    enhanced_two_step_fca,
    supply_points,
    supply_ratios,
    two_step_fca,
)
from kpss_lib.indicators.costs import cost_table, describe_cost, nearest_cost
from kpss_lib.indicators.distance import nearest_distance_km, pairwise_distance_km
from kpss_lib.indicators.roads import leg_costs, road_network, route_pairs, snap_points

# ---------------------------------------------------------------------------
# Hand-made network
# ---------------------------------------------------------------------------
#
#            (6 000, 8 000) ------ 4 km ------ C (10 000, 8 000)
#              /  edge 2: III. třídy,              |
#   10 km   /     A → (6 000, 8 000) → C,           |  edge 1: III. třídy, B → C, 8 km
#         /       14 km, 50 km/h = 16.8 min         |  50 km/h = 9.6 min
#   A (0, 0) ------------- edge 0: dálnice --------- B (10 000, 0)     E(13 000, 0)-F(14 000, 0)
#                  10 km, 110 km/h = 60/11 min                          edge 3: a second component
#
# Points (x, y in metres), last stretch = straight offset × 1.3 at 30 km/h:
#   O1 (5 000, -300)  on edge 0, 5 km from A, offset 300 m → stretch 0.39 km, 0.78 min
#   O2 (2 000,  300)  on edge 0, 2 km from A, offset 300 m → 0.39 km, 0.78 min
#   R  (13 500, 100)  nearest edge is edge 3 (100 m), in the small component: it joins
#                     the main network on edge 1 at (10 000, 100), offset 3.5 km
#                     → stretch 4.55 km, 9.1 min
#   P  (10 300, 4 000) on edge 1, 4 km from B, offset 300 m → 0.39 km, 0.78 min
#   Q  (7 000, -400)  on edge 0, 7 km from A, offset 400 m → 0.52 km, 1.04 min
#
# Road km:  O1→P = 0.39 + 5 (to B) + 4 + 0.39 = 9.78;   O1→Q = 0.39 + 2 (along edge 0) + 0.52 = 2.91
#           O2→P = 0.39 + 8 + 4 + 0.39 = 12.78;         O2→Q = 0.39 + 5 + 0.52 = 5.91
#           R→P  = 4.55 + 3.9 (along edge 1) + 0.39 = 8.84;  R→Q = 4.55 + 0.1 + 3 + 0.52 = 8.17
# Drive min (dálnice 6/11 min per km, III. třídy 1.2 min per km):
#           O1→P = 0.78 + 30/11 + 4.8 + 0.78;   O1→Q = 0.78 + 12/11 + 1.04
#           O2→P = 0.78 + 48/11 + 4.8 + 0.78;   O2→Q = 0.78 + 30/11 + 1.04
#           R→P  = 9.1 + 4.68 + 0.78;           R→Q  = 9.1 + 0.12 + 18/11 + 1.04
HAND_EDGES = gpd.GeoDataFrame(
    {
        "u": [0, 1, 0, 3],
        "v": [1, 2, 2, 4],
        "road_class": ["dálnice", "silnice III. třídy", "silnice III. třídy", "neevidovaná silnice"],
        "geometry": [
            shapely.LineString([(0, 0), (10_000, 0)]),
            shapely.LineString([(10_000, 0), (10_000, 8_000)]),
            shapely.LineString([(0, 0), (6_000, 8_000), (10_000, 8_000)]),
            shapely.LineString([(13_000, 0), (14_000, 0)]),
        ],
    },
    crs="EPSG:5514",
)
HAND_ORIGINS = pd.DataFrame(
    {"x": [5_000.0, 2_000.0, 13_500.0], "y": [-300.0, 300.0, 100.0], "population": [100.0, 50.0, 10.0]},
    index=pd.Index(["O1", "O2", "R"], name="obec"),
)
HAND_DESTINATIONS = pd.DataFrame(
    {"x": [10_300.0, 7_000.0], "y": [4_000.0, -400.0], "capacity": [20.0, 6.0]},
    index=pd.Index(["P", "Q"], name="place"),
)
HAND_ROAD_KM = {
    ("O1", "P"): 9.78, ("O1", "Q"): 2.91, ("O2", "P"): 12.78, ("O2", "Q"): 5.91,
    ("R", "P"): 8.84, ("R", "Q"): 8.17,
}
HAND_DRIVE_MIN = {
    ("O1", "P"): 0.78 + 30 / 11 + 4.8 + 0.78, ("O1", "Q"): 0.78 + 12 / 11 + 1.04,
    ("O2", "P"): 0.78 + 48 / 11 + 4.8 + 0.78, ("O2", "Q"): 0.78 + 30 / 11 + 1.04,
    ("R", "P"): 9.1 + 4.68 + 0.78, ("R", "Q"): 9.1 + 0.12 + 18 / 11 + 1.04,
}


@pytest.fixture(scope="module")
def hand_network():
    return road_network(HAND_EDGES)


def _as_dict(table: pd.DataFrame) -> dict:
    return {(o, d): c for o, d, c in table[["origin", "destination", "cost"]].itertuples(index=False)}


@pytest.mark.parametrize("kind, expected", [("road", HAND_ROAD_KM), ("drive", HAND_DRIVE_MIN)])
def test_hand_network_costs_are_exact(hand_network, kind, expected):
    table = cost_table(HAND_ORIGINS, HAND_DESTINATIONS, kind, 100, hand_network)
    got = _as_dict(table)
    assert sorted(got) == sorted(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value, rel=1e-12), pair
    assert table.attrs["unit"] == ("km" if kind == "road" else "min")
    nearest = nearest_cost(HAND_ORIGINS, HAND_DESTINATIONS, kind, hand_network)
    for origin in HAND_ORIGINS.index:
        best = min((v, d) for (o, d), v in expected.items() if o == origin)
        assert nearest.loc[origin, "cost"] == pytest.approx(best[0], rel=1e-12)
        assert nearest.loc[origin, "destination"] == best[1]


def test_hand_network_choices(hand_network):
    # Road km take the 14 km edge 2 from A to C, drive time the faster dálnice via B.
    corner = pd.DataFrame({"x": [0.0], "y": [-300.0]}, index=["near A"])
    top = pd.DataFrame({"x": [10_000.0], "y": [8_300.0]}, index=["near C"])
    road = cost_table(corner, top, "road", 100, hand_network)["cost"].iloc[0]
    drive = cost_table(corner, top, "drive", 100, hand_network)["cost"].iloc[0]
    assert road == pytest.approx(0.39 + 14 + 0.39, rel=1e-12)
    assert drive == pytest.approx(0.78 + 60 / 11 + 9.6 + 0.78, rel=1e-12)
    # The cut-off keeps only pairs within it (9 km: not O1→P 9.78 nor O2→P 12.78).
    within = cost_table(HAND_ORIGINS, HAND_DESTINATIONS, "road", 9.0, hand_network)
    assert list(zip(within["origin"], within["destination"])) == [("O1", "Q"), ("O2", "Q"), ("R", "P"), ("R", "Q")]


def test_point_near_the_small_component_joins_the_main_one(hand_network):
    snap = snap_points(hand_network, HAND_ORIGINS[["x", "y"]].to_numpy())
    assert snap.edge.tolist() == [0, 0, 1]  # R's nearest edge is 3, but it joins edge 1
    assert snap.offset_m[2] == pytest.approx(3_500.0)
    assert np.isfinite(nearest_cost(HAND_ORIGINS, HAND_DESTINATIONS, "drive", hand_network)["cost"]).all()


def test_no_destination(hand_network):
    nowhere = nearest_cost(HAND_ORIGINS, HAND_DESTINATIONS.iloc[:0], "drive", hand_network)
    assert np.isinf(nowhere["cost"]).all() and nowhere["destination"].isna().all()
    assert nowhere.index.equals(HAND_ORIGINS.index)
    assert cost_table(HAND_ORIGINS, HAND_DESTINATIONS.iloc[:0], "road", 50, hand_network).empty
    result = two_step_fca(HAND_ORIGINS, HAND_DESTINATIONS.iloc[:0],
                          costs=cost_table(HAND_ORIGINS, HAND_DESTINATIONS.iloc[:0], "road", 50, hand_network))
    assert (result["access"] == 0).all()


def test_changed_speeds_scale_drive_times(hand_network):
    slow = road_network(HAND_EDGES, {name: speed / 2 for name, speed in hand_network.speeds_kmh.items()},
                        connector_speed_kmh=15)
    fast = _as_dict(cost_table(HAND_ORIGINS, HAND_DESTINATIONS, "drive", 100, hand_network))
    halved = _as_dict(cost_table(HAND_ORIGINS, HAND_DESTINATIONS, "drive", 100, slow))
    for pair, minutes in fast.items():
        assert halved[pair] == pytest.approx(2 * minutes, rel=1e-12)
    assert "dálnice 55 km/h" in describe_cost("drive", slow) and "při 15 km/h" in describe_cost("drive", slow)


def test_describe_cost_names_the_assumptions(hand_network):
    line = describe_cost("drive", hand_network)
    assert line.startswith("jízdní doba po silnicích ArcČR 500 (min) při rychlostech dálnice 110 km/h,")
    assert "silnice III. třídy 50 km/h" in line and "× 1,3 při 30 km/h" in line
    assert describe_cost("road", hand_network).startswith("vzdálenost po silnicích ArcČR 500 (km)")
    assert describe_cost("straight").startswith("vzdušná vzdálenost (km)")


def test_hand_network_2sfca_on_road_costs(hand_network):
    # Road catchment 9 km: Q (6 places) serves O1 (100), O2 (50) and R (10) → 6/160;
    # P (20) serves only R (8.84 km) → 20/10 = 2.  A_O1 = A_O2 = 6/160, A_R = 6/160 + 2.
    costs = cost_table(HAND_ORIGINS, HAND_DESTINATIONS, "road", 9.0, hand_network)
    result = two_step_fca(HAND_ORIGINS, HAND_DESTINATIONS, costs=costs)
    np.testing.assert_allclose(result["access"], [6 / 160, 6 / 160, 6 / 160 + 2.0], rtol=1e-14)
    assert (HAND_ORIGINS["population"] * result["access"]).sum() == pytest.approx(26.0, rel=1e-14)
    ratios = supply_ratios(HAND_ORIGINS, HAND_DESTINATIONS, costs=costs)
    assert ratios["demand_in_reach"].tolist() == [10.0, 160.0]


# ---------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------


def test_bad_cost_arguments(hand_network):
    with pytest.raises(UnknownValueError, match="kind: expected one of straight, road, drive"):
        cost_table(HAND_ORIGINS, HAND_DESTINATIONS, "walk", 10, hand_network)
    with pytest.raises(UnknownValueError, match="network: cost kind 'drive' needs the road network"):
        cost_table(HAND_ORIGINS, HAND_DESTINATIONS, "drive", 10)
    with pytest.raises(UnknownValueError, match="cutoff: expected a positive finite number of min"):
        cost_table(HAND_ORIGINS, HAND_DESTINATIONS, "drive", -1, hand_network)
    with pytest.raises(UnknownValueError, match=r"speeds_kmh: unknown road class\(es\) \['silnice IV. třídy'\]"):
        road_network(HAND_EDGES, {"silnice IV. třídy": 30})
    with pytest.raises(UnknownValueError, match=r"speeds_kmh\['dálnice'\]: expected a finite speed in km/h > 0, got 0"):
        road_network(HAND_EDGES, {"dálnice": 0})
    with pytest.raises(UnknownValueError, match=r"detour: expected a finite factor >= 1 \(a road is never shorter than the straight line\), got 0.8"):
        road_network(HAND_EDGES, detour=0.8)
    with pytest.raises(UnknownValueError, match=r"edges: missing column\(s\) 'road_class'"):
        road_network(HAND_EDGES.drop(columns="road_class"))
    bad = HAND_ORIGINS.copy()
    bad.loc["O2", "y"] = np.nan
    with pytest.raises(ValidationError, match=r"origins: column 'y'.*'O2' \(missing"):
        cost_table(bad, HAND_DESTINATIONS, "road", 10, hand_network)


def test_cost_table_must_fit_the_frames(hand_network):
    costs = cost_table(HAND_ORIGINS, HAND_DESTINATIONS, "road", 100, hand_network)
    with pytest.raises(UnknownValueError, match="radius_km: a straight-line radius .* cannot be combined with costs="):
        two_step_fca(HAND_ORIGINS, HAND_DESTINATIONS, 20, costs=costs)
    with pytest.raises(ValidationError, match="not the index label of the origin row") as caught:
        two_step_fca(HAND_ORIGINS.iloc[::-1], HAND_DESTINATIONS, costs=costs)
    assert set(caught.value.rejected["column"]) == {"origin"}
    with pytest.raises(ValidationError, match="not a row position of the 1 destination rows"):
        two_step_fca(HAND_ORIGINS, HAND_DESTINATIONS.iloc[:1], costs=costs)
    broken = costs.copy()
    broken.loc[0, "cost"] = -1.0
    with pytest.raises(KpssError, match="column 'cost': not a finite cost >= 0, got -1.0"):
        enhanced_two_step_fca(HAND_ORIGINS, HAND_DESTINATIONS, costs=broken)
    with pytest.raises(UnknownValueError, match=r"costs: missing column\(s\) 'cost'"):
        two_step_fca(HAND_ORIGINS, HAND_DESTINATIONS, costs=costs.drop(columns="cost"))


# ---------------------------------------------------------------------------
# The real network
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edges() -> gpd.GeoDataFrame:
    from kpss_lib.load.roads import load_road_edges

    return load_road_edges()


@pytest.fixture(scope="module")
def network(edges):
    return road_network(edges)


@pytest.fixture(scope="module")
def obce_65() -> pd.DataFrame:
    from kpss_lib.load.territory import load_obce

    return pd.DataFrame(load_obce().set_index("obec_code")[["x", "y", "pop_65_plus"]])


@pytest.fixture(scope="module")
def domovy() -> pd.DataFrame:
    from kpss_lib.load.services import load_services

    places = load_services().places
    return supply_points(places[(places["type_code"] == "13") & (places["capacity_unit"] == "lůžka")])


def test_edge_table_facts(edges, network):
    assert len(edges) == 18_979
    assert edges["length_m"].sum() / 1000 == pytest.approx(46_425, abs=1)
    assert network.n_nodes == 13_529
    from scipy.sparse.csgraph import connected_components

    n, label = connected_components(network.graph_km, directed=False)
    # PROVENANCE.md: two components, the main one 99.99 % of the nodes; the other is one segment.
    assert n == 2 and sorted(np.bincount(label).tolist()) == [2, 13_527]


def test_a_point_on_the_small_component_gets_finite_costs(edges, network, domovy):
    # The second component is one 780 m segment (road 184H); no obec lies nearest to it,
    # so put a point on its middle: it must join the main network and reach homes.
    minor = np.setdiff1d(np.arange(len(edges)), network.main_edges)
    assert len(minor) == 1
    middle = shapely.line_interpolate_point(edges.geometry.iloc[minor[0]], 0.5, normalized=True)
    point = pd.DataFrame({"x": [middle.x], "y": [middle.y]}, index=["on 184H"])
    snap = snap_points(network, point[["x", "y"]].to_numpy())
    assert snap.edge[0] != minor[0] and 0 < snap.offset_m[0] < 5_000
    nearest = nearest_cost(point, domovy, "drive", network)
    assert np.isfinite(nearest.loc["on 184H", "cost"]) and nearest.loc["on 184H", "cost"] < 60
    assert len(cost_table(point, domovy, "road", 30, network)) > 0


def test_known_routes(network, obce_65):
    def pair(a: str, b: str, kind: str) -> float:
        table = cost_table(obce_65.loc[[a]], obce_65.loc[[b]], kind, 1_000, network)
        return float(table["cost"].iloc[0])

    praha, brno, otrokovice, zlin = "554782", "582786", "585599", "585068"
    # The D1 route Praha → Brno is about 205 km and 2 hours by car.
    assert pair(praha, brno, "road") == pytest.approx(205, rel=0.05)
    assert pair(praha, brno, "drive") == pytest.approx(120, rel=0.1)
    assert pair(praha, brno, "road") > pairwise_distance_km(obce_65.loc[[praha]], obce_65.loc[[brno]])[0, 0]
    assert pair(otrokovice, zlin, "road") < 15
    assert pair(otrokovice, zlin, "road") == pytest.approx(pair(zlin, otrokovice, "road"), rel=1e-12)


def test_road_distance_is_never_shorter_than_straight(network, obce_65, domovy):
    table = cost_table(obce_65, domovy, "road", 40, network)
    assert len(table) > 10_000
    straight = np.hypot(
        obce_65["x"].to_numpy()[table["origin_pos"]] - domovy["x"].to_numpy()[table["destination_pos"]],
        obce_65["y"].to_numpy()[table["origin_pos"]] - domovy["y"].to_numpy()[table["destination_pos"]],
    ) / 1000
    assert (table["cost"].to_numpy() >= straight * (1 - 1e-12)).all()
    nearest = nearest_cost(obce_65, domovy, "road", network)
    assert (nearest["cost"] >= nearest_distance_km(obce_65, domovy) * (1 - 1e-12)).all()
    assert np.isfinite(nearest["cost"]).all()


def test_blocks_do_not_change_the_pairs(network, obce_65, domovy, monkeypatch):
    sample = obce_65.iloc[::25]
    whole = cost_table(sample, domovy, "drive", 30, network)
    monkeypatch.setattr(roads_module, "_SOURCES_PER_BLOCK", 7)
    pd.testing.assert_frame_equal(cost_table(sample, domovy, "drive", 30, network), whole)


@pytest.mark.parametrize("weight, cutoff", [("length", 40.0), ("time", 45.0)])
def test_agrees_with_networkx_dijkstra(network, obce_65, domovy, weight, cutoff):
    """The same graph given to networkx: roads, one node per point joined to its edge's ends,
    and a direct link for a point pair on one edge."""
    nx = pytest.importorskip("networkx")
    rng = np.random.default_rng(20261208)
    sample = obce_65.iloc[np.sort(rng.choice(len(obce_65), 40, replace=False))]
    oxy, dxy = sample[["x", "y"]].to_numpy(), domovy[["x", "y"]].to_numpy()
    i, j, cost = route_pairs(network, oxy, dxy, cutoff, weight)

    graph = nx.Graph()
    edge_cost = network.length_km if weight == "length" else network.minutes
    for u, v, c in zip(network.edge_u, network.edge_v, edge_cost):
        if u != v and (not graph.has_edge(u, v) or graph[u][v]["w"] > c):
            graph.add_edge(u, v, w=c)
    o, d = snap_points(network, oxy), snap_points(network, dxy)
    for tag, snap in (("o", o), ("d", d)):
        to_u, to_v, _ = leg_costs(network, snap, weight)
        for k, edge in enumerate(snap.edge):
            graph.add_edge((tag, k), network.edge_u[edge], w=to_u[k])
            graph.add_edge((tag, k), network.edge_v[edge], w=min(to_v[k], graph[(tag, k)].get(network.edge_v[edge], {}).get("w", np.inf)))
    stretch_o, stretch_d = leg_costs(network, o, weight)[2], leg_costs(network, d, weight)[2]
    per_km = edge_cost / network.length_km
    for a in range(len(oxy)):
        for b in np.flatnonzero(d.edge == o.edge[a]):
            direct = stretch_o[a] + abs(o.along_m[a] - d.along_m[b]) / 1000 * per_km[o.edge[a]] + stretch_d[b]
            graph.add_edge(("o", a), ("d", b), w=direct)

    expected = {}
    for a in range(len(oxy)):
        lengths = nx.single_source_dijkstra_path_length(graph, ("o", a), cutoff=cutoff, weight="w")
        expected.update({(a, node[1]): c for node, c in lengths.items()
                         if isinstance(node, tuple) and node[0] == "d"})
    ours = dict(zip(zip(i.tolist(), j.tolist()), cost.tolist()))
    assert set(ours) == set(expected)
    assert len(ours) > 100
    assert max(abs(ours[k] - expected[k]) for k in ours) <= 1e-9


# ---------------------------------------------------------------------------
# 2SFCA / E2SFCA on road tables (drive minutes, road km) against PySAL access given the same table
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[("drive", 30.0), ("road", 25.0)], ids=["drive-30min", "road-25km"])
def road_costs(request, network, obce_65, domovy) -> pd.DataFrame:
    kind, cutoff = request.param
    return cost_table(obce_65, domovy, kind, cutoff, network)


def _pysal_access(obce_65, domovy, costs):
    access = pytest.importorskip("access")
    logging.getLogger("access").setLevel(logging.ERROR)
    demand = obce_65[["pop_65_plus"]].rename_axis("demand_id")
    supply = domovy[["capacity"]].rename_axis("supply_id")
    return access.Access(
        demand_df=demand, demand_value="pop_65_plus", supply_df=supply, supply_value="capacity",
        cost_df=costs[["origin", "destination", "cost"]], cost_origin="origin", cost_dest="destination",
        cost_name="cost",
    )


def _compare(ours: pd.DataFrame, theirs: pd.Series) -> None:
    theirs = theirs.reindex(ours.index)
    # access leaves out obce with no home in reach (NaN); kpss gives 0 there.
    assert theirs.isna().equals(ours["n_supply_in_reach"] == 0)
    assert np.max(np.abs(ours["access"] - theirs.fillna(0.0))) <= 1e-9


@pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")
def test_road_cost_fca_agrees_with_pysal_access(obce_65, domovy, road_costs):
    from access import weights as access_weights

    cutoff = road_costs.attrs["cutoff"]
    assert road_costs["cost"].max() <= cutoff
    model = _pysal_access(obce_65, domovy, road_costs)
    plain = two_step_fca(obce_65, domovy, costs=road_costs, demand_col="pop_65_plus")
    _compare(plain, model.two_stage_fca(name="plain", max_cost=cutoff).iloc[:, 0])
    steps = default_cost_weights(road_costs)
    if road_costs.attrs["cost_kind"] == "drive":
        # Luo & Qi's published zones: 0–10, 10–20, 20–30 minutes.
        assert steps == LUO_QI_DRIVE_ZONES_MIN == {10: 1.0, 20: 0.68, 30: 0.22}
    else:
        assert steps == {cutoff / 3: 1.0, 2 * cutoff / 3: 0.68, cutoff: 0.22}
    enhanced = enhanced_two_step_fca(obce_65, domovy, costs=road_costs, demand_col="pop_65_plus")
    theirs = model.enhanced_two_stage_fca(
        name="enhanced", max_cost=cutoff, weight_fn=access_weights.step_fn(steps)
    ).iloc[:, 0]
    _compare(enhanced, theirs)
    # Both steps preserve the total: Σ P·A = beds of the homes with anyone in reach.
    ratios = supply_ratios(obce_65, domovy, costs=road_costs, demand_col="pop_65_plus")
    reached = ratios.loc[ratios["demand_in_reach"] > 0, "supply"].sum()
    assert (obce_65["pop_65_plus"] * plain["access"]).sum() == pytest.approx(reached, rel=1e-12)


def test_straight_cost_table_gives_todays_results(obce_65, domovy):
    costs = cost_table(obce_65, domovy, "straight", 20)
    pd.testing.assert_frame_equal(
        two_step_fca(obce_65, domovy, costs=costs, demand_col="pop_65_plus"),
        two_step_fca(obce_65, domovy, 20, demand_col="pop_65_plus"),
    )
    pd.testing.assert_frame_equal(
        enhanced_two_step_fca(obce_65, domovy, costs=costs, demand_col="pop_65_plus"),
        enhanced_two_step_fca(obce_65, domovy, 20, demand_col="pop_65_plus"),
    )
    nearest = nearest_cost(obce_65, domovy)
    pd.testing.assert_series_equal(nearest["cost"], nearest_distance_km(obce_65, domovy), check_names=False)

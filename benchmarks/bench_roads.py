"""Benchmark: drive-time matrix along roads and 2SFCA on it, kpss against pandana and networkx.

Inputs: the ArcČR 500 road graph (``load_road_edges`` → ``road_network``, default
speeds), all 6 258 obce (65+ population at their definition points) and every place
of a domov pro seniory (MPSV druh 13, beds; ``supply_points``). The question: the
drive time from every obec to every place within 60 minutes, then 2SFCA on it.

All three tools route on the same graph with the same last stretches: the road
edges (cheapest of parallel edges, minutes), one node per obec and per place joined
to both ends of its nearest main-component edge with :func:`leg_costs`, and a direct
link for an obec and a place on the same edge (exactly the graph kpss routes on):

* kpss: :func:`cost_table` (Dijkstra from the places, ``limit`` = 60, in blocks)
  and :func:`two_step_fca` with ``costs=``;
* pandana (contraction hierarchies, built when the Network is made — the
  "prepare" column): ``nodes_in_range`` from every place node, then PySAL access's
  ``two_stage_fca`` on that table (the ecosystem's route: access takes a cost matrix);
* networkx: one ``single_source_dijkstra_path_length`` per place with ``cutoff`` =
  60, then PySAL access's ``two_stage_fca``.

"agreement" is the largest |difference| of the matrix against networkx over the
union of pairs (a pair missing on one side counts as infinite), and of the 2SFCA
values against kpss. Times are medians; peak memory is the tracemalloc peak of one
extra run (Python and numpy allocations only: pandana's C++ memory is not traced).

Run: ``KPSS_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_roads.py``
(``--runs`` for the interleaved rounds of kpss and pandana; networkx runs once).
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import bench_access  # the same inputs and timing as the straight-line benchmark
from kpss_lib.indicators.access import two_step_fca
from kpss_lib.indicators.costs import cost_table
from kpss_lib.indicators.roads import RoadNetwork, leg_costs, road_network, snap_points
from kpss_lib.load import cache as cache_module
from kpss_lib.load.roads import load_road_edges

CUTOFF_MIN = 60.0
DEMAND_COL = bench_access.DEMAND_COL


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    """(median seconds or nan for runs=0, tracemalloc peak MB of one more run, the last result)."""
    last: list[object] = [None]

    def keep() -> None:
        last[0] = fn()

    times, peak = bench_access.measure(keep, runs)
    return statistics.median(times) if times else float("nan"), peak, last[0]


def interleaved(tasks: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds per task, the tasks taking turns in every round (a shared, busy
    machine then slows all of them alike rather than whichever ran during a burst)."""
    times: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(rounds):
        for name, fn in tasks.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


@contextlib.contextmanager
def quiet_stdout():
    """Silence output written by C++ code to file descriptor 1."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def shared_graph(network: RoadNetwork, demand: pd.DataFrame, supply: pd.DataFrame):
    """Edge list (u, v, minutes) of the graph all tools route on; obec k is node N + k,
    place j is node N + n + j."""
    n_nodes, n = network.n_nodes, len(demand)
    o = snap_points(network, demand[["x", "y"]].to_numpy())
    d = snap_points(network, supply[["x", "y"]].to_numpy())
    ou, ov, o_stretch = leg_costs(network, o, "time")
    du, dv, d_stretch = leg_costs(network, d, "time")
    obec = n_nodes + np.arange(n)
    place = n_nodes + n + np.arange(len(supply))
    same = pd.DataFrame({"edge": o.edge, "i": np.arange(n)}).merge(pd.DataFrame({"edge": d.edge, "j": np.arange(len(supply))}))
    i, j, e = same["i"].to_numpy(), same["j"].to_numpy(), same["edge"].to_numpy()
    direct = o_stretch[i] + np.abs(o.along_m[i] - d.along_m[j]) / 1000 * network.minutes[e] / network.length_km[e] + d_stretch[j]
    edges = pd.DataFrame({
        "u": np.concatenate([network.edge_u, obec, obec, place, place, obec[i]]),
        "v": np.concatenate([network.edge_v, network.edge_u[o.edge], network.edge_v[o.edge],
                             network.edge_u[d.edge], network.edge_v[d.edge], place[j]]),
        "w": np.concatenate([network.minutes, ou, ov, du, dv, direct]),
    })
    edges = edges[edges["u"] != edges["v"]]
    # Parallel edges: keep the cheapest, as kpss does.
    key = np.minimum(edges["u"], edges["v"]) * (1 << 32) + np.maximum(edges["u"], edges["v"])
    edges = edges.assign(key=key).sort_values(["key", "w"]).drop_duplicates("key").drop(columns="key")
    xy = np.vstack([network.node_xy, demand[["x", "y"]].to_numpy(), supply[["x", "y"]].to_numpy()])
    return edges.reset_index(drop=True), xy, obec, place


def to_table(rows: pd.DataFrame, demand: pd.DataFrame, supply: pd.DataFrame, n_nodes: int) -> pd.DataFrame:
    """(place node, obec node, minutes) rows → kpss's cost-table columns."""
    j = rows["source"].to_numpy() - n_nodes - len(demand)
    i = rows["target"].to_numpy() - n_nodes
    keep = (i >= 0) & (i < len(demand)) & (rows["cost"].to_numpy() <= CUTOFF_MIN)
    i, j, c = i[keep], j[keep], rows["cost"].to_numpy()[keep]
    return pd.DataFrame({"origin": demand.index[i], "destination": supply.index[j],
                         "origin_pos": i, "destination_pos": j, "cost": c})


def pysal_2sfca(table: pd.DataFrame, demand: pd.DataFrame, supply: pd.DataFrame) -> pd.Series:
    from access import Access

    model = Access(demand_df=demand[[DEMAND_COL]].rename_axis("demand_id"), demand_value=DEMAND_COL,
                   supply_df=supply[["capacity"]].rename_axis("supply_id"), supply_value="capacity",
                   cost_df=table[["origin", "destination", "cost"]], cost_origin="origin",
                   cost_dest="destination", cost_name="cost")
    return model.two_stage_fca(name="plain", max_cost=CUTOFF_MIN).iloc[:, 0].reindex(demand.index).fillna(0.0)


def matrix_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    left = a.set_index(["origin_pos", "destination_pos"])["cost"]
    right = b.set_index(["origin_pos", "destination_pos"])["cost"]
    both = pd.concat([left, right], axis=1, keys=["a", "b"])
    return float((both["a"] - both["b"]).abs().fillna(np.inf).max())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="interleaved rounds of kpss and pandana")
    args = parser.parse_args(argv)
    logging.getLogger("access").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message="The inplace keyword")

    print(f"python {platform.python_version()} on {platform.machine()}, {len(os.sched_getaffinity(0))} CPU(s), "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    demand, supply = bench_access.load_inputs()
    print(f"{len(demand)} obcí × {len(supply)} places of domovy pro seniory, drive time ≤ {CUTOFF_MIN:g} min\n")

    # Graph build: cold = from the GeoJSON, cached = the edge table from the parquet cache.
    cold, _, edges = measure(lambda: road_network(load_road_edges(use_cache=False)), 1)
    load_road_edges()  # make sure the cache entry exists

    def from_cache() -> RoadNetwork:
        cache_module._memory.clear()  # read from disk, as a fresh process would
        return road_network(load_road_edges())

    cached, _, network = measure(from_cache, args.runs)
    warm, _, _ = measure(lambda: road_network(load_road_edges()), args.runs)
    print(f"{'graph build':<42}{'s':>8}")
    print(f"{'cold (GeoJSON → edges → network)':<42}{cold:8.3f}")
    print(f"{'cached edge table (parquet) → network':<42}{cached:8.3f}")
    print(f"{'in-process cache → network':<42}{warm:8.3f}\n")

    graph_edges, xy, obec_nodes, place_nodes = shared_graph(network, demand, supply)
    n_nodes = network.n_nodes

    def kpss_matrix() -> pd.DataFrame:
        return cost_table(demand, supply, "drive", CUTOFF_MIN, network)

    kpss_table = kpss_matrix()
    kpss_access = two_step_fca(demand, supply, costs=kpss_table, demand_col=DEMAND_COL)["access"]
    # Every timed task, run in interleaved rounds so that all tools meet the same machine load.
    tasks: dict[str, Callable[[], object]] = {
        "kpss matrix": kpss_matrix,
        "kpss 2SFCA": lambda: two_step_fca(demand, supply, costs=kpss_table, demand_col=DEMAND_COL),
        "kpss total": lambda: two_step_fca(demand, supply, costs=kpss_matrix(), demand_col=DEMAND_COL),
    }
    results = {"kpss (scipy Dijkstra, limit)": (0.0, "kpss", kpss_table, kpss_access)}
    try:
        import pandana

        def pandana_prepare():
            return pandana.Network(xy[:, 0], xy[:, 1], graph_edges["u"], graph_edges["v"],
                                   graph_edges[["w"]], twoway=True)

        with quiet_stdout():  # pandana's C++ prints its progress
            p_prep, _, net = measure(pandana_prepare, 1)

        def pandana_matrix() -> pd.DataFrame:
            found = net.nodes_in_range(place_nodes, CUTOFF_MIN)
            found.columns = ["source", "target", "cost"]
            return to_table(found, demand, supply, n_nodes)

        p_table = pandana_matrix()
        tasks["pandana matrix"] = pandana_matrix
        tasks["pandana 2SFCA"] = lambda: pysal_2sfca(p_table, demand, supply)
        results[f"pandana {pandana.__version__} (CH) + access"] = (
            p_prep, "pandana", p_table, pysal_2sfca(p_table, demand, supply))
    except ImportError as exc:
        print(f"pandana not available ({exc}); measured kpss and networkx only\n")
    timings = interleaved(tasks, args.runs)

    import networkx as nx

    def nx_prepare():
        graph = nx.Graph()
        graph.add_weighted_edges_from(graph_edges[["u", "v", "w"]].itertuples(index=False), weight="w")
        return graph

    x_prep, _, graph = measure(nx_prepare, 1)

    def nx_matrix() -> pd.DataFrame:
        parts = []
        obec_set = set(obec_nodes.tolist())
        for place in place_nodes.tolist():
            lengths = nx.single_source_dijkstra_path_length(graph, place, cutoff=CUTOFF_MIN, weight="w")
            hits = [(k, c) for k, c in lengths.items() if k in obec_set]
            parts.append(pd.DataFrame({"source": place, "target": [k for k, _ in hits], "cost": [c for _, c in hits]}))
        return to_table(pd.concat(parts, ignore_index=True), demand, supply, n_nodes)

    timings["networkx matrix"], peak_nx, x_table = measure(nx_matrix, 1)
    timings["networkx 2SFCA"], _, x_access = measure(lambda: pysal_2sfca(x_table, demand, supply), 1)
    results[f"networkx {nx.__version__} + access"] = (x_prep, "networkx", x_table, x_access)
    peaks = {"kpss": measure(tasks["kpss total"], 0)[1], "networkx": peak_nx}
    if "pandana matrix" in tasks:
        peaks["pandana"] = max(measure(tasks["pandana matrix"], 0)[1], measure(tasks["pandana 2SFCA"], 0)[1])
    rows = []
    for name, (prep, key, table, access_values) in results.items():
        matrix_s, fca_s = timings[f"{key} matrix"], timings[f"{key} 2SFCA"]
        total_s = timings.get(f"{key} total", matrix_s + fca_s)
        rows.append([name, prep, matrix_s, fca_s, total_s, len(table), table, access_values, peaks[key]])

    print(f"{'tool':<34}{'prepare s':>10}{'matrix s':>10}{'2SFCA s':>9}{'total s':>9}{'pairs':>9}"
          f"{'Δ matrix':>11}{'Δ 2SFCA':>10}{'peak MB':>9}")
    for name, prep, mt, at, total, pairs, table, access_values, peak in rows:
        d_matrix = matrix_difference(table, x_table)
        d_access = float(np.max(np.abs(np.asarray(access_values) - kpss_access.to_numpy())))
        print(f"{name:<34}{prep:10.3f}{mt:10.3f}{at:9.3f}{total:9.3f}{pairs:9d}{d_matrix:11.1e}{d_access:10.1e}{peak:9.0f}")
    print("\nΔ matrix: max |minutes − networkx| over all pairs (inf if a pair is missing on one side);"
          "\nΔ 2SFCA: max |access − kpss| (beds per person 65+). kpss total = matrix + 2SFCA in one call;"
          "\npeers' total = matrix + 2SFCA (PySAL access). kpss and pandana times are medians of interleaved rounds;"
          f"\nload average {os.getloadavg()[0]:.1f} at the end (a busy shared machine inflates every time).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of the coverage indicators on the real data, against plain pandas/geopandas peers.

Run: ``KPSS_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_coverage.py [--repeat 7]``

Prints one table: median wall time of each task (ms), and for tasks with a peer the
peer's median measured in the same run and the ratio peer / kpss.

* ``nearest``: distance from all 6 258 obcí to the nearest home for the elderly;
  peer: ``geopandas.sjoin_nearest`` on the same points (EPSG:5514).
* ``orp table``: capacity, services and population per ORP for all of CZ; peer:
  a direct pandas merge/groupby of the places with the obce (no distances).
* ``all indicators, 14 kraje``: one basis (distances, white spots, 2SFCA), then the
  ORP table of every kraj; ``compare 13 ORP``: the comparison table of Zlínský kraj
  with DataPAQ peers, ranks and references (no peer).
"""
from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import pandas as pd

from kpss_lib.indicators.compare import compare_regions, units_as_regions
from kpss_lib.indicators.coverage import aggregate, coverage_table, indicator_basis, nearest_distances
from kpss_lib.indicators.selection import select_services
from kpss_lib.load.datapaq import load_datapaq
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import find_region, load_obce


def median_ms(task, repeat: int) -> float:
    task()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        task()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat

    obce = pd.DataFrame(load_obce().drop(columns="geometry"))
    homes = select_services(load_services().places, "domovy pro seniory")
    datapaq = load_datapaq()
    zlinsky = find_region("Zlínský kraj")

    def geo(frame: pd.DataFrame) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(frame[["x", "y"]], geometry=gpd.points_from_xy(frame["x"], frame["y"]),
                                crs="EPSG:5514")

    def peer_nearest():
        joined = gpd.sjoin_nearest(geo(obce), geo(homes.reset_index(drop=True)), distance_col="d")
        return joined.groupby(level=0)["d"].min() / 1000

    def peer_orp():
        located = homes.merge(obce[["obec_code", "orp_code"]], on="obec_code", suffixes=("_place", ""))
        supply = located.groupby(["orp_code", "form", "capacity_unit"])["capacity_share"].sum().unstack([1, 2])
        counts = located.groupby("orp_code").agg(n_services=("service_id", "nunique"),
                                                 n_providers=("provider_ico", "nunique"))
        people = obce.groupby("orp_code")["pop_65_plus"].sum()
        return pd.concat([people, supply, counts], axis=1).fillna(0)

    def every_kraj():
        basis = indicator_basis(obce, homes, "65+", catchment_km=20)
        return [aggregate(basis, members.to_numpy(), "orp") for _, members in obce.groupby("kraj_code")["obec_code"]]

    regions = units_as_regions(obce, zlinsky, "orp")
    tasks = [
        ("nearest (6 258 obcí)", lambda: nearest_distances(obce, homes, None, "65+", radius_km=10), peer_nearest),
        ("orp table (206 ORP)", lambda: coverage_table(obce, homes, None, "orp", "65+"), peer_orp),
        ("all indicators, 14 kraje", every_kraj, None),
        ("compare 13 ORP + peers", lambda: compare_regions(obce, homes, regions, "65+", datapaq=datapaq), None),
    ]
    print(f"{'task':<28} {'kpss ms':>9} {'peer ms':>9} {'peer/kpss':>10}")
    for name, task, peer in tasks:
        ours = median_ms(task, repeat)
        theirs = median_ms(peer, repeat) if peer else float("nan")
        ratio = theirs / ours if peer else float("nan")
        print(f"{name:<28} {ours:9.1f} {theirs:9.1f} {ratio:10.2f}")


if __name__ == "__main__":
    main()

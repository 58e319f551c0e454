"""Benchmark: 2SFCA and E2SFCA for every obec against every domov pro seniory.

Demand: all 6 258 obcí, population 65+ at their definition points (``load_obce()``).
Supply: every place of a domov pro seniory (MPSV druh 13) with its beds
(``load_services().places`` → :func:`kpss_lib.indicators.access.supply_points`).
Radius 20 km; E2SFCA with the default step weights (Luo & Qi's 1.0 / 0.68 / 0.22
on thirds of the radius).

Both implementations start from the same two DataFrames (x, y in EPSG:5514 metres)
and end with one accessibility value per obec, distances included:

* kpss: ``two_step_fca`` / ``enhanced_two_step_fca`` (k-d tree pairs + bincount);
* PySAL access: GeoDataFrames of points → ``Access(...)`` →
  ``create_euclidean_distance`` → ``two_stage_fca`` / ``enhanced_two_stage_fca``.

Loading the inputs is not timed. Times are medians of repeated runs; peak memory is
the tracemalloc peak of one extra run (Python and numpy allocations; GEOS memory
behind shapely geometries is not traced, so access's figure is a lower bound).

Run: ``KPSS_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_access.py``
(``--runs-kpss``, ``--runs-access`` to change the repetitions).
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from kpss_lib.indicators.access import (
    default_step_weights,
    enhanced_two_step_fca,
    supply_points,
    two_step_fca,
)
from kpss_lib.indicators.distance import within_radius
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import load_obce

RADIUS_KM = 20.0
DEMAND_COL = "pop_65_plus"


def load_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(demand, supply): obce with x, y, pop_65_plus; places of homes for the elderly with beds."""
    obce = load_obce()
    demand = pd.DataFrame(obce.set_index("obec_code")[["x", "y", DEMAND_COL]])
    places = load_services().places
    beds = places[(places["type_code"] == "13") & (places["capacity_unit"] == "lůžka")]
    return demand, supply_points(beds)


def pysal_access(demand: pd.DataFrame, supply: pd.DataFrame, enhanced: bool) -> pd.Series:
    """PySAL access end to end, from the same DataFrames to one value per obec."""
    from access import Access
    from access import weights as access_weights

    d = gpd.GeoDataFrame(
        demand[[DEMAND_COL]].rename_axis("demand_id"),
        geometry=gpd.points_from_xy(demand["x"], demand["y"]),
        crs="EPSG:5514",
    )
    s = gpd.GeoDataFrame(
        supply[["capacity"]].rename_axis("supply_id"),
        geometry=gpd.points_from_xy(supply["x"], supply["y"]),
        crs="EPSG:5514",
    )
    model = Access(demand_df=d, demand_value=DEMAND_COL, supply_df=s, supply_value="capacity")
    # Metres; create_euclidean_distance keeps d < threshold, so 1 mm more keeps d == radius.
    model.create_euclidean_distance(threshold=RADIUS_KM * 1000 + 0.001)
    if enhanced:
        steps = {bound * 1000: w for bound, w in default_step_weights(RADIUS_KM).items()}
        result = model.enhanced_two_stage_fca(max_cost=RADIUS_KM * 1000, weight_fn=access_weights.step_fn(steps))
    else:
        result = model.two_stage_fca(max_cost=RADIUS_KM * 1000)
    return result.iloc[:, 0]


def kpss_access(demand: pd.DataFrame, supply: pd.DataFrame, enhanced: bool) -> pd.Series:
    fn = enhanced_two_step_fca if enhanced else two_step_fca
    return fn(demand, supply, RADIUS_KM, demand_col=DEMAND_COL, supply_col="capacity")["access"]


def measure(fn: Callable[[], object], runs: int) -> tuple[list[float], float]:
    """(run times in s, tracemalloc peak in MB of one more run)."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return times, peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-kpss", type=int, default=21)
    parser.add_argument("--runs-access", type=int, default=5)
    args = parser.parse_args(argv)

    # access logs a line per location it leaves out, and uses pandas calls
    # deprecated in pandas 3: noise for a timing table.
    logging.getLogger("access").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="The inplace keyword")

    import access
    import scipy

    demand, supply = load_inputs()
    pairs = within_radius(demand, supply, RADIUS_KM)
    print(
        f"demand: {len(demand)} obcí, {demand[DEMAND_COL].sum():,.0f} people 65+; "
        f"supply: {len(supply)} places of domovy pro seniory, {supply['capacity'].sum():,.0f} beds; "
        f"radius {RADIUS_KM:g} km, {len(pairs)} pairs in reach"
    )
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"scipy {scipy.__version__}, access {access.__version__}, {os.cpu_count()} CPU(s)\n"
    )

    rows = []
    for method, enhanced in (("2SFCA", False), ("E2SFCA", True)):
        ours = kpss_access(demand, supply, enhanced)
        theirs = pysal_access(demand, supply, enhanced).reindex(ours.index)
        # access gives NaN where no home is in reach, kpss 0 (documented difference).
        max_diff = float(np.max(np.abs(ours - theirs.fillna(0.0))))
        kpss_times, kpss_peak = measure(lambda: kpss_access(demand, supply, enhanced), args.runs_kpss)
        pysal_times, pysal_peak = measure(lambda: pysal_access(demand, supply, enhanced), args.runs_access)
        kpss_median = statistics.median(kpss_times)
        pysal_median = statistics.median(pysal_times)
        rows.append((method, "kpss", len(kpss_times), kpss_median, min(kpss_times), "", kpss_peak, f"{max_diff:.1e}"))
        rows.append(
            (method, "PySAL access", len(pysal_times), pysal_median, min(pysal_times),
             f"{pysal_median / kpss_median:.1f}", pysal_peak, "")
        )

    header = ("method", "implementation", "runs", "median s", "min s", "access/kpss", "peak MB", "max |diff|")
    widths = (7, 14, 4, 9, 9, 11, 8, 10)
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-|-".join("-" * w for w in widths))
    for method, impl, runs, median, fastest, ratio, peak, diff in rows:
        cells = (method, impl, str(runs), f"{median:.4f}", f"{fastest:.4f}", ratio, f"{peak:.1f}", diff)
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths)))

    kpss_2sfca, pysal_2sfca = rows[0][3], rows[1][3]
    print(
        f"\ngoal (issue 3): kpss 2SFCA < 0.5 s: {'yes' if kpss_2sfca < 0.5 else 'NO'} "
        f"({kpss_2sfca:.4f} s); >= 5x faster than access: "
        f"{'yes' if pysal_2sfca / kpss_2sfca >= 5 else 'NO'} ({pysal_2sfca / kpss_2sfca:.0f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

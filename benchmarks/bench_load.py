"""Cold and warm load of the whole country: obce polygons + population + services.

Each measurement runs in a fresh Python process (imports excluded, timed inside),
so "warm" means what a new notebook kernel or papermill job pays. The peer is reading
the same source files directly with geopandas/pandas and joining them into the same
table, which is what an analyst would write without kpss.

Goal (issue 2): warm load < 1 s and ≥ 5× faster than the direct read.

Usage: KPSS_DATA_DIR=../shared/data python benchmarks/bench_load.py [--repeat 7]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

KPSS = """
import time
from kpss_lib.load.territory import load_obce
from kpss_lib.load.services import load_services
start = time.perf_counter()
obce = load_obce(); services = load_services()
elapsed = time.perf_counter() - start
assert len(obce) == 6258 and obce['pop_total'].sum() == 10701777
print(elapsed)
"""

DIRECT = """
import os, time
import geopandas as gpd, pandas as pd
folder = os.environ['KPSS_DATA_DIR']
start = time.perf_counter()
polygons = gpd.read_file(os.path.join(folder, 'obce_polygony.geojson'))
hierarchy = pd.read_csv(os.path.join(folder, 'obce_hierarchie.csv'), dtype=str)
population = pd.read_csv(os.path.join(folder, 'obyvatelstvo_obce_2020.csv'), dtype={'KOD_OBEC': str})
population = population[population['pohlavi'] == 'celkem']
services = pd.read_csv(os.path.join(folder, 'socialni_sluzby_seniori_2026-09.csv'), dtype=str)
obce = polygons[['KOD_OBEC', 'geometry']].merge(hierarchy, on='KOD_OBEC').merge(
    population.drop(columns=['NAZ_OBEC', 'KOD_ORP', 'NAZ_ORP', 'KOD_LAU1', 'NAZ_OKRES', 'KOD_CZNUTS3', 'NAZ_KRAJ']),
    on='KOD_OBEC')
services = services.merge(hierarchy[['KOD_OBEC', 'KOD_ORP']], left_on='kod_obce', right_on='KOD_OBEC', how='left')
elapsed = time.perf_counter() - start
assert len(obce) == 6258 and obce['celkem'].sum() == 10701777
print(elapsed)
"""


def measure(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not os.environ.get("KPSS_DATA_DIR"):
        sys.exit("set KPSS_DATA_DIR (e.g. ../shared/data)")
    cache = tempfile.mkdtemp(prefix="kpss-bench-cache-")
    env = dict(os.environ, KPSS_CACHE_DIR=cache)
    cold, warm, direct = [], [], []
    try:
        for _ in range(args.repeat):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(measure(KPSS, env))
            warm.append(measure(KPSS, env))
            direct.append(measure(DIRECT, env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    rows = [("kpss cold (convert + cache)", cold), ("kpss warm (GeoParquet cache)", warm),
            ("direct read (geopandas/pandas + join)", direct)]
    print(f"Whole CZ: 6 258 obce polygons + population + services; median of {args.repeat} fresh processes\n")
    print(f"{'load':<40} {'median s':>9} {'min s':>8} {'max s':>8}")
    for name, values in rows:
        print(f"{name:<40} {statistics.median(values):>9.3f} {min(values):>8.3f} {max(values):>8.3f}")
    ratio = statistics.median(direct) / statistics.median(warm)
    print(f"\nwarm vs direct read: {ratio:.1f}× faster (goal ≥ 5×); warm median "
          f"{statistics.median(warm):.3f} s (goal < 1 s)")


if __name__ == "__main__":
    main()

"""Build time and file size of kpss maps vs geopandas' ``GeoDataFrame.explore()``.

Same polygons, same indicator (share of inhabitants 65+, %), same tooltip fields
(name, code, population, indicator), quantiles with 5 classes, OpenStreetMap tiles.
kpss files are self-contained (Leaflet embedded, ~170 kB); explore()'s files link
their scripts from CDNs (``m.save``), so the size ratio favours explore().

The case "+ base" adds kpss' offline vector base (main roads of ArcČR 500, neighbouring
ORP outlines, :func:`kpss_lib.maps.vector_base_layer`) to the same map; explore() has
nothing like it offline (its base is online tiles), so it is compared with the same
explore() file.

Run: ``KPSS_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_maps.py [--runs 3]``
Goals: kpss file size at most half of explore()'s; all obce of ČR with the base ≤ 3 MB.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from kpss_lib import maps
from kpss_lib.load.roads import load_roads
from kpss_lib.load.territory import load_obce, load_orp
from kpss_lib.mapio import save_map


def _cases():
    obce = load_obce()
    orp = load_orp()
    for frame in (obce, orp):
        frame["share_65"] = frame["pop_65_plus"] / frame["pop_total"] * 100
    zlin = obce[obce["kraj_code"] == "CZ072"].reset_index(drop=True)
    return [
        ("obce ČR", obce, "obec_name", "obec_code", False),
        ("obce ČR + base", obce, "obec_name", "obec_code", True),
        ("ORP ČR", orp, "orp_name", "orp_code", False),
        ("obce Zlínského kraje", zlin, "obec_name", "obec_code", False),
        ("obce Zlín. kraje + base", zlin, "obec_name", "obec_code", True),
    ]


def _kpss(units, name, code, path: Path, base: bool, roads) -> None:
    m = maps.choropleth_map(units, "share_65", label="Podíl obyvatel 65+", unit="%", tooltip_columns=["pop_total"],
                            name_column=name, code_column=code)
    if base:
        maps.vector_base_layer(m, units, roads=roads)
    save_map(m, path)


def _explore(units, name, code, path: Path, base: bool, roads) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = units.explore(column="share_65", scheme="quantiles", k=5, tooltip=[name, code, "pop_total", "share_65"],
                          tiles="OpenStreetMap")
    m.save(str(path))


def _measure(build, units, name, code, base, roads, folder: Path, tag: str, runs: int) -> tuple[float, int]:
    times, size = [], 0
    for i in range(runs):
        path = folder / f"{tag}_{i}.html"
        start = time.perf_counter()
        build(units, name, code, path, base, roads)
        times.append(time.perf_counter() - start)
        size = path.stat().st_size
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median reported), default 3")
    args = parser.parse_args()
    rows = []
    roads = load_roads()  # loaded (and cached) once, as a run would
    explored: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, units, name, code, base in _cases():
            k_time, k_size = _measure(_kpss, units, name, code, base, roads, folder, "kpss", args.runs)
            key = f"{name}{len(units)}"
            if key not in explored:  # the "+ base" case compares with the same explore() map
                explored[key] = _measure(_explore, units, name, code, False, None, folder, "explore", args.runs)
            e_time, e_size = explored[key]
            rows.append((label, len(units), k_time, k_size, e_time, e_size))
    header = (f"{'case':<24} {'units':>6} {'kpss s':>8} {'kpss MB':>8} {'explore s':>10} {'explore MB':>11} "
              f"{'size ratio':>10} {'time ratio':>10}  goal size<=0.5")
    print(f"median of {args.runs} runs; kpss self-contained, explore() with CDN links")
    print(header)
    print("-" * len(header))
    for label, n, kt, ks, et, es in rows:
        ratio = ks / es
        print(f"{label:<24} {n:>6} {kt:>8.2f} {ks / 1e6:>8.2f} {et:>10.2f} {es / 1e6:>11.2f} "
              f"{ratio:>10.2f} {kt / et:>10.2f}  {'ok' if ratio <= 0.5 else 'MISSED'}"
              + (f"  (≤ 3 MB: {'ok' if ks <= 3e6 else 'MISSED'})" if label == "obce ČR + base" else ""))


if __name__ == "__main__":
    main()

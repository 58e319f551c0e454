"""Build time and file size of kpss maps vs geopandas' ``GeoDataFrame.explore()``.

Same polygons, same indicator (share of inhabitants 65+, %), same tooltip fields
(name, code, population, indicator), quantiles with 5 classes, OpenStreetMap tiles.
kpss files are self-contained (Leaflet embedded, ~170 kB); explore()'s files link
their scripts from CDNs (``m.save``), so the size ratio favours explore().

Run: ``KPSS_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_maps.py [--runs 3]``
Goal: kpss file size at most half of explore()'s.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from kpss_lib import maps
from kpss_lib.load.territory import load_obce, load_orp
from kpss_lib.mapio import save_map


def _cases():
    obce = load_obce()
    orp = load_orp()
    for frame in (obce, orp):
        frame["share_65"] = frame["pop_65_plus"] / frame["pop_total"] * 100
    return [
        ("obce ČR", obce, "obec_name", "obec_code"),
        ("ORP ČR", orp, "orp_name", "orp_code"),
        ("obce Zlínského kraje", obce[obce["kraj_code"] == "CZ072"].reset_index(drop=True), "obec_name", "obec_code"),
    ]


def _kpss(units, name, code, path: Path) -> None:
    m = maps.choropleth_map(units, "share_65", label="Podíl obyvatel 65+", unit="%", tooltip_columns=["pop_total"],
                            name_column=name, code_column=code)
    save_map(m, path)


def _explore(units, name, code, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = units.explore(column="share_65", scheme="quantiles", k=5, tooltip=[name, code, "pop_total", "share_65"],
                          tiles="OpenStreetMap")
    m.save(str(path))


def _measure(build, units, name, code, folder: Path, tag: str, runs: int) -> tuple[float, int]:
    times, size = [], 0
    for i in range(runs):
        path = folder / f"{tag}_{i}.html"
        start = time.perf_counter()
        build(units, name, code, path)
        times.append(time.perf_counter() - start)
        size = path.stat().st_size
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median reported), default 3")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, units, name, code in _cases():
            k_time, k_size = _measure(_kpss, units, name, code, folder, "kpss", args.runs)
            e_time, e_size = _measure(_explore, units, name, code, folder, "explore", args.runs)
            rows.append((label, len(units), k_time, k_size, e_time, e_size))
    header = (f"{'case':<22} {'units':>6} {'kpss s':>8} {'kpss MB':>8} {'explore s':>10} {'explore MB':>11} "
              f"{'size ratio':>10} {'time ratio':>10}  goal size<=0.5")
    print(f"median of {args.runs} runs; kpss self-contained, explore() with CDN links")
    print(header)
    print("-" * len(header))
    for label, n, kt, ks, et, es in rows:
        ratio = ks / es
        print(f"{label:<22} {n:>6} {kt:>8.2f} {ks / 1e6:>8.2f} {et:>10.2f} {es / 1e6:>11.2f} "
              f"{ratio:>10.2f} {kt / et:>10.2f}  {'ok' if ratio <= 0.5 else 'MISSED'}")


if __name__ == "__main__":
    main()

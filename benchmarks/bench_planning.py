"""Benchmark: planning forward: capacity gaps, scenario recomputation, siting.

Selection: domovy pro seniory (MPSV druh 13, pobytová, lůžka), target population 65+.

* gap, all 206 ORP against the kraj and ČR norms (``indicator_basis`` without
  distances + ``gap_table``); peer: the existing comparison path,
  ``compare_regions`` of the 206 ORP (its ``*_kraj`` references are the same norm).
* scenario for Zlínský kraj: three planned homes, 2SFCA (20 km) and white spots
  (10 km) per ORP before/after (``compare_scenarios``); peer: two
  ``indicator_table`` runs (before and after) that an analyst would do by hand.
* siting in Středočeský kraj (1 144 obcí, catchment 10 km): building the problem,
  then maximal covering for k = 1, 3, 5 by spopt MCLP (CBC); peer: brute force
  over all combinations where feasible (k = 1: 1 144 sets; k = 3 would be 2.5 × 10⁸).
  p-median (spopt PMedian) on the 40 best candidates by single-site saving
  (all 1 144 exceed what CBC solves in minutes); peer: brute force over those 40.
* the first import of spopt (libpysal and friends), paid once per process.

Times are medians of ``--runs`` runs (inputs loaded before timing). Peak memory is
the maximum resident set size of this process and, separately, of its children
(CBC runs as a child process), from ``getrusage``.

Run: ``KPSS_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_planning.py``
"""
from __future__ import annotations

import argparse
import gc
import platform
import resource
import statistics
import time
from collections.abc import Callable
from math import comb

from kpss_lib.indicators.compare import compare_regions, units_as_regions
from kpss_lib.indicators.coverage import indicator_basis, indicator_table
from kpss_lib.indicators.gap import gap_table
from kpss_lib.indicators.scenario import apply_scenario, compare_scenarios, new_places
from kpss_lib.indicators.selection import select_services
from kpss_lib.indicators.siting import (
    best_sites_exhaustive,
    candidate_gains,
    maximal_covering,
    p_median,
    siting_problem,
)
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import find_region, load_obce

MEASURE = "residential_beds"


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """(median seconds, result of the last run)."""
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runs-slow", type=int, default=1, help="runs of the slow peers")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    import spopt.locate  # noqa: F401  (timed: the import is a real cost of the first siting)
    import_s = time.perf_counter() - start

    obce = load_obce()
    register = load_services().places
    homes = select_services(register, "domovy pro seniory")
    rows: list[tuple[str, str, float, str]] = []

    def gap_all() -> object:
        basis = indicator_basis(obce, homes, "65+", radius_km=None)
        return gap_table(basis, None, "orp", MEASURE, "kraj"), gap_table(basis, None, "orp", MEASURE, "cr")

    seconds, _ = median_time(gap_all, args.runs)
    rows.append(("gap, 206 ORP, kraj + ČR norms", "kpss gap_table", seconds, ""))
    orp_regions = [region for kraj in sorted(obce["kraj_name"].unique())
                   for region in units_as_regions(obce, find_region(kraj, level="kraj"), "orp")]
    seconds, _ = median_time(lambda: compare_regions(obce, homes, orp_regions, "65+", catchment_km=None),
                             args.runs_slow)
    rows.append(("gap, 206 ORP, kraj + ČR norms", "peer: compare_regions", seconds, f"{len(orp_regions)} ORP"))

    zlin = find_region("Zlínský kraj")
    planned = new_places(obce, ["585939", "588296", "585068"], 40, "pobytová", "lůžka")
    seconds, _ = median_time(lambda: compare_scenarios(obce, homes, {"A": planned}, zlin, "orp"), args.runs)
    rows.append(("scenario, Zlínský kraj, ORP", "kpss compare_scenarios", seconds, "2SFCA 20 km, 10 km"))
    seconds, _ = median_time(lambda: (indicator_table(obce, homes, zlin, "orp"),
                                      indicator_table(obce, apply_scenario(homes, planned), zlin, "orp")), args.runs)
    rows.append(("scenario, Zlínský kraj, ORP", "peer: indicator_table × 2", seconds, ""))

    stredocesky = find_region("Středočeský kraj")
    seconds, problem = median_time(lambda: siting_problem(obce, homes, stredocesky, "65+", catchment=10), args.runs)
    rows.append(("siting problem, Středočeský kraj", "kpss siting_problem", seconds,
                 f"{len(problem.demand)} obcí, {int((~problem.demand['covered']).sum())} uncovered"))
    for k in (1, 3, 5):
        seconds, result = median_time(lambda k=k: maximal_covering(problem, k), args.runs)
        rows.append((f"max. covering k={k}", "kpss spopt MCLP", seconds,
                     f"+{result.attrs['objective']:.0f} people"))
        if k == 1:
            seconds, (best, _) = median_time(lambda: best_sites_exhaustive(problem, 1), args.runs_slow)
            rows.append((f"max. covering k={k}", "peer: brute force", seconds, f"+{best:.0f} people"))
        else:
            rows.append((f"max. covering k={k}", "peer: brute force", float("nan"),
                         f"{comb(len(problem.candidates), k):.2e} sets: not run"))
    best40 = candidate_gains(problem).sort_values("cost_saved", ascending=False)["obec_code"].head(40)
    small = siting_problem(obce, homes, stredocesky, "65+", catchment=10, candidates=best40)
    for k in (1, 3, 5):
        seconds, result = median_time(lambda k=k: p_median(small, k), args.runs)
        rows.append((f"p-median k={k}, 40 candidates", "kpss spopt PMedian", seconds,
                     f"{result.attrs['objective'] / 1000:.1f}k person-km"))
        if comb(40, k) <= 20_000:  # k = 5 (658 008 sets) takes minutes
            seconds, (best, _) = median_time(lambda k=k: best_sites_exhaustive(small, k, "median"), args.runs_slow)
            rows.append((f"p-median k={k}, 40 candidates", "peer: brute force", seconds,
                         f"{best / 1000:.1f}k person-km ({comb(40, k)} sets)"))
    rows.append(("import spopt (first siting only)", "", import_s, ""))

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"Python {platform.python_version()}, {platform.machine()}; medians of {args.runs} runs "
          f"(slow peers {args.runs_slow})")
    print(f"{'task':<36} {'implementation':<26} {'median s':>9}  note")
    for task, impl, seconds, note in rows:
        print(f"{task:<36} {impl:<26} {seconds:>9.3f}  {note}")
    print(f"peak RSS: this process {own:.0f} MB, CBC (largest child) {children:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Wall time of a ``kpss run`` fan-out with 1 and 2 workers, warm and cold kernels, and where a job's time goes.

Runs the same fan-out once per (kernel start, worker count) into a temporary output
folder and prints

1. one row per run: jobs, wall time, seconds per job, jobs per minute, speed-up against
   the peer measured in the same invocation (cold kernels, 1 worker: a fresh
   ``python -m ipykernel_launcher`` per job, as plain papermill does), and the projected
   time for a given number of jobs (default 206, all ORP of CZ) against the goal
   (default 240 s);
2. the per-job overhead split (medians over all jobs of all runs, seconds):
   worker start (process fork until the worker runs), kernel start (papermill start until
   the first cell starts), the notebook's phases by cell tag (``phase-imports``,
   ``phase-load``, ``phase-compute``, ``phase-write``; ``parameters``; untagged = ``other``),
   papermill's own bookkeeping (notebook saves after every cell), the HTML export, and
   the rest (runner, IPC).

Examples::

    # the tiny test notebook over the 13 ORP of Zlínský kraj (default)
    python benchmarks/bench_runs.py
    # later: the real report notebook, 13 ORP, then all 206 ORP
    python benchmarks/bench_runs.py notebooks/coverage_map.ipynb --fan-out orp --within "Zlínský kraj"
    python benchmarks/bench_runs.py notebooks/coverage_map.ipynb --fan-out orp --workers 2
    # explicit values into another parameter
    python benchmarks/bench_runs.py tests/data/runner_params.ipynb --fan-out-values A B C D --parameter region

Needs KPSS_DATA_DIR (fan-out over regions, and whatever the notebook loads).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kpss_lib import runner  # noqa: E402

PHASE_ORDER = ["parameters", "imports", "load", "compute", "write", "other"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", nargs="?", type=Path, default=REPO / "tests" / "data" / "runner_map.ipynb")
    parser.add_argument("--fan-out", choices=runner.FAN_OUT_LEVELS, default=None,
                        help="level to fan out over (default: orp within Zlínský kraj, unless values are given)")
    parser.add_argument("--within", default=None, help="region whose units are the jobs (default: all of CZ)")
    parser.add_argument("--fan-out-values", nargs="+", default=None, help="explicit values instead of a level")
    parser.add_argument("--parameter", default="region", help="the parameter that receives each value")
    parser.add_argument("-p", "--set", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a fixed notebook parameter (typed like `kpss run -p`)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N jobs of the fan-out")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to compare")
    parser.add_argument("--kernels", nargs="+", choices=("cold", "warm"), default=["cold", "warm"],
                        help="kernel start modes to compare (cold = fresh interpreter per job, the peer)")
    parser.add_argument("--project-jobs", type=int, default=206, help="project the wall time to this many jobs")
    parser.add_argument("--goal-s", type=float, default=240.0, help="goal for the projected run, seconds")
    parser.add_argument("--timeout", type=float, default=None, help="per-job limit, seconds")
    parser.add_argument("--keep", type=Path, default=None, help="keep the runs in this folder (default: a temp folder)")
    args = parser.parse_args(argv)
    if args.fan_out is None and args.fan_out_values is None:
        args.fan_out, args.within = "orp", args.within or "Zlínský kraj"
    return args


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def overhead_split(jobs: list[runner.JobResult]) -> dict[str, float | None]:
    """Median seconds per job for each part of its wall time."""
    parts: dict[str, list[float]] = {"worker start": [], "kernel start": []}
    parts.update({f"cells: {p}": [] for p in PHASE_ORDER})
    parts.update({"papermill bookkeeping": [], "HTML export": [], "rest (runner, IPC)": [], "job total": []})
    for job in jobs:
        t = job.timings
        phases = t.get("phases", {})
        cells = sum(phases.values())
        kernel = t.get("kernel_start_s") or 0.0
        bookkeeping = (t.get("papermill_s") or 0.0) - kernel - cells
        known = (t.get("worker_start_s") or 0.0) + (t.get("papermill_s") or 0.0) + (t.get("export_s") or 0.0)
        parts["worker start"].append(t.get("worker_start_s"))
        parts["kernel start"].append(t.get("kernel_start_s"))
        for phase in PHASE_ORDER:
            parts[f"cells: {phase}"].append(phases.get(phase, 0.0))
        parts["papermill bookkeeping"].append(bookkeeping)
        parts["HTML export"].append(t.get("export_s"))
        parts["rest (runner, IPC)"].append(job.duration_s - known)
        parts["job total"].append(job.duration_s)
    return {name: median(values) for name, values in parts.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    declared = runner.notebook_parameters(args.notebook) or {}
    fixed = {name: runner.coerce_cli_value(name, value, declared.get(name)) for name, value in args.set}
    if args.fan_out_values is not None:
        values = tuple(runner.coerce_cli_value(args.parameter, v, declared.get(args.parameter))
                       for v in args.fan_out_values)
        fan = runner.FanOut(parameter=args.parameter, values=values)
    else:
        fan = runner.FanOut(parameter=args.parameter, level=args.fan_out, within=args.within)
    run_name, jobs = runner.plan_run(runner.RunSpec(notebook=args.notebook, parameters=fixed, fan_out=fan))
    jobs = jobs[: args.limit] if args.limit else jobs
    print(f"notebook: {args.notebook}  fan-out: {fan.level or 'values'}"
          f"{' within ' + fan.within if fan.within else ''}  jobs: {len(jobs)}  cores: {os.cpu_count()}")

    root = args.keep or Path(tempfile.mkdtemp(prefix="kpss-bench-runs-"))
    rows = []
    jobs_by_mode: dict[str, list[runner.JobResult]] = {mode: [] for mode in args.kernels}
    for mode in args.kernels:
        for workers in args.workers:
            t0 = time.perf_counter()
            result = runner.run_jobs(jobs, f"{run_name}-{mode}-w{workers}", workers=workers,
                                     timeout=args.timeout, progress=None, output_root=root,
                                     warm_kernel=(mode == "warm"))
            wall = time.perf_counter() - t0
            jobs_by_mode[mode] += result.jobs
            rows.append((mode, workers, len(jobs), wall, len(result.failed)))
            print(f"  {mode} kernels, {workers} worker(s): {wall:.1f} s, {len(result.failed)} failed "
                  f"-> {result.index}")

    peer = next((r[3] for r in rows if r[0] == "cold" and r[1] == 1), rows[0][3])
    peer_name = "cold, 1 worker" if any(r[0] == "cold" and r[1] == 1 for r in rows) else f"{rows[0][0]}, {rows[0][1]}"
    print()
    header = (f"{'kernels':>7} {'workers':>7} {'jobs':>5} {'wall s':>8} {'s/job':>6} {'jobs/min':>8} "
              f"{'vs peer':>8} {f'proj. {args.project_jobs} jobs s':>18} {'goal':>6} {'failed':>6}")
    print(header)
    print("-" * len(header))
    for mode, workers, n, wall, failed in rows:
        projected = wall / n * args.project_jobs
        verdict = "ok" if projected <= args.goal_s else "over"
        print(f"{mode:>7} {workers:>7} {n:>5} {wall:>8.1f} {wall / n:>6.2f} {60 * n / wall:>8.1f} "
              f"{peer / wall:>7.2f}x {projected:>18.0f} {verdict:>6} {failed:>6}")
    print(f"(vs peer = wall time of the peer ({peer_name}) / this wall time; goal {args.goal_s:g} s)")
    print()
    splits = {mode: overhead_split(found) for mode, found in jobs_by_mode.items() if found}
    header = f"{'per-job time, median s':<32}" + "".join(f"{mode:>9} {'share':>6}" for mode in splits)
    print(header)
    print("-" * len(header))
    for name in next(iter(splits.values())):
        cells = ""
        for split in splits.values():
            value, total = split[name], split["job total"] or 1.0
            if value is None:
                cells += f"{'-':>9} {'':>6}"
            else:
                share = "" if name == "job total" else f"{100 * value / total:5.0f}%"
                cells += f"{value:>9.2f} {share:>6}"
        print(f"{name:<32}{cells}")
    if not args.keep:
        print(f"\n(outputs in {root}; pass --keep DIR to choose where)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Wall time of ``kpss run`` against plain papermill on the same jobs, and where a job's time goes.

Measures, in one invocation, on the jobs of a run file (default
``notebooks/params/seniori_zlinsky_kraj.yml``: the coverage report for the 13 ORP of
Zlínský kraj):

1. the peer: plain papermill, one job after another (1 worker), a cold kernel per job
   (``papermill.execute_notebook`` with the notebook's own kernelspec) and the HTML report
   exported with an nbconvert exporter built for each job;
2. kpss: :func:`kpss_lib.runner.run_jobs` with 2 workers (warm kernels forked from the
   run's server), in a process of its own that imported kpss and planned the run, as
   ``kpss run`` does;

and prints one row per contender (jobs, failed jobs, wall time, seconds per job, ratio
peer/kpss, peak memory of the whole run: RSS summed over the runner and all its
descendant processes, and PSS, which counts pages shared copy-on-write once), then the
per-job split, medians in seconds: worker start, kernel start (papermill start until the
first cell), cells by phase tag (``phase-imports``, ``-load``,
``-compute``, ``-write``; parameters; untagged), papermill's bookkeeping (its notebook
saves: two per cell), HTML export, and the rest; with the ratio peer/kpss per part; and
whether the CSV tables of every job are byte for byte those of the peer.

Examples::

    python benchmarks/bench_runs.py                       # 13 ORP of Zlínský kraj
    python benchmarks/bench_runs.py --all-orp             # also all 206 ORP of CZ with kpss
    python benchmarks/bench_runs.py notebooks/params/orp_jihomoravsky_kraj.yml --limit 4

Needs KPSS_DATA_DIR. Outputs go to a temporary folder (``--keep DIR`` to keep them).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kpss_lib import runner  # noqa: E402
from kpss_lib.runner.notebook import notebook_timings  # noqa: E402

PHASE_ORDER = ["parameters", "imports", "load", "compute", "write", "other"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_file", nargs="?", type=Path,
                        default=REPO / "notebooks" / "params" / "seniori_zlinsky_kraj.yml")
    parser.add_argument("--workers", type=int, default=2, help="kpss worker processes (default 2)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N jobs")
    parser.add_argument("--all-orp", action="store_true",
                        help="also run kpss over all 206 ORP of CZ (the peer is not repeated there)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the runs in this folder")
    return parser.parse_args(argv)


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class MemorySampler:
    """Peak memory of this process and all its descendants (runner, workers, kernels), sampled.

    ``peak_rss`` sums each process' resident set (pages shared copy-on-write by forked
    kernels are counted once per process, so it overstates); ``peak_pss`` sums
    proportional set sizes (shared pages split between their sharers: the memory the run
    really holds). Bytes; sampled every ``interval`` seconds by a separate process (a
    sampling thread here would make ``kpss run`` fork its workers from a forkserver: a
    process with threads must not fork), which leaves itself out.
    """

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peak_rss = self.peak_pss = 0

    def __enter__(self) -> "MemorySampler":
        import subprocess

        self._process = subprocess.Popen(
            [sys.executable, __file__, "--sample-memory", str(os.getpid()), str(self.interval)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc) -> None:
        out, _ = self._process.communicate("stop\n")
        self.peak_rss, self.peak_pss = (int(v) for v in out.split())


def sample_memory(pid: int, interval: float) -> None:
    """The sampler process: peaks of ``pid`` and its descendants until stdin says stop; prints them."""
    import select

    import psutil

    target, me = psutil.Process(pid), os.getpid()
    peak_rss = peak_pss = 0
    while True:
        rss = pss = 0
        for process in [target, *target.children(recursive=True)]:
            if process.pid == me:
                continue
            try:
                rss += process.memory_info().rss
                pss += _pss(process.pid)
            except (psutil.Error, OSError):
                continue  # ended between listing and reading
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        if select.select([sys.stdin], [], [], interval)[0]:
            break
    print(peak_rss, peak_pss, flush=True)


def _pss(pid: int) -> int:
    """Proportional set size of a process from /proc (bytes; 0 where the kernel does not give it)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_peer(jobs: list[runner.Job], root: Path) -> tuple[float, list[dict]]:
    """Plain papermill, one job at a time, a cold kernel and a fresh exporter per job."""
    import papermill

    from kpss_lib.report import export_report, report_exporter

    env = runner.kernel_environment("python3", root)
    os.environ.update(env)  # the kernels inherit this process' environment
    rows = []
    t_run = time.perf_counter()
    for job in jobs:
        folder = root / job.name
        folder.mkdir(parents=True, exist_ok=True)
        executed = root / f"{job.name}.ipynb"
        declared = runner.notebook_parameters(job.notebook) or {}
        parameters = {**job.parameters, **({"output_dir": job.name} if "output_dir" in declared else {})}
        t0 = time.perf_counter()
        failed = False
        try:
            papermill.execute_notebook(str(job.notebook), str(executed), parameters=parameters,
                                       progress_bar=False, cwd=str(root))
        except Exception:
            failed = True
        t1 = time.perf_counter()
        export_s = None
        if not failed:
            report_exporter.cache_clear()  # what exporting without kpss costs: a new exporter per report
            export_report(executed, root / f"{job.name}.html", title=job.label or job.name)
            export_s = time.perf_counter() - t1
        timings = {"papermill_s": t1 - t0, "export_s": export_s, **notebook_timings(executed)}
        rows.append({"failed": failed, "duration_s": time.perf_counter() - t0, "timings": timings})
    return time.perf_counter() - t_run, rows


def run_kpss(run_file: Path, limit: int | None, all_orp: bool, root: Path, workers: int) -> tuple[float, list[dict]]:
    """``kpss run`` as the command runs it: in a process of its own that imported kpss and planned the run.

    (This process has papermill and an HTML exporter from the peer's jobs; a run started here
    would get them for free.) Only :func:`kpss_lib.runner.run_jobs` is timed, as the peer's loop.
    """
    import json
    import subprocess

    command = [sys.executable, __file__, "--run-kpss", str(run_file), str(limit or 0), str(int(all_orp)), str(root),
               str(workers)]
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    measured = json.loads(out.strip().splitlines()[-1])
    return measured["wall"], measured["rows"]


def run_kpss_here(run_file: Path, limit: int, all_orp: bool, root: Path, workers: int) -> None:
    """The process :func:`run_kpss` starts: plan, then time ``run_jobs``; prints the measurement as JSON."""
    import json

    run_name, jobs = plan(run_file, limit, all_orp)
    t0 = time.perf_counter()
    result = runner.run_jobs(jobs, run_name, workers=workers, progress=None, output_root=root)
    wall = time.perf_counter() - t0
    rows = [{"failed": not job.ok, "duration_s": job.duration_s, "timings": job.timings} for job in result.jobs]
    print(json.dumps({"wall": wall, "rows": rows}))


def plan(run_file: Path, limit: int | None, all_orp: bool) -> tuple[str, list[runner.Job]]:
    """The run's name and jobs: the run file's (its first ``limit``), or its fan-out over all ORP of CZ."""
    spec = runner.load_run_file(run_file)
    if all_orp:
        spec = dataclasses.replace(spec, fan_out=dataclasses.replace(spec.fan_out, within=None))
    run_name, jobs = runner.plan_run(spec)
    return run_name, jobs[:limit] if limit and not all_orp else jobs


def same_tables(peer_root: Path, kpss_root: Path, jobs: list[runner.Job]) -> tuple[int, int, list[str]]:
    """Compare every CSV table the peer's jobs wrote with kpss' byte for byte: (equal, compared, differing)."""
    equal = compared = 0
    differing = []
    for job in jobs:
        for table in sorted((peer_root / job.name).glob("*.csv")):
            ours = kpss_root / job.name / table.name
            compared += 1
            if ours.is_file() and ours.read_bytes() == table.read_bytes():
                equal += 1
            else:
                differing.append(f"{job.name}/{table.name}")
    return equal, compared, differing


def split(rows: list[dict]) -> dict[str, float | None]:
    """Median seconds per job for each part of its wall time."""
    parts: dict[str, list] = {"worker start": [], "kernel start": []}
    parts.update({f"cells: {p}": [] for p in PHASE_ORDER})
    parts.update({"papermill bookkeeping": [], "HTML export": [], "rest (runner, IPC)": [], "job total": []})
    for row in rows:
        t = row["timings"]
        phases = t.get("phases", {})
        kernel = t.get("kernel_start_s") or 0.0
        papermill_s = t.get("papermill_s") or 0.0
        parts["worker start"].append(t.get("worker_start_s"))
        parts["kernel start"].append(t.get("kernel_start_s"))
        for phase in PHASE_ORDER:
            parts[f"cells: {phase}"].append(phases.get(phase, 0.0))
        parts["papermill bookkeeping"].append(papermill_s - kernel - sum(phases.values()))
        parts["HTML export"].append(t.get("export_s"))
        known = (t.get("worker_start_s") or 0.0) + papermill_s + (t.get("export_s") or 0.0)
        parts["rest (runner, IPC)"].append(row["duration_s"] - known)
        parts["job total"].append(row["duration_s"])
    return {name: median(values) for name, values in parts.items()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--sample-memory"]:
        sample_memory(int(argv[1]), float(argv[2]))
        return 0
    if argv[:1] == ["--run-kpss"]:
        run_kpss_here(Path(argv[1]), int(argv[2]), argv[3] == "1", Path(argv[4]), int(argv[5]))
        return 0
    args = parse_args(argv)
    run_name, jobs = plan(args.run_file, args.limit, all_orp=False)
    root = args.keep or Path(tempfile.mkdtemp(prefix="kpss-bench-runs-"))
    print(f"run file: {args.run_file}  jobs: {len(jobs)}  cores: {os.cpu_count()}  outputs: {root}")

    contenders = {}
    memory = {}
    names = ["papermill, 1 worker (peer)", f"kpss, {args.workers} workers"]
    runs = [lambda: run_peer(jobs, root / "peer"),
            lambda: run_kpss(args.run_file, args.limit, False, root / "kpss", args.workers)]
    if args.all_orp:
        names.append(f"kpss, {args.workers} workers, all ORP")
        runs.append(lambda: run_kpss(args.run_file, None, True, root / "kpss-all", args.workers))
    for name, run in zip(names, runs):
        with MemorySampler() as sampler:
            contenders[name] = run()
        memory[name] = sampler
        print(f"  {name}: {contenders[name][0]:.1f} s")

    peer_wall, peer_rows = contenders["papermill, 1 worker (peer)"]
    peer_per_job = peer_wall / len(peer_rows)
    print()
    header = (f"{'contender':<34} {'jobs':>5} {'failed':>6} {'wall s':>8} {'s/job':>7} {'peer/this':>9}"
              f" {'peak RSS GB':>11} {'peak PSS GB':>11}")
    print(header)
    print("-" * len(header))
    for name, (wall, rows) in contenders.items():
        per_job = wall / len(rows)
        failed = sum(row["failed"] for row in rows)
        print(f"{name:<34} {len(rows):>5} {failed:>6} {wall:>8.1f} {per_job:>7.2f} {peer_per_job / per_job:>8.2f}x"
              f" {memory[name].peak_rss / 1e9:>11.2f} {memory[name].peak_pss / 1e9:>11.2f}")
    print("(peer/this: the peer's wall seconds per job over this contender's; peak memory: the whole run, "
          "runner + forkserver + workers + kernels, RSS summed (shared pages counted per process) and PSS)")
    equal, compared, differing = same_tables(root / "peer", root / "kpss" / run_name, jobs)
    print(f"tables (CSV) of the peer and kpss byte for byte equal: {equal} of {compared}"
          + (f"; differing: {', '.join(differing)}" if differing else ""))
    print()
    splits = {name: split(rows) for name, (_, rows) in contenders.items()}
    peer_split = splits["papermill, 1 worker (peer)"]
    names = list(splits)
    header = f"{'per job, median s':<24}" + "".join(f"{n[:22]:>24}" for n in names) + f"{'peer/kpss':>11}"
    print(header)
    print("-" * len(header))
    kpss_split = splits[names[1]]
    for part in peer_split:
        cells = "".join(f"{'-':>24}" if s[part] is None else f"{s[part]:>24.2f}" for s in splits.values())
        ratio = ""
        if peer_split[part] and kpss_split[part] and kpss_split[part] > 0.005:
            ratio = f"{peer_split[part] / kpss_split[part]:.2f}x"
        print(f"{part:<24}{cells}{ratio:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

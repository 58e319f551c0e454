"""Runs: check, execute in workers, write the manifest and index, and swap the folder into place."""
from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from kpss_lib.errors import ConfigError
from kpss_lib.fileio import write_text_atomic
from kpss_lib.report import STATUS_LABELS, write_index
from kpss_lib.runner import zygote
from kpss_lib.runner.checks import check_run
from kpss_lib.runner.folders import lock, recover, remove, swap_into_place, temporary_folder
from kpss_lib.runner.kernels import kernel_environment
from kpss_lib.runner.manifest import build_manifest, input_data_hashes
from kpss_lib.runner.plan import parameter_files, plan_run
from kpss_lib.runner.spec import KERNEL_NAME, Job, RunResult, RunSpec, now
from kpss_lib.runner.workers import call_in_warm_process, execute_jobs


def run_jobs(
    jobs: Sequence[Job],
    run_name: str,
    workers: int | None = None,
    timeout: float | None = None,
    progress: bool | None = True,
    *,
    output_root: str | os.PathLike | None = None,
    kernel: str = KERNEL_NAME,
    start_timeout: float = 60.0,
    warm_kernel: bool = True,
    run_info: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run jobs in parallel worker processes into ``<output_root>/<run_name>/``.

    Parameters
    ----------
    jobs : sequence of Job
        Each job's ``name`` must be unique; names and run name are checked with
        :func:`safe_name` (slugified; paths refused).
    run_name : str
        Name of the run folder.
    workers : int, optional
        Parallel worker processes; default ``os.cpu_count()`` (never more than jobs).
    timeout : float, optional
        Wall-clock limit per job in seconds (kernel start and export included); a job
        over it is stopped, its notebook kept with a timeout note. Default no limit.
    progress : bool or None, default True
        Progress bar on stderr; None shows it only on a terminal.
    output_root : path, optional
        Default ``config.output_dir()`` (``KPSS_OUTPUT_DIR``).
    kernel : str, default "kpss"
        Jupyter kernel for every job; ``"kpss"`` is this interpreter.
    start_timeout : float, default 60
        Seconds to wait for a kernel to start.
    warm_kernel : bool, default True
        Start each ``kpss`` kernel from a process that already imported
        :data:`~kpss_lib.runner.zygote.WARM_KERNEL_MODULES` (forked; Linux only) instead of a fresh interpreter:
        about a second less per job. Each job still gets its own kernel process.
    run_info : mapping, optional
        Extra fields for the manifest (run file, fan-out, command line).

    Returns
    -------
    RunResult
        Also when jobs failed (see :attr:`RunResult.exit_code`).

    Raises
    ------
    KpssError
        before anything runs (:func:`~kpss_lib.runner.checks.check_run`): bad names,
        unknown parameters, a missing kernel, no input data, an unknown region, an output
        folder that cannot be written, or a run of the same name already in progress. Any
        exception raised while running leaves the previous outputs of the run untouched.
    """
    run = check_run(jobs, run_name, workers=workers, timeout=timeout, kernel=kernel, output_root=output_root)
    run_name, checked, workers = run.run_name, run.jobs, run.workers
    warm = warm_kernel and kernel == KERNEL_NAME and zygote.SUPPORTED
    try:
        run.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"output folder {str(run.root)!r} cannot be created: {exc.strerror}; "
                          "choose another with --output-dir or KPSS_OUTPUT_DIR") from None
    root = run.root.resolve()
    final = root / run_name
    with lock(root, run_name):
        recover(root, run_name)
        started = now()
        t0 = time.perf_counter()
        data = input_data_hashes()
        tmp = temporary_folder(root, run_name)
        try:
            results, server = execute_jobs(
                checked, tmp, workers=workers, timeout=timeout, progress=progress, kernel=kernel,
                kernel_env=kernel_environment(kernel, root), start_timeout=start_timeout, title=run_name,
                warm_kernel=warm)
            finished = now()
            manifest = build_manifest(
                run_name=run_name, jobs=results, started=started, finished=finished,
                duration_s=time.perf_counter() - t0, workers=workers, timeout=timeout, kernel=kernel,
                warm_kernel=warm, data=data, notebooks=sorted({job.notebook for job in checked}),
                run_info=run_info, server=server)
            write_text_atomic(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", tmp / "manifest.json")
            if not (server == "forkserver" and call_in_warm_process(write_index, manifest, tmp / "index.html")):
                write_index(manifest, tmp / "index.html")  # this process is the warm server itself, or cold
            swap_into_place(tmp, final)
        except BaseException:
            remove(tmp)
            raise
    return RunResult(run_name, final, manifest["status"], results, manifest["started_at"],
                     manifest["finished_at"], manifest)


def run_spec(spec: RunSpec, *, workers: int | None = None, timeout: float | None = None,
             progress: bool | None = True, output_root: str | os.PathLike | None = None,
             command: Sequence[str] | None = None, warm_kernel: bool = True) -> RunResult:
    """Plan and run a :class:`RunSpec` (a run file or ``kpss run`` options).

    ``workers``/``timeout`` override the spec's own values.
    """
    run_name, jobs = plan_run(spec)
    fan = spec.fan_out
    info = {
        "run_file": str(spec.source) if spec.source else None,
        "description": spec.description,
        "fan_out": None if fan is None else {
            "parameter": fan.parameter, "level": fan.level, "within": fan.within,
            "values": list(fan.values) if fan.values is not None else None, "inject": fan.inject},
        "command": list(command) if command is not None else None,
        "parameter_files": parameter_files(jobs),
    }
    return run_jobs(jobs, run_name, workers=workers or spec.workers, timeout=timeout or spec.timeout,
                    progress=progress, output_root=output_root, kernel=spec.kernel or KERNEL_NAME,
                    warm_kernel=warm_kernel, run_info=info)


def format_summary(result: RunResult) -> str:
    """Czech summary of a run for the terminal: counts, where the index is, and each failure."""
    counts = result.manifest["counts"]
    lines = [
        f"Běh {result.run_name}: {counts['ok']} ok, {counts['failed']} chyba, "
        f"{counts['timeout']} časový limit (celkem {len(result.jobs)}, {result.manifest['duration_s']:.1f} s)",
        f"Přehled: {result.index}",
    ]
    if result.failed:
        lines.append("Neúspěšné úlohy:")
        for job in result.failed:
            lines.append(f"  - {job.name} [{STATUS_LABELS[job.status]}]: {job.error} "
                         f"(notebook: {result.output_dir / job.executed_notebook})")
    return "\n".join(lines)


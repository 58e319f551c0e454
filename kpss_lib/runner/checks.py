"""Validating a whole run before any job starts (``kpss run`` and ``kpss run --dry-run`` alike).

A run that cannot succeed is refused with a :class:`~kpss_lib.errors.KpssError`
(``kpss run`` exit code 2) and nothing runs: bad job names, notebooks or parameters,
a missing kernel, no input data for notebooks that read it, a region that does not
exist, an output folder that cannot be written.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kpss_lib import config
from kpss_lib.errors import ConfigError
from kpss_lib.runner.kernels import check_kernel
from kpss_lib.runner.parameters import check_parameters, notebook_needs
from kpss_lib.runner.spec import Job, job_name, safe_name


@dataclass(frozen=True)
class CheckedRun:
    """A run that passed :func:`check_run`: names slugified, notebooks absolute, workers decided."""

    run_name: str
    jobs: list[Job]
    workers: int
    root: Path


def check_jobs(jobs: Sequence[Job], run_name: str) -> list[Job]:
    """Unique, safe job names; notebooks that exist; parameters the notebooks declare."""
    if not jobs:
        raise ConfigError("a run needs at least one job")
    names: set[str] = set()
    checked: list[Job] = []
    for job in jobs:
        name = job_name(job.name)
        if name in names:
            raise ConfigError(f"job name {name!r} occurs twice in run {run_name!r}; job names must be unique")
        names.add(name)
        notebook = Path(job.notebook)
        if not notebook.is_file():
            raise ConfigError(f"notebook {str(notebook)!r} of job {name!r} does not exist")
        check_parameters(notebook, job.parameters)
        checked.append(Job(name, notebook.resolve(), dict(job.parameters), job.label))
    return checked


def check_inputs(jobs: Sequence[Job]) -> None:
    """The inputs the notebooks need: ``KPSS_DATA_DIR`` when they import kpss_lib, and every region they look up.

    Raises
    ------
    ConfigError
        when a notebook reads the inputs and no data folder is found (the message says
        what to set).
    RegionNotFoundError
        when a job's region parameter names no region (close matches are listed).
    """
    needs = {notebook: notebook_needs(notebook) for notebook in dict.fromkeys(job.notebook for job in jobs)}
    if any(need.data for need in needs.values()):
        config.data_dir()
    queries = dict.fromkeys(
        job.parameters[name] for job in jobs for name in needs[job.notebook].territory
        if isinstance(job.parameters.get(name), str) and job.parameters[name].strip())
    if queries:
        from kpss_lib.load.territory import find_region

        for query in queries:
            find_region(query)


def check_output_root(root: Path) -> None:
    """Refuse an output folder that cannot be created or written, before anything is run."""
    existing = root
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    problem = None
    if not existing.is_dir():
        problem = f"{str(existing)!r} is not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"{str(existing)!r} is not writable"
    if problem:
        raise ConfigError(f"output folder {str(root)!r} cannot be used: {problem}; choose another with "
                          "--output-dir or KPSS_OUTPUT_DIR")


def check_run(jobs: Sequence[Job], run_name: str, *, workers: int | None, timeout: float | None, kernel: str,
              output_root: str | os.PathLike | None) -> CheckedRun:
    """Everything :func:`~kpss_lib.runner.runs.run_jobs` checks before it starts a job; nothing is written.

    Parameters
    ----------
    workers : int, optional
        Parallel worker processes; default ``os.cpu_count()``, never more than jobs.
    timeout : float, optional
        Seconds per job; must be positive when given.
    output_root : path, optional
        Default ``config.output_dir()``.
    """
    run_name = safe_name(run_name, "run name")
    checked = check_jobs(list(jobs), run_name)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"workers must be a whole number >= 1, got {workers!r}")
    if timeout is not None and timeout <= 0:
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
    check_kernel(kernel)
    root = (Path(output_root) if output_root is not None else config.output_dir()).expanduser().absolute()
    check_output_root(root)
    check_inputs(checked)
    return CheckedRun(run_name, checked, min(workers or os.cpu_count() or 1, len(checked)), root)

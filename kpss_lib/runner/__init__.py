"""Batch runs of parameterised notebooks (``kpss run``).

A *run* executes one notebook once, or fans it out over many regions (every ORP of a
kraj, every kraj, an explicit list of values), each *job* in its own worker process
running papermill with the project's own interpreter as kernel. Everything a run
writes lands in ``<output root>/<run name>/``::

    index.html          every job with its status, duration and links (Czech)
    manifest.json       parameters, input-data hashes, package version, git commit, times
    <job>.ipynb         the executed notebook (kept with the error when the job failed)
    <job>.html          report without code cells (successful jobs only)
    <job>/              the job's ``output_dir``: map.html and whatever the notebook saves
    _logs/<job>.log     the kernel's own stderr, when it said anything

Outputs are replaced atomically: the run is built in ``.<run name>.tmp-XXXX`` beside
the final folder and swapped in at the end, so a crash of the runner leaves the
previous outputs intact. Failed jobs do not stop the others; they are recorded.

The rooms of the package, in the order a run passes through them:

* :mod:`.spec` -- names, exit codes and the data classes (:class:`RunSpec`, :class:`Job`,
  :class:`JobResult`, :class:`RunResult`);
* :mod:`.parameters` -- what a notebook declares and needs; ``-p`` text typed to fit;
* :mod:`.plan` -- run files and fan-out: a spec becomes its jobs;
* :mod:`.checks` -- the whole run validated before any job starts;
* :mod:`.folders` -- the lock on a run name, crash recovery, the atomic swap;
* :mod:`.workers` -- one worker process per job, time limits, results;
* :mod:`.notebook` -- one notebook through papermill, its HTML report, failure notes;
* :mod:`.engine` -- papermill's engine, writing the executed notebook only when a code cell starts;
* :mod:`.kernels` -- the ``kpss`` kernel and its manager (cold start: plain papermill's path);
* :mod:`.zygote` -- warm kernels forked from a process that imported kpss, behind one seam;
  the process they fork from has also opened the run's common study once
  (:mod:`kpss_lib.runcache`: national basis, CZ reference), which their ``open_study`` reuses;
* :mod:`.manifest` -- input hashes, version, git state: the manifest (shared with ``kpss data``);
* :mod:`.runs` -- :func:`run_jobs` and :func:`run_spec`, tying the rooms together.

Conventions for notebooks
-------------------------
* one cell tagged ``parameters``; the runner rejects parameters the cell does not define;
* a parameter ``output_dir`` (if the notebook declares it) receives the job's own folder,
  relative to the kernel's working directory (the run folder); write files there;
* a parameter the notebook passes to ``find_region`` or ``open_study`` is checked before the run starts,
  and a notebook importing ``kpss_lib`` needs the input data folder;
* optional cell tags ``phase-imports``, ``phase-load``, ``phase-compute``, ``phase-write``
  let the benchmark split a job's time; ``remove-cell`` / ``remove-output`` shape the report.

Exit codes of ``kpss run`` (also :attr:`RunResult.exit_code`): see :data:`EXIT_CODES`.
"""
from __future__ import annotations

import sys

# jsonschema (under nbformat, hence papermill and nbconvert) imports the optional
# rfc3987_syntax for its "iri" format checker, and that compiles a Lark grammar at import:
# ~1 s of every run's start (python-jsonschema/jsonschema#1392). No notebook schema uses
# the "iri" format; jsonschema skips the checker on the ImportError this gives.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from kpss_lib.fileio import slugify  # noqa: E402
from kpss_lib.runner.checks import check_run
from kpss_lib.runner.folders import swap_into_place
from kpss_lib.runner.kernels import check_kernel, kernel_environment
from kpss_lib.runner.manifest import input_data_hashes, package_version
from kpss_lib.runner.notebook import run_notebook
from kpss_lib.runner.parameters import check_parameters, coerce_cli_value, notebook_parameters
from kpss_lib.runner.plan import expand_fan_out, load_run_file, parameter_files, plan_run, read_params_file
from kpss_lib.runner.runs import format_summary, run_jobs, run_spec
from kpss_lib.runner.spec import (EXIT_ALL_FAILED, EXIT_CODES, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK,
                                  EXIT_SOME_FAILED, EXIT_USAGE, FAN_OUT_LEVELS, KERNEL_NAME, FanOut, FanOutItem, Job,
                                  JobResult, RunResult, RunSpec, render_name, safe_name)

__all__ = [
    "EXIT_ALL_FAILED", "EXIT_CODES", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_SOME_FAILED",
    "EXIT_USAGE", "FAN_OUT_LEVELS", "KERNEL_NAME", "FanOut", "FanOutItem", "Job", "JobResult", "RunResult",
    "RunSpec", "check_kernel", "check_parameters", "check_run", "coerce_cli_value", "expand_fan_out",
    "format_summary", "input_data_hashes", "kernel_environment", "load_run_file", "notebook_parameters",
    "package_version", "parameter_files", "plan_run", "read_params_file", "render_name", "run_jobs",
    "run_notebook", "run_spec", "safe_name", "slugify", "swap_into_place",
]

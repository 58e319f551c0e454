"""A run's server: the process every worker is forked from, prepared once for every job.

:func:`prepare_server` does, in order:

1. a helper process forked from here starts computing the national indicator basis of
   the run's common study (the longest single piece, ~1–1.5 s with drive times), its
   method notes and CZ references (:func:`kpss_lib.runcache.start_helper`) on the other core;
2. meanwhile this process imports what workers and warm kernels use
   (:data:`~kpss_lib.runner.zygote.WARM_KERNEL_MODULES`, papermill, nbconvert), builds the
   report exporter with its templates compiled, and warms the data caches
   (:func:`kpss_lib.warmup.warm`);
3. it opens the run's common study with the helper's parts (:mod:`kpss_lib.runcache`), so
   every warm kernel forked from here inherits it and no job computes it.

The server is the runner's own process when it runs no other thread (``kpss run``:
workers are forked from it and inherit what it has already imported and loaded), else a
multiprocessing forkserver (a notebook or any threaded program calling the runner: forking
a process with threads is unsafe), which imports :mod:`kpss_lib.runner.preload` to run
:func:`prepare_server`. Nothing here may fail (the server would die with it): a failure
only leaves each job to do the work itself.
"""
from __future__ import annotations

import contextlib
import gc
import importlib
import os
from typing import Any

from kpss_lib import runcache


def prepare_server(keyword_sets: list[dict[str, Any]]) -> int:
    """Prepare this process as a run's server for ``keyword_sets`` (:func:`kpss_lib.runcache.run_arguments`).

    Returns the number of common studies remembered (those remembered by an earlier run
    of this process are not opened again). Call from a process without other threads (it
    forks a helper). The process environment is left as it was.
    """
    environment = dict(os.environ)
    try:
        todo = runcache.not_remembered(keyword_sets)
        helper = runcache.start_helper(todo)
        try:
            _import_and_warm()
        finally:  # the helper waits to hand its parts over: always collect (and reap) it
            computed = helper.collect() if helper is not None else {}
        remembered = len(keyword_sets) - len(todo)
        with contextlib.suppress(Exception):
            remembered += runcache.prepare(todo, computed)
        return remembered
    finally:
        # Every object so far is kept out of the collector's sight: a collection in a
        # forked kernel would otherwise write to each of them and copy the pages they are on.
        gc.freeze()
        if dict(os.environ) != environment:  # warm() names matplotlib's backend for the kernels it forks
            os.environ.clear()
            os.environ.update(environment)


def _import_and_warm() -> None:
    """Import what workers and warm kernels use, compile the report exporter, warm the data caches."""
    from kpss_lib.report import warm_report_exporter
    from kpss_lib.runner.zygote import WARM_KERNEL_MODULES
    from kpss_lib.warmup import warm

    for module in ("kpss_lib.runner.workers", "papermill", "nbconvert", "nbclient", *WARM_KERNEL_MODULES):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    with contextlib.suppress(Exception):
        warm_report_exporter()
    warm()

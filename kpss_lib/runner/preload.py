"""The forkserver's preload: work done once for every job of a run, on both cores.

The forkserver imports this one module before it forks any worker. In order:

1. kpss and its data stack are imported, then a helper process forked from here starts
   computing the national indicator basis of the run's common study
   (:func:`kpss_lib.runcache.start_bases`: the longest single piece, ~1–1.5 s with drive
   times) on the other core;
2. meanwhile this process imports what workers and warm kernels use
   (:data:`~kpss_lib.runner.zygote.WARM_KERNEL_MODULES`, papermill, nbconvert), builds the
   report exporter with its templates compiled, and warms the data caches
   (:func:`kpss_lib.warmup.warm`);
3. it opens the run's common study with the helper's basis (:mod:`kpss_lib.runcache`), so
   every warm kernel forked from here inherits it and no job computes it.

multiprocessing's forkserver can only *import* modules before it forks workers, so this
module is the one place where importing does work; nothing else imports it
(:mod:`kpss_lib.warmup` itself does nothing at import). Nothing here may fail (the
forkserver would die with it): a failure only leaves each job to do the work itself.
"""
from __future__ import annotations

import contextlib
import importlib

from kpss_lib import runcache

BASES = runcache.start_bases_from_environment()

import kpss_lib.runner.workers  # noqa: E402,F401  (what every worker runs)
from kpss_lib.report import warm_report_exporter  # noqa: E402
from kpss_lib.runner.zygote import WARM_KERNEL_MODULES  # noqa: E402
from kpss_lib.warmup import warm  # noqa: E402

for _module in ("papermill", "nbconvert", "nbclient", *WARM_KERNEL_MODULES):
    with contextlib.suppress(ImportError):
        importlib.import_module(_module)

with contextlib.suppress(Exception):
    warm_report_exporter()
WARMED = warm()
PREPARED = 0
with contextlib.suppress(Exception):
    PREPARED = runcache.prepare_from_environment(bases=BASES.collect() if BASES is not None else {})

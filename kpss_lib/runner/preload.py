"""The forkserver's last preload: work done once for every job of a run.

The data caches are warmed for the warm kernels forked from here, the report
exporter is built with its templates compiled, so no job's HTML export pays for that,
and the run's common study (national basis, references) is opened once
(:mod:`kpss_lib.runcache`, from the arguments the runner put in the forkserver's
environment), so no job computes it.

multiprocessing's forkserver can only *import* modules before it forks workers, so
this module is the one place where importing does work; nothing else imports it
(:mod:`kpss_lib.warmup` itself does nothing at import). Nothing here may fail (the
forkserver would die with it): a failure only leaves each job to do the work itself.
"""
from __future__ import annotations

import contextlib

from kpss_lib import runcache
from kpss_lib.report import warm_report_exporter
from kpss_lib.warmup import warm

with contextlib.suppress(Exception):
    warm_report_exporter()
WARMED = warm()
PREPARED = 0
with contextlib.suppress(Exception):
    PREPARED = runcache.prepare_from_environment()

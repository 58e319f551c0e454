"""The forkserver's last preload: warm the data caches once for every warm kernel of a run.

multiprocessing's forkserver can only *import* modules before it forks workers, so
this module is the one place where importing does work; nothing else imports it
(:mod:`kpss_lib.warmup` itself does nothing at import). A failure leaves the kernels
to load the data themselves, as they would anyway.
"""
from __future__ import annotations

from kpss_lib.warmup import warm

WARMED = warm()

"""The forkserver's preload: :func:`kpss_lib.runner.server.prepare_server` for the run its environment names.

multiprocessing's forkserver can only *import* modules before it forks workers, so this
module is the one place where importing does work; nothing else imports it. The run's
common arguments come in :data:`kpss_lib.runcache.ENVIRONMENT`.
"""
from __future__ import annotations

from kpss_lib.runcache import environment_keyword_sets
from kpss_lib.runner.server import prepare_server

#: Common studies prepared for the run.
PREPARED = prepare_server(environment_keyword_sets())

"""The papermill engine of ``kpss run``: papermill's own, saving the executed notebook only when it tells something.

Papermill writes the whole executed notebook (outputs, the map's HTML: ~0.35 MB for
a coverage report) before and after every cell, markdown cells included: ~40 writes
a job, each on the job's critical path. The executed notebook on disk is read when a
job is stopped midway (:func:`kpss_lib.runner.notebook.mark_failure` finds the cell
that was running), by whoever watches a long job, and at the end. So this engine
writes it at the start, when a *code* cell starts and the last write is at least
:data:`SAVE_INTERVAL_S` old (which also records every cell completed before it), on
papermill's periodic autosave during a long cell, and at the end — also when the job is
stopped (papermill's ``finally``). The finished notebook is the same as papermill's.
"""
from __future__ import annotations

import functools

#: The name :func:`register` gives the engine in papermill's registry.
ENGINE_NAME = "kpss"
#: Seconds between writes at code cells: a long job's notebook shows its progress, a short one is written twice.
SAVE_INTERVAL_S = 1.0


@functools.cache
def _engine_class():
    from papermill.engines import NBClientEngine, NotebookExecutionManager

    class ThriftyExecutionManager(NotebookExecutionManager):
        """Papermill's execution manager without the saves that add nothing to a stopped job's notebook."""

        _skip_save = False

        def save(self, **kwargs):
            if not self._skip_save:
                super().save(**kwargs)

        def _quietly(self, method, cell, save: bool, **kwargs):
            self._skip_save = not save
            try:
                return method(cell, **kwargs)
            finally:
                self._skip_save = False

        def cell_start(self, cell, cell_index=None, **kwargs):
            due = (self.now() - self.last_save_time).total_seconds() >= SAVE_INTERVAL_S
            return self._quietly(super().cell_start, cell, due and cell.get("cell_type") == "code",
                                 cell_index=cell_index, **kwargs)

        def cell_complete(self, cell, cell_index=None, **kwargs):
            # The next code cell's start, or the notebook's end, writes this cell's result.
            return self._quietly(super().cell_complete, cell, False, cell_index=cell_index, **kwargs)

    class KpssEngine(NBClientEngine):
        """nbclient execution as papermill does it, with :class:`ThriftyExecutionManager`."""

        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=30, **kwargs):
            # papermill.engines.Engine.execute_notebook with the manager class swapped.
            nb_man = ThriftyExecutionManager(nb, output_path=output_path, progress_bar=progress_bar,
                                             log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    return KpssEngine


def register() -> str:
    """Register the engine with papermill (idempotent); its name for ``engine_name``."""
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE_NAME, _engine_class())
    return ENGINE_NAME

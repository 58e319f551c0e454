"""One notebook: execute it with papermill, export its report, and record what happened.

:func:`run_notebook` is the whole job in this process (a worker calls it); failures
papermill cannot record itself (timeout, dead worker, kernel that never started) are
written into the executed notebook by :func:`mark_failure`.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kpss_lib.errors import ConfigError
from kpss_lib.escaping import html_text
from kpss_lib.fileio import write_text_atomic
from kpss_lib.report import export_report
from kpss_lib.runner import engine
from kpss_lib.runner.kernels import kernel_environment, kernel_manager_class
from kpss_lib.runner.parameters import check_parameters, notebook_parameters
from kpss_lib.runner.spec import (KERNEL_NAME, STATUS_FAILED, STATUS_OK, STATUS_TIMEOUT, JobResult, ensure_inside,
                                  iso, job_name, now)


def _papermill_path(path: Path) -> str:
    # papermill formats paths with the parameters (str.format); braces must survive.
    return str(path).replace("{", "{{").replace("}", "}}")


def relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def run_notebook(
    notebook: str | os.PathLike,
    parameters: Mapping[str, Any] | None,
    output_dir: str | os.PathLike,
    *,
    name: str | None = None,
    label: str | None = None,
    kernel: str = KERNEL_NAME,
    cell_timeout: float | None = None,
    start_timeout: float = 60.0,
    report: bool = True,
    kernel_env: Mapping[str, str] | None = None,
) -> JobResult:
    """Execute one notebook with papermill into ``output_dir``, in this process.

    Writes ``<output_dir>/<name>.ipynb`` (always, with the error when the notebook
    fails), ``<output_dir>/<name>.html`` (report without code, when it succeeds and
    ``report``), and gives the notebook ``output_dir=<name>`` (a folder beside them; the
    kernel's working directory is ``output_dir``) when it declares that parameter.

    Parameters
    ----------
    notebook : path
        The parameterised notebook.
    parameters : mapping, optional
        Values for its ``parameters`` cell; unknown names and ``output_dir`` are refused.
    output_dir : path
        Folder the job's files go to; created if missing.
    name : str, optional
        Job name (slugified; default the notebook's stem).
    label : str, optional
        Human title of the job (report title, index page).
    kernel : str, default "kpss"
        Jupyter kernel; ``"kpss"`` is this interpreter, whatever Jupyter has installed.
    cell_timeout : float, optional
        Per-cell limit in seconds (papermill's ``execution_timeout``). For a whole-job
        wall-clock limit and process isolation use :func:`run_jobs`.
    start_timeout : float, default 60
        Seconds to wait for the kernel to start.
    report : bool, default True
        Export the HTML report of a successful run.
    kernel_env : mapping, optional
        Environment for the kernel on top of this process's; default
        :func:`kernel_environment`.

    Returns
    -------
    JobResult
        Paths relative to ``output_dir``. Failures are reported in the result, not raised.

    Raises
    ------
    ConfigError
        for a missing notebook, a bad name, or parameters the notebook does not take.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook)
    if not notebook.is_file():
        raise ConfigError(f"notebook {str(notebook)!r} does not exist")
    notebook = notebook.resolve()
    name = job_name(name or notebook.stem)
    parameters = check_parameters(notebook, dict(parameters or {}))
    declared = notebook_parameters(notebook) or {}
    root = Path(output_dir)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    nb_path = ensure_inside(root / f"{name}.ipynb", root)
    html_path = ensure_inside(root / f"{name}.html", root)
    job_dir = ensure_inside(root / name, root)
    job_dir.mkdir(exist_ok=True)
    injected = dict(parameters)
    if "output_dir" in declared:
        injected["output_dir"] = name  # relative to the kernel's cwd (root): stays valid when the run folder moves
    env = dict(kernel_env) if kernel_env is not None else kernel_environment(kernel)

    started = now()
    t0 = time.perf_counter()
    status, error, export_s = STATUS_OK, None, None
    retry_reason = None
    while True:
        try:
            papermill.execute_notebook(
                _papermill_path(notebook), _papermill_path(nb_path),
                parameters=injected,
                kernel_name=kernel,
                language="python",
                progress_bar=False,
                cwd=str(root),
                start_timeout=start_timeout,
                execution_timeout=cell_timeout,
                kernel_manager_class=kernel_manager_class(env),
                # The notebook has finished: a graceful kernel shutdown only costs ~0.3 s per job.
                shutdown_kernel="immediate",
                engine_name=engine.register(),  # papermill's engine with fewer notebook saves
            )
        except PapermillExecutionError as exc:  # the notebook's own error: never retried
            status, error = STATUS_FAILED, f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # kernel died or never started, bad parameter value for the translator, ...
            if retry_reason is None and _kernel_never_ran(exc, nb_path):
                # A kernel that fails to start (port clash, a launcher hiccup on a loaded machine)
                # says nothing about the notebook: try once more on a fresh kernel.
                retry_reason = f"{type(exc).__name__}: {exc}"
                continue
            status, error = STATUS_FAILED, f"{type(exc).__name__}: {exc}"
            mark_failure(nb_path, notebook, kind=STATUS_FAILED, message=error,
                         traceback_lines=traceback.format_exception(exc))
        break
    papermill_s = time.perf_counter() - t0
    report_rel = None
    if status == STATUS_OK and report:
        t1 = time.perf_counter()
        try:
            export_report(nb_path, html_path, title=label or name)
            report_rel = html_path.name
        except Exception as exc:
            status, error = STATUS_FAILED, f"HTML export failed: {type(exc).__name__}: {exc}"
        export_s = time.perf_counter() - t1
    files = sorted(relative(p, root) for p in job_dir.rglob("*") if p.is_file())
    if not any(job_dir.iterdir()):
        job_dir.rmdir()
    timings = {"papermill_s": round(papermill_s, 3), "export_s": round(export_s, 3) if export_s is not None else None}
    timings.update(notebook_timings(nb_path))
    finished = now()
    return JobResult(
        name=name, notebook=str(notebook), parameters=parameters, status=status,
        started_at=iso(started), finished_at=iso(finished),
        duration_s=round(time.perf_counter() - t0, 3),
        executed_notebook=nb_path.name if nb_path.is_file() else None,
        report=report_rel, files=files, error=error, label=label, timings=timings,
        retries=0 if retry_reason is None else 1, retry_reason=retry_reason,
    )


def _kernel_never_ran(exc: Exception, executed: Path) -> bool:
    """True when papermill failed before the first cell started: the kernel, not the notebook, failed.

    Papermill's own errors (a parameter its translator cannot write, say) are not kernel failures.
    """
    import nbformat
    from papermill.exceptions import PapermillException

    if isinstance(exc, PapermillException):
        return False
    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:  # not written yet: papermill stopped before it began
        return True
    return not any(cell.metadata.get("papermill", {}).get("start_time") for cell in cells)


def notebook_timings(executed: str | os.PathLike) -> dict[str, Any]:
    """Time split of an executed notebook from papermill's metadata, in seconds.

    ``kernel_start_s`` runs from papermill's start to the first cell's start; ``phases``
    sums cell durations by their ``phase-*`` tag (``parameters`` for the parameter
    cells, ``other`` for untagged cells).
    """
    try:  # plain JSON: only metadata is read, and nbformat's validation costs ~50 ms on a report
        node = json.loads(Path(executed).read_text(encoding="utf-8"))
        cells = [cell.get("metadata", {}) for cell in node["cells"]]
    except Exception:  # a notebook cut off by a kill has no timings to give
        return {}
    meta = node.get("metadata", {}).get("papermill", {})
    parse = _dt.datetime.fromisoformat
    out: dict[str, Any] = {"notebook_s": meta.get("duration")}
    starts = [cell.get("papermill", {}).get("start_time") for cell in cells]
    first = next((s for s in starts if s), None)
    if meta.get("start_time") and first:
        out["kernel_start_s"] = round((parse(first) - parse(meta["start_time"])).total_seconds(), 3)
    phases: dict[str, float] = {}
    for cell in cells:
        duration = cell.get("papermill", {}).get("duration")
        if duration is None:
            continue
        tags = cell.get("tags", [])
        phase = next((t[len("phase-"):] for t in tags if t.startswith("phase-")), None)
        if phase is None:
            phase = "parameters" if {"parameters", "injected-parameters"} & set(tags) else "other"
        phases[phase] = round(phases.get(phase, 0.0) + float(duration), 3)
    out["phases"] = phases
    return out


def mark_failure(executed: Path, source: Path, *, kind: str, message: str,
                 traceback_lines: Sequence[str] = (), stopped_at: _dt.datetime | None = None) -> None:
    """Record a failure papermill could not record itself (timeout, dead worker, kernel never started).

    The cell that was running when the job was stopped (started before ``stopped_at``
    and not finished before it; without ``stopped_at``, the last cell that started)
    gets an error output and the status ``failed``; cells
    that never started go back to ``pending`` (papermill marks them completed when it
    is interrupted). A marker cell at the top says what happened (with papermill's
    error-marker tag, so a re-run by papermill drops it). A notebook cut off mid-write
    is replaced by the source notebook with the marker.
    """
    import nbformat
    from papermill.execute import ERROR_MARKER_TAG

    try:
        node = nbformat.read(executed, as_version=4)
    except Exception:
        node = nbformat.read(source, as_version=4)
    node.metadata.setdefault("papermill", {})["exception"] = True
    node.metadata["kpss"] = {"status": kind, "message": message}
    interrupted = None
    for index, cell in enumerate(node.cells):
        state = cell.metadata.get("papermill")
        if not state:
            continue
        if not state.get("start_time"):
            state["status"] = "pending"
        elif stopped_at is None or (_dt.datetime.fromisoformat(state["start_time"]) <= stopped_at and (
                not state.get("end_time") or _dt.datetime.fromisoformat(state["end_time"]) >= stopped_at)):
            interrupted = index
    ename = "TimeoutError" if kind == STATUS_TIMEOUT else "RuntimeError"
    if interrupted is not None:
        cell = node.cells[interrupted]
        cell.metadata["papermill"].update(status="failed", exception=True)
        cell.setdefault("outputs", []).append(nbformat.v4.new_output(
            "error", ename=ename, evalue=message, traceback=list(traceback_lines) or [f"{ename}: {message}"]))
    count = node.cells[interrupted].get("execution_count") if interrupted is not None else None
    where = f" v buňce In [{count}]" if count else ""
    title = "Úloha byla přerušena časovým limitem" if kind == STATUS_TIMEOUT else "Úloha selhala"
    marker = nbformat.v4.new_markdown_cell(
        f'<span style="color:red; font-size:1.5em;">{title}{where}: {html_text(message)}</span>')
    marker.metadata["tags"] = [ERROR_MARKER_TAG]
    node.cells.insert(0, marker)
    write_text_atomic(nbformat.writes(node), executed)

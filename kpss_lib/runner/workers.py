"""Executing jobs: one worker process per job, at most ``workers`` at once, with time limits.

Each worker (forked from the run's server, see :func:`_mp_context`) runs
:func:`~kpss_lib.runner.notebook.run_notebook` and sends the result over a pipe; the
runner process waits on pipes and process sentinels, stops jobs over their time limit
(SIGTERM, then SIGKILL after a grace period) and turns whatever came back, or did not,
into a :class:`JobResult`. Workers watch the runner and stop with their kernels if it dies.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import json
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpss_lib import runcache
from kpss_lib.fileio import write_text_atomic
from kpss_lib.report import STATUS_LABELS
from kpss_lib.runner import zygote
from kpss_lib.runner.kernels import kill_kernels
from kpss_lib.runner.notebook import mark_failure, notebook_timings, relative, run_notebook
from kpss_lib.runner.spec import KERNEL_NAME, STATUS_FAILED, STATUS_TIMEOUT, Job, JobResult, iso, now

#: Folder of kernel logs inside a run; "_" never occurs in a slug, so no job can clash.
LOG_FOLDER = "_logs"
#: Seconds a timed-out worker gets to save its notebook after SIGTERM before SIGKILL.
_TERMINATE_GRACE_S = 10.0
#: What stops a run (Ctrl+C, systemd, kill).
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class _JobTerminated(BaseException):
    """Raised in a worker on SIGTERM (its job timed out or the run is stopping)."""


def _on_sigterm(signum, frame):  # pragma: no cover - runs in worker processes
    raise _JobTerminated()


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT and SIGTERM back in this thread for the block; they arrive when it ends."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_main(spec: dict[str, Any], conn) -> None:  # pragma: no cover - runs in worker processes
    """Entry point of a worker process: one job, result sent back over ``conn``."""
    started = time.time()
    # The forkserver may have been started under another environment or cwd.
    os.environ.clear()
    os.environ.update(spec["env"])
    os.chdir(spec["run_dir"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    signal.signal(signal.SIGTERM, _on_sigterm)
    if hasattr(signal, "pthread_sigmask"):  # a spawned worker inherits the mask of _signals_deferred
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    payload: dict[str, Any]
    try:
        log = open(spec["log_path"], "ab", buffering=0)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)  # kernels inherit these: their stderr lands in the job's log
        if spec["warm_kernel"] and spec["kernel"] == KERNEL_NAME:
            # Forked before this process starts any thread, socket or event loop.
            zygote.install(close_fds=(conn.fileno(),))
        _watch_runner(spec["parent_pid"])
        result = run_notebook(
            spec["notebook"], spec["parameters"], spec["run_dir"], name=spec["name"], label=spec["label"],
            kernel=spec["kernel"], start_timeout=spec["start_timeout"], kernel_env=spec["kernel_env"],
        )
        payload = {"result": result.to_dict(), "worker_started": started}
    except _JobTerminated:
        kill_kernels()
        payload = {"terminated": True, "worker_started": started}
    except BaseException as exc:
        kill_kernels()
        payload = {"crash": "".join(traceback.format_exception(exc)), "worker_started": started}
    with contextlib.suppress(Exception, _JobTerminated):
        zygote.discard()
        conn.send(payload)
        conn.close()


def _watch_runner(runner_pid: int) -> None:  # pragma: no cover - runs in worker processes
    """Stop this worker (SIGTERM to itself) when the runner process is gone.

    Workers are children of the forkserver, which lives as long as any worker does, so
    neither PR_SET_PDEATHSIG nor the forkserver's own shutdown notices a killed runner;
    polling its pid does, and the job's kernel is killed on the way out.
    """
    import threading

    def watch() -> None:
        while _pid_alive(runner_pid):
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="kpss-runner-watch", daemon=True).start()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed runner whose parent has not reaped it yet is a zombie: gone for us
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


#: The run-level cache arguments (:data:`kpss_lib.runcache.ENVIRONMENT`) the running forkserver prepared.
_FORKSERVER_PREPARED: str | None = None


def _mp_context(keyword_sets: list[dict[str, Any]]) -> tuple[Any, str]:
    """The multiprocessing context of a run's workers and what it forks them from.

    The workers' server is prepared once for ``keyword_sets`` (the run's common study,
    :func:`kpss_lib.runner.server.prepare_server`) and every warm kernel inherits it. It is
    this process when it runs no other thread: workers then also inherit what it has
    imported and loaded already (for ``kpss run``: kpss and the territory). A process
    with threads (a notebook, a program with its own threads) must not fork, so there
    the server is a multiprocessing forkserver, replaced first when it was started for
    other arguments. Elsewhere (no fork at all) workers are spawned.
    """
    global _FORKSERVER_PREPARED
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and zygote.SUPPORTED and threading.active_count() == 1:
        from kpss_lib.runner.server import prepare_server

        prepare_server(keyword_sets)
        return multiprocessing.get_context("fork"), "runner"
    if "forkserver" in methods:
        prepared = json.dumps(keyword_sets, ensure_ascii=False, sort_keys=True)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kpss_lib.runner.preload"])  # prepares the server (see its docstring)
        # Started here, not by the first worker's start(): that runs with the stop signals
        # held back, and the server would inherit them held back for its whole life.
        from multiprocessing import forkserver

        server = forkserver._forkserver
        if prepared != _FORKSERVER_PREPARED and getattr(server, "_forkserver_pid", None) is not None \
                and hasattr(server, "_stop"):
            server._stop()  # holds another run's study: its kernels would only miss the memo
        previous = os.environ.get(runcache.ENVIRONMENT)
        os.environ[runcache.ENVIRONMENT] = prepared  # read by the forkserver's preload, when it starts
        try:
            forkserver.ensure_running()
        finally:
            if previous is None:
                os.environ.pop(runcache.ENVIRONMENT, None)
            else:
                os.environ[runcache.ENVIRONMENT] = previous
        _FORKSERVER_PREPARED = prepared
        return context, "forkserver"
    return multiprocessing.get_context("spawn"), "spawn"


def call_in_warm_process(function, *args: Any) -> bool:
    """Call ``function(*args)`` in a process forked from the run's forkserver; True when it returned.

    The forkserver has the map stack imported and the territory loaded (:mod:`.server`),
    so work such as the run overview's map costs there what it costs a job, not a cold
    start (a runner that is its own server does such work itself). Call only after a run
    served by the forkserver. False when the call failed (the caller then does it
    itself and reports its error).
    """
    context = multiprocessing.get_context("forkserver")
    process = context.Process(target=_call_quietly, args=(function, *args), name="kpss-run-overview", daemon=True)
    try:
        with _signals_deferred():
            process.start()
    except Exception:  # e.g. a function pickle cannot name (a test's stand-in): the caller does it
        return False
    process.join()
    return process.exitcode == 0


def _call_quietly(function, *args: Any) -> None:  # pragma: no cover - runs in a forked process
    try:
        function(*args)
    except BaseException:
        os._exit(1)  # the caller repeats the call in its own process, where the error is reported


@dataclass
class _Running:
    job: Job
    process: Any
    conn: Any
    started_at: _dt.datetime
    t0: float
    deadline: float | None
    payload: dict[str, Any] | None = None
    conn_open: bool = True
    terminated_at: float | None = None
    stopped_at: _dt.datetime | None = None
    received_at: float | None = None
    timed_out: bool = False


def execute_jobs(jobs: Sequence[Job], run_dir: Path, *, workers: int, timeout: float | None,
                  progress: bool | None, kernel: str, kernel_env: Mapping[str, str],
                  start_timeout: float, title: str, warm_kernel: bool) -> tuple[list[JobResult], str]:
    """Run ``jobs`` in worker processes (at most ``workers`` at once); their results and the workers' server.

    The server ("runner", "forkserver" or "spawn", see :func:`_mp_context`) goes into the manifest.
    """
    from multiprocessing.connection import wait

    from tqdm import tqdm

    context, server = _mp_context(runcache.common_arguments(jobs) if warm_kernel else [])
    log_dir = run_dir / LOG_FOLDER
    log_dir.mkdir(exist_ok=True)
    queue = deque(enumerate(jobs))
    running: dict[int, _Running] = {}
    results: list[JobResult | None] = [None] * len(jobs)
    counts = {status: 0 for status in STATUS_LABELS}
    bar = tqdm(total=len(jobs), desc=title, unit="úloha", disable=(None if progress is None else not progress),
               file=sys.stderr, dynamic_ncols=True)
    try:
        while queue or running:
            while queue and len(running) < workers:
                index, job = queue.popleft()
                spec = {
                    "notebook": str(job.notebook), "parameters": job.parameters, "name": job.name,
                    "label": job.label, "run_dir": str(run_dir), "kernel": kernel,
                    "kernel_env": dict(kernel_env), "env": dict(os.environ), "start_timeout": start_timeout,
                    "log_path": str(log_dir / f"{job.name}.log"), "parent_pid": os.getpid(),
                    "warm_kernel": warm_kernel,
                }
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_worker_main, args=(spec, sender), name=f"kpss-run-{job.name}")
                # An interrupt inside start() (seconds long while the forkserver first imports
                # its stack) would leave a started worker that no one stops: the exit would then
                # wait for its job. Signals wait until the worker is on the list of running jobs.
                with _signals_deferred():
                    t0 = time.perf_counter()
                    process.start()
                    sender.close()
                    running[index] = _Running(job, process, receiver, now(), t0,
                                              t0 + timeout if timeout else None)
            tick = time.perf_counter()
            wakeups = [r.deadline for r in running.values() if r.deadline and not r.terminated_at]
            wakeups += [r.terminated_at + _TERMINATE_GRACE_S for r in running.values() if r.terminated_at]
            wait_s = min([max(0.05, w - tick) for w in wakeups] + [1.0])
            waitables = [r.conn for r in running.values() if r.conn_open]
            waitables += [r.process.sentinel for r in running.values()]
            wait(waitables, timeout=wait_s)
            tick = time.perf_counter()
            for index, item in list(running.items()):
                if item.conn_open and item.conn.poll():
                    try:
                        item.payload = item.conn.recv()
                    except (EOFError, OSError):
                        pass
                    item.conn.close()
                    item.conn_open = False
                    item.received_at = tick
                if not item.process.is_alive():
                    item.process.join()
                    results[index] = _finish_job(item, run_dir, timeout)
                    counts[results[index].status] += 1
                    del running[index]
                    bar.set_postfix_str(", ".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items() if n))
                    bar.update(1)
                elif item.terminated_at is None and item.deadline and tick >= item.deadline and \
                        not (item.payload and "result" in item.payload):
                    item.timed_out = True
                    item.terminated_at = tick
                    item.stopped_at = now()
                    item.process.terminate()
                elif item.terminated_at is not None and tick - item.terminated_at >= _TERMINATE_GRACE_S:
                    item.process.kill()
                elif item.received_at is not None and tick - item.received_at >= _TERMINATE_GRACE_S:
                    item.process.kill()  # reported, but stuck on its way out
    except BaseException:
        _stop_workers(running.values())
        raise
    finally:
        bar.close()
        if server == "runner":
            gc.unfreeze()  # the server froze its objects for its forks (see .server); this process goes on
    if not any(log_dir.iterdir()):
        log_dir.rmdir()
    return [r for r in results if r is not None], server


#: Kernel stderr lines that say nothing about the job (ipykernel >= 7 on its default local TCP transport).
_LOG_NOISE = re.compile(r"^\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\..*$\n?",
                        re.MULTILINE)


def _drop_log_noise(path: Path) -> None:
    """Strip known noise from a job log; delete the log when nothing else is left."""
    text = path.read_text(encoding="utf-8", errors="replace")
    kept = _LOG_NOISE.sub("", text)
    if not kept.strip():
        path.unlink()
    elif kept != text:
        write_text_atomic(kept, path)


def _stop_workers(items: Iterable[_Running]) -> None:
    items = list(items)
    for item in items:
        with contextlib.suppress(Exception):
            item.process.terminate()
    deadline = time.perf_counter() + 3.0
    for item in items:
        item.process.join(max(0.0, deadline - time.perf_counter()))
        if item.process.is_alive():
            item.process.kill()
            item.process.join()


def _finish_job(item: _Running, run_dir: Path, timeout: float | None) -> JobResult:
    job = item.job
    payload = item.payload or {}
    finished = now()
    duration = round(time.perf_counter() - item.t0, 3)
    worker_start_s = None
    if payload.get("worker_started"):
        worker_start_s = round(payload["worker_started"] - item.started_at.timestamp(), 3)
    log_path = run_dir / LOG_FOLDER / f"{job.name}.log"
    if log_path.is_file():
        _drop_log_noise(log_path)
    log_rel = f"{LOG_FOLDER}/{job.name}.log" if log_path.is_file() else None
    if "result" in payload and not item.timed_out:
        result = JobResult(**payload["result"])
        result.started_at, result.finished_at, result.duration_s = iso(item.started_at), iso(finished), duration
        result.timings["worker_start_s"] = worker_start_s
        result.log = log_rel
        return result
    nb_path = run_dir / f"{job.name}.ipynb"
    if item.timed_out:
        status, error = STATUS_TIMEOUT, f"job exceeded the time limit of {timeout:g} s"
        lines: list[str] = []
    else:
        status = STATUS_FAILED
        crash = payload.get("crash")
        if crash:
            error = crash.strip().splitlines()[-1]
        elif payload.get("terminated"):
            error = "worker process was terminated (SIGTERM) before the job finished"
        else:
            error = f"worker process ended with exit code {item.process.exitcode} before reporting"
        lines = crash.splitlines() if crash else []
    mark_failure(nb_path, job.notebook, kind=status, message=error, traceback_lines=lines,
                 stopped_at=item.stopped_at)
    job_dir = run_dir / job.name
    files = sorted(relative(p, run_dir) for p in job_dir.rglob("*") if p.is_file()) if job_dir.is_dir() else []
    if job_dir.is_dir() and not any(job_dir.iterdir()):
        job_dir.rmdir()
    timings = {"worker_start_s": worker_start_s}
    timings.update(notebook_timings(nb_path))
    return JobResult(
        name=job.name, notebook=str(job.notebook), parameters=job.parameters, status=status,
        started_at=iso(item.started_at), finished_at=iso(finished), duration_s=duration,
        executed_notebook=nb_path.name, report=None, files=files, log=log_rel, error=error,
        label=job.label, timings=timings,
    )


# --------------------------------------------------------------------------- provenance

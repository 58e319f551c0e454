"""Provenance: input hashes, package version and git state, and the run manifest.

:func:`input_data_hashes` is the one inventory of the inputs (``kpss data`` lists the
same files); :func:`package_version` is the one version lookup (``kpss --version``).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kpss_lib import config
from kpss_lib.errors import ConfigError
from kpss_lib.load.cache import file_sha256
from kpss_lib.report import STATUS_LABELS
from kpss_lib.runner.kernels import kpss_kernel_spec
from kpss_lib.runner.spec import (EXIT_ALL_FAILED, EXIT_OK, EXIT_SOME_FAILED, KERNEL_NAME, STATUS_OK, JobResult,
                                  iso)
from kpss_lib.runner.zygote import WARM_KERNEL_MODULES


def input_data_hashes() -> dict[str, Any]:
    """SHA-256 and size of the input files (``config.INPUT_FILES`` in ``KPSS_DATA_DIR``) and of ``data/``.

    A missing setting or file is recorded, not raised: a notebook that needs no data
    still runs, and the manifest says what was absent.
    """
    files: list[dict[str, Any]] = []
    out: dict[str, Any] = {"data_dir": None, "error": None, "files": files}
    try:
        folder = config.data_dir()
    except ConfigError as exc:
        out["error"] = str(exc)
    else:
        out["data_dir"] = str(folder.resolve())
        for name in config.INPUT_FILES:
            path = folder / name
            if path.is_file():
                files.append({"name": name, "source": "KPSS_DATA_DIR", "bytes": path.stat().st_size,
                              "sha256": file_sha256(path)})
            else:
                files.append({"name": name, "source": "KPSS_DATA_DIR", "bytes": None, "sha256": None,
                              "missing": True})
    project = Path(config.PROJECT_DATA_DIR)
    if project.is_dir():
        for path in sorted(p for p in project.rglob("*") if p.is_file() and not p.name.startswith(".")):
            files.append({"name": f"data/{path.relative_to(project).as_posix()}", "source": "project",
                          "bytes": path.stat().st_size, "sha256": file_sha256(path)})
    return out


def git_state() -> dict[str, Any]:
    """The commit (and whether the tree has uncommitted changes) of the repository kpss runs from, if any."""
    repo = Path(__file__).resolve().parents[2]
    state: dict[str, Any] = {"commit": None, "dirty": None}
    try:
        top = subprocess.run(["git", "-C", str(repo), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=10)
        # Only our own checkout counts, not some repository an installed copy happens to sit in.
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != repo:
            return state
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        if head.returncode == 0:
            state["commit"] = head.stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30)
        if dirty.returncode == 0 and state["commit"]:
            state["dirty"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return state


def package_version() -> str | None:
    """The installed version of the ``kpss`` distribution, or None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kpss")
    except PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- run folders


def build_manifest(*, run_name: str, jobs: Sequence[JobResult], started: _dt.datetime, finished: _dt.datetime,
                   duration_s: float, workers: int, timeout: float | None, kernel: str, data: dict[str, Any],
                   notebooks: Sequence[Path], run_info: Mapping[str, Any] | None = None,
                   warm_kernel: bool = False, server: str | None = None) -> dict[str, Any]:
    """The run manifest: everything needed to reproduce and audit a run (JSON-serialisable).

    ``server`` is what the workers were forked from ("runner": the runner's own process,
    "forkserver", or "spawn" where there is no fork).
    """
    failed = sum(1 for job in jobs if job.status != STATUS_OK)
    status = "ok" if failed == 0 else ("failed" if failed == len(jobs) else "partial")
    kernel_info: dict[str, Any] = {"name": kernel, "warm": warm_kernel, "workers_forked_from": server}
    if kernel == KERNEL_NAME:
        kernel_info["argv"] = kpss_kernel_spec().argv
    if warm_kernel:
        kernel_info["preloaded_modules"] = list(WARM_KERNEL_MODULES)
    manifest: dict[str, Any] = {
        "manifest_version": 1,
        "run_name": run_name,
        "status": status,
        "exit_code": EXIT_OK if failed == 0 else (EXIT_ALL_FAILED if failed == len(jobs) else EXIT_SOME_FAILED),
        "started_at": iso(started),
        "finished_at": iso(finished),
        "duration_s": round(duration_s, 3),
        "workers": workers,
        "timeout_s": timeout,
        "kernel": kernel_info,
        "package": {"name": "kpss", "version": package_version()},
        "git": git_state(),
        "python": {"version": sys.version.split()[0], "executable": sys.executable},
        "notebooks": [{"path": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in notebooks],
        "run_file": None,
        "fan_out": None,
        "command": None,
        "data": data,
        "counts": {s: sum(1 for job in jobs if job.status == s) for s in STATUS_LABELS},
        "jobs": [job.to_dict() for job in jobs],
    }
    for key, value in (run_info or {}).items():
        manifest[key] = value
    return manifest

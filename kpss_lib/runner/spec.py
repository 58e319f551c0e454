"""The run specification: names, exit codes, and the data classes a run is made of.

A :class:`RunSpec` (a YAML run file or ``kpss run`` options) is planned into
:class:`Job` objects (:mod:`.plan`); each job yields a :class:`JobResult`; a run
yields a :class:`RunResult`. Names given by users become file names, so they pass
:func:`safe_name`.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import string
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kpss_lib.errors import ConfigError
from kpss_lib.fileio import slugify


#: Name of the kernel that runs notebooks with the current interpreter.
KERNEL_NAME = "kpss"

STATUS_OK = "ok"
STATUS_FAILED = "failed"
STATUS_TIMEOUT = "timeout"

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_ALL_FAILED = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130
#: What each exit code of ``kpss run`` means.
EXIT_CODES = {
    EXIT_OK: "all jobs succeeded",
    EXIT_SOME_FAILED: "some jobs failed or timed out, the others succeeded; outputs were replaced",
    EXIT_USAGE: "usage or configuration error (bad parameter, unknown region, missing notebook, a run of "
                "the same name already running); nothing was run, previous outputs untouched",
    EXIT_ALL_FAILED: "every job failed or timed out; outputs were replaced (the failed notebooks are the record)",
    EXIT_INTERNAL: "the runner itself failed; previous outputs untouched",
    EXIT_INTERRUPTED: "interrupted (Ctrl+C, or SIGTERM e.g. from systemd); previous outputs untouched",
}

#: Parameters the runner sets itself; a user value for them is rejected.
RESERVED_PARAMETERS = frozenset({"output_dir"})
#: Levels a fan-out can expand over, as in :mod:`kpss_lib.load.territory`.
FAN_OUT_LEVELS = ("kraj", "okres", "orp", "obec")
#: File stems in a run folder that a job may not take.
RESERVED_JOB_NAMES = frozenset({"index", "manifest"})


def safe_name(text: Any, what: str) -> str:
    """Check that ``text`` names a file rather than a path, and return its slug.

    Raises
    ------
    ConfigError
        for empty text, absolute paths, ``..`` components, ``~``, NUL bytes, or text
        without any letter or digit. Any other text is slugified, so the result never
        contains a path separator.
    """
    if not isinstance(text, str):
        raise ConfigError(f"{what} must be text, got {type(text).__name__} {text!r}")
    stripped = text.strip()
    if not stripped:
        raise ConfigError(f"{what} is empty; expected a name such as 'seniori-zlinsky-kraj'")
    parts = re.split(r"[/\\]", stripped)
    if ("\x00" in stripped or os.path.isabs(stripped) or stripped.startswith(("/", "\\", "~"))
            or re.match(r"^[A-Za-z]:", stripped) or ".." in parts):
        raise ConfigError(f"{what} {text!r} is a path; expected a plain name (it becomes a file name "
                          "inside the output folder, so '..', '/', '~' and absolute paths are refused)")
    slug = slugify(stripped)
    if not slug:
        raise ConfigError(f"{what} {text!r} has no letters or digits; expected a name such as 'zlin'")
    return slug



def job_name(text: Any) -> str:
    """:func:`safe_name` for a job, also refusing the stems of the run's own files (index, manifest)."""
    name = safe_name(text, "job name")
    if name in RESERVED_JOB_NAMES:
        raise ConfigError(f"job name {name!r} is reserved for the run's own files; choose another")
    return name

def render_name(template: str, context: Mapping[str, Any], what: str) -> str:
    """Fill a name template such as ``"seniori-{region}"`` from ``context`` and slugify it.

    Only plain ``{name}`` fields are allowed (no attribute or index access).

    Raises
    ------
    ConfigError
        for an unknown field, a malformed template, or a result that is a path.
    """
    if not isinstance(template, str):
        raise ConfigError(f"{what} template must be text, got {template!r}")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"{what} template {template!r} is malformed: {exc}") from None
    for name in fields:
        if name not in context:
            raise ConfigError(f"{what} template {template!r} uses unknown field {{{name}}}; "
                              f"available: {', '.join(sorted(context)) or 'none'}")
    values = {k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in context.items()}
    return safe_name(template.format_map(values), what)


def ensure_inside(path: Path, root: Path) -> Path:
    """Resolve ``path`` (following symlinks) and refuse it unless it lies under ``root``."""
    resolved = Path(path).resolve()
    root = Path(root).resolve()
    if resolved != root and root not in resolved.parents:
        raise ConfigError(f"refusing to write {str(path)!r}: it resolves to {str(resolved)!r}, "
                          f"outside the output folder {str(root)!r}")
    return resolved


@dataclass(frozen=True)
class Job:
    """One notebook execution: ``name`` becomes its file names, ``label`` its title."""

    name: str
    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    label: str | None = None


@dataclass
class JobResult:
    """What one job produced. Paths are relative to the run folder (POSIX style).

    ``status`` is ``"ok"``, ``"failed"`` or ``"timeout"``; ``timings`` holds the
    overhead split in seconds (``worker_start_s``, ``kernel_start_s``, ``papermill_s``,
    ``export_s``, ``phases`` by cell tag). ``retries`` is 1 when the first kernel failed
    to start (or died before the first cell) and the job ran again on a fresh one;
    ``retry_reason`` is that first failure.
    """

    name: str
    notebook: str
    parameters: dict[str, Any]
    status: str
    started_at: str
    finished_at: str
    duration_s: float
    executed_notebook: str | None
    report: str | None = None
    files: list[str] = field(default_factory=list)
    log: str | None = None
    error: str | None = None
    label: str | None = None
    timings: dict[str, Any] = field(default_factory=dict)
    retries: int = 0
    retry_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunResult:
    """The outcome of :func:`run_jobs`: the final folder, the jobs and the overall status."""

    run_name: str
    output_dir: Path
    status: str
    jobs: list[JobResult]
    started_at: str
    finished_at: str
    manifest: dict[str, Any]

    @property
    def index(self) -> Path:
        return self.output_dir / "index.html"

    @property
    def manifest_path(self) -> Path:
        return self.output_dir / "manifest.json"

    @property
    def failed(self) -> list[JobResult]:
        return [job for job in self.jobs if not job.ok]

    @property
    def exit_code(self) -> int:
        """0 all ok, 1 some failed, 3 all failed (see :data:`EXIT_CODES`)."""
        if not self.failed:
            return EXIT_OK
        return EXIT_ALL_FAILED if len(self.failed) == len(self.jobs) else EXIT_SOME_FAILED


@dataclass(frozen=True)
class FanOut:
    """How one notebook is fanned out: over territorial units or over given values.

    Parameters
    ----------
    parameter : str, default "region"
        The notebook parameter that receives each value.
    level : str, optional
        ``"kraj"``, ``"okres"``, ``"orp"`` or ``"obec"``: one job per unit of that level.
    within : str, optional
        Restrict ``level`` to the units of this region (any query ``find_region`` accepts);
        default the whole country.
    values : sequence, optional
        Explicit values instead of ``level`` (e.g. micro-region names).
    inject : {"code", "name"}, default "code"
        What a unit passes to the notebook: its code (``"7205"``) or its unambiguous name
        (``"ORP Otrokovice"``; kraje by their plain name).
    """

    parameter: str = "region"
    level: str | None = None
    within: str | None = None
    values: tuple[Any, ...] | None = None
    inject: str = "code"


@dataclass(frozen=True)
class FanOutItem:
    """One value of a fan-out: what the notebook receives, and how it is named and listed."""

    value: Any
    label: str
    code: str | None = None


@dataclass
class RunSpec:
    """A run as described by a YAML run file or by ``kpss run`` options."""

    notebook: Path
    name: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    fan_out: FanOut | None = None
    job_name: str | None = None
    timeout: float | None = None
    workers: int | None = None
    kernel: str | None = None
    source: Path | None = None
    description: str | None = None




def now() -> _dt.datetime:
    """The current time, timezone-aware in the local zone."""
    return _dt.datetime.now(_dt.timezone.utc).astimezone()


def iso(moment: _dt.datetime) -> str:
    """ISO 8601 to the second, as the manifest and the index show times."""
    return moment.isoformat(timespec="seconds")

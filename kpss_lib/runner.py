"""Batch runs of parameterised notebooks (``kpss run``).

A *run* executes one notebook once, or fans it out over many regions (every ORP of a
kraj, every kraj, an explicit list of values), each *job* in its own worker process
running papermill with the project's own interpreter as kernel. Everything a run
writes lands in ``<output root>/<run name>/``::

    index.html          every job with its status, duration and links (Czech)
    manifest.json       parameters, input-data hashes, package version, git commit, times
    <job>.ipynb         the executed notebook (kept with the error when the job failed)
    <job>.html          report without code cells (successful jobs only)
    <job>/              the job's ``output_dir``: map.html and whatever the notebook saves
    _logs/<job>.log     the kernel's own stderr, when it said anything

Outputs are replaced atomically: the run is built in ``.<run name>.tmp-XXXX`` beside
the final folder and swapped in at the end, so a crash of the runner leaves the
previous outputs intact. Failed jobs do not stop the others; they are recorded.

Conventions for notebooks
-------------------------
* one cell tagged ``parameters``; the runner rejects parameters the cell does not define;
* a parameter ``output_dir`` (if the notebook declares it) receives the job's own folder,
  relative to the kernel's working directory (the run folder); write files there;
* optional cell tags ``phase-imports``, ``phase-load``, ``phase-compute``, ``phase-write``
  let the benchmark split a job's time; ``remove-cell`` / ``remove-output`` shape the report.

Exit codes of ``kpss run`` (also :attr:`RunResult.exit_code`): see :data:`EXIT_CODES`.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kpss_lib import config
from kpss_lib.errors import ConfigError, UnknownValueError
from kpss_lib.fileio import slugify, write_text_atomic
from kpss_lib.report import STATUS_LABELS, export_report, write_index

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
#: Prefix that makes a unit name unambiguous for ``find_region`` ("ORP Zlín" vs "okres Zlín").
_LEVEL_PREFIX = {"kraj": "", "okres": "okres ", "orp": "ORP ", "obec": "obec "}
#: File stems in a run folder that a job may not take.
_RESERVED_JOB_NAMES = frozenset({"index", "manifest"})
#: Folder of kernel logs inside a run; "_" never occurs in a slug, so no job can clash.
_LOG_FOLDER = "_logs"
#: Seconds a timed-out worker gets to save its notebook after SIGTERM before SIGKILL.
_TERMINATE_GRACE_S = 10.0
_RUN_FILE_KEYS = ("notebook", "name", "description", "parameters", "fan_out", "job_name",
                  "timeout", "workers", "kernel")
_FAN_OUT_KEYS = ("level", "within", "parameter", "values", "inject")


# --------------------------------------------------------------------------- names

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


def _ensure_inside(path: Path, root: Path) -> Path:
    """Resolve ``path`` (following symlinks) and refuse it unless it lies under ``root``."""
    resolved = Path(path).resolve()
    root = Path(root).resolve()
    if resolved != root and root not in resolved.parents:
        raise ConfigError(f"refusing to write {str(path)!r}: it resolves to {str(resolved)!r}, "
                          f"outside the output folder {str(root)!r}")
    return resolved


# --------------------------------------------------------------------------- data classes

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
    ``export_s``, ``phases`` by cell tag).
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


# --------------------------------------------------------------------------- parameters

@dataclass(frozen=True)
class NotebookParameter:
    """A parameter declared in a notebook's ``parameters`` cell."""

    name: str
    type_name: str
    default: str
    help: str


def notebook_parameters(notebook: str | os.PathLike) -> dict[str, NotebookParameter] | None:
    """The parameters a notebook declares, or None when it has no ``parameters`` cell.

    The type is the annotation when there is one, else the type of the literal default
    (``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"list"``, ``"dict"``, ``"NoneType"``),
    else ``"None"`` (unknown).
    """
    import ast

    import nbformat
    from papermill.translators import PythonTranslator

    path = Path(notebook)
    try:
        node = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise ConfigError(f"notebook {str(path)!r} does not exist") from None
    except Exception as exc:  # nbformat raises several unrelated types for broken files
        raise ConfigError(f"notebook {str(path)!r} cannot be read: {exc}") from None
    cells = [c for c in node.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return None
    out = {}
    for param in PythonTranslator.inspect(cells[0]):
        type_name = param.inferred_type_name
        if type_name in ("None", None):
            try:
                type_name = type(ast.literal_eval(param.default)).__name__
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                type_name = "None"
        out[param.name] = NotebookParameter(param.name, type_name, param.default, param.help)
    return out


def check_parameters(notebook: str | os.PathLike, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Refuse parameters the runner owns or the notebook does not declare.

    Raises
    ------
    ConfigError
        for ``output_dir`` (set by the runner), for names missing from the notebook's
        ``parameters`` cell (close matches are suggested), and for parameters given to a
        notebook without such a cell.
    """
    import difflib

    reserved = sorted(RESERVED_PARAMETERS & set(parameters))
    if reserved:
        raise ConfigError(f"parameter {reserved[0]!r} is set by the runner (each job gets its own folder "
                          "inside the run folder); remove it, and choose the folder with --output-dir / "
                          "KPSS_OUTPUT_DIR and the run name")
    declared = notebook_parameters(notebook)
    if declared is None:
        if parameters:
            raise ConfigError(f"notebook {str(notebook)!r} has no cell tagged 'parameters', so it takes no "
                              f"parameters; got {', '.join(parameters)}")
        return dict(parameters)
    for name in parameters:
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ConfigError(f"notebook {Path(notebook).name!r} has no parameter {name!r}{hint}; "
                              f"its parameters are: {', '.join(declared) or 'none'}")
    return dict(parameters)


_TRUE = {"true", "1", "ano", "yes", "y"}
_FALSE = {"false", "0", "ne", "no", "n"}


def coerce_cli_value(name: str, text: str, declared: NotebookParameter | None) -> Any:
    """Turn a ``-p NAME VALUE`` string into the type the notebook's default has.

    ``str`` parameters keep the text as it is (so codes keep leading zeros: ``0724``);
    ``int``/``float`` parse numbers (a decimal comma is accepted); ``bool`` accepts
    true/false/ano/ne/1/0; ``list``/``dict`` and untyped parameters parse YAML
    (``"[13, 14]"``), a single scalar for a list parameter becoming a one-item list.

    Raises
    ------
    ConfigError
        when the text does not fit the parameter's type.
    """
    import yaml

    type_name = declared.type_name if declared else "None"
    where = f"parameter {name!r} ({type_name})"
    if type_name == "str":
        return text
    if type_name == "int":
        try:
            return int(text.strip())
        except ValueError:
            raise ConfigError(f"{where}: expected a whole number, got {text!r}") from None
    if type_name == "float":
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {text!r}") from None
    if type_name == "bool":
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{where}: expected true/false (ano/ne), got {text!r}")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    if type_name in ("list", "tuple"):
        if isinstance(value, dict):
            raise ConfigError(f"{where}: expected a list such as '[a, b]', got {text!r}")
        return list(value) if isinstance(value, list) else [value if value is not None else text]
    if type_name == "dict" and not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping such as '{{a: 1}}', got {text!r}")
    if isinstance(value, str) or value is None and text.strip().lower() not in ("null", "~", "none", ""):
        return text
    if isinstance(value, int) and not isinstance(value, bool) and re.match(r"^\s*[+-]?0\d", text):
        return text  # YAML reads "0724" as octal; a code with a leading zero stays text
    return value


# --------------------------------------------------------------------------- run files

def _read_yaml(path: Path, what: str) -> Any:
    import yaml

    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.safe_load(stream)
    except FileNotFoundError:
        raise ConfigError(f"{what} {str(path)!r} does not exist") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{what} {str(path)!r} is not valid YAML{where}: "
                          f"{getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {str(path)!r} is not UTF-8 text: {exc}") from None


def read_params_file(path: str | os.PathLike) -> dict[str, Any]:
    """Parameters from a YAML file holding one mapping ``name: value``."""
    path = Path(path)
    data = _read_yaml(path, "parameters file")
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ConfigError(f"parameters file {str(path)!r}: expected a mapping of parameter names to values, "
                          f"got {type(data).__name__}")
    if "notebook" in data and "parameters" in data:
        raise ConfigError(f"{str(path)!r} looks like a run file; run it as `kpss run {path}`")
    return data


def parse_fan_out(data: Any, where: str) -> FanOut:
    """A :class:`FanOut` from a run file's ``fan_out`` mapping."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: fan_out must be a mapping such as "
                          "{level: orp, within: 'Zlínský kraj', parameter: region}, got {data!r}")
    unknown = sorted(set(data) - set(_FAN_OUT_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown fan_out key {unknown[0]!r}; expected: {', '.join(_FAN_OUT_KEYS)}")
    values = data.get("values")
    if values is not None and not isinstance(values, list):
        raise ConfigError(f"{where}: fan_out.values must be a list, got {values!r}")
    fan = FanOut(parameter=data.get("parameter", "region"), level=data.get("level"),
                 within=data.get("within"), values=tuple(values) if values is not None else None,
                 inject=data.get("inject", "code"))
    _check_fan_out(fan, where)
    return fan


def _check_fan_out(fan: FanOut, where: str) -> None:
    if not isinstance(fan.parameter, str) or not fan.parameter.isidentifier():
        raise ConfigError(f"{where}: fan-out parameter must be a notebook parameter name, got {fan.parameter!r}")
    if (fan.level is None) == (fan.values is None):
        raise ConfigError(f"{where}: a fan-out needs either a level ({', '.join(FAN_OUT_LEVELS)}) "
                          "or a list of values, not both or neither")
    if fan.level is not None and fan.level not in FAN_OUT_LEVELS:
        raise UnknownValueError(f"{where}: unknown fan-out level {fan.level!r}; "
                                f"expected one of {', '.join(FAN_OUT_LEVELS)}")
    if fan.values is not None and fan.within is not None:
        raise ConfigError(f"{where}: 'within' only applies to a level fan-out, not to explicit values")
    if fan.inject not in ("code", "name"):
        raise UnknownValueError(f"{where}: fan-out inject must be 'code' or 'name', got {fan.inject!r}")


def _resolve_notebook(name: Any, run_file: Path) -> Path:
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"run file {str(run_file)!r}: 'notebook' must name an .ipynb file, got {name!r}")
    candidate = Path(name).expanduser()
    if candidate.is_absolute():
        tried = [candidate]
    else:
        # Run files live in notebooks/params/ and name the notebooks beside them by file name.
        tried = [run_file.parent / candidate, run_file.parent.parent / candidate]
    for path in tried:
        if path.is_file():
            return path.resolve()
    raise ConfigError(f"run file {str(run_file)!r}: notebook {name!r} not found; tried "
                      + ", ".join(repr(str(p)) for p in tried))


def load_run_file(path: str | os.PathLike) -> RunSpec:
    """Read a YAML run file.

    Keys: ``notebook`` (required; relative to the run file's folder or the folder above
    it), ``name`` (run name template, default the file stem), ``description``,
    ``parameters`` (mapping), ``fan_out`` (``level``/``within``/``parameter``/``inject`` or
    ``values``/``parameter``), ``job_name`` (template), ``timeout`` (s), ``workers``, ``kernel``.

    Raises
    ------
    ConfigError
        for a missing file, invalid YAML, unknown keys or wrongly typed values.
    """
    path = Path(path)
    data = _read_yaml(path, "run file")
    where = f"run file {str(path)!r}"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with at least 'notebook', got {type(data).__name__}")
    unknown = sorted(set(data) - set(_RUN_FILE_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; expected: {', '.join(_RUN_FILE_KEYS)}")
    if "notebook" not in data:
        raise ConfigError(f"{where}: missing 'notebook' (the .ipynb to run)")
    parameters = data.get("parameters") or {}
    if not isinstance(parameters, dict) or not all(isinstance(k, str) for k in parameters):
        raise ConfigError(f"{where}: 'parameters' must be a mapping of names to values, got {parameters!r}")
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise ConfigError(f"{where}: 'timeout' must be a positive number of seconds, got {timeout!r}")
    workers = data.get("workers")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"{where}: 'workers' must be a whole number >= 1, got {workers!r}")
    for key in ("name", "job_name", "kernel", "description"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ConfigError(f"{where}: {key!r} must be text, got {data[key]!r}")
    return RunSpec(
        notebook=_resolve_notebook(data["notebook"], path),
        name=data.get("name") or path.stem,
        parameters=dict(parameters),
        fan_out=parse_fan_out(data["fan_out"], where) if data.get("fan_out") is not None else None,
        job_name=data.get("job_name"),
        timeout=float(timeout) if timeout is not None else None,
        workers=workers,
        kernel=data.get("kernel"),
        source=path.resolve(),
        description=data.get("description"),
    )


# --------------------------------------------------------------------------- fan-out

def expand_fan_out(fan_out: FanOut) -> list[FanOutItem]:
    """The values a fan-out runs over, sorted by name for unit levels.

    Region expansion uses :func:`kpss_lib.load.territory.units_of` (e.g. the 13 ORP of
    Zlínský kraj: ``FanOut(level="orp", within="Zlínský kraj")``).

    Raises
    ------
    RegionNotFoundError
        when ``within`` names no region (or several).
    ConfigError
        when the expansion is empty.
    """
    _check_fan_out(fan_out, "fan-out")
    if fan_out.values is not None:
        items = [FanOutItem(value, _format_label(value)) for value in fan_out.values]
    else:
        from kpss_lib.load.territory import find_region, units_of

        region = find_region(fan_out.within if fan_out.within is not None else "CZ")
        units = units_of(region, fan_out.level)
        code_col, name_col = f"{fan_out.level}_code", f"{fan_out.level}_name"
        pairs = sorted(zip(units[code_col].astype(str), units[name_col].astype(str)),
                       key=lambda pair: (slugify(pair[1]), pair[0]))
        prefix = _LEVEL_PREFIX[fan_out.level]
        items = [FanOutItem(code if fan_out.inject == "code" else f"{prefix}{name}", name, code)
                 for code, name in pairs]
    if not items:
        scope = f" within {fan_out.within!r}" if fan_out.within else ""
        raise ConfigError(f"fan-out over {fan_out.level or 'values'}{scope} gives no jobs")
    return items


def _format_label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _absolute_file_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters naming existing files (alone or in a list), made absolute.

    Kernels run in their job's folder, so a path relative to where ``kpss run`` was
    started (``-p services_file vlastni.xlsx``) would otherwise point nowhere.
    """
    def absolute(value: Any) -> Any:
        if isinstance(value, str) and value and not os.path.isabs(value) and Path(value).is_file():
            return str(Path(value).resolve())
        if isinstance(value, list):
            return [absolute(item) for item in value]
        return value

    return {name: absolute(value) for name, value in parameters.items()}


def parameter_files(jobs: Sequence[Job]) -> list[dict[str, str]]:
    """Files that jobs' parameters name (e.g. an analyst's services list), with their SHA-256."""
    found: dict[str, str] = {}

    def visit(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, str) and os.path.isabs(value) and Path(value).is_file() and value not in found:
            found[value] = hashlib.sha256(Path(value).read_bytes()).hexdigest()

    for job in jobs:
        for value in job.parameters.values():
            visit(value)
    return [{"path": path, "sha256": digest} for path, digest in found.items()]


def plan_run(spec: RunSpec) -> tuple[str, list[Job]]:
    """The run name and the jobs of a run spec, fully validated; nothing is executed.

    Raises
    ------
    ConfigError, RegionNotFoundError, UnknownValueError
        for anything that would make the run fail before any notebook runs.
    """
    notebook = Path(spec.notebook)
    if not notebook.is_file():
        raise ConfigError(f"notebook {str(notebook)!r} does not exist")
    base = _absolute_file_parameters(check_parameters(notebook, spec.parameters))
    default_name = slugify(notebook.stem) or "run"
    if spec.fan_out is None:
        run_name = render_name(spec.name or default_name, base, "run name")
        job_name = render_name(spec.job_name or notebook.stem, base, "job name")
        return run_name, [Job(job_name, notebook.resolve(), base, None)]

    fan = spec.fan_out
    check_parameters(notebook, {**base, fan.parameter: None})
    if spec.name:
        run_name = render_name(spec.name, base, "run name")
    else:
        scope = "-".join(slugify(x) for x in (fan.within or "", fan.level or "") if x)
        run_name = safe_name(f"{default_name}-{scope}" if scope else default_name, "run name")
    items = expand_fan_out(fan)
    rendered = []
    for item in items:
        parameters = {**base, fan.parameter: item.value}
        context = {**parameters, "label": item.label, "code": item.code or item.label}
        rendered.append((render_name(spec.job_name or "{label}", context, "job name"), item, parameters))
    counts: dict[str, int] = {}
    for name, _, _ in rendered:
        counts[name] = counts.get(name, 0) + 1
    jobs = []
    for name, item, parameters in rendered:
        if counts[name] > 1:
            if item.code is None:
                raise ConfigError(f"job name {name!r} occurs {counts[name]} times in the fan-out; "
                                  "give a job_name template that tells the values apart")
            name = safe_name(f"{name}-{item.code}", "job name")
        jobs.append(Job(name, notebook.resolve(), parameters, item.label))
    return run_name, jobs


# --------------------------------------------------------------------------- kernel

def kpss_kernel_spec():
    """The ``kpss`` kernelspec: ipykernel on the interpreter running kpss (``sys.executable``)."""
    import ipykernel
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec

    spec = get_kernel_dict()
    return KernelSpec(
        argv=spec["argv"],
        display_name=f"kpss (Python {sys.version_info.major}.{sys.version_info.minor})",
        language="python",
        metadata=spec.get("metadata", {}),
        resource_dir=str(Path(ipykernel.__file__).resolve().parent / "resources"),
    )


def check_kernel(name: str) -> None:
    """Refuse a kernel name that is neither ``kpss`` nor installed in Jupyter's kernel folders."""
    if name == KERNEL_NAME:
        return
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel:
        known = sorted(set(manager.find_kernel_specs()) | {KERNEL_NAME})
        raise ConfigError(f"no Jupyter kernel named {name!r}; installed: {', '.join(known)} "
                          f"(the default {KERNEL_NAME!r} is this Python, {sys.executable})") from None


#: Kernel managers started in this process, so a terminated worker can kill its kernels.
_LIVE_KERNELS: list[Any] = []


def _kernel_manager_class(extra_env: Mapping[str, str]):
    """A kernel manager that knows the ``kpss`` kernel and adds ``extra_env`` to the kernel's environment.

    The ``kpss`` spec is served from memory, so it works whatever ``JUPYTER_PATH`` or
    the user's kernel folders hold (no NoSuchKernel).
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class KpssKernelSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            if kernel_name == KERNEL_NAME:
                return kpss_kernel_spec()
            return super().get_kernel_spec(kernel_name)

    class KpssKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kpss_kernel_spec_manager(self):
            return KpssKernelSpecManager(data_dir=self.data_dir)

        async def start_kernel(self, **kw):
            env = dict(kw.pop("env", None) or os.environ)
            env.update(extra_env)
            if self.provisioner is None and self.kernel_name == KERNEL_NAME and _ZYGOTE is not None \
                    and _ZYGOTE.available:
                import uuid

                self.kernel_id = self.kernel_id or str(uuid.uuid4())
                self.provisioner = _warm_provisioner_class()(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            _LIVE_KERNELS.append(self)
            return await super().start_kernel(env=env, **kw)

    return KpssKernelManager


# --------------------------------------------------------------------------- warm kernels

#: What a warm kernel has imported before it starts: the forkserver of a run imports these
#: once, each worker forks a kernel "zygote" from it, and the job's kernel is that zygote
#: turned into an ipykernel. matplotlib must not be among them: ipykernel picks the inline
#: backend at start, which only works if matplotlib is imported afterwards.
WARM_KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "kpss_lib", "folium",
                       "geopandas", "pandas", "numpy", "jupyter_client",
                       "kpss_lib.warmup")  # last: reads the common inputs once (see its docstring)

#: Forking a warm interpreter is routine on Linux; macOS (Objective-C runtime, Accelerate)
#: and Windows (no fork) start kernels cold.
_WARM_KERNELS_SUPPORTED = sys.platform.startswith("linux")
#: The zygote of this worker process (one per job), or None when kernels start cold.
_ZYGOTE: "_KernelZygote | None" = None


class _ForkedProcess:
    """The parts of ``subprocess.Popen`` jupyter_client uses, for a kernel forked by this process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _KernelZygote:
    """A child forked from a worker before it starts anything, waiting to become the job's kernel.

    It already holds :data:`WARM_KERNEL_MODULES` (inherited from the forkserver), so the
    kernel skips most of its start-up and the notebook most of its imports. It is its
    own session leader (interrupts and kills reach its whole group, never the worker).
    """

    def __init__(self, close_fds: Sequence[int] = ()) -> None:
        read_end, self._write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the zygote
            code = 1
            try:
                for fd in (self._write_end, *close_fds):
                    os.close(fd)
                os.setsid()
                code = _zygote_main(read_end)
            finally:
                os._exit(code)
        os.close(read_end)
        self.available = True

    def launch(self, cmd: Sequence[str], env: Mapping[str, str], cwd: str | None) -> _ForkedProcess:
        self.available = False
        payload = json.dumps({"cmd": list(cmd), "env": dict(env), "cwd": cwd}).encode()
        with os.fdopen(self._write_end, "wb") as stream:
            stream.write(payload)
        return _ForkedProcess(self.pid)

    def discard(self) -> None:
        """Let an unused zygote exit (it reads end-of-file)."""
        if self.available:
            self.available = False
            os.close(self._write_end)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)


def _zygote_main(read_end: int) -> int:  # pragma: no cover - runs in the zygote
    with os.fdopen(read_end, "rb") as stream:
        payload = stream.read()
    if not payload:
        return 0
    request = json.loads(payload)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(request["env"])
    if request["cwd"]:
        os.chdir(request["cwd"])
    cmd = request["cmd"]
    # The spec's argv is `python [-X...] -m ipykernel_launcher -f <file>`: run what follows.
    argv = cmd[cmd.index("ipykernel_launcher") + 1:]
    sys.argv = [cmd[0], *argv]
    if "numpy" in sys.modules:
        # Unlike `random`, numpy's global generator is not reseeded on fork: every kernel
        # would draw the same "random" numbers as its siblings.
        sys.modules["numpy"].random.seed()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    # Its default was read from the environment when the forkserver imported ipykernel;
    # without it the kernel would not exit when its worker dies.
    app.parent_handle = int(os.environ.get("JPY_PARENT_PID") or 0)
    app.initialize(argv)
    app.start()
    return 0


@functools.cache
def _warm_provisioner_class():
    from jupyter_client.provisioning import LocalProvisioner

    class WarmProvisioner(LocalProvisioner):
        """Starts the kernel by handing the launch to this worker's zygote instead of exec-ing Python."""

        async def launch_kernel(self, cmd, **kwargs):
            env = dict(kwargs.get("env") or os.environ)
            env["JPY_PARENT_PID"] = str(os.getpid())  # the kernel exits when this worker does
            cwd = kwargs.get("cwd")
            self.process = _ZYGOTE.launch(cmd, env, str(cwd) if cwd else None)
            self.pid = self.process.pid
            self.pgid = self.process.pid  # setsid() in the zygote
            self.cwd = cwd or Path.cwd()
            return self.connection_info

    return WarmProvisioner


def _kill_kernels() -> None:
    """Kill the kernels this process started (each is a session leader, so its group goes too)."""
    while _LIVE_KERNELS:
        manager = _LIVE_KERNELS.pop()
        pid = getattr(getattr(manager, "provisioner", None), "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                if hasattr(os, "killpg"):
                    os.killpg(pid, signal.SIGKILL)
                else:  # pragma: no cover - Windows
                    os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(Exception):
            manager.cleanup_connection_file()


def kernel_environment(kernel: str = KERNEL_NAME, output_root: str | os.PathLike | None = None) -> dict[str, str]:
    """Environment settings a run's kernels get on top of the inherited environment.

    The kpss paths are made absolute (kernels run in the run folder, so relative
    ``KPSS_DATA_DIR=../shared/data`` would break), and the cache stays where the runner's
    cache is. For the ``kpss`` kernel the package's source folder goes on ``PYTHONPATH``
    so a checkout that is not pip-installed still imports ``kpss_lib``.
    """
    env = {
        "KPSS_OUTPUT_DIR": str(Path(output_root).resolve() if output_root else config.output_dir().resolve()),
        "KPSS_CACHE_DIR": str(config.cache_dir().resolve()),
    }
    data = os.environ.get("KPSS_DATA_DIR")
    if data:
        env["KPSS_DATA_DIR"] = str(Path(data).expanduser().resolve())
    if kernel == KERNEL_NAME:
        source_root = str(Path(__file__).resolve().parent.parent)
        existing = os.environ.get("PYTHONPATH", "")
        if source_root not in existing.split(os.pathsep):
            env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, existing) if p)
    return env


# --------------------------------------------------------------------------- one notebook

def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).astimezone()


def _iso(moment: _dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _papermill_path(path: Path) -> str:
    # papermill formats paths with the parameters (str.format); braces must survive.
    return str(path).replace("{", "{{").replace("}", "}}")


def _relative(path: Path, root: Path) -> str:
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
    name = safe_name(name or notebook.stem, "job name")
    if name in _RESERVED_JOB_NAMES:
        raise ConfigError(f"job name {name!r} is reserved for the run's own files; choose another")
    parameters = check_parameters(notebook, dict(parameters or {}))
    declared = notebook_parameters(notebook) or {}
    root = Path(output_dir)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    nb_path = _ensure_inside(root / f"{name}.ipynb", root)
    html_path = _ensure_inside(root / f"{name}.html", root)
    job_dir = _ensure_inside(root / name, root)
    job_dir.mkdir(exist_ok=True)
    injected = dict(parameters)
    if "output_dir" in declared:
        injected["output_dir"] = name  # relative to the kernel's cwd (root): stays valid when the run folder moves
    env = dict(kernel_env) if kernel_env is not None else kernel_environment(kernel)

    started = _now()
    t0 = time.perf_counter()
    status, error, export_s = STATUS_OK, None, None
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
            kernel_manager_class=_kernel_manager_class(env),
            # The notebook has finished: a graceful kernel shutdown only costs ~0.3 s per job.
            shutdown_kernel="immediate",
        )
    except PapermillExecutionError as exc:
        status, error = STATUS_FAILED, f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died or never started, bad parameter value for the translator, ...
        status, error = STATUS_FAILED, f"{type(exc).__name__}: {exc}"
        mark_failure(nb_path, notebook, kind=STATUS_FAILED, message=error,
                     traceback_lines=traceback.format_exception(exc))
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
    files = sorted(_relative(p, root) for p in job_dir.rglob("*") if p.is_file())
    if not any(job_dir.iterdir()):
        job_dir.rmdir()
    timings = {"papermill_s": round(papermill_s, 3), "export_s": round(export_s, 3) if export_s is not None else None}
    timings.update(notebook_timings(nb_path))
    finished = _now()
    return JobResult(
        name=name, notebook=str(notebook), parameters=parameters, status=status,
        started_at=_iso(started), finished_at=_iso(finished),
        duration_s=round(time.perf_counter() - t0, 3),
        executed_notebook=nb_path.name if nb_path.is_file() else None,
        report=report_rel, files=files, error=error, label=label, timings=timings,
    )


def notebook_timings(executed: str | os.PathLike) -> dict[str, Any]:
    """Time split of an executed notebook from papermill's metadata, in seconds.

    ``kernel_start_s`` runs from papermill's start to the first cell's start; ``phases``
    sums cell durations by their ``phase-*`` tag (``parameters`` for the parameter
    cells, ``other`` for untagged cells).
    """
    import nbformat

    try:
        node = nbformat.read(Path(executed), as_version=4)
    except Exception:  # a notebook cut off by a kill has no timings to give
        return {}
    meta = node.metadata.get("papermill", {})
    parse = _dt.datetime.fromisoformat
    out: dict[str, Any] = {"notebook_s": meta.get("duration")}
    starts = [c.metadata.get("papermill", {}).get("start_time") for c in node.cells]
    first = next((s for s in starts if s), None)
    if meta.get("start_time") and first:
        out["kernel_start_s"] = round((parse(first) - parse(meta["start_time"])).total_seconds(), 3)
    phases: dict[str, float] = {}
    for cell in node.cells:
        duration = cell.metadata.get("papermill", {}).get("duration")
        if duration is None:
            continue
        tags = cell.metadata.get("tags", [])
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
        f'<span style="color:red; font-size:1.5em;">{title}{where}: {_html_escape(message)}</span>')
    marker.metadata["tags"] = [ERROR_MARKER_TAG]
    node.cells.insert(0, marker)
    write_text_atomic(nbformat.writes(node), executed)


def _html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


# --------------------------------------------------------------------------- workers

class _JobTerminated(BaseException):
    """Raised in a worker on SIGTERM (its job timed out or the run is stopping)."""


def _on_sigterm(signum, frame):  # pragma: no cover - runs in worker processes
    raise _JobTerminated()


def _worker_main(spec: dict[str, Any], conn) -> None:  # pragma: no cover - runs in worker processes
    """Entry point of a worker process: one job, result sent back over ``conn``."""
    started = time.time()
    # The forkserver may have been started under another environment or cwd.
    os.environ.clear()
    os.environ.update(spec["env"])
    os.chdir(spec["run_dir"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    signal.signal(signal.SIGTERM, _on_sigterm)
    payload: dict[str, Any]
    global _ZYGOTE
    try:
        log = open(spec["log_path"], "ab", buffering=0)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)  # kernels inherit these: their stderr lands in the job's log
        if spec["warm_kernel"] and spec["kernel"] == KERNEL_NAME:
            # Forked before this process starts any thread, socket or event loop.
            _ZYGOTE = _KernelZygote(close_fds=(conn.fileno(),))
        _watch_runner(spec["parent_pid"])
        result = run_notebook(
            spec["notebook"], spec["parameters"], spec["run_dir"], name=spec["name"], label=spec["label"],
            kernel=spec["kernel"], start_timeout=spec["start_timeout"], kernel_env=spec["kernel_env"],
        )
        payload = {"result": result.to_dict(), "worker_started": started}
    except _JobTerminated:
        _kill_kernels()
        payload = {"terminated": True, "worker_started": started}
    except BaseException as exc:
        _kill_kernels()
        payload = {"crash": "".join(traceback.format_exception(exc)), "worker_started": started}
    with contextlib.suppress(Exception, _JobTerminated):
        if _ZYGOTE is not None:
            _ZYGOTE.discard()
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


def _mp_context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        # Workers fork from a server that has papermill and nbconvert imported: cheap per job.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kpss_lib.runner", "papermill", "nbconvert", "nbclient",
                                        *WARM_KERNEL_MODULES])
        return context
    return multiprocessing.get_context("spawn")


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


def _execute_jobs(jobs: Sequence[Job], run_dir: Path, *, workers: int, timeout: float | None,
                  progress: bool | None, kernel: str, kernel_env: Mapping[str, str],
                  start_timeout: float, title: str, warm_kernel: bool) -> list[JobResult]:
    from multiprocessing.connection import wait

    from tqdm import tqdm

    context = _mp_context()
    log_dir = run_dir / _LOG_FOLDER
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
                t0 = time.perf_counter()
                process.start()
                sender.close()
                running[index] = _Running(job, process, receiver, _now(), t0,
                                          t0 + timeout if timeout else None)
            now = time.perf_counter()
            wakeups = [r.deadline for r in running.values() if r.deadline and not r.terminated_at]
            wakeups += [r.terminated_at + _TERMINATE_GRACE_S for r in running.values() if r.terminated_at]
            wait_s = min([max(0.05, w - now) for w in wakeups] + [1.0])
            waitables = [r.conn for r in running.values() if r.conn_open]
            waitables += [r.process.sentinel for r in running.values()]
            wait(waitables, timeout=wait_s)
            now = time.perf_counter()
            for index, item in list(running.items()):
                if item.conn_open and item.conn.poll():
                    try:
                        item.payload = item.conn.recv()
                    except (EOFError, OSError):
                        pass
                    item.conn.close()
                    item.conn_open = False
                    item.received_at = now
                if not item.process.is_alive():
                    item.process.join()
                    results[index] = _finish_job(item, run_dir, timeout)
                    counts[results[index].status] += 1
                    del running[index]
                    bar.set_postfix_str(", ".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items() if n))
                    bar.update(1)
                elif item.terminated_at is None and item.deadline and now >= item.deadline and \
                        not (item.payload and "result" in item.payload):
                    item.timed_out = True
                    item.terminated_at = now
                    item.stopped_at = _now()
                    item.process.terminate()
                elif item.terminated_at is not None and now - item.terminated_at >= _TERMINATE_GRACE_S:
                    item.process.kill()
                elif item.received_at is not None and now - item.received_at >= _TERMINATE_GRACE_S:
                    item.process.kill()  # reported, but stuck on its way out
    except BaseException:
        _stop_workers(running.values())
        raise
    finally:
        bar.close()
    if not any(log_dir.iterdir()):
        log_dir.rmdir()
    return [r for r in results if r is not None]


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
    finished = _now()
    duration = round(time.perf_counter() - item.t0, 3)
    worker_start_s = None
    if payload.get("worker_started"):
        worker_start_s = round(payload["worker_started"] - item.started_at.timestamp(), 3)
    log_path = run_dir / _LOG_FOLDER / f"{job.name}.log"
    if log_path.is_file():
        _drop_log_noise(log_path)
    log_rel = f"{_LOG_FOLDER}/{job.name}.log" if log_path.is_file() else None
    if "result" in payload and not item.timed_out:
        result = JobResult(**payload["result"])
        result.started_at, result.finished_at, result.duration_s = _iso(item.started_at), _iso(finished), duration
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
    files = sorted(_relative(p, run_dir) for p in job_dir.rglob("*") if p.is_file()) if job_dir.is_dir() else []
    if job_dir.is_dir() and not any(job_dir.iterdir()):
        job_dir.rmdir()
    timings = {"worker_start_s": worker_start_s}
    timings.update(notebook_timings(nb_path))
    return JobResult(
        name=job.name, notebook=str(job.notebook), parameters=job.parameters, status=status,
        started_at=_iso(item.started_at), finished_at=_iso(finished), duration_s=duration,
        executed_notebook=nb_path.name, report=None, files=files, log=log_rel, error=error,
        label=job.label, timings=timings,
    )


# --------------------------------------------------------------------------- provenance

def _sha256(path: Path) -> str:
    # The loaders' memoised hash: a run that already loaded the data does not hash it twice.
    from kpss_lib.load.cache import file_sha256

    return file_sha256(path)


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
                              "sha256": _sha256(path)})
            else:
                files.append({"name": name, "source": "KPSS_DATA_DIR", "bytes": None, "sha256": None,
                              "missing": True})
    project = Path(config.PROJECT_DATA_DIR)
    if project.is_dir():
        for path in sorted(p for p in project.rglob("*") if p.is_file() and not p.name.startswith(".")):
            files.append({"name": f"data/{path.relative_to(project).as_posix()}", "source": "project",
                          "bytes": path.stat().st_size, "sha256": _sha256(path)})
    return out


def git_state() -> dict[str, Any]:
    """The commit (and whether the tree has uncommitted changes) of the repository kpss runs from, if any."""
    repo = Path(__file__).resolve().parent.parent
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

def _lock(root: Path, run_name: str):
    """An exclusive lock on the run name, so two runs never build the same folder at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no locking
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def held():
        with open(root / f".{run_name}.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigError(f"run {run_name!r} is already running in {str(root)!r}; "
                                  "wait for it or choose another --name") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    return held()


def _recover(root: Path, run_name: str) -> None:
    """Clean up after a runner that died: restore an orphaned previous output, drop temp folders."""
    final = root / run_name
    old = sorted(root.glob(f".{run_name}.old-*"))
    if not final.exists() and not final.is_symlink() and old:
        os.replace(old[-1], final)  # the swap was cut between its two renames
        old = old[:-1]
    for stale in list(old) + sorted(root.glob(f".{run_name}.tmp-*")):
        _remove(stale)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def swap_into_place(new: Path, final: Path) -> None:
    """Put the finished folder ``new`` at ``final``, replacing what was there.

    Readers see either the old or the new folder: an atomic exchange where the kernel
    offers it, else two renames (a crash between them is repaired by the next run).
    A symlink at ``final`` is replaced itself; its target is never written to.
    """
    if not final.exists() and not final.is_symlink():
        os.replace(new, final)
        return
    if _exchange(new, final):
        _remove(new)  # now holds the previous output (or the replaced symlink)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
    old.rmdir()
    os.replace(final, old)
    os.replace(new, final)
    _remove(old)


# --------------------------------------------------------------------------- runs

def run_jobs(
    jobs: Sequence[Job],
    run_name: str,
    workers: int | None = None,
    timeout: float | None = None,
    progress: bool | None = True,
    *,
    output_root: str | os.PathLike | None = None,
    kernel: str = KERNEL_NAME,
    start_timeout: float = 60.0,
    warm_kernel: bool = True,
    run_info: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run jobs in parallel worker processes into ``<output_root>/<run_name>/``.

    Parameters
    ----------
    jobs : sequence of Job
        Each job's ``name`` must be unique; names and run name are checked with
        :func:`safe_name` (slugified; paths refused).
    run_name : str
        Name of the run folder.
    workers : int, optional
        Parallel worker processes; default ``os.cpu_count()`` (never more than jobs).
    timeout : float, optional
        Wall-clock limit per job in seconds (kernel start and export included); a job
        over it is stopped, its notebook kept with a timeout note. Default no limit.
    progress : bool or None, default True
        Progress bar on stderr; None shows it only on a terminal.
    output_root : path, optional
        Default ``config.output_dir()`` (``KPSS_OUTPUT_DIR``).
    kernel : str, default "kpss"
        Jupyter kernel for every job; ``"kpss"`` is this interpreter.
    start_timeout : float, default 60
        Seconds to wait for a kernel to start.
    warm_kernel : bool, default True
        Start each ``kpss`` kernel from a process that already imported
        :data:`WARM_KERNEL_MODULES` (forked; Linux only) instead of a fresh interpreter:
        about a second less per job. Each job still gets its own kernel process.
    run_info : mapping, optional
        Extra fields for the manifest (run file, fan-out, command line).

    Returns
    -------
    RunResult
        Also when jobs failed (see :attr:`RunResult.exit_code`).

    Raises
    ------
    ConfigError
        before anything runs, for bad names, unknown parameters, a missing kernel, or a
        run of the same name already in progress. Any exception raised while running
        leaves the previous outputs of the run untouched.
    """
    run_name = safe_name(run_name, "run name")
    jobs = list(jobs)
    if not jobs:
        raise ConfigError("a run needs at least one job")
    names: set[str] = set()
    checked: list[Job] = []
    notebooks_used: dict[Path, None] = {}
    for job in jobs:
        name = safe_name(job.name, "job name")
        if name in _RESERVED_JOB_NAMES:
            raise ConfigError(f"job name {name!r} is reserved for the run's own files; choose another")
        if name in names:
            raise ConfigError(f"job name {name!r} occurs twice in run {run_name!r}; job names must be unique")
        names.add(name)
        notebook = Path(job.notebook)
        if not notebook.is_file():
            raise ConfigError(f"notebook {str(notebook)!r} of job {name!r} does not exist")
        check_parameters(notebook, job.parameters)
        notebooks_used[notebook.resolve()] = None
        checked.append(Job(name, notebook.resolve(), dict(job.parameters), job.label))
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ConfigError(f"workers must be a whole number >= 1, got {workers!r}")
    if timeout is not None and timeout <= 0:
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
    check_kernel(kernel)
    workers = min(workers or os.cpu_count() or 1, len(checked))

    root = Path(output_root) if output_root is not None else config.output_dir()
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    final = root / run_name
    with _lock(root, run_name):
        _recover(root, run_name)
        started = _now()
        t0 = time.perf_counter()
        data = input_data_hashes()
        tmp = Path(tempfile.mkdtemp(prefix=f".{run_name}.tmp-", dir=root))
        tmp.chmod(0o755)  # mkdtemp makes it private; the run folder is meant to be shared
        try:
            results = _execute_jobs(
                checked, tmp, workers=workers, timeout=timeout, progress=progress, kernel=kernel,
                kernel_env=kernel_environment(kernel, root), start_timeout=start_timeout, title=run_name,
                warm_kernel=warm_kernel and _WARM_KERNELS_SUPPORTED)
            finished = _now()
            manifest = build_manifest(
                run_name=run_name, jobs=results, started=started, finished=finished,
                duration_s=time.perf_counter() - t0, workers=workers, timeout=timeout, kernel=kernel,
                warm_kernel=warm_kernel and kernel == KERNEL_NAME and _WARM_KERNELS_SUPPORTED,
                data=data, notebooks=sorted(notebooks_used), run_info=run_info)
            write_text_atomic(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", tmp / "manifest.json")
            write_index(manifest, tmp / "index.html")
            swap_into_place(tmp, final)
        except BaseException:
            _remove(tmp)
            raise
    return RunResult(run_name, final, manifest["status"], results, manifest["started_at"],
                     manifest["finished_at"], manifest)


def build_manifest(*, run_name: str, jobs: Sequence[JobResult], started: _dt.datetime, finished: _dt.datetime,
                   duration_s: float, workers: int, timeout: float | None, kernel: str, data: dict[str, Any],
                   notebooks: Sequence[Path], run_info: Mapping[str, Any] | None = None,
                   warm_kernel: bool = False) -> dict[str, Any]:
    """The run manifest: everything needed to reproduce and audit a run (JSON-serialisable)."""
    failed = sum(1 for job in jobs if job.status != STATUS_OK)
    status = "ok" if failed == 0 else ("failed" if failed == len(jobs) else "partial")
    kernel_info: dict[str, Any] = {"name": kernel, "warm": warm_kernel}
    if kernel == KERNEL_NAME:
        kernel_info["argv"] = kpss_kernel_spec().argv
    if warm_kernel:
        kernel_info["preloaded_modules"] = list(WARM_KERNEL_MODULES)
    manifest: dict[str, Any] = {
        "manifest_version": 1,
        "run_name": run_name,
        "status": status,
        "exit_code": EXIT_OK if failed == 0 else (EXIT_ALL_FAILED if failed == len(jobs) else EXIT_SOME_FAILED),
        "started_at": _iso(started),
        "finished_at": _iso(finished),
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


def run_spec(spec: RunSpec, *, workers: int | None = None, timeout: float | None = None,
             progress: bool | None = True, output_root: str | os.PathLike | None = None,
             command: Sequence[str] | None = None, warm_kernel: bool = True) -> RunResult:
    """Plan and run a :class:`RunSpec` (a run file or ``kpss run`` options).

    ``workers``/``timeout`` override the spec's own values.
    """
    run_name, jobs = plan_run(spec)
    fan = spec.fan_out
    info = {
        "run_file": str(spec.source) if spec.source else None,
        "description": spec.description,
        "fan_out": None if fan is None else {
            "parameter": fan.parameter, "level": fan.level, "within": fan.within,
            "values": list(fan.values) if fan.values is not None else None, "inject": fan.inject},
        "command": list(command) if command is not None else None,
        "parameter_files": parameter_files(jobs),
    }
    return run_jobs(jobs, run_name, workers=workers or spec.workers, timeout=timeout or spec.timeout,
                    progress=progress, output_root=output_root, kernel=spec.kernel or KERNEL_NAME,
                    warm_kernel=warm_kernel, run_info=info)


def format_summary(result: RunResult) -> str:
    """Czech summary of a run for the terminal: counts, where the index is, and each failure."""
    counts = result.manifest["counts"]
    lines = [
        f"Běh {result.run_name}: {counts['ok']} ok, {counts['failed']} chyba, "
        f"{counts['timeout']} časový limit (celkem {len(result.jobs)}, {result.manifest['duration_s']:.1f} s)",
        f"Přehled: {result.index}",
    ]
    if result.failed:
        lines.append("Neúspěšné úlohy:")
        for job in result.failed:
            lines.append(f"  - {job.name} [{STATUS_LABELS[job.status]}]: {job.error} "
                         f"(notebook: {result.output_dir / job.executed_notebook})")
    return "\n".join(lines)


__all__ = [
    "EXIT_CODES", "FAN_OUT_LEVELS", "KERNEL_NAME", "FanOut", "FanOutItem", "Job", "JobResult",
    "RunResult", "RunSpec", "check_parameters", "coerce_cli_value", "expand_fan_out", "format_summary",
    "input_data_hashes", "load_run_file", "notebook_parameters", "plan_run", "read_params_file",
    "render_name", "run_jobs", "run_notebook", "run_spec", "safe_name", "slugify", "swap_into_place",
]

"""Run files and fan-out: from a :class:`RunSpec` to the validated list of jobs of a run."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kpss_lib.errors import ConfigError, UnknownValueError
from kpss_lib.fileio import slugify
from kpss_lib.runner.parameters import check_parameters
from kpss_lib.runner.spec import FAN_OUT_LEVELS, FanOut, FanOutItem, Job, RunSpec, render_name, safe_name

#: Prefix that makes a unit name unambiguous for ``find_region`` ("ORP Zlín" vs "okres Zlín").
_LEVEL_PREFIX = {"kraj": "", "okres": "okres ", "orp": "ORP ", "obec": "obec "}
_RUN_FILE_KEYS = ("notebook", "name", "description", "parameters", "fan_out", "job_name",
                  "timeout", "workers", "kernel")
_FAN_OUT_KEYS = ("level", "within", "parameter", "values", "inject")

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



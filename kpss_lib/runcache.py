"""Run-level cache: what is the same for every job of a ``kpss run`` is computed once per run.

Every job of a run opens the same study except for its region: the same services
input, selection, population and settings, hence the same national indicator basis
(``Study.basis``: distances, 2SFCA, terrain reach over all of CZ), the same DataPAQ
table and the same reference figures (CZ, kraj) aggregated from it. The runner names
those common arguments (:func:`run_arguments`); its server process
(:mod:`kpss_lib.runner.server`: the runner itself, or a forkserver that reads them from
:data:`ENVIRONMENT`) opens that study once (:func:`prepare`, the national basis computed
by a helper process, :func:`start_helper`) and keeps it in a process-level memo. Every warm
kernel is forked from there, so it inherits the opened study copy-on-write, and
:func:`kpss_lib.study.open_study` asks :func:`lookup` before loading anything: a hit
is the memo's study for the job's region (:func:`kpss_lib.study.with_region`, which
keeps the basis), a miss — a notebook run on its own, other arguments, changed input
files — opens the study as usual. Either way the figures are the same.

The memo key is the call's arguments without ``region`` and ``what`` (the selection,
population, settings and services input normalised as ``open_study`` reads them) plus a
fingerprint (path, size, modification time) of the input files, so a kernel whose
``KPSS_DATA_DIR`` or files differ from the preload's misses.
"""
from __future__ import annotations

import ast
import contextlib
import inspect
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: Environment variable the runner sets for its forkserver: JSON list of ``open_study`` keyword sets.
ENVIRONMENT = "KPSS_RUN_CACHE"
#: Arguments of ``open_study`` the memo does not key on: the job's own region, and error wording.
_NOT_KEYED = ("region", "what")
#: Studies opened for this run, by :func:`_key`.
_MEMO: dict[tuple, Any] = {}
#: Reference tables every job of a run shows (``coverage_table`` arguments: region, level, total,
#: geometry): CZ by kraj, which gives the coverage report both its CZ and its kraj figures.
REFERENCE_TABLES = (("CZ", "kraj", True, False),)


def _input_fingerprint(services_file: Any) -> tuple:
    """(path, size, mtime) of the inputs a study reads: ``KPSS_DATA_DIR``, ``data/`` and services files."""
    from kpss_lib import config

    paths: list[Path] = []
    folder = Path(os.environ.get("KPSS_DATA_DIR", "")).expanduser()
    if os.environ.get("KPSS_DATA_DIR") and folder.is_dir():
        paths += sorted(p for p in folder.iterdir() if p.is_file())
    project = Path(config.PROJECT_DATA_DIR)
    if project.is_dir():
        paths += sorted(p for p in project.rglob("*") if p.is_file())
    files = services_file if isinstance(services_file, list) else [services_file]
    paths += [Path(p).expanduser() for p in files if p is not None]
    fingerprint = []
    for path in paths:
        resolved = path.resolve()
        stat = resolved.stat() if resolved.is_file() else None
        fingerprint.append((str(resolved), stat and stat.st_size, stat and stat.st_mtime_ns))
    return tuple(fingerprint)


def _key(arguments: Mapping[str, Any]) -> tuple | None:
    """The memo key of an ``open_study`` call (its ``locals()`` on entry); None when it cannot be keyed."""
    from kpss_lib.indicators.selection import Selection
    from kpss_lib.study import Settings, services_input

    try:
        args = dict(arguments)
        setting_values = args.pop("setting_values", None) or {}
        chosen = args["selection"] or Selection.from_text(args["services"] or "", args["categories"] or "",
                                                          args["forms"] or "", args["target_groups"] or "",
                                                          args["capacity_units"] or "")
        settings = (args["settings"] or Settings(**setting_values)).checked()
        services_file = services_input(args["services_file"])
        return (repr(chosen), args["population"] or chosen.default_population(), repr(settings),
                repr(services_file), args["level"], repr(args["regions"]), repr(args["within"]),
                _input_fingerprint(services_file))
    except Exception:  # a bad argument: open_study itself reports it properly
        return None


def lookup(arguments: Mapping[str, Any]) -> Any | None:
    """The memo's study for an ``open_study`` call (its ``locals()`` on entry), or None to open it as usual.

    Only a call with a region is served (the study is the memo's, moved to that region).
    """
    if not _MEMO or arguments.get("region") is None:
        return None
    key = _key(arguments)
    study = _MEMO.get(key) if key is not None else None
    if study is None:
        return None
    from kpss_lib.study import with_region

    return with_region(study, arguments["region"])


class PendingParts:
    """What a helper process (:func:`start_helper`) is computing; :meth:`collect` it."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self.pid, self._read_fd = pid, read_fd

    def collect(self) -> dict[int, Any]:
        """The parts by position of their keyword set; those the helper could not compute are missing.

        Waits for the helper; never raises (an empty dict: the caller computes them itself).
        """
        import pickle

        try:
            with os.fdopen(self._read_fd, "rb") as stream:
                parts = pickle.load(stream)
        except Exception:  # the helper died or sent nothing
            parts = {}
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        return parts if isinstance(parts, dict) else {}


#: What a study computes once for every region (:data:`kpss_lib.study._REGION_FREE`) that a helper computes.
_COMPUTED_PARTS = ("basis", "_method_notes", "_reference_tables")


def _computed_parts(study: Any) -> dict[str, Any]:
    """Compute the national basis, method notes and reference tables of a study (kept in it); returns them."""
    from kpss_lib.study import coverage_table

    study.basis, study.method_notes()  # noqa: B018 - computed and remembered in the study
    for region, level, total, geometry in REFERENCE_TABLES:
        with contextlib.suppress(Exception):  # a study without that reference: its jobs compute it
            coverage_table(study, region=region, level=level, total=total, geometry=geometry)  # memoised in it
    return {name: study.__dict__[name] for name in _COMPUTED_PARTS if name in study.__dict__}


def start_helper(keyword_sets: list[Mapping[str, Any]]) -> PendingParts | None:
    """Start computing, in a forked helper, what each keyword set's study computes for every region.

    That is the national basis, the method notes and the reference tables of
    ``open_study("CZ", **keywords)`` (:func:`_computed_parts`), by position of the set.

    A run's server (:func:`kpss_lib.runner.server.prepare_server`) calls this first, so
    they are computed on the second core while the server imports and loads the rest;
    call from a process without threads (it forks). None where fork is unavailable or
    there is nothing to compute.
    """
    if not keyword_sets or not hasattr(os, "fork"):
        return None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the helper
        code = 1
        try:
            import pickle

            from kpss_lib.study import open_study

            os.close(read_fd)
            parts = {}
            for index, keywords in enumerate(keyword_sets):
                with contextlib.suppress(Exception):  # that set's jobs compute it (and report its error)
                    parts[index] = _computed_parts(open_study("CZ", **keywords))
            with os.fdopen(write_fd, "wb") as stream:
                pickle.dump(parts, stream, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return PendingParts(pid, read_fd)


def prepare(keyword_sets: Iterable[Mapping[str, Any]], parts: Mapping[int, Any] | None = None) -> int:
    """Open a study for each keyword set (region CZ), compute its national basis and remember it.

    ``parts`` are what a helper computed for the keyword sets (:func:`start_helper`), by
    position; the rest is computed here. Returns the number of studies remembered. A
    keyword set that fails is skipped: its jobs open their study themselves (and report
    the error there).
    """
    from kpss_lib.study import open_study

    count = 0
    for index, keywords in enumerate(keyword_sets):
        try:
            key = _keyword_key(keywords)
            if key is None:
                continue
            study = open_study("CZ", **keywords)
            if parts and index in parts:
                study.__dict__.update(parts[index])  # the helper's: the same inputs, the same figures
            else:
                _computed_parts(study)
            study.obce, study.datapaq  # noqa: B018 - loaded once, shared by every kernel
        except Exception:
            continue
        _MEMO[key] = study
        count += 1
    return count


def _keyword_key(keywords: Mapping[str, Any]) -> tuple | None:
    """The memo key of ``open_study(region, **keywords)``."""
    from kpss_lib.study import open_study

    signature = inspect.signature(open_study).parameters
    return _key({**{name: p.default for name, p in signature.items() if name != "setting_values"},
                 "setting_values": {k: v for k, v in keywords.items() if k not in signature},
                 **{k: v for k, v in keywords.items() if k in signature}})


def not_remembered(keyword_sets: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The keyword sets whose study this process does not remember yet (inputs unchanged)."""
    return [keywords for keywords in keyword_sets if _keyword_key(keywords) not in _MEMO]


def environment_keyword_sets() -> list[dict[str, Any]]:
    """The keyword sets named in :data:`ENVIRONMENT` (none: an empty list)."""
    try:
        keyword_sets = json.loads(os.environ.get(ENVIRONMENT) or "[]")
    except ValueError:
        return []
    return [k for k in keyword_sets if isinstance(k, dict)] if isinstance(keyword_sets, list) else []


def run_arguments(jobs: Iterable[Any]) -> list[dict[str, Any]]:
    """``open_study`` keywords common to the jobs of each notebook of a run.

    A job's values are its notebook's declared defaults overlaid by its parameters;
    kept are those every job of the notebook shares and that ``open_study`` takes
    (its keywords and the :class:`~kpss_lib.study.Settings` fields), minus ``region``.
    A notebook that passes its parameters to ``open_study`` under other names simply
    misses the memo.
    """
    from kpss_lib.runner.parameters import notebook_parameters
    from kpss_lib.study import Settings, open_study

    accepted = (set(inspect.signature(open_study).parameters) | set(Settings.__dataclass_fields__)) \
        - set(_NOT_KEYED) - {"setting_values", "settings", "selection"}
    by_notebook: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        declared = notebook_parameters(job.notebook) or {}
        values = {**{name: _literal(p.default) for name, p in declared.items()}, **job.parameters}
        by_notebook.setdefault(str(job.notebook), []).append(
            {k: v for k, v in values.items() if k in accepted})
    keyword_sets = []
    for values in by_notebook.values():
        first = values[0]
        common = {k: v for k, v in first.items() if all(k in other and other[k] == v for other in values)}
        if common not in keyword_sets:
            keyword_sets.append(common)
    return keyword_sets


def _literal(source: str) -> Any:
    """A declared default's value (its source text); the text itself when it is no literal."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return source


def common_arguments(jobs: Iterable[Any]) -> list[dict[str, Any]]:
    """:func:`run_arguments` for a run's server; empty when they cannot be named or carried as JSON.

    (The jobs then open their studies themselves: the same figures, computed per job.)
    """
    try:
        keyword_sets = run_arguments(jobs)
        json.dumps(keyword_sets, ensure_ascii=False)  # a forkserver receives them as JSON
        return keyword_sets
    except Exception:  # a parameter JSON cannot carry, an unreadable notebook
        return []


def clear() -> None:
    """Forget every remembered study (tests; a long-lived process whose inputs changed)."""
    _MEMO.clear()

"""Notebook parameters: what a notebook declares, what a run may set, and ``-p`` text typed to fit."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpss_lib.errors import ConfigError
from kpss_lib.runner.spec import RESERVED_PARAMETERS

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

    ``str`` parameters keep the text as it is (so codes keep leading zeros: ``0724``),
    except a list in YAML/JSON syntax (``'["", "/x/planovane.xlsx"]'``), which stays a list;
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
        # A list in YAML/JSON syntax is a list even for a text default: services_file takes
        # "" or '["", "/x/planovane.xlsx"]' (the catalogue plus the analyst's own file).
        if text.strip().startswith("[") and text.strip().endswith("]"):
            try:
                value = yaml.safe_load(text)
            except yaml.YAMLError:
                raise ConfigError(f"{where}: {text!r} looks like a list but is not valid YAML/JSON") from None
            if isinstance(value, list):
                return value
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




@dataclass(frozen=True)
class NotebookNeeds:
    """What a notebook's code needs before it can run, read from its source (nothing is executed).

    ``data``: it imports ``kpss_lib``, so it reads the inputs in ``KPSS_DATA_DIR``;
    ``territory``: parameters it passes to ``find_region`` or ``open_study`` as first
    argument (a kraj, okres, ORP, obec or micro-region that must exist).
    """

    data: bool
    territory: tuple[str, ...]


#: Calls whose first argument (or ``region=``/``within=``) names a region: checked before a run starts.
_REGION_LOOKUPS = ("find_region", "open_study")


def _called(node) -> str | None:
    return getattr(node.func, "id", getattr(node.func, "attr", None))


def _region_arguments(node) -> list[str]:
    """Names of notebook variables passed as the region of a lookup call."""
    given = node.args[:1] + [k.value for k in node.keywords if k.arg in ("region", "within")]
    return [value.id for value in given if value.__class__.__name__ == "Name"]


def notebook_needs(notebook: str | os.PathLike) -> NotebookNeeds:
    """Read :class:`NotebookNeeds` from the code cells of ``notebook`` (IPython magics skipped)."""
    import ast

    import nbformat

    declared = notebook_parameters(notebook) or {}
    data, territory = False, []
    for cell in nbformat.read(Path(notebook), as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "kpss_lib":
                data = True
            elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "kpss_lib" for a in node.names):
                data = True
            elif isinstance(node, ast.Call) and _called(node) in _REGION_LOOKUPS:
                territory.extend(name for name in _region_arguments(node)
                                 if name in declared and name not in territory)
    return NotebookNeeds(data, tuple(territory))

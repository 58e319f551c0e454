"""Atomic file writes: a failed run never leaves a half-written output behind.

Everything kpss writes (cache entries, tables, templates, maps) goes through
:func:`atomic_path`: the content is written to a temporary file in the target's
folder and moved into place with ``os.replace``, which is atomic on POSIX and
Windows. An older file at the same path stays intact until the new one is complete.
"""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from kpss_lib.errors import UnknownValueError
from kpss_lib.escaping import spreadsheet_cell

if TYPE_CHECKING:
    import pandas as pd


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it to ``path``.

    Parameters
    ----------
    path : str or PathLike
        The final file; its folder is created when missing.
    suffix : str, optional
        Suffix of the temporary file (some writers pick the format from it);
        default: the suffix of ``path``.

    The temporary file gets the permissions a normal new file would get (``mkstemp``
    makes 0600, but outputs are meant to be shared). On any exception it is removed
    and the exception propagates.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix if suffix is not None else target.suffix,
                                    dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomic(text: str, path: str | os.PathLike, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (fsynced before the move)."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    return Path(path)


_WINDOWS_DEVICE_NAMES = frozenset({"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)}
                                  | {f"lpt{i}" for i in range(1, 10)})


def slugify(text: str, max_length: int = 80) -> str:
    """A stable, file-system-safe name: ASCII lower case, digits and single hyphens.

    ``"Zlínský kraj"`` → ``"zlinsky-kraj"``, ``"Valašské Meziříčí"`` → ``"valasske-mezirici"``.

    Parameters
    ----------
    text : str
        Any text; diacritics are dropped, everything but letters and digits becomes ``-``.
    max_length : int, default 80
        Longer slugs are cut at a hyphen where possible.

    Returns
    -------
    str
        The slug; empty when ``text`` has no letters or digits. Windows device names
        (``con``, ``nul``, ...) get a trailing ``-x`` so the file opens everywhere.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = (cut.rsplit("-", 1)[0] if "-" in cut[max_length // 2:] else cut).strip("-")
    if slug in _WINDOWS_DEVICE_NAMES:
        slug += "-x"
    return slug


def spreadsheet_safe(frame: "pd.DataFrame") -> "pd.DataFrame":
    """A copy of ``frame`` whose text cells cannot run as formulas in Excel.

    Text starting with ``=``, ``+``, ``-``, ``@`` (or tab, CR) gets a leading apostrophe
    (:func:`kpss_lib.escaping.spreadsheet_cell`); numeric, date and boolean columns are
    left as they are, so numbers stay numbers. Column headers are neutralised too.
    """
    from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

    safe = frame.copy()
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if is_numeric_dtype(values) or is_bool_dtype(values) or is_datetime64_any_dtype(values):
            continue
        safe.isetitem(position, values.map(spreadsheet_cell).astype(object))
    safe.columns = [spreadsheet_cell(c) if isinstance(c, str) else c for c in frame.columns]
    return safe


def write_table_atomic(frame: "pd.DataFrame", path: str | os.PathLike) -> Path:
    """Write a table as CSV for Czech Excel (``;``-separated, decimal comma, UTF-8 with BOM) or XLSX, atomically.

    Text cells are neutralised with :func:`spreadsheet_safe` (both formats end up in
    Excel). Returns the path written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnknownValueError(f"unsupported output {path.name!r}; expected a .csv or .xlsx file name")
    safe = spreadsheet_safe(frame)
    with atomic_path(path) as temporary:
        if suffix == ".csv":
            safe.to_csv(temporary, index=False, encoding="utf-8-sig", sep=";", decimal=",")
        else:
            safe.to_excel(temporary, index=False)
    return path

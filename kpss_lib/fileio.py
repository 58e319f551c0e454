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
from collections.abc import Iterator, Mapping
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


def _atomic(path: Path, write) -> Path:
    with atomic_path(path) as temporary:
        write(temporary)
    return path


def _describe_rows(metadata: "Mapping[str, object]") -> "pd.DataFrame":
    import pandas as pd

    rows = []
    for key, value in metadata.items():
        if isinstance(value, (list, tuple)):
            value = "; ".join(str(v) for v in value) if value else "–"
        rows.append({"Položka": key, "Hodnota": "" if value is None else str(value)})
    return pd.DataFrame(rows, columns=["Položka", "Hodnota"])


def write_table(
    frame: "pd.DataFrame",
    path: str | Path,
    *,
    population: str | None = None,
    metadata: "Mapping[str, object] | None" = None,
    sheet_name: str = "Ukazatele",
) -> Path:
    """Write a table by the file's suffix, atomically (a failed write leaves nothing behind).

    Parameters
    ----------
    frame : DataFrame
        English column names (as the indicator functions return them).
    path : str or Path
        ``.csv``: Czech labels, ``;`` separated, decimal comma, UTF-8 with BOM;
        ``.xlsx``: Czech labels and number formats, frozen header, plus a sheet
        "Popis" with ``metadata``; ``.parquet``: English names, exact values.
        Labels and formats come from :mod:`kpss_lib.vocabulary`.
    population : str, optional
        Target population key for the labels (default ``frame.attrs["population"]``).
    metadata : mapping, optional
        Czech key → value lines describing the table (region, selection, sources…).
    sheet_name : str, default "Ukazatele"

    Raises
    ------
    UnknownValueError
        for another suffix.
    """
    import pandas as pd

    from kpss_lib.vocabulary import OUTPUT_FORMATS, number_format, to_czech  # vocabulary imports the loaders

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise UnknownValueError(
            f"output {str(path)!r}: unsupported file type {suffix or '(none)'!r}; expected one of "
            f"{', '.join(OUTPUT_FORMATS)}")
    population = population or frame.attrs.get("population")
    plain = pd.DataFrame(frame.drop(columns="geometry") if "geometry" in frame.columns else frame)
    if suffix == ".parquet":
        def write(tmp: Path) -> None:
            table = plain.copy()
            table.attrs = {}
            table.to_parquet(tmp, index=False)
        return _atomic(path, write)

    czech = spreadsheet_safe(to_czech(plain, population))  # text from data must not run as an Excel formula
    floats = [c for c in czech.columns if pd.api.types.is_float_dtype(czech[c])]
    if suffix == ".csv":
        def write(tmp: Path) -> None:
            rounded = czech.copy()
            rounded[floats] = rounded[floats].round(6)
            rounded.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig")
        return _atomic(path, write)

    formats = [number_format(str(c)) for c in plain.columns]

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            czech.to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes = "A2"
            for position, (label, fmt) in enumerate(zip(czech.columns, formats), start=1):
                letter = sheet.cell(row=1, column=position).column_letter
                values = czech.iloc[:, position - 1].astype(str).str.len()
                width = max([min(len(str(label)), 40), *(values.head(200).tolist() or [0])])
                sheet.column_dimensions[letter].width = min(max(10, width + 2), 60)
                if fmt:
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                        cell.number_format = fmt
            if metadata:
                spreadsheet_safe(_describe_rows(metadata)).to_excel(writer, sheet_name="Popis", index=False)
                writer.sheets["Popis"].column_dimensions["A"].width = 28
                writer.sheets["Popis"].column_dimensions["B"].width = 100
    return _atomic(path, write)

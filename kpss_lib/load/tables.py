"""Reading analysts' tables: CSV (UTF-8 or Czech Excel's cp1250 with ``;``) and XLSX.

Every reader here returns text columns (``dtype=str``) so that codes keep their
leading zeros; numbers are parsed explicitly by :func:`parse_number`, which accepts
the Czech decimal comma and thousands spaces.
"""
from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kpss_lib.errors import DataFileError

_ENCODINGS = ("utf-8-sig", "cp1250")


def _decode(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DataFileError(path, "cannot decode the file", expected="UTF-8 or Windows-1250 (cp1250) text")


def _sniff_separator(text: str, path: Path) -> str:
    header = text.splitlines()[0] if text else ""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    sep, count = max(counts.items(), key=lambda item: item[1])
    if count == 0:
        # A one-column file is legal; a comma is the safest reading.
        return ","
    return sep


def read_table(
    path: str | Path,
    required: Iterable[str] = (),
    *,
    sheet: str | int = 0,
) -> pd.DataFrame:
    """Read a CSV or XLSX table as text, checking that the required columns are there.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (UTF-8, UTF-8 with BOM or cp1250; ``,``, ``;`` or tab separated)
        or ``.xlsx``.
    required : iterable of str
        Column names that must be present (matched after stripping spaces).
    sheet : str or int, default 0
        Sheet of an XLSX workbook.

    Returns
    -------
    DataFrame
        All columns as ``str`` (missing cells as ``NA``); ``attrs["source_rows"]``
        maps each row to its 1-based line number in the file (header = line 1).

    Raises
    ------
    DataFileError
        when the file is missing, unreadable, or lacks a required column.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, sheet_name=sheet, dtype=str)
        except Exception as exc:  # openpyxl raises many kinds
            raise DataFileError(path, f"cannot read the workbook ({exc})", expected="an .xlsx workbook") from exc
    elif suffix in (".csv", ".txt", ".tsv"):
        text, _ = _decode(path)
        sep = _sniff_separator(text, path)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                na_values=[""], quoting=csv.QUOTE_MINIMAL)
        except pd.errors.ParserError as exc:
            raise DataFileError(path, f"cannot parse the CSV ({exc})", expected=f"a table separated by {sep!r}") from exc
    else:
        raise DataFileError(path, "unsupported file type", expected=".csv or .xlsx", got=path.suffix)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(
            path,
            f"missing column(s) {', '.join(repr(m) for m in missing)}",
            expected=f"columns {', '.join(required)}",
            got=list(frame.columns),
        )
    # pandas 3 reads text as the "str" dtype, pandas 2 as object: strip both.
    frame = frame.apply(lambda col: col.str.strip() if pd.api.types.is_string_dtype(col) else col)
    frame.attrs["source_rows"] = list(range(2, len(frame) + 2))
    frame.attrs["path"] = str(path)
    return frame


_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_number(value: object) -> float | None:
    """Parse a number written the Czech or the English way; ``None`` for an empty cell.

    ``"1 234,5"``, ``"1234.5"``, ``"1\u00a0234"`` and ``1234.5`` all give 1234.5.

    Raises
    ------
    ValueError
        when the text is not a number (callers turn it into a DataFileError with the row).
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = _NUMBER_SPACES.sub("", str(value))
    if text == "":
        return None
    if "," in text and "." in text:
        # "1.234,5" (Czech thousands dot) or "1,234.5" (English): the last one is decimal.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    return float(text)


def parse_number_column(frame: pd.DataFrame, column: str, path: str | Path | None = None) -> pd.Series:
    """Parse a whole column with :func:`parse_number`; a bad cell raises DataFileError naming its row."""
    rows = frame.attrs.get("source_rows") or list(range(2, len(frame) + 2))
    values = []
    for line, value in zip(rows, frame[column]):
        try:
            values.append(parse_number(value))
        except ValueError:
            raise DataFileError(path or frame.attrs.get("path"), "not a number", row=line, column=column,
                                expected="a number such as 1234 or 1 234,5", got=value) from None
    return pd.Series(values, index=frame.index, dtype="float64")


def is_blank(value: object) -> bool:
    """Whether a cell is empty: None, NA, NaN or only spaces."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):
        return value != value  # NaN
    return isinstance(value, str) and value.strip() == ""


_MONTH_FORMATS = (re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$"), re.compile(r"^(?P<m>\d{1,2})[/.](?P<y>\d{4})$"))
_DAY_FORMATS = (re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00:00)?$"),
                re.compile(r"^(?P<d>\d{1,2})\.\s*(?P<m>\d{1,2})\.\s*(?P<y>\d{4})$"))


def parse_date(value: object, *, end: bool = False) -> pd.Timestamp | None:
    """A date written the ISO or the Czech way: ``2005-10-01``, ``1. 10. 2005``, or a month only.

    A month only (``2005-10``, ``10/2005``, ``10.2005``) means its first day, or its
    last day with ``end=True`` (documents give periods to the month: "říjen 2005 –
    červenec 2007").

    Returns None for an empty cell; raises ValueError when the text is not a date.
    """
    if is_blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    text = str(value).strip()
    for pattern in _DAY_FORMATS:
        match = pattern.match(text)
        if match:
            return pd.Timestamp(int(match["y"]), int(match["m"]), int(match["d"]))
    for pattern in _MONTH_FORMATS:
        match = pattern.match(text)
        if match:
            year, month = int(match["y"]), int(match["m"])
            day = calendar.monthrange(year, month)[1] if end else 1
            return pd.Timestamp(year, month, day)
    raise ValueError(f"not a date: {text!r}")


def normalize_ico(value: object) -> str | None:
    """An IČO as 8-digit text: spaces removed, leading zeros Excel dropped put back; None when empty.

    Malformed values come back as they are, for :func:`ico_is_valid` to reject.
    """
    if is_blank(value):
        return None
    text = str(value).strip().replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]  # a number that went through Excel
    return text.zfill(8) if text.isdigit() and len(text) < 8 else text


def ico_is_valid(ico: str) -> bool:
    """Whether an 8-digit IČO passes the Czech mod-11 checksum."""
    if not re.fullmatch(r"\d{8}", ico):
        return False
    weighted = sum(int(d) * w for d, w in zip(ico[:7], range(8, 1, -1)))
    return (11 - weighted % 11) % 10 == int(ico[7])

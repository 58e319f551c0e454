"""Reading analysts' tables: CSV (any common encoding and separator) and XLSX.

Every file goes through one reading path: :func:`read_text` decodes the bytes
(BOMs, UTF-16 as Excel saves "Unicode text", UTF-8, Czech Excel's cp1250), and
:func:`read_table` returns text columns (``dtype=str``) so that codes keep their
leading zeros; numbers are parsed explicitly by :func:`parse_number`, which accepts
the Czech decimal comma and thousands spaces and refuses non-finite values.

A table's rows keep their row number as a user sees it in Excel (header = row 1) in
``attrs["source_rows"]``; a row with more fields than the header (an unquoted
separator inside a value) is an error naming that row, never a silent shift.
"""
from __future__ import annotations

import calendar
import codecs
import csv
import io
import itertools
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from kpss_lib.errors import DataFileError

#: Dates outside this range are typing errors ("1. 1. 1066"); the register has services since 1898.
DATE_RANGE = (pd.Timestamp(1800, 1, 1), pd.Timestamp(2100, 12, 31))

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _guess_encoding(raw: bytes) -> str:
    """The encoding of ``raw`` from its BOM or NUL-byte pattern; ``utf-8`` otherwise."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith(_UTF32_BOMS):  # before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one
        return "utf-32"
    if raw.startswith(_UTF16_BOMS):
        return "utf-16"
    sample = raw[:4096]
    if sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: ASCII characters have their zero byte on one side.
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    return "utf-8"


def read_text(path: str | Path, *, expected: str = "a text file") -> str:
    """The text of a file, whatever the encoding an analyst's tool saved it in.

    Tries the BOM (UTF-8, UTF-16, UTF-32), UTF-16 without a BOM, UTF-8, then
    Windows-1250 (Czech Excel's "CSV").

    Raises
    ------
    DataFileError
        when the file is missing, empty (0 bytes), or not text in any of these encodings.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "file not found", expected=expected)
    raw = path.read_bytes()
    if not raw.strip():
        raise DataFileError(path, f"the file is empty ({len(raw)} bytes)", expected=expected)
    encoding = _guess_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise DataFileError(path, f"cannot decode the file as {encoding.upper()}", expected=expected) from None
        try:
            text = raw.decode("cp1250")
        except UnicodeDecodeError:
            raise DataFileError(path, "cannot decode the file", expected="UTF-8, UTF-16 or Windows-1250 (cp1250) text"
                                ) from None
    if "\x00" in text:
        raise DataFileError(path, "binary content (NUL characters)", expected=expected)
    return text.lstrip("\ufeff")


def _sniff_separator(text: str) -> str:
    header = text.split("\n", 1)[0]  # not splitlines(): the whole file would be split for one line
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    sep, count = max(counts.items(), key=lambda item: item[1])
    # A one-column file is legal; a comma is the safest reading.
    return sep if count else ","


class SourceRows(list):
    """Row numbers of a table as Excel shows them, kept in ``DataFrame.attrs``.

    pandas deep-copies ``attrs`` into the result of every operation on the frame or
    one of its columns; for a 275 000-row file a plain list made that most of the
    load time. The numbers never change once read, so a copy is the same object.
    """

    def __deepcopy__(self, memo: dict) -> "SourceRows":
        return self


_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(path: Path) -> pd.DataFrame:
    text = read_text(path, expected="a CSV table with a header row")
    sep = _sniff_separator(text)
    try:
        # header=None and index_col=False: pandas never turns a first column into the
        # index when row 2 has one field too many; every row wider than the header fails.
        grid = pd.read_csv(io.StringIO(text), sep=sep, header=None, index_col=False, dtype=str,
                           keep_default_na=False, na_values=[""], quoting=csv.QUOTE_MINIMAL,
                           skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        found = _FIELD_COUNT.search(str(exc))
        if found:
            width, line, seen = (int(g) for g in found.groups())
            raise DataFileError(path, f"{seen} fields where the header has {width}", row=line,
                                expected=f"one value per column; quote a value that contains {sep!r} "
                                         f"(\"Domov A{sep} s.r.o.\")",
                                got=next(itertools.islice(io.StringIO(text), line - 1, None), "").rstrip("\r\n")[:200]
                                ) from None
        raise DataFileError(path, f"cannot parse the CSV ({exc})", expected=f"a table separated by {sep!r}") from None
    header = [("" if pd.isna(c) else str(c)) for c in grid.iloc[0]] if len(grid) else []
    frame = grid.iloc[1:]
    frame.columns = header
    return frame


def _excel_value(value: object) -> object:
    # As pandas.read_excel: whole floats are integers (codes, years), the rest text.
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zipfile, KeyError, XML errors)
        raise DataFileError(path, f"cannot read the workbook ({type(exc).__name__}: {exc})",
                            expected="an .xlsx workbook") from None
    names = book.sheetnames
    if sheet is None:
        chosen = names[0]
        others = [n for n in names[1:] if any(v is not None for row in book[n].iter_rows(values_only=True) for v in row)]
        if others:
            raise DataFileError(path, f"the workbook has data on {len(others) + 1} sheets; kpss reads one table",
                                expected=f"every row on the first sheet {chosen!r} (delete or empty the others)",
                                got=others)
    else:
        chosen = names[sheet] if isinstance(sheet, int) else sheet
        if chosen not in names:
            raise DataFileError(path, f"no sheet {chosen!r}", expected=f"one of {names}")
    worksheet = book[chosen]
    where = f"{path} (sheet {chosen!r})"
    merged = [str(r) for r in worksheet.merged_cells.ranges]
    if merged:
        raise DataFileError(where, "merged cells: only the first row of a merged block has the value",
                            expected="one value in every cell (unmerge and fill in every row)", got=merged[:5])
    rows = [[_excel_value(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
    if not rows:
        return pd.DataFrame(), where
    width = max(len(row) for row in rows)
    rows = [row + [None] * (width - len(row)) for row in rows]
    # Excel's used range often runs past the table: columns with neither a header nor a value go.
    keep = [i for i in range(width) if any(row[i] is not None for row in rows)]
    header = ["" if rows[0][i] is None else rows[0][i] for i in keep]
    frame = pd.DataFrame([[row[i] for i in keep] for row in rows[1:]], columns=header,
                         index=range(1, len(rows)), dtype=object)
    return frame.astype("str"), where


def read_table_header(path: str | Path) -> list[str]:
    """The column names of a table (as :func:`read_table` reads them), without parsing its rows."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        text = read_text(path, expected="a CSV table with a header row")
        first = next(csv.reader(io.StringIO(text), delimiter=_sniff_separator(text)), [])
        return [c.strip() for c in first]
    return list(read_table(path).columns)


def read_table(
    path: str | Path,
    required: Iterable[str] = (),
    *,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a CSV or XLSX table as text, checking that the required columns are there.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (UTF-8 with or without BOM, UTF-16, or cp1250; ``,``, ``;`` or tab
        separated) or ``.xlsx``.
    required : iterable of str
        Column names that must be present (matched after stripping spaces).
    sheet : str or int, optional
        Sheet of an XLSX workbook. Default: the first, and no other sheet may hold
        data (rows on a second sheet would otherwise vanish without a word).

    Returns
    -------
    DataFrame
        All columns as text (missing cells as ``NA``); rows with every cell empty are
        dropped. ``attrs["source_rows"]`` maps each row to its row number in the file
        as Excel shows it (header = row 1); ``attrs["path"]`` names the file (and sheet).

    Raises
    ------
    DataFileError
        when the file is missing, empty, undecodable or unreadable, a row has more
        fields than the header, an XLSX has merged cells or data on several sheets,
        or a required column is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "file not found")
    suffix = path.suffix.lower()
    where: str | Path = path
    if suffix in (".xlsx", ".xlsm"):
        if path.stat().st_size == 0:
            raise DataFileError(path, "the file is empty (0 bytes)", expected="an .xlsx workbook")
        frame, where = _read_xlsx(path, sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        frame = _read_csv(path)
    else:
        raise DataFileError(path, "unsupported file type", expected=".csv or .xlsx", got=path.suffix)
    frame.columns = [str(c).strip() for c in frame.columns]
    repeated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if repeated:
        raise DataFileError(where, "duplicated column name(s)", expected="each column once", got=repeated)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(where, f"missing column(s) {', '.join(repr(m) for m in missing)}",
                            expected=f"columns {', '.join(required)}", got=list(frame.columns))
    # Text columns stripped column by column (vectorised); empty cells and empty rows dropped.
    frame = frame.apply(lambda col: col.str.strip().replace("", np.nan))
    frame = frame.dropna(how="all")
    rows = (frame.index + 1).tolist()  # grid position 0 is the header, row 1 in Excel
    frame = frame.reset_index(drop=True)
    frame.attrs["source_rows"] = SourceRows(rows)
    frame.attrs["path"] = str(where)
    return frame


_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_number(value: object) -> float | None:
    """Parse a number written the Czech or the English way; ``None`` for an empty cell.

    ``"1 234,5"``, ``"1234.5"``, ``"1\u00a0234"`` and ``1234.5`` all give 1234.5.

    Raises
    ------
    ValueError
        when the text is not a finite number (``inf``, ``1e400``, ``NaN`` are not); callers
        turn it into a DataFileError or a rejected row naming the row.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, (int, float)):
        return _finite(float(value))
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
    return _finite(float(text))


def _finite(number: float) -> float:
    # "inf", "1e400" (overflows to inf) and the text "NaN" are not numbers a table can mean.
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {number}")
    return number


def parse_number_column_lenient(values: pd.Series) -> pd.Series:
    """:func:`parse_number` over a whole column, vectorised: float64, NaN where empty or not a finite number.

    For readers that leave the verdict to a validator (which reports the row); the
    spelling rules are those of :func:`parse_number`.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype("float64")
    else:
        text = values.astype("string").str.replace(_NUMBER_SPACES.pattern, "", regex=True)
        if text.str.contains(",", regex=False).any():
            # As parse_number: with both marks the last one is the decimal one, a lone comma is decimal.
            both = (text.str.contains(",", regex=False) & text.str.contains(".", regex=False)).fillna(False)
            comma_last = text.str.contains(r",[^.]*$").fillna(False)
            text = text.mask(both & comma_last, text.str.replace(".", "", regex=False))
            text = text.mask(both & ~comma_last, text.str.replace(",", "", regex=False))
            text = text.str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))


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

    Returns None for an empty cell; raises ValueError when the text is not a date or the
    date lies outside :data:`DATE_RANGE`.
    """
    # Registers repeat a few thousand dates over hundreds of thousands of rows: text is memoised.
    parsed = _parse_date_text(value, end) if isinstance(value, str) else _parse_date_value(value, end)
    if parsed is not None and not DATE_RANGE[0] <= parsed <= DATE_RANGE[1]:
        raise ValueError(f"date outside {DATE_RANGE[0].year}–{DATE_RANGE[1].year}: {parsed.date()}")
    return parsed


@lru_cache(maxsize=65536)
def _parse_date_text(value: str, end: bool) -> pd.Timestamp | None:
    return _parse_date_value(value, end)


def _parse_date_value(value: object, end: bool) -> pd.Timestamp | None:
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


def normalize_ico_column(values: pd.Series) -> pd.Series:
    """:func:`normalize_ico` over a whole column, vectorised (``string`` dtype, NA when empty)."""
    text = values.astype("string").str.replace(" ", "", regex=False).str.replace(r"\.0$", "", regex=True)
    short = text.str.fullmatch(r"\d{1,7}").fillna(False).astype(bool)
    return text.mask(short, text.str.zfill(8)).replace("", pd.NA)


def ico_is_valid(ico: str) -> bool:
    """Whether an 8-digit IČO passes the Czech mod-11 checksum."""
    if not re.fullmatch(r"\d{8}", ico):
        return False
    weighted = sum(int(d) * w for d, w in zip(ico[:7], range(8, 1, -1)))
    return (11 - weighted % 11) % 10 == int(ico[7])

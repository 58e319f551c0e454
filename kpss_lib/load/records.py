"""Record validation shared by every loader: the rejected-row report and the field validators.

One place decides what a valid IČO, obec code, date, amount or capacity is, so the
services reader, projects, partners and monitoring accept and refuse the same values:

* IČO: 8 digits passing the mod-11 check digit. Fewer than 8 digits are padded with
  leading zeros *before* the check (Excel drops them from numbers); the padded value
  must pass the check digit like any other, so padding never lets a wrong IČO in.
* obec code: ``KOD_OBEC`` of an existing obec; ``585599.0`` (a number that went
  through Excel) means ``585599`` everywhere.
* dates: ISO or Czech (:func:`~kpss_lib.load.tables.parse_date`), within
  :data:`~kpss_lib.load.tables.DATE_RANGE` (the register has services provided since 1898).
* numbers: finite (``inf``, ``1e400``, ``NaN`` are not numbers), amounts ≥ 0.

Every ``rejected`` table has the columns ``file, record, column, reason, value``;
``record`` names the row as a user sees it in Excel (header = row 1).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kpss_lib.errors import DataFileError, ValidationError
from kpss_lib.load.tables import ico_is_valid, is_blank, normalize_ico, parse_number
from kpss_lib.load.territory import normalize_name

REJECTED_COLUMNS = ["file", "record", "column", "reason", "value"]
#: The reason every loader gives for an IČO it refuses.
ICO_REASON = "not a valid IČO (8 digits with the mod-11 check digit)"


def match_key(text: object) -> str:
    """``text`` compared without case, diacritics, spaces or punctuation (headers, vocabulary)."""
    return re.sub(r"[^0-9a-z/]+", "", normalize_name(str(text)))


def canonical_columns(frame: pd.DataFrame, *column_maps: dict[str, str]) -> pd.DataFrame:
    """Rename Czech template labels (or variants of the English names) to the canonical names."""
    lookup = {}
    for columns in column_maps:
        for name, label in columns.items():
            lookup[match_key(name)] = name
            lookup[match_key(label)] = name
    renamed = {c: lookup[match_key(c)] for c in frame.columns if match_key(c) in lookup}
    out = frame.rename(columns=renamed)
    out.attrs = dict(frame.attrs)
    return out


def require_columns(frame: pd.DataFrame, path: Path, required: list[str], columns: dict[str, str]) -> None:
    """Raise DataFileError naming the canonical and the Czech label of every missing column."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        wanted = ", ".join(f"{c!r} ({columns[c]!r})" for c in missing)
        raise DataFileError(path, f"missing column(s) {wanted}",
                            expected="the columns of the template (Czech labels) or of data/README.md",
                            got=list(frame.columns))


def cell_text(value: object) -> str | None:
    """A cell as stripped text; None when empty."""
    return None if is_blank(value) else str(value).strip()


def source_rows(frame: pd.DataFrame) -> list[int]:
    """The file row (header = 1) of each row of a table read by :func:`~kpss_lib.load.tables.read_table`."""
    return list(frame.attrs.get("source_rows") or range(2, len(frame) + 2))


def vocabulary(value: object, allowed: tuple[str, ...]) -> str | None:
    """The allowed spelling of ``value`` (case and diacritics forgiven); None when not allowed."""
    wanted = match_key(value)
    return next((item for item in allowed if match_key(item) == wanted), None)


class RejectReport:
    """Collects rejected rows: file, record, column, reason, value."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, file: object, record: object, column: str | None, reason: str, value: object = None) -> None:
        # The file's name: the rows are read beside the path the error message names.
        self.rows.append({"file": Path(str(file)).name, "record": str(record), "column": column, "reason": reason,
                          "value": None if is_blank(value) else str(value)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=REJECTED_COLUMNS)

    def __len__(self) -> int:
        return len(self.rows)

    def raise_if_any(self, what: str) -> None:
        if self.rows:
            raise rejected_error(self.frame(), what)


def rejected_error(rejected: pd.DataFrame, what: str, shown: int = 5) -> ValidationError:
    """A ValidationError naming the first ``shown`` problems of a ``rejected`` table, which it carries.

    Parameters
    ----------
    rejected : DataFrame
        ``file, record, column, reason, value`` (as every loader reports them).
    what : str
        What failed, e.g. "inconsistent projects in projekty.csv".
    shown : int, default 5
        Problems spelled out in the message; the rest are counted.
    """
    listed = "; ".join(f"{r.file} {r.record}: {r.column}: {r.reason}" + (f" (got {r.value!r})" if r.value else "")
                       for r in rejected.head(shown).itertuples())
    more = f"; and {len(rejected) - shown} more" if len(rejected) > shown else ""
    return ValidationError(f"{what}: {len(rejected)} problem(s): {listed}{more}", rejected=rejected)


# --------------------------------------------------------------------------- field validators

def parse_amount(value: object) -> float | None:
    """An amount written the Czech or English way (``1 234,50 Kč``, ``1234,-``); None when empty.

    Raises ValueError when it is not a finite number (``inf``, ``1e400`` and ``NaN`` are not).
    """
    if isinstance(value, str):
        value = value.replace("Kč", "").replace(",-", "").strip()
    return parse_number(value)


def parse_share(value: object) -> float | None:
    """A share as 0–1, from "0,85", "0.85" or "85 %"; None when empty; ValueError otherwise."""
    if is_blank(value):
        return None
    cell = str(value).strip()
    parsed = parse_number(cell[:-1]) if cell.endswith("%") else parse_number(cell)
    if parsed is not None and cell.endswith("%"):
        parsed /= 100
    if parsed is not None and not 0 <= parsed <= 1:
        raise ValueError("share outside 0–1")
    return parsed


def whole_number(value: object) -> int | None:
    """A whole number (``2009``, ``2009,0``); None when empty; ValueError for ``2009,5`` or text."""
    parsed = parse_number(value)
    if parsed is None:
        return None
    if parsed != int(parsed):
        raise ValueError("not a whole number")
    return int(parsed)


#: Amounts above this are typing errors (``1e300``): a trillion Kč exceeds any planning project
#: (the whole state budget is about two trillion).
MAX_AMOUNT = 1e12


def non_negative(row: pd.Series, columns: tuple[str, ...], file: object, record: str,
                 report: RejectReport) -> dict[str, float | None] | None:
    """The amounts of ``columns`` (None for an empty cell), or None when any is not a finite number
    in 0–:data:`MAX_AMOUNT`.

    Every bad column of the row is reported, not only the first.
    """
    values: dict[str, float | None] = {}
    for column in columns:
        try:
            value = parse_amount(row.get(column))
        except ValueError:
            report.add(file, record, column, "not a finite number", row.get(column))
            continue
        if value is not None and value < 0:
            report.add(file, record, column, "negative value", row.get(column))
            continue
        if value is not None and value > MAX_AMOUNT:
            report.add(file, record, column, f"implausibly large (above {MAX_AMOUNT:,.0f})".replace(",", " "),
                       row.get(column))
            continue
        values[column] = value
    return values if len(values) == len(columns) else None


def check_ico(value: object) -> tuple[str | None, str | None]:
    """``(ico, problem)``: the IČO as 8-digit text (None when empty) and :data:`ICO_REASON` or None."""
    ico = normalize_ico(value)
    if ico is not None and not ico_is_valid(ico):
        return ico, ICO_REASON
    return ico, None


def normalize_code(value: object) -> str | None:
    """A numeric code (obec, ORP) as text: ``585599.0`` → ``585599``; None when empty."""
    code = cell_text(value)
    if code is not None and code.endswith(".0") and code[:-2].isdigit():
        code = code[:-2]
    return code


def normalize_code_column(values: pd.Series) -> pd.Series:
    """:func:`normalize_code` over a whole column, vectorised (keeps NA)."""
    codes = values.astype("string").str.strip()
    return codes.str.replace(r"^(\d+)\.0$", r"\1", regex=True).replace("", pd.NA)


def ico_valid_mask(icos: pd.Series) -> pd.Series:
    """Whether each IČO (8-digit text, as :func:`~kpss_lib.load.tables.normalize_ico` makes it) passes
    the mod-11 check digit; vectorised, False for NA and malformed values."""
    text = icos.astype("string")
    valid = text.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
    digits = text.where(valid, "00000000")
    weighted = sum(digits.str[i].astype("int64") * (8 - i) for i in range(7))
    check = (11 - weighted % 11) % 10
    return valid & (check == digits.str[7].astype("int64"))

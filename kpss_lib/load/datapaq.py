"""DataPAQ social-exclusion indicators per ORP (PAQ Research, datapaq.cz).

Source: ``datapaq_orp_indikatory.csv`` in ``KPSS_DATA_DIR`` (see PROVENANCE.md),
one row per ORP (206, Praha = ``1000``), keyed by the ČSÚ 4-digit ORP code. For
each of four indicators the file gives the ORP value and four *averages* of
comparison areas (CZ, kraj, okres and DataPAQ's "socially similar ORP"); the
column headers write them as "indicator / Průměr …", but they are averages, not
ratios.

:func:`load_datapaq` returns a tidy table with English column names, codes as
text and the list of peer ORPs parsed into tuples.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kpss_lib.config import input_path
from kpss_lib.errors import DataFileError
from kpss_lib.load.tables import parse_number_column, read_table

DATAPAQ_FILE = "datapaq_orp_indikatory.csv"

#: Indicator key → (source column of the ORP value, Czech label, reference year).
DATAPAQ_INDICATORS: dict[str, tuple[str, str, str]] = {
    "distraint_pct": ("Lidé v exekuci (2021) [%]", "Lidé v exekuci (%)", "2021"),
    "no_secondary_education_pct": ("Podíl lidí bez středního vzdělání (2021) [%]",
                                   "Lidé bez středního vzdělání (%)", "2021"),
    # The file says "přídavek"; the benefit of z. 111/2006 Sb. is "příspěvek na živobytí".
    "living_allowance_pct": ("Domácnosti čerpající přídavek na živobytí (2020) [%]",
                             "Domácnosti pobírající příspěvek na živobytí (%)", "2020"),
    "failing_pupils_pct": ("Propadání (průměr 2015–2021) [%]", "Propadající žáci (%)", "průměr 2015–2021"),
}
#: Suffix of the tidy column → the comparison area in the source header.
DATAPAQ_COMPARISONS: dict[str, str] = {
    "cz": "Průměr ČR",
    "kraj": "Průměr kraje",
    "okres": "Průměr okresu",
    "peers": "Průměr sociálně podobných ORP",
}
_CODE_COLUMNS = {
    "Kód ORP": ("orp_code", r"\d{4}"),
    "Kód okresu": ("okres_csu_code", r"\d{5}"),
    "Kód kraje": ("kraj_csu_code", r"\d{4}"),
}
_NAME_COLUMNS = {"Název ORP": "orp_name", "Název okresu": "okres_name", "Název kraje": "kraj_name"}
_PEER_CODES = "Kódy sociálně podobných ORP"
_PEER_NAMES = "Názvy sociálně podobných ORP"


def _source_column(key: str, comparison: str | None) -> str:
    source = DATAPAQ_INDICATORS[key][0]
    if comparison is None:
        return source
    # "Lidé v exekuci (2021) [%]" → "Lidé v exekuci (2021) / Průměr ČR [%]"
    return source.replace(" [%]", f" / {DATAPAQ_COMPARISONS[comparison]} [%]")


def datapaq_columns() -> list[str]:
    """Names of the numeric columns :func:`load_datapaq` returns, in order."""
    columns = []
    for key in DATAPAQ_INDICATORS:
        columns.append(key)
        columns.extend(f"{key}_{suffix}" for suffix in DATAPAQ_COMPARISONS)
    return columns


def _split_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or not value.strip():
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def load_datapaq(path: str | Path | None = None) -> pd.DataFrame:
    """DataPAQ indicators per ORP as a tidy table.

    Parameters
    ----------
    path : str or Path, optional
        The DataPAQ CSV; default ``datapaq_orp_indikatory.csv`` in ``KPSS_DATA_DIR``.

    Returns
    -------
    DataFrame
        One row per ORP, columns ``orp_code`` (ČSÚ 4-digit, text), ``orp_name``,
        ``okres_csu_code``, ``okres_name``, ``kraj_csu_code``, ``kraj_name``; for each
        indicator key of :data:`DATAPAQ_INDICATORS` (``distraint_pct``,
        ``no_secondary_education_pct``, ``living_allowance_pct``,
        ``failing_pupils_pct``; percent, 0–100) the ORP value and the averages
        ``<key>_cz``, ``<key>_kraj``, ``<key>_okres``, ``<key>_peers``;
        ``peer_codes`` and ``peer_names`` (tuples of str: DataPAQ's socially
        similar ORP, in the file's order). ``attrs["source"]`` names the file.

    Raises
    ------
    DataFileError
        when the file lacks a column, a code is malformed or duplicated, a value
        is not a number, or a peer code is not an ORP of the file (message with
        the row and column).
    """
    path = Path(path) if path else input_path(DATAPAQ_FILE)
    numeric = {(key, comparison): _source_column(key, comparison)
               for key in DATAPAQ_INDICATORS for comparison in (None, *DATAPAQ_COMPARISONS)}
    required = [*_CODE_COLUMNS, *_NAME_COLUMNS, *numeric.values(), _PEER_CODES, _PEER_NAMES]
    raw = read_table(path, required)
    rows = raw.attrs["source_rows"]
    table = pd.DataFrame(index=raw.index)
    for source, (target, pattern) in _CODE_COLUMNS.items():
        values = raw[source].fillna("")
        bad = ~values.str.fullmatch(pattern)
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataFileError(path, "malformed code", row=rows[position], column=source,
                                expected=f"a code matching {pattern}", got=values.iloc[position])
        table[target] = values
    for source, target in _NAME_COLUMNS.items():
        table[target] = raw[source]
    duplicated = table["orp_code"].duplicated()
    if duplicated.any():
        position = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataFileError(path, "duplicated ORP code", row=rows[position], column="Kód ORP",
                            expected="each ORP once", got=table["orp_code"].iloc[position])
    for (key, comparison), source in numeric.items():
        target = key if comparison is None else f"{key}_{comparison}"
        table[target] = parse_number_column(raw, source, path)

    codes = raw[_PEER_CODES].map(_split_list)
    names = raw[_PEER_NAMES].map(_split_list)
    known = set(table["orp_code"])
    for position, (peer_codes, peer_names) in enumerate(zip(codes, names)):
        unknown = [c for c in peer_codes if c not in known]
        if unknown:
            raise DataFileError(path, "peer ORP code not among the file's ORP", row=rows[position],
                                column=_PEER_CODES, expected="4-digit codes of the column 'Kód ORP'",
                                got=unknown[0])
        if len(peer_codes) != len(peer_names):
            raise DataFileError(path, "the lists of peer codes and names differ in length", row=rows[position],
                                column=_PEER_NAMES, expected=f"{len(peer_codes)} names", got=len(peer_names))
    table["peer_codes"] = codes.to_numpy()
    table["peer_names"] = names.to_numpy()
    order = ["orp_code", "orp_name", "okres_csu_code", "okres_name", "kraj_csu_code", "kraj_name",
             *datapaq_columns(), "peer_codes", "peer_names"]
    table = table[order].reset_index(drop=True)
    table.attrs["source"] = path.name
    return table

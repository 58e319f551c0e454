"""Need beside supply: ageing and DataPAQ social-exclusion indicators per unit.

Pure functions over ``load_obce()`` and ``load_datapaq()``
(:mod:`kpss_lib.load.datapaq`). Shares of 65+ / 80+ are summed from the obce
(summed population / summed population, never averaged) by
:func:`kpss_lib.indicators.coverage.add_age_shares`, the helper the coverage
tables use too. DataPAQ publishes its indicators per ORP with averages for the
okres, the kraj and CZ; kpss takes those as published:

* ORP: the ORP's own value;
* okres, kraj, CZ: DataPAQ's "Průměr okresu / kraje / ČR";
* obec, POU and micro-regions: not published (NaN), because an ORP value does not
  describe the obce inside it.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.coverage import LEVEL_COLUMNS, add_age_shares, region_obce_codes
from kpss_lib.load.datapaq import DATAPAQ_INDICATORS
from kpss_lib.load.territory import Region

__all__ = ["NEED_INDICATORS", "datapaq_values", "need_table", "peer_orp_codes"]

#: Columns of need (English keys); DataPAQ ones in percent 0–100, shares 0–1.
NEED_INDICATORS = ["share_65_plus", "share_80_plus", *DATAPAQ_INDICATORS]


def datapaq_values(datapaq: pd.DataFrame, obce: pd.DataFrame, level: str, codes: Iterable[str]) -> pd.DataFrame:
    """DataPAQ indicators of units of one level, as DataPAQ publishes them.

    Parameters
    ----------
    datapaq : DataFrame
        ``load_datapaq()``.
    obce : DataFrame
        ``load_obce()`` (for the ČSÚ okres/kraj codes DataPAQ uses).
    level : {"orp", "okres", "kraj", "cz", "obec", "pou", "mikroregion"}
    codes : iterable of str
        Unit codes of that level (``orp_code``, LAU1 ``okres_code``, NUTS3
        ``kraj_code``; anything for "cz").

    Returns
    -------
    DataFrame
        Indexed by ``codes``, one column per key of :data:`DATAPAQ_INDICATORS`
        (percent); NaN where DataPAQ publishes nothing for the unit.
    """
    codes = [str(c) for c in codes]
    keys = list(DATAPAQ_INDICATORS)
    out = pd.DataFrame(np.nan, index=pd.Index(codes, name="unit_code"), columns=keys)
    if level == "orp":
        values = datapaq.set_index("orp_code")[keys]
        return values.reindex(codes).rename_axis("unit_code")
    if level == "cz":
        for key in keys:
            out[key] = datapaq[f"{key}_cz"].iloc[0]
        return out
    if level in ("okres", "kraj"):
        csu = f"{level}_csu_code"
        lookup = obce[[f"{level}_code", csu]].drop_duplicates().set_index(f"{level}_code")[csu]
        averages = datapaq.drop_duplicates(csu).set_index(csu)[[f"{k}_{level}" for k in keys]]
        averages.columns = keys
        return averages.reindex(lookup.reindex(codes).to_numpy()).set_axis(out.index)
    if level in ("obec", "pou", "mikroregion", "region"):
        return out
    raise UnknownValueError(f"level: expected one of orp, okres, kraj, cz, obec, pou, mikroregion; got {level!r}")


def peer_orp_codes(datapaq: pd.DataFrame, orp_code: str) -> tuple[str, ...]:
    """DataPAQ's socially similar ORP of one ORP (ČSÚ codes); UnknownValueError for an unknown ORP."""
    rows = datapaq[datapaq["orp_code"] == str(orp_code)]
    if rows.empty:
        raise UnknownValueError(f"orp_code: {orp_code!r} is not an ORP of the DataPAQ table")
    return tuple(rows["peer_codes"].iloc[0])


def need_table(
    obce: pd.DataFrame,
    datapaq: pd.DataFrame,
    region: "Region | Iterable[str] | None" = None,
    level: str = "orp",
) -> pd.DataFrame:
    """Need indicators per unit of ``level`` within ``region``.

    Parameters
    ----------
    obce : DataFrame
        ``load_obce()``.
    datapaq : DataFrame
        ``load_datapaq()``.
    region : Region, iterable of obec codes, or None
        Default: every obec.
    level : {"obec", "pou", "orp", "okres", "kraj"}, default "orp"

    Returns
    -------
    DataFrame
        ``unit_code, unit_name, level, pop_total, pop_65_plus, pop_80_plus``,
        ``share_65_plus``, ``share_80_plus`` (0–1, NaN for an unit without
        inhabitants) and the DataPAQ keys (percent; see the module notes).
    """
    if level not in LEVEL_COLUMNS:
        raise UnknownValueError(f"level: expected one of {', '.join(LEVEL_COLUMNS)}, got {level!r}")
    code_col, name_col = LEVEL_COLUMNS[level]
    codes = set(region_obce_codes(region, obce))
    members = obce[obce["obec_code"].astype(str).isin(codes)]
    sums = members.groupby(code_col)[["pop_total", "pop_65_plus", "pop_80_plus"]].sum()
    names = members.drop_duplicates(code_col).set_index(code_col)[name_col]
    out = sums.astype("float64")
    out.insert(0, "unit_name", names.reindex(out.index))
    out.insert(1, "level", level)
    add_age_shares(out)
    out = out.join(datapaq_values(datapaq, obce, level, out.index.astype(str)).set_axis(out.index))
    return out.rename_axis("unit_code").reset_index()

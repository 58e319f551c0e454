"""Comparing regions side by side: supply, access, need, rank and reference values.

For each region of a list (the 13 ORP of Zlínský kraj, or Zlínský vs
Jihomoravský kraj, or a micro-region beside its ORP) one row with every indicator
of :func:`kpss_lib.indicators.coverage.aggregate`, and for the *key indicators*
(capacity per 1 000, 2SFCA per 1 000, mean distance, share of the target
population in white spots):

``rank_<ind>`` / ``n_ranked``
    Rank of the region among all units of its level in its kraj (an ORP among
    the ORP of its kraj, a kraj among the 14 kraje); 1 = best supplied (highest
    capacity or accessibility, shortest distance, fewest people in white spots);
    ties share the best rank; micro-regions, CZ and parts of units (below) are
    not ranked.
``<ind>_kraj``, ``<ind>_cz``, ``<ind>_vs_kraj``, ``<ind>_vs_cz``
    The value of the region's kraj and of CZ, and the difference region − reference
    (in the indicator's own unit, e.g. beds per 1 000).
``<ind>_peers``, ``<ind>_vs_peers``, ``n_peers``
    For an ORP: the indicator over DataPAQ's socially similar ORP taken together
    (summed capacity / summed population of all peers, i.e. a pooled value, not
    an average of the peers' ratios), and the difference.

Need beside supply: ``share_65_plus``, ``share_80_plus`` and the DataPAQ
indicators of :mod:`kpss_lib.indicators.need`.

Parts of units
--------------
Comparing the ORP *within a micro-region* (Otrokovicko: 8 of the 10 obce of ORP
Otrokovice and 1 of the 79 of ORP Kroměříž) gives Regions that carry an ORP's
code but only some of its obce. Their indicators are summed over those obce only,
so they are not the ORP's: such a row has ``partial = True``, its name says so
("Kroměříž (část: 1 obec z 79)"), and it gets **no** rank, DataPAQ values or
peer comparison (NaN, ``n_peers`` 0), because all three describe the whole unit:
a rank would place a part among whole units, and DataPAQ publishes its values
and socially similar ORP only for whole ORP. The kraj and CZ references and the
differences from them stay (they compare like with like: a ratio against a
ratio). ``attrs["warnings"]`` holds one Czech line per such row.

Every region is summed from one :class:`~kpss_lib.indicators.coverage.IndicatorBasis`,
so the figures of all rows, references and ranks are consistent.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.coverage import LEVEL_COLUMNS, IndicatorBasis, aggregate, indicator_basis
from kpss_lib.indicators.need import datapaq_values
from kpss_lib.load.territory import LEVEL_LABELS, Region

__all__ = ["compare_regions", "key_indicators", "partial_name", "unit_size", "units_as_regions"]

#: Indicators where a lower value is better (ranked ascending).
LOWER_IS_BETTER = ("mean_distance_km", "share_population_white_spots")
_DROP = ("unit_code", "unit_name", "level")
_KEPT_SHARES = ("share_65_plus", "share_80_plus", "share_population_white_spots")


def key_indicators(table: pd.DataFrame) -> list[str]:
    """Columns of an aggregate table that get ranks and reference values."""
    return ([c for c in table.columns if c.startswith("per_1000_")]
            + [c for c in table.columns if c.startswith("access_per_1000_")]
            + [c for c in LOWER_IS_BETTER if c in table.columns])


def units_as_regions(obce: pd.DataFrame, within: Region, level: str = "orp") -> list[Region]:
    """The units of ``level`` that have an obec in ``within``, as Regions (sorted by code).

    Each Region holds only the unit's obce that lie in ``within`` (all of them for
    administrative units nested in it; within a micro-region some units are only
    partly in it, and :func:`compare_regions` labels and treats them as parts).
    """
    if level not in LEVEL_COLUMNS:
        raise UnknownValueError(f"level: expected one of {', '.join(LEVEL_COLUMNS)}, got {level!r}")
    code_col, name_col = LEVEL_COLUMNS[level]
    members = obce[obce["obec_code"].astype(str).isin(set(within.obce))]
    regions = []
    for code, group in members.groupby(code_col, sort=True):
        regions.append(Region(level, str(code), str(group[name_col].iloc[0]),
                              tuple(sorted(group["obec_code"].astype(str))),
                              tuple(sorted(group["kraj_code"].unique()))))
    return regions


def _obce_word(count: int) -> str:
    """Czech "obec" agreeing with a count: 1 obec, 2–4 obce, 5 obcí."""
    if count == 1:
        return "obec"
    return "obce" if 2 <= count <= 4 else "obcí"


def unit_size(obce: pd.DataFrame, region: Region, cache: dict | None = None) -> int | None:
    """Number of obce of the administrative unit a Region names (None for micro-regions and CZ).

    ``len(region.obce) < unit_size(...)`` means the Region holds only part of the
    unit (as :func:`units_as_regions` makes them within a micro-region).
    """
    if region.level not in LEVEL_COLUMNS:
        return None
    cache = {} if cache is None else cache
    if region.level not in cache:
        cache[region.level] = obce[LEVEL_COLUMNS[region.level][0]].astype(str).value_counts()
    size = cache[region.level].get(region.code)
    return int(size) if size is not None else None


def partial_name(region: Region, size: int) -> str:
    """The name of a part of a unit, e.g. "Kroměříž (část: 1 obec z 79)"."""
    return f"{region.name} (část: {len(region.obce)} {_obce_word(len(region.obce))} z {size})"


def _ranks(basis: IndicatorBasis, region: Region, indicators: list[str], cache: dict) -> dict:
    level = region.level
    if level not in LEVEL_COLUMNS or (level != "kraj" and len(region.kraj_codes) != 1):
        return {}
    scope = None if level == "kraj" else region.kraj_codes[0]
    key = (scope, level)
    if key not in cache:
        members = None
        if scope is not None:
            members = basis.obce.loc[basis.obce["kraj_code"] == scope, "obec_code"].to_numpy()
        cache[key] = aggregate(basis, members, level).set_index("unit_code")
    table = cache[key]
    if region.code not in table.index:
        return {}
    out = {"n_ranked": int(len(table))}
    for column in indicators:
        ascending = column in LOWER_IS_BETTER
        ranks = table[column].rank(ascending=ascending, method="min")
        value = ranks.get(region.code)
        out[f"rank_{column}"] = float(value) if value is not None and pd.notna(value) else np.nan
    return out


def compare_regions(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    regions: Sequence[Region],
    population: str = "65+",
    *,
    datapaq: pd.DataFrame | None = None,
    radius_km: float = 10.0,
    terrain_radius_km: float = 15.0,
    catchment_km: float | None = 20.0,
    terrain_attribution: str = "base",
    basis: IndicatorBasis | None = None,
) -> pd.DataFrame:
    """One row per region with every indicator, ranks, reference values and need.

    Parameters
    ----------
    obce : DataFrame
        ``load_obce()`` (all of CZ: the CZ reference and the kraj ranks need it).
    places : DataFrame
        Selected rows of ``load_services().places``.
    regions : sequence of Region
        The regions to compare, in the order of the rows (any levels, e.g.
        ``units_as_regions(obce, find_region("Zlínský kraj"), "orp")``).
    population : str, default "65+"
    datapaq : DataFrame, optional
        ``load_datapaq()``; without it the peer and DataPAQ columns are left out.
    radius_km, terrain_radius_km, catchment_km, terrain_attribution
        As in :func:`~kpss_lib.indicators.coverage.indicator_basis`.
    basis : IndicatorBasis, optional
        Already computed for ``places`` and ``population`` (then the four settings
        above are those of the basis).

    Returns
    -------
    DataFrame
        ``region_code, region_name, region_level, kraj_code, kraj_name``,
        ``partial`` (the Region holds only part of the unit it names; module
        notes) and the indicators. ``attrs``: ``population``, ``settings``,
        ``warnings``, ``indicators`` (the key indicators).
    """
    if not regions:
        raise UnknownValueError("regions: expected at least one Region to compare")
    bad = [r for r in regions if not isinstance(r, Region)]
    if bad:
        raise UnknownValueError(f"regions: expected Region objects (find_region(...)), got {bad[0]!r}")
    if basis is None:
        basis = indicator_basis(obce, places, population, radius_km=radius_km, terrain_radius_km=terrain_radius_km,
                                catchment_km=catchment_km, terrain_attribution=terrain_attribution)
    cz = aggregate(basis, None, None, region_code="CZ", region_name="Česká republika")
    indicators = key_indicators(cz)
    kraj_rows: dict[str, pd.Series] = {}
    rank_cache: dict = {}
    size_cache: dict = {}
    rows, warnings = [], []
    for region in regions:
        row = aggregate(basis, region, None)
        warnings.extend(row.attrs["warnings"])
        # A whole-region row's shares of its own total are 1 by definition: left out.
        own_shares = [c for c in row.columns if c.startswith("share_") and c not in _KEPT_SHARES]
        record = row.iloc[0].drop(labels=[*(c for c in _DROP if c in row.columns), *own_shares]).to_dict()
        size = unit_size(obce, region, size_cache)
        partial = size is not None and len(region.obce) < size
        record = {"region_code": region.code, "region_name": partial_name(region, size) if partial else region.name,
                  "region_level": region.level, **record, "partial": partial}
        if partial:
            level_label = LEVEL_LABELS.get(region.level, region.level)
            warnings.append(
                f"{level_label} {region.name} ({region.code}): ve srovnání je jen {len(region.obce)} "
                f"z {size} obcí, řádek platí jen pro ně; pořadí v kraji, hodnoty DataPAQ a sociálně podobná "
                "ORP popisují celou jednotku, proto se pro tuto část neuvádějí")
        else:
            record.update(_ranks(basis, region, indicators, rank_cache))
        kraj = region.kraj_codes[0] if len(region.kraj_codes) == 1 else None
        if kraj is not None and kraj not in kraj_rows:
            members = basis.obce.loc[basis.obce["kraj_code"] == kraj, "obec_code"].to_numpy()
            kraj_rows[kraj] = aggregate(basis, members, None).iloc[0]
        for column in indicators:
            kraj_value = kraj_rows[kraj][column] if kraj is not None else np.nan
            record[f"{column}_kraj"] = kraj_value
            record[f"{column}_cz"] = cz[column].iloc[0]
            record[f"{column}_vs_kraj"] = record[column] - kraj_value
            record[f"{column}_vs_cz"] = record[column] - cz[column].iloc[0]
        if datapaq is not None:
            record.update(_peers(basis, datapaq, region, indicators, partial))
            for column in indicators:
                record[f"{column}_vs_peers"] = record[column] - record[f"{column}_peers"]
            # DataPAQ publishes values of whole units only: a part gets none (NaN).
            values = datapaq_values(datapaq, obce, "mikroregion" if partial else region.level, [region.code]).iloc[0]
            record.update(values.to_dict())
        rows.append(record)
    table = pd.DataFrame(rows)
    for column in ("n_ranked", *[f"rank_{c}" for c in indicators]):
        if column not in table.columns:  # no region could be ranked (micro-regions, CZ)
            table[column] = np.nan
        table[column] = table[column].astype("Int64")
    table.attrs = {"population": population, "settings": dict(basis.settings), "warnings": warnings,
                   "indicators": indicators}
    return table


def _peers(basis: IndicatorBasis, datapaq: pd.DataFrame, region: Region, indicators: list[str],
           partial: bool = False) -> dict:
    """Pooled indicators over DataPAQ's socially similar ORP of a whole ORP (NaN otherwise)."""
    out: dict = {"n_peers": 0, "peer_names": ""}
    out.update({f"{column}_peers": np.nan for column in indicators})
    whole_orp = region.level == "orp" and not partial
    match = datapaq[datapaq["orp_code"] == region.code] if whole_orp else datapaq.iloc[0:0]
    if match.empty:
        return out
    peers = list(match["peer_codes"].iloc[0])
    members = basis.obce.loc[basis.obce["orp_code"].isin(peers), "obec_code"].to_numpy()
    pooled = aggregate(basis, members, None).iloc[0]
    out["n_peers"] = len(peers)
    out["peer_names"] = ", ".join(match["peer_names"].iloc[0])
    out.update({f"{column}_peers": pooled[column] for column in indicators})
    return out

"""Capacity gaps against a norm, in each service's own unit and form.

A working group asks: "how many beds (clients, …) are missing, where, to reach
the level of the kraj / of ČR / of similar ORP / of our own standard?". The
answer is computed per unit of a level from an
:class:`~kpss_lib.indicators.coverage.IndicatorBasis` and one *measure* (a
(form, capacity unit) pair such as ``residential_beds`` = pobytová, lůžka);
capacities of different measures are never mixed.

Figures per unit
----------------
``needed`` = ``norm_per_1000`` × target population / 1 000 (in the measure's
unit); ``gap`` = max(needed − capacity, 0); ``surplus`` = max(capacity −
needed, 0). Both are kept: the total for a territory is Σ gap and, separately,
Σ surplus; a surplus in one ORP is never silently set off against a gap in
another (people do not move between ORP because a table nets them).
``balance`` = Σ capacity − Σ needed is given beside them, named as what it is.
Values are not rounded (a gap of 7.4 beds means 8 new beds to reach the norm).

Norms (``norm``)
----------------
``"kraj"``
    capacity per 1 000 of the unit's kraj (summed capacity / summed population).
``"cr"``
    the same for all of ČR (the whole basis).
``"median"``
    the median of the per-1 000 values of all units of the same level in the
    unit's kraj (whole kraj, not only the selected territory; units without
    target population are left out of the median); for level ``kraj`` the
    median of the 14 kraje.
``"peers"``
    for an ORP: the pooled value of DataPAQ's socially similar ORP (summed
    capacity / summed population of the peers); needs ``datapaq``; other levels
    raise.
a number
    an explicit norm per 1 000 of the target population, e.g. 25 beds.

With norm ``"kraj"``, over all ORP (or okresy, obce) of one kraj,
Σ gap − Σ surplus = 0: the units' needs add up to the kraj's capacity.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.coverage import FORM_KEYS, LEVEL_COLUMNS, UNIT_KEYS, IndicatorBasis, aggregate
from kpss_lib.load.territory import Region

__all__ = ["NORMS", "capacity_gap", "gap_table", "gap_total", "measure_form_unit", "reference_per_1000"]

#: Named norms; any positive number is also a norm (per 1 000 of the target population).
NORMS = ("kraj", "cr", "median", "peers")

_GAP_COLUMNS = ["measure", "form", "capacity_unit", "population", "capacity", "per_1000", "norm",
                "norm_per_1000", "needed", "gap", "surplus"]


def measure_form_unit(measure: str) -> tuple[str, str]:
    """Czech (form, capacity unit) of a measure key: "residential_beds" → ("pobytová", "lůžka")."""
    forms = {v: k for k, v in FORM_KEYS.items()}
    units = {v: k for k, v in UNIT_KEYS.items()}
    form_key, _, unit_key = str(measure).partition("_")
    if form_key not in forms or unit_key not in units:
        valid = [f"{f}_{u}" for f in FORM_KEYS.values() for u in UNIT_KEYS.values()]
        raise UnknownValueError(f"measure: expected one of {', '.join(valid)}, got {measure!r}")
    return forms[form_key], units[unit_key]


def _check_measure(basis: IndicatorBasis, measure: str) -> None:
    measure_form_unit(measure)
    present = [key for key, _, _ in basis.measures]
    if measure not in present:
        raise UnknownValueError(
            f"measure: {measure!r} is not among the measures of the selection ({', '.join(present)}); "
            "capacities of different forms or units are never mixed")


def _norm_label(norm: "str | float") -> str:
    return f"{float(norm):g} na 1 000" if not isinstance(norm, str) else {
        "kraj": "hodnota kraje", "cr": "hodnota ČR", "median": "medián jednotek kraje",
        "peers": "sociálně podobné ORP (DataPAQ)"}[norm]


def reference_per_1000(
    basis: IndicatorBasis,
    units: pd.DataFrame,
    norm: "str | float",
    measure: str,
    *,
    datapaq: pd.DataFrame | None = None,
) -> pd.Series:
    """The norm per 1 000 of the target population that applies to each unit.

    Parameters
    ----------
    basis : IndicatorBasis
        Of the whole country (``load_obce()``), so that kraj, ČR, medians and
        peers are complete whatever the territory.
    units : DataFrame
        A table of :func:`~kpss_lib.indicators.coverage.aggregate` with
        ``unit_code``, ``level`` and ``kraj_code``.
    norm : {"kraj", "cr", "median", "peers"} or float
        See the module notes; a number is capacity per 1 000 of the target population.
    measure : str
        Measure key, e.g. ``"residential_beds"``.
    datapaq : DataFrame, optional
        ``load_datapaq()``; required for ``norm="peers"``.

    Returns
    -------
    Series
        Norm per 1 000 (in the measure's unit), indexed like ``units``; NaN where
        no reference exists (a kraj without target population, an ORP without peers).
    """
    _check_measure(basis, measure)
    column = f"per_1000_{measure}"
    level = str(units["level"].iloc[0]) if len(units) else "orp"
    if not isinstance(norm, str):
        value = float(norm)
        if not np.isfinite(value) or value < 0:
            raise UnknownValueError(f"norm: expected a non-negative number per 1 000 or one of "
                                    f"{', '.join(NORMS)}, got {norm!r}")
        return pd.Series(value, index=units.index, dtype="float64")
    if norm == "cr":
        return pd.Series(float(aggregate(basis, None, None)[column].iloc[0]), index=units.index)
    if norm == "kraj":
        kraje = aggregate(basis, None, "kraj").set_index("unit_code")[column]
        return units["kraj_code"].map(kraje).astype("float64")
    if norm == "median":
        if level not in LEVEL_COLUMNS:
            raise UnknownValueError(f"norm 'median' needs units of a level ({', '.join(LEVEL_COLUMNS)}), "
                                    f"got level {level!r}")
        everywhere = aggregate(basis, None, level)
        everywhere = everywhere[~everywhere["population_zero"]]
        if level == "kraj":
            return pd.Series(float(everywhere[column].median()), index=units.index)
        medians = everywhere.groupby("kraj_code")[column].median()
        return units["kraj_code"].map(medians).astype("float64")
    if norm == "peers":
        if level != "orp":
            raise UnknownValueError(f"norm 'peers' exists only for ORP (DataPAQ), got level {level!r}")
        if datapaq is None:
            raise UnknownValueError("norm 'peers' needs datapaq=load_datapaq()")
        peers = datapaq.set_index("orp_code")["peer_codes"]
        orp = aggregate(basis, None, "orp").set_index("unit_code")
        capacity_column = f"capacity_{measure}"

        def pooled(code: str) -> float:
            # Summed capacity / summed population of the peers, as compare_regions pools them.
            chosen = orp.reindex([c for c in peers.get(code, ()) if c in orp.index])
            people = chosen["population"].sum()
            return float(chosen[capacity_column].sum() / people * 1000) if people > 0 else np.nan

        return units["unit_code"].astype(str).map(pooled).astype("float64")
    raise UnknownValueError(f"norm: expected one of {', '.join(NORMS)} or a number per 1 000, got {norm!r}")


def capacity_gap(units: pd.DataFrame, norm_per_1000: "pd.Series | float", measure: str,
                 *, norm_label: str = "") -> pd.DataFrame:
    """Capacity needed, gap and surplus per unit for one measure.

    Parameters
    ----------
    units : DataFrame
        With ``unit_code``, ``unit_name``, ``population`` (target, people) and
        ``capacity_<measure>`` (e.g. from :func:`~kpss_lib.indicators.coverage.aggregate`).
    norm_per_1000 : Series or float
        Norm per 1 000 of the target population per row of ``units`` (same index), or one value.
    measure : str
        Measure key, e.g. ``"residential_beds"``.
    norm_label : str, default ""
        Czech description of the norm, copied to the ``norm`` column.

    Returns
    -------
    DataFrame
        The identifying columns of ``units`` (``unit_code, unit_name, level``,
        ``kraj_code, kraj_name`` where present) and ``measure, form,
        capacity_unit`` (Czech), ``population``, ``capacity``, ``per_1000``,
        ``norm``, ``norm_per_1000``, ``needed``, ``gap`` (≥ 0), ``surplus`` (≥ 0),
        all in the measure's unit; NaN where the norm is NaN.
    """
    form, unit = measure_form_unit(measure)
    capacity_column = f"capacity_{measure}"
    if capacity_column not in units.columns:
        raise UnknownValueError(f"units: no column {capacity_column!r}; the selection has no {form} "
                                f"service counted in {unit}")
    keep = [c for c in ("unit_code", "unit_name", "level", "kraj_code", "kraj_name", "partial") if c in units.columns]
    out = units[keep].copy()
    out["measure"], out["form"], out["capacity_unit"] = measure, form, unit
    population = units["population"].astype("float64")
    capacity = units[capacity_column].astype("float64")
    out["population"] = population
    out["capacity"] = capacity
    out["per_1000"] = capacity / population.where(population > 0) * 1000
    out["norm"] = norm_label
    out["norm_per_1000"] = (norm_per_1000.reindex(units.index).astype("float64")
                            if isinstance(norm_per_1000, pd.Series) else float(norm_per_1000))
    out["needed"] = out["norm_per_1000"] * population / 1000
    difference = out["needed"] - capacity
    out["gap"] = difference.clip(lower=0) + 0.0  # + 0.0 turns -0.0 into 0.0 for display
    out["surplus"] = (-difference).clip(lower=0) + 0.0
    return out


def gap_table(
    basis: IndicatorBasis,
    region: "Region | Iterable[str] | None",
    level: str,
    measure: str,
    norm: "str | float" = "kraj",
    *,
    datapaq: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Gap per unit of ``level`` within ``region`` against ``norm`` (module notes).

    Parameters
    ----------
    basis : IndicatorBasis
        :func:`~kpss_lib.indicators.coverage.indicator_basis` of the whole country
        for the selection and target population (distances not needed:
        ``radius_km=None, catchment_km=None`` is the cheap one).
    region : Region, iterable of obec codes, or None
        The territory; None = the whole basis.
    level : {"obec", "pou", "orp", "okres", "kraj"}
    measure : str
        Measure key, e.g. ``"residential_beds"`` (:func:`~kpss_lib.indicators.coverage.default_measure`).
    norm : {"kraj", "cr", "median", "peers"} or float, default "kraj"
    datapaq : DataFrame, optional
        Needed for ``norm="peers"``.

    Returns
    -------
    DataFrame
        :func:`capacity_gap` per unit, sorted by gap (largest first); ``attrs``:
        ``population``, ``settings`` and ``warnings`` (Czech lines for units without a norm).

    Examples
    --------
    >>> basis = indicator_basis(load_obce(), select_services(places, "domovy pro seniory"),
    ...                         "65+", radius_km=None)  # doctest: +SKIP
    >>> gap_table(basis, find_region("Zlínský kraj"), "orp", "residential_beds", "cr")  # doctest: +SKIP
    """
    _check_measure(basis, measure)
    units = aggregate(basis, region, level)
    norms = reference_per_1000(basis, units, norm, measure, datapaq=datapaq)
    out = capacity_gap(units, norms, measure, norm_label=_norm_label(norm))
    out = out.sort_values(["gap", "unit_code"], ascending=[False, True]).reset_index(drop=True)
    warnings = list(units.attrs.get("warnings", []))
    warnings += [f"{row.unit_name} ({row.unit_code}): norma ({_norm_label(norm)}) není k dispozici, chybějící "
                 "kapacita není spočtena" for row in out[out["norm_per_1000"].isna()].itertuples()]
    out.attrs = {"population": basis.population, "settings": dict(basis.settings), "warnings": warnings}
    return out


def gap_total(gaps: pd.DataFrame, code: str = "total", name: str = "celkem") -> pd.DataFrame:
    """One row summing a :func:`gap_table` (or :func:`capacity_gap`) over its units.

    ``gap`` and ``surplus`` are summed separately (never netted); ``balance`` =
    Σ capacity − Σ needed states the net figure under its own name;
    ``n_units_gap`` and ``n_units_surplus`` count the units below and above the
    norm. Units without a norm (NaN) are left out of the sums and counted in
    ``n_units_no_norm``.
    """
    measures = gaps["measure"].unique()
    if len(measures) > 1:
        raise UnknownValueError(f"gaps: one measure at a time, got {', '.join(map(str, measures))}")
    valid = gaps[gaps["norm_per_1000"].notna()]
    row = {"unit_code": code, "unit_name": name,
           "measure": measures[0] if len(measures) else None,
           "form": gaps["form"].iloc[0] if len(gaps) else None,
           "capacity_unit": gaps["capacity_unit"].iloc[0] if len(gaps) else None,
           "norm": gaps["norm"].iloc[0] if len(gaps) else None,
           "population": float(gaps["population"].sum()), "capacity": float(gaps["capacity"].sum()),
           "needed": float(valid["needed"].sum()), "gap": float(valid["gap"].sum()),
           "surplus": float(valid["surplus"].sum()),
           "balance": float(valid["capacity"].sum() - valid["needed"].sum()),
           "n_units_gap": int((valid["gap"] > 0).sum()), "n_units_surplus": int((valid["surplus"] > 0).sum()),
           "n_units_no_norm": int(gaps["norm_per_1000"].isna().sum())}
    return pd.DataFrame([row])

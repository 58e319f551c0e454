"""Current supply and capacity left out: the dates and totals behind honest figures.

* :func:`on_date` (``ServiceData.on``): the services provided on a reference date;
  ended or not yet started ones move to ``excluded`` with the reason.
* :func:`unplaced_capacity` (``ServiceData.unplaced``) and :func:`capacity_total`:
  capacity of services none of whose places could be placed in the territory, so a
  ČR (or kraj) total can include it with a note.
* :func:`population_date`, :func:`dates_note`: the population's date (as ``kpss data``
  lists it; an input's own date is :func:`kpss_lib.load.services.input_date`) and a
  Czech note when the services' and the population's dates are more than a year apart.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from kpss_lib.config import INPUT_FILES
from kpss_lib.errors import UnknownValueError
from kpss_lib.load.services import EXCLUDED_COLUMNS, ServiceData, service_types
from kpss_lib.load.tables import parse_date


def population_date() -> pd.Timestamp:
    """The date of the population counts every per-capita indicator divides by (31 Dec 2020)."""
    return pd.Timestamp(INPUT_FILES["obyvatelstvo_obce_2020.csv"]["as_of"])


def dates_note(services_date: pd.Timestamp | None, population_date: pd.Timestamp | None,
               max_gap_days: int = 366) -> str | None:
    """Czech note for a per-capita output whose services and population dates differ by more than a year.

    Parameters
    ----------
    services_date, population_date : Timestamp or None
        ``ServiceData.reference_date`` (or ``data_date``) and :func:`population_date`.
    max_gap_days : int, default 366
        Larger gaps get the note; None when either date is unknown or the gap is smaller.
    """
    if services_date is None or population_date is None or pd.isna(services_date) or pd.isna(population_date):
        return None
    if abs((pd.Timestamp(services_date) - pd.Timestamp(population_date)).days) <= max_gap_days:
        return None
    return (f"Služby ke dni {pd.Timestamp(services_date):%-d. %-m. %Y}, obyvatelstvo ke dni "
            f"{pd.Timestamp(population_date):%-d. %-m. %Y}: podíly na 1 000 obyvatel srovnávají údaje "
            "z různých let.")


def provided_reason(frame: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    """Per row: "" when provided on ``when``, else why not (Czech, for the excluded table)."""
    ended = frame["date_to"].notna() & (frame["date_to"] < when)
    not_started = frame["date_from"].notna() & (frame["date_from"] > when)
    reason = np.where(ended, "ukončena před " + f"{when:%Y-%m-%d}",
                      np.where(not_started, "zahájena až po " + f"{when:%Y-%m-%d}", ""))
    return pd.Series(reason, index=frame.index)


def on_date(data: ServiceData, date: str | pd.Timestamp | None) -> ServiceData:
    if date is None or (isinstance(date, str) and not date.strip()):
        if data.data_date is None:
            raise UnknownValueError("no reference date: the services input does not state its own date "
                                    "(expected a date YYYY-MM-DD, e.g. the day rpss.json was downloaded)")
        when = data.data_date
    else:
        try:
            when = parse_date(date)
        except ValueError:
            when = None
        if when is None:
            raise UnknownValueError(f"reference date: expected YYYY-MM-DD or D. M. YYYY, got {date!r}")
    reason = provided_reason(data.services, when)
    gone = data.services[reason != ""].assign(reason=reason[reason != ""])
    key = ["service_id", "form", "capacity_unit"]
    gone_keys = pd.MultiIndex.from_frame(gone[key])
    keep_places = ~pd.MultiIndex.from_frame(data.places[key]).isin(gone_keys)
    parts = [part for part in (data.excluded, gone.reindex(columns=EXCLUDED_COLUMNS)) if len(part)]
    excluded = pd.concat(parts, ignore_index=True) if parts else gone.reindex(columns=EXCLUDED_COLUMNS)
    return replace(data, services=data.services[reason == ""].reset_index(drop=True),
                   places=data.places[keep_places].reset_index(drop=True),
                   excluded=excluded, reference_date=when)


def unplaced_capacity(rejected: pd.DataFrame) -> pd.DataFrame:
    lost = rejected[(rejected["capacity_fate"] == "lost") & (rejected["column"] == "obec_code")]
    lost = lost.drop_duplicates(["service_id", "form", "capacity_unit"])
    names = service_types().set_index("type_code")["type_name"]
    lost = lost.assign(type_name=lost["type_code"].map(names))
    return lost[["service_id", "service_name", "type_code", "type_name", "form", "capacity_unit", "capacity",
                 "kraj_code", "kraj_source"]].reset_index(drop=True)


def capacity_total(data: ServiceData, type_codes: Sequence[str], capacity_unit: str,
                   kraj_code: str | None = None) -> pd.DataFrame:
    """Capacity of some kinds counted once per service, placed and unplaced, per form.

    Parameters
    ----------
    data : ServiceData
        A load (optionally ``.on(date)``: unplaced records carry no dates, so they
        are counted as the register lists them).
    type_codes : sequence of str
        MPSV codes of the kinds (``type_code``).
    capacity_unit : str
        Czech label of the unit, e.g. ``"lůžka"``; units are never added up.
    kraj_code : str, optional
        NUTS3 code: the kraj's total, with the unplaced services attributed to it.
        Default: the whole ČR.

    Returns
    -------
    DataFrame
        ``form, placed, unplaced, total, n_unplaced_services, note`` (capacity in the
        unit; ``note`` in Czech names the unplaced services).
    """
    services = data.services[data.services["type_code"].isin(type_codes)
                             & (data.services["capacity_unit"] == capacity_unit)]
    unplaced = data.unplaced()
    unplaced = unplaced[unplaced["type_code"].isin(type_codes) & (unplaced["capacity_unit"] == capacity_unit)]
    if kraj_code is not None:
        services = services[services["kraj_code"] == kraj_code]
        unplaced = unplaced[unplaced["kraj_code"] == kraj_code]
    rows = []
    for form in sorted(set(services["form"]) | set(unplaced["form"])):
        placed = float(services.loc[services["form"] == form, "capacity"].sum())
        extra = unplaced[unplaced["form"] == form]
        note = (f"včetně {extra['capacity'].sum():.0f} ({capacity_unit}) u {len(extra)} služeb bez místa "
                f"v území: {', '.join(extra['service_id'])}") if len(extra) else ""
        rows.append({"form": form, "placed": placed, "unplaced": float(extra["capacity"].sum()),
                     "total": placed + float(extra["capacity"].sum()), "n_unplaced_services": len(extra),
                     "note": note})
    return pd.DataFrame(rows, columns=["form", "placed", "unplaced", "total", "n_unplaced_services", "note"])


#: Columns of :func:`left_out_capacity`.
LEFT_OUT_COLUMNS = ["why", "form", "capacity_unit", "n_services", "capacity"]


def _with_type_columns(frame: pd.DataFrame, services: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``category`` and ``target_groups`` (the service's own, else its kind's) for a selection."""
    types = service_types().set_index("type_code")
    own = services.drop_duplicates("service_id").set_index("service_id")["target_groups"]
    groups = frame["service_id"].map(own)
    groups = groups.where(groups.notna(), frame["type_code"].map(types["target_groups"]))
    return frame.assign(category=frame["type_code"].map(types["category"]), target_groups=groups.fillna(""))


def left_out_capacity(data: ServiceData, selection: "object | None" = None) -> pd.DataFrame:
    """Capacity in no figure, and why: rejected records without a place and services outside the date.

    Parameters
    ----------
    data : ServiceData
        A load, optionally ``.on(date)``.
    selection : Selection, optional
        Count only the kinds, forms and units of this selection
        (:class:`kpss_lib.indicators.selection.Selection`; anything with ``apply(frame)``).

    Returns
    -------
    DataFrame
        One row per ``why`` ("bez obce": rejected, no place of the service in the
        territory; "vadný záznam": rejected for another reason and not loaded elsewhere;
        "mimo datum": not provided on the reference date), ``form`` and
        ``capacity_unit``: ``n_services`` and ``capacity`` (in the unit, counted once
        per service, form and unit). Capacity a rejected record carried that is
        counted at another place of its service (``capacity_fate == "moved"``) is not here.
    """
    lost = data.rejected[data.rejected["capacity_fate"] == "lost"]
    lost = lost.assign(why=np.where(lost["column"] == "obec_code", "bez obce", "vadný záznam"))
    excluded = data.excluded.assign(why="mimo datum")
    parts = []
    for frame in (lost, excluded):
        frame = frame.dropna(subset=["service_id", "form", "capacity_unit"])
        if len(frame) and selection is not None:
            frame = selection.apply(_with_type_columns(frame, data.services))
        parts.append(frame.drop_duplicates(["why", "service_id", "form", "capacity_unit"]))
    both = pd.concat([p[["why", "service_id", "form", "capacity_unit", "capacity"]] for p in parts],
                     ignore_index=True)
    if both.empty:
        return pd.DataFrame(columns=LEFT_OUT_COLUMNS)
    both["capacity"] = pd.to_numeric(both["capacity"], errors="coerce").fillna(0.0)
    table = (both.groupby(["why", "form", "capacity_unit"], sort=True)
             .agg(n_services=("service_id", "nunique"), capacity=("capacity", "sum")).reset_index())
    return table[LEFT_OUT_COLUMNS]


def left_out_line(data: ServiceData, selection: "object | None" = None) -> str:
    """One Czech line: how many records were rejected and how much capacity of the selection is left out, why.

    E.g. "vyřazeno 59 záznamů; kapacita mimo výpočet: 499 lůžek (pobytová) – bez obce".
    """
    from kpss_lib.vocabulary.numbers import capacity_text  # vocabulary speaks; load only counts

    n = len(data.rejected)
    verb = "vyřazen" if n == 1 else "vyřazeny" if 2 <= n <= 4 else "vyřazeno"
    noun = "záznam" if n == 1 else "záznamy" if 2 <= n <= 4 else "záznamů"
    line = f"{verb} {n} {noun}"
    if len(data.excluded):
        line += f", {len(data.excluded)} služeb neposkytováno k referenčnímu datu"
    table = left_out_capacity(data, selection)
    table = table[table["capacity"] > 0]
    if table.empty:
        return f"{line}; kapacita výběru mimo výpočet: žádná"
    items = "; ".join(f"{capacity_text(row.capacity, row.capacity_unit)} ({row.form}) – {row.why}"
                      for row in table.itertuples())
    return f"{line}; kapacita mimo výpočet: {items}"

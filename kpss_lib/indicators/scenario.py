"""Scenarios: an analyst's changes to the register, and the indicators before and after.

A scenario is a file in the services template (``kpss template services``),
read by the same reader and validated by the same rules as every services
input (:func:`kpss_lib.load.services.standardize`). How a row is understood:

new service
    a row whose ``id_sluzby`` (with its ``forma`` and ``jednotka_kapacity``) is
    not in the register: a service added where ``kod_obce`` (and ``lat``/``lon``
    if given) says, usually with ``stav`` = ``plánovaná``. Capacity must be > 0.
    Listed at several obce, it splits its capacity over them like the register.
capacity change
    a row with an existing ``id_sluzby``: its ``kapacita`` *replaces* the
    registered capacity of that service, form and unit, at the register's own
    places (split over them as before). Only ``id_sluzby`` and ``kapacita`` are
    needed; empty columns are taken from the register (``forma`` and
    ``jednotka_kapacity`` only when the service has a single one). A ``kod_obce``
    that is not one of the service's registered obce is an error: to move a
    service, close it and add a new one under a new id.
closure
    a row with an existing ``id_sluzby`` and ``kapacita`` 0, or ``stav`` =
    ``zrušená`` (then ``kapacita`` may be empty). Closing a service that is not
    in the register is an error.

Nothing of the register input is modified: :func:`apply_scenario` returns a new
table. Every change is listed in the ``change`` column of :func:`read_scenario`
(``nová``, ``změna kapacity``, ``zrušení``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError, ValidationError
from kpss_lib.indicators.coverage import indicator_basis, indicator_table
from kpss_lib.load.services import CAPACITY_UNITS, FORMS, read_services_template, standardize
from kpss_lib.load.territory import Region, normalize_name

__all__ = ["CHANGES", "CLOSED_STATUS", "apply_scenario", "compare_scenarios", "new_places", "read_scenario"]

#: Status of a template row that closes a service (not a register status; only scenarios know it).
CLOSED_STATUS = "zrušená"
#: Kinds of change of a scenario row.
CHANGES = ("nová", "změna kapacity", "zrušení")
_KEY = ["service_id", "form", "capacity_unit"]
_FILLED = ["service_name", "provider_name", "provider_ico", "type_code", "form", "capacity_unit", "obec_code"]
_QUOTED = 5


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype("string").str.strip().fillna("") == "")


def _carried(value: object) -> str:
    """A row's capacity as the reader left it: a parsed number plainly (3, 2.5), anything else quoted."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and np.isfinite(value):
        return f"{float(value):g}"
    return repr(value)


def _raise_rejected(rejected: pd.DataFrame, path: Path, capacity: Mapping[str, object]) -> None:
    """ValidationError quoting the first rejected rows with the capacity each carried."""
    rejected = rejected.assign(capacity=rejected["record"].map(capacity))
    quoted = "; ".join(f"{r.record}, column {r.column!r}: {r.reason} (got {r.value!r}; kapacita {_carried(r.capacity)})"
                       for r in rejected.head(_QUOTED).itertuples())
    more = f" and {len(rejected) - _QUOTED} more" if len(rejected) > _QUOTED else ""
    raise ValidationError(f"{path}: {len(rejected)} scenario row(s) rejected: {quoted}{more}", rejected=rejected)


def read_scenario(path: str | Path, register: pd.DataFrame) -> pd.DataFrame:
    """Read and validate a scenario file against the register (module notes).

    Parameters
    ----------
    path : str or Path
        CSV or XLSX in the services template.
    register : DataFrame
        ``load_services().places`` (the whole register, so that every existing
        id is recognised whatever the selection).

    Returns
    -------
    DataFrame
        One row per scenario row, in the columns of ``places`` (``place_id`` =
        ``<file>:<row>``), plus ``change`` (one of :data:`CHANGES`).

    Raises
    ------
    ValidationError
        naming file, row, column, reason and value of every rejected row
        (``rejected`` holds them all); nothing is applied then.
    """
    path = Path(path)
    long = read_services_template(path)
    carried = dict(zip(long["record"], long["capacity"]))  # as written, for error messages
    long[_FILLED + ["capacity", "status"]] = long[_FILLED + ["capacity", "status"]].astype(object)  # empty columns read as float
    status = long["status"].map(lambda v: normalize_name(v) if isinstance(v, str) else "")
    closing = (status == normalize_name(CLOSED_STATUS)).to_numpy()
    long.loc[closing, "status"] = "registrovaná"
    long.loc[closing & _blank(long["capacity"]).to_numpy(), "capacity"] = "0"

    existing = long["service_id"].isin(register["service_id"]).to_numpy()
    rejected = []
    if existing.any():
        reference = register.drop_duplicates("service_id").set_index("service_id")
        codes = {"form": {v: k for k, v in FORMS.items()}, "capacity_unit": {v: k for k, v in CAPACITY_UNITS.items()}}
        pairs = register.drop_duplicates(_KEY).groupby("service_id")
        single = pairs.size() == 1
        for column in _FILLED:
            blank = _blank(long[column]).to_numpy() & existing
            if not blank.any():
                continue
            ids = long.loc[blank, "service_id"]
            if column in codes:
                # A form or unit can be filled in only when the service has just one.
                fillable = ids.map(single).fillna(False).astype(bool).to_numpy()
                values = ids.map(reference[column]).map(codes[column])
                long.loc[blank, column] = values.where(fillable, long.loc[blank, column]).to_numpy()
            else:
                long.loc[blank, column] = ids.map(reference[column]).to_numpy()
        registered_obce = register.groupby("service_id")["obec_code"].agg(set)
        for position in np.flatnonzero(existing):
            row = long.iloc[position]
            if str(row["obec_code"]).strip() not in registered_obce[row["service_id"]]:
                rejected.append({"file": path.name, "record": row["record"], "column": "obec_code",
                                 "reason": "a capacity change keeps the service's registered places; to move a "
                                           "service close it (kapacita 0) and add it under a new id",
                                 "value": str(row["obec_code"])})
    data = standardize(long)
    rejected = pd.concat([pd.DataFrame(rejected, columns=data.rejected.columns), data.rejected], ignore_index=True)
    if len(rejected):
        _raise_rejected(rejected, path, carried)

    changes = data.places.copy()
    changes["record"] = ("row " + changes["place_id"].astype(str).str.rsplit(":", n=1).str[-1]
                         + " (" + changes["service_id"].astype(str) + ")")
    keys = pd.MultiIndex.from_frame(changes[_KEY])
    in_register = keys.isin(pd.MultiIndex.from_frame(register[_KEY]))
    closed = changes["capacity"].to_numpy() == 0
    changes["change"] = np.where(in_register, np.where(closed, "zrušení", "změna kapacity"), "nová")
    problems = []
    for row in changes[~in_register & closed].itertuples():
        problems.append({"file": path.name, "record": row.record, "column": "capacity",
                         "reason": "closes a service, form and unit that is not in the register (or a new "
                                   "service without capacity)", "value": "0"})
    twice = in_register & changes.duplicated(_KEY, keep=False).to_numpy()
    for row in changes[twice].itertuples():
        problems.append({"file": path.name, "record": row.record, "column": "service_id",
                         "reason": "the same registered service, form and unit is changed in several rows",
                         "value": row.service_id})
    if problems:
        _raise_rejected(pd.DataFrame(problems), path, carried)
    changes.attrs["scenario"] = path.stem
    return changes


def apply_scenario(places: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """The register after a scenario: closures removed, capacities replaced, new services added.

    Parameters
    ----------
    places : DataFrame
        ``load_services().places`` (or a selection of it that contains every
        service the scenario changes). Not modified.
    changes : DataFrame
        :func:`read_scenario` or :func:`new_places`: rows with ``change``.

    Returns
    -------
    DataFrame
        A new places table: ``capacity`` and ``capacity_share`` of changed
        services replaced (the capacity split over the service's places as in
        the register), closed ones dropped, new rows appended.

    Raises
    ------
    UnknownValueError
        when a change or closure refers to a service, form and unit not in ``places``.
    """
    if "change" not in changes.columns:
        raise UnknownValueError("changes: expected the table of read_scenario() or new_places() (column 'change')")
    unknown = sorted(set(changes["change"]) - set(CHANGES))
    if unknown:
        raise UnknownValueError(f"changes: column 'change' must be one of {', '.join(CHANGES)}, got {unknown}")
    edits = changes[changes["change"] != "nová"]
    keys = pd.MultiIndex.from_frame(places[_KEY])
    edit_keys = pd.MultiIndex.from_frame(edits[_KEY])
    missing = ~edit_keys.isin(keys)
    if missing.any():
        raise UnknownValueError(
            f"changes: {int(missing.sum())} change(s) refer to services not in places, e.g. "
            f"{list(edit_keys[missing][:_QUOTED])}; apply the scenario to the whole register, then select")
    new_capacity = pd.Series(edits["capacity"].to_numpy(dtype="float64"), index=edit_keys)
    touched = keys.isin(edit_keys)
    after = places.copy()
    capacity = pd.Series(np.asarray(keys[touched].map(new_capacity.get), dtype="float64"))
    after.loc[touched, "capacity"] = capacity.to_numpy()
    after.loc[touched, "capacity_share"] = capacity.to_numpy() / after.loc[touched, "n_places"].to_numpy()
    after = after[~(touched & (after["capacity"].to_numpy(dtype="float64") == 0))]
    added = changes[changes["change"] == "nová"].drop(columns=["change", "record"], errors="ignore")
    out = pd.concat([after, added], ignore_index=True) if len(added) else after.reset_index(drop=True)
    out.attrs = dict(places.attrs)
    return out


def new_places(
    obce: pd.DataFrame,
    obec_codes: Iterable[str],
    capacity: float,
    form: str,
    capacity_unit: str,
    *,
    name: str = "nové místo",
    prefix: str = "navrh",
) -> pd.DataFrame:
    """Planned services at obce's definition points, as scenario rows (``change`` = ``nová``).

    Parameters
    ----------
    obce : DataFrame
        ``load_obce()``.
    obec_codes : iterable of str
        One new service in each obec.
    capacity : float
        Capacity of each new service, in ``capacity_unit``; > 0.
    form, capacity_unit : str
        Czech form ("pobytová") and unit ("lůžka") as in ``places``.
    name : str, default "nové místo"
        Service name; the obec name is appended.
    prefix : str, default "navrh"
        Service ids are ``<prefix>-<obec code>``.
    """
    if not np.isfinite(capacity) or capacity <= 0:
        raise UnknownValueError(f"capacity: expected a positive number of {capacity_unit}, got {capacity!r}")
    if form not in FORMS.values() or capacity_unit not in CAPACITY_UNITS.values():
        raise UnknownValueError(f"form/capacity_unit: expected one of {', '.join(FORMS.values())} and one of "
                                f"{', '.join(CAPACITY_UNITS.values())}, got {form!r}, {capacity_unit!r}")
    codes = [str(c) for c in obec_codes]
    rows = obce.set_index(obce["obec_code"].astype(str)).reindex(codes)
    if rows["x"].isna().any():
        raise UnknownValueError(f"obec_codes: unknown obce {[c for c, x in zip(codes, rows['x']) if pd.isna(x)]}")
    return pd.DataFrame({
        "service_id": [f"{prefix}-{c}" for c in codes], "service_name": [f"{name} ({n})" for n in rows["obec_name"]],
        "provider_name": "", "form": form, "capacity_unit": capacity_unit, "capacity": float(capacity),
        "capacity_share": float(capacity), "n_places": 1, "place_id": [f"{prefix}:{c}" for c in codes],
        "obec_code": codes, "obec_name": rows["obec_name"].to_numpy(), "orp_code": rows["orp_code"].to_numpy(),
        "kraj_code": rows["kraj_code"].to_numpy(), "x": rows["x"].to_numpy(), "y": rows["y"].to_numpy(),
        "status": "plánovaná", "change": "nová",
    })


def _indicator_columns(table: pd.DataFrame) -> list[str]:
    prefixes = ("capacity_", "per_1000_", "access_per_1000_")
    fixed = ["n_white_spots", "population_white_spots", "share_population_white_spots", "mean_distance_km"]
    return [c for c in table.columns if c.startswith(prefixes)] + [c for c in fixed if c in table.columns]


def compare_scenarios(
    obce: pd.DataFrame,
    places: pd.DataFrame,
    scenarios: Mapping[str, pd.DataFrame],
    region: "Region | Iterable[str] | None" = None,
    level: str = "orp",
    population: str = "65+",
    *,
    select: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    radius_km: float = 10.0,
    catchment_km: float = 20.0,
    terrain_radius_km: float = 15.0,
    basis_arguments: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Indicators per unit before and after each scenario, side by side.

    Parameters
    ----------
    obce : DataFrame
        ``load_obce()`` (the whole country: reach and demand cross borders).
    places : DataFrame
        The register's places (whole, when ``select`` is given).
    scenarios : mapping of name → DataFrame
        Scenario rows (:func:`read_scenario`, :func:`new_places`).
    region : Region, iterable of obec codes, or None
    level : {"obec", "pou", "orp", "okres", "kraj"}, default "orp"
        ``"obec"`` gives the per-obec figures.
    population : str, default "65+"
    select : callable, optional
        Applied to the places before and after each scenario, e.g.
        ``lambda p: select_services(p, "domovy pro seniory")``.
    radius_km, catchment_km, terrain_radius_km : float, default 10, 20, 15
        White-spot radius, 2SFCA catchment and assumed terrain reach (km), as in
        :func:`~kpss_lib.indicators.coverage.indicator_basis`.
    basis_arguments : mapping, optional
        Every keyword of :func:`~kpss_lib.indicators.coverage.indicator_basis` at
        once (``Settings.basis_arguments()`` of a study, so that a cost kind or
        a date set there reaches the scenario too); replaces the three above.

    Returns
    -------
    DataFrame
        One row per (scenario, unit) plus a row for the whole region per
        scenario (``level`` of the region): ``scenario, unit_code, unit_name,
        level``, and for each indicator (capacities, per 1 000, 2SFCA per
        1 000 per measure, white spots, mean distance) ``<ind>_before``,
        ``<ind>_after``, ``<ind>_change`` (after − before).
    """
    choose = select or (lambda frame: frame)
    settings = (dict(basis_arguments) if basis_arguments is not None else
                {"radius_km": radius_km, "catchment_km": catchment_km, "terrain_radius_km": terrain_radius_km})

    def table_of(frame: pd.DataFrame) -> pd.DataFrame:
        basis = indicator_basis(obce, choose(frame), population, **settings)
        return indicator_table(obce, frame, region, level, population, total=True, basis=basis)

    before = table_of(places)
    ident = ["unit_code", "unit_name", "level"]
    parts = []
    for name, changes in scenarios.items():
        after = table_of(apply_scenario(places, changes))
        columns = list(dict.fromkeys(_indicator_columns(before) + _indicator_columns(after)))
        left = before.set_index("unit_code").reindex(columns=columns)
        right = after.set_index("unit_code").reindex(columns=columns)
        # A measure present on one side only is zero capacity on the other, not unknown.
        zero = [c for c in columns if c.startswith(("capacity_", "access_per_1000_"))]
        left[zero], right[zero] = left[zero].fillna(0.0), right[zero].fillna(0.0)
        part = after[ident].copy()
        part.insert(0, "scenario", name)
        for column in columns:
            part[f"{column}_before"] = left[column].reindex(part["unit_code"]).to_numpy()
            part[f"{column}_after"] = right[column].reindex(part["unit_code"]).to_numpy()
            part[f"{column}_change"] = part[f"{column}_after"] - part[f"{column}_before"]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["scenario", *ident])
    out.attrs = {"population": population, "settings": settings}
    return out

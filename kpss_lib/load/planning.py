"""Planning data: projects and their funding, partners, plans and plan monitoring.

The project's own data in ``data/`` (see ``data/README.md``) encodes the source
documents: ``projects.csv``, ``project_funding.csv``, ``partners.csv``,
``project_partners.csv`` and ``plans/<plan_id>.yml``. Analysts bring their own
files made from the templates that ``kpss template partners|projects|monitoring``
writes (CSV or XLSX, Czech column labels; the loaders also accept the English
column names of ``data/``).

Validation policy
-----------------
* Projects and funding: a project with any inconsistency (sources that do not add
  up to the total within 1 Kč, a period that ends before it starts, a negative
  amount, an unknown source kind or area) is kept out *as a whole*, with all its
  funding rows: a project shown with part of its money would mislead. Every
  problem is listed in ``rejected`` and the projects kept out in ``left_out``; the
  valid projects load, so an analyst sees the rest of the file. With
  ``strict=True`` (the default for the project's own ``data/``, whose totals are
  facts of the documents and must fail loudly) any problem raises
  :class:`~kpss_lib.errors.ValidationError` instead, and nothing partial is returned.
* Partners and monitoring: a bad row (empty or unknown kind, unknown role, obec
  code, measure, state or year; a negative amount; values or a note without a
  state) is kept out and listed in ``rejected``; the valid rows load. One typo
  should not hide a map of thirty partners.
* Plans: a structural error (duplicated or misnumbered ids, a period that ends
  before it starts) raises ValidationError.

Every ``rejected`` table has the columns ``file, record, column, reason, value``.
"""
from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kpss_lib.config import PROJECT_DATA_DIR
from kpss_lib.errors import DataFileError, UnknownValueError, ValidationError
from kpss_lib.fileio import slugify, write_table_atomic
from kpss_lib.load.services import service_types
from kpss_lib.load.tables import ico_is_valid, is_blank, normalize_ico, parse_date, parse_number, read_table
from kpss_lib.load.territory import (find_region, load_micro_regions, load_obce, normalize_name,
                                     population_column, read_hierarchy)

# --------------------------------------------------------------------------- vocabularies

#: Kinds of funding source.
SOURCE_KINDS = ("EU/ESF", "státní rozpočet", "kraj", "obec", "jiné")
#: Kinds of partner.
PARTNER_KINDS = ("obec", "NNO", "příspěvková organizace", "státní instituce", "zahraniční partner")
#: The kind of a partner whose source does not say it. The kind is required: an empty
#: cell is rejected (a forgotten value), this word states the gap on purpose.
KIND_NOT_STATED = "neuvedeno"
#: Roles in the triad of community planning.
TRIAD_ROLES = ("zadavatel", "poskytovatel", "uživatel")
#: Roles of a partner in one project.
PROJECT_ROLES = ("žadatel", "partner", "dodavatel")
#: States of a plan measure in a monitoring year.
MONITORING_STATES = ("nezahájeno", "probíhá", "splněno", "zrušeno")
#: How a project's area is given: an administrative unit by code, a micro-region of
#: ``data/micro_regions.yml`` by name, or an explicit list of obec codes.
AREA_LEVELS = ("obec", "orp", "okres", "kraj", "mikroregion", "obce")

#: Tolerance when funding sources are compared with the stated total, Kč.
FUNDING_TOLERANCE_CZK = 1.0
#: Tolerance when a stated share is compared with amount / total (0.5 percentage point).
SHARE_TOLERANCE = 0.005

REJECTED_COLUMNS = ["file", "record", "column", "reason", "value"]
LEFT_OUT_COLUMNS = ["project_id", "name", "file", "record"]

PROJECTS_FILE = PROJECT_DATA_DIR / "projects.csv"
FUNDING_FILE = PROJECT_DATA_DIR / "project_funding.csv"
PARTNERS_FILE = PROJECT_DATA_DIR / "partners.csv"
MEMBERS_FILE = PROJECT_DATA_DIR / "project_partners.csv"
PLANS_DIR = PROJECT_DATA_DIR / "plans"

# Column name in data/ → Czech label used in the analysts' templates. The loaders
# accept either spelling (compared without case and diacritics).
PROJECT_COLUMNS = {
    "project_id": "ID projektu",
    "name": "Název projektu",
    "registration_number": "Registrační číslo",
    "programme": "Program",
    "programme_detail": "Priorita a opatření programu",
    "managing_authority": "Řídící orgán",
    "intermediary_body": "Zprostředkující subjekt",
    "start": "Začátek",
    "end": "Konec",
    "total_czk": "Celkové náklady [Kč]",
    "area_level": "Území – úroveň",
    "area_codes": "Území – kód",
    "partners_stated": "Počet partnerů podle dokumentu",
    "source": "Zdroj údajů",
    "note": "Poznámka",
}
#: Funding columns of the projects template: one amount column per source kind.
FUNDING_TEMPLATE_COLUMNS = {kind: f"{kind} [Kč]" for kind in SOURCE_KINDS}
FUNDING_COLUMNS = {
    "project_id": "ID projektu",
    "source_kind": "Druh zdroje",
    "source_name": "Zdroj financování",
    "amount_czk": "Částka [Kč]",
    "share_stated": "Podíl podle dokumentu",
    "amount_computed": "Částka dopočtena",
    "source": "Zdroj údajů",
    "note": "Poznámka",
}
PARTNER_COLUMNS = {
    "partner_id": "ID partnera",
    "name": "Název",
    "kind": "Druh",
    "triad_role": "Role v triádě",
    "ico": "IČO",
    "obec_code": "Kód obce",
    "country": "Stát",
    "source": "Zdroj údajů",
    "note": "Poznámka",
}
MEMBER_COLUMNS = {
    "project_id": "ID projektu",
    "partner_id": "ID partnera",
    "role_in_project": "Role v projektu",
    "source": "Zdroj údajů",
    "note": "Poznámka k účasti",
}
MONITORING_COLUMNS = {
    "plan_id": "ID plánu",
    "measure_id": "ID opatření",
    "target_group_name": "Cílová skupina",
    "goal_name": "Cíl",
    "measure_name": "Opatření",
    "year": "Rok",
    "state": "Stav",
    "indicator_name": "Ukazatel",
    "target_value": "Cílová hodnota",
    "unit": "Jednotka",
    "actual": "Skutečná hodnota",
    "spent_czk": "Čerpáno [Kč]",
    "note": "Poznámka",
}


# --------------------------------------------------------------------------- result types

@dataclass(frozen=True)
class ProjectData:
    """Projects with their funding sources.

    ``projects``: one row per project, columns of :data:`PROJECT_COLUMNS` with
    ``start``/``end`` as Timestamps, ``total_czk`` float (Kč, NaN when not stated),
    ``partners_stated`` nullable int, ``months`` (length of the period in months).
    ``funding``: one row per project × source, columns of :data:`FUNDING_COLUMNS`
    (``amount_czk`` float Kč, NaN when the document names the source without an
    amount; ``share_stated`` 0–1; ``amount_computed`` bool, True when the amount was
    computed from a stated share). ``rejected``: one row per problem found (``file,
    record, column, reason, value``). ``left_out``: the projects kept out because of
    those problems (``project_id, name, file, record``; a problem row without a
    usable project id is only in ``rejected``). Both are empty when every project is
    consistent.
    """

    projects: pd.DataFrame
    funding: pd.DataFrame
    rejected: pd.DataFrame
    left_out: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEFT_OUT_COLUMNS))

    def __repr__(self) -> str:
        text = f"ProjectData({len(self.projects)} projects, {len(self.funding)} funding rows"
        if len(self.rejected):
            text += f"; {len(self.left_out)} projects left out, {len(self.rejected)} problems"
        return text + ")"

    @property
    def known_ids(self) -> set[str]:
        """Ids of every project in the input, the ones left out included (they exist, their data is wrong)."""
        return set(self.projects["project_id"]) | set(self.left_out["project_id"])


@dataclass(frozen=True)
class PartnerData:
    """Partners and their membership in projects.

    ``partners``: one row per partner (``partner_id, name, kind, triad_role, ico,
    obec_code, country, source, note`` plus, from the territory, ``obec_name,
    orp_code, orp_name, okres_code, kraj_code, kraj_name, lon, lat``).
    ``members``: one row per project × partner (``project_id, partner_id,
    role_in_project, member_note`` and the partner's columns).
    ``rejected``: bad rows kept out (``file, record, column, reason, value``).
    """

    partners: pd.DataFrame
    members: pd.DataFrame
    rejected: pd.DataFrame

    def __repr__(self) -> str:
        return (f"PartnerData({len(self.partners)} partners, {len(self.members)} memberships, "
                f"{len(self.rejected)} rejected)")


@dataclass(frozen=True)
class Plan:
    """A plan: target groups → goals → measures.

    ``measures`` has one row per measure: ``measure_id, measure_name, goal_id,
    goal_name, target_group_id, target_group_name, responsible`` (``;``-separated,
    empty when the plan does not say), ``start_year, end_year`` (the measure's time
    frame; the plan period when the plan gives none, then ``time_frame_from_plan`` is
    True), ``indicator_name, target_value, unit`` (optional indicator),
    ``service_type`` (a kind of social service the measure is about, z. 108/2006 Sb.
    name, optional) and ``note``.
    """

    plan_id: str
    name: str
    area_level: str
    area_code: str
    area_name: str
    start_year: int
    end_year: int
    target_groups: pd.DataFrame
    goals: pd.DataFrame
    measures: pd.DataFrame
    meta: dict = field(default_factory=dict, repr=False)
    path: str = ""

    @property
    def years(self) -> list[int]:
        """Every year of the plan period."""
        return list(range(self.start_year, self.end_year + 1))

    def __repr__(self) -> str:
        return (f"Plan({self.plan_id!r}, {self.start_year}–{self.end_year}, {len(self.target_groups)} target groups, "
                f"{len(self.goals)} goals, {len(self.measures)} measures)")


@dataclass(frozen=True)
class MonitoringData:
    """Monitoring records validated against a plan.

    ``records``: one row per measure × year with a recorded state: ``plan_id,
    measure_id, year, state, actual, spent_czk, note`` (numbers float; NaN = not
    filled in) plus the measure's columns from the plan. ``not_filled``: number of
    template rows left empty (no state, value, money or note), which mean "no record
    yet" and are neither records nor errors. ``rejected``: bad rows kept out; a row
    with a value, money or a note but no state is one of them, with what was filled
    in as its ``value``, so a note is never lost.
    """

    plan_id: str
    records: pd.DataFrame
    rejected: pd.DataFrame
    not_filled: int = 0

    def __repr__(self) -> str:
        return (f"MonitoringData({self.plan_id!r}, {len(self.records)} records, {self.not_filled} empty rows, "
                f"{len(self.rejected)} rejected)")


# --------------------------------------------------------------------------- helpers

def _key(text: object) -> str:
    # Compare headers and vocabulary without case, diacritics, spaces or punctuation.
    return re.sub(r"[^0-9a-z/]+", "", normalize_name(str(text)))


def _canonical_columns(frame: pd.DataFrame, *column_maps: dict[str, str]) -> pd.DataFrame:
    """Rename Czech template labels (or variants of the English names) to the canonical names."""
    lookup = {}
    for columns in column_maps:
        for name, label in columns.items():
            lookup[_key(name)] = name
            lookup[_key(label)] = name
    renamed = {c: lookup[_key(c)] for c in frame.columns if _key(c) in lookup}
    out = frame.rename(columns=renamed)
    out.attrs = dict(frame.attrs)
    return out


def _require(frame: pd.DataFrame, path: Path, required: list[str], columns: dict[str, str]) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        wanted = ", ".join(f"{c!r} ({columns[c]!r})" for c in missing)
        raise DataFileError(path, f"missing column(s) {wanted}",
                            expected="the columns of the template (Czech labels) or of data/README.md",
                            got=list(frame.columns))


_blank = is_blank


def _text(value: object) -> str | None:
    return None if _blank(value) else str(value).strip()


def _rows(frame: pd.DataFrame) -> list[int]:
    return list(frame.attrs.get("source_rows") or range(2, len(frame) + 2))


class _Report:
    """Collects rejected rows: file, record, column, reason, value."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, file: object, record: object, column: str | None, reason: str, value: object = None) -> None:
        # The file's name: the rows are read beside the path the error message names.
        self.rows.append({"file": Path(str(file)).name, "record": str(record), "column": column, "reason": reason,
                          "value": None if _blank(value) else str(value)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=REJECTED_COLUMNS)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def raise_if_any(self, what: str) -> None:
        if self.rows:
            raise rejected_error(self.frame(), what)


def rejected_error(rejected: pd.DataFrame, what: str, shown: int = 5) -> ValidationError:
    """A ValidationError naming the first ``shown`` problems of a ``rejected`` table, which it carries.

    Parameters
    ----------
    rejected : DataFrame
        ``file, record, column, reason, value`` (as every loader here reports them).
    what : str
        What failed, e.g. "inconsistent projects in projekty.csv".
    shown : int, default 5
        Problems spelled out in the message; the rest are counted.
    """
    listed = "; ".join(f"{r.file} {r.record}: {r.column}: {r.reason}" + (f" (got {r.value!r})" if r.value else "")
                       for r in rejected.head(shown).itertuples())
    more = f"; and {len(rejected) - shown} more" if len(rejected) > shown else ""
    return ValidationError(f"{what}: {len(rejected)} problem(s): {listed}{more}", rejected=rejected)


def _non_negative(row: pd.Series, columns: tuple[str, ...], file: object, record: str,
                  report: _Report) -> dict[str, float | None] | None:
    """The numbers of ``columns`` (None for an empty cell), or None when any is not a number ≥ 0.

    Every bad column of the row is reported, not only the first.
    """
    values: dict[str, float | None] = {}
    for column in columns:
        try:
            value = _number(row.get(column))
        except ValueError:
            report.add(file, record, column, "not a number", row.get(column))
            continue
        if value is not None and value < 0:
            report.add(file, record, column, "negative value", row.get(column))
            continue
        values[column] = value
    return values if len(values) == len(columns) else None


def _number(value: object) -> float | None:
    """A number written the Czech or English way; None for an empty cell; ValueError otherwise."""
    if isinstance(value, str):
        value = value.replace("Kč", "").replace(",-", "").strip()
    return parse_number(value)


def _share(value: object) -> float | None:
    """A share as 0–1, from "0,85", "0.85" or "85 %"; ValueError otherwise."""
    if _blank(value):
        return None
    text = str(value).strip()
    if text.endswith("%"):
        parsed = parse_number(text[:-1])
        return None if parsed is None else parsed / 100
    parsed = parse_number(text)
    if parsed is not None and not 0 <= parsed <= 1:
        raise ValueError("share outside 0–1")
    return parsed


def months_per_year(start: pd.Timestamp, end: pd.Timestamp) -> dict[int, float]:
    """Months of the period start..end (both days included) falling in each calendar year.

    A partly covered month counts by its share of days, so ``2005-10-01..2007-07-31``
    gives {2005: 3, 2006: 12, 2007: 7}.

    Raises
    ------
    ValidationError
        when the period ends before it starts.
    """
    if end < start:
        raise ValidationError(f"the period ends ({end.date()}) before it starts ({start.date()})")
    out: dict[int, float] = {}
    cursor = pd.Timestamp(start.year, start.month, 1)
    while cursor <= end:
        days = calendar.monthrange(cursor.year, cursor.month)[1]
        first = max(cursor, start)
        last = min(cursor + pd.Timedelta(days=days - 1), end)
        out[cursor.year] = out.get(cursor.year, 0.0) + ((last - first).days + 1) / days
        cursor = cursor + pd.DateOffset(months=1)
    return out


def months_between(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Length of the period start..end (both days included) in months; see :func:`months_per_year`."""
    return sum(months_per_year(start, end).values())


def _vocabulary(value: object, allowed: tuple[str, ...]) -> str | None:
    """The allowed spelling of ``value`` (case and diacritics forgiven); None when not allowed."""
    key = _key(value)
    for item in allowed:
        if _key(item) == key:
            return item
    return None


def _hierarchy() -> pd.DataFrame:
    return read_hierarchy()


# --------------------------------------------------------------------------- projects and funding

def _read_funding_long(path: Path) -> pd.DataFrame:
    raw = _canonical_columns(read_table(path), FUNDING_COLUMNS)
    _require(raw, path, ["project_id", "source_kind", "amount_czk"], FUNDING_COLUMNS)
    rows = []
    for line, (_, row) in zip(_rows(raw), raw.iterrows()):
        rows.append({"file": path.name, "record": f"row {line}", **{c: row.get(c) for c in FUNDING_COLUMNS}})
    return pd.DataFrame(rows, columns=["file", "record", *FUNDING_COLUMNS])


def _read_funding_wide(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    # The projects template carries one amount column per source kind.
    rows = []
    for line, (_, row) in zip(_rows(raw), raw.iterrows()):
        for kind in SOURCE_KINDS:
            value = row.get(kind)
            if _blank(value):
                continue
            rows.append({"file": path.name, "record": f"row {line}", "project_id": row.get("project_id"),
                         "source_kind": kind, "source_name": kind, "amount_czk": value, "share_stated": None,
                         "amount_computed": None, "source": row.get("source"), "note": None})
    return pd.DataFrame(rows, columns=["file", "record", *FUNDING_COLUMNS])


def load_projects(path: str | Path | None = None, funding_path: str | Path | None = None, *,
                  strict: bool | None = None) -> ProjectData:
    """Load projects and their funding, and check that they are consistent.

    Parameters
    ----------
    path : str or Path, optional
        An analyst's projects file (CSV/XLSX from ``kpss template projects``: one row
        per project with one amount column per source kind, e.g. ``EU/ESF [Kč]``), or
        a projects table in the format of ``data/projects.csv``. Default: the
        project's own ``data/projects.csv`` with ``data/project_funding.csv``.
    funding_path : str or Path, optional
        A long funding table (format of ``data/project_funding.csv``) for the
        projects in ``path``. Default: the amount columns of ``path`` if it has them.
    strict : bool, optional
        True: any problem raises :class:`~kpss_lib.errors.ValidationError` and
        nothing is returned. False: a project with a problem is kept out with all its
        funding rows (listed in ``left_out``, every problem in ``rejected``) and the
        consistent projects load. Default: True for the project's own data (its
        totals are facts of the documents: a wrong one must fail loudly), False for
        an analyst's file.

    Returns
    -------
    ProjectData

    Raises
    ------
    DataFileError
        when a file is missing or lacks a required column.
    ValidationError
        with ``strict``, when any project or funding row is inconsistent: funding
        sources that do not add up to the stated total (tolerance 1 Kč), a period that
        ends before it starts, negative or non-numeric amounts, unknown source kinds or
        area levels, duplicated project ids. ``exc.rejected`` lists every problem.
    """
    own = path is None
    if own:
        path, funding_path = PROJECTS_FILE, funding_path or FUNDING_FILE
    strict = own if strict is None else strict
    path = Path(path)
    raw = _canonical_columns(read_table(path), PROJECT_COLUMNS, FUNDING_TEMPLATE_COLUMNS)
    _require(raw, path, ["project_id", "name", "start", "end", "total_czk"], PROJECT_COLUMNS)
    report = _Report()
    projects, left_out = _validate_projects(raw, path, report)
    if funding_path is not None:
        funding_raw = _read_funding_long(Path(funding_path))
    else:
        funding_raw = _read_funding_wide(raw, path)
    funding, bad_funding = _validate_funding(funding_raw, projects, set(left_out), report)
    if strict:
        report.raise_if_any(f"inconsistent projects in {path}")
    dropped = projects["project_id"].isin(bad_funding)
    for project in projects[dropped].itertuples():
        left_out[project.project_id] = {"project_id": project.project_id, "name": project.name, "file": path.name,
                                        "record": project.record}
    projects = projects[~dropped].reset_index(drop=True)
    funding = funding[~funding["project_id"].isin(bad_funding)].reset_index(drop=True)
    return ProjectData(projects, funding, report.frame(), pd.DataFrame(list(left_out.values()), columns=LEFT_OUT_COLUMNS))


def load_funding(path: str | Path | None = None, funding_path: str | Path | None = None, *,
                 strict: bool | None = None) -> pd.DataFrame:
    """The funding table of :func:`load_projects` (one row per project × source), validated the same way."""
    return load_projects(path, funding_path, strict=strict).funding


def _validate_projects(raw: pd.DataFrame, path: Path, report: _Report) -> tuple[pd.DataFrame, dict[str, dict]]:
    """The consistent projects, and the projects kept out by id (``LEFT_OUT_COLUMNS`` as a dict each)."""
    hierarchy = None
    out = []
    left_out: dict[str, dict] = {}
    lines = _rows(raw)
    ids = [_text(v) for v in raw["project_id"]]
    first_line: dict[str, int] = {}
    for line, project_id in zip(lines, ids):
        first_line.setdefault(project_id, line)
    repeated = {i for i, n in Counter(ids).items() if i is not None and n > 1}
    for line, project_id, (_, row) in zip(lines, ids, raw.iterrows()):
        record = f"row {line}"
        if project_id is None:
            report.add(path, record, "project_id", "project id is empty")
            continue
        if project_id in repeated:
            # Which of the rows is meant cannot be told (nor, in the template, whose amounts
            # are whose): every row of the id is left out.
            if line != first_line[project_id]:
                report.add(path, record, "project_id",
                           f"duplicated project id (first on row {first_line[project_id]}); all its rows are left out",
                           project_id)
            entry = left_out.setdefault(project_id, {"project_id": project_id, "name": _text(row.get("name")),
                                                     "file": path.name, "record": record})
            if entry["record"] != record:
                entry["record"] += f", {record}"
            continue
        item = {c: _text(row.get(c)) for c in PROJECT_COLUMNS}
        bad = False
        if item["name"] is None:
            report.add(path, record, "name", "project name is empty")
            bad = True
        dates_ok = True
        for column, is_end in (("start", False), ("end", True)):
            try:
                item[column] = parse_date(row.get(column), end=is_end)
            except ValueError:
                report.add(path, record, column, "not a date; expected 2005-10-01, 1. 10. 2005 or 10/2005",
                           row.get(column))
                bad, dates_ok = True, False
        if dates_ok and (item["start"] is None or item["end"] is None):
            column = "start" if item["start"] is None else "end"
            report.add(path, record, column, "the period needs a start and an end")
            bad = True
        elif dates_ok and item["end"] < item["start"]:
            report.add(path, record, "end", f"the period ends before it starts ({item['start'].date()})",
                       item["end"].date())
            bad = True
        numbers = _non_negative(row, ("total_czk", "partners_stated"), path, record, report)
        if numbers is None:
            bad = True
        else:
            item.update(numbers)
            if item["partners_stated"] is not None and item["partners_stated"] != int(item["partners_stated"]):
                report.add(path, record, "partners_stated", "not a whole number", row.get("partners_stated"))
                bad = True
        level = item["area_level"]
        if level is not None:
            known = _vocabulary(level, AREA_LEVELS)
            if known is None:
                report.add(path, record, "area_level", f"unknown area level; expected one of {', '.join(AREA_LEVELS)}",
                           level)
                bad = True
            else:
                item["area_level"] = known
                if item["area_codes"] is None:
                    report.add(path, record, "area_codes", f"area level {known!r} needs a code")
                    bad = True
                else:
                    if hierarchy is None and known != "mikroregion":
                        hierarchy = _hierarchy()
                    problem = _check_area(known, item["area_codes"], hierarchy, load_micro_regions)
                    if problem:
                        report.add(path, record, "area_codes", problem, item["area_codes"])
                        bad = True
        if bad:
            left_out[project_id] = {"project_id": project_id, "name": item["name"], "file": path.name,
                                    "record": record}
            continue
        item["months"] = months_between(item["start"], item["end"])
        item["record"] = record
        out.append(item)
    columns = list(PROJECT_COLUMNS) + ["months", "record"]
    projects = pd.DataFrame(out, columns=columns)
    projects["total_czk"] = projects["total_czk"].astype("float64")
    projects["partners_stated"] = projects["partners_stated"].astype("Float64").astype("Int64")
    projects["start"] = pd.to_datetime(projects["start"])
    projects["end"] = pd.to_datetime(projects["end"])
    projects.attrs["path"] = str(path)
    return projects, left_out


def _check_area(level: str, codes: str, hierarchy: pd.DataFrame | None, micro_regions) -> str | None:
    if level == "mikroregion":
        names = list(micro_regions())
        return None if codes in names else f"unknown micro-region; known: {', '.join(names) or 'none'}"
    column = {"obec": "obec_code", "obce": "obec_code", "orp": "orp_code", "okres": "okres_code",
              "kraj": "kraj_code"}[level]
    wanted = [c.strip() for c in codes.split(";") if c.strip()]
    if level != "obce" and len(wanted) != 1:
        return f"area level {level!r} takes one code"
    unknown = [c for c in wanted if c not in set(hierarchy[column])]
    return f"unknown {column}(s) {', '.join(unknown)}" if unknown else None


def _validate_funding(raw: pd.DataFrame, projects: pd.DataFrame, left_out: set[str],
                      report: _Report) -> tuple[pd.DataFrame, set[str]]:
    """The funding rows of the consistent projects, and the ids of projects whose funding has a problem.

    Rows of projects already left out are still checked, so that one pass over a file
    lists every problem; they are never returned.
    """
    totals = projects.set_index("project_id")["total_czk"].to_dict()
    out, bad = [], set()
    for _, row in raw.iterrows():
        file, record = row["file"], row["record"]
        project_id = _text(row["project_id"])
        if project_id not in totals and project_id not in left_out:
            report.add(file, record, "project_id", "funding for an unknown project", project_id)
            continue
        problems = len(report.rows)
        kind = _vocabulary(row["source_kind"], SOURCE_KINDS)
        if kind is None:
            report.add(file, record, "source_kind", f"unknown source kind; expected one of {', '.join(SOURCE_KINDS)}",
                       row["source_kind"])
        numbers = _non_negative(row, ("amount_czk",), file, record, report)
        try:
            share = _share(row["share_stated"])
        except ValueError:
            report.add(file, record, "share_stated", "not a share; expected 0–1 or a percentage such as 85 %",
                       row["share_stated"])
        if len(report.rows) > problems:
            bad.add(project_id)
            continue
        if project_id in left_out:
            continue
        amount = numbers["amount_czk"]
        total = totals[project_id]
        computed = False
        note = _text(row["note"])
        if amount is None and share is not None and not np.isnan(total):
            # The document gives only a share of the total: the amount follows from it.
            amount, computed = round(share * total, 2), True
            note = "; ".join(filter(None, [note, f"částka dopočtena: {share:.0%} z celkových nákladů"]))
        elif amount is not None and share is not None and not np.isnan(total) and total > 0 \
                and abs(amount / total - share) > SHARE_TOLERANCE:
            report.add(file, record, "share_stated",
                       f"stated share {share:.1%} does not match amount / total = {amount / total:.1%}",
                       row["share_stated"])
            bad.add(project_id)
            continue
        out.append({"project_id": project_id, "source_kind": kind,
                    "source_name": _text(row["source_name"]) or kind, "amount_czk": amount,
                    "share_stated": share, "amount_computed": computed or _text(row["amount_computed"]) == "ano",
                    "source": _text(row["source"]), "note": note, "file": file, "record": record})
    funding = pd.DataFrame(out, columns=list(FUNDING_COLUMNS) + ["file", "record"])
    funding["amount_czk"] = funding["amount_czk"].astype("float64")
    funding["share_stated"] = funding["share_stated"].astype("float64")
    funding["amount_computed"] = funding["amount_computed"].astype(bool)
    for project_id, group in funding.groupby("project_id", sort=False):
        total = totals[project_id]
        if np.isnan(total) or project_id in bad:
            continue
        known = group["amount_czk"].dropna()
        records = ", ".join(dict.fromkeys(group["record"]))  # the template's sources share one row
        listed = " + ".join(f"{a:,.2f}".replace(",", " ") for a in known)
        if group["amount_czk"].notna().all() and abs(known.sum() - total) > FUNDING_TOLERANCE_CZK:
            report.add(group["file"].iloc[0], records, "amount_czk",
                       f"sources of project {project_id!r} add up to {listed} = {known.sum():,.2f} Kč, "
                       f"not the stated total {total:,.2f} Kč".replace(",", " "), known.sum())
            bad.add(project_id)
        elif known.sum() > total + FUNDING_TOLERANCE_CZK:
            report.add(group["file"].iloc[0], records, "amount_czk",
                       f"known sources of project {project_id!r} ({known.sum():,.2f} Kč) exceed the stated total "
                       f"{total:,.2f} Kč".replace(",", " "), known.sum())
            bad.add(project_id)
    return funding.drop(columns=["file", "record"]), bad


def project_area_obce(projects: pd.DataFrame) -> pd.DataFrame:
    """The obce of each project's area: columns ``project_id, obec_code``.

    Projects without an area are left out (listed in ``attrs["no_area"]``).
    """
    rows, no_area = [], []
    for project in projects.itertuples():
        level, codes = project.area_level, project.area_codes
        if _blank(level) or _blank(codes):
            no_area.append(project.project_id)
            continue
        if level == "obce":
            members = [c.strip() for c in codes.split(";") if c.strip()]
        else:
            members = list(find_region(codes, level=level).obce)
        rows += [{"project_id": project.project_id, "obec_code": code} for code in members]
    out = pd.DataFrame(rows, columns=["project_id", "obec_code"])
    out.attrs["no_area"] = no_area
    return out


def project_area_population(projects: pd.DataFrame, group: str = "total") -> pd.Series:
    """Population of each project's area (ČSÚ, 31 Dec 2020), indexed by ``project_id``.

    Parameters
    ----------
    projects : DataFrame
        ``ProjectData.projects``.
    group : str, default "total"
        A key of ``POPULATION_GROUPS`` ("total", "0-14", "15-64", "65+", "80+").

    Projects without an area get NaN.
    """
    column = population_column(group)
    obce = pd.DataFrame(load_obce().drop(columns="geometry"))[["obec_code", column]]
    areas = project_area_obce(projects).merge(obce, on="obec_code", how="left")
    population = areas.groupby("project_id")[column].sum().astype("float64")
    return population.reindex(projects["project_id"]).rename("population")


# --------------------------------------------------------------------------- partners

def load_partners(path: str | Path | None = None, members_path: str | Path | None = None, *,
                  projects: "pd.DataFrame | ProjectData | None" = None) -> PartnerData:
    """Load partners and their project membership.

    Parameters
    ----------
    path : str or Path, optional
        An analyst's partners file (``kpss template partners``: one row per partner
        × project, Czech labels), or a table in the format of ``data/partners.csv``.
        Default: the project's own ``data/partners.csv`` and ``data/project_partners.csv``.
    members_path : str or Path, optional
        A link table project × partner (format of ``data/project_partners.csv``).
        Default: the project columns of ``path``.
    projects : DataFrame or ProjectData, optional
        Known projects (``ProjectData``, whose projects left out for inconsistent
        funding still count as known, or a table with ``project_id``); a membership
        in any other project is rejected. Default: the project's own projects when
        ``path`` is None, otherwise not checked.

    Returns
    -------
    PartnerData
        valid partners and memberships, and the rejected rows (empty or unknown kind,
        unknown triad role, role in the project or obec code; an IČO that fails its
        checksum; an obec code on a foreign partner; a partner listed twice with
        different attributes).

    Notes
    -----
    The kind (``Druh``) is required: write ``neuvedeno`` when the source does not say
    it. In the project's own ``data/partners.csv`` an empty kind is documented to mean
    exactly that (the documents do not state every legal form) and loads as ``neuvedeno``.
    """
    own = path is None
    if own:
        path, members_path = PARTNERS_FILE, members_path or MEMBERS_FILE
        if projects is None:
            projects = load_projects()
    known_projects = None
    if isinstance(projects, ProjectData):
        known_projects = projects.known_ids
    elif projects is not None:
        known_projects = set(projects["project_id"])
    path = Path(path)
    raw = _canonical_columns(read_table(path), PARTNER_COLUMNS, MEMBER_COLUMNS)
    _require(raw, path, ["name", "kind"], PARTNER_COLUMNS)
    report = _Report()
    hierarchy = _hierarchy()
    known_obce = set(hierarchy["obec_code"])
    partners: dict[str, dict] = {}
    member_rows = []
    for line, (_, row) in zip(_rows(raw), raw.iterrows()):
        record = f"row {line}"
        item = _partner_item(row, path, record, known_obce, report)
        if item is None:
            continue
        first = partners.get(item["partner_id"])
        if first is not None:
            differing = [c for c in ("name", "kind", "triad_role", "ico", "obec_code")
                         if first[c] != item[c] and item[c] is not None]
            if differing:
                column = differing[0]
                report.add(path, record, column,
                           f"partner {item['partner_id']!r} already listed on {first['record']} with "
                           f"{column} {first[column]!r}", item[column])
                continue
        else:
            partners[item["partner_id"]] = item
        if members_path is None and not _blank(row.get("project_id")):
            member_rows.append({"file": path.name, "record": record, "project_id": row.get("project_id"),
                                "partner_id": item["partner_id"], "role_in_project": row.get("role_in_project"),
                                "member_note": None})
    if members_path is not None:
        members_path = Path(members_path)
        links = _canonical_columns(read_table(members_path), MEMBER_COLUMNS)
        _require(links, members_path, ["project_id", "partner_id"], MEMBER_COLUMNS)
        for line, (_, row) in zip(_rows(links), links.iterrows()):
            member_rows.append({"file": members_path.name, "record": f"row {line}",
                                "project_id": row.get("project_id"), "partner_id": row.get("partner_id"),
                                "role_in_project": row.get("role_in_project"), "member_note": row.get("note")})
    members = _validate_members(member_rows, partners, known_projects, report)
    table = pd.DataFrame(list(partners.values()), columns=list(PARTNER_COLUMNS) + ["record"]).drop(columns="record")
    places = hierarchy[["obec_code", "obec_name", "orp_code", "orp_name", "okres_code", "kraj_code", "kraj_name",
                        "lon", "lat"]]
    table = table.merge(places, on="obec_code", how="left")
    members = members.merge(table, on="partner_id", how="left")
    return PartnerData(table, members, report.frame())


def _slug(name: str) -> str:
    return slugify(name).replace("-", "_")  # ids use underscores


def _partner_item(row: pd.Series, path: Path, record: str, known_obce: set, report: _Report) -> dict | None:
    """One partner row checked; None (and the reason reported) when it is kept out."""
    name = _text(row.get("name"))
    if name is None:
        report.add(path, record, "name", "partner name is empty")
        return None
    item = {c: _text(row.get(c)) for c in PARTNER_COLUMNS}
    item["record"] = record
    item["partner_id"] = item["partner_id"] or _slug(name)
    kinds = PARTNER_KINDS + (KIND_NOT_STATED,)
    if item["kind"] is None:
        report.add(path, record, "kind", f"partner kind is empty; expected one of {', '.join(kinds)} "
                   f"({KIND_NOT_STATED!r} when the source does not say)")
        return None
    checks = (("kind", kinds), ("triad_role", TRIAD_ROLES))
    for column, allowed in checks:
        if item[column] is None:
            continue
        value = _vocabulary(item[column], allowed)
        if value is None:
            report.add(path, record, column, f"unknown {column.replace('_', ' ')}; expected one of {', '.join(allowed)}",
                       item[column])
            return None
        item[column] = value
    item["ico"] = normalize_ico(row.get("ico"))
    if item["ico"] is not None and not ico_is_valid(item["ico"]):
        report.add(path, record, "ico", "not a valid IČO (8 digits with the mod-11 check digit)", row.get("ico"))
        return None
    code = item["obec_code"]
    if code is not None:
        code = code[:-2] if code.endswith(".0") else code
        item["obec_code"] = code
        if item["kind"] == "zahraniční partner":
            report.add(path, record, "obec_code", "a foreign partner has no Czech obec code", code)
            return None
        if code not in known_obce:
            report.add(path, record, "obec_code", "unknown obec code (KOD_OBEC of obce_hierarchie.csv)", code)
            return None
    if item["country"] is None:
        item["country"] = None if item["kind"] == "zahraniční partner" else "CZ"
    return item


def _validate_members(rows: list[dict], partners: dict, known_projects: set[str] | None,
                      report: _Report) -> pd.DataFrame:
    out, seen = [], set()
    for row in rows:
        project_id, partner_id = _text(row["project_id"]), _text(row["partner_id"])
        file, record = row["file"], row["record"]
        if project_id is None:
            report.add(file, record, "project_id", "project id is empty")
            continue
        if known_projects is not None and project_id not in known_projects:
            report.add(file, record, "project_id", "membership in an unknown project", project_id)
            continue
        if partner_id not in partners:
            report.add(file, record, "partner_id", "unknown partner (not in the partners table or rejected there)",
                       partner_id)
            continue
        role = _text(row["role_in_project"])
        if role is not None:
            known = _vocabulary(role, PROJECT_ROLES)
            if known is None:
                report.add(file, record, "role_in_project",
                           f"unknown role in the project; expected one of {', '.join(PROJECT_ROLES)}", role)
                continue
            role = known
        if (project_id, partner_id) in seen:
            report.add(file, record, "partner_id", f"partner listed twice in project {project_id!r}", partner_id)
            continue
        seen.add((project_id, partner_id))
        out.append({"project_id": project_id, "partner_id": partner_id, "role_in_project": role,
                    "member_note": _text(row["member_note"])})
    return pd.DataFrame(out, columns=["project_id", "partner_id", "role_in_project", "member_note"])


# --------------------------------------------------------------------------- plans

def plan_path(path_or_name: str | Path) -> Path:
    """The YAML file of a plan given by name (``zlin_2008_2012`` → ``data/plans/zlin_2008_2012.yml``) or path."""
    text = str(path_or_name)
    if text.endswith((".yml", ".yaml")) or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise DataFileError(path, "plan file not found", expected="a YAML plan (see data/README.md)")
        return path
    path = PLANS_DIR / f"{text}.yml"
    if not path.is_file():
        known = sorted(p.stem for p in PLANS_DIR.glob("*.yml"))
        raise UnknownValueError(f"unknown plan {text!r}; known plans: {', '.join(known) or 'none'} "
                                f"(data/plans/), or give the path of a YAML plan")
    return path


def load_plan(path_or_name: str | Path = "zlin_2008_2012") -> Plan:
    """Load a plan (target groups → goals → measures) from YAML.

    Parameters
    ----------
    path_or_name : str or Path, default "zlin_2008_2012"
        A plan name in ``data/plans/`` or the path of a YAML file in the same format
        (documented in ``data/README.md``).

    Raises
    ------
    ValidationError
        when ids are duplicated or misnumbered (a goal id must start with its target
        group's id, a measure id with its goal's), the period ends before it starts, a
        measure's time frame lies outside the plan period, an indicator target is not
        a number ≥ 0, or a service type is unknown; ``exc.rejected`` lists every problem.
    """
    path = plan_path(path_or_name)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataFileError(path, f"not valid YAML ({exc})") from exc
    if not isinstance(content, dict):
        raise DataFileError(path, "not a plan", expected="a mapping with plan_id, period, target_groups")
    for key in ("plan_id", "name", "period", "target_groups"):
        if key not in content:
            raise DataFileError(path, f"missing key {key!r}", expected="plan_id, name, area, period, target_groups")
    report = _Report()
    period = content["period"] or {}
    start, end = period.get("start"), period.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        raise DataFileError(path, "period needs whole years", column="period", expected="start: 2008, end: 2012",
                            got=period)
    if end < start:
        report.add(path, "period", "end", f"the plan period ends before it starts ({start})", end)
    area = content.get("area") or {}
    type_names = {_key(n): n for n in service_types()["type_name"]}
    groups, goals, measures = [], [], []
    ids: set[str] = set()

    def unique(kind: str, value: object, record: str) -> str | None:
        text = None if value is None else str(value).strip()
        if not text:
            report.add(path, record, "id", f"{kind} without an id")
            return None
        if text in ids:
            report.add(path, record, "id", "duplicated id", text)
            return None
        ids.add(text)
        return text

    for group in content["target_groups"] or []:
        group_id = unique("target group", group.get("id"), f"target group {group.get('name')!r}")
        if group_id is None:
            continue
        groups.append({"target_group_id": group_id, "target_group_name": group.get("name"),
                       "working_group": group.get("working_group")})
        for goal in group.get("goals") or []:
            goal_id = unique("goal", goal.get("id"), f"goal {goal.get('name')!r}")
            if goal_id is None:
                continue
            if not goal_id.startswith(f"{group_id}."):
                report.add(path, f"goal {goal_id}", "id", f"goal id does not start with its target group's id {group_id}.",
                           goal_id)
            goals.append({"goal_id": goal_id, "goal_name": goal.get("name"), "target_group_id": group_id,
                          "target_group_name": group.get("name"), "note": goal.get("note")})
            for measure in goal.get("measures") or []:
                measure_id = unique("measure", measure.get("id"), f"measure {measure.get('name')!r}")
                if measure_id is None:
                    continue
                record = f"measure {measure_id}"
                if not measure_id.startswith(f"{goal_id}."):
                    report.add(path, record, "id", f"measure id does not start with its goal's id {goal_id}.", measure_id)
                m_start = measure.get("start", start)
                m_end = measure.get("end", end)
                if not isinstance(m_start, int) or not isinstance(m_end, int) or m_end < m_start \
                        or m_start < start or m_end > end:
                    report.add(path, record, "start/end",
                               f"time frame must be whole years within the plan period {start}–{end}",
                               f"{m_start}–{m_end}")
                indicator = measure.get("indicator") or {}
                target = indicator.get("target")
                if target is not None:
                    try:
                        target = _number(target)
                    except ValueError:
                        target = -1
                    if target is None or target < 0:
                        report.add(path, record, "indicator.target", "target must be a number ≥ 0",
                                   indicator.get("target"))
                service_type = measure.get("service_type")
                if service_type is not None:
                    known = type_names.get(_key(service_type))
                    if known is None:
                        report.add(path, record, "service_type",
                                   "unknown kind of social service (type_name of data/service_types.csv)", service_type)
                    service_type = known
                responsible = measure.get("responsible") or []
                if isinstance(responsible, str):
                    responsible = [responsible]
                measures.append({
                    "measure_id": measure_id, "measure_name": measure.get("name"), "goal_id": goal_id,
                    "goal_name": goal.get("name"), "target_group_id": group_id,
                    "target_group_name": group.get("name"), "responsible": "; ".join(map(str, responsible)) or None,
                    "start_year": m_start, "end_year": m_end,
                    "time_frame_from_plan": "start" not in measure and "end" not in measure,
                    "indicator_name": indicator.get("name"), "target_value": target, "unit": indicator.get("unit"),
                    "service_type": service_type, "note": measure.get("note"),
                })
    report.raise_if_any(f"invalid plan {path}")
    measure_frame = pd.DataFrame(measures)
    measure_frame["target_value"] = measure_frame["target_value"].astype("float64")
    measure_frame["start_year"] = measure_frame["start_year"].astype("int64")
    measure_frame["end_year"] = measure_frame["end_year"].astype("int64")
    meta = {k: v for k, v in content.items() if k != "target_groups"}
    return Plan(plan_id=str(content["plan_id"]), name=str(content["name"]), area_level=str(area.get("level", "")),
                area_code=str(area.get("code", "")), area_name=str(area.get("name", "")), start_year=start,
                end_year=end, target_groups=pd.DataFrame(groups), goals=pd.DataFrame(goals), measures=measure_frame,
                meta=meta, path=str(path))


def _as_plan(plan: "Plan | str | Path") -> Plan:
    return plan if isinstance(plan, Plan) else load_plan(plan)


# --------------------------------------------------------------------------- monitoring

def load_monitoring(path: str | Path | None, plan: "Plan | str | Path" = "zlin_2008_2012") -> MonitoringData:
    """Load an analyst's monitoring of a plan and validate it against the plan.

    Parameters
    ----------
    path : str or Path or None
        CSV/XLSX made from ``kpss template monitoring`` (one row per measure × year;
        Czech labels ``ID opatření``, ``Rok``, ``Stav``, ``Skutečná hodnota``,
        ``Čerpáno [Kč]``, ``Poznámka``). None: no monitoring recorded yet (empty records).
    plan : Plan or str or Path, default "zlin_2008_2012"
        The plan the monitoring belongs to.

    Returns
    -------
    MonitoringData
        valid records; rows with an unknown measure id, state or year (outside the
        plan period), a value that is not a number, a negative amount, a duplicated
        measure × year, or a value, amount or note without a state, are kept out and
        listed in ``rejected`` (a row without a state carries what was filled in as
        its ``value``, e.g. ``Poznámka: čeká se na rozpočet``, so a note typed before
        the state is chosen is reported, not lost). Rows with none of ``Stav``,
        ``Skutečná hodnota``, ``Čerpáno [Kč]``, ``Poznámka`` count as ``not_filled``.

    Raises
    ------
    DataFileError
        when the file lacks a required column or belongs to another plan (``ID plánu``).
    """
    plan = _as_plan(plan)
    record_columns = ["plan_id", "measure_id", "year", "state", "actual", "spent_czk", "note"]
    measure_columns = ["target_group_id", "target_group_name", "goal_id", "goal_name", "measure_name",
                       "start_year", "end_year", "indicator_name", "target_value", "unit", "service_type"]
    if path is None:
        empty = pd.DataFrame(columns=record_columns + measure_columns)
        return MonitoringData(plan.plan_id, empty, pd.DataFrame(columns=REJECTED_COLUMNS), 0)
    path = Path(path)
    raw = _canonical_columns(read_table(path), MONITORING_COLUMNS)
    _require(raw, path, ["measure_id", "year", "state"], MONITORING_COLUMNS)
    if "plan_id" in raw.columns:
        other = sorted({v for v in raw["plan_id"].dropna() if v != plan.plan_id})
        if other:
            raise DataFileError(path, "the monitoring belongs to another plan", column="plan_id",
                                expected=plan.plan_id, got=other[0])
    report = _Report()
    measures = plan.measures.set_index("measure_id")
    out, seen, not_filled = [], {}, 0
    for line, (_, row) in zip(_rows(raw), raw.iterrows()):
        record = f"row {line}"
        state_text = _text(row.get("state"))
        filled = {c: _text(row.get(c)) for c in ("actual", "spent_czk", "note") if _text(row.get(c)) is not None}
        if state_text is None and not filled:
            not_filled += 1
            continue
        measure_id = _text(row.get("measure_id"))
        if measure_id not in measures.index:
            report.add(path, record, "measure_id", f"unknown measure id in plan {plan.plan_id!r}", measure_id)
            continue
        try:
            year = _number(row.get("year"))
        except ValueError:
            year = None
        if year is None or year != int(year) or not plan.start_year <= year <= plan.end_year:
            report.add(path, record, "year", f"year outside the plan period {plan.start_year}–{plan.end_year}",
                       row.get("year"))
            continue
        year = int(year)
        if state_text is None:
            report.add(path, record, "state", "values without a state; expected one of "
                       + ", ".join(MONITORING_STATES) + " (the value column lists what was filled in)",
                       "; ".join(f"{MONITORING_COLUMNS[c]}: {v}" for c, v in filled.items()))
            continue
        state = _vocabulary(state_text, MONITORING_STATES)
        if state is None:
            report.add(path, record, "state", f"unknown state; expected one of {', '.join(MONITORING_STATES)}",
                       state_text)
            continue
        values = _non_negative(row, ("actual", "spent_czk"), path, record, report)
        if values is None:
            continue
        if (measure_id, year) in seen:
            report.add(path, record, "measure_id", f"measure {measure_id} recorded twice for {year} "
                       f"(first on {seen[(measure_id, year)]})", measure_id)
            continue
        seen[(measure_id, year)] = record
        out.append({"plan_id": plan.plan_id, "measure_id": measure_id, "year": year, "state": state,
                    "actual": values["actual"], "spent_czk": values["spent_czk"], "note": _text(row.get("note"))})
    records = pd.DataFrame(out, columns=record_columns)
    records["actual"] = records["actual"].astype("float64")
    records["spent_czk"] = records["spent_czk"].astype("float64")
    records["year"] = records["year"].astype("int64")
    records = records.merge(plan.measures[["measure_id"] + measure_columns], on="measure_id", how="left")
    return MonitoringData(plan.plan_id, records, report.frame(), not_filled)


# --------------------------------------------------------------------------- templates

def _write(frame: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    write_table_atomic(frame, path)
    return path


def write_partners_template(path: str | Path) -> Path:
    """Write the analysts' partners template (CSV or XLSX by suffix), atomically.

    One row per partner × project, Czech labels (see ``data/README.md``): ``ID partnera``
    (optional; default a slug of the name), ``Název``, ``Druh`` (obec, NNO,
    příspěvková organizace, státní instituce, zahraniční partner), ``Role v triádě``
    (zadavatel, poskytovatel, uživatel), ``IČO``, ``Kód obce`` (KOD_OBEC), ``Stát``,
    ``ID projektu``, ``Role v projektu`` (žadatel, partner, dodavatel), ``Zdroj údajů``,
    ``Poznámka``. The file has the header only.
    """
    columns = [PARTNER_COLUMNS[c] for c in PARTNER_COLUMNS if c != "note"] + \
        [MEMBER_COLUMNS["project_id"], MEMBER_COLUMNS["role_in_project"], PARTNER_COLUMNS["note"]]
    return _write(pd.DataFrame(columns=columns), path)


def write_projects_template(path: str | Path) -> Path:
    """Write the analysts' projects template (CSV or XLSX by suffix), atomically.

    One row per project, Czech labels: the columns of :data:`PROJECT_COLUMNS` and one
    amount column per source kind (``EU/ESF [Kč]``, ``státní rozpočet [Kč]``,
    ``kraj [Kč]``, ``obec [Kč]``, ``jiné [Kč]``), which must add up to
    ``Celkové náklady [Kč]``. The file has the header only.
    """
    columns = [PROJECT_COLUMNS[c] for c in PROJECT_COLUMNS if c not in ("note",)] + \
        list(FUNDING_TEMPLATE_COLUMNS.values()) + [PROJECT_COLUMNS["note"]]
    return _write(pd.DataFrame(columns=columns), path)


def monitoring_frame(plan: "Plan | str | Path") -> pd.DataFrame:
    """The monitoring template's rows: one per measure × year of the plan period, Czech labels,
    ids and names prefilled, ``Stav``, ``Skutečná hodnota``, ``Čerpáno [Kč]`` and ``Poznámka`` empty."""
    plan = _as_plan(plan)
    rows = []
    for measure in plan.measures.itertuples():
        for year in plan.years:
            rows.append({"plan_id": plan.plan_id, "measure_id": measure.measure_id,
                         "target_group_name": measure.target_group_name, "goal_name": f"{measure.goal_id} {measure.goal_name}",
                         "measure_name": measure.measure_name, "year": year, "state": None,
                         "indicator_name": measure.indicator_name,
                         "target_value": None if pd.isna(measure.target_value) else measure.target_value,
                         "unit": measure.unit, "actual": None, "spent_czk": None, "note": None})
    frame = pd.DataFrame(rows, columns=list(MONITORING_COLUMNS))
    return frame.rename(columns=MONITORING_COLUMNS)


def write_monitoring_template(path: str | Path, plan: "Plan | str | Path" = "zlin_2008_2012") -> Path:
    """Write the monitoring template of a plan (CSV or XLSX by suffix), atomically.

    One row per measure × year of the plan period with the plan id, measure id,
    target group, goal, measure and indicator prefilled; the analyst fills in
    ``Stav`` (nezahájeno, probíhá, splněno, zrušeno), ``Skutečná hodnota``,
    ``Čerpáno [Kč]`` and ``Poznámka``. Rows left empty mean "no record yet".
    """
    return _write(monitoring_frame(plan), path)

"""Projects and their funding: ``data/projects.csv`` + ``data/project_funding.csv``, or an
analyst's file from ``kpss template projects`` (CSV or XLSX, Czech column labels).

Validation policy: a project with any inconsistency (sources that do not add up to
the total within 1 Kč, a period that ends before it starts, an amount that is
negative or not a finite number, an unknown source kind or area) is kept out *as a
whole*, with all its funding rows: a project shown with part of its money would
mislead. Every problem is listed in ``rejected`` and the projects kept out in
``left_out``; the valid projects load, so an analyst sees the rest of the file.
With ``strict=True`` (the default for the project's own ``data/``, whose totals are
facts of the documents and must fail loudly) any problem raises
:class:`~kpss_lib.errors.ValidationError` instead, and nothing partial is returned.
Field rules (dates, amounts) are those of :mod:`kpss_lib.load.records`.
"""
from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kpss_lib.config import PROJECT_DATA_DIR
from kpss_lib.errors import ValidationError
from kpss_lib.fileio import write_table_atomic
from kpss_lib.load.records import (RejectReport, canonical_columns, cell_text, non_negative, parse_share,
                                   require_columns, source_rows, vocabulary)
from kpss_lib.load.tables import is_blank, parse_date, read_table
from kpss_lib.load.territory import find_region, load_micro_regions, load_obce, population_column, read_hierarchy

#: Kinds of funding source.
SOURCE_KINDS = ("EU/ESF", "státní rozpočet", "kraj", "obec", "jiné")
#: How a project's area is given: an administrative unit by code, a micro-region of
#: ``data/micro_regions.yml`` by name, or an explicit list of obec codes.
AREA_LEVELS = ("obec", "orp", "okres", "kraj", "mikroregion", "obce")

#: Tolerance when funding sources are compared with the stated total, Kč.
FUNDING_TOLERANCE_CZK = 1.0
#: Tolerance when a stated share is compared with amount / total (0.5 percentage point).
SHARE_TOLERANCE = 0.005

LEFT_OUT_COLUMNS = ["project_id", "name", "file", "record"]

PROJECTS_FILE = PROJECT_DATA_DIR / "projects.csv"
FUNDING_FILE = PROJECT_DATA_DIR / "project_funding.csv"

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


# --------------------------------------------------------------------------- projects and funding

def _read_funding_long(path: Path) -> pd.DataFrame:
    raw = canonical_columns(read_table(path), FUNDING_COLUMNS)
    require_columns(raw, path, ["project_id", "source_kind", "amount_czk"], FUNDING_COLUMNS)
    rows = []
    for line, (_, row) in zip(source_rows(raw), raw.iterrows()):
        rows.append({"file": path.name, "record": f"row {line}", **{c: row.get(c) for c in FUNDING_COLUMNS}})
    return pd.DataFrame(rows, columns=["file", "record", *FUNDING_COLUMNS])


def _read_funding_wide(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    # The projects template carries one amount column per source kind.
    rows = []
    for line, (_, row) in zip(source_rows(raw), raw.iterrows()):
        for kind in SOURCE_KINDS:
            value = row.get(kind)
            if is_blank(value):
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
    raw = canonical_columns(read_table(path), PROJECT_COLUMNS, FUNDING_TEMPLATE_COLUMNS)
    require_columns(raw, path, ["project_id", "name", "start", "end", "total_czk"], PROJECT_COLUMNS)
    report = RejectReport()
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


def _validate_projects(raw: pd.DataFrame, path: Path, report: RejectReport) -> tuple[pd.DataFrame, dict[str, dict]]:
    """The consistent projects, and the projects kept out by id (``LEFT_OUT_COLUMNS`` as a dict each)."""
    hierarchy = None
    out = []
    left_out: dict[str, dict] = {}
    lines = source_rows(raw)
    ids = [cell_text(v) for v in raw["project_id"]]
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
            entry = left_out.setdefault(project_id, {"project_id": project_id, "name": cell_text(row.get("name")),
                                                     "file": path.name, "record": record})
            if entry["record"] != record:
                entry["record"] += f", {record}"
            continue
        item = {c: cell_text(row.get(c)) for c in PROJECT_COLUMNS}
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
        numbers = non_negative(row, ("total_czk", "partners_stated"), path, record, report)
        if numbers is None:
            bad = True
        else:
            item.update(numbers)
            if item["partners_stated"] is not None and item["partners_stated"] != int(item["partners_stated"]):
                report.add(path, record, "partners_stated", "not a whole number", row.get("partners_stated"))
                bad = True
        level = item["area_level"]
        if level is not None:
            known = vocabulary(level, AREA_LEVELS)
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
                        hierarchy = read_hierarchy()
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
                      report: RejectReport) -> tuple[pd.DataFrame, set[str]]:
    """The funding rows of the consistent projects, and the ids of projects whose funding has a problem.

    Rows of projects already left out are still checked, so that one pass over a file
    lists every problem; they are never returned.
    """
    totals = projects.set_index("project_id")["total_czk"].to_dict()
    out, bad = [], set()
    for _, row in raw.iterrows():
        file, record = row["file"], row["record"]
        project_id = cell_text(row["project_id"])
        if project_id not in totals and project_id not in left_out:
            report.add(file, record, "project_id", "funding for an unknown project", project_id)
            continue
        problems = len(report.rows)
        kind = vocabulary(row["source_kind"], SOURCE_KINDS)
        if kind is None:
            report.add(file, record, "source_kind", f"unknown source kind; expected one of {', '.join(SOURCE_KINDS)}",
                       row["source_kind"])
        numbers = non_negative(row, ("amount_czk",), file, record, report)
        try:
            share = parse_share(row["share_stated"])
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
        note = cell_text(row["note"])
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
                    "source_name": cell_text(row["source_name"]) or kind, "amount_czk": amount,
                    "share_stated": share, "amount_computed": computed or cell_text(row["amount_computed"]) == "ano",
                    "source": cell_text(row["source"]), "note": note, "file": file, "record": record})
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
        if is_blank(level) or is_blank(codes):
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


def write_projects_template(path: str | Path) -> Path:
    """Write the analysts' projects template (CSV or XLSX by suffix), atomically.

    One row per project, Czech labels: the columns of :data:`PROJECT_COLUMNS` and one
    amount column per source kind (``EU/ESF [Kč]``, ``státní rozpočet [Kč]``,
    ``kraj [Kč]``, ``obec [Kč]``, ``jiné [Kč]``), which must add up to
    ``Celkové náklady [Kč]``. The file has the header only.
    """
    columns = [PROJECT_COLUMNS[c] for c in PROJECT_COLUMNS if c not in ("note",)] + \
        list(FUNDING_TEMPLATE_COLUMNS.values()) + [PROJECT_COLUMNS["note"]]
    return write_table_atomic(pd.DataFrame(columns=columns), path)

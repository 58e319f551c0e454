"""Partners of planning projects and their membership in projects: ``data/partners.csv`` +
``data/project_partners.csv``, or an analyst's file from ``kpss template partners``.

Validation policy: a bad row (empty or unknown kind, unknown role or obec code, an
IČO failing its check digit, a partner listed twice with different attributes) is
kept out and listed in ``rejected``; the valid rows load. One typo should not hide a
map of thirty partners. Field rules are those of :mod:`kpss_lib.load.records`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kpss_lib.config import PROJECT_DATA_DIR
from kpss_lib.fileio import slugify, write_table_atomic
from kpss_lib.load.projects import ProjectData, load_projects
from kpss_lib.load.records import (RejectReport, canonical_columns, cell_text, check_ico, normalize_code,
                                   require_columns, source_rows, vocabulary)
from kpss_lib.load.tables import is_blank, read_table
from kpss_lib.load.territory import read_hierarchy

#: Kinds of partner.
PARTNER_KINDS = ("obec", "NNO", "příspěvková organizace", "státní instituce", "zahraniční partner")
#: The kind of a partner whose source does not say it. The kind is required: an empty
#: cell is rejected (a forgotten value), this word states the gap on purpose.
KIND_NOT_STATED = "neuvedeno"
#: Roles in the triad of community planning.
TRIAD_ROLES = ("zadavatel", "poskytovatel", "uživatel")
#: Roles of a partner in one project.
PROJECT_ROLES = ("žadatel", "partner", "dodavatel")

PARTNERS_FILE = PROJECT_DATA_DIR / "partners.csv"
MEMBERS_FILE = PROJECT_DATA_DIR / "project_partners.csv"

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
    raw = canonical_columns(read_table(path), PARTNER_COLUMNS, MEMBER_COLUMNS)
    require_columns(raw, path, ["name", "kind"], PARTNER_COLUMNS)
    report = RejectReport()
    hierarchy = read_hierarchy()
    known_obce = set(hierarchy["obec_code"])
    partners: dict[str, dict] = {}
    member_rows = []
    for line, (_, row) in zip(source_rows(raw), raw.iterrows()):
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
        if members_path is None and not is_blank(row.get("project_id")):
            member_rows.append({"file": path.name, "record": record, "project_id": row.get("project_id"),
                                "partner_id": item["partner_id"], "role_in_project": row.get("role_in_project"),
                                "member_note": None})
    if members_path is not None:
        members_path = Path(members_path)
        links = canonical_columns(read_table(members_path), MEMBER_COLUMNS)
        require_columns(links, members_path, ["project_id", "partner_id"], MEMBER_COLUMNS)
        for line, (_, row) in zip(source_rows(links), links.iterrows()):
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


def _partner_item(row: pd.Series, path: Path, record: str, known_obce: set, report: RejectReport) -> dict | None:
    """One partner row checked; None (and the reason reported) when it is kept out."""
    name = cell_text(row.get("name"))
    if name is None:
        report.add(path, record, "name", "partner name is empty")
        return None
    item = {c: cell_text(row.get(c)) for c in PARTNER_COLUMNS}
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
        value = vocabulary(item[column], allowed)
        if value is None:
            report.add(path, record, column, f"unknown {column.replace('_', ' ')}; expected one of {', '.join(allowed)}",
                       item[column])
            return None
        item[column] = value
    item["ico"], problem = check_ico(row.get("ico"))
    if problem:
        report.add(path, record, "ico", problem, row.get("ico"))
        return None
    code = item["obec_code"] = normalize_code(row.get("obec_code"))
    if code is not None:
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
                      report: RejectReport) -> pd.DataFrame:
    out, seen = [], set()
    for row in rows:
        project_id, partner_id = cell_text(row["project_id"]), cell_text(row["partner_id"])
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
        role = cell_text(row["role_in_project"])
        if role is not None:
            known = vocabulary(role, PROJECT_ROLES)
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
                    "member_note": cell_text(row["member_note"])})
    return pd.DataFrame(out, columns=["project_id", "partner_id", "role_in_project", "member_note"])


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
    return write_table_atomic(pd.DataFrame(columns=columns), path)

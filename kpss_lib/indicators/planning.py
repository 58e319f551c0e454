"""Indicators of planning work: funding, plan fulfilment, participation, capacity beside measures.

Pure functions over the tables of :mod:`kpss_lib.load.projects`, :mod:`~kpss_lib.load.partners`, :mod:`~kpss_lib.load.plans` (and of the
territory and services loaders, passed in as arguments): DataFrames in, DataFrames
out, no file I/O, no plotting. Amounts are in Kč, shares in 0–1.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.load.projects import SOURCE_KINDS, months_per_year
from kpss_lib.load.territory import normalize_name

#: States of a measure in a monitoring year, plus the label for "nothing recorded".
STATES = ("nezahájeno", "probíhá", "splněno", "zrušeno")
NO_RECORD = "bez záznamu"
STATE_ORDER = STATES + (NO_RECORD,)


# --------------------------------------------------------------------------- funding

def funding_shares(funding: pd.DataFrame) -> pd.DataFrame:
    """Share of each funding source in its project.

    Parameters
    ----------
    funding : DataFrame
        ``ProjectData.funding``: ``project_id, source_kind, amount_czk`` (Kč; NaN
        when the source has no stated amount).

    Returns
    -------
    DataFrame
        ``project_id, source_kind, amount_czk, share`` (0–1 of the project's known
        amounts; NaN when the project has a source without an amount, because the
        shares of an incomplete sum would be wrong). Sources of the same kind are summed.
    """
    grouped = (funding.groupby(["project_id", "source_kind"], sort=False)["amount_czk"]
               .agg(lambda s: s.sum() if s.notna().all() else np.nan).reset_index())
    complete = grouped.groupby("project_id")["amount_czk"].transform(lambda s: s.notna().all())
    totals = grouped.groupby("project_id")["amount_czk"].transform("sum")
    grouped["share"] = np.where(complete & (totals > 0), grouped["amount_czk"] / totals.where(totals > 0), np.nan)
    return grouped


def funding_table(projects: pd.DataFrame, funding: pd.DataFrame, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Projects side by side: total, amount and share of each source kind.

    Returns
    -------
    DataFrame
        one row per project: ``project_id, name, start, end, total_czk`` and for each
        source kind ``<kind> [Kč]`` and ``<kind> [podíl]`` (0–1); a kind the project
        does not use gets 0 where the project's funding is complete, NaN otherwise.
    """
    kinds = kinds or SOURCE_KINDS
    shares = funding_shares(funding)
    amounts = shares.pivot(index="project_id", columns="source_kind", values="amount_czk")
    parts = shares.pivot(index="project_id", columns="source_kind", values="share")
    table = projects[["project_id", "name", "start", "end", "total_czk"]].set_index("project_id")
    complete = shares.groupby("project_id")["share"].apply(lambda s: s.notna().all()).reindex(table.index)
    complete = complete.fillna(False).astype(bool)
    for kind in kinds:
        amount = amounts[kind] if kind in amounts else pd.Series(np.nan, index=table.index)
        share = parts[kind] if kind in parts else pd.Series(np.nan, index=table.index)
        amount = amount.reindex(table.index)
        share = share.reindex(table.index)
        table[f"{kind} [Kč]"] = amount.where(amount.notna() | ~complete, 0.0)
        table[f"{kind} [podíl]"] = share.where(share.notna() | ~complete, 0.0)
    return table.reset_index()


def cost_per_inhabitant(projects: pd.DataFrame, population: pd.Series | Mapping[str, float] | float) -> pd.DataFrame:
    """Total cost of each project per inhabitant of its area, overall and per year.

    Parameters
    ----------
    projects : DataFrame
        ``project_id, total_czk`` (Kč) and ``months`` (length of the period).
    population : Series, mapping or number
        Inhabitants of each project's area, indexed by ``project_id`` (e.g. from
        ``kpss_lib.load.projects.project_area_population``), or one number for all.

    Returns
    -------
    DataFrame
        ``project_id, total_czk, population, czk_per_inhabitant,
        czk_per_inhabitant_per_year`` (Kč per person and per person and 12 months);
        NaN where the total or the population is unknown or the population is 0.
    """
    if isinstance(population, (int, float, np.integer, np.floating)):
        people = pd.Series(float(population), index=projects["project_id"])
    else:
        people = pd.Series(population, dtype="float64").reindex(projects["project_id"])
    out = projects[["project_id", "total_czk", "months"]].copy()
    out["population"] = people.to_numpy()
    valid = out["population"] > 0
    out["czk_per_inhabitant"] = np.where(valid, out["total_czk"] / out["population"].where(valid), np.nan)
    out["czk_per_inhabitant_per_year"] = out["czk_per_inhabitant"] / out["months"] * 12
    return out.drop(columns="months")


def spending_per_year(projects: pd.DataFrame, funding: pd.DataFrame | None = None) -> pd.DataFrame:
    """Spending of each project per calendar year, pro rata by months of its period.

    Parameters
    ----------
    projects : DataFrame
        ``project_id, start, end, total_czk``.
    funding : DataFrame, optional
        ``ProjectData.funding``; when given, each source's amount is split too.

    Returns
    -------
    DataFrame
        ``project_id, year, months, share`` (of the period, 0–1) and ``amount_czk``
        (the total's part, Kč); with ``funding`` one row per project × year × source,
        with ``source_kind`` and the source's part in ``amount_czk``.
    """
    rows = []
    for project in projects.itertuples():
        split = months_per_year(project.start, project.end)
        length = sum(split.values())
        for year, months in split.items():
            rows.append({"project_id": project.project_id, "year": year, "months": months,
                         "share": months / length, "amount_czk": project.total_czk * months / length})
    out = pd.DataFrame(rows, columns=["project_id", "year", "months", "share", "amount_czk"])
    if funding is None:
        return out
    sources = funding[["project_id", "source_kind", "amount_czk"]].rename(columns={"amount_czk": "source_czk"})
    out = out.drop(columns="amount_czk").merge(sources, on="project_id", how="inner")
    out["amount_czk"] = out["source_czk"] * out["share"]
    return out.drop(columns="source_czk")[["project_id", "year", "source_kind", "months", "share", "amount_czk"]]


# --------------------------------------------------------------------------- plan monitoring

def measure_status(measures: pd.DataFrame, records: pd.DataFrame, year: int) -> pd.DataFrame:
    """The state of every measure of a plan in one year.

    Parameters
    ----------
    measures : DataFrame
        ``Plan.measures``.
    records : DataFrame
        ``MonitoringData.records`` (``measure_id, year, state, actual, spent_czk, note``).
    year : int
        The monitoring year.

    Returns
    -------
    DataFrame
        one row per measure with the plan's columns and ``year, state`` (``bez
        záznamu`` when nothing was recorded for that year), ``actual, spent_czk, note``.
    """
    this = records[records["year"] == year][["measure_id", "state", "actual", "spent_czk", "note"]]
    out = measures.drop(columns=["note"], errors="ignore").merge(this, on="measure_id", how="left")
    out["state"] = out["state"].fillna(NO_RECORD)
    out.insert(0, "year", year)
    return out


def plan_fulfilment(measures: pd.DataFrame, records: pd.DataFrame, year: int,
                    by: str = "goal") -> pd.DataFrame:
    """Share of measures by state, per goal, target group or for the whole plan.

    Parameters
    ----------
    by : {"goal", "target_group", "plan"}, default "goal"

    Returns
    -------
    DataFrame
        one row per unit: its id and name, ``n_measures``, ``n_<state>`` and
        ``share_<state>`` (0–1) for each of nezahájeno, probíhá, splněno, zrušeno and
        ``bez záznamu`` (written ``bez_zaznamu`` in the column names), and the
        indicator summary ``n_indicators`` (measures with a target) and
        ``indicator_attainment`` (mean of actual / target over those with an actual
        value, capped at 1 per measure; NaN when none has one).
    """
    keys = {"goal": ["target_group_id", "target_group_name", "goal_id", "goal_name"],
            "target_group": ["target_group_id", "target_group_name"], "plan": []}
    if by not in keys:
        raise UnknownValueError(f"unknown grouping by={by!r}; expected one of {', '.join(keys)}")
    status = measure_status(measures, records, year)
    status["_all"] = "plán"
    group_keys = keys[by] or ["_all"]
    counts = pd.crosstab([status[k] for k in group_keys], status["state"]).reindex(columns=list(STATE_ORDER),
                                                                                   fill_value=0)
    counts.columns = [f"n_{state_key(s)}" for s in counts.columns]
    counts.insert(0, "n_measures", counts.sum(axis=1))
    for state in STATE_ORDER:
        counts[f"share_{state_key(state)}"] = counts[f"n_{state_key(state)}"] / counts["n_measures"]
    has_target = status["target_value"].notna()
    # Over-fulfilling one measure must not hide another's shortfall: cap each at 1.
    status["_attainment"] = (status["actual"] / status["target_value"].where(status["target_value"] > 0)).clip(upper=1.0)
    status["_has_target"] = has_target
    ind = status.groupby(group_keys).agg(n_indicators=("_has_target", "sum"),
                                         indicator_attainment=("_attainment", "mean"))
    out = counts.join(ind).reset_index()
    out.insert(0, "year", year)
    return out.drop(columns=["_all"], errors="ignore")


def state_key(state: str) -> str:
    """The ASCII key of a measure's state in column names: "splněno" → "splneno" (``n_splneno``, ``share_…``)."""
    return {"nezahájeno": "nezahajeno", "probíhá": "probiha", "splněno": "splneno", "zrušeno": "zruseno",
            NO_RECORD: "bez_zaznamu"}[state]


def indicator_progress(measures: pd.DataFrame, records: pd.DataFrame, year: int) -> pd.DataFrame:
    """Measures with an indicator: target value against the actual value of one year.

    Returns
    -------
    DataFrame
        ``measure_id, measure_name, indicator_name, unit, target_value, actual,
        attainment`` (actual / target, not capped; NaN without an actual value), ``state``.
    """
    status = measure_status(measures, records, year)
    out = status[status["target_value"].notna()].copy()
    out["attainment"] = out["actual"] / out["target_value"].where(out["target_value"] > 0)
    return out[["year", "measure_id", "measure_name", "indicator_name", "unit", "target_value", "actual",
                "attainment", "state"]].reset_index(drop=True)


def late_or_dropped(measures: pd.DataFrame, records: pd.DataFrame, year: int) -> pd.DataFrame:
    """Measures that are dropped, late or not started in time, as of one year.

    A measure is *zrušené* when its state is zrušeno; *po termínu* when the year is
    its last planned year or later and it is neither splněno nor zrušeno (nezahájeno
    or probíhá); *nezahájené* when the year is after its first planned year and it is
    still nezahájeno. Measures without a record are not listed (nothing is known).

    Returns
    -------
    DataFrame
        ``measure_id, measure_name, goal_id, target_group_name, start_year,
        end_year, state, problem`` sorted by measure id.
    """
    status = measure_status(measures, records, year)
    problem = pd.Series(pd.NA, index=status.index, dtype="object")
    problem[(status["state"] == "nezahájeno") & (year > status["start_year"])] = "nezahájené"
    problem[status["state"].isin(["nezahájeno", "probíhá"]) & (year >= status["end_year"])] = "po termínu"
    problem[status["state"] == "zrušeno"] = "zrušené"
    status["problem"] = problem
    out = status[status["problem"].notna()]
    return out[["year", "measure_id", "measure_name", "goal_id", "target_group_name", "start_year", "end_year",
                "state", "problem"]].reset_index(drop=True)


def change_since_previous_year(measures: pd.DataFrame, records: pd.DataFrame, year: int) -> pd.DataFrame:
    """What changed for each measure between the previous year and ``year``.

    Returns
    -------
    DataFrame
        one row per measure: ``measure_id, measure_name, state_previous, state``
        (``bez záznamu`` where nothing was recorded), ``changed`` (bool),
        ``actual_previous, actual, actual_change``, ``spent_previous, spent_czk``.
    """
    now = measure_status(measures, records, year)
    before = measure_status(measures, records, year - 1)[["measure_id", "state", "actual", "spent_czk"]]
    before = before.rename(columns={"state": "state_previous", "actual": "actual_previous",
                                    "spent_czk": "spent_previous"})
    out = now[["year", "measure_id", "measure_name", "goal_id", "state", "actual", "spent_czk"]].merge(
        before, on="measure_id", how="left")
    out["changed"] = out["state"] != out["state_previous"]
    out["actual_change"] = out["actual"] - out["actual_previous"]
    return out[["year", "measure_id", "measure_name", "goal_id", "state_previous", "state", "changed",
                "actual_previous", "actual", "actual_change", "spent_previous", "spent_czk"]]


def state_transitions(changes: pd.DataFrame) -> pd.DataFrame:
    """Counts of measures by (previous state → state), from :func:`change_since_previous_year`."""
    table = changes.groupby(["state_previous", "state"]).size().rename("n_measures").reset_index()
    return table.sort_values("n_measures", ascending=False).reset_index(drop=True)


# --------------------------------------------------------------------------- participation

def participation(units: pd.DataFrame, members: pd.DataFrame, level: str = "orp",
                  project_ids: list[str] | None = None) -> pd.DataFrame:
    """Which units of a region take part in planning projects, and which do not.

    Parameters
    ----------
    units : DataFrame
        The units of the region at ``level`` with ``<level>_code`` and
        ``<level>_name`` (e.g. the 21 ORP of Jihomoravský kraj from
        ``kpss_lib.load.territory.units_of``).
    members : DataFrame
        ``PartnerData.members`` (``project_id, partner_id, name, obec_code,
        orp_code, …``); a partner takes part in the unit its obec lies in.
    level : {"obec", "orp", "okres", "kraj"}, default "orp"
    project_ids : list of str, optional
        Count only these projects; default all.

    Returns
    -------
    DataFrame
        one row per unit: ``<level>_code, <level>_name, participates`` (bool),
        ``n_partners``, ``partners`` and ``projects`` (``; ``-separated), sorted with
        the participating units first.
    """
    key, name = f"{level}_code", f"{level}_name"
    if key not in units.columns or name not in units.columns:
        raise UnknownValueError(f"units need columns {key!r} and {name!r} for level {level!r}; got {list(units.columns)}")
    chosen = members if project_ids is None else members[members["project_id"].isin(project_ids)]
    chosen = chosen[chosen[key].notna()] if key in chosen.columns else chosen.iloc[0:0]
    grouped = chosen.groupby(key).agg(
        n_partners=("partner_id", "nunique"),
        partners=("name", lambda s: "; ".join(sorted(set(s)))),
        projects=("project_id", lambda s: "; ".join(sorted(set(s)))),
    )
    out = pd.DataFrame(units[[key, name]]).drop_duplicates(key).set_index(key).join(grouped)
    out["n_partners"] = out["n_partners"].fillna(0).astype(int)
    out["participates"] = out["n_partners"] > 0
    out = out.reset_index()[[key, name, "participates", "n_partners", "partners", "projects"]]
    return out.sort_values(["participates", name], ascending=[False, True]).reset_index(drop=True)


def partner_matrix(members: pd.DataFrame) -> pd.DataFrame:
    """Who took part in which project: partners × projects, cells = role in the project ('' = not a member)."""
    table = members.assign(role=members["role_in_project"].fillna("člen"), kind=members["kind"].fillna("neuvedeno"))
    matrix = table.groupby(["name", "kind", "project_id"])["role"].first().unstack("project_id")
    matrix.columns.name = None
    return matrix.fillna("").reset_index()


# --------------------------------------------------------------------------- capacity beside measures

#: ``coverage`` of :func:`capacity_for_measures`: services of the kind in the area; none
#: in the area although the input has the kind elsewhere; the input lacks the kind
#: altogether, so nothing can be said (a bare 0 would read as "none exists").
COVERAGE_IN_AREA = "v území plánu jsou"
COVERAGE_NONE_IN_AREA = "v území plánu žádná (druh ve vstupních datech je)"
COVERAGE_NOT_IN_INPUT = "vstupní data tento druh nepokrývají"


def capacity_for_measures(measures: pd.DataFrame, services: pd.DataFrame, area_obce: list[str] | set[str],
                          input_kinds: Iterable[str] | None = None) -> pd.DataFrame:
    """Registered capacity of the kind of service each measure is about, in the plan's area.

    Parameters
    ----------
    measures : DataFrame
        ``Plan.measures`` (``measure_id, measure_name, service_type``, and the
        optional indicator ``target_value, unit``); measures without a service type
        are left out.
    services : DataFrame
        ``ServiceData.places`` (capacity split over places in ``capacity_share``,
        so a service with places inside and outside the area counts only its share)
        or ``ServiceData.services`` (``capacity`` at the seat); columns ``service_id,
        type_name, form, capacity_unit, obec_code``.
        Pass the whole input, not only the area: which kinds it holds tells "none
        in the area" from "not covered by the input".
    area_obce : list of str
        Obec codes of the plan's area.
    input_kinds : iterable of str, optional
        Kinds of service (``type_name``) the input covers; default the kinds present
        in ``services``. The MPSV catalogue in ``KPSS_DATA_DIR`` lists services for
        seniors only, so it has no noclehárny or azylové domy at all.

    Returns
    -------
    DataFrame
        one row per measure × form × capacity unit found: ``measure_id,
        measure_name, service_type, target_value, unit, form, capacity_unit,
        capacity, n_services`` (nullable int) and ``coverage``. A measure whose kind
        has no service in the area gets one row with empty form, unit and capacity
        and either ``n_services`` 0 and ``coverage`` :data:`COVERAGE_NONE_IN_AREA`
        (the input has the kind elsewhere), or ``n_services`` <NA> and ``coverage``
        :data:`COVERAGE_NOT_IN_INPUT` (the input lacks the kind: unknown, not 0).
        Capacities of different units or forms are never added together.
    """
    value = "capacity_share" if "capacity_share" in services.columns else "capacity"
    needed = {"service_id", "type_name", "form", "capacity_unit", "obec_code", value}
    missing = needed - set(services.columns)
    if missing:
        raise UnknownValueError(f"services table lacks columns {', '.join(sorted(missing))}; "
                                "pass ServiceData.places or ServiceData.services")
    local = services[services["obec_code"].isin(set(area_obce))].copy()
    local["_type"] = local["type_name"].map(normalize_name)
    wanted = measures[measures["service_type"].notna()].copy()
    wanted["_type"] = wanted["service_type"].map(normalize_name)
    summary = local.groupby(["_type", "form", "capacity_unit"]).agg(
        capacity=(value, "sum"), n_services=("service_id", "nunique")).reset_index()
    out = wanted[["measure_id", "measure_name", "service_type", "target_value", "unit", "_type"]].merge(
        summary, on="_type", how="left")
    covered = {normalize_name(k) for k in (services["type_name"].dropna() if input_kinds is None else input_kinds)}
    in_input = out["_type"].isin(covered)
    found = out["n_services"].notna()
    out["n_services"] = out["n_services"].fillna(0).astype("Int64").where(in_input | found, pd.NA)
    out["coverage"] = np.select([found, in_input], [COVERAGE_IN_AREA, COVERAGE_NONE_IN_AREA], COVERAGE_NOT_IN_INPUT)
    return out.drop(columns="_type").reset_index(drop=True)


def partner_points(members: pd.DataFrame, obce: list[str] | set[str] | None = None) -> pd.DataFrame:
    """One point per partner (its obec's definition point) with the projects it took part in.

    Parameters
    ----------
    members : DataFrame
        ``PartnerData.members`` (partner columns with ``lon, lat, obec_name``).
    obce : list of str, optional
        Keep only partners located in these obce (e.g. a region's ``Region.obce``).

    Returns
    -------
    DataFrame
        ``partner_id, name, kind, triad_role, ico, obec_code, obec_name, lon, lat,
        projects`` and, for :func:`kpss_lib.maps.service_markers` (which draws any
        point table in the services' column names and escapes every text), the same
        facts as ``service_id`` (= partner_id), ``service_name`` (= name),
        ``provider_name`` ("Projekty: …"), ``provider_ico`` (= ico), ``type_name``
        (= kind, "neuvedeno" when unknown) and ``address`` (= obec name). Partners
        without an obec (foreign ones, unknown seats) are left out: list them from
        ``members`` where ``obec_code`` is empty.
    """
    located = members[members["obec_code"].notna() & members["lon"].notna()]
    if obce is not None:
        located = located[located["obec_code"].isin(set(obce))]
    columns = ["partner_id", "name", "kind", "triad_role", "ico", "obec_code", "obec_name", "lon", "lat"]
    points = located.groupby(columns, dropna=False, sort=True)["project_id"].agg(
        lambda s: ", ".join(sorted(set(s)))).rename("projects").reset_index()
    points["service_id"] = points["partner_id"]
    points["service_name"] = points["name"]
    points["provider_name"] = "Projekty: " + points["projects"]
    points["provider_ico"] = points["ico"]
    points["type_name"] = points["kind"].fillna("neuvedeno")
    points["address"] = points["obec_name"]
    return points


def partner_summary(members: pd.DataFrame) -> pd.DataFrame:
    """Per project: number of partners by kind and by role in the project.

    Returns
    -------
    DataFrame
        one row per project: ``project_id, n_members`` and a count column per partner
        kind (``neuvedeno`` for an unknown kind) and per role (``role: žadatel`` …).
    """
    kinds = pd.crosstab(members["project_id"], members["kind"].fillna("neuvedeno"))
    roles = pd.crosstab(members["project_id"], members["role_in_project"].fillna("neuvedeno"))
    roles.columns = [f"role: {c}" for c in roles.columns]
    out = kinds.join(roles)
    out.insert(0, "n_members", members.groupby("project_id")["partner_id"].nunique())
    out.columns.name = None
    return out.reset_index()


def plan_structure(measures: pd.DataFrame) -> pd.DataFrame:
    """Per target group: number of goals, of measures, of measures with an indicator and with a service kind."""
    out = measures.groupby(["target_group_id", "target_group_name"], sort=False).agg(
        n_goals=("goal_id", "nunique"), n_measures=("measure_id", "size"),
        n_indicators=("target_value", "count"), n_service_kind=("service_type", "count"))
    return out.reset_index()

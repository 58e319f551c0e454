"""Plans (target groups → goals → measures, ``data/plans/<plan_id>.yml``) and their monitoring
(an analyst's file from ``kpss template monitoring``).

Validation policy: a structural error of a plan (duplicated or misnumbered ids, a
period that ends before it starts) raises ValidationError. A bad monitoring row
(unknown measure, state or year; a year that is not whole; an amount that is negative
or not a finite number; values or a note without a state) is kept out and listed in
``rejected``; the valid rows load.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from kpss_lib.config import PROJECT_DATA_DIR
from kpss_lib.errors import DataFileError, UnknownValueError
from kpss_lib.fileio import write_table_atomic
from kpss_lib.load.records import (REJECTED_COLUMNS, RejectReport, canonical_columns, cell_text, match_key,
                                   non_negative, parse_amount, require_columns, source_rows, vocabulary, whole_number)
from kpss_lib.load.services import service_types
from kpss_lib.load.tables import read_table, read_text

#: States of a plan measure in a monitoring year.
MONITORING_STATES = ("nezahájeno", "probíhá", "splněno", "zrušeno")

PLANS_DIR = PROJECT_DATA_DIR / "plans"

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
        content = yaml.safe_load(read_text(path, expected="a YAML plan (see data/README.md)"))
    except yaml.YAMLError as exc:
        raise DataFileError(path, f"not valid YAML ({exc})") from exc
    except RecursionError:
        raise DataFileError(path, "YAML nested too deeply", expected="a YAML plan (see data/README.md)") from None
    if not isinstance(content, dict):
        raise DataFileError(path, "not a plan", expected="a mapping with plan_id, period, target_groups")
    for key in ("plan_id", "name", "period", "target_groups"):
        if key not in content:
            raise DataFileError(path, f"missing key {key!r}", expected="plan_id, name, area, period, target_groups")
    report = RejectReport()
    period = content["period"] or {}
    start, end = period.get("start"), period.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        raise DataFileError(path, "period needs whole years", column="period", expected="start: 2008, end: 2012",
                            got=period)
    if end < start:
        report.add(path, "period", "end", f"the plan period ends before it starts ({start})", end)
    area = content.get("area") or {}
    type_names = {match_key(n): n for n in service_types()["type_name"]}
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
                        target = parse_amount(target)
                    except ValueError:
                        target = -1
                    if target is None or target < 0:
                        report.add(path, record, "indicator.target", "target must be a number ≥ 0",
                                   indicator.get("target"))
                service_type = measure.get("service_type")
                if service_type is not None:
                    known = type_names.get(match_key(service_type))
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
    raw = canonical_columns(read_table(path), MONITORING_COLUMNS)
    require_columns(raw, path, ["measure_id", "year", "state"], MONITORING_COLUMNS)
    if "plan_id" in raw.columns:
        other = sorted({v for v in raw["plan_id"].dropna() if v != plan.plan_id})
        if other:
            raise DataFileError(path, "the monitoring belongs to another plan", column="plan_id",
                                expected=plan.plan_id, got=other[0])
    report = RejectReport()
    measures = plan.measures.set_index("measure_id")
    out, seen, not_filled = [], {}, 0
    for line, (_, row) in zip(source_rows(raw), raw.iterrows()):
        record = f"row {line}"
        state_text = cell_text(row.get("state"))
        filled = {c: cell_text(row.get(c)) for c in ("actual", "spent_czk", "note") if cell_text(row.get(c)) is not None}
        if state_text is None and not filled:
            not_filled += 1
            continue
        measure_id = cell_text(row.get("measure_id"))
        if measure_id not in measures.index:
            report.add(path, record, "measure_id", f"unknown measure id in plan {plan.plan_id!r}", measure_id)
            continue
        try:
            year = whole_number(row.get("year"))
        except ValueError:
            report.add(path, record, "year", "not a whole year", row.get("year"))
            continue
        if year is None or not plan.start_year <= year <= plan.end_year:
            report.add(path, record, "year", f"year outside the plan period {plan.start_year}–{plan.end_year}",
                       row.get("year"))
            continue
        if state_text is None:
            report.add(path, record, "state", "values without a state; expected one of "
                       + ", ".join(MONITORING_STATES) + " (the value column lists what was filled in)",
                       "; ".join(f"{MONITORING_COLUMNS[c]}: {v}" for c, v in filled.items()))
            continue
        state = vocabulary(state_text, MONITORING_STATES)
        if state is None:
            report.add(path, record, "state", f"unknown state; expected one of {', '.join(MONITORING_STATES)}",
                       state_text)
            continue
        values = non_negative(row, ("actual", "spent_czk"), path, record, report)
        if values is None:
            continue
        if (measure_id, year) in seen:
            report.add(path, record, "measure_id", f"measure {measure_id} recorded twice for {year} "
                       f"(first on {seen[(measure_id, year)]})", measure_id)
            continue
        seen[(measure_id, year)] = record
        out.append({"plan_id": plan.plan_id, "measure_id": measure_id, "year": year, "state": state,
                    "actual": values["actual"], "spent_czk": values["spent_czk"], "note": cell_text(row.get("note"))})
    records = pd.DataFrame(out, columns=record_columns)
    records["actual"] = records["actual"].astype("float64")
    records["spent_czk"] = records["spent_czk"].astype("float64")
    records["year"] = records["year"].astype("int64")
    records = records.merge(plan.measures[["measure_id"] + measure_columns], on="measure_id", how="left")
    return MonitoringData(plan.plan_id, records, report.frame(), not_filled)


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
    return write_table_atomic(monitoring_frame(plan), path)

"""Planning indicators on tiny hand-checkable tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpss_lib.errors import UnknownValueError, ValidationError
from kpss_lib.indicators import planning as ind
from kpss_lib.load.projects import months_per_year


def _projects() -> pd.DataFrame:
    return pd.DataFrame({
        "project_id": ["a", "b"], "name": ["A", "B"],
        "start": pd.to_datetime(["2005-10-01", "2008-01-01"]), "end": pd.to_datetime(["2007-07-31", "2008-12-31"]),
        "total_czk": [2200.0, np.nan], "months": [22.0, 12.0]})


def _funding() -> pd.DataFrame:
    return pd.DataFrame({"project_id": ["a", "a", "a", "b"],
                         "source_kind": ["EU/ESF", "obec", "obec", "EU/ESF"],
                         "amount_czk": [1100.0, 550.0, 550.0, np.nan]})


def test_months_per_year_pro_rata_by_days():
    assert months_per_year(pd.Timestamp("2005-10-01"), pd.Timestamp("2007-07-31")) == {2005: 3, 2006: 12, 2007: 7}
    half = months_per_year(pd.Timestamp("2010-01-16"), pd.Timestamp("2010-01-31"))
    assert half[2010] == pytest.approx(16 / 31)
    with pytest.raises(ValidationError, match="before it starts"):
        months_per_year(pd.Timestamp("2010-02-01"), pd.Timestamp("2010-01-31"))


def test_funding_shares_sum_kinds_and_leave_incomplete_projects_empty():
    shares = ind.funding_shares(_funding()).set_index(["project_id", "source_kind"])
    assert shares.loc[("a", "obec"), "amount_czk"] == 1100
    assert shares.loc[("a", "obec"), "share"] == 0.5
    assert np.isnan(shares.loc[("b", "EU/ESF"), "share"])


def test_funding_table_zero_for_unused_kinds_only_when_complete():
    table = ind.funding_table(_projects(), _funding()).set_index("project_id")
    assert table.loc["a", "kraj [Kč]"] == 0 and table.loc["a", "EU/ESF [podíl]"] == 0.5
    assert np.isnan(table.loc["b", "kraj [Kč]"])


def test_spending_per_year_total_and_by_source():
    per_year = ind.spending_per_year(_projects().iloc[[0]])
    assert per_year["amount_czk"].tolist() == pytest.approx([300, 1200, 700])
    by_source = ind.spending_per_year(_projects().iloc[[0]], _funding())
    eu = by_source[by_source["source_kind"] == "EU/ESF"].set_index("year")["amount_czk"]
    assert eu.to_dict() == pytest.approx({2005: 150, 2006: 600, 2007: 350})
    assert by_source["amount_czk"].sum() == pytest.approx(2200)


def test_cost_per_inhabitant():
    cost = ind.cost_per_inhabitant(_projects(), {"a": 100, "b": 0}).set_index("project_id")
    assert cost.loc["a", "czk_per_inhabitant"] == 22
    assert cost.loc["a", "czk_per_inhabitant_per_year"] == pytest.approx(12)
    assert np.isnan(cost.loc["b", "czk_per_inhabitant"])
    assert ind.cost_per_inhabitant(_projects(), 1100).set_index("project_id").loc["a", "czk_per_inhabitant"] == 2


def _plan() -> pd.DataFrame:
    return pd.DataFrame({
        "measure_id": ["1.1.1", "1.1.2", "1.2.1", "2.1.1"], "measure_name": ["m1", "m2", "m3", "m4"],
        "goal_id": ["1.1", "1.1", "1.2", "2.1"], "goal_name": ["g11", "g11", "g12", "g21"],
        "target_group_id": ["1", "1", "1", "2"], "target_group_name": ["T1", "T1", "T1", "T2"],
        "start_year": [2008, 2008, 2008, 2009], "end_year": [2009, 2012, 2012, 2012],
        "target_value": [np.nan, 4.0, np.nan, 10.0], "unit": [None, "míst", None, "lůžek"],
        "indicator_name": [None, "místa", None, "lůžka"],
        "service_type": [None, "noclehárny", None, "domovy pro seniory"], "note": None})


def _records() -> pd.DataFrame:
    return pd.DataFrame({
        "measure_id": ["1.1.1", "1.1.2", "1.2.1", "1.1.1", "1.1.2", "2.1.1"],
        "year": [2009, 2009, 2009, 2010, 2010, 2010],
        "state": ["probíhá", "nezahájeno", "zrušeno", "probíhá", "probíhá", "splněno"],
        "actual": [np.nan, 0.0, np.nan, np.nan, 2.0, 12.0], "spent_czk": [10.0, np.nan, np.nan, 5.0, 1.0, 1.0],
        "note": None})


def test_plan_fulfilment_by_target_group():
    table = ind.plan_fulfilment(_plan(), _records(), 2010, by="target_group").set_index("target_group_id")
    assert table.loc["1", "n_measures"] == 3
    assert table.loc["1", "n_probiha"] == 2 and table.loc["1", "n_bez_zaznamu"] == 1
    assert table.loc["1", "share_probiha"] == pytest.approx(2 / 3)
    assert table.loc["2", "share_splneno"] == 1
    # 1.1.2: 2 of 4 → 0.5; 2.1.1: 12 of 10 capped at 1.
    assert table.loc["1", "indicator_attainment"] == 0.5 and table.loc["2", "indicator_attainment"] == 1
    whole = ind.plan_fulfilment(_plan(), _records(), 2010, by="plan")
    assert len(whole) == 1 and whole["n_measures"].iloc[0] == 4
    with pytest.raises(UnknownValueError, match="by="):
        ind.plan_fulfilment(_plan(), _records(), 2010, by="kraj")


def test_indicator_progress_not_capped():
    table = ind.indicator_progress(_plan(), _records(), 2010).set_index("measure_id")
    assert table.loc["2.1.1", "attainment"] == 1.2 and table.loc["1.1.2", "attainment"] == 0.5


def test_late_or_dropped():
    late = ind.late_or_dropped(_plan(), _records(), 2009).set_index("measure_id")["problem"].to_dict()
    # 1.1.1 ends 2009 and is still running; 1.1.2 started 2008 and is not started in 2009; 1.2.1 dropped.
    assert late == {"1.1.1": "po termínu", "1.1.2": "nezahájené", "1.2.1": "zrušené"}
    assert ind.late_or_dropped(_plan(), _records(), 2008).empty


def test_change_since_previous_year():
    change = ind.change_since_previous_year(_plan(), _records(), 2010).set_index("measure_id")
    assert change.loc["1.1.2", "state_previous"] == "nezahájeno" and change.loc["1.1.2", "state"] == "probíhá"
    assert change.loc["1.1.2", "actual_change"] == 2
    assert not change.loc["1.1.1", "changed"]
    assert change.loc["1.2.1", "state"] == ind.NO_RECORD and change.loc["1.2.1", "changed"]
    transitions = ind.state_transitions(change)
    assert transitions["n_measures"].sum() == 4


def test_participation_lists_units_without_partners():
    units = pd.DataFrame({"orp_code": ["1", "2", "3"], "orp_name": ["A", "B", "C"]})
    members = pd.DataFrame({"project_id": ["p", "p", "q"], "partner_id": ["x", "y", "z"],
                            "name": ["X", "Y", "Z"], "orp_code": ["1", "1", "2"]})
    table = ind.participation(units, members, project_ids=["p"]).set_index("orp_code")
    assert table["participates"].to_dict() == {"1": True, "2": False, "3": False}
    assert table.loc["1", "n_partners"] == 2 and table.loc["1", "partners"] == "X; Y"


def test_capacity_for_measures_never_adds_units_or_forms():
    places = pd.DataFrame({
        "service_id": ["s1", "s1", "s2", "s3", "s4"],
        "type_name": ["noclehárny", "noclehárny", "Noclehárny", "noclehárny", "domovy pro seniory"],
        "form": ["ambulantní"] * 4 + ["pobytová"],
        "capacity_unit": ["lůžka", "lůžka", "lůžka", "klienti", "lůžka"],
        "capacity_share": [5.0, 5.0, 3.0, 7.0, 40.0],
        "obec_code": ["A", "B", "A", "A", "Z"]})
    table = ind.capacity_for_measures(_plan(), places, ["A"])
    shelter = table[table["measure_id"] == "1.1.2"].set_index("capacity_unit")
    assert shelter.loc["lůžka", "capacity"] == 8 and shelter.loc["lůžka", "n_services"] == 2
    assert shelter.loc["klienti", "capacity"] == 7
    homes = table[table["measure_id"] == "2.1.1"]
    assert len(homes) == 1 and homes["n_services"].iloc[0] == 0 and homes["capacity"].isna().all()


def test_capacity_for_measures_tells_none_in_the_area_from_a_kind_the_input_lacks():
    # A seniors-only catalogue has homes for the elderly (none in area A) but no asylum houses at all.
    places = pd.DataFrame({"service_id": ["s4"], "type_name": ["domovy pro seniory"], "form": ["pobytová"],
                           "capacity_unit": ["lůžka"], "capacity_share": [40.0], "obec_code": ["Z"]})
    plan = _plan()
    plan.loc[plan["measure_id"] == "1.2.1", "service_type"] = "azylové domy"
    table = ind.capacity_for_measures(plan, places, ["A"]).set_index("measure_id")
    assert table.loc["2.1.1", "n_services"] == 0
    assert table.loc["2.1.1", "coverage"] == ind.COVERAGE_NONE_IN_AREA
    for measure in ("1.1.2", "1.2.1"):                  # noclehárny, azylové domy: not in the input
        assert pd.isna(table.loc[measure, "n_services"])
        assert table.loc[measure, "coverage"] == ind.COVERAGE_NOT_IN_INPUT == "vstupní data tento druh nepokrývají"
    # The input's coverage may also be stated outright (e.g. a register known to hold every kind).
    stated = ind.capacity_for_measures(plan, places, ["A"], input_kinds=["noclehárny"]).set_index("measure_id")
    assert stated.loc["1.1.2", "n_services"] == 0 and stated.loc["1.1.2", "coverage"] == ind.COVERAGE_NONE_IN_AREA
    found = ind.capacity_for_measures(plan, places, ["Z"]).set_index("measure_id")
    assert found.loc["2.1.1", "n_services"] == 1 and found.loc["2.1.1", "coverage"] == ind.COVERAGE_IN_AREA

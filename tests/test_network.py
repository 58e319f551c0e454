"""The network of services: kinds present, missing and how far, per unit × working group."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpss_lib.errors import DataFileError, UnknownValueError
from kpss_lib.indicators.network import network_by_kind, network_summary
from kpss_lib.load import services as s
from kpss_lib.load.facilities import read_kraj_facilities
from kpss_lib.load.territory import region_obce

GROUPS = ["senioři", "osoby se zdravotním postižením", "rodiny s dětmi", "osoby ohrožené sociálním vyloučením"]


@pytest.fixture(scope="module")
def names():
    return s.service_types().set_index("type_code")["type_name"].to_dict()


# A hand-checkable grid: three obce on a line 10 km apart in two ORP; kind A at obec 1, kind B nowhere near.
@pytest.fixture()
def grid():
    obce = pd.DataFrame({"obec_code": ["1", "2", "3"], "obec_name": ["Jedna", "Dvě", "Tři"],
                         "orp_code": ["10", "10", "20"], "orp_name": ["Prvé", "Prvé", "Druhé"],
                         "x": [0.0, 10_000.0, 20_000.0], "y": [0.0, 0.0, 0.0]})
    supply = pd.DataFrame({"type_code": ["A", "B"], "obec_code": ["1", "9"], "orp_code": ["10", "99"],
                           "x": [0.0, 50_000.0], "y": [0.0, 0.0]})
    return obce, supply


def test_grid_present_missing_and_distances(grid):
    obce, supply = grid
    table = network_by_kind(obce, supply, {"skupina": ["A", "B", "C"]})
    row = table.set_index(["unit_code", "type_code"])
    assert row.loc[("10", "A"), ["present", "nearest_km", "worst_obec_km"]].tolist() == [True, 0.0, 10.0]
    assert row.loc[("20", "A"), ["present", "nearest_km", "worst_obec_km"]].tolist() == [False, 20.0, 20.0]
    assert row.loc[("10", "B"), ["nearest_km", "worst_obec_km"]].tolist() == [40.0, 50.0]
    assert not row.loc[("10", "C"), "in_input"] and np.isinf(row.loc[("10", "C"), "nearest_km"])
    summary = network_summary(table).set_index("unit_code")
    assert summary.loc["10", ["n_kinds", "n_in_input", "n_present", "n_missing"]].tolist() == [3, 2, 1, 1]
    assert summary.loc["10", "missing"] == "B (40,0 km)" and summary.loc["10", "not_in_input"] == "C"
    assert summary.loc["20", "missing"] == "A (20,0 km); B (30,0 km)"
    assert summary.loc["20", "farthest_missing_km"] == 30.0


def test_the_distance_function_is_a_parameter(grid):
    obce, supply = grid

    def doubled(origins, destinations):
        from kpss_lib.indicators.distance import nearest_distance_km
        return 2 * nearest_distance_km(origins, destinations)

    table = network_by_kind(obce, supply, {"skupina": ["A"]}, level="obec", distance=doubled)
    assert table.set_index("unit_code")["nearest_km"].tolist() == [0.0, 20.0, 40.0]


def test_bad_arguments_are_named(grid):
    obce, supply = grid
    with pytest.raises(UnknownValueError, match="level"):
        network_by_kind(obce, supply, {"g": ["A"]}, level="okres")
    with pytest.raises(UnknownValueError, match="groups"):
        network_by_kind(obce, supply, {})


def test_working_groups_are_data_and_can_be_replaced(tmp_path):
    groups = s.working_groups()
    assert list(groups) == GROUPS
    assert "13" in groups["senioři"] and "20" in groups["osoby ohrožené sociálním vyloučením"]
    assert "17" in groups["rodiny s dětmi"] and "35" in groups["osoby se zdravotním postižením"]
    own = tmp_path / "skupiny.csv"
    own.write_text("working_group;type_code\nbydlení;domovy pro seniory\nbydlení;§ 51\n", encoding="utf-8")
    assert s.working_groups(own) == {"bydlení": ["13", "15"]}
    own.write_text("working_group;type_code\nbydlení;hospic\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="row 2.*type_code.*hospic"):
        s.working_groups(own)


@pytest.fixture(scope="module")
def khk_network(names):
    facilities = read_kraj_facilities().facilities
    obce = region_obce("Královéhradecký kraj")
    return obce, facilities, network_by_kind(obce, facilities, s.working_groups(), type_names=names)


def test_khk_network_has_every_orp_and_working_group(khk_network):
    obce, facilities, table = khk_network
    summary = network_summary(table)
    assert len(summary) == 15 * 4
    assert set(zip(summary["unit_code"], summary["working_group"])) == {
        (orp, g) for orp in obce["orp_code"].unique() for g in GROUPS}
    # Presence agrees with the facilities table, unit by unit and kind by kind.
    has = set(zip(facilities["orp_code"], facilities["type_code"]))
    assert table["present"].tolist() == [(u, k) in has for u, k in zip(table["unit_code"], table["type_code"])]
    # A missing kind's distance is the shortest from any obec of the ORP to any facility of the kind.
    row = table[~table["present"] & table["in_input"]].iloc[0]
    origins = obce[obce["orp_code"] == row["unit_code"]]
    targets = facilities[facilities["type_code"] == row["type_code"]]
    brute = np.hypot(origins["x"].to_numpy()[:, None] - targets["x"].to_numpy(),
                     origins["y"].to_numpy()[:, None] - targets["y"].to_numpy()).min() / 1000
    assert row["nearest_km"] == pytest.approx(brute)


def test_the_same_works_with_the_catalogue_and_with_rpss(names, data_dir):
    groups = s.working_groups()
    obce = region_obce("Zlínský kraj")
    current = s.load_services().on()
    summary = network_summary(network_by_kind(obce, current.places, groups, type_names=names))
    assert len(summary) == 13 * 4
    # The seniors' catalogue has no azylové domy: unknown there, never reported as missing.
    excluded = summary[summary["working_group"] == "osoby ohrožené sociálním vyloučením"]
    assert excluded["not_in_input"].str.contains("azylové domy").all()
    assert not excluded["missing"].str.contains("azylové domy").any()
    rpss = s.standardize(s.read_rpss_json(Path(__file__).parent / "data" / "rpss_small.json")).on("2026-09-04")
    table = network_by_kind(region_obce("ORP Otrokovice"), rpss.places, groups, level="obec", type_names=names)
    assert table["unit_code"].nunique() == 10 and set(table["working_group"]) == set(GROUPS)
    assert table["present"].any()

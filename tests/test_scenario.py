"""Scenarios on the real register: reading, applying, before/after indicators, clear errors."""
from __future__ import annotations


import pandas as pd
import pytest

from kpss_lib.errors import KpssError, ValidationError
from kpss_lib.indicators.coverage import white_spots
from kpss_lib.indicators.scenario import apply_scenario, compare_scenarios, new_places, read_scenario
from kpss_lib.indicators.selection import select_services
from kpss_lib.load.services import TEMPLATE_COLUMNS, load_services
from kpss_lib.load.territory import find_region, load_obce

HOMES = "domovy pro seniory"


def _select(places: pd.DataFrame) -> pd.DataFrame:
    return select_services(places, HOMES)


def _write(path, rows):
    pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS)).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def real():
    return load_obce(), load_services().places


@pytest.fixture(scope="module")
def zlin_homes(real):
    """Two single-place homes of Zlínský kraj and one listed at two places."""
    _, places = real
    homes = _select(places)
    homes = homes[homes["kraj_code"] == "CZ072"]
    single = homes[homes["n_places"] == 1].drop_duplicates("service_id").sort_values("service_id")
    multi = homes[homes["n_places"] == 2].drop_duplicates("service_id").sort_values("service_id")
    return single.iloc[0], single.iloc[1], multi.iloc[0]


def test_changes_closures_and_new_services(real, zlin_homes, tmp_path):
    obce, places = real
    changed, closed, multi = zlin_homes
    target = obce[(obce["orp_name"] == "Vizovice")].sort_values("pop_65_plus").iloc[-1]
    path = _write(tmp_path / "scenar.csv", [
        {"id_sluzby": changed["service_id"], "kapacita": str(int(changed["capacity"]) + 19)},
        {"id_sluzby": closed["service_id"], "stav": "zrušená"},
        {"id_sluzby": multi["service_id"], "kapacita": "40"},
        {"id_sluzby": "vlastni-1", "nazev_sluzby": "Domov (plán)", "poskytovatel": "Obec", "druh": HOMES,
         "forma": "pobytová", "kapacita": "60", "jednotka_kapacity": "lůžka", "kod_obce": target["obec_code"],
         "stav": "plánovaná"}])
    snapshot = places.copy()
    changes = read_scenario(path, places)
    assert list(changes["change"]) == ["změna kapacity", "zrušení", "změna kapacity", "nová"]
    after = apply_scenario(places, changes)
    pd.testing.assert_frame_equal(places, snapshot)  # the register is not modified
    assert closed["service_id"] not in set(after["service_id"])
    assert (after.loc[after["service_id"] == multi["service_id"], "capacity_share"] == 20).all()  # 40 over 2 places
    expected = places["capacity_share"].sum() + 19 - closed["capacity"] + (40 - multi["capacity"]) + 60
    assert after["capacity_share"].sum() == pytest.approx(expected)

    table = compare_scenarios(obce, places, {"A": changes}, find_region("Zlínský kraj"), "orp", select=_select)
    by_unit = table.set_index("unit_code")["capacity_residential_beds_change"]
    expected_orp = pd.Series(0.0, index=by_unit.index)
    for row, delta in ((changed, 19), (closed, -closed["capacity"]), (target, 60)):
        expected_orp[row["orp_code"]] += delta
    multi_places = places[places["service_id"] == multi["service_id"]]
    for orp in multi_places["orp_code"]:
        expected_orp[orp] += (40 - multi["capacity"]) / len(multi_places)
    expected_orp["CZ072"] = 19 - closed["capacity"] + 60 + 40 - multi["capacity"]
    pd.testing.assert_series_equal(by_unit, expected_orp, check_names=False)


def test_a_scenario_that_adds_nothing_changes_nothing(real):
    obce, places = real
    empty = new_places(obce, ["585068"], 1, "pobytová", "lůžka").iloc[0:0]
    table = compare_scenarios(obce, places, {"nic": empty}, find_region("ORP Vizovice"), "obec", select=_select)
    changes = table[[c for c in table.columns if c.endswith("_change")]]
    assert len(table) == 17  # 16 obce of ORP Vizovice and the ORP itself
    assert (changes.fillna(0) == 0).all().all()


def test_a_service_in_a_white_spot_removes_it(real):
    obce, places = real
    region = find_region("Zlínský kraj")
    homes = _select(places)
    spots = white_spots(obce, homes, region, radius_km=5)
    spot = spots.iloc[0]  # the white spot with the most people
    added = new_places(obce, [spot["obec_code"]], 20, "pobytová", "lůžka")
    after = white_spots(obce, apply_scenario(homes, added), region, radius_km=5)
    assert spot["obec_code"] not in set(after["obec_code"])
    table = compare_scenarios(obce, homes, {"nový": added}, region, "obec", radius_km=5)
    row = table.set_index("unit_code").loc[spot["obec_code"]]
    assert row["n_white_spots_before"] == 1 and row["n_white_spots_after"] == 0
    assert row["population_white_spots_change"] == -spot["population"]
    assert row["access_per_1000_residential_beds_change"] > 0


@pytest.mark.parametrize("row, message", [
    ({"id_sluzby": "mpsv-34", "kapacita": "x"}, "capacity missing or not a number"),
    ({"id_sluzby": "mpsv-34", "kapacita": "3", "kod_obce": "585939"}, "keeps the service's registered places"),
    ({"id_sluzby": "nova-1", "nazev_sluzby": "X", "poskytovatel": "Y", "druh": HOMES, "forma": "pobytová",
      "kapacita": "0", "jednotka_kapacity": "lůžka", "kod_obce": "585939"}, "not in the register"),
    ({"id_sluzby": "nova-2", "nazev_sluzby": "X", "poskytovatel": "Y", "druh": HOMES, "forma": "pobytová",
      "kapacita": "5", "jednotka_kapacity": "lůžka", "kod_obce": "999999"}, "unknown or missing obec code"),
])
def test_bad_scenario_rows_are_named(real, tmp_path, row, message):
    _, places = real
    path = _write(tmp_path / "spatny.csv", [row])
    with pytest.raises(ValidationError, match=message) as caught:
        read_scenario(path, places)
    assert "spatny.csv" in str(caught.value) and "row 2" in str(caught.value)
    assert len(caught.value.rejected) == 1
    carried = row["kapacita"]  # what the row carried: a number as read, text quoted
    assert f"kapacita {carried if carried.isdigit() else repr(carried)}" in str(caught.value)


def test_changes_must_refer_to_the_places_given(real):
    obce, places = real
    closing = places[places["service_id"] == "mpsv-34"].assign(change="zrušení")
    with pytest.raises(KpssError, match="apply the scenario to the whole register"):
        apply_scenario(places[places["service_id"] != "mpsv-34"], closing)
    with pytest.raises(KpssError, match="positive number"):
        new_places(obce, ["585068"], 0, "pobytová", "lůžka")

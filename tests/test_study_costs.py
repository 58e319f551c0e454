"""The one study path with cost kinds (straight/road/drive), a reference date and the capacity left out."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import kpss_lib as kpss
from kpss_lib import study_settings
from kpss_lib.cli import main
from kpss_lib.commands import data as data_command
from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators import coverage
from kpss_lib.load.services import load_services


@pytest.fixture(autouse=True)
def _data(data_dir):
    return data_dir


@pytest.fixture(scope="module")
def otrokovice_drive(data_dir):
    return kpss.open_study("ORP Otrokovice", level="obec", services="13, 4")


def test_auto_resolves_to_drive_with_the_road_file_and_states_it(otrokovice_drive):
    settings = otrokovice_drive.settings
    assert settings.cost == "drive" and settings.unit == "min"
    assert (settings.radius, settings.catchment, settings.terrain_radius) == (15.0, 30.0, 20.0)
    notes = otrokovice_drive.method_notes()
    assert "jízdní doba" in otrokovice_drive.cost_note and "dálnice 110 km/h" in otrokovice_drive.cost_note
    assert any("do 15 min" in note for note in notes)
    assert any("E2SFCA" in note and "30 min" in note for note in notes)
    assert any("Obyvatelstvo ke dni 31. 12. 2020" in note for note in notes)
    # services of 2026 against the population of 2020: the gap is said
    assert any("srovnávají údaje z různých let" in note for note in notes)


def test_without_the_road_file_auto_is_straight_with_a_note(monkeypatch):
    monkeypatch.setattr(study_settings, "roads_available", lambda: False)
    study = kpss.open_study("ORP Otrokovice", level="obec", services="13")
    assert study.settings.cost == "straight" and study.network is None
    assert any("není v datové složce" in note for note in study.method_notes())
    with pytest.raises(UnknownValueError, match="cost='drive' needs the road file"):
        kpss.open_study("ORP Otrokovice", services="13", cost="drive")


def test_drive_tables_are_in_minutes_and_flags_follow_the_radius(otrokovice_drive):
    obce = kpss.nearest_table(otrokovice_drive)
    assert obce.attrs["cost_unit"] == "min" and obce.attrs["cost_kind"] == "drive" and len(obce) == 10
    fixed = obce["cost_fixed"].to_numpy()
    assert (obce["white_spot"].to_numpy() == ~(fixed <= 15.0)).all()
    assert (obce["terrain_reached"] == (obce["n_terrain_reaching"] > 0)).all()
    assert (obce["white_spot_all"] == (obce["white_spot"] & ~obce["terrain_reached"])).all()
    # the nearest place by drive time is at least as far as the nearest one in a straight line
    assert (obce["distance_km"] <= obce["cost"] * 110 / 60 + 1e-9).all()


def test_road_km_are_never_shorter_than_straight_lines():
    straight = kpss.nearest_table(kpss.open_study("Zlínský kraj", level="obec", services="13", cost="straight",
                                                  catchment_km=None))
    road = kpss.nearest_table(kpss.open_study("Zlínský kraj", level="obec", services="13", cost="road",
                                              catchment_km=None))
    assert road.attrs["cost_unit"] == "km" and len(road) == 307
    assert (road["cost"].to_numpy() >= straight["cost"].to_numpy() - 1e-6).all()
    assert road["cost"].mean() > 1.1 * straight["cost"].mean()


def test_straight_reproduces_the_pure_functions_exactly():
    study = kpss.open_study("Zlínský kraj", level="orp", services="domovy pro seniory", cost="straight")
    table = kpss.coverage_table(study, total=True)
    direct = coverage.indicator_table(study.obce, study.places, kpss.find_region("Zlínský kraj"), "orp", "65+",
                                      total=True)
    pd.testing.assert_frame_equal(table, direct, check_exact=True)


def test_white_spots_table_keeps_terrain_reach_apart(otrokovice_drive):
    spots = kpss.white_spots_table(otrokovice_drive)
    obce = kpss.nearest_table(otrokovice_drive)
    assert spots["white_spot"].all() and set(spots["obec_code"]) == set(obce.loc[obce["white_spot"], "obec_code"])
    assert spots.attrs["cost_unit"] == "min" and spots.attrs["radius"] == 15.0
    units = kpss.coverage_table(otrokovice_drive, level="orp")
    assert units["n_white_spots"].iloc[0] == int(obce["white_spot_all"].sum())


def test_the_road_network_is_built_once_per_process(otrokovice_drive):
    other = kpss.open_study("ORP Zlín", services="13")
    assert other.network is otrokovice_drive.network
    faster = kpss.open_study("ORP Zlín", services="13", speeds="dálnice=130")
    assert faster.network is not otrokovice_drive.network and faster.network.speeds_kmh["dálnice"] == 130.0
    assert "dálnice 130 km/h" in faster.cost_note


@pytest.mark.parametrize("arguments, message", [
    ({"cost": "walk"}, "parametr cost='walk': expected one of auto, straight, road, drive"),
    ({"radius_min": 0}, "parametr radius_min: expected a positive number of minutes"),
    ({"catchment_min": "long"}, "parametr catchment_min"),
    ({"terrain_radius_min": float("nan")}, "parametr terrain_radius_min"),
    ({"on": "včera"}, "parametr on='včera': expected a date YYYY-MM-DD"),
    ({"speeds": "dálnice=rychle"}, "parametr speeds['dálnice']: expected a positive number of km/h"),
    ({"speeds": "letiště=300"}, "unknown road class(es) ['letiště']"),
    ({"speeds": "dálnice 110"}, "expected 'road class=km/h"),
])
def test_bad_cost_settings_name_the_parameter(arguments, message):
    with pytest.raises(UnknownValueError, match=re.escape(message)):
        kpss.open_study("Zlínský kraj", what="parametr", **arguments)


def test_the_reference_date_excludes_services_no_longer_provided():
    study = kpss.open_study("ORP Liberec", level="orp", services="pečovatelská služba", cost="straight")
    assert study.services.reference_date == pd.Timestamp("2026-09-04")
    assert "mpsv-3955" in set(load_services().places["service_id"])
    assert "mpsv-3955" not in set(study.places["service_id"])
    gone = study.excluded.set_index("service_id")
    assert gone.loc["mpsv-3955", "reason"].startswith("ukončena před 2026-09-04")
    earlier = kpss.open_study("ORP Liberec", level="orp", services="pečovatelská služba", cost="straight",
                              on="2011-06-30")
    assert "mpsv-3955" in set(earlier.places["service_id"]) and earlier.settings.on == "2011-06-30"


def test_an_input_without_a_date_is_not_filtered(tmp_path):
    own = tmp_path / "vlastni.csv"
    kpss.write_services_template(own, example=True)
    data = load_services(str(own))
    if data.data_date is not None:
        pytest.fail("the template example was expected to carry no date of its own")
    study = kpss.open_study("Zlínský kraj", services_file=str(own), cost="straight")
    assert study.services.reference_date is None and study.excluded.empty
    assert any("bez vlastního data" in note for note in study.method_notes())


def test_cz_beds_of_domovy_pro_seniory_count_once_per_service_with_the_unplaced():
    data = kpss.open_study("CZ", services="13", cost="straight", catchment_km=None).services
    total = kpss.capacity_total(data, ["13"], "lůžka").set_index("form").loc["pobytová"]
    assert (total["total"], total["unplaced"]) == (34_829, 499)
    line = kpss.left_out_line(data, kpss.Selection.from_text("13"))
    assert line.startswith("vyřazeno 59 záznamů") and "499 lůžek (pobytová) – bez obce" in line


def test_a_region_that_is_one_unit_gets_one_row(tmp_path, capsys):
    study = kpss.open_study("ORP Liberec", level="orp", services="4", cost="straight")
    table = kpss.coverage_table(study, total=True)
    assert table["unit_code"].tolist() == ["5105"]
    path = tmp_path / "liberec.parquet"
    assert main(["indicators", "--region", "ORP Liberec", "--level", "orp", "--services", "4",
                 "-o", str(path)]) == 0
    assert pd.read_parquet(path)["unit_code"].tolist() == ["5105"]
    err = capsys.readouterr().err
    assert "kapacita mimo výpočet:" in err and "vzdálenost: jízdní doba" in err


def test_cli_radius_km_keeps_meaning_straight_lines(tmp_path):
    old, new = tmp_path / "old.parquet", tmp_path / "new.parquet"
    base = ["indicators", "--region", "ORP Otrokovice", "--level", "obec", "--services", "13", "--table", "obce"]
    assert main([*base, "--radius-km", "3", "-o", str(old)]) == 0
    assert main([*base, "--cost", "straight", "--radius", "3", "-o", str(new)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(old), pd.read_parquet(new))
    drive = tmp_path / "drive.parquet"
    assert main([*base, "--cost", "drive", "--radius", "3", "--on", "2026-01-01", "-o", str(drive)]) == 0
    minutes = pd.read_parquet(drive)
    assert (minutes["white_spot"] == ~(minutes["cost_fixed"] <= 3)).all()
    assert not np.allclose(minutes["cost"], pd.read_parquet(new)["cost"])


def test_cli_help_shows_the_cost_flags_with_examples(capsys):
    with pytest.raises(SystemExit):
        main(["indicators", "--help"])
    text = capsys.readouterr().out
    for flag in ("--cost", "--radius", "--catchment", "--speeds", "--on", "--radius-km"):
        assert flag in text
    assert "--cost drive --radius 20" in text


def test_kpss_data_lists_the_road_file_as_optional(tmp_path, data_dir, monkeypatch, capsys):
    for path in data_dir.iterdir():
        if path.name != "silnice_arccr500.geojson":
            (tmp_path / path.name).symlink_to(path)
    monkeypatch.setenv("KPSS_DATA_DIR", str(tmp_path))
    table = data_command.inventory().set_index("file")
    assert table.loc["silnice_arccr500.geojson", "status"] == "optional"
    assert "ArcČR 500" in table.loc["silnice_arccr500.geojson", "source"]
    assert main(["data"]) == 0
    assert "input(s) missing" not in capsys.readouterr().out

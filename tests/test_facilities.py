"""Kraj open-data catalogues of facilities: the Královéhradecký file as published, every defect reported."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from kpss_lib.errors import DataFileError
from kpss_lib.load import facilities as f
from kpss_lib.load.services import service_types


@pytest.fixture(scope="module")
def khk():
    return f.read_kraj_facilities()


@pytest.fixture(scope="module")
def raw(data_dir):
    return json.loads((data_dir / f.KHK_FILE).read_text(encoding="utf-8"))


def _issues(khk, field, action_start):
    issues = khk.issues
    return set(issues.loc[(issues["field"] == field) & issues["action"].str.startswith(action_start), "record"])


def test_every_facility_loads_and_no_record_is_dropped(khk, raw):
    assert len(raw) == 315
    assert khk.facilities["facility_id"].nunique() == 315 and khk.rejected_records == []
    assert not khk.has_capacity and "capacity" not in khk.facilities.columns
    # One row per facility × kind named; only the two mentions of a kind that is not a service are missing.
    mentions = sum(len(next(iter(r["typ_socialni_sluzby_dle_1082006_sb"].values())).split(", ")) for r in raw)
    assert len(khk.facilities) == mentions - 2
    assert khk.facilities[["type_code", "obec_code", "orp_code", "x", "y"]].notna().all().all()
    assert set(khk.facilities["kraj_code"]) == {"CZ052"} and khk.facilities["orp_code"].nunique() == 15


def test_kinds_are_mapped_by_name_to_mpsv_codes(khk, raw):
    names = set(service_types()["type_name"])
    assert set(khk.facilities["type_name"]) <= names
    counts = khk.facilities.groupby("type_name")["facility_id"].nunique()
    # PROVENANCE.md: azylové domy 7, noclehárny 5, NZDM 11, SAS pro rodiny 24, chráněné bydlení 39, DS 42, PS 62.
    assert (counts["azylové domy"], counts["noclehárny"], counts["nízkoprahová zařízení pro děti a mládež"],
            counts["sociálně aktivizační služby pro rodiny s dětmi"], counts["chráněné bydlení"],
            counts["domovy pro seniory"], counts["pečovatelská služba"]) == (7, 5, 11, 24, 39, 42, 62)
    # § 52 under its pre-2024 name is accepted and reported; a kind that is not a service is reported and left out.
    assert _issues(khk, "typ_socialni_sluzby_dle_1082006_sb", "přijat starší název") == {"PSS1", "PSS96", "PSS113"}
    assert _issues(khk, "typ_socialni_sluzby_dle_1082006_sb", "druh vynechán") == {"PSS188", "PSS196"}
    left_out = khk.issues[khk.issues["action"].str.startswith("druh vynechán")]
    assert set(left_out["got"]) == {"Hospicová péče terén"}


def test_obec_and_orp_defects_are_reported_exactly_and_placed_by_the_stated_rule(khk):
    issues = khk.issues[khk.issues["field"].str.startswith("kod_")]
    non_existent = {"PSS95", "PSS142", "PSS143", "PSS144"}
    orp_disagrees = {"PSS91", "PSS224", "PSS225", "PSS226", "PSS227", "PSS252", "PSS264", "PSS302"}
    assert set(issues["record"]) == non_existent | orp_disagrees and len(issues) == 12
    placed = khk.facilities.drop_duplicates("facility_id").set_index("facility_id")
    assert (placed.loc[sorted(non_existent | orp_disagrees), "placement"] == "souřadnice").all()
    assert (placed.drop(index=sorted(non_existent | orp_disagrees))["placement"] == "kód obce").all()
    # Přepychy 51732 (a digit short) → Přepychy 576689; Hradec Králové 569811 → 569810.
    assert placed.loc["PSS95", "obec_code"] == "576689"
    assert set(placed.loc[["PSS142", "PSS143", "PSS144"], "obec_code"]) == {"569810"}
    # The Broumov records carry Trutnov's obec code; their ORP code and points say Broumov (5201).
    assert set(placed.loc[sorted(orp_disagrees - {"PSS302"}), "orp_code"]) == {"5201"}
    assert placed.loc["PSS302", ["obec_code", "orp_code"]].tolist() == ["572659", "5207"]


def test_ico_is_restored_to_eight_digits_and_bad_checksums_reported(khk, raw):
    by_id = {r["jedinecny_identifikator_v_katalogu_otevrenych_dat_data_khk"]: r["ico"] for r in raw}
    placed = khk.facilities.drop_duplicates("facility_id").set_index("facility_id")
    assert placed.loc["PSS1", "provider_ico"] == "00190217" and by_id["PSS1"] == "190217"
    assert placed["provider_ico"].str.fullmatch(r"\d{8}").all()
    restored = _issues(khk, "ico", "opraveno")
    assert restored == {k for k, v in by_id.items() if len(v) < 8} - _issues(khk, "ico", "ponecháno")
    assert {"PSS185", "PSS186", "PSS187"} <= _issues(khk, "ico", "ponecháno")


def test_points_use_the_fields_not_the_latitude_first_wkt(khk, raw):
    first = khk.facilities.set_index("facility_id").loc["PSS1"]
    assert (first["lat"], first["lon"]) == (50.3685, 15.6398)  # WKT says POINT(50.3685 15.6398)


def _write(tmp_path, records):
    path = tmp_path / "kraj.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_record_with_no_existing_obec_and_no_point_is_rejected_and_reported(tmp_path, raw):
    bad = dict(raw[0], kod_obce_dle_ciselniku_csu="999999", zemepisna_sirka_v_souradnicovem_systemu_wgs84="",
               zemepisna_delka_v_souradnicovem_systemu_wgs84="", zapis_vektorove_geometrie="",
               jedinecny_identifikator_v_katalogu_otevrenych_dat_data_khk="X1")
    loaded = f.read_kraj_facilities(_write(tmp_path, [raw[1], bad]))
    assert loaded.rejected_records == ["X1"] and set(loaded.facilities["facility_id"]) == {"PSS2"}
    row = loaded.issues[loaded.issues["action"] == "záznam vyřazen"].iloc[0]
    assert (row["file"], row["field"], row["got"]) == ("kraj.json", "kod_obce_dle_ciselniku_csu",
                                                       f"999999 ({raw[0]['nazev_obce']})")


def test_wkt_is_read_latitude_first_when_the_fields_are_empty(tmp_path, raw):
    record = dict(raw[0], zemepisna_sirka_v_souradnicovem_systemu_wgs84="",
                  zemepisna_delka_v_souradnicovem_systemu_wgs84="")
    loaded = f.read_kraj_facilities(_write(tmp_path, [record]))
    assert loaded.facilities[["lat", "lon"]].iloc[0].tolist() == [50.3685, 15.6398]


def test_a_file_of_another_schema_is_refused(tmp_path):
    with pytest.raises(DataFileError, match="fields missing.*kraj.json|kraj.json.*fields missing"):
        f.read_kraj_facilities(_write(tmp_path, [{"nazev": "x"}]))
    with pytest.raises(DataFileError, match="not a list of records"):
        f.read_kraj_facilities(_write(tmp_path, {"polozky": []}))

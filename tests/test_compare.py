"""Comparing regions, need indicators and the DataPAQ loader."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpss_lib.errors import DataFileError, UnknownValueError
from kpss_lib.indicators.compare import compare_regions, units_as_regions
from kpss_lib.indicators.coverage import coverage_total, indicator_total
from kpss_lib.indicators.need import datapaq_values, need_table, peer_orp_codes
from kpss_lib.indicators.selection import select_services
from kpss_lib.load.datapaq import DATAPAQ_INDICATORS, datapaq_columns, load_datapaq
from kpss_lib.load.territory import Region

DATA = Path(__file__).parent / "data"
TEXT = {c: str for c in ("obec_code", "pou_code", "orp_code", "okres_csu_code", "kraj_csu_code",
                         "provider_ico", "type_code")}


@pytest.fixture(scope="module")
def grid():
    """The fixture of test_coverage (see its docstring) and a DataPAQ table for its four ORP."""
    obce = pd.read_csv(DATA / "coverage_obce.csv", dtype=TEXT)
    places = pd.read_csv(DATA / "coverage_places.csv", dtype=TEXT)
    rows = []
    for position, (code, okres, kraj) in enumerate([("9001", "49991", "3999"), ("9002", "49991", "3999"),
                                                     ("9003", "49992", "3999"), ("9004", "49981", "3998")]):
        row = {"orp_code": code, "okres_csu_code": okres, "kraj_csu_code": kraj,
               "peer_codes": ("9002", "9003") if code == "9001" else ("9001",),
               "peer_names": ("ORP B", "ORP C") if code == "9001" else ("ORP A",)}
        for number, key in enumerate(DATAPAQ_INDICATORS):
            row.update({key: 10.0 * number + position, f"{key}_cz": 5.0, f"{key}_kraj": 4.0 + (kraj == "3998"),
                        f"{key}_okres": float(okres[-1]), f"{key}_peers": 3.0})
        rows.append(row)
    return obce, places, pd.DataFrame(rows)


def kraj(obce: pd.DataFrame, code: str) -> Region:
    members = obce.loc[obce["kraj_code"] == code, "obec_code"]
    return Region("kraj", code, f"Kraj {code}", tuple(sorted(members)), (code,))


# --------------------------------------------------------------------------- fixture

def test_ranks_references_and_peers_by_hand(grid):
    obce, places, datapaq = grid
    orps = units_as_regions(obce, kraj(obce, "CZ099"), "orp")
    assert [r.code for r in orps] == ["9001", "9002", "9003"]
    table = compare_regions(obce, places, orps, "65+", datapaq=datapaq, catchment_km=None).set_index("region_code")
    beds = "per_1000_residential_beds"
    assert table[beds].tolist() == pytest.approx([75.0, 60.0, 0.0])
    assert table[f"rank_{beds}"].tolist() == [1, 2, 3]
    assert table["rank_mean_distance_km"].tolist() == [1, 2, 3]  # 0 km, 9.44 km, 40 km: shorter is better
    assert (table["n_ranked"] == 3).all()
    kraj_value = 90 / 1300 * 1000
    assert table[f"{beds}_kraj"].tolist() == pytest.approx([kraj_value] * 3)
    assert table[f"{beds}_vs_kraj"].tolist() == pytest.approx([75 - kraj_value, 60 - kraj_value, -kraj_value])
    # ORP A's DataPAQ peers are B and C: (15 + 0) beds / (250 + 50) aged 65+, pooled, not averaged
    assert table.loc["9001", f"{beds}_peers"] == pytest.approx(50.0)
    assert table.loc["9001", f"{beds}_vs_peers"] == pytest.approx(25.0)
    assert table.loc["9001", "n_peers"] == 2 and table.loc["9001", "peer_names"] == "ORP B, ORP C"
    assert table.loc["9002", "distraint_pct"] == 1.0  # the ORP's own DataPAQ value
    assert table.attrs["indicators"] == [beds, "per_1000_ambulatory_clients", "per_1000_field_clients",
                                         "mean_distance_km", "share_population_white_spots"]


def test_kraje_ranked_in_cz_and_zero_population_not_ranked(grid):
    obce, places, datapaq = grid
    table = compare_regions(obce, places, [kraj(obce, "CZ099"), kraj(obce, "CZ098")], "65+",
                            datapaq=datapaq).set_index("region_code")
    assert table.loc["CZ099", "rank_per_1000_residential_beds"] == 1
    assert pd.isna(table.loc["CZ098", "rank_per_1000_residential_beds"])
    assert np.isnan(table.loc["CZ098", "per_1000_residential_beds"]) and table.loc["CZ098", "population_zero"]
    assert any("nulová" in w for w in table.attrs["warnings"])
    assert table.loc["CZ098", "distraint_pct"] == 5.0  # DataPAQ's kraj average
    assert table.loc["CZ099", "living_allowance_pct"] == 4.0
    assert pd.isna(table.loc["CZ099", "per_1000_residential_beds_peers"])  # peers only for ORP


def test_micro_region_and_cz_rows(grid):
    obce, places, datapaq = grid
    micro = Region("mikroregion", "m", "Áčko a Céčko", ("100001", "100006"), ("CZ099",))
    whole = Region("cz", "CZ", "Celé území", tuple(obce["obec_code"]), ("CZ098", "CZ099"))
    table = compare_regions(obce, places, [micro, whole], "65+", datapaq=datapaq).set_index("region_code")
    assert table.loc["m", "per_1000_residential_beds"] == pytest.approx(60 / 150 * 1000)
    assert pd.isna(table.loc["m", "rank_per_1000_residential_beds"])
    assert pd.isna(table.loc["m", "distraint_pct"])  # DataPAQ publishes nothing for a micro-region
    assert table.loc["CZ", "distraint_pct"] == 5.0
    assert table.loc["CZ", "per_1000_residential_beds_vs_cz"] == pytest.approx(0.0)


def test_parts_of_units_are_labelled_and_get_no_whole_unit_figures(grid):
    """Units only partly in a micro-region: their own obce only, no rank, DataPAQ or peers of the whole unit."""
    obce, places, datapaq = grid
    micro = Region("mikroregion", "m", "Mikroregion", ("100002", "100003", "100006"), ("CZ099",))
    parts = units_as_regions(obce, micro, "orp")
    table = compare_regions(obce, places, parts, "65+", datapaq=datapaq, catchment_km=None).set_index("region_code")
    beds = "per_1000_residential_beds"
    assert table["region_name"].tolist() == ["ORP A (část: 1 obec z 2)", "ORP B (část: 1 obec z 3)", "ORP C"]
    assert table["partial"].tolist() == [True, True, False]
    assert table["n_obce"].tolist() == [1, 1, 1]
    # Ádvojka alone: 15 beds / 900 aged 65+; Béčko alone: 15 / 100 (not ORP A's 75 or ORP B's 60)
    assert table[beds].tolist() == pytest.approx([15 / 900 * 1000, 150.0, 0.0])
    for code in ("9001", "9002"):
        assert pd.isna(table.loc[code, f"rank_{beds}"]) and pd.isna(table.loc[code, "n_ranked"])
        assert pd.isna(table.loc[code, "distraint_pct"])  # DataPAQ describes the whole ORP
        assert table.loc[code, "n_peers"] == 0 and pd.isna(table.loc[code, f"{beds}_peers"])
        # the kraj and CZ references still apply: a ratio against a ratio
        assert table.loc[code, f"{beds}_kraj"] == pytest.approx(90 / 1300 * 1000)
    # a whole unit among parts keeps its rank among all ORP of the kraj, its DataPAQ values and peers
    assert table.loc["9003", f"rank_{beds}"] == 3 and table.loc["9003", "n_ranked"] == 3
    assert table.loc["9003", "distraint_pct"] == 2.0 and table.loc["9003", "n_peers"] == 1
    notes = [w for w in table.attrs["warnings"] if "jen 1 z" in w]
    assert len(notes) == 2 and "ORP ORP A (9001)" in notes[0] and "pořadí" in notes[0]


def test_compare_rejects_bad_input(grid):
    obce, places, _ = grid
    with pytest.raises(UnknownValueError, match="at least one"):
        compare_regions(obce, places, [])
    with pytest.raises(UnknownValueError, match="Region objects"):
        compare_regions(obce, places, ["Kraj Jedna"])


def test_need_table_fixture(grid):
    obce, _, datapaq = grid
    need = need_table(obce, datapaq, None, "orp").set_index("unit_code")
    assert need.loc["9001", "share_65_plus"] == pytest.approx(1000 / 2000)  # summed, not averaged
    assert need.loc["9003", "distraint_pct"] == 2.0
    by_okres = need_table(obce, datapaq, None, "okres").set_index("unit_code")
    assert by_okres.loc["CZ0992", "distraint_pct"] == 2.0  # DataPAQ's okres average (ČSÚ 49992)
    assert need_table(obce, datapaq, None, "obec")["distraint_pct"].isna().all()
    assert datapaq_values(datapaq, obce, "cz", ["x"]).iloc[0].tolist() == [5.0] * 4
    assert peer_orp_codes(datapaq, "9001") == ("9002", "9003")
    with pytest.raises(UnknownValueError, match="not an ORP"):
        peer_orp_codes(datapaq, "1234")


# --------------------------------------------------------------------------- DataPAQ loader

def test_load_datapaq_real(data_dir):
    table = load_datapaq()
    assert len(table) == 206 and table["orp_code"].is_unique
    assert table["orp_code"].str.fullmatch(r"\d{4}").all()
    assert list(table.columns[6:-2]) == datapaq_columns()
    assert all(pd.api.types.is_float_dtype(table[c]) for c in datapaq_columns())
    otrokovice = table.set_index("orp_code").loc["7205"]
    assert otrokovice["orp_name"] == "Otrokovice" and otrokovice["kraj_name"] == "Zlínský kraj"
    assert otrokovice["peer_codes"][:2] == ("3201", "7201")
    assert len(otrokovice["peer_codes"]) == len(otrokovice["peer_names"]) == 20
    assert otrokovice["distraint_pct"] == 4.7 and otrokovice["distraint_pct_kraj"] == 4.0


def test_load_datapaq_names_the_bad_row(data_dir, tmp_path):
    source = (data_dir / "datapaq_orp_indikatory.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "datapaq.csv"
    bad.write_text("\n".join([source[0], source[1].replace('"3201, ', '"9999, ', 1), *source[2:]]), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"row 2, column 'Kódy sociálně podobných ORP'.*'9999'"):
        load_datapaq(bad)
    number = tmp_path / "number.csv"
    number.write_text("\n".join([source[0], *source[1:3], source[3].replace(",4.2,", ",x,", 1), *source[4:]]),
                      encoding="utf-8")
    with pytest.raises(DataFileError, match="row 4.*not a number"):
        load_datapaq(number)


# --------------------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def real(data_dir):
    from kpss_lib.load.services import load_services
    from kpss_lib.load.territory import load_obce

    obce = pd.DataFrame(load_obce().drop(columns="geometry"))
    return obce, select_services(load_services().places, "domovy pro seniory"), load_datapaq()


def test_zlinsky_kraj_orp_comparison(real):
    from kpss_lib.load.territory import find_region

    obce, homes, datapaq = real
    zlinsky = find_region("Zlínský kraj")
    orps = units_as_regions(obce, zlinsky, "orp")
    table = compare_regions(obce, homes, orps, "65+", datapaq=datapaq).set_index("region_code")
    beds = "per_1000_residential_beds"
    assert len(table) == 13 and (table["n_ranked"] == 13).all()
    assert sorted(table[f"rank_{beds}"]) == list(range(1, 14))
    assert table[beds].idxmax() == table[f"rank_{beds}"].idxmin()
    kraj_total = coverage_total(obce, homes, zlinsky, "65+").iloc[0]
    cz_total = coverage_total(obce, homes, None, "65+").iloc[0]
    assert table[f"{beds}_kraj"].unique() == pytest.approx([kraj_total[beds]])
    assert table[f"{beds}_cz"].unique() == pytest.approx([cz_total[beds]])
    # the peers of Otrokovice taken together, computed independently
    peers = peer_orp_codes(datapaq, "7205")
    pooled = indicator_total(obce, homes, obce.loc[obce["orp_code"].isin(peers), "obec_code"], "65+").iloc[0]
    assert table.loc["7205", f"{beds}_peers"] == pytest.approx(pooled[beds])
    assert table.loc["7205", "distraint_pct"] == 4.7
    assert table["share_80_plus"].between(0.02, 0.08).all()


def test_orp_within_otrokovicko_are_parts(real):
    """The reviewer's case: Otrokovicko holds 8 of the 10 obce of ORP Otrokovice and Nová Dědina of ORP Kroměříž."""
    from kpss_lib.load.territory import find_region

    obce, homes, datapaq = real
    parts = units_as_regions(obce, find_region("Otrokovicko"), "orp")
    table = compare_regions(obce, homes, parts, "65+", datapaq=datapaq).set_index("region_code")
    beds = "per_1000_residential_beds"
    assert table.loc["7203", "region_name"] == "Kroměříž (část: 1 obec z 46)"
    assert table.loc["7205", "region_name"] == "Otrokovice (část: 8 obcí z 10)"
    assert table["partial"].all() and table.loc["7203", "n_obce"] == 1
    assert table.loc["7203", beds] == 0.0  # Nová Dědina has no domov pro seniory
    assert table[f"rank_{beds}"].isna().all() and table["n_ranked"].isna().all()
    assert table["distraint_pct"].isna().all() and (table["n_peers"] == 0).all()
    whole = compare_regions(obce, homes, [find_region("ORP Otrokovice")], "65+", datapaq=datapaq).iloc[0]
    assert not whole["partial"] and whole["distraint_pct"] == 4.7 and whole["n_ranked"] == 13


def test_two_kraje_side_by_side(real):
    from kpss_lib.load.territory import find_region

    obce, homes, datapaq = real
    regions = [find_region("Zlínský kraj"), find_region("Jihomoravský kraj")]
    table = compare_regions(obce, homes, regions, "65+", datapaq=datapaq).set_index("region_code")
    assert list(table.index) == ["CZ072", "CZ064"] and (table["n_ranked"] == 14).all()
    jihomoravsky = datapaq[datapaq["kraj_name"] == "Jihomoravský kraj"]
    assert table.loc["CZ064", "distraint_pct"] == jihomoravsky["distraint_pct_kraj"].iloc[0]

"""Coverage indicators: hand-checkable fixture, then the real data of every kraj."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpss_lib.errors import KpssError, UnknownValueError
from kpss_lib.indicators.coverage import (
    aggregate,
    capacity_measures,
    add_age_shares,
    coverage_table,
    coverage_total,
    default_measure,
    indicator_basis,
    indicator_table,
    indicator_total,
    nearest_distances,
    white_spots,
)
from kpss_lib.indicators.selection import select_services
from kpss_lib.load.territory import Region

DATA = Path(__file__).parent / "data"
TEXT = {"obec_code": str, "pou_code": str, "orp_code": str, "provider_ico": str, "type_code": str}


@pytest.fixture(scope="module")
def grid():
    """Seven obce on a km grid (tests/data/coverage_obce.csv) and five service rows.

    ORP A: Áčko (0,0) 65+ 100 with s1 (60 beds + 10 ambulant clients); Ádvojka
    (10 km, 0) 65+ 900 with half of s2 (15 beds). ORP B: Béčko (0, 20 km) 65+ 100
    with the other half of s2 (15 beds) and terrain s3 (20 clients); Bédvojka
    (30 km, 0) 65+ 70; Bétrojka (0, 32 km) 65+ 80. ORP C: Céčko (50 km, 0) 65+ 50,
    no service. ORP D (another kraj): Déčko (0, 60 km) with no one aged 65+.
    """
    obce = pd.read_csv(DATA / "coverage_obce.csv", dtype=TEXT)
    places = pd.read_csv(DATA / "coverage_places.csv", dtype=TEXT)
    return obce, places


def kraj_one(obce: pd.DataFrame) -> Region:
    members = obce.loc[obce["kraj_code"] == "CZ099", "obec_code"]
    return Region("kraj", "CZ099", "Kraj Jedna", tuple(sorted(members)), ("CZ099",))


def by_code(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("unit_code")


# --------------------------------------------------------------------------- fixture: supply

def test_per_1000_comes_from_sums_not_from_averaged_ratios(grid):
    obce, places = grid
    table = by_code(coverage_table(obce, places, kraj_one(obce), "orp", "65+"))
    # ORP A: (60 + 15) beds / (100 + 900) people aged 65+ × 1000 = 75.
    assert table.loc["9001", "capacity_residential_beds"] == 75
    assert table.loc["9001", "population"] == 1000
    assert table.loc["9001", "per_1000_residential_beds"] == pytest.approx(75.0)
    averaged = np.mean([60 / 100 * 1000, 15 / 900 * 1000])
    assert abs(averaged - 75.0) > 200  # the fixture tells the two methods apart
    # ORP B: 15 beds and 20 terrain clients over 250 people aged 65+.
    assert table.loc["9002", "per_1000_residential_beds"] == pytest.approx(60.0)
    assert table.loc["9002", "per_1000_field_clients"] == pytest.approx(80.0)


def test_forms_and_units_stay_apart(grid):
    obce, places = grid
    table = coverage_table(obce, places, kraj_one(obce), "orp", "65+")
    assert [m[0] for m in capacity_measures(places)] == ["residential_beds", "ambulatory_clients", "field_clients"]
    # ambulant clients of s1 and terrain clients of s3 are both "klienti" but never summed
    a = by_code(table).loc["9001"]
    assert a["capacity_ambulatory_clients"] == 10 and a["capacity_field_clients"] == 0
    assert "capacity_clients" not in table.columns


def test_unit_without_service_gets_zero_not_a_missing_row(grid):
    obce, places = grid
    table = by_code(coverage_table(obce, places, kraj_one(obce), "orp", "65+"))
    assert list(table.index) == ["9001", "9002", "9003"]
    c = table.loc["9003"]
    assert (c["n_services"], c["n_providers"], c["capacity_residential_beds"]) == (0, 0, 0.0)
    assert c["per_1000_residential_beds"] == 0.0
    assert c["population"] == 50


def test_distinct_services_and_providers(grid):
    obce, places = grid
    region = kraj_one(obce)
    table = by_code(coverage_table(obce, places, region, "orp", "65+"))
    total = coverage_total(obce, places, region, "65+").iloc[0]
    assert table.loc["9001", ["n_services", "n_providers"]].tolist() == [2, 2]
    assert table.loc["9002", ["n_services", "n_providers"]].tolist() == [2, 2]  # s2 and s3; providers 2 and 1
    # s2 lies in both ORP: counted once for the kraj, so the total is not the sum of rows
    assert (total["n_services"], total["n_providers"], total["n_places"]) == (3, 2, 3)


def test_totals_add_up_across_levels(grid):
    obce, places = grid
    region = kraj_one(obce)
    basis = indicator_basis(obce, places, "65+", radius_km=None)
    total = aggregate(basis, region, None).iloc[0]
    for level in ("obec", "pou", "orp", "okres"):
        rows = aggregate(basis, region, level)
        for column in ("population", "pop_total", "capacity_residential_beds", "capacity_field_clients"):
            assert rows[column].sum() == pytest.approx(total[column]), (level, column)
        assert rows["share_residential_beds"].sum() == pytest.approx(1.0)
    assert total["capacity_residential_beds"] == 90
    assert total["per_1000_residential_beds"] == pytest.approx(90 / 1300 * 1000)


def test_zero_target_population_is_reported_not_divided(grid):
    obce, places = grid
    everything = coverage_table(obce, places, None, "kraj", "65+")
    dva = by_code(everything).loc["CZ098"]
    assert bool(dva["population_zero"]) and dva["population"] == 0
    assert math.isnan(dva["per_1000_residential_beds"])
    assert any("Kraj Dva" in w and "nulová" in w for w in everything.attrs["warnings"])
    # a micro-region of that one obec: the total row too
    micro = Region("mikroregion", "m", "Jen Déčko", ("100007",), ("CZ098",))
    total = coverage_total(obce, places, micro, "65+")
    assert bool(total["population_zero"].iloc[0]) and math.isnan(total["per_1000_residential_beds"].iloc[0])
    # with the whole population as target the same obec is an ordinary row
    assert by_code(coverage_table(obce, places, None, "kraj", "total")).loc["CZ098", "per_1000_residential_beds"] == 0


def test_micro_region_marks_partial_units(grid):
    obce, places = grid
    micro = Region("mikroregion", "m", "Áčko a Béčko", ("100001", "100003"), ("CZ099",))
    table = by_code(coverage_table(obce, places, micro, "orp", "65+"))
    assert table["partial"].tolist() == [True, True]
    assert table.loc["9002", "capacity_residential_beds"] == 15  # the half of s2 placed in Béčko


def test_tables_and_totals_take_one_path(grid):
    """coverage_table/coverage_total/indicator_total are indicator_table with fewer parts, not copies of it."""
    obce, places = grid
    region = kraj_one(obce)
    with_total = coverage_table(obce, places, region, "orp", "65+", total=True)
    assert len(with_total) == 4 and with_total["level"].iloc[-1] == "kraj"
    pd.testing.assert_series_equal(with_total.iloc[-1], coverage_total(obce, places, region, "65+").iloc[0],
                                   check_names=False)
    assert "mean_distance_km" not in with_total.columns and "access_per_1000_residential_beds" not in with_total
    every = indicator_table(obce, places, region, None, "65+", radius_km=5.0, catchment_km=15.0)
    pd.testing.assert_frame_equal(every, indicator_total(obce, places, region, "65+", radius_km=5.0,
                                                         catchment_km=15.0))
    assert every["mean_distance_km"].notna().all() and "access_per_1000_residential_beds" in every


def test_age_shares_one_helper_for_coverage_and_need(grid):
    from kpss_lib.indicators.need import need_table

    obce, places = grid
    sums = pd.DataFrame({"pop_total": [2000.0, 0.0], "pop_65_plus": [1000.0, 0.0], "pop_80_plus": [420.0, 0.0]})
    shares = add_age_shares(sums)
    assert shares["share_65_plus"].iloc[0] == 0.5 and shares["share_80_plus"].iloc[0] == pytest.approx(0.21)
    assert shares[["share_65_plus", "share_80_plus"]].iloc[1].isna().all()  # nobody lives there: not 0/0
    supply = by_code(coverage_table(obce, places, None, "orp", "65+"))
    from kpss_lib.load.datapaq import DATAPAQ_INDICATORS

    datapaq = pd.DataFrame({"orp_code": sorted(obce["orp_code"].unique()), **{k: np.nan for k in DATAPAQ_INDICATORS}})
    need = need_table(obce, datapaq, None, "orp").set_index("unit_code")
    for column in ("share_65_plus", "share_80_plus"):
        pd.testing.assert_series_equal(supply[column], need[column], check_names=False)


def test_default_measure_is_the_largest_capacity(grid):
    obce, places = grid
    # beds 90, ambulant clients 10, terrain clients 20: the beds, though no column order says so
    assert default_measure(coverage_table(obce, places, None, "kraj", "65+")) == "residential_beds"
    care = places[places["form"] != "pobytová"]
    table = coverage_table(obce, care, None, "kraj", "65+")
    assert [c for c in table.columns if c.startswith("per_1000_")][0] == "per_1000_ambulatory_clients"
    assert default_measure(table) == "field_clients"  # 20 terrain clients > 10 ambulant ones
    # an empty selection: all measures at zero, the first one wins the tie
    assert default_measure(coverage_table(obce, places.iloc[0:0], None, "kraj", "65+")) == "residential_beds"
    assert default_measure(pd.DataFrame({"n_services": [1]})) is None


def test_region_must_be_resolved(grid):
    obce, places = grid
    with pytest.raises(UnknownValueError, match="find_region"):
        coverage_table(obce, places, "Kraj Jedna")
    with pytest.raises(UnknownValueError, match="not in the obce table"):
        coverage_table(obce, places, ["999999"])
    with pytest.raises(UnknownValueError, match="level"):
        coverage_table(obce, places, None, "county")
    with pytest.raises(KpssError, match="population group"):
        coverage_table(obce, places, None, "orp", "60+")


# --------------------------------------------------------------------------- fixture: distances

def test_nearest_distance_and_weighted_mean(grid):
    obce, places = grid
    table = nearest_distances(obce, places, None, "65+", radius_km=10).set_index("obec_code")
    expected = {"100001": 0, "100002": 0, "100003": 0, "100004": 20, "100005": 12, "100006": 40, "100007": 40}
    assert table["distance_km"].to_dict() == pytest.approx(expected)
    assert table.loc["100004", "nearest_service_id"] == "s2"
    orp = by_code(indicator_table(obce, places, kraj_one(obce), "orp", "65+", radius_km=10, catchment_km=None))
    # ORP B: (100 × 0 + 70 × 20 + 80 × 12) / 250 people aged 65+
    assert orp.loc["9002", "mean_distance_km"] == pytest.approx((70 * 20 + 80 * 12) / 250)
    assert orp.loc["9002", "max_distance_km"] == pytest.approx(20)


def test_white_spots_with_terrain_reach(grid):
    obce, places = grid
    spots = white_spots(obce, places, kraj_one(obce), radius_km=10, population="65+", terrain_radius_km=15)
    # Bétrojka is 12 km from the nearest home, but the terrain service of Béčko reaches 15 km.
    assert spots["obec_code"].tolist() == ["100004", "100006"]  # sorted by population 65+: 70, 50
    assert spots["population"].tolist() == [70, 50]
    assert (spots["terrain_reach"] == "poloměr 15 km od místa poskytování (předpoklad)").all()
    narrow = white_spots(obce, places, kraj_one(obce), radius_km=10, population="65+", terrain_radius_km=11)
    assert set(narrow["obec_code"]) == {"100004", "100005", "100006"}
    wide = white_spots(obce, places, kraj_one(obce), radius_km=40, population="65+")
    assert wide.empty


def test_white_spot_summary_per_unit(grid):
    obce, places = grid
    orp = by_code(indicator_table(obce, places, kraj_one(obce), "orp", "65+", radius_km=10, catchment_km=None))
    assert orp["n_white_spots"].to_dict() == {"9001": 0, "9002": 1, "9003": 1}
    assert orp.loc["9002", "share_population_white_spots"] == pytest.approx(70 / 250)


def test_terrain_scope_from_register_replaces_the_radius(grid):
    obce, places = grid
    scoped = places.assign(scope_orp_codes=np.where(places["form"] == "terénní", "9002;9003", ""))
    spots = white_spots(obce, scoped, kraj_one(obce), radius_km=10, population="65+")
    # the registered scope covers ORP B and C entirely, Bédvojka and Céčko included
    assert spots.empty
    label = nearest_distances(obce, scoped)["terrain_reach"].iloc[0]
    assert label == "územní působnost z registru"


def test_reach_attribution_spreads_terrain_capacity_by_target_population(grid):
    obce, places = grid
    base = by_code(coverage_table(obce, places, None, "obec", "65+"))
    reach = by_code(coverage_table(obce, places, None, "obec", "65+", terrain_attribution="reach",
                                   terrain_radius_km=15))
    assert base.loc["100003", "capacity_field_clients"] == 20
    # Béčko (65+ 100) and Bétrojka (80) are within 15 km of the base
    assert reach.loc["100003", "capacity_field_clients"] == pytest.approx(20 * 100 / 180)
    assert reach.loc["100005", "capacity_field_clients"] == pytest.approx(20 * 80 / 180)
    assert reach["capacity_field_clients"].sum() == pytest.approx(20)
    assert reach.loc["100005", "n_services"] == 1
    assert reach["capacity_residential_beds"].equals(base["capacity_residential_beds"])


def test_accessibility_of_a_closed_system_equals_supply_over_demand(grid):
    obce, places = grid
    beds = select_services(places, capacity_units="lůžka")
    table = indicator_table(obce, beds, None, "orp", "65+", catchment_km=1000)
    with_people = table[~table["population_zero"]]
    # every obec reaches every home: accessibility = total beds / total 65+ everywhere
    assert with_people["access_per_1000_residential_beds"].tolist() == pytest.approx([90 / 1300 * 1000] * 3)


def test_empty_selection_gives_zeros_and_nan_distances(grid):
    obce, places = grid
    none = places.iloc[0:0]
    table = indicator_table(obce, none, kraj_one(obce), "orp", "65+", catchment_km=20)
    assert len(table) == 3 and (table["n_services"] == 0).all()
    assert (table["capacity_residential_beds"] == 0).all() and table["mean_distance_km"].isna().all()
    assert (table["n_white_spots"] == table["n_obce"]).all()


def test_total_row_appended(grid):
    obce, places = grid
    table = indicator_table(obce, places, kraj_one(obce), "orp", "65+", total=True)
    last = table.iloc[-1]
    assert (last["unit_code"], last["level"]) == ("CZ099", "kraj")
    assert last["capacity_residential_beds"] == table.iloc[:-1]["capacity_residential_beds"].sum()
    assert last["n_white_spots"] == 2


# --------------------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def real(data_dir):
    from kpss_lib.load.services import load_services
    from kpss_lib.load.territory import load_obce

    return pd.DataFrame(load_obce().drop(columns="geometry")), load_services()


def test_czech_beds_equal_the_catalogue(real, data_dir):
    obce, services = real
    homes = select_services(services.places, "domovy pro seniory", capacity_units="lůžka")
    total = coverage_total(obce, homes, None, "65+").iloc[0]
    raw = pd.read_csv(data_dir / "socialni_sluzby_seniori_2026-09.csv", dtype=str)
    raw = raw[(raw["druh_kod"] == "13") & (raw["kapacita_typ"] == "luzka") & raw["kod_obce"].isin(obce["obec_code"])]
    expected = raw.drop_duplicates(["sluzba_id", "forma", "kapacita_typ"])["kapacita_pocet"].astype(float).sum()
    assert total["capacity_residential_beds"] == pytest.approx(expected)
    assert total["population"] == 2_158_322  # ČSÚ 65+ on 31 Dec 2020 (PROVENANCE.md)
    assert total["per_1000_residential_beds"] == pytest.approx(expected / 2_158_322 * 1000)


def test_zlinsky_kraj_has_13_orp_that_add_up(real):
    from kpss_lib.load.territory import find_region

    obce, services = real
    homes = select_services(services.places, "13")
    region = find_region("Zlínský kraj")
    table = indicator_table(obce, homes, region, "orp", "65+", total=True)
    rows, total = table.iloc[:-1], table.iloc[-1]
    assert len(rows) == 13 and rows["unit_code"].str.fullmatch(r"72\d\d").all()
    assert "7211" in set(rows["unit_code"])  # Vizovice: no home for the elderly, still a row
    for column in ("population", "pop_total", "capacity_residential_beds", "population_white_spots"):
        assert rows[column].sum() == pytest.approx(total[column])
    assert total["per_1000_residential_beds"] == pytest.approx(
        rows["capacity_residential_beds"].sum() / rows["population"].sum() * 1000)
    # obce → ORP: the obce of ORP Zlín sum to its row
    zlin = coverage_table(obce, homes, find_region("7213"), "obec", "65+")
    assert zlin["capacity_residential_beds"].sum() == pytest.approx(
        rows.set_index("unit_code").loc["7213", "capacity_residential_beds"])


def test_every_kraj_at_orp_level(real):
    obce, services = real
    homes = select_services(services.places, "domovy pro seniory")
    basis = indicator_basis(obce, homes, "65+", catchment_km=20)
    cz = aggregate(basis, None, None).iloc[0]
    rows = []
    for kraj, members in obce.groupby("kraj_code")["obec_code"]:
        table = aggregate(basis, members.to_numpy(), "orp")
        assert len(table) == obce.loc[obce["kraj_code"] == kraj, "orp_code"].nunique()
        assert table["per_1000_residential_beds"].notna().all()
        assert (table["kraj_code"] == kraj).all()
        rows.append(table)
    every = pd.concat(rows)
    assert len(every) == 206 and every["unit_code"].is_unique
    assert every["capacity_residential_beds"].sum() == pytest.approx(cz["capacity_residential_beds"])
    assert every["population"].sum() == cz["population"]

"""Capacity gaps: a hand-checkable grid, and identities that hold on the real data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpss_lib.errors import KpssError
from kpss_lib.indicators.compare import compare_regions
from kpss_lib.indicators.coverage import aggregate, indicator_basis
from kpss_lib.indicators.gap import capacity_gap, gap_table, gap_total, measure_form_unit
from kpss_lib.indicators.selection import select_services
from kpss_lib.load.datapaq import load_datapaq
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import find_region, load_obce


def _obce(rows):
    frame = pd.DataFrame(rows, columns=["obec_code", "orp_code", "kraj_code", "x", "pop_65_plus"])
    frame["obec_name"] = "obec " + frame["obec_code"]
    frame["orp_name"] = "ORP " + frame["orp_code"]
    frame["okres_code"], frame["okres_name"] = frame["orp_code"], frame["orp_name"]
    frame["kraj_name"] = "kraj " + frame["kraj_code"]
    frame["y"] = 0.0
    frame["pop_total"] = frame["pop_65_plus"] * 5
    frame["pop_80_plus"] = frame["pop_65_plus"] / 4
    return frame


def _places(rows):
    frame = pd.DataFrame(rows, columns=["service_id", "obec_code", "x", "capacity_share"])
    frame["form"], frame["capacity_unit"], frame["y"] = "pobytová", "lůžka", 0.0
    return frame


@pytest.fixture(scope="module")
def grid():
    """Kraj K1: ORP A (a1, a2: 1 000 + 1 000 people 65+), ORP B (b1: 2 000); kraj K2: ORP C (c1: 4 000).

    Beds: a1 30, b1 10, c1 60. Per 1 000: A 15, B 5, K1 10, ČR 100 / 8 000 = 12.5.
    """
    obce = _obce([("a1", "A", "K1", 0, 1000), ("a2", "A", "K1", 1000, 1000),
                  ("b1", "B", "K1", 2000, 2000), ("c1", "C", "K2", 9000, 4000)])
    places = _places([("s1", "a1", 0, 30.0), ("s2", "b1", 2000, 10.0), ("s3", "c1", 9000, 60.0)])
    return indicator_basis(obce, places, "65+", radius_km=None)


@pytest.mark.parametrize("norm, needed_a, needed_b", [("kraj", 20, 20), ("cr", 25, 25), ("median", 20, 20),
                                                     (20, 40, 40)])
def test_grid_gaps_by_hand(grid, norm, needed_a, needed_b):
    gaps = gap_table(grid, ["a1", "a2", "b1"], "orp", "residential_beds", norm).set_index("unit_code")
    assert gaps.loc["A", "needed"] == pytest.approx(needed_a)
    assert gaps.loc["B", "needed"] == pytest.approx(needed_b)
    assert gaps.loc["A", "gap"] == pytest.approx(max(needed_a - 30, 0))
    assert gaps.loc["A", "surplus"] == pytest.approx(max(30 - needed_a, 0))
    assert gaps.loc["B", "gap"] == pytest.approx(max(needed_b - 10, 0))
    assert gaps.loc["B", "surplus"] == pytest.approx(max(10 - needed_b, 0))
    total = gap_total(gaps.reset_index()).iloc[0]
    # Surplus of A is reported beside the gap of B, never set off against it.
    assert total["gap"] == pytest.approx(gaps["gap"].sum())
    assert total["surplus"] == pytest.approx(gaps["surplus"].sum())
    assert total["balance"] == pytest.approx(40 - needed_a - needed_b)


def test_grid_sorted_by_gap_and_in_native_units(grid):
    gaps = gap_table(grid, None, "orp", "residential_beds", "cr")
    assert list(gaps["unit_code"]) == ["B", "A", "C"]  # gaps 15, 0, 0: ties by code
    assert set(gaps["capacity_unit"]) == {"lůžka"} and set(gaps["form"]) == {"pobytová"}


def test_bad_inputs_are_named(grid):
    with pytest.raises(KpssError, match="never mixed"):
        gap_table(grid, None, "orp", "field_clients", "kraj")
    with pytest.raises(KpssError, match="expected one of"):
        gap_table(grid, None, "orp", "residential_beds", "okres")
    with pytest.raises(KpssError, match="non-negative number"):
        gap_table(grid, None, "orp", "residential_beds", -3)
    with pytest.raises(KpssError, match="only for ORP"):
        gap_table(grid, None, "kraj", "residential_beds", "peers")
    with pytest.raises(KpssError, match="expected one of"):
        measure_form_unit("beds")
    with pytest.raises(KpssError, match="capacity_field_clients"):
        capacity_gap(aggregate(grid, None, "orp"), 1.0, "field_clients")


@pytest.fixture(scope="module")
def real():
    obce = load_obce()
    places = select_services(load_services().places, "domovy pro seniory")
    return obce, indicator_basis(obce, places, "65+", radius_km=None)


def test_kraj_norm_balances_within_every_kraj(real):
    obce, basis = real
    gaps = gap_table(basis, None, "orp", "residential_beds", "kraj")
    assert len(gaps) == 206
    per_kraj = gaps.groupby("kraj_code")[["gap", "surplus"]].sum()
    assert len(per_kraj) == 14
    np.testing.assert_allclose(per_kraj["gap"], per_kraj["surplus"], rtol=1e-9)
    zlin = gap_table(basis, find_region("Zlínský kraj"), "obec", "residential_beds", "kraj")
    assert len(zlin) == 307
    assert zlin["gap"].sum() == pytest.approx(zlin["surplus"].sum())


def test_cr_norm_balances_over_the_country(real):
    _, basis = real
    total = gap_total(gap_table(basis, None, "orp", "residential_beds", "cr")).iloc[0]
    assert total["population"] == pytest.approx(2158322)  # ČR 65+ (ČSÚ 2020)
    assert total["balance"] == pytest.approx(0, abs=1e-6)
    assert total["gap"] > 0 and total["surplus"] > 0


def test_median_and_peer_norms_match_the_comparison_path(real):
    obce, basis = real
    region = find_region("Zlínský kraj")
    median = gap_table(basis, region, "orp", "residential_beds", "median")
    assert median["norm_per_1000"].nunique() == 1
    assert median["norm_per_1000"].iloc[0] == pytest.approx(median["per_1000"].median())  # all 13 ORP of the kraj
    datapaq = load_datapaq()
    peers = gap_table(basis, region, "orp", "residential_beds", "peers", datapaq=datapaq).set_index("unit_code")
    regions = [find_region(code, level="orp") for code in peers.index[:3]]
    places = select_services(load_services().places, "domovy pro seniory")
    compared = compare_regions(obce, places, regions, "65+", datapaq=datapaq, catchment_km=None).set_index("region_code")
    assert len(compared) == 3
    for code in compared.index:
        assert peers.loc[code, "norm_per_1000"] == pytest.approx(compared.loc[code, "per_1000_residential_beds_peers"])

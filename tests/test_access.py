"""2SFCA / E2SFCA accessibility and the distance helpers.

Three kinds of checks: hand-computed cases (a grid where everyone reaches
everything, and a small asymmetric line whose numbers are worked out below), the
real data (obce 65+ against every domov pro seniory) compared with PySAL
``access``, and bad inputs.
"""
from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from kpss_lib.errors import KpssError, UnknownValueError, ValidationError
from kpss_lib.indicators.access import (
    default_step_weights,
    enhanced_two_step_fca,
    gaussian_weights,
    step_weights,
    supply_points,
    supply_ratios,
    two_step_fca,
)
from kpss_lib.indicators import distance as distance_module
from kpss_lib.indicators.distance import (
    nearest_destination,
    nearest_distance_km,
    pairwise_distance_km,
    within_radius,
)

access_pkg = pytest.importorskip("access")
from access import Access  # noqa: E402
from access import weights as access_weights  # noqa: E402

# PySAL access logs a warning for every call that leaves a location out; it is the
# behaviour under test, not noise worth seeing.
logging.getLogger("access").setLevel(logging.ERROR)
# access 1.1.10 calls drop(inplace=True), deprecated in pandas 3; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")

# ---------------------------------------------------------------------------
# Hand-checkable cases
# ---------------------------------------------------------------------------


def grid(n: int, spacing_m: float) -> pd.DataFrame:
    """n × n points, ``spacing_m`` apart, labelled "r<row>c<col>"."""
    rows, cols = np.divmod(np.arange(n * n), n)
    return pd.DataFrame(
        {"x": cols * spacing_m, "y": rows * spacing_m},
        index=[f"r{r}c{c}" for r, c in zip(rows, cols)],
    )


@pytest.fixture
def everyone_reaches_everything() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 5 × 5 grid 1 km apart: the farthest pair is 4·√2 ≈ 5.66 km, well inside 20 km.

    Demand 1..25 (total 325, one cell with 0 people); supply on every other cell
    with capacities 0..12 (total 78).
    """
    demand = grid(5, 1000.0)
    demand["population"] = np.arange(1, 26, dtype=float)
    demand.loc["r2c2", "population"] = 0.0  # 13 people removed: total 325 - 13 = 312
    supply = grid(5, 1000.0).iloc[::2].copy()
    supply["capacity"] = np.arange(len(supply), dtype=float)  # 0 + 1 + ... + 12 = 78
    return demand, supply


def test_grid_2sfca_is_total_supply_over_total_demand(everyone_reaches_everything):
    demand, supply = everyone_reaches_everything
    assert demand["population"].sum() == 312 and supply["capacity"].sum() == 78
    result = two_step_fca(demand, supply, radius_km=20)
    # Every supply point shares its beds with all 312 people and every person
    # reaches every supply point, so A = 78 / 312 = 0.25 everywhere (the empty cell too).
    np.testing.assert_allclose(result["access"], 0.25, rtol=1e-14)
    np.testing.assert_allclose(result["access_per_1000"], 250.0, rtol=1e-14)
    assert (result["n_supply_in_reach"] == 13).all()
    assert result.index.equals(demand.index)


def test_grid_e2sfca_with_one_zone_is_total_over_total(everyone_reaches_everything):
    demand, supply = everyone_reaches_everything
    # All pairs fall in the first zone (≤ 6 km), weight 0.4 in both steps:
    # R_j = S_j / (0.4 · 312), A_i = Σ 0.4 R_j = 78 / 312 = 0.25 again.
    result = enhanced_two_step_fca(demand, supply, radius_km=20, weights={6: 0.4, 20: 0.1})
    np.testing.assert_allclose(result["access"], 0.25, rtol=1e-14)


def test_grid_agrees_with_pysal_access(everyone_reaches_everything):
    demand, supply = everyone_reaches_everything
    theirs = run_pysal_access(demand, supply, "population", "capacity", radius_km=20)
    np.testing.assert_allclose(theirs.two_stage_fca(max_cost=20_000).iloc[:, 0], 0.25, rtol=1e-14)


# The asymmetric case: points on (or near) a line, x and y in metres, radius 20 km.
#
#   G ---- 20 km ---- S1 -- A(0) -- D -- B ------ S2 -- C        E          F - S3
#   x:   -18 000      2 000   0   3 000 8 000    18 000 (22 200, 5 600)  100 000  300 000 305 000
#
# Distances within 20 km (km):  A–S1 2, A–S2 18, B–S1 6, B–S2 10, C–S2 7
# (C at (22.2, 5.6) km: √(4.2² + 5.6²) = 7; C–S1 = √(20.2² + 5.6²) ≈ 20.96, out),
# D–S1 1, D–S2 15, G–S1 20 (exactly at the radius: in), F–S3 5; E reaches nothing.
HAND_DEMAND = pd.DataFrame(
    {
        "x": [0.0, 8_000.0, 22_200.0, 3_000.0, 100_000.0, 300_000.0, -18_000.0],
        "y": [0.0, 0.0, 5_600.0, 0.0, 0.0, 0.0, 0.0],
        "population": [100.0, 50.0, 200.0, 0.0, 40.0, 0.0, 10.0],
    },
    index=pd.Index(list("ABCDEFG"), name="obec"),
)
HAND_SUPPLY = pd.DataFrame(
    {"x": [2_000.0, 18_000.0, 305_000.0], "y": [0.0, 0.0, 0.0], "capacity": [30.0, 10.0, 5.0]},
    index=pd.Index(["S1", "S2", "S3"], name="place"),
)
HAND_STEPS = {5: 1.0, 10: 0.5, 20: 0.25}

# 2SFCA
#   D_S1 = A 100 + B 50 + D 0 + G 10 = 160        R_S1 = 30 / 160 = 0.1875
#   D_S2 = A 100 + B 50 + C 200 + D 0 = 350       R_S2 = 10 / 350 = 1/35 ≈ 0.0285714
#   D_S3 = F 0 = 0                                R_S3 undefined, left out
#   A_A = A_B = A_D = 0.1875 + 1/35 ≈ 0.2160714;  A_C = 1/35;  A_G = 0.1875;  A_E = A_F = 0
#   check: Σ P·A = 150 · 0.2160714 + 200/35 + 10 · 0.1875 = 40 = S1 + S2
HAND_2SFCA = {
    "A": 0.1875 + 1 / 35, "B": 0.1875 + 1 / 35, "C": 1 / 35, "D": 0.1875 + 1 / 35,
    "E": 0.0, "F": 0.0, "G": 0.1875,
}
# E2SFCA with weights 0–5 km 1.0, (5, 10] 0.5, (10, 20] 0.25:
#   W: A–S1 1, A–S2 .25, B–S1 .5, B–S2 .5 (10 km is in the 0.5 zone), C–S2 .5,
#      D–S1 1, D–S2 .25, G–S1 .25, F–S3 1 (5 km is in the 1.0 zone)
#   D_S1 = 1·100 + .5·50 + 1·0 + .25·10 = 127.5     R_S1 = 30 / 127.5 = 4/17 ≈ 0.2352941
#   D_S2 = .25·100 + .5·50 + .5·200 + .25·0 = 150   R_S2 = 10 / 150 = 1/15
#   D_S3 = 1·0 = 0                                  R_S3 undefined
#   A_A = A_D = 4/17 + .25/15 ≈ 0.2519608;  A_B = .5·4/17 + .5/15 ≈ 0.1509804
#   A_C = .5/15 = 1/30;  A_G = .25·4/17 = 1/17;  A_E = A_F = 0
#   check: 100·0.2519608 + 50·0.1509804 + 200/30 + 10/17 = 40
HAND_E2SFCA = {
    "A": 4 / 17 + 0.25 / 15, "B": 0.5 * 4 / 17 + 0.5 / 15, "C": 1 / 30, "D": 4 / 17 + 0.25 / 15,
    "E": 0.0, "F": 0.0, "G": 1 / 17,
}


def test_hand_case_2sfca():
    result = two_step_fca(HAND_DEMAND, HAND_SUPPLY, radius_km=20)
    expected = pd.Series(HAND_2SFCA).reindex(result.index)
    np.testing.assert_allclose(result["access"], expected, rtol=1e-14, atol=0)
    assert result["n_supply_in_reach"].to_dict() == {"A": 2, "B": 2, "C": 1, "D": 2, "E": 0, "F": 1, "G": 1}
    assert (HAND_DEMAND["population"] * result["access"]).sum() == pytest.approx(40.0, rel=1e-14)


def test_hand_case_e2sfca_step_weights():
    result = enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, radius_km=20, weights=HAND_STEPS)
    expected = pd.Series(HAND_E2SFCA).reindex(result.index)
    np.testing.assert_allclose(result["access"], expected, rtol=1e-14, atol=0)
    # The same weights as a vectorised function give the same numbers.
    as_function = enhanced_two_step_fca(
        HAND_DEMAND, HAND_SUPPLY, radius_km=20, weights=step_weights(HAND_STEPS)
    )
    pd.testing.assert_frame_equal(as_function, result)


def test_hand_case_supply_ratios():
    plain = supply_ratios(HAND_DEMAND, HAND_SUPPLY, radius_km=20)
    assert plain["demand_in_reach"].tolist() == [160.0, 350.0, 0.0]
    assert plain["ratio"].iloc[0] == 0.1875
    assert plain["ratio"].iloc[1] == pytest.approx(1 / 35, rel=1e-15)
    assert np.isnan(plain["ratio"].iloc[2])  # zero demand in reach: undefined, not inf
    assert plain["n_demand_in_reach"].tolist() == [4, 4, 1]
    weighted = supply_ratios(HAND_DEMAND, HAND_SUPPLY, radius_km=20, weights=HAND_STEPS)
    assert weighted["demand_in_reach"].tolist() == [127.5, 150.0, 0.0]
    np.testing.assert_allclose(weighted["ratio_per_1000"].iloc[:2], [4000 / 17, 1000 / 15], rtol=1e-14)


def test_radius_cuts_even_when_weights_reach_farther():
    # Weights up to 50 km but a 10 km radius: A–S2 (18 km) must not count.
    wide = enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, radius_km=10, weights={50: 1.0})
    plain = two_step_fca(HAND_DEMAND, HAND_SUPPLY, radius_km=10)
    pd.testing.assert_frame_equal(wide, plain)
    # Within 10 km: S1 serves A 100, B 50, D 0 → 30/150 = 0.2; S2 serves B 50, C 200 → 10/250 = 0.04.
    assert plain.loc["A", "access"] == pytest.approx(0.2, rel=1e-15)
    assert plain.loc["B", "access"] == pytest.approx(0.24, rel=1e-15)
    assert plain.loc["C", "access"] == pytest.approx(0.04, rel=1e-15)


def test_splitting_a_place_into_rows_changes_nothing():
    split = pd.concat([HAND_SUPPLY, HAND_SUPPLY.loc[["S1"]].assign(capacity=12.0)])
    split.iloc[0, split.columns.get_loc("capacity")] = 18.0  # S1: 18 + 12 = 30 beds
    pd.testing.assert_frame_equal(
        two_step_fca(HAND_DEMAND, split, radius_km=20)[["access"]],
        two_step_fca(HAND_DEMAND, HAND_SUPPLY, radius_km=20)[["access"]],
        rtol=1e-14,
    )


def test_default_step_weights_scale_luo_qi_zones_to_the_radius():
    assert default_step_weights(30) == {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}
    assert default_step_weights(20) == {20 / 3: 1.0, 40 / 3: 0.68, 20.0: 0.22}
    explicit = enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, 20, weights=default_step_weights(20))
    pd.testing.assert_frame_equal(enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, 20), explicit)


def test_step_and_gaussian_weight_functions():
    fn = step_weights({20: 1.0, 40: 0.68, 60: 0.22})
    # The example of access's weights.step_fn docstring: bounds are inclusive.
    distances = np.arange(0, 71, 10, dtype=float)
    assert fn(distances).tolist() == [1, 1, 1, 0.68, 0.68, 0.22, 0.22, 0]
    reference = access_weights.step_fn({20: 1.0, 40: 0.68, 60: 0.22})
    assert fn(distances).tolist() == [reference(d) for d in distances]
    g = gaussian_weights(20)
    np.testing.assert_allclose(g(np.array([0.0, 20.0, 40.0])), [1.0, np.exp(-0.5), np.exp(-2.0)], rtol=1e-15)


# ---------------------------------------------------------------------------
# PySAL access on the hand case: is the installed version free of the old bug?
# ---------------------------------------------------------------------------


def run_pysal_access(demand, supply, demand_col, supply_col, radius_km) -> Access:
    """An ``access.Access`` over the same points, with its own Euclidean distances (metres)."""
    d = gpd.GeoDataFrame(
        demand[[demand_col]].rename_axis("demand_id"),
        geometry=gpd.points_from_xy(demand["x"], demand["y"]),
        crs="EPSG:5514",
    )
    s = gpd.GeoDataFrame(
        supply[[supply_col]].rename_axis("supply_id"),
        geometry=gpd.points_from_xy(supply["x"], supply["y"]),
        crs="EPSG:5514",
    )
    model = Access(demand_df=d, demand_value=demand_col, supply_df=s, supply_value=supply_col)
    # create_euclidean_distance keeps d < threshold; 1 mm more keeps d == radius.
    model.create_euclidean_distance(threshold=radius_km * 1000 + 0.001)
    return model


def metres(steps: dict[float, float]) -> dict[float, float]:
    return {bound * 1000: weight for bound, weight in steps.items()}


def test_pysal_access_matches_the_hand_case_where_defined():
    model = run_pysal_access(HAND_DEMAND, HAND_SUPPLY, "population", "capacity", radius_km=20)
    plain = model.two_stage_fca(max_cost=20_000).iloc[:, 0].reindex(HAND_DEMAND.index)
    enhanced = model.enhanced_two_stage_fca(
        max_cost=20_000, weight_fn=access_weights.step_fn(metres(HAND_STEPS))
    ).iloc[:, 0].reindex(HAND_DEMAND.index)
    defined = list("ABCDG")
    # The installed access weights the ratios in its second step (the bug fixed by
    # pysal/access PR #26 summed unweighted ones, which would give A_B = 4/17 + 1/15).
    np.testing.assert_allclose(plain[defined], pd.Series(HAND_2SFCA)[defined], rtol=1e-12)
    np.testing.assert_allclose(enhanced[defined], pd.Series(HAND_E2SFCA)[defined], rtol=1e-12)
    # Where kpss documents a difference: E reaches nothing (access: NaN, kpss: 0);
    # F reaches only S3, whose demand is all zero-population (access: S3/0 = inf, kpss: 0).
    assert np.isnan(plain["E"]) and np.isnan(enhanced["E"])
    assert np.isinf(plain["F"]) and np.isinf(enhanced["F"])


# ---------------------------------------------------------------------------
# Real data: obce 65+ against every domov pro seniory (druh 13, beds)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def obce_65() -> pd.DataFrame:
    from kpss_lib.load.territory import load_obce

    obce = load_obce()
    return pd.DataFrame(obce.set_index("obec_code")[["x", "y", "pop_65_plus"]])


@pytest.fixture(scope="module")
def domovy() -> pd.DataFrame:
    from kpss_lib.load.services import load_services

    places = load_services().places
    beds = places[(places["type_code"] == "13") & (places["capacity_unit"] == "lůžka")]
    return supply_points(beds)


@pytest.fixture(scope="module")
def pysal_model(obce_65, domovy) -> Access:
    return run_pysal_access(obce_65, domovy, "pop_65_plus", "capacity", radius_km=20)


def test_real_data_inputs(obce_65, domovy):
    assert len(obce_65) == 6258
    # 597 places of homes for the elderly with beds; their shares add up to the
    # registered beds of the services (34 330 in the Sept 2026 catalogue).
    assert len(domovy) > 500
    assert domovy["capacity"].sum() == pytest.approx(34_330)


def _compare(ours: pd.Series, theirs: pd.Series, n_in_reach: pd.Series) -> float:
    theirs = theirs.reindex(ours.index)
    # access leaves out obce with no home within reach (NaN); kpss gives 0 there.
    assert theirs.isna().equals(n_in_reach == 0)
    assert not np.isinf(theirs).any()
    diff = float(np.max(np.abs(ours - theirs.fillna(0.0))))
    assert diff <= 1e-9
    return diff


def test_real_data_2sfca_agrees_with_pysal_access(obce_65, domovy, pysal_model):
    ours = two_step_fca(obce_65, domovy, 20, demand_col="pop_65_plus")
    theirs = pysal_model.two_stage_fca(name="plain", max_cost=20_000).iloc[:, 0]
    _compare(ours["access"], theirs, ours["n_supply_in_reach"])
    assert 0 < (ours["n_supply_in_reach"] == 0).sum() < 100
    # Both steps preserve the total: Σ P·A = beds of the homes with anyone in reach.
    ratios = supply_ratios(obce_65, domovy, 20, demand_col="pop_65_plus")
    reached = ratios.loc[ratios["demand_in_reach"] > 0, "supply"].sum()
    assert (obce_65["pop_65_plus"] * ours["access"]).sum() == pytest.approx(reached, rel=1e-12)


@pytest.mark.parametrize(
    "ours_weights, their_weight_fn",
    [
        (None, access_weights.step_fn(metres(default_step_weights(20)))),
        ({10: 1.0, 20: 0.68, 30: 0.22}, access_weights.step_fn({10_000: 1.0, 20_000: 0.68, 30_000: 0.22})),
        (gaussian_weights(8), access_weights.gaussian(8_000)),
    ],
    ids=["default-steps", "access-default-steps", "gaussian-8km"],
)
def test_real_data_e2sfca_agrees_with_pysal_access(
    obce_65, domovy, pysal_model, ours_weights, their_weight_fn
):
    ours = enhanced_two_step_fca(obce_65, domovy, 20, ours_weights, demand_col="pop_65_plus")
    theirs = pysal_model.enhanced_two_stage_fca(
        name="enhanced", max_cost=20_000, weight_fn=their_weight_fn
    ).iloc[:, 0]
    _compare(ours["access"], theirs, ours["n_supply_in_reach"])


def test_real_data_radius_covering_the_country(obce_65, domovy):
    # Czechia is under 500 km across: with a 1 000 km radius every obec reaches every
    # home, so 2SFCA is total beds / total 65+ population for every obec.
    result = two_step_fca(obce_65, domovy, 1_000, demand_col="pop_65_plus")
    expected = domovy["capacity"].sum() / obce_65["pop_65_plus"].sum()
    np.testing.assert_allclose(result["access"], expected, rtol=1e-12)


# ---------------------------------------------------------------------------
# Distances
# ---------------------------------------------------------------------------


def test_pairwise_distance_matches_cdist_in_several_chunks(obce_65, domovy):
    # 6 258 × ~600 cells: more than one 2**20-cell block.
    matrix = pairwise_distance_km(obce_65, domovy)
    assert matrix.shape == (len(obce_65), len(domovy)) and matrix.dtype == np.float64
    reference = cdist(obce_65[["x", "y"]].to_numpy(), domovy[["x", "y"]].to_numpy()) / 1000
    np.testing.assert_allclose(matrix, reference, rtol=1e-12)
    # The whole country fits in 500 km.
    assert matrix.max() < 500


@pytest.mark.parametrize("search", ["tree", "blocks"])
def test_within_radius_and_nearest_agree_with_the_matrix(obce_65, domovy, search, monkeypatch):
    # Force one of the two ways pairs_within finds pairs; both must give the same table.
    monkeypatch.setattr(distance_module, "_DENSE_PAIR_SHARE", np.inf if search == "tree" else 0.0)
    sample = obce_65.iloc[::7]
    matrix = pairwise_distance_km(sample, domovy)
    pairs = within_radius(sample, domovy, 12.5)
    rows, cols = np.nonzero(matrix <= 12.5)
    assert pairs["origin_pos"].tolist() == rows.tolist()
    assert pairs["destination_pos"].tolist() == cols.tolist()
    assert pairs["distance_km"].tolist() == matrix[rows, cols].tolist()
    assert pairs["origin"].tolist() == sample.index[rows].tolist()
    assert pairs["destination"].tolist() == domovy.index[cols].tolist()
    nearest = nearest_destination(sample, domovy)
    assert nearest["distance_km"].tolist() == matrix.min(axis=1).tolist()
    assert (matrix[np.arange(len(sample)), domovy.index.get_indexer(nearest["destination"])]
            == nearest["distance_km"].to_numpy()).all()
    pd.testing.assert_series_equal(nearest_distance_km(sample, domovy), nearest["distance_km"])


def test_distance_edge_cases():
    pairs = within_radius(HAND_DEMAND, HAND_SUPPLY, 20)
    g = pairs[pairs["origin"] == "G"]
    assert g["destination"].tolist() == ["S1"] and g["distance_km"].tolist() == [20.0]  # inclusive
    nowhere = nearest_distance_km(HAND_DEMAND, HAND_SUPPLY.iloc[:0])
    assert np.isinf(nowhere).all() and nowhere.index.equals(HAND_DEMAND.index)
    assert nearest_distance_km(HAND_DEMAND, HAND_SUPPLY)["E"] == 82.0  # E (100 km) – S2 (18 km)
    assert pairwise_distance_km(HAND_DEMAND.iloc[:0], HAND_SUPPLY).shape == (0, 3)
    assert within_radius(HAND_DEMAND, HAND_SUPPLY.iloc[:0], 5).empty


def test_empty_supply_gives_zero_access():
    result = two_step_fca(HAND_DEMAND, HAND_SUPPLY.iloc[:0], 20)
    assert (result["access"] == 0).all() and (result["n_supply_in_reach"] == 0).all()


# ---------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------


def test_missing_column():
    with pytest.raises(UnknownValueError, match=r"demand: missing column\(s\) 'pop_65_plus'"):
        two_step_fca(HAND_DEMAND, HAND_SUPPLY, demand_col="pop_65_plus")
    with pytest.raises(KpssError, match=r"supply: missing column\(s\) 'y'.*got columns \['x', 'capacity'\]"):
        enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY.drop(columns="y"))


@pytest.mark.parametrize("radius", [-5, 0, float("nan"), float("inf"), "far"])
def test_bad_radius(radius):
    with pytest.raises(UnknownValueError, match=r"radius_km: expected a positive .*kilometres, got"):
        two_step_fca(HAND_DEMAND, HAND_SUPPLY, radius_km=radius)
    with pytest.raises(KpssError, match="radius_km"):
        within_radius(HAND_DEMAND, HAND_SUPPLY, radius)


def test_nan_coordinate_names_the_row():
    demand = HAND_DEMAND.copy()
    demand.loc["C", "x"] = np.nan
    with pytest.raises(
        ValidationError, match=r"demand: column 'x' must be a finite coordinate .* 1 row\(s\) are not: 'C' \(missing"
    ) as caught:
        two_step_fca(demand, HAND_SUPPLY)
    rejected = caught.value.rejected
    assert rejected[["argument", "record", "column", "reason"]].values.tolist() == [["demand", "C", "x", "missing"]]
    with pytest.raises(KpssError, match=r"origins: column 'x'.*'C'"):
        nearest_distance_km(demand, HAND_SUPPLY)


def test_bad_population_and_capacity():
    demand = HAND_DEMAND.assign(population=HAND_DEMAND["population"].astype(object))
    demand.loc["B", "population"] = "lots"
    demand.loc["D", "population"] = -3
    with pytest.raises(ValidationError, match=r"demand: column 'population' .* 2 row\(s\).*'B' \(not a finite number.*'D' \(negative"):
        two_step_fca(demand, HAND_SUPPLY)
    with pytest.raises(ValidationError, match=r"supply: column 'capacity' must be a finite capacity"):
        two_step_fca(HAND_DEMAND, HAND_SUPPLY.assign(capacity=[1.0, np.inf, 2.0]))


def test_bad_weights():
    with pytest.raises(UnknownValueError, match="weights: every weight must be a finite number >= 0"):
        enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, weights={10: -1.0})
    with pytest.raises(UnknownValueError, match="weights: expected a non-empty mapping"):
        enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, weights={})
    with pytest.raises(UnknownValueError, match="weights: expected None, a mapping"):
        enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, weights=0.5)
    # access's step_fn works on one number at a time; kpss passes whole arrays.
    with pytest.raises(UnknownValueError, match="numpy.vectorize"):
        enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, weights=access_weights.step_fn({10: 1.0}))
    with pytest.raises(UnknownValueError, match="expected finite weights >= 0, got nan"):
        enhanced_two_step_fca(HAND_DEMAND, HAND_SUPPLY, weights=lambda d: np.where(d < 5, 1.0, np.nan))


def test_supply_points_refuses_mixed_units():
    places = pd.DataFrame(
        {
            "place_id": ["p1", "p1", "p2"],
            "capacity_share": [10.0, 5.0, 3.0],
            "capacity_unit": ["lůžka", "klienti", "lůžka"],
            "x": [0.0, 0.0, 1000.0],
            "y": [0.0, 0.0, 0.0],
        }
    )
    with pytest.raises(UnknownValueError, match=r"capacity_unit' must hold one capacity unit, got \['klienti', 'lůžka'\]"):
        supply_points(places)
    beds = supply_points(places[places["capacity_unit"] == "lůžka"])
    assert beds["capacity"].to_dict() == {"p1": 10.0, "p2": 3.0}
    moved = places.assign(capacity_unit="lůžka", x=[0.0, 5000.0, 1000.0])
    with pytest.raises(ValidationError, match="'p1' \\(points up to 5000 m apart\\)"):
        supply_points(moved)

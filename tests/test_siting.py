"""Siting: a hand-checkable line of obce, and spopt against brute force and kpss's own coverage."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpss_lib.errors import KpssError
from kpss_lib.indicators.coverage import aggregate, indicator_basis
from kpss_lib.indicators.scenario import apply_scenario, new_places
from kpss_lib.indicators.selection import select_services
from kpss_lib.indicators.siting import (
    best_sites_exhaustive,
    candidate_gains,
    candidate_obce,
    maximal_covering,
    p_median,
    siting_problem,
    straight_km,
)
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import find_region, load_obce


@pytest.fixture(scope="module")
def line():
    """Obce on a line (km): o1 0 (200 people, has the only service), o2 8 (50), o3 12.5 (40),
    o6 16 (25), o4 30 (70), o5 36 (30). Catchment 5 km.

    Newly covered by one site: o3 → o2 (4.5 km) + o3 + o6 (3.5 km) = 115; o2 → 90;
    o4 → 70; o1 → 0 (its 200 people are covered already). Best pair: o3 + o4 = 185.
    """
    codes = ["o1", "o2", "o3", "o6", "o4", "o5"]
    km = [0, 8, 12.5, 16, 30, 36]
    people = [200, 50, 40, 25, 70, 30]
    obce = pd.DataFrame({"obec_code": codes, "obec_name": codes, "orp_code": "A", "orp_name": "A",
                         "okres_code": "A", "okres_name": "A", "kraj_code": "K", "kraj_name": "K",
                         "x": np.array(km) * 1000.0, "y": 0.0, "pop_65_plus": people,
                         "pop_total": np.array(people) * 4})
    places = pd.DataFrame({"service_id": ["s1"], "form": ["pobytová"], "capacity_unit": ["lůžka"],
                           "capacity_share": [20.0], "obec_code": ["o1"], "x": [0.0], "y": [0.0]})
    return obce, places, siting_problem(obce, places, codes, "65+", catchment=5)


def test_line_maximal_covering_by_hand(line):
    _, _, problem = line
    one = maximal_covering(problem, 1)
    assert list(one["obec_code"]) == ["o3"] and one.attrs["objective"] == pytest.approx(115)
    two = maximal_covering(problem, 2)
    assert list(two["obec_code"]) == ["o3", "o4"]
    assert list(two["newly_covered"]) == pytest.approx([115, 70])
    assert two.attrs["population_white_spots_before"] == pytest.approx(215)
    assert two.attrs["population_white_spots_after"] == pytest.approx(30)
    gains = candidate_gains(problem).set_index("obec_code")["newly_covered"]
    assert gains.to_dict() == pytest.approx({"o3": 115, "o2": 90, "o4": 70, "o6": 65, "o5": 30, "o1": 0})


def test_line_p_median_by_hand(line):
    _, _, problem = line
    # One new site: every obec goes to the nearer of o1 and the site; o3 minimises the weighted km.
    people = np.array([200, 50, 40, 25, 70, 30])
    km = np.array([0, 8, 12.5, 16, 30, 36])
    by_hand = {site: float(np.sum(people * np.minimum(km, np.abs(km - km[i]))))
               for i, site in enumerate(["o1", "o2", "o3", "o6", "o4", "o5"])}
    best = min(by_hand, key=by_hand.get)
    result = p_median(problem, 1)
    assert list(result["obec_code"]) == [best]
    assert result.attrs["objective"] == pytest.approx(by_hand[best])


def test_candidates_can_be_restricted(line):
    obce, places, _ = line
    problem = siting_problem(obce, places, list(obce["obec_code"]), "65+", catchment=5, candidates=["o2", "o4"])
    assert list(maximal_covering(problem, 1)["obec_code"]) == ["o2"]
    big = candidate_obce(obce, list(obce["obec_code"]), min_population=60, population="65+")
    assert list(big) == ["o1", "o4"]
    with pytest.raises(KpssError, match="not in the territory"):
        candidate_obce(obce, ["o1", "o2"], codes=["o5"])
    with pytest.raises(KpssError, match="whole number of new sites"):
        maximal_covering(problem, 3)


def test_a_cost_function_can_replace_kilometres(line):
    obce, places, problem = line

    def minutes(origins: pd.DataFrame, destinations: pd.DataFrame) -> np.ndarray:
        return straight_km(origins, destinations) * 1.5  # 40 km/h

    timed = siting_problem(obce, places, list(obce["obec_code"]), "65+", catchment=7.5, cost=minutes)
    assert timed.settings["cost"] == "minutes"
    for k in (1, 2):
        assert list(maximal_covering(timed, k)["obec_code"]) == list(maximal_covering(problem, k)["obec_code"])

    def broken(origins, destinations):
        return np.zeros((1, 1))

    with pytest.raises(KpssError, match="expected a finite non-negative array"):
        siting_problem(obce, places, list(obce["obec_code"]), "65+", catchment=5, cost=broken)


@pytest.fixture(scope="module")
def real():
    obce = load_obce()
    places = select_services(load_services().places, "domovy pro seniory")
    return obce, places


@pytest.mark.parametrize("orp", ["ORP Luhačovice", "ORP Valašské Klobouky"])
def test_real_orp_agrees_with_brute_force(real, orp):
    obce, places = real
    problem = siting_problem(obce, places, find_region(orp), "65+", catchment=5)
    assert (~problem.demand["covered"]).any()  # a case with people to cover
    for k in (1, 2):
        best, _ = best_sites_exhaustive(problem, k, "coverage")
        assert maximal_covering(problem, k).attrs["objective"] == pytest.approx(best)
        best_cost, _ = best_sites_exhaustive(problem, k, "median")
        assert p_median(problem, k).attrs["objective"] == pytest.approx(best_cost, rel=1e-9)


def test_spopt_objective_equals_kpss_coverage(real):
    obce, places = real
    region = find_region("ORP Vizovice")
    problem = siting_problem(obce, places, region, "65+", catchment=5)
    before = indicator_basis(obce, places, "65+", radius_km=5)
    # The covered flags are kpss's white-spot rule at the same radius.
    flags = before.obce.set_index("obec_code").loc[problem.demand["obec_code"], "covered"]
    assert (flags.to_numpy() == problem.demand["covered"].to_numpy()).all()
    sites = maximal_covering(problem, 2)
    added = new_places(obce, sites["obec_code"], 30, "pobytová", "lůžka")
    after = indicator_basis(obce, apply_scenario(places, added), "65+", radius_km=5)
    spots_before = aggregate(before, region, None)["population_white_spots"].iloc[0]
    spots_after = aggregate(after, region, None)["population_white_spots"].iloc[0]
    assert spots_before - spots_after == pytest.approx(sites.attrs["objective"])
    assert spots_after == pytest.approx(sites.attrs["population_white_spots_after"])


def test_p_median_refuses_programs_too_large(real):
    obce, places = real
    problem = siting_problem(obce, places, find_region("Zlínský kraj"), "65+", catchment=10)
    with pytest.raises(KpssError, match="restrict the candidates"):
        p_median(problem, 1)


def test_nothing_to_cover_proposes_no_site(line):
    obce, places, _ = line
    covered = siting_problem(obce, places, ["o1"], "65+", catchment=5)
    result = maximal_covering(covered, 1)
    assert result.empty and result.attrs["newly_covered"] == 0

"""open_study: one resolution and one load per analysis, handed to the pure indicator functions."""
from __future__ import annotations

import pandas as pd
import pytest

import kpss_lib as kpss
from kpss_lib import study as studies
from kpss_lib.errors import RegionNotFoundError, UnknownValueError
from kpss_lib.indicators import coverage
from kpss_lib.vocabulary import rejected_line


@pytest.fixture(autouse=True)
def _data(data_dir):
    return data_dir


@pytest.fixture(scope="module")
def zlin(data_dir):
    # straight lines: the figures the pure functions give with their defaults
    return kpss.open_study("Zlínský kraj", level="orp", services="domovy pro seniory", cost="straight")


def _counting(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_a_study_loads_its_inputs_and_computes_its_basis_once(monkeypatch):
    services = _counting(monkeypatch, studies, "load_services")
    obce = _counting(monkeypatch, studies, "load_obce")
    bases = _counting(monkeypatch, studies._coverage, "indicator_basis")
    study = kpss.open_study("ORP Otrokovice", level="obec", services="13, 14")
    kpss.coverage_table(study, total=True)
    kpss.nearest_table(study, geometry=True)
    kpss.white_spots_table(study)
    kpss.coverage_table(study, region="CZ", level="kraj", total=True)
    kpss.with_region(study, "ORP Zlín")
    assert (len(services), len(obce), len(bases)) == (1, 1, 1)


def test_study_tables_are_the_pure_functions_on_its_frames(zlin):
    table = kpss.coverage_table(zlin, total=True)
    direct = coverage.indicator_table(zlin.obce, zlin.places, kpss.find_region("Zlínský kraj"), "orp", "65+",
                                      total=True)
    pd.testing.assert_frame_equal(table, direct, check_exact=True)
    assert len(table) == 14 and table.attrs["region"] == "Zlínský kraj"
    assert table.attrs["population"] == "65+" and table.attrs["selection"] == "domovy pro seniory"


def test_cz_reference_from_the_same_basis_covers_the_whole_population(data_dir):
    study = kpss.open_study("Zlínský kraj", services="13", population="total", catchment_km=None)
    cz = kpss.coverage_table(study, region="CZ", level="kraj", total=True)
    assert len(cz) == 15 and cz["pop_total"].iloc[-1] == 10_701_777 and cz["population"].iloc[-1] == 10_701_777
    obce = kpss.coverage_table(study, level="obec")
    assert len(obce) == 307


def test_with_region_keeps_the_selection_and_the_basis(zlin):
    zlin.basis  # noqa: B018  computed once, reused by the other region
    jmk = kpss.with_region(zlin, "Jihomoravský kraj")
    assert jmk.basis is zlin.basis and jmk.places is zlin.places
    assert jmk.region.name == "Jihomoravský kraj" and len(kpss.coverage_table(jmk)) == 21


def test_a_comparison_study_lists_the_units_within(data_dir):
    study = kpss.open_study(regions="ORP Otrokovice; Otrokovicko", within="Zlínský kraj", level="orp",
                            services="13")
    assert len(study.regions) == 2 + 13 and study.region is None
    table = kpss.compare_table(study)
    assert table["region_name"].iloc[:2].tolist() == ["Otrokovice", "Otrokovicko"]
    assert table.attrs["region"] == "Zlínský kraj"
    shapes = kpss.region_geometries(study)
    assert len(shapes) == 15 and shapes.crs.to_epsg() == 4326


@pytest.mark.parametrize("arguments, error, message", [
    ({"region": "Zlínsky krj"}, RegionNotFoundError, "Zlínský kraj (kraj CZ072)"),
    ({"region": "Zlínský kraj", "level": "county"}, UnknownValueError, "parametr level='county': expected one of"),
    ({"region": "Zlínský kraj", "radius_km": -1.0}, UnknownValueError, "parametr radius_km"),
    ({"region": "Zlínský kraj", "catchment_km": "daleko"}, UnknownValueError, "parametr catchment_km"),
    ({"region": "Zlínský kraj", "terrain_attribution": "all"}, UnknownValueError, "terrain_attribution='all'"),
    ({"region": "Zlínský kraj", "population": "65-"}, UnknownValueError, "65+"),
    ({"region": "Zlínský kraj", "services": "domov"}, UnknownValueError, "ambiguous"),
    ({"regions": "", "within": ""}, UnknownValueError, "regions/within"),
    ({"regions": [7205]}, UnknownValueError, "parametr regions=[7205]: expected a list of names"),
    ({"region": "Zlínský kraj", "services_file": []}, UnknownValueError, "services_file: the list is empty"),
])
def test_bad_values_fail_before_any_work_naming_the_parameter(arguments, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")
                       .replace("[", r"\[").replace("]", r"\]")):
        kpss.open_study(what="parametr", **arguments)


def test_an_unknown_setting_is_a_type_error():
    with pytest.raises(TypeError, match="radius"):
        kpss.open_study("Zlínský kraj", radius=5)


def test_rejected_records_travel_with_the_study(zlin):
    assert len(zlin.rejected) == 59 and set(zlin.rejected.columns) >= {"file", "record", "column", "reason"}
    line = rejected_line(zlin.rejected)
    assert line.startswith("vyřazeno 59 záznamů vstupu služeb")

"""Territory on the real data: counts, population totals, lookups, micro-regions, cache."""
from __future__ import annotations

import os
import shutil

import pytest

from kpss_lib.errors import ConfigError, DataFileError, RegionNotFoundError
from kpss_lib.load import territory as t


@pytest.fixture(scope="module")
def obce():
    return t.load_obce()


def test_counts_match_the_official_figures(obce):
    assert len(obce) == 6258
    assert obce["orp_code"].nunique() == 206
    assert obce["okres_code"].nunique() == 77
    assert obce["kraj_code"].nunique() == 14
    assert len(t.load_orp()) == 206
    assert len(t.load_okresy()) == 77
    assert len(t.load_kraje()) == 14


def test_population_of_cz_and_of_known_obce(obce):
    assert obce["pop_total"].sum() == 10_701_777
    assert obce["pop_0_14"].sum() == 1_719_741
    assert obce["pop_15_64"].sum() == 6_823_714
    assert obce["pop_65_plus"].sum() == 2_158_322
    by_code = obce.set_index("obec_code")["pop_total"]
    assert by_code["585599"] == 17_592  # Otrokovice
    assert by_code["585068"] == 74_478  # Zlín
    assert by_code["588296"] == 28_360  # Kroměříž


def test_five_year_groups_add_up_to_the_total(obce):
    five_year = [f"pop_{g}" for g in t.FIVE_YEAR_GROUPS]
    assert (obce[five_year].sum(axis=1) == obce["pop_total"]).all()
    assert (obce[["pop_80_84", "pop_85_plus"]].sum(axis=1) == obce["pop_80_plus"]).all()


@pytest.mark.parametrize("level", ["orp", "okres", "kraj"])
def test_population_aggregates_equal_the_sum_of_obce(obce, level):
    units = t.load_level(level).set_index(f"{level}_code")
    expected = obce.groupby(f"{level}_code")[t.POPULATION_COLUMNS].sum()
    assert (units[t.POPULATION_COLUMNS].sort_index() == expected.sort_index()).all().all()
    assert units["pop_total"].sum() == 10_701_777


def test_zlinsky_and_jihomoravsky_kraj():
    zlin = t.find_region("Zlínský kraj")
    assert len(zlin.obce) == 307
    assert len(t.units_of(zlin, "orp")) == 13
    jmk = t.find_region("CZ064")
    assert len(jmk.obce) == 673
    assert len(t.units_of(jmk, "orp")) == 21
    kraje = t.load_kraje().set_index("kraj_code")
    assert kraje.loc["CZ072", "n_orp"] == 13 and kraje.loc["CZ072", "n_obce"] == 307


def test_orp_otrokovice_and_turnov_spanning_three_okresy():
    otrokovice = t.find_region("7205")
    assert (otrokovice.level, otrokovice.name, len(otrokovice.obce)) == ("orp", "Otrokovice", 10)
    orp = t.load_orp().set_index("orp_code")
    assert orp.loc["5109", "okres_codes"] == "CZ0512;CZ0513;CZ0514"


@pytest.mark.parametrize("query, level, code", [
    ("7205", "orp", "7205"),
    ("ORP Otrokovice", "orp", "7205"),
    ("obec otrokovice", "obec", "585599"),
    ("585599", "obec", "585599"),
    ("CZ072", "kraj", "CZ072"),
    ("Zlínský kraj", "kraj", "CZ072"),
    ("zlinsky kraj", "kraj", "CZ072"),
    ("  ZLÍNSKÝ   KRAJ ", "kraj", "CZ072"),
    ("3131", "kraj", "CZ072"),
    ("CZ0724", "okres", "CZ0724"),
    ("CZ", "cz", "CZ"),
])
def test_lookup_by_code_or_name(query, level, code):
    region = t.find_region(query)
    assert (region.level, region.code) == (level, code)


def test_lookup_with_level_resolves_a_shared_name():
    assert t.find_region("Otrokovice", level="orp").code == "7205"
    assert t.find_region("otrokovice", level="obec").code == "585599"


def test_ambiguous_name_lists_candidates_with_level_and_code():
    with pytest.raises(RegionNotFoundError, match=r"ambiguous.*ORP 7205.*obec 585599"):
        t.find_region("Otrokovice")
    with pytest.raises(RegionNotFoundError, match="Lhota") as info:
        t.find_region("Lhota")
    assert len(info.value.candidates) >= 2
    assert all("obec" in c for c in info.value.candidates)


def test_unknown_name_lists_closest_candidates():
    with pytest.raises(RegionNotFoundError, match=r"Closest: Zlínský kraj \(kraj CZ072\)"):
        t.find_region("Zlinsky kraaj")


def test_micro_region_from_the_project_data_and_ad_hoc():
    otrokovicko = t.find_region("Otrokovicko")
    assert otrokovicko.level == "mikroregion"
    assert len(otrokovicko.obce) == 9
    assert "588814" in otrokovicko.obce  # Nová Dědina lies in ORP Kroměříž
    ad_hoc = t.micro_region("Test", ["Otrokovice", "585513"])  # names resolve at obec level
    assert ad_hoc.obce == ("585513", "585599")
    assert t.region_population(ad_hoc)["pop_total"] == 17_592 + t.region_obce("585513")["pop_total"].sum()
    with pytest.raises(RegionNotFoundError, match="Lhota"):
        t.micro_region("Bad", ["Lhota"])


def test_missing_data_dir_names_the_setting(monkeypatch):
    monkeypatch.delenv("KPSS_DATA_DIR")
    with pytest.raises(ConfigError, match="KPSS_DATA_DIR is not set.*obce_hierarchie.csv"):
        t.load_obce()


def test_missing_file_names_the_file_and_where_to_get_it(monkeypatch, tmp_path, data_dir):
    shutil.copy(data_dir / "obce_hierarchie.csv", tmp_path)
    monkeypatch.setenv("KPSS_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"obyvatelstvo_obce_2020.csv.*missing.*ČSÚ"):
        t.load_obce()


def test_missing_column_and_bad_code_name_file_row_column(tmp_path, data_dir):
    lines = (data_dir / "obce_hierarchie.csv").read_text(encoding="utf-8").splitlines()
    no_column = tmp_path / "no_column.csv"
    no_column.write_text("\n".join(l.split(",", 1)[1] for l in lines[:5]), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"no_column.csv: missing column\(s\) KOD_OBEC"):
        t.read_hierarchy(no_column)
    bad = tmp_path / "bad_code.csv"
    broken = lines[3].replace(lines[3].split(",")[0], "12AB", 1)
    bad.write_text("\n".join(lines[:3] + [broken] + lines[4:10]), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad_code.csv, row 4, column 'KOD_OBEC': malformed code.*got '12AB'"):
        t.read_hierarchy(bad)


def test_population_groups_must_add_up(tmp_path, data_dir):
    lines = (data_dir / "obyvatelstvo_obce_2020.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("celkem")] = str(int(row[header.index("celkem")]) + 1)
    path = tmp_path / "pop.csv"
    path.write_text("\n".join([lines[0], ",".join(row)]), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"pop.csv, row 2, column 'celkem': age groups do not add up"):
        t.read_population(path)


def test_cache_is_keyed_by_content_and_never_stale(monkeypatch, tmp_path, data_dir):
    for name in ("obce_hierarchie.csv", "obyvatelstvo_obce_2020.csv", "obce_polygony.geojson"):
        shutil.copy(data_dir / name, tmp_path)
    monkeypatch.setenv("KPSS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KPSS_CACHE_DIR", str(tmp_path / "cache"))
    first = t.load_obce()
    assert len(list((tmp_path / "cache").glob("obce-*.parquet"))) == 1
    again = t.load_obce()
    assert again.equals(first)
    # Change one population figure: the next load must see it, not the cached table.
    path = tmp_path / "obyvatelstvo_obce_2020.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    for column in ("celkem", "v15_64", "v15_19"):
        row[header.index(column)] = str(int(row[header.index(column)]) + 1000)
    lines[1] = ",".join(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.utime(path, ns=(0, 0))  # the key is the content, not the mtime
    changed = t.load_obce()
    assert changed["pop_total"].sum() == 10_701_777 + 1000
    assert len(list((tmp_path / "cache").glob("obce-*.parquet"))) == 1  # the stale entry is gone


def test_invalid_geometry_is_repaired_and_reported(monkeypatch, tmp_path, data_dir):
    import json

    from kpss_lib.errors import GeometryRepairedWarning

    for name in ("obce_hierarchie.csv", "obyvatelstvo_obce_2020.csv"):
        shutil.copy(data_dir / name, tmp_path)
    collection = json.loads((data_dir / "obce_polygony.geojson").read_text(encoding="utf-8"))
    feature = next(f for f in collection["features"] if f["properties"]["KOD_OBEC"] == "585599")
    # A bow-tie: the ring crosses itself, as hand-edited boundaries sometimes do.
    feature["geometry"] = {"type": "Polygon", "coordinates": [[[17.50, 49.20], [17.55, 49.25], [17.55, 49.20],
                                                               [17.50, 49.25], [17.50, 49.20]]]}
    (tmp_path / "obce_polygony.geojson").write_text(json.dumps(collection), encoding="utf-8")
    monkeypatch.setenv("KPSS_DATA_DIR", str(tmp_path))
    with pytest.warns(GeometryRepairedWarning, match=r"obce_polygony.geojson: repaired 1 invalid geometry.*585599"):
        obce = t.load_obce(use_cache=False)
    assert obce.geometry.is_valid.all()


def test_every_orp_code_resolves_to_its_orp_even_where_a_kraj_code_is_equal():
    orp = t.load_orp()
    for code in orp["orp_code"]:
        assert t.find_region(code).code == code
    assert t.find_region("3107").level == "orp"  # 3107 is also a ČSÚ kraj-level code


@pytest.mark.parametrize("query", [["585599", "Napajedla"], "585599, Napajedla", "585599;585513"])
def test_a_list_of_obce_is_an_ad_hoc_micro_region(query):
    region = t.find_region(query)
    assert region.level == "mikroregion" and region.name == t.AD_HOC_NAME
    assert region.obce == ("585513", "585599")


def test_an_ad_hoc_micro_region_with_an_ambiguous_member_lists_candidates():
    with pytest.raises(RegionNotFoundError, match="Lhota"):
        t.find_region("585599, Lhota")


def test_a_caller_changing_a_loaded_table_does_not_change_the_next_load():
    first = t.load_obce()
    first.loc[0, "pop_total"] = -1
    first["x"] = 0.0
    again = t.load_obce()
    assert again.loc[0, "pop_total"] >= 0 and (again["x"] != 0).all()

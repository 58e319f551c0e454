"""Social services: the real catalogue, the rpss.json format, analysts' templates, rejections."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpss_lib.errors import DataFileError, UnknownValueError
from kpss_lib.load import services as s
from kpss_lib.load import supply

FIXTURES = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def catalogue():
    return s.load_services()


def test_code_list_covers_every_kind_of_the_act_and_every_mpsv_code():
    types = s.service_types()
    # 34 MPSV kinds + základní sociální poradenství (§ 37/2, not registered on its own).
    assert len(types) == 35 and (types["mpsv_code"] != "").sum() == 34
    assert types.loc[types["type_code"] != "35", "paragraph"].str.startswith("§").all()
    assert set(types["category"]) == set(s.CATEGORIES)
    dps = types.set_index("type_name").loc["domovy pro seniory"]
    assert (dps["paragraph"], dps["type_code"], dps["default_population"]) == ("§ 49", "13", "65+")


def test_the_code_list_is_read_once_and_again_when_it_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import os

    copy = tmp_path / "service_types.csv"
    copy.write_bytes(s.SERVICE_TYPES_FILE.read_bytes())
    monkeypatch.setattr(s, "SERVICE_TYPES_FILE", copy)
    first = s.service_types()
    first.loc[0, "type_name"] = "změněno volajícím"  # a caller's copy: the next caller sees the file
    assert s.service_types().loc[0, "type_name"] != "změněno volajícím"
    reads = []
    monkeypatch.setattr(s.pd, "read_csv", lambda *a, **k: reads.append(a) or pd.DataFrame())
    s.service_types()
    assert reads == []  # remembered
    monkeypatch.undo()
    monkeypatch.setattr(s, "SERVICE_TYPES_FILE", copy)
    text = copy.read_text(encoding="utf-8").replace("domovy pro seniory", "domovy pro seniory (upraveno)")
    copy.write_text(text, encoding="utf-8")
    os.utime(copy, ns=(1, 1))  # an edit is seen whatever its time stamp says, as long as the size or time differs
    assert "domovy pro seniory (upraveno)" in set(s.service_types()["type_name"])
    assert s.service_type_names()[s.normalize_name("domovy pro seniory (upraveno)")] == "13"


def _full_code_list():
    from kpss_lib.config import input_path

    return pd.read_csv(input_path("mpsv_ciselnik_druhy_socialnich_sluzeb.csv"), dtype=str)


def test_every_mpsv_kind_resolves_by_code_by_id_and_by_its_name():
    full = _full_code_list()
    assert len(full) == 34
    ours = s.service_types().set_index("type_code")["type_name"]
    for code, mpsv_id, name in zip(full["kod"], full["mpsv_id"], full["nazev"]):
        assert ours[code] == name
        assert s.resolve_service_type(code)["type_code"] == code
        assert s.resolve_service_type(mpsv_id)["type_code"] == code
        assert s.resolve_service_type(name.upper())["type_code"] == code


def test_the_partial_code_list_still_agrees():
    from kpss_lib.config import input_path

    partial = pd.read_csv(input_path("mpsv_druhy_socialnich_sluzeb_castecny.csv"), dtype=str)
    ours = s.service_types().set_index("type_code")["type_name"]
    for mpsv_id, name in zip(partial["mpsv_id"], partial["nazev"]):
        assert ours[mpsv_id.split("/")[1]] == name


@pytest.mark.parametrize(("old_name", "code"), [
    ("sociální služby poskytované ve zdravotnických zařízeních ústavní péče", "16"),
    ("centra duševního zdraví", "35"), ("NZDM", "25")])
def test_old_names_are_aliases(old_name, code):
    assert s.resolve_service_type(old_name)["type_code"] == code
    assert s.service_type_names()[s.normalize_name(old_name)] == code


@pytest.mark.parametrize("value", ["13", "§ 49", "49", "Domovy pro seniory", "domovy pro senioru"[:-1] + "y"])
def test_resolve_service_type(value):
    assert s.resolve_service_type(value)["type_code"] == "13"


def test_unknown_service_type_lists_closest_names():
    with pytest.raises(UnknownValueError, match="closest: domovy pro seniory"):
        s.resolve_service_type("domov pro senory")


def test_catalogue_loads_with_every_service_accounted_for(catalogue, data_dir):
    raw = pd.read_csv(data_dir / s.CATALOGUE_FILE, dtype=str)
    # Every source row is either a loaded place or a reported rejection.
    assert len(catalogue.places) + len(catalogue.rejected) == len(raw)
    loaded = set(catalogue.services["service_id"])
    rejected_only = set(raw["sluzba_id"]) - loaded
    assert len(loaded) + len(rejected_only) == raw["sluzba_id"].nunique() == 2224
    assert rejected_only  # services whose every place has no address
    assert set(catalogue.rejected["reason"].str.split(" ").str[0]) <= {"unknown", "duplicate"}
    no_obec = raw["kod_obce"].isna().sum()
    assert (catalogue.rejected["column"] == "obec_code").sum() == no_obec


def test_catalogue_is_tidy_one_row_per_service_form_and_unit(catalogue):
    services = catalogue.services
    assert not services.duplicated(["service_id", "form", "capacity_unit"]).any()
    assert set(services["form"]) == {"pobytová", "ambulantní", "terénní"}
    assert set(services["capacity_unit"]) <= set(s.CAPACITY_UNITS.values())
    assert services["provider_ico"].str.fullmatch(r"\d{8}").all()
    assert services["kraj_code"].nunique() == 14
    assert services[["orp_code", "okres_code", "kraj_code", "x", "y"]].notna().all().all()


def test_capacity_shares_never_double_count(catalogue, data_dir):
    raw = pd.read_csv(data_dir / s.CATALOGUE_FILE, dtype=str).dropna(subset=["kod_obce"])
    raw["kapacita_pocet"] = raw["kapacita_pocet"].astype(float)
    distinct = raw.drop_duplicates(["sluzba_id", "forma", "kapacita_typ"])
    beds = distinct[(distinct["druh_kod"] == "13") & (distinct["kapacita_typ"] == "luzka")]["kapacita_pocet"].sum()
    places = catalogue.places
    beds_from_places = places[(places["type_code"] == "13") & (places["capacity_unit"] == "lůžka")]["capacity_share"].sum()
    assert beds_from_places == pytest.approx(beds)
    # Naively summing rows would double-count services listed at several places.
    assert raw[(raw["druh_kod"] == "13") & (raw["kapacita_typ"] == "luzka")]["kapacita_pocet"].sum() > beds


def test_far_point_falls_back_to_the_obec(catalogue):
    far = catalogue.places[catalogue.places["place_id"] == "misto-80000606"]
    assert not far.empty and (far["point_source"] == "obec").all()


@pytest.fixture(scope="module")
def rpss():
    return s.standardize(s.read_rpss_json(FIXTURES / "rpss_small.json"))


def test_rpss_json_reads_forms_units_and_facilities(rpss):
    services = rpss.services.set_index(["service_id", "form", "capacity_unit"])
    assert services.loc[("mpsv-101", "pobytová", "lůžka"), "capacity"] == 120
    assert services.loc[("mpsv-102", "terénní", "klienti"), "capacity"] == 40
    assert services.loc[("mpsv-102", "terénní", "intervence"), "capacity"] == 900
    assert services.loc[("mpsv-102", "ambulantní", "klienti"), "capacity"] == 10
    assert services.loc[("mpsv-102", "terénní", "klienti"), "target_groups"] == "senioři;pečující osoby"
    places = rpss.places[rpss.places["service_id"] == "mpsv-102"]
    assert sorted(places["obec_code"].unique()) == ["585513", "585599"]
    assert places.groupby(["form", "capacity_unit"])["capacity_share"].sum().to_dict() == {
        ("ambulantní", "klienti"): 10, ("terénní", "intervence"): 900, ("terénní", "klienti"): 40}
    assert (rpss.places["point_source"] == "obec").all()  # the file has no coordinates
    assert services.loc[("mpsv-107", "terénní", "klienti"), "provider_ico"] == "03017621"


def test_rpss_rejections_are_reported_with_file_record_and_reason(rpss):
    rejected = rpss.rejected
    assert set(rejected["file"]) == {"rpss_small.json"}
    by_reason = rejected.groupby("column")["record"].apply(list).to_dict()
    assert any("id 103" in r for r in by_reason["capacity"])
    assert any("id 104" in r for r in by_reason["obec_code"])
    assert any("id 105" in r for r in by_reason["type_code"])
    assert any("polozky[5]" in r for r in by_reason["service_id"])
    assert set(rpss.services["service_id"]) == {"mpsv-101", "mpsv-102", "mpsv-107"}


def test_personal_data_never_leaves_the_reader(rpss):
    raw = s.read_rpss_json(FIXTURES / "rpss_small.json")
    for frame in (raw, rpss.services, rpss.places, rpss.rejected):
        text = frame.astype(str).to_csv()
        assert "Soukromý-Statutár" not in text and "Tajná-Vedoucí" not in text
        assert "mpsv.cz/priloha" not in text


def test_rpss_json_that_is_not_the_format(tmp_path):
    path = tmp_path / "rpss.json"
    path.write_text('{"items": []}', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"rpss.json, column 'polozky': no list of services"):
        s.read_rpss_json(path)
    path.write_text('{"polozky": [', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"rpss.json, row 1: not valid JSON"):
        s.read_rpss_json(path)


def test_template_round_trip_in_czech_excel_csv(tmp_path):
    template = s.write_services_template(tmp_path / "sluzby.csv")
    frame = pd.read_csv(template, dtype=str, sep=";", encoding="utf-8-sig")
    assert list(frame.columns) == list(s.TEMPLATE_COLUMNS) and frame.empty  # no example row to load by mistake
    # An analyst fills it in Czech Excel and saves "CSV (oddělený středníkem)": cp1250, ';', decimal comma.
    text = (";".join(s.TEMPLATE_COLUMNS) + "\n"
            + "vlastni-1;Noclehárna pro muže;Naděje;00570931;§ 63;pobytová;5;lůžka;585599;Otrokovice;;;1. 1. 2027;;plánovaná\n"
            + "vlastni-2;Denní stacionář;Charita;44017791;denní stacionáře;ambulantní;12,5;klienti;585513;;49,2;17,5;2027-01-01;;plánovaná\n"
            + "vlastni-3;Bez obce;Charita;44017791;13;pobytová;10;lůžka;;;;;;;\n")
    path = tmp_path / "vlastni.csv"
    path.write_bytes(text.encode("cp1250"))
    data = s.load_services(path, use_cache=False)
    services = data.services.set_index("service_id")
    assert services.loc["vlastni-1", "type_name"] == "noclehárny"
    assert services.loc["vlastni-1", "date_from"] == pd.Timestamp("2027-01-01")
    assert services.loc["vlastni-2", "capacity"] == 12.5
    # Coordinates with a decimal comma are read (they used to be dropped): 49,2/17,5 lies
    # about 3 km from Napajedla's definition point, within MAX_POINT_OFFSET_KM.
    assert services.loc["vlastni-2", ["lat", "lon", "point_source"]].tolist() == [49.2, 17.5, "adresa"]
    assert services.loc["vlastni-1", "status"] == "plánovaná"
    assert data.rejected["record"].str.contains("vlastni-3").all()
    assert "row 4" in data.rejected.iloc[0]["record"]


def test_template_xlsx_round_trip(tmp_path):
    path = s.write_services_template(tmp_path / "sluzby.xlsx", example=True)
    data = s.load_services(path, use_cache=False)
    assert data.services.loc[0, "type_name"] == "odlehčovací služby"
    assert data.services.loc[0, "status"] == "plánovaná"
    assert data.rejected.empty


def test_template_bad_status_and_reversed_dates_are_rejected(tmp_path):
    path = tmp_path / "vlastni.csv"
    header = ";".join(s.TEMPLATE_COLUMNS)
    rows = [
        "v1;Služba;Charita;46276262;13;pobytová;10;lůžka;585599;;;;2026-01-01;;nesmysl",
        "v2;Služba;Charita;46276262;13;pobytová;10;lůžka;585599;;;;2026-01-01;2025-01-01;plánovaná",
        "v3;Služba;Charita;46276262;13;pobytová;10;lůžka;585599;;;;2026-01-01;;Plánovaná",
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    data = s.load_services(path, use_cache=False)
    assert list(data.services["service_id"]) == ["v3"]
    reasons = dict(zip(data.rejected["column"], data.rejected["record"]))
    assert "v1" in reasons["status"] and "v2" in reasons["date_to"]


def test_register_plus_an_analysts_own_list(tmp_path, catalogue):
    own = tmp_path / "vlastni.csv"
    own.write_text(";".join(s.TEMPLATE_COLUMNS) + "\n"
                   + "vlastni-1;Noclehárna;Naděje;00570931;§ 63;pobytová;5;lůžka;585599;;;;2027-01-01;;plánovaná\n",
                   encoding="utf-8")
    both = s.load_services([None, own])
    assert len(both.services) == len(catalogue.services) + 1
    assert both.services.set_index("service_id").loc["vlastni-1", "status"] == "plánovaná"


def test_template_missing_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id_sluzby,nazev_sluzby\n1,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad.csv: missing column\(s\) 'poskytovatel'"):
        s.load_services(path, use_cache=False)


def test_combining_sources_refuses_colliding_ids(catalogue):
    with pytest.raises(DataFileError, match="same service id"):
        s.combine(catalogue, catalogue)


def test_rpss_territorial_scope_is_mapped_to_csu_orp_codes(rpss):
    # The fixture's scope names ORP Otrokovice by its RÚIAN code 1431, as MPSV code lists do.
    assert set(rpss.services["scope_orp_codes"].dropna()) == {"7205"}


# --------------------------------------------------------------------------- capacity never lost, never stale

UNPLACED_DS = {"mpsv-5473", "mpsv-6600", "mpsv-7123", "mpsv-2184", "mpsv-2291", "mpsv-4965", "mpsv-7110",
               "mpsv-7459"}


def test_cz_beds_of_domovy_pro_seniory_counted_once_include_the_unplaced(catalogue, data_dir):
    total = supply.capacity_total(catalogue, ["13"], "lůžka").set_index("form").loc["pobytová"]
    assert (total["placed"], total["unplaced"], total["total"]) == (34330, 499, 34829)
    assert total["n_unplaced_services"] == 8 and "499" in total["note"]
    # The same, from the raw file: each (service, form, unit) once, whatever its places.
    raw = pd.read_csv(data_dir / s.CATALOGUE_FILE, dtype=str).drop_duplicates(["sluzba_id", "forma", "kapacita_typ"])
    beds = raw[(raw["druh_kod"] == "13") & (raw["kapacita_typ"] == "luzka")]["kapacita_pocet"].astype(float)
    assert total["total"] == beds.sum()
    unplaced = catalogue.unplaced()
    ds = unplaced[(unplaced["type_code"] == "13") & (unplaced["capacity_unit"] == "lůžka")]
    assert set(ds["service_id"]) == UNPLACED_DS
    # Three of them belong to providers whose other services all lie in Moravskoslezský kraj.
    msk = ds[ds["kraj_code"] == "CZ080"]
    assert set(msk["service_id"]) == {"mpsv-6600", "mpsv-2184", "mpsv-2291"} and msk["capacity"].sum() == 296
    assert set(msk["kraj_source"]) == {"poskytovatel"}
    assert supply.capacity_total(catalogue, ["13"], "lůžka", kraj_code="CZ080")["unplaced"].sum() == 296


def test_rejected_records_carry_their_capacity_and_say_whether_it_moved(catalogue):
    rejected = catalogue.rejected
    assert set(s.REJECTED_CARRIED) <= set(rejected.columns)
    assert rejected["service_id"].notna().all() and set(rejected["capacity_fate"]) == {"moved", "lost"}
    row = rejected[(rejected["service_id"] == "mpsv-2291")].iloc[0]
    assert (row["type_code"], row["form"], row["capacity_unit"], row["capacity"], row["capacity_fate"]) == (
        "13", "pobytová", "lůžka", 212, "lost")
    # A place without an address whose service keeps another place: the capacity moved, it is counted there.
    moved = rejected[rejected["capacity_fate"] == "moved"]
    kept = set(zip(catalogue.services["service_id"], catalogue.services["form"], catalogue.services["capacity_unit"]))
    assert len(moved) and all(k in kept for k in zip(moved["service_id"], moved["form"], moved["capacity_unit"]))
    lost = rejected[rejected["capacity_fate"] == "lost"]
    assert not any(k in kept for k in zip(lost["service_id"], lost["form"], lost["capacity_unit"]))


def test_ended_services_are_not_current_supply(catalogue):
    assert catalogue.data_date == pd.Timestamp("2026-09-04") and catalogue.reference_date is None
    current = catalogue.on()
    assert current.reference_date == catalogue.data_date
    excluded = current.excluded
    assert len(excluded.drop_duplicates("service_id")) == 8
    assert (excluded["date_to"].dt.year == 2012).all() and excluded["reason"].str.startswith("ukončena").all()
    liberec = excluded[(excluded["orp_code"] == "5105") & (excluded["type_code"] == "4")]
    assert liberec["service_id"].tolist() == ["mpsv-3955"]
    assert liberec.iloc[0]["date_to"] == pd.Timestamp("2012-07-31")
    assert "mpsv-3955" in set(catalogue.places["service_id"])
    assert "mpsv-3955" not in set(current.places["service_id"])
    assert len(current.services) + len(excluded) == len(catalogue.services)
    # A date before 2012-07-31 keeps it; a date before a service started excludes it as not yet started.
    assert "mpsv-3955" in set(catalogue.on("2012-07-31").services["service_id"])
    early = catalogue.on("1. 1. 2000").excluded
    assert early["reason"].str.startswith("zahájena").any()


def test_reference_date_is_required_when_the_input_has_none(rpss):
    with pytest.raises(UnknownValueError, match="no reference date"):
        rpss.on()
    assert rpss.on("2026-09-04").reference_date == pd.Timestamp("2026-09-04")
    with pytest.raises(UnknownValueError, match="expected YYYY-MM-DD"):
        rpss.on("zítra")


def test_population_and_services_dates_are_both_stated_when_far_apart():
    note = supply.dates_note(pd.Timestamp("2026-09-04"), supply.population_date())
    assert "4. 9. 2026" in note and "31. 12. 2020" in note
    assert supply.dates_note(pd.Timestamp("2021-06-30"), supply.population_date()) is None
    assert supply.dates_note(None, supply.population_date()) is None

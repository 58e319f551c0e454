"""Selecting services by kind, category, form, target group and capacity unit."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpss_lib.errors import KpssError, UnknownValueError
from kpss_lib.indicators.selection import (
    Selection,
    default_population,
    resolve_forms,
    resolve_types,
    select_services,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def places():
    return pd.read_csv(DATA / "coverage_places.csv", dtype={"type_code": str, "provider_ico": str})


@pytest.fixture(scope="module")
def real_places(data_dir):
    from kpss_lib.load.services import load_services

    return load_services().places


@pytest.mark.parametrize("value", ["13", 13, "domovy pro seniory", "Domovy pro seniory", "domov pro seniory",
                                   "§ 49", "§49", "49", "DruhSocialniSluzby/13"])
def test_kind_by_code_name_or_paragraph(places, value):
    chosen = select_services(places, types=value)
    assert set(chosen["service_id"]) == {"s1", "s2"}
    assert chosen.attrs["selection"] == "domovy pro seniory"


def test_filters_combine_with_and_values_with_or(places):
    assert set(select_services(places, types=["13", "pečovatelská"])["service_id"]) == {"s1", "s2", "s3"}
    terrain = select_services(places, forms="terenni")
    assert terrain["service_id"].tolist() == ["s3"]
    assert len(select_services(places, types="13", forms=["pob", "amb"])) == 4
    beds = select_services(places, types="13", capacity_units="beds")
    assert beds["capacity_unit"].unique().tolist() == ["lůžka"]
    assert select_services(places, types="13", forms="terénní").empty
    assert len(select_services(places, categories="péče")) == 5
    assert select_services(places, categories="prevence").empty
    disabled = select_services(places, target_groups="osoby se zdravotním postižením")
    assert disabled["service_id"].tolist() == ["s3"]  # a service matches when any of its groups does
    assert chosen_description(places) == "domovy pro seniory; forma pobytová; kapacita v jednotkách lůžka"


def chosen_description(places: pd.DataFrame) -> str:
    return select_services(places, types="13", forms="pobytová", capacity_units="lůžka").attrs["selection"]


def test_selection_keeps_rows_and_index(places):
    chosen = select_services(places, types="4")
    pd.testing.assert_frame_equal(chosen, places.loc[[4]])
    assert len(select_services(places)) == len(places)


def test_unknown_names_fail_with_closest_names(places):
    with pytest.raises(UnknownValueError, match="closest: domovy pro seniory"):
        select_services(places, types="domovi pro senory")
    with pytest.raises(UnknownValueError, match="ambiguous.*domovy pro seniory"):
        select_services(places, types="domov")
    with pytest.raises(UnknownValueError, match="valid values: pobytová, ambulantní, terénní"):
        select_services(places, forms="domácí")
    with pytest.raises(UnknownValueError, match="closest: služby sociální péče"):
        select_services(places, categories="sluzby socialni pece x")
    with pytest.raises(UnknownValueError, match="closest: senioři"):
        select_services(places, target_groups="seniori a")
    with pytest.raises(UnknownValueError, match="lůžka, klienti"):
        select_services(places, capacity_units="postele")
    with pytest.raises(KpssError, match="missing column"):
        select_services(places.drop(columns="form"), types="13")


def test_kind_known_in_law_but_absent_gives_empty_selection(real_places):
    assert select_services(real_places, types="azylové domy").empty
    assert resolve_types("azylové domy")["paragraph"].tolist() == ["§ 57"]


def test_real_catalogue_selection_counts(real_places, data_dir):
    raw = pd.read_csv(data_dir / "socialni_sluzby_seniori_2026-09.csv", dtype=str)
    homes = select_services(real_places, types="domovy pro seniory")
    assert (homes["type_code"] == "13").all()
    loaded = real_places[real_places["type_code"] == "13"]["service_id"].nunique()
    assert homes["service_id"].nunique() == loaded
    assert loaded <= raw.loc[raw["druh_kod"] == "13", "sluzba_id"].nunique()
    terrain_care = select_services(real_places, types="pečovatelská služba", forms="terénní")
    assert not terrain_care.empty and set(terrain_care["form"]) == {"terénní"}


def test_default_population_follows_the_kind():
    assert default_population("domovy pro seniory") == "65+"
    assert default_population(["13", "14"]) == "65+"
    assert default_population(["13", "osobní asistence"]) == "total"
    assert default_population(None) == "total"
    assert default_population("raná péče") == "0-14"


def test_selection_value_object(places):
    chosen = Selection.of(["13"], forms="pobytová")
    assert chosen == Selection(types=("13",), forms=("pobytová",))
    assert chosen.apply(places)["form"].unique().tolist() == ["pobytová"]
    assert chosen.describe() == "domovy pro seniory; forma pobytová"
    assert chosen.default_population() == "65+"
    assert Selection.of(chosen) is chosen
    assert Selection().describe() == "všechny služby"
    assert resolve_forms(["ter", "Terénní"]) == ["terénní"]

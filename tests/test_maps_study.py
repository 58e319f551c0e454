"""Maps of a study: Czech indicator names, 2SFCA and travel bands from ``kpss map``, fixed bands by hand,
folium.Icon markers embedded, and a maps package that only draws."""
from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from kpss_lib import maps, vocabulary
from kpss_lib.cli import main as kpss_main
from kpss_lib.errors import UnknownValueError
from kpss_lib.load.territory import load_obce
from kpss_lib.mapio import map_html
from kpss_lib.study import nearest_table, open_study
from kpss_lib.study_maps import study_map

NBSP = "\u00a0"
ASSET_LOAD = re.compile(r"<script[^>]*\ssrc=|<link[^>]*\shref=|url\(\s*['\"]?https?:", re.IGNORECASE)


def _legend_rows(page: str) -> list[tuple[str, int]]:
    """(text, count) of each legend row of the first legend on a page (its HTML is a JSON string)."""
    page = (page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
            .replace('\\"', '"').replace("\\u2013", "\u2013"))
    legend = page.split('class="kpss-legend-title"', 1)[1].split("</table>", 1)[0]
    return [(text, int(n)) for text, n in re.findall(r'</span></td><td>([^<]*)</td><td class="kpss-n">\((\d+)\)', legend)]


def _row_texts(page: str, name: str, code: str) -> list[str]:
    """The tooltip texts of one unit in a choropleth payload: name, code, value, extra rows."""
    match = re.search(r'\[\d+,(\[' + re.escape(json.dumps(name, ensure_ascii=False)) + r',"' + code + r'",[^\]]*\])', page)
    assert match, f"{name} ({code}) is not on the page"
    return json.loads(match.group(1))


def _czech_float(text: str) -> float:
    return float(text.replace(NBSP, "").replace("\u2212", "-").replace(",", "."))


# ----------------------------------------------------------------------------- names

@pytest.mark.parametrize("name, key", [
    ("dostupnost 2SFCA", "access_per_1000_"), ("Dostupnost  2sfca", "access_per_1000_"),
    ("kapacita na 1000", "per_1000_"), (f"kapacita na 1{NBSP}000", "per_1000_"), ("dojezd", "travel_band"),
    ("podíl 65+", "share_65_plus"), ("vzdálenost k nejbližší službě", "distance"),
    ("per_1000_field_clients", "per_1000_field_clients"),
])
def test_czech_indicator_names(name, key):
    assert vocabulary.map_indicator(name) == key


def test_unknown_indicator_name_lists_the_czech_names():
    with pytest.raises(UnknownValueError, match=r"unknown indicator 'dostupnot 2SFCA'; did you mean 'dostupnost 2SFCA'"):
        vocabulary.map_indicator("dostupnot 2SFCA")
    with pytest.raises(UnknownValueError, match="expected one of: 'kapacita na 1 000', 'dostupnost 2SFCA'"):
        vocabulary.map_indicator("Lůžka")


def test_help_names_the_indicators_in_czech(capsys):
    with pytest.raises(SystemExit):
        kpss_main(["map", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    indicator_help = text.split("--indicator NÁZEV", 2)[2].split("--scheme", 1)[0]
    assert all(f'"{name}"' in indicator_help for name in vocabulary.MAP_INDICATORS)
    assert "_" not in indicator_help  # no internal column names


def test_travel_band_labels():
    assert vocabulary.travel_band_labels((10, 20, 30), "min") == ["do 10 min", "10–20 min", "20–30 min", "nad 30 min"]
    assert vocabulary.travel_band_labels((2.5, 5), "km") == ["do 2,5 km", "2,5–5 km", "nad 5 km"]


# ----------------------------------------------------------------------------- bands by hand

def _grid(values: list[float]) -> gpd.GeoDataFrame:
    """One 1 km square per value in a row (hand-checkable units)."""
    squares = [shapely.box(-600_000 + 1000 * i, -1_150_000, -599_000 + 1000 * i, -1_149_000) for i in range(len(values))]
    return gpd.GeoDataFrame({"obec_code": [str(500_000 + i) for i in range(len(values))],
                             "obec_name": [f"Obec {i}" for i in range(len(values))], "cost": values},
                            geometry=squares, crs="EPSG:5514")


def test_travel_bands_on_a_hand_made_grid():
    # 10 is still "do 10 min" (bounds are inclusive), 10.01 is the next band, NaN has no service reachable.
    grid = _grid([0.0, 10.0, 10.01, 30.0, 45.0, float("nan")])
    page = map_html(maps.travel_band_map(grid, "cost", "min", tiles=None, outline_by=None))
    assert _legend_rows(page) == [("do 10 min", 2), ("10–20 min", 1), ("20–30 min", 1), ("nad 30 min", 1),
                                  (vocabulary.NO_DATA_LABEL, 1)]
    assert "Dojezd k nejbližší službě (jízdní doba po silnicích)" in page
    for colour in maps.TRAVEL_BAND_COLORS:
        assert f"background:{colour}" in page
    assert _row_texts(page, "Obec 4", "500004")[2] == "45"

    km = _grid([4.0, 6.0, 25.0])
    km.attrs["cost_unit"] = "km"
    page = map_html(maps.travel_band_map(km, tiles=None, outline_by=None))
    assert _legend_rows(page) == [("do 5 km", 1), ("5–10 km", 1), ("10–20 km", 0), ("nad 20 km", 1)]
    assert "(vzdušná vzdálenost)" in page


def test_travel_bands_refuse_what_they_cannot_band():
    with pytest.raises(UnknownValueError, match="unit of 'cost' must be one of min, km, got None"):
        maps.travel_band_map(_grid([1.0]), tiles=None)
    with pytest.raises(UnknownValueError, match="negative travel values"):
        maps.travel_band_map(_grid([-1.0, 3.0]), unit="min", tiles=None)
    with pytest.raises(UnknownValueError, match="column 'minutes' is not in the table"):
        maps.travel_band_map(_grid([1.0]), "minutes", "min", tiles=None)


# ----------------------------------------------------------------------------- kpss map

@pytest.fixture(scope="module")
def zlin_nearest() -> pd.DataFrame:
    return nearest_table(open_study("Zlínský kraj", level="obec", services=["domovy pro seniory"]))


def _kpss_map(tmp_path: Path, capsys, *args: str) -> str:
    """The page ``kpss map --offline ARGS`` writes."""
    out = tmp_path / "mapa.html"
    code = kpss_main(["map", *args, "--offline", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    return out.read_text(encoding="utf-8")


ZLIN_HOMES = ("--region", "Zlínský kraj", "--services", "domovy pro seniory")


def test_kpss_map_2sfca(tmp_path, capsys, zlin_nearest):
    page = _kpss_map(tmp_path, capsys, *ZLIN_HOMES, "--indicator", "dostupnost 2SFCA")
    assert f"Dostupnost (2SFCA): lůžka pobytových služeb na 1{NBSP}000 obyvatel 65+" in page
    assert sum(n for _, n in _legend_rows(page)) == 307  # every obec of Zlínský kraj
    # Per obec, the value is the 2SFCA of the nearest table (same catchment, same default settings).
    for _, obec in zlin_nearest.nlargest(3, "population").iterrows():
        shown = _row_texts(page, obec["obec_name"], obec["obec_code"])[2]
        decimals = len(shown.split(",")[1]) if "," in shown else 0
        assert abs(_czech_float(shown) - obec["access_per_1000_residential_beds"]) <= 0.5 * 10 ** -decimals
    assert not ASSET_LOAD.search(page)


def test_kpss_map_travel_bands(tmp_path, capsys, zlin_nearest):
    page = _kpss_map(tmp_path, capsys, *ZLIN_HOMES, "--indicator", "dojezd")
    column = "cost" if "cost" in zlin_nearest.columns else "distance_km"
    unit = zlin_nearest.attrs.get("cost_unit", "km")
    bounds = maps.TRAVEL_BANDS[unit]
    values = zlin_nearest[column]
    expected = [int((values <= bounds[0]).sum())]
    expected += [int(((values > low) & (values <= high)).sum()) for low, high in zip(bounds, bounds[1:])]
    expected += [int((values > bounds[-1]).sum())]
    rows = _legend_rows(page)
    assert [n for _, n in rows] == expected and sum(expected) == 307
    assert [text for text, _ in rows] == vocabulary.travel_band_labels(bounds, unit)
    assert ("jízdní doba po silnicích" if unit == "min" else "vzdálenost") in page


def test_kpss_map_share_65_plus_per_orp_in_percent(tmp_path, capsys):
    page = _kpss_map(tmp_path, capsys, "--region", "Zlínský kraj", "--level", "orp", "--services", "13",
                     "--indicator", "podíl 65+")
    obce = load_obce()
    zlin = obce[obce["orp_code"] == "7213"]
    share = zlin["pop_65_plus"].sum() / zlin["pop_total"].sum() * 100
    shown = _row_texts(page, "Zlín", "7213")[2]
    assert 10 < share < 40 and abs(_czech_float(shown) - share) <= 0.05
    assert "Podíl obyvatel 65+" in page and sum(n for _, n in _legend_rows(page)) == 13


def test_obec_only_indicators_refused_on_orp(capsys):
    study = open_study("Zlínský kraj", level="orp", services=["13"])
    with pytest.raises(UnknownValueError, match="indicator 'dojezd' is per obec"):
        study_map(study, indicator="dojezd")
    with pytest.raises(UnknownValueError, match="unknown indicator 'beds_total'; .*or a column of the table: .*n_services"):
        study_map(study, indicator="beds_total")
    code = kpss_main(["map", "--region", "Zlínský kraj", "--indicator", "dostupnot"])
    assert code == 2 and "did you mean 'dostupnost 2SFCA'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- drawing only

def test_folium_icon_on_a_kpss_map_is_embedded(tmp_path):
    units = _grid([1.0, 12.0])
    m = maps.travel_band_map(units, unit="min", tiles=None, outline_by=None)
    folium.Marker([49.2, 17.6], icon=folium.Icon(color="red")).add_to(m)
    page = map_html(m)
    assert "L.AwesomeMarkers.Icon = L.Icon.extend(" in page
    assert ".awesome-marker-icon-red" in page and "images/markers-soft" not in page  # pins as data URIs
    assert not ASSET_LOAD.search(page)
    plain = map_html(maps.travel_band_map(units, unit="min", tiles=None, outline_by=None))
    assert "AwesomeMarkers" not in plain  # only pages that draw one carry it


def test_maps_package_only_draws():
    """No module of kpss_lib.maps loads the units or services or computes indicators (study_maps does that).

    The offline vector base may load its background (roads, neighbouring ORP/kraje) when not given it.
    """
    package = Path(maps.__file__).parent
    for module in package.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"from kpss_lib\.(study|indicators)\b|import kpss_lib\.(study|indicators)", text), module
        assert not re.search(r"\bload_(obce|services)\(|\bfind_region\(", text), module
    assert not hasattr(maps, "region_map")

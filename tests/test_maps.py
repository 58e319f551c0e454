"""Maps: rendered HTML (layers, legend, Czech numbers, escaping), self-contained files, atomic writes, sizes."""
from __future__ import annotations

import os
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from jinja2.utils import htmlsafe_json_dumps

from kpss_lib import maps, vocabulary
from kpss_lib.cli import main as kpss_main
from kpss_lib.errors import KpssError, UnknownValueError
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import load_obce, load_orp
from kpss_lib.mapio import map_html, save_map
from kpss_lib.study import open_study
from kpss_lib.study_maps import study_map

EVIL = "<script>alert(1)</script>"
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "netdna.bootstrapcdn.com",
             "unpkg.com", "maxcdn", "googleapis.com")
ASSET_LOAD = re.compile(r"<script[^>]*\ssrc=|<link[^>]*\shref=|url\(\s*['\"]?https?:", re.IGNORECASE)
NBSP = "\u00a0"


def _control_key(name: str) -> str:
    """A layer name as folium's layer control writes it (Jinja's tojson)."""
    return str(htmlsafe_json_dumps(name))


def _with_beds(obce: gpd.GeoDataFrame, places: pd.DataFrame) -> gpd.GeoDataFrame:
    """A simple test indicator: beds of domovy pro seniory (type 13) per 1 000 inhabitants 65+."""
    beds = places[(places["type_code"] == "13") & (places["capacity_unit"] == "lůžka")]
    per_obec = beds.groupby("obec_code")["capacity_share"].sum()
    out = obce.copy()
    out["beds"] = out["obec_code"].map(per_obec).fillna(0.0)
    out["beds_per_1000"] = (out["beds"] / out["pop_65_plus"] * 1000).where(out["pop_65_plus"] > 0)
    return out


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return load_services().places


@pytest.fixture(scope="module")
def obce(places) -> gpd.GeoDataFrame:
    return _with_beds(load_obce(), places)


@pytest.fixture(scope="module")
def zlin(obce) -> gpd.GeoDataFrame:
    return obce[obce["kraj_code"] == "CZ072"].reset_index(drop=True)


@pytest.fixture(scope="module")
def zlin_places(places) -> pd.DataFrame:
    return places[places["kraj_code"] == "CZ072"].reset_index(drop=True)


def _zlin_map(zlin, zlin_places, **options) -> folium.Map:
    return maps.coverage_map(zlin, "beds_per_1000", label="Lůžka v domovech pro seniory na 1 000 obyvatel 65+",
                             unit="lůžek na 1 000 obyvatel 65+", places=zlin_places,
                             tooltip_columns=["pop_total", "pop_65_plus"], title="Domovy pro seniory – Zlínský kraj",
                             source="Zdroj: MPSV (9/2026), ČSÚ 31. 12. 2020, ČÚZK RÚIAN", **options)


# ----------------------------------------------------------------------------- text

def test_format_number_is_czech():
    assert vocabulary.format_number(1234.5, 1) == f"1{NBSP}234,5"
    assert vocabulary.format_number(1234567) == f"1{NBSP}234{NBSP}567"
    assert vocabulary.format_number(0.05, 2) == "0,05"
    assert vocabulary.format_number(-3.26, 1) == "\u22123,3"
    assert vocabulary.format_number(-0.01, 1) == "0,0"  # no "minus zero"
    assert vocabulary.format_number(float("nan")) == vocabulary.NO_DATA_LABEL
    assert vocabulary.format_number(None) == vocabulary.NO_DATA_LABEL


@pytest.mark.parametrize("capacity, unit, expected", [
    (32, "lůžka", "32 lůžek"), (1, "lůžka", "1 lůžko"), (3, "lůžka", "3 lůžka"),
    (1, "klienti", "1 klient"), (4, "klienti", "4 klienti"), (25, "klienti", "25 klientů"),
    (5, "luzka", "5 lůžek"), (2, "hovory", "2 hovory"), (1200, "kontakty", f"1{NBSP}200 kontaktů"),
    (2.5, "lůžka", "Kapacita: 2,5 (lůžka)"), (32, "osoby", "Kapacita: 32 (osoby)"),
    (float("nan"), "lůžka", "kapacita neuvedena"),
])
def test_capacity_text(capacity, unit, expected):
    assert vocabulary.capacity_text(capacity, unit) == expected


def test_indicator_label():
    label, unit = vocabulary.indicator_label("per_1000_residential_beds", "obyvatel 65+")
    assert label == f"Lůžka pobytových služeb na 1{NBSP}000 obyvatel 65+"
    assert unit == f"lůžek na 1{NBSP}000 obyvatel 65+"
    assert vocabulary.indicator_label("n_services") == ("Počet služeb", "služeb")
    assert vocabulary.indicator_label("something_else") == ("something_else", None)


# ----------------------------------------------------------------------------- classes

def test_quantile_breaks_are_hand_checkable():
    np.testing.assert_allclose(maps.class_breaks(np.arange(1, 101), "quantiles", 4), [25.75, 50.5, 75.25, 100])


def test_quantiles_give_a_tied_minimum_its_own_class():
    values = np.concatenate([np.zeros(60), np.arange(1, 41)])
    np.testing.assert_allclose(maps.class_breaks(values, "quantiles", 5), [0, 10.75, 20.5, 30.25, 40])


def test_natural_breaks_find_clusters_also_on_large_data():
    small = np.array([1, 1, 2, 10, 11, 10, 100, 101, 99])
    np.testing.assert_allclose(maps.class_breaks(small, "natural_breaks", 3), [2, 11, 101])
    rng = np.random.default_rng(1)
    large = np.concatenate([rng.uniform(0, 1, 3000), rng.uniform(10, 11, 2000), rng.uniform(50, 51, 1000)])
    first = maps.class_breaks(large, "natural_breaks", 3)
    assert first[0] < 1 and 10 < first[1] < 11 and first[2] == large.max()
    np.testing.assert_array_equal(first, maps.class_breaks(large, "natural_breaks", 3))  # deterministic


def test_fixed_breaks_and_bad_input():
    np.testing.assert_allclose(maps.class_breaks([0.5, 1.5, 5], "fixed", bins=[1, 2]), [1, 2, 5])
    with pytest.raises(UnknownValueError, match="strictly increasing"):
        maps.class_breaks([1, 2], "fixed", bins=[2, 1])
    with pytest.raises(UnknownValueError, match="needs bins"):
        maps.class_breaks([1, 2], "fixed")
    with pytest.raises(UnknownValueError, match="valid schemes: quantiles, natural_breaks, fixed"):
        maps.class_breaks([1, 2], "jenks")
    with pytest.raises(UnknownValueError, match="k must be"):
        maps.class_breaks([1, 2], "quantiles", 0)


def test_diverging_breaks_and_colours_are_centred_on_zero():
    values = np.linspace(-3, 5, 50)
    breaks = maps.class_breaks(values, "quantiles", 4, diverging=True)
    assert 0 in breaks
    colours = maps.styles._colors(None, breaks, diverging=True)
    red = lambda c: int(c[1:3], 16) > int(c[5:7], 16)  # noqa: E731
    assert [red(c) for c in colours] == [b <= 0 for b in breaks]


# ----------------------------------------------------------------------------- geometry

@pytest.mark.parametrize("tolerance_m", [None, 1000.0])
def test_simplified_borders_stay_a_coverage(zlin, tolerance_m):
    simple = maps.simplify_units(zlin, tolerance_m)
    metric = np.asarray(simple.to_crs("EPSG:5514").geometry.array, dtype=object)
    assert bool(shapely.coverage_is_valid(metric))  # no gaps or overlaps between neighbours
    before = shapely.get_num_coordinates(np.asarray(zlin.geometry.array, dtype=object)).sum()
    after = shapely.get_num_coordinates(metric).sum()
    # The obce source is already generalised (~17 vertices per obec): the automatic
    # tolerance (~32 m for a kraj) keeps it; a coarse one halves it.
    assert after <= before and (tolerance_m is None or after < 0.6 * before)
    area_before = zlin.to_crs("EPSG:5514").area.sum()
    assert abs(shapely.area(metric).sum() / area_before - 1) < 0.01
    assert simple.crs.to_epsg() == 4326 and len(simple) == len(zlin)


def test_encoded_rings_round_trip():
    ring = np.array([[17.66591, 49.22451], [17.70004, 49.22449], [17.70001, 49.25], [17.66591, 49.22451]])
    encoded = maps.geometry._encode_path(ring, closed=True)
    # Decode like the page does (kpss.decode in the runtime), in Python.
    values, i = [], 0
    while i < len(encoded):
        shift = result = 0
        while True:
            b = ord(encoded[i]) - 63
            i += 1
            result |= (b & 31) << shift
            shift += 5
            if b < 32:
                break
        values.append(~(result >> 1) if result & 1 else result >> 1)
    points = np.cumsum(np.array(values).reshape(-1, 2), axis=0) / 1e4
    np.testing.assert_allclose(points, np.round(ring[:-1], 4))
    assert not set("<>&") & set(encoded)


# ----------------------------------------------------------------------------- rendered HTML

def test_choropleth_layers_legend_and_tooltips(zlin, zlin_places):
    m = _zlin_map(zlin, zlin_places, outline_by="orp_code", white_spots=None)
    page = m.get_root().render()
    assert "Lůžka v domovech pro seniory na 1 000 obyvatel 65+" in page  # legend and layer control
    assert "lůžek na 1 000 obyvatel 65+" in page
    assert "Domovy pro seniory – Zlínský kraj" in page and "Zdroj: MPSV (9/2026)" in page
    assert _control_key("Hranice ORP") in page and _control_key("Hranice území") in page
    # Tooltip texts: Zlín (585068) with its population formatted the Czech way.
    zlin_row = zlin.set_index("obec_code").loc["585068"]
    pop = vocabulary.format_number(zlin_row["pop_total"])
    assert pop == f"74{NBSP}478"
    assert '"Zlín","585068"' in page and f'"{pop}"' in page
    # One layer per service type, named with the number of places it draws (what a reader can count).
    for type_name, group in zlin_places.groupby("type_name"):
        n = len(group.dropna(subset=["lat", "lon"]).drop_duplicates(["service_id", "lat", "lon"]))
        word = "místo" if n == 1 else "místa" if n < 5 else "míst"
        key = _control_key(f"{type_name} ({vocabulary.format_number(n)}{NBSP}{word})")[1:-1]
        assert re.search(re.escape(key) + r'" : kpss_markers_', page)
    assert page.count("var kpss_markers_") == zlin_places["type_name"].nunique()
    # Lines: ORP outlines, the region's outline, and the offline base (neighbouring ORP, main roads).
    assert page.count("var kpss_polygons_") == 1 and page.count("var kpss_outlines_") == 4
    assert _control_key("Okolní kraje") in page and _control_key("Hlavní silnice") in page



def test_map_opens_on_its_bounds_without_zoom_animation(zlin, zlin_places):
    # An animated first fitBounds left the SVG layers partly unpainted in Chromium
    # (tests/test_maps_browser.py shows it on pixels); here: the one fit is not animated
    # and runs before any layer exists.
    page = _zlin_map(zlin, zlin_places, outline_by="orp_code", white_spots=None).get_root().render()
    fits = re.findall(r"\.fitBounds\(\s*(\[\[[^\]]*\], \[[^\]]*\]\]),\s*(\{[^}]*\})\s*\);", page)
    assert len(fits) == 1 and fits[0][1] == "{animate: false}"
    south, west = map(float, fits[0][0][2:].split("]")[0].split(", "))
    assert (south, west) == pytest.approx((zlin.total_bounds[1], zlin.total_bounds[0]), abs=0.01)
    assert page.index(".fitBounds(") < page.index("var kpss_polygons_")

def _decoded(page: str) -> str:
    """The page with the JSON escapes of the payloads undone, to read legend HTML."""
    return (page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
            .replace('\\"', '"'))


def test_legend_counts_and_no_data(zlin):
    units = zlin.copy()
    units.loc[:4, "beds_per_1000"] = np.nan
    m = maps.choropleth_map(units, "beds_per_1000", label="Test", scheme="fixed", bins=[10, 50], decimals=1,
                            tiles=None)
    legend = _decoded(m.get_root().render())
    finite = units["beds_per_1000"].dropna()
    low = int((finite <= 10).sum())
    middle = int(((finite > 10) & (finite <= 50)).sum())
    high = int((finite > 50).sum())
    top = vocabulary.format_number(finite.max(), 1)
    assert f'<td>0,0 – 10,0</td><td class="kpss-n">({low})</td>' in legend
    assert f'<td>10,0 – 50,0</td><td class="kpss-n">({middle})</td>' in legend
    assert f'<td>50,0 – {top}</td><td class="kpss-n">({high})</td>' in legend
    assert f'<td>{vocabulary.NO_DATA_LABEL}</td><td class="kpss-n">(5)</td>' in legend
    assert low + middle + high + 5 == len(units)


def test_popup_shows_capacity_with_unit(zlin, zlin_places):
    m = maps.service_markers(zlin_places, maps.base_map(zlin, tiles=None))
    page = m.get_root().render()
    row = zlin_places[(zlin_places["capacity_unit"] == "lůžka") & (zlin_places["n_places"] == 1)].iloc[0]
    assert vocabulary.capacity_text(row["capacity"], "lůžka").endswith(("lůžek", "lůžka", "lůžko"))
    assert vocabulary.capacity_text(row["capacity"], "lůžka") in page


def test_places_without_coordinates_are_reported_on_the_map(zlin, zlin_places):
    broken = zlin_places.copy()
    broken.loc[:2, "lat"] = np.nan
    page = maps.service_markers(broken, maps.base_map(zlin, tiles=None)).get_root().render()
    assert "Bez souřadnic, na mapě nejsou" in page
    note = re.search(r"Bez souřadnic, na mapě nejsou \(záznamů\): ([^\"<]*)", page)
    assert note, "the note must list the records per kind"
    assert sum(int(n) for n in re.findall(r": (\d+)", note.group(1))) == 3


def test_white_spots_layer(zlin):
    units = zlin.copy()
    units["white"] = units["beds"] == 0
    m = maps.choropleth_map(units, "beds_per_1000", label="Test", tiles=None)
    maps.white_spots_layer(units, m, column="white", description="bez domova do 10 km")
    page = m.get_root().render()
    assert f"Bílá místa ({int(units['white'].sum())})" in page and "bez domova do 10 km" in page
    assert "kpss-hatch" in page and "kpss-white-spot" in page
    with pytest.raises(UnknownValueError, match="must be boolean"):
        maps.white_spots_layer(units, m, column="beds")


def test_layers_can_be_added_to_an_existing_map(zlin):
    m = maps.choropleth_map(zlin, "beds_per_1000", label="První", tiles=None)
    same = maps.choropleth_map(zlin, "pop_65_plus", label="Druhá", m=m)
    assert same is m
    page = m.get_root().render()
    assert _control_key("První") in page and _control_key("Druhá") in page
    assert page.count("L.control.layers(") == 1
    assert page.index("L.control.layers(") > page.rindex("var d = {")  # the control follows every layer


def test_bad_arguments_raise_kpss_errors(zlin, zlin_places):
    with pytest.raises(UnknownValueError, match="'nope' is not in units"):
        maps.choropleth_map(zlin, "nope", label="x")
    with pytest.raises(UnknownValueError, match="must be numeric"):
        maps.choropleth_map(zlin, "obec_name", label="x")
    with pytest.raises(UnknownValueError, match="has no CRS"):
        maps.choropleth_map(zlin.set_crs(None, allow_override=True), "beds", label="x")
    with pytest.raises(UnknownValueError, match="lacks column"):
        maps.service_markers(zlin_places.drop(columns="lat"), maps.base_map(zlin))


def test_data_text_is_escaped(zlin, zlin_places, tmp_path):
    units = zlin.copy()
    units.loc[0, "obec_name"] = EVIL
    units.loc[1, "obec_name"] = "Obec {{ 7*7 }}"
    evil_places = zlin_places.copy()
    evil_places.loc[0, "provider_name"] = EVIL
    evil_places.loc[1, "type_name"] = "<b>druh</b>"
    m = maps.coverage_map(units, "beds_per_1000", label="Ukazatel <i>x</i>", places=evil_places,
                          title=f"Titulek {EVIL}", source=f"Zdroj {EVIL}", tiles=None)
    page = m.get_root().render()
    saved = save_map(m, tmp_path / "evil.html").read_text(encoding="utf-8")
    for html_text in (page, saved):
        assert EVIL not in html_text
        assert "<b>druh</b>" not in html_text and "<i>x</i>" not in html_text
        assert "alert(1)" in html_text  # the text is there, as text
        assert "Obec 49" not in html_text  # no template evaluation of data
        # The layers' JSON writes "<" as \u003c, so a raw tag could hide there: decode the
        # JSON escapes and check that the data text was HTML-escaped before it was embedded.
        decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html_text)
        assert EVIL not in decoded and "<b>druh</b>" not in decoded
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decoded  # provider name and obec name
        assert "&lt;b&gt;druh&lt;/b&gt;" in decoded
    assert "Titulek &lt;script&gt;alert(1)&lt;/script&gt;" in saved  # title bar and document title


# ----------------------------------------------------------------------------- files

def test_self_contained_file_has_no_cdn(zlin, zlin_places, tmp_path):
    m = _zlin_map(zlin, zlin_places)  # with OpenStreetMap tiles
    path = save_map(m, tmp_path / "map.html")
    text = path.read_text(encoding="utf-8")
    assert not any(host in text for host in CDN_HOSTS)
    assert not ASSET_LOAD.search(text)
    assert "L.markerClusterGroup = function" in text or "MarkerClusterGroup" in text  # embedded, not linked
    assert "Leaflet 1.9.4" in text
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in text  # tiles are the one thing left online
    assert "sourceMappingURL" not in text
    linked = save_map(m, tmp_path / "linked.html", self_contained=False).read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js" in linked and len(linked) < len(text)


def test_plain_folium_maps_are_embedded_too(tmp_path):
    m = folium.Map(location=[49.2, 17.7], zoom_start=9, tiles=None)
    folium.Marker([49.22, 17.66], popup=folium.Popup("Zlín")).add_to(m)
    text = map_html(m)
    assert not any(host in text for host in CDN_HOSTS) and not ASSET_LOAD.search(text)
    assert "jQuery" in text  # folium.Popup needs it, so it is embedded
    assert "L.Icon.Default.prototype._getIconUrl" in text  # default marker icons from data URIs
    awesome = folium.Map(tiles=None)
    folium.Marker([49.2, 17.7], icon=folium.Icon(icon="home")).add_to(awesome)
    with pytest.raises(KpssError, match="does not embed"):
        map_html(awesome)


def test_atomic_write_keeps_the_old_file(zlin, tmp_path, monkeypatch):
    path = tmp_path / "map.html"
    path.write_text("old map", encoding="utf-8")
    m = maps.choropleth_map(zlin, "beds_per_1000", label="Test", tiles=None)

    def broken_fsync(fd):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="simulated"):
        save_map(m, path)
    assert path.read_text(encoding="utf-8") == "old map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]  # no temporary file left
    monkeypatch.undo()
    # A map that cannot be made self-contained fails before anything is written.
    awesome = folium.Map(tiles=None)
    folium.Marker([49.2, 17.7], icon=folium.Icon()).add_to(awesome)
    with pytest.raises(KpssError):
        save_map(awesome, tmp_path / "new.html")
    assert not (tmp_path / "new.html").exists()
    save_map(m, path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_kraj_map_is_under_1_mb(zlin, zlin_places, tmp_path):
    units = zlin.copy()
    units["white"] = units["beds"] == 0
    m = _zlin_map(units, zlin_places, white_spots="white")
    size = save_map(m, tmp_path / "zlin.html").stat().st_size
    assert size < 1_000_000, f"{size / 1e6:.2f} MB"


@pytest.mark.slow
def test_all_obce_of_cz_with_the_base_layer_under_3_mb(obce, places, tmp_path):
    m = maps.coverage_map(obce, "beds_per_1000", label="Lůžka na 1 000 obyvatel 65+", places=places,
                          tooltip_columns=["pop_total", "pop_65_plus", "orp_name"], title="ČR")
    path = save_map(m, tmp_path / "cz.html")
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 3_000_000, f"{path.stat().st_size / 1e6:.2f} MB"
    assert _control_key("Hlavní silnice") in text  # the offline base is in the file
    assert text.count('"Želechovice nad Dřevnicí"') == 1 and not ASSET_LOAD.search(text)


def test_orp_map_from_load_orp(tmp_path):
    orp = load_orp()
    orp["share_65"] = orp["pop_65_plus"] / orp["pop_total"] * 100
    orp["deviation"] = orp["share_65"] - orp["share_65"].mean()
    m = maps.choropleth_map(orp, "deviation", label="Odchylka podílu 65+ od průměru ORP", unit="p. b.",
                            diverging=True, scheme="natural_breaks", tiles=None)
    page = map_html(m)
    assert "Odchylka podílu 65+ od průměru ORP" in page and "\u2212" in page  # negative classes in the legend
    assert '"Otrokovice","7205"' in page


# ----------------------------------------------------------------------------- comparable maps

def _legend_texts(m) -> list[str]:
    legend = _decoded(m.get_root().render())
    return re.findall(r'kpss-swatch" style="background:(#[0-9a-f]{6})"></span></td><td>([^<]*)</td>', legend)


def test_few_or_equal_values_give_sensible_classes():
    # Eight obce without a home and two with 38,7 and 38,9 beds: two classes, not "38,7" and "38,9".
    np.testing.assert_allclose(maps.class_breaks([0] * 8 + [38.7, 38.9], k=5), [0, 38.9])
    np.testing.assert_allclose(maps.class_breaks([5, 5, 5], k=5), [5])
    np.testing.assert_allclose(maps.class_breaks([0, 10, 20, 20], k=5), [0, 10, 20])  # each value a class
    # Quantile breaks that end within 1/40 of the range of the maximum are merged into the last class.
    values = np.r_[np.arange(0, 80), [79.9, 80]]
    breaks = maps.class_breaks(values, k=5)
    assert np.all(np.diff(breaks) >= 2) and breaks[-1] == 80


def test_few_values_legend_reads_as_values(zlin):
    units = zlin.copy()
    units["v"] = 0.0
    units.loc[:1, "v"] = [38.7, 38.9]
    texts = [t for _, t in _legend_texts(maps.choropleth_map(units, "v", label="Test", tiles=None))]
    assert texts == ["0,0", "nad 0,0 do 38,9"]


def test_shared_breaks_make_two_maps_comparable(obce):
    holesov = obce[obce["orp_code"] == "7203"].copy()
    brod = obce[obce["orp_code"] == "7211"].copy()
    for frame in (holesov, brod):
        frame["share_65"] = frame["pop_65_plus"] / frame["pop_total"] * 100
    shared = maps.shared_breaks([holesov["share_65"], brod["share_65"]], k=4)
    np.testing.assert_array_equal(shared, maps.class_breaks(pd.concat([holesov["share_65"], brod["share_65"]]), k=4))
    a = maps.choropleth_map(holesov, "share_65", label="Podíl 65+", tiles=None, breaks=shared)
    b = maps.choropleth_map(brod, "share_65", label="Podíl 65+", tiles=None, breaks=shared)
    rows_a, rows_b = _legend_texts(a), _legend_texts(b)
    assert rows_a == rows_b and len(rows_a) == 4  # same colours, same ranges
    assert rows_a[0][1].startswith("do ") and rows_a[1][1].startswith("nad ")
    assert maps.SHARED_BREAKS_NOTE in _decoded(a.get_root().render())
    # Per-map quantiles differ between the two ORP and the legend says they do not compare.
    own = maps.choropleth_map(holesov, "share_65", label="Podíl 65+", tiles=None, k=4)
    assert _legend_texts(own) != rows_a and "nesrovnávejte" in _decoded(own.get_root().render())
    # A value above the last shared bound falls in the last class, not outside the legend.
    high = holesov.copy()
    high.loc[high.index[0], "share_65"] = shared[-1] + 10
    page = _decoded(maps.choropleth_map(high, "share_65", label="x", tiles=None, breaks=shared).get_root().render())
    assert re.search(r'"r":\[\[3,', page.replace(" ", "")) is not None
    with pytest.raises(UnknownValueError, match="strictly increasing"):
        maps.choropleth_map(holesov, "share_65", label="x", breaks=[3, 1])


def test_each_kind_of_service_has_one_fixed_colour(zlin, zlin_places):
    codes = pd.read_csv(os.path.join(os.environ["KPSS_DATA_DIR"], "mpsv_ciselnik_druhy_socialnich_sluzeb.csv"),
                        dtype=str)["kod"]
    assert set(codes) <= set(maps.SERVICE_COLORS)  # every MPSV kind (1, 3–35) has its colour
    assert len(set(maps.SERVICE_COLORS.values())) == len(maps.SERVICE_COLORS)
    assert maps.WHITE_SPOT_COLOR not in maps.SERVICE_COLORS.values()
    assert maps.service_color("13") == maps.service_color(13) == maps.service_color("13.0") == maps.SERVICE_COLORS["13"]
    assert maps.service_color(None, "partner X") == maps.service_color(None, "partner X")
    # The colour follows the kind, not its rank: a map of one ORP and of the whole kraj agree.
    def colour_of(places, kind):
        page = maps.service_markers(places, maps.base_map(zlin, tiles=None)).get_root().render()
        payload = re.search(re.escape(_control_key(kind)[1:-1]) + r'[^"]*" : (kpss_markers_\w+)', page)
        assert payload, kind
        return re.search(r'var ' + payload.group(1) + r' = .*?"c":"(#[0-9a-f]+)"', page, re.S).group(1)
    roznov = zlin_places[zlin_places["orp_code"] == "7209"]
    for kind in ("domovy pro seniory", "pečovatelská služba"):
        assert colour_of(zlin_places, kind) == colour_of(roznov, kind)
    assert colour_of(zlin_places, "domovy pro seniory") == maps.SERVICE_COLORS["13"]


def test_comparison_map_names_each_unit(orp_units=None):
    orp = load_orp()
    compared = orp[orp["kraj_code"] == "CZ072"][["orp_code", "orp_name", "kraj_name", "geometry"]].rename(
        columns={"orp_code": "unit_code", "orp_name": "unit_name"})
    compared["value"] = np.arange(len(compared), dtype=float)
    page = maps.coverage_map(compared, "value", label="x", outline_by=None, tiles=None, base=False).get_root().render()
    assert '"Otrokovice","7205"' in page and '"Zlínský kraj","CZ072"' not in page
    page = maps.coverage_map(compared, "value", label="x", outline_by=None, tiles=None, base=False,
                             name_column="kraj_name").get_root().render()
    assert '"Zlínský kraj","7205"' in page  # the caller's choice wins


def test_notebook_display_embeds_everything(zlin):
    m = maps.choropleth_map(zlin, "beds_per_1000", label="Test", tiles=None)
    assert isinstance(m, maps.KpssMap)
    shown = m._repr_html_()
    plain = folium.Map(location=[49.2, 17.6], zoom_start=8, tiles=None)
    for fragment in (shown, maps.show(plain)._repr_html_()):
        page = re.search(r'srcdoc="([^"]*)"', fragment).group(1)
        page = page.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
        assert "leaflet" in page.lower() and not ASSET_LOAD.search(page)
        assert not any(host in page for host in CDN_HOSTS)


def test_notebook_display_of_an_unvendored_plugin_says_why(zlin):
    m = maps.choropleth_map(zlin, "beds_per_1000", label="Test", tiles=None)
    from folium.plugins import Fullscreen

    Fullscreen().add_to(m)  # a plugin kpss does not vendor
    with pytest.warns(UserWarning, match="shown with CDN links.*(?i:fullscreen)"):
        shown = m._repr_html_()
    assert "srcdoc=" in shown


def test_saved_page_reads_on_a_phone(zlin, tmp_path):
    page = save_map(maps.choropleth_map(zlin, "beds_per_1000", label="Test", tiles=None),
                    tmp_path / "m.html").read_text(encoding="utf-8")
    assert page.count('name="viewport"') == 1 and "width=device-width" in page
    assert "imperial: false" in page and "collapsed\": true" in page.replace('"collapsed": true', 'collapsed\": true')


def test_vector_base_layer_scales_with_the_extent(zlin, obce):
    from kpss_lib.load.roads import load_roads

    roads = load_roads()
    orp = obce[obce["orp_code"] == "7205"]  # Otrokovice, ~20 km across
    pages = {name: maps.vector_base_layer(maps.base_map(units, tiles=None), units, roads=roads).get_root().render()
             for name, units in (("orp", orp), ("kraj", zlin), ("country", obce))}
    # An ORP shows II. class roads (0,9 px lines), a kraj and ČR only the main ones; the
    # neighbours of an ORP and a kraj are outlined, ČR has none (outlines lie outside the territory only).
    assert '"weight":0.9,"opacity":0.5' in pages["orp"]
    assert '"weight":0.9,"opacity":0.5' not in pages["kraj"] + pages["country"]
    assert _control_key("Okolní ORP") in pages["orp"] and _control_key("Okolní kraje") in pages["kraj"]
    assert "Okoln" not in pages["country"]
    assert all(_control_key("Hlavní silnice") in page for page in pages.values())
    with pytest.raises(UnknownValueError, match="road_class"):
        maps.vector_base_layer(maps.base_map(zlin, tiles=None), zlin, roads=roads.drop(columns="road_class"))


# ----------------------------------------------------------------------------- kpss map

def test_kpss_map_command(tmp_path, capsys):
    out = tmp_path / "zlin.html"
    code = kpss_main(["map", "--region", "Zlínský kraj", "--level", "obec", "--services", "domovy pro seniory",
                      "--population", "65+", "--white-spots-km", "10", "--offline", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert "Domovy pro seniory – Zlínský kraj, podle obcí" in text
    assert "Lůžka pobytových služeb na 1\u00a0000 obyvatel 65+" in text and "Bílá místa" in text
    assert "tile.openstreetmap.org" not in text and not ASSET_LOAD.search(text)
    code = kpss_main(["map", "--region", "Zlínský kraj", "--level", "orp", "--services", "13",
                      "--indicator", "nope", "-o", str(tmp_path / "x.html")])
    assert code == 2 and "unknown indicator 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


@pytest.mark.slow
def test_kpss_map_every_kraj(tmp_path, capsys):
    code = kpss_main(["map", "--each-kraj", "--level", "obec", "--services", "pečovatelská služba",
                      "--offline", "-o", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    files = sorted(tmp_path.glob("mapa_*_obec.html"))
    assert len(files) == 14
    assert max(f.stat().st_size for f in files) < 1_000_000


def test_study_map_from_python(tmp_path):
    """What a notebook does: one study per kraj, then study_map and save_map."""
    study = open_study("Zlínský kraj", level="orp", services=["13"])
    m = study_map(study, offline=True)
    page = map_html(m)
    assert study.region.code == "CZ072"
    assert page.count('"Otrokovice","7205"') == 1 and "Hranice ORP" not in page  # ORP level: no ORP outlines
    assert "Zdroj: MPSV, registr poskytovatelů sociálních služeb (9/2026); ČSÚ, obyvatelstvo k 31. 12. 2020" in page
    assert save_map(m, tmp_path / "zlin_orp.html").stat().st_size < 1_000_000

"""Saved maps in a real headless Chromium, opened from disk with the network blocked.

What only a browser shows: the polygons and markers render, the legend is visible,
a tooltip appears on hover, data text shows as text, and the page logs no error and
requests nothing it cannot have. Whether the polygons are actually painted is checked
on screenshot pixels: the DOM can hold a path that the browser never paints.
Screenshots go to the test's tmp_path and, for a person to look at, to /tmp/kpss_screens/.
"""
from __future__ import annotations

import html
import io
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PIL import Image
from shapely.ops import polylabel

from kpss_lib import maps
from kpss_lib.config import CRS_METRIC, CRS_WGS84
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import load_obce
from kpss_lib.mapio import save_map
from kpss_lib.report import embed_map_frames

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = Path("/tmp/kpss_screens")
EVIL = "<script>alert(1)</script>"
NBSP = "\u00a0"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


class Page:
    """A page that records console messages, page errors, failed requests and dialogs."""

    def __init__(self, browser, path: Path, *, height: int = 860):
        self.page = browser.new_page(viewport={"width": 1280, "height": height})
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda msg: self.console.append((msg.type, msg.text)))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("requestfailed", lambda req: self.failed.append(req.url))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        # No network: anything that is not the file itself is aborted (and would show as failed).
        self.page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                        else route.abort())
        self.page.goto(path.resolve().as_uri())
        self.frame = self.page.main_frame
        if self.page.locator("iframe").count():
            # A report: the map is a page of its own in an iframe.
            self.frame = self.page.locator("iframe").first.element_handle().content_frame()
        self.frame.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=20_000)
        self.page.wait_for_timeout(500)

    def screenshot(self, tmp_path: Path, name: str) -> Path:
        path = tmp_path / name
        self.page.screenshot(path=str(path))
        SCREENS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENS / name)
        return path

    def console_errors(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.console if kind in ("error", "warning")]


@pytest.fixture(scope="module")
def data():
    places = load_services().places
    obce = load_obce()
    beds = places[(places["type_code"] == "13") & (places["capacity_unit"] == "lůžka")]
    obce["beds"] = obce["obec_code"].map(beds.groupby("obec_code")["capacity_share"].sum()).fillna(0.0)
    obce["beds_per_1000"] = (obce["beds"] / obce["pop_65_plus"] * 1000).where(obce["pop_65_plus"] > 0)
    obce["white"] = obce["beds"] == 0
    return obce, places


def _zlin_map(data, *, tiles, evil: bool):
    obce, places = data
    units = obce[obce["kraj_code"] == "CZ072"].reset_index(drop=True)
    region_places = places[places["kraj_code"] == "CZ072"].reset_index(drop=True)
    if evil:
        units.loc[units["obec_code"] == "500011", "obec_name"] = EVIL  # Želechovice nad Dřevnicí
        region_places.loc[0, "provider_name"] = EVIL
    units.loc[units["obec_code"] == "585599", "beds_per_1000"] = float("nan")  # Otrokovice: "bez dat"
    m = maps.coverage_map(units, "beds_per_1000", label="Lůžka v domovech pro seniory na 1 000 obyvatel 65+",
                          unit="lůžek na 1 000 obyvatel 65+", places=region_places, white_spots="white",
                          white_spots_description="bez domova pro seniory v obci",
                          tooltip_columns=["pop_total", "pop_65_plus"], title="Domovy pro seniory – Zlínský kraj",
                          source="Zdroj: MPSV registr poskytovatelů sociálních služeb (9/2026), ČSÚ 31. 12. 2020, "
                                 "ČÚZK RÚIAN", tiles=tiles)
    return m, units, region_places


def _screen_point(page, map_name: str, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is in the viewport of ``page`` (a Page or Frame): map container point + container offset."""
    point = page.evaluate(
        f"() => {{ const p = {map_name}.latLngToContainerPoint([{lat}, {lon}]);"
        f" const r = {map_name}.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }}")
    return point[0], point[1]


def _southern_point(units: gpd.GeoDataFrame) -> tuple[str, float, float]:
    """A point well inside the southern part of the southernmost unit: (obec_code, lat, lon).

    The pole of inaccessibility of the unit's southern 30 %, so it lies far from any
    border line and close to the bottom of a map fitted to ``units``.
    """
    metric = units.to_crs(CRS_METRIC)
    row = metric.loc[metric.geometry.bounds["miny"].idxmin()]
    minx, miny, maxx, maxy = row.geometry.bounds
    band = row.geometry.intersection(shapely.box(minx, miny, maxx, miny + 0.3 * (maxy - miny)))
    band = max(shapely.get_parts(band), key=lambda g: g.area)
    point = gpd.GeoSeries([polylabel(band, tolerance=10)], crs=CRS_METRIC).to_crs(CRS_WGS84).iloc[0]
    return row["obec_code"], point.y, point.x


def _rgb(css: str) -> np.ndarray:
    """'#33a7c2' or 'rgb(221, 221, 221)' as an int array [r, g, b]."""
    css = css.strip()
    if css.startswith("#"):
        return np.array([int(css[i:i + 2], 16) for i in (1, 3, 5)])
    return np.array([int(float(v)) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]])


def _image(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _what_is_at(frame, x: float, y: float) -> dict:
    """The topmost element at a viewport point of ``frame`` and the colours it should show there."""
    return frame.evaluate(
        """([x, y]) => {
            const e = document.elementFromPoint(x, y);
            const pane = e && e.closest('.leaflet-pane:not(.leaflet-map-pane)');
            const map = document.querySelector('.leaflet-container');
            return {tag: e ? e.tagName.toLowerCase() : null, pane: pane ? pane.className : null,
                    interactive: !!(e && e.classList.contains('leaflet-interactive')),
                    fill: e && e.getAttribute('fill'), opacity: e && e.getAttribute('fill-opacity'),
                    background: getComputedStyle(map).backgroundColor};
        }""", [x, y])


def _assert_polygon_painted(shot: np.ndarray, x: float, y: float, at: dict) -> None:
    """The screenshot pixel at (x, y) shows the polygon's fill over the map background, not the background."""
    assert at["tag"] == "path" and at["interactive"] and "leaflet-overlay-pane" in at["pane"], at
    background = _rgb(at["background"])
    alpha = float(at["opacity"])
    expected = np.round(alpha * _rgb(at["fill"]) + (1 - alpha) * background)
    pixel = shot[int(y), int(x)]
    assert not np.array_equal(pixel, background), f"the polygon at ({x:.0f}, {y:.0f}) is not painted"
    assert np.abs(pixel - expected).max() <= 3, f"pixel {pixel} at ({x:.0f}, {y:.0f}), fill over background {expected}"


def _unpainted_pixels(page, frame=None) -> int:
    """Pixels of the viewport that show the map background but show a layer once the SVG layers are drawn anew.

    Hiding and showing an SVG makes the browser lay it out, paint and rasterise it from
    scratch, so any difference on a background pixel is content that was in the DOM
    but had not been painted. ``frame`` is the frame holding the map (default the page).
    """
    frame = frame or page.main_frame
    background = _rgb(frame.evaluate("() => getComputedStyle(document.querySelector('.leaflet-container'))"
                                     ".backgroundColor"))
    before = _image(page.screenshot())
    frame.evaluate("() => document.querySelectorAll('.leaflet-pane > svg').forEach(s => {"
                   " s.style.display = 'none'; s.getBoundingClientRect(); s.style.display = ''; })")
    page.wait_for_timeout(300)
    after = _image(page.screenshot())
    return int((np.all(before == background, axis=2) & (np.abs(after - before).sum(axis=2) > 30)).sum())


def test_offline_kraj_map_renders_everything(browser, data, tmp_path):
    m, units, region_places = _zlin_map(data, tiles=None, evil=True)
    path = save_map(m, tmp_path / "zlin_offline.html")
    page = Page(browser, path)
    p = page.page

    n_paths = p.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
    assert n_paths == len(units)  # one SVG path per obec
    assert p.locator(".leaflet-pane path").count() > n_paths  # plus white spots and outlines
    assert p.locator(".kpss-marker, .kpss-cluster").count() > 0
    legend = p.locator(".kpss-legend").first
    assert legend.is_visible()
    legend_text = p.locator(".kpss-legend").all_inner_texts()
    assert any("Lůžka v domovech pro seniory" in t and "bez dat" in t for t in legend_text)
    assert any("Bílá místa" in t for t in legend_text)
    assert p.locator(".kpss-title").inner_text() == "Domovy pro seniory – Zlínský kraj"
    assert "Zdroj: MPSV" in p.locator(".kpss-source").inner_text()
    page.screenshot(tmp_path, "zlin_offline.png")
    assert _unpainted_pixels(p) == 0

    # Hover over Horní Bečva (a large obec without services, so no marker is in the way).
    target = units[units["obec_code"] == "542687"]
    point = target.to_crs("EPSG:5514").representative_point().to_crs("EPSG:4326")
    x, y = _screen_point(p, m.get_name(), point.y.iloc[0], point.x.iloc[0])
    p.mouse.move(x, y)
    tooltip = p.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    text = tooltip.inner_text().replace(" ", NBSP)
    assert "Horní" in text and "542687" in text
    assert maps.format_number(target["pop_total"].iloc[0]) == f"2{NBSP}446" and f"2{NBSP}446" in text
    page.screenshot(tmp_path, "zlin_tooltip.png")

    # The obec renamed to a script tag shows the tag as text and runs nothing.
    evil = units[units["obec_name"] == EVIL]
    point = evil.to_crs("EPSG:5514").representative_point().to_crs("EPSG:4326")
    p.mouse.move(0, 0)
    x, y = _screen_point(p, m.get_name(), point.y.iloc[0], point.x.iloc[0])
    p.mouse.move(x, y)
    p.wait_for_function("() => Array.from(document.querySelectorAll('.leaflet-tooltip'))"
                        ".some(t => t.innerText.includes('alert(1)'))", timeout=5_000)
    assert EVIL in p.locator(".leaflet-tooltip").last.inner_text()

    assert page.dialogs == [] and page.errors == [] and page.failed == []
    assert page.console_errors() == []
    p.close()


def test_marker_popup_shows_data_as_text(browser, data, tmp_path):
    obce, places = data
    units = obce[obce["orp_code"] == "7213"]  # ORP Zlín
    evil_places = places[places["orp_code"] == "7213"].dropna(subset=["lat", "lon"]).copy()
    index = evil_places.index[0]
    evil_places.loc[index, "provider_name"] = EVIL
    target = evil_places.loc[index]
    m = maps.choropleth_map(units, "beds_per_1000", label="Lůžka na 1 000 obyvatel 65+", tiles=None)
    maps.service_markers(evil_places.loc[[index]], m, cluster=False)  # alone, so the click hits it
    m.fit_bounds([[target["lat"] - 0.003, target["lon"] - 0.003], [target["lat"] + 0.003, target["lon"] + 0.003]])
    path = save_map(m, tmp_path / "popup.html")
    page = Page(browser, path)
    p = page.page
    assert p.locator(".kpss-marker").count() > 0
    x, y = _screen_point(p, m.get_name(), target["lat"], target["lon"])
    p.mouse.click(x, y)
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=5_000)
    text = popup.inner_text()
    assert EVIL in text and "Kapacita" in text and "Druh" in text
    p.wait_for_timeout(400)  # let the popup finish fading in before the screenshot
    page.screenshot(tmp_path, "popup.png")
    assert page.dialogs == [] and page.errors == [] and page.failed == [] and page.console_errors() == []
    p.close()


def test_with_tiles_only_tile_requests_need_the_network(browser, data, tmp_path):
    m, units, _ = _zlin_map(data, tiles="OpenStreetMap", evil=False)
    path = save_map(m, tmp_path / "zlin_tiles.html")
    page = Page(browser, path)
    page.page.wait_for_timeout(500)
    assert page.page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == len(units)
    assert page.failed and all(url.startswith("https://tile.openstreetmap.org/") for url in page.failed)
    assert page.errors == []
    assert all("Failed to load resource" in text for _, text in page.console_errors())
    page.page.close()


def test_whole_country_map(browser, data, tmp_path):
    obce, places = data
    m = maps.coverage_map(obce, "beds_per_1000", label="Lůžka v domovech pro seniory na 1 000 obyvatel 65+",
                          places=places[places["type_code"] == "13"], title="Domovy pro seniory – Česko",
                          source="Zdroj: MPSV (9/2026), ČSÚ 31. 12. 2020, ČÚZK RÚIAN", tiles=None,
                          outline_by="kraj_code", outline_label="Hranice krajů")
    path = save_map(m, tmp_path / "cz_obce.html")
    page = Page(browser, path)
    assert page.page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == len(obce)
    assert page.page.locator(".kpss-legend").first.is_visible()
    page.screenshot(tmp_path, "cz_obce.png")
    assert page.errors == [] and page.failed == [] and page.console_errors() == []
    page.page.close()


@pytest.fixture(scope="module")
def inputs():
    return load_obce(), load_services()


@pytest.fixture(scope="module")
def otrokovice(inputs):
    """ORP Otrokovice by obce: at 1280×800 px it fits at zoom 12, 4 levels above folium's start
    zoom 8, close enough for Leaflet to animate a plain fitBounds."""
    m, _ = maps.region_map("7205", level="obec", services=["13"], offline=True, data=inputs)
    units = inputs[0][inputs[0]["orp_code"] == "7205"]
    return m, units


def test_polygons_are_painted_down_to_the_bottom_of_a_short_window(browser, otrokovice, tmp_path):
    # Regression: with an animated opening zoom, Chromium painted the SVG layers only down to
    # y ≈ 600 px; the DOM still held the paths, so only the pixels show it.
    m, units = otrokovice
    path = save_map(m, tmp_path / "otrokovice.html")
    page = Page(browser, path, height=800)
    p = page.page
    code, lat, lon = _southern_point(units)
    assert code == "585793"  # Spytihněv, the southernmost obec of the ORP
    x, y = _screen_point(p, m.get_name(), lat, lon)
    box = p.locator(".folium-map").bounding_box()
    assert box["y"] + box["height"] * 0.75 < y < box["y"] + box["height"]  # near the bottom, on screen
    shot = page.screenshot(tmp_path, "otrokovice_800.png")
    _assert_polygon_painted(_image(shot.read_bytes()), x, y, _what_is_at(p, x, y))
    assert _unpainted_pixels(p) == 0
    assert page.errors == [] and page.failed == [] and page.console_errors() == []
    p.close()


def test_map_in_a_report_iframe_is_painted(browser, otrokovice, tmp_path):
    # Notebooks show a folium map as <iframe srcdoc=...>, which nbconvert keeps in the report.
    m, units = otrokovice
    frame_html, problems = embed_map_frames(m._repr_html_())
    assert problems == [] and "srcdoc=" in frame_html
    report = tmp_path / "report.html"
    report.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Zpráva</title></head><body>"
                      f"<h1>{html.escape('Domovy pro seniory – Otrokovice')}</h1><p>Mapa podle obcí:</p>"
                      f"{frame_html}</body></html>", encoding="utf-8")
    # The window is tall enough to show the whole frame (its height follows its width), so a
    # viewport screenshot needs no scrolling: an element screenshot, which scrolls the frame
    # into view, made Chromium raster the layers anew and hid the fault.
    page = Page(browser, report, height=1000)
    p = page.page
    box = p.locator("iframe").first.bounding_box()
    assert box["y"] + box["height"] <= 1000
    _, lat, lon = _southern_point(units)
    fx, fy = _screen_point(page.frame, m.get_name(), lat, lon)  # in the iframe's own viewport
    assert box["height"] * 0.75 < fy < box["height"]
    at = _what_is_at(page.frame, fx, fy)
    shot = page.screenshot(tmp_path, "otrokovice_iframe.png")
    _assert_polygon_painted(_image(shot.read_bytes()), box["x"] + fx, box["y"] + fy, at)
    assert _unpainted_pixels(p, page.frame) == 0
    assert page.errors == [] and page.failed == [] and page.console_errors() == []
    p.close()

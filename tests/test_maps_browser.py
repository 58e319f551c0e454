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

import folium
import numpy as np
import pytest
from PIL import Image

from kpss_lib import maps, vocabulary
from kpss_lib.load.services import load_services
from kpss_lib.load.territory import load_obce
from kpss_lib.mapio import save_map
from kpss_lib.report import embed_map_frames
from kpss_lib.study import open_study
from kpss_lib.study_maps import study_map

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

    def __init__(self, browser, path: Path, *, height: int = 860, width: int = 1280):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []  # everything asked of the network (tiles included)
        self.page.on("request", lambda req: None if req.url.startswith(("file:", "data:", "about:"))
                     else self.requests.append(req.url))
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


def _rgb(css: str) -> np.ndarray:
    """'#33a7c2' or 'rgb(221, 221, 221)' as an int array [r, g, b]."""
    css = css.strip()
    if css.startswith("#"):
        return np.array([int(css[i:i + 2], 16) for i in (1, 3, 5)])
    return np.array([int(float(v)) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]])


def _image(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


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
    fill_at = ("([x, y]) => { const e = document.elementFromPoint(x, y);"
               " return [e.getAttribute('fill'), +e.getAttribute('fill-opacity'), +e.getAttribute('stroke-width')]; }")
    before = p.evaluate(fill_at, [x, y])
    p.mouse.move(x, y)
    tooltip = p.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    # The hover highlight keeps the unit's colour (no pale fill that reads as a white spot) and thickens its border.
    during = p.evaluate(fill_at, [x, y])
    assert during[0] == before[0] and during[1] >= before[1] and during[2] > before[2]
    text = tooltip.inner_text().replace(" ", NBSP)
    assert "Horní" in text and "542687" in text
    assert vocabulary.format_number(target["pop_total"].iloc[0]) == f"2{NBSP}446" and f"2{NBSP}446" in text
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
    study = open_study("7205", level="obec", services=["13"])
    m = study_map(study, offline=True)
    units = inputs[0][inputs[0]["orp_code"] == "7205"]
    return m, units


# Geometry read in the browser: the territory (the choropleth's paths) and every control, as
# client rectangles. Comparing rectangles needs no font metrics and no pixel positions.
_LAYOUT_JS = """() => {
    const box = r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    const paths = Array.from(document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive'));
    const rects = paths.map(p => p.getBoundingClientRect()).filter(r => r.width > 0);
    const territory = {left: Math.min(...rects.map(r => r.left)), top: Math.min(...rects.map(r => r.top)),
                       right: Math.max(...rects.map(r => r.right)), bottom: Math.max(...rects.map(r => r.bottom))};
    const controls = Array.from(document.querySelectorAll('.leaflet-control'))
        .map(c => [c.className, box(c.getBoundingClientRect())]).filter(c => c[1].right > c[1].left);
    const map = box(document.querySelector('.leaflet-container').getBoundingClientRect());
    return {territory, controls, map, width: window.innerWidth, height: window.innerHeight};
}"""

# A point inside one of the southernmost polygons where that polygon itself is the topmost
# element and no control is near: found by scanning each polygon's own bounding box.
_PROBE_JS = """() => {
    const controls = Array.from(document.querySelectorAll('.leaflet-control')).map(c => c.getBoundingClientRect());
    const paths = Array.from(document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive'))
        .map(p => [p, p.getBoundingClientRect()]).filter(e => e[1].width > 0).sort((a, b) => b[1].bottom - a[1].bottom);
    const background = getComputedStyle(document.querySelector('.leaflet-container')).backgroundColor;
    for (const [path, r] of paths) {
        for (let fy = 0.9; fy > 0.1; fy -= 0.1) {
            for (let fx = 0.1; fx < 0.95; fx += 0.1) {
                const x = Math.round(r.left + fx * r.width), y = Math.round(r.top + fy * r.height);
                if (controls.some(c => x > c.left - 8 && x < c.right + 8 && y > c.top - 8 && y < c.bottom + 8)) continue;
                if (document.elementFromPoint(x, y) !== path) continue;
                // away from the polygon's border and from markers: the 4 neighbours 4 px off are the path too
                if ([[4, 0], [-4, 0], [0, 4], [0, -4]].some(d => document.elementFromPoint(x + d[0], y + d[1]) !== path)) continue;
                return {x, y, fill: path.getAttribute('fill'), opacity: path.getAttribute('fill-opacity'), background,
                        mapBottom: document.querySelector('.leaflet-container').getBoundingClientRect().bottom,
                        mapTop: document.querySelector('.leaflet-container').getBoundingClientRect().top};
            }
        }
    }
    return null;
}"""


def _overlapping(layout: dict) -> list[str]:
    """Controls whose rectangle overlaps the territory's bounding box."""
    t = layout["territory"]
    return [name for name, c in layout["controls"]
            if c["left"] < t["right"] and t["left"] < c["right"] and c["top"] < t["bottom"] and t["top"] < c["bottom"]]


def _assert_probe_painted(page, frame, offset=(0.0, 0.0)) -> dict:
    """The probe point of ``frame`` shows its polygon's fill over the map background in a screenshot of ``page``."""
    probe = frame.evaluate(_PROBE_JS)
    assert probe is not None, "no polygon point free of controls and markers"
    alpha = float(probe["opacity"])
    background = _rgb(probe["background"])
    expected = np.round(alpha * _rgb(probe["fill"]) + (1 - alpha) * background)
    pixel = _image(page.screenshot())[int(offset[1] + probe["y"]), int(offset[0] + probe["x"])]
    assert np.abs(pixel - expected).max() <= 3, f"pixel {pixel} at {probe}, fill over background {expected}"
    return probe


@pytest.mark.parametrize("width, height", [(1400, 900), (1280, 800), (1024, 768), (390, 844)])
def test_no_control_covers_the_territory(browser, otrokovice, tmp_path, width, height):
    m, units = otrokovice
    path = save_map(m, tmp_path / "otrokovice.html")
    page = Page(browser, path, height=height, width=width)
    p = page.page
    layout = p.evaluate(_LAYOUT_JS)
    names = " ".join(name for name, _ in layout["controls"])
    for control in ("leaflet-control-layers", "leaflet-control-zoom", "leaflet-control-scale", "kpss-legend",
                    "kpss-source"):
        assert control in names
    assert _overlapping(layout) == [], layout
    t = layout["territory"]
    assert layout["map"]["left"] <= t["left"] and t["right"] <= layout["map"]["right"]
    assert layout["map"]["top"] <= t["top"] and t["bottom"] <= layout["map"]["bottom"]
    assert p.locator(".leaflet-control-layers-expanded").count() == 0  # collapsed until asked
    assert "mi" not in p.locator(".leaflet-control-scale").inner_text().split()  # metric only
    assert p.locator(".leaflet-control-scale-line").count() == 1
    assert p.locator("meta[name=viewport]").count() == 1
    assert p.locator(".kpss-label").count() > 0  # obec names to orient by
    page.screenshot(tmp_path, f"otrokovice_{width}x{height}.png")
    _assert_probe_painted(p, p.main_frame)
    assert page.errors == [] and page.failed == [] and page.requests == [] and page.console_errors() == []
    p.close()


def test_a_popup_over_a_control_is_on_top_and_closes(browser, otrokovice, tmp_path):
    # A popup opened where the legend is: its close button must be the element a click hits.
    m, _ = otrokovice
    page = Page(browser, save_map(m, tmp_path / "otrokovice.html"), height=800)
    p = page.page
    p.evaluate(f"""() => {{
        const map = {m.get_name()};
        const r = document.querySelector('.kpss-legend').getBoundingClientRect();
        const c = map.getContainer().getBoundingClientRect();
        const at = map.containerPointToLatLng([r.left - c.left + r.width / 2, r.top - c.top + r.height - 5]);
        L.popup({{autoPan: false}}).setLatLng(at).setContent('<b>Test</b>').openOn(map);
    }}""")
    close = p.locator(".leaflet-popup-close-button")
    close.wait_for(state="visible", timeout=5_000)
    box = close.bounding_box()
    hit = p.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-popup') !== null",
                     [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert hit, "the popup is under a control"
    close.click()
    p.wait_for_function("() => !document.querySelector('.leaflet-popup')", timeout=5_000)
    assert not p.evaluate("() => document.querySelector('.leaflet-container').classList.contains('kpss-above')")
    assert page.errors == []
    p.close()


def test_polygons_are_painted_down_to_the_bottom_of_a_short_window(browser, otrokovice, tmp_path):
    # Regression: with an animated opening zoom, Chromium painted the SVG layers only down to
    # y ≈ 600 px; the DOM still held the paths, so only the pixels show it. The probe is
    # inside the southernmost polygon that has a point free of controls and markers.
    m, units = otrokovice
    path = save_map(m, tmp_path / "otrokovice.html")
    page = Page(browser, path, height=800)
    p = page.page
    probe = _assert_probe_painted(p, p.main_frame)
    assert probe["y"] > probe["mapTop"] + 0.6 * (probe["mapBottom"] - probe["mapTop"])  # in the lower part
    page.screenshot(tmp_path, "otrokovice_800.png")
    assert _unpainted_pixels(p) == 0
    assert page.errors == [] and page.failed == [] and page.console_errors() == []
    p.close()


def _report_with(tmp_path, fragment: str, width: int = 800) -> Path:
    report = tmp_path / "report.html"
    report.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Zpráva</title></head><body>"
                      f"<h1>{html.escape('Domovy pro seniory – Otrokovice')}</h1><p>Mapa podle obcí:</p>"
                      f"<div style='width:{width}px'>{fragment}</div></body></html>", encoding="utf-8")
    return report


def test_map_in_a_report_iframe_is_painted(browser, otrokovice, tmp_path):
    # Notebooks show a folium map as <iframe srcdoc=...>, which nbconvert keeps in the report;
    # a report's column is 800 px wide.
    m, units = otrokovice
    frame_html, problems = embed_map_frames(m._repr_html_())
    assert problems == [] and "srcdoc=" in frame_html
    # The window is tall enough to show the whole frame, so a viewport screenshot needs no
    # scrolling: an element screenshot, which scrolls the frame into view, made Chromium
    # raster the layers anew and hid the fault.
    page = Page(browser, _report_with(tmp_path, frame_html), height=1000)
    p = page.page
    box = p.locator("iframe").first.bounding_box()
    assert box["y"] + box["height"] <= 1000 and box["width"] == pytest.approx(800, abs=1)
    assert _overlapping(page.frame.evaluate(_LAYOUT_JS)) == []
    probe = _assert_probe_painted(p, page.frame, offset=(box["x"], box["y"]))
    assert probe["y"] > 0.5 * box["height"]
    page.screenshot(tmp_path, "otrokovice_iframe.png")
    assert _unpainted_pixels(p, page.frame) == 0
    assert page.errors == [] and page.failed == [] and page.requests == [] and page.console_errors() == []
    p.close()


def test_notebook_display_requests_nothing(browser, otrokovice, tmp_path):
    # What JupyterLab shows for `m` (kpss maps) and for maps.show(plain folium map): no CDN request at all.
    import folium

    m, _ = otrokovice
    plain = folium.Map(location=[49.2, 17.5], zoom_start=9, tiles=None)
    folium.CircleMarker([49.2, 17.5], radius=6).add_to(plain)
    fragment = m._repr_html_() + maps.show(plain)._repr_html_()
    assert "cdn.jsdelivr" not in html.unescape(fragment)
    page = Page(browser, _report_with(tmp_path, fragment), height=1400)
    p = page.page
    p.wait_for_timeout(500)
    frames = [f for f in p.frames if f is not p.main_frame]
    assert len(frames) == 2
    assert frames[0].locator(".leaflet-overlay-pane path.leaflet-interactive").count() > 0
    assert frames[1].locator(".leaflet-overlay-pane path").count() == 1
    assert page.requests == [] and page.failed == [] and page.errors == []
    p.close()


def _layer_colours(frame) -> dict[str, str]:
    """Layer name (without its count) -> the colour of its dot in the layer control."""
    entries = frame.evaluate("""() => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
        .map(l => [l.innerText.trim(), (l.querySelector('.kpss-dot') || {style: {}}).style.background])
        .filter(e => e[1])""")
    return {text.rsplit(" (", 1)[0]: colour for text, colour in entries}


def test_same_kind_same_colour_and_shared_breaks_in_two_maps(browser, inputs, tmp_path):
    obce, services = inputs
    places = services.places
    orp = {"7209": None, "7213": None}  # Rožnov pod Radhoštěm, Zlín
    units = {code: obce[obce["orp_code"] == code].copy() for code in orp}
    for code, frame in units.items():
        frame["share_65"] = frame["pop_65_plus"] / frame["pop_total"] * 100
    shared = maps.shared_breaks([frame["share_65"] for frame in units.values()], k=4)
    for code, frame in units.items():
        m = maps.coverage_map(frame, "share_65", label="Podíl obyvatel 65+", unit="%",
                              places=places[places["orp_code"] == code], tiles=None, breaks=shared, base=False)
        orp[code] = Page(browser, save_map(m, tmp_path / f"{code}.html"))
    colours = {code: _layer_colours(page.frame) for code, page in orp.items()}
    common = set(colours["7209"]) & set(colours["7213"])
    assert "domovy pro seniory" in common and len(common) >= 3
    assert all(colours["7209"][kind] == colours["7213"][kind] for kind in common)
    assert len(set(colours["7213"].values())) == len(colours["7213"])  # different kinds, different colours
    legends = {code: page.frame.evaluate(
        """() => Array.from(document.querySelectorAll('.kpss-legend tr')).map(tr =>
             [tr.querySelector('.kpss-swatch').style.background, tr.children[1].innerText])""")
        for code, page in orp.items()}
    assert legends["7209"] == legends["7213"] and len(legends["7209"]) == len(shared)
    assert all(maps.SHARED_BREAKS_NOTE in page.page.locator(".kpss-legend").first.inner_text()
               for page in orp.values())
    for page in orp.values():
        assert page.errors == [] and page.requests == []
        page.page.close()


@pytest.fixture(scope="module")
def zlin_study_maps():
    """The travel-band and the 2SFCA map of domovy pro seniory in Zlínský kraj by obce, as ``kpss map`` draws them."""
    study = open_study("Zlínský kraj", level="obec", services=["domovy pro seniory"])
    return {"dojezd": study_map(study, indicator="dojezd", offline=True),
            "2sfca": study_map(study, indicator="dostupnost 2SFCA", offline=True)}


@pytest.mark.parametrize("width, height", [(1400, 900), (390, 844)])
@pytest.mark.parametrize("name", ["dojezd", "2sfca"])
def test_band_and_2sfca_maps_offline(browser, zlin_study_maps, tmp_path, name, width, height):
    path = save_map(zlin_study_maps[name], tmp_path / f"zlin_{name}.html")
    page = Page(browser, path, height=height, width=width)
    p = page.page
    assert p.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 307  # obce (+ outlines)
    legend = p.locator(".kpss-legend").first
    assert legend.is_visible()
    rows = p.evaluate("""() => Array.from(document.querySelector('.kpss-legend').querySelectorAll('tr')).map(tr =>
        [getComputedStyle(tr.querySelector('.kpss-swatch')).backgroundColor, tr.children[1].innerText,
         Number(tr.children[2].innerText.replace(/[()]/g, ''))])""")
    assert sum(n for _, _, n in rows) == 307
    if name == "dojezd":
        unit = "min" if any(text.endswith(" min") for _, text, _ in rows) else "km"
        bands = rows[:len(maps.TRAVEL_BAND_COLORS)]
        assert [text for _, text, _ in bands] == vocabulary.travel_band_labels(maps.TRAVEL_BANDS[unit], unit)
        assert [tuple(_rgb(colour)) for colour, _, _ in bands] == [tuple(_rgb(c)) for c in maps.TRAVEL_BAND_COLORS]
    else:
        assert "Dostupnost (2SFCA)" in legend.inner_text()
    assert _overlapping(p.evaluate(_LAYOUT_JS)) == []
    page.screenshot(tmp_path, f"zlin_{name}_{width}x{height}.png")
    assert page.errors == [] and page.failed == [] and page.requests == [] and page.console_errors() == []
    p.close()


def test_folium_icon_marker_works_offline(browser, tmp_path):
    """A marker with folium.Icon added to a kpss map: awesome-markers embedded, no JS error, nothing requested."""
    m = study_map(open_study("7205", level="obec", services=["13"]), offline=True, markers=False)
    folium.Marker([49.2078, 17.5306], icon=folium.Icon(color="red"), tooltip="Otrokovice").add_to(m)
    page = Page(browser, save_map(m, tmp_path / "icon.html"))
    marker = page.page.locator(".awesome-marker").first
    assert marker.is_visible()
    image = page.page.evaluate("() => getComputedStyle(document.querySelector('.awesome-marker')).backgroundImage")
    assert image.startswith('url("data:image/png;base64,')
    page.screenshot(tmp_path, "icon_marker.png")
    assert page.errors == [] and page.failed == [] and page.requests == [] and page.console_errors() == []
    page.page.close()

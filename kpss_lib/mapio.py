"""Writing folium maps as single self-contained HTML files.

A map that is e-mailed to a mayor or archived with a plan for years must open with
no network: folium links Leaflet and friends from CDNs (which also rot). Here the
rendered page's ``<script src>`` / ``<link href>`` to known libraries are replaced by
their content from ``kpss_lib/assets`` (Leaflet 1.9.4, Leaflet.markercluster 1.5.3,
Leaflet.awesome-markers 2.0.5, jQuery 3.7.1, vendored from the npm registry with their
licences; see ``assets/README.md``). A page that draws a ``folium.Icon`` marker gets
awesome-markers embedded even where kpss' own maps left folium's link to it out.
folium's other defaults (Bootstrap, Font Awesome) are dropped when the page does not
use them; an asset that is used but not vendored is an error, never a silent CDN link. Only tile URL templates (and
ordinary hyperlinks such as the tiles' attribution) may still point to the web.

Files are written atomically: to a temporary file in the target folder, then
``os.replace``; a failed run leaves no half-written map and keeps an older one intact.
"""
from __future__ import annotations

import base64
import os
import re
from functools import lru_cache
from pathlib import Path

from kpss_lib.errors import UnknownValueError
from kpss_lib.fileio import write_text_atomic  # noqa: F401  (re-exported for report/runner)

ASSETS_DIR = Path(__file__).resolve().parent / "assets"

LEAFLET_VERSION = "1.9.4"
MARKERCLUSTER_VERSION = "1.5.3"
#: CDN URLs used when a map is saved with ``self_contained=False`` (same versions as vendored).
LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"
MARKERCLUSTER_JS_URL = (f"https://cdn.jsdelivr.net/npm/leaflet.markercluster@{MARKERCLUSTER_VERSION}"
                        "/dist/leaflet.markercluster.js")
MARKERCLUSTER_CSS_URL = (f"https://cdn.jsdelivr.net/npm/leaflet.markercluster@{MARKERCLUSTER_VERSION}"
                         "/dist/MarkerCluster.css")

# File name at the end of a CDN URL -> vendored file. Matched on the name so folium's
# own URLs (other CDNs, other patch versions of the same major API) are embedded too.
_VENDORED = {
    "leaflet.js": "leaflet.js",
    "leaflet-src.js": "leaflet.js",
    "leaflet.css": "leaflet.css",
    "leaflet.markercluster.js": "leaflet.markercluster.js",
    "leaflet.markercluster-src.js": "leaflet.markercluster.js",
    "markercluster.css": "MarkerCluster.css",
    "markercluster.default.css": "MarkerCluster.Default.css",
    "leaflet.awesome-markers.js": "leaflet.awesome-markers.js",
    "leaflet.awesome-markers.min.js": "leaflet.awesome-markers.js",
    "leaflet.awesome-markers.css": "leaflet.awesome-markers.css",
}
# folium.Icon draws with L.AwesomeMarkers; its pin images come with the stylesheet.
_AWESOME = ("leaflet.awesome-markers.js", "leaflet.awesome-markers.css")
_USES_AWESOME = re.compile(r"\bL\.AwesomeMarkers\b")
_JQUERY = re.compile(r"^jquery(-[\d.]+)?(\.min)?\.js$")
# folium's default assets that a page may not need, with what shows that it does.
_OPTIONAL = [
    (re.compile(r"^bootstrap(\.bundle)?(\.min)?\.(js|css)$"), re.compile(r"data-bs-|bootstrap\.|class=\"[^\"]*\b(btn|modal|navbar)\b")),
    (re.compile(r"^bootstrap-glyphicons\.css$"), re.compile(r"glyphicon")),
    (re.compile(r"^all(\.min)?\.css$"), re.compile(r"\bfa-[a-z]")),
    # Rotation of awesome markers: folium only adds a rotation class when asked for an angle.
    (re.compile(r"^leaflet\.awesome\.rotate(\.min)?\.css$"), re.compile(r"awesome-rotate|\bfa-rotate-[1-9]")),
]
_SCRIPT_TAG = re.compile(r'<script\s+src="(?P<url>[^"]+)"\s*>\s*</script>')
_LINK_TAG = re.compile(r'<link\s+rel="stylesheet"\s+href="(?P<url>[^"]+)"\s*/?>')
# What may load a resource from the web when the page opens (hyperlinks don't).
_REMOTE_LOADS = re.compile(
    r'<script[^>]*\ssrc\s*=\s*["\']?(https?:)?//|<link[^>]*\shref\s*=\s*["\']?(https?:)?//'
    r'|<img[^>]*\ssrc\s*=\s*["\']?(https?:)?//|url\(\s*["\']?(https?:)?//|@import',
    re.IGNORECASE)
_IMAGE_URL = re.compile(r"url\((['\"]?)images/(?P<name>[\w.@-]+\.png)\1\)")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=\S+\s*$", re.MULTILINE)


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    """Text of one vendored asset, ready to inline (images as data URIs, no source-map links)."""
    path = ASSETS_DIR / name
    if not path.is_file():
        raise UnknownValueError(f"the vendored map asset {path} is missing; reinstall kpss")
    text = path.read_text(encoding="utf-8")
    text = _SOURCE_MAP.sub("", text)
    if name.endswith(".css"):
        def data_uri(match: re.Match) -> str:
            raw = (ASSETS_DIR / match.group("name")).read_bytes()
            return f"url(data:image/png;base64,{base64.b64encode(raw).decode('ascii')})"
        text = _IMAGE_URL.sub(data_uri, text)
    else:
        # A literal "</script" would end the inline block early; "<\/" means the same in JS.
        text = text.replace("</script", "<\\/script")
    return text


def _default_icon_script() -> str:
    """Make Leaflet's default marker icon use embedded images instead of files next to the page."""
    def uri(name: str) -> str:
        return "data:image/png;base64," + base64.b64encode((ASSETS_DIR / name).read_bytes()).decode("ascii")
    return ("<script>L.Icon.Default.prototype._getIconUrl = function (name) {"
            f"var u = {{icon: '{uri('marker-icon.png')}', iconRetina: '{uri('marker-icon-2x.png')}', "
            f"shadow: '{uri('marker-shadow.png')}'}};"
            "return (L.Browser.retina && name === 'icon') ? u.iconRetina : u[name];};</script>")


def _basename(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()


def embed_assets(page: str) -> str:
    """Replace links to Leaflet & co. in a rendered folium page by their inline content.

    Raises
    ------
    UnknownValueError
        when the page links a script or stylesheet that is neither vendored nor
        unused (the message names the URL), or when anything else would still load
        from the web.
    """
    tags = [(m.start(), m.end(), m.group("url"), "js") for m in _SCRIPT_TAG.finditer(page)]
    tags += [(m.start(), m.end(), m.group("url"), "css") for m in _LINK_TAG.finditer(page)]
    tags.sort()
    # What the page itself uses, judged on everything except the asset tags.
    rest = page
    for start, end, _, _ in reversed(tags):
        rest = rest[:start] + rest[end:]
    out = []
    last = 0
    leaflet_end = None
    embedded = set()
    for start, end, url, kind in tags:
        out.append(page[last:start])
        last = end
        name = _basename(url)
        if name in _VENDORED:
            content = _asset(_VENDORED[name])
            embedded.add(_VENDORED[name])
            out.append(f"<script>{content}</script>" if kind == "js" else f"<style>{content}</style>")
            if _VENDORED[name] == "leaflet.js":
                leaflet_end = len(out)
            continue
        if _JQUERY.match(name):
            if re.search(r"\$\(|\bjQuery\b", rest):
                out.append(f"<script>{_asset('jquery.min.js')}</script>")
            continue
        for pattern, used in _OPTIONAL:
            if pattern.match(name):
                if used.search(rest):
                    raise UnknownValueError(
                        f"the map uses {url}, which kpss does not embed; remove the element that needs it "
                        "(e.g. folium.Icon: use a CircleMarker or DivIcon) or save with self_contained=False")
                break
        else:
            raise UnknownValueError(
                f"cannot embed {url}: kpss vendors only Leaflet, Leaflet.markercluster and jQuery "
                f"(in {ASSETS_DIR}); save with self_contained=False to keep CDN links")
    out.append(page[last:])
    if leaflet_end is not None and re.search(r"\bL\.marker\(", rest):
        out.insert(leaflet_end, _default_icon_script())
    if leaflet_end is not None and _USES_AWESOME.search(rest):
        # kpss' base map leaves folium's awesome-markers link out; a folium.Icon added later needs it.
        out[leaflet_end:leaflet_end] = [f"<script>{_asset(name)}</script>" if name.endswith(".js")
                                        else f"<style>{_asset(name)}</style>"
                                        for name in _AWESOME if name not in embedded]
    result = "".join(out)
    remote = _REMOTE_LOADS.search(result)
    if remote:
        snippet = result[max(0, remote.start() - 60): remote.end() + 80]
        raise UnknownValueError(f"the page would still load something from the web: ...{snippet}...")
    return result


def map_html(m, *, self_contained: bool = True) -> str:
    """The full HTML page of a folium map.

    Parameters
    ----------
    m : folium.Map (or any branca element)
        The map.
    self_contained : bool, default True
        Embed every script and style (see :func:`embed_assets`); False keeps folium's
        CDN links (smaller, needs the network when opened).
    """
    page = m.get_root().render()
    return embed_assets(page) if self_contained else page


def save_map(m, path: str | os.PathLike, *, self_contained: bool = True) -> Path:
    """Save a folium map as one HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
        The map (e.g. from :func:`kpss_lib.maps.coverage_map`).
    path : str or PathLike
        Target ``.html`` file; parent folders are created.
    self_contained : bool, default True
        Embed Leaflet and every script and style, so the file opens with no network
        (only base tiles need it). False keeps CDN links.

    Returns
    -------
    Path
        The written file.
    """
    # Render fully before touching the disk: a rendering error leaves nothing behind.
    page = map_html(m, self_contained=self_contained)
    return write_text_atomic(page, path)

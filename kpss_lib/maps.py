"""Folium builders for shareable maps of service coverage.

GeoDataFrame in, :class:`folium.Map` out, no indicator maths: the indicators are
computed in :mod:`kpss_lib.indicators` and handed in as columns. Every builder
reprojects to EPSG:4326 inside, accepts ``m=None`` to add its layers to an existing
map, and returns the map. Save a map with :func:`kpss_lib.mapio.save_map`, which
embeds Leaflet and every script and style so the file opens with no network.

Why not ``folium.GeoJson`` / ``folium.Choropleth``: they write every property and
every style once per feature, which makes a map of the 6 258 obcí several times
larger than it needs to be. The layers here ship one compact array per feature
(class index, pre-formatted and HTML-escaped tooltip texts, rounded coordinates of a
topology-preserving simplification) and build the features in the browser.

All text that comes from the data is HTML-escaped in Python before it reaches the
page, and every JSON payload is written with ``<``, ``>`` and ``&`` as ``\\u`` escapes,
so a provider called ``<script>alert(1)</script>`` shows as text.
"""
from __future__ import annotations

import html
import json
import math
import re
import warnings
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from kpss_lib.config import CRS_METRIC, CRS_WGS84
from kpss_lib.errors import UnknownValueError
from kpss_lib.mapio import LEAFLET_CSS_URL, LEAFLET_JS_URL, MARKERCLUSTER_CSS_URL, MARKERCLUSTER_JS_URL
from kpss_lib.mapio import map_html, save_map  # noqa: F401  re-exported for convenience

__all__ = [
    "SCHEMES",
    "NO_DATA_LABEL",
    "format_number",
    "capacity_text",
    "class_breaks",
    "indicator_label",
    "simplify_units",
    "base_map",
    "choropleth_map",
    "service_markers",
    "white_spots_layer",
    "outline_layer",
    "add_title",
    "coverage_map",
    "region_map",
    "source_line",
    "save_map",
    "map_html",
]

#: Unit levels :func:`region_map` draws.
MAP_LEVELS = ("obec", "orp")
_LEVEL_TITLES = {"obec": "podle obcí", "orp": "podle ORP"}
#: Class-break schemes of :func:`choropleth_map`.
SCHEMES = ("quantiles", "natural_breaks", "fixed")
#: Legend and tooltip text for units without a value.
NO_DATA_LABEL = "bez dat"
NO_DATA_COLOR = "#c8c8c8"
DEFAULT_SEQUENTIAL_CMAP = "YlGnBu"
#: Red below zero, blue above: deviations below the benchmark read as a shortfall.
DEFAULT_DIVERGING_CMAP = "RdBu"
WHITE_SPOT_COLOR = "#c2185b"
DEFAULT_TILES = "OpenStreetMap"

_NBSP = "\u00a0"
_MINUS = "\u2212"
_COORD_DECIMALS = 4  # ~7-11 m in CZ: finer than any simplified choropleth border needs
# Above this many values the exact Fisher-Jenks optimisation (O(k n²), pure Python
# without numba) is run on evenly spaced order statistics instead of all values.
_JENKS_MAX_N = 800

#: Czech labels of common columns, used when ``tooltip_columns`` is a plain list.
COLUMN_LABELS: dict[str, str] = {
    "pop_total": "Obyvatel celkem",
    "pop_0_14": "Obyvatel 0–14 let",
    "pop_15_64": "Obyvatel 15–64 let",
    "pop_65_plus": "Obyvatel 65+",
    "pop_80_plus": "Obyvatel 80+",
    "population": "Obyvatel (cílová skupina)",
    "n_services": "Počet služeb",
    "n_obce": "Počet obcí",
    "orp_name": "ORP",
    "okres_name": "Okres",
    "kraj_name": "Kraj",
}
_NAME_COLUMNS = ("obec_name", "orp_name", "okres_name", "kraj_name", "name", "nazev")
_CODE_COLUMNS = ("obec_code", "orp_code", "okres_code", "kraj_code", "code", "kod")

# Czech plural forms (1 / 2-4 / 5+) of the capacity units of the MPSV register.
_CAPACITY_FORMS: dict[str, tuple[str, str, str]] = {
    "lůžka": ("lůžko", "lůžka", "lůžek"),
    "klienti": ("klient", "klienti", "klientů"),
    "kontakty": ("kontakt", "kontakty", "kontaktů"),
    "intervence": ("intervence", "intervence", "intervencí"),
    "hovory": ("hovor", "hovory", "hovorů"),
}
_CAPACITY_CODES = {"luzka": "lůžka", "klient": "klienti", "kontakt": "kontakty", "interv": "intervence",
                   "hovor": "hovory"}
_FORM_CODES = {"pob": "pobytová", "amb": "ambulantní", "ter": "terénní"}


# --------------------------------------------------------------------------- text

def _esc(value: object) -> str:
    """HTML-escape any value for the page; missing values become an empty string.

    Braces become character references too: branca re-reads every rendered script as a
    Jinja template, so a ``{{ ... }}`` in the data would otherwise be evaluated.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def _js_json(obj: object) -> str:
    """JSON for a <script> block that neither HTML nor branca's second Jinja pass can misread.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes (no tag can close the block
    or form in it); a ``{`` that would open a Jinja tag (``{{``, ``{%``, ``{#``) can
    only be inside a string, where ``\\u007b`` means the same to JavaScript.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _JINJA_OPENER.sub(lambda _: "\\u007b", text)


def format_number(value: object, decimals: int = 0) -> str:
    """Format a number the Czech way: ``1 234,5`` (no-break space, decimal comma).

    Parameters
    ----------
    value : number
        The value; ``None``, NaN and infinities give :data:`NO_DATA_LABEL`.
    decimals : int, default 0
        Digits after the decimal comma.

    Returns
    -------
    str
        e.g. ``format_number(1234.5, 1) == "1\\u00a0234,5"``, ``format_number(-3, 0) == "−3"``
        (a true minus sign).
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return NO_DATA_LABEL
    if not math.isfinite(number):
        return NO_DATA_LABEL
    rounded = round(number, decimals)
    text = f"{abs(rounded):,.{decimals}f}".replace(",", _NBSP).replace(".", ",")
    return (_MINUS + text) if rounded < 0 else text


def _auto_decimals(values: np.ndarray) -> int:
    """Decimals that show a column's typical magnitude: 0 for counts and large values."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or np.all(finite == np.round(finite)):
        return 0
    nonzero = np.abs(finite[finite != 0])
    typical = float(np.median(nonzero)) if nonzero.size else 0.0
    if typical >= 100:
        return 0
    if typical >= 1:
        return 1
    if typical >= 0.1:
        return 2
    return 3


def capacity_text(capacity: object, unit: object) -> str:
    """Registered capacity with its unit in Czech: ``32 lůžek``, ``1 klient``, ``3 hovory``.

    Parameters
    ----------
    capacity : number
        Registered maximum capacity; missing gives ``"kapacita neuvedena"``.
    unit : str
        ``lůžka``, ``klienti``, ``kontakty``, ``intervence``, ``hovory`` (or the MPSV codes
        ``luzka``, ``klient``, ...); any other unit gives ``"Kapacita: 32 (unit)"``.

    Returns
    -------
    str
        Plain text (not escaped).
    """
    try:
        number = float(capacity)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        return "kapacita neuvedena"
    unit_text = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit).strip()
    unit_text = _CAPACITY_CODES.get(unit_text, unit_text)
    forms = _CAPACITY_FORMS.get(unit_text)
    if forms is None or number != int(number):
        shown = format_number(number, 0 if number == int(number) else 1)
        return f"Kapacita: {shown} ({unit_text})" if unit_text else f"Kapacita: {shown}"
    whole = int(number)
    form = forms[0] if whole == 1 else forms[1] if 2 <= whole <= 4 else forms[2]
    return f"{format_number(whole)} {form}"


_FORM_ADJECTIVES = {"residential": "pobytových", "ambulatory": "ambulantních", "field": "terénních"}
_UNIT_NOUNS = {"beds": ("Lůžka", "lůžek"), "clients": ("Klienti", "klientů"), "contacts": ("Kontakty", "kontaktů"),
               "interventions": ("Intervence", "intervencí"), "calls": ("Hovory", "hovorů")}
_PLAIN_LABELS = {
    "n_services": ("Počet služeb", "služeb"),
    "n_providers": ("Počet poskytovatelů", "poskytovatelů"),
    "n_places": ("Počet míst poskytování", "míst"),
    "n_white_spots": ("Počet bílých míst (obcí)", "obcí"),
    "population": ("Cílová populace", "obyvatel"),
    "mean_distance_km": ("Průměrná vzdálenost k nejbližší službě", "km"),
    "max_distance_km": ("Největší vzdálenost k nejbližší službě", "km"),
    "distance_km": ("Vzdálenost k nejbližší službě", "km"),
    "share_65_plus": ("Podíl obyvatel 65+", "%"),
    "share_80_plus": ("Podíl obyvatel 80+", "%"),
}


def indicator_label(column: str, population_label: str = "obyvatel") -> tuple[str, str | None]:
    """Czech legend title and unit for a column of the coverage tables.

    Parameters
    ----------
    column : str
        e.g. ``per_1000_residential_beds``, ``capacity_field_clients``, ``n_services``.
    population_label : str, default "obyvatel"
        How the target population reads after "na 1 000", e.g. ``"obyvatel 65+"``.

    Returns
    -------
    (label, unit)
        e.g. ``("Lůžka pobytových služeb na 1 000 obyvatel 65+", "lůžek na 1 000 obyvatel 65+")``;
        unknown columns give ``(column, None)``.
    """
    if column in _PLAIN_LABELS:
        return _PLAIN_LABELS[column]
    match = re.fullmatch(r"(per_1000|capacity|access_per_1000)_(residential|ambulatory|field)_(\w+)", column)
    if match and match.group(3) in _UNIT_NOUNS:
        kind, form, unit = match.groups()
        noun, genitive = _UNIT_NOUNS[unit]
        adjective = _FORM_ADJECTIVES[form]
        if kind == "capacity":
            return f"Kapacita {adjective} služeb ({noun.lower()})", genitive
        if kind == "per_1000":
            return (f"{noun} {adjective} služeb na 1\u00a0000 {population_label}",
                    f"{genitive} na 1\u00a0000 {population_label}")
        return (f"Dostupnost (2SFCA): {noun.lower()} {adjective} služeb na 1\u00a0000 {population_label}",
                f"{genitive} na 1\u00a0000 {population_label}")
    return column, None


# --------------------------------------------------------------------------- classes and colours

def class_breaks(
    values: pd.Series | np.ndarray,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    diverging: bool = False,
) -> np.ndarray:
    """Upper bounds of the classes of a choropleth, via mapclassify.

    Parameters
    ----------
    values : Series or array
        The indicator; NaN and infinities are ignored.
    scheme : {"quantiles", "natural_breaks", "fixed"}, default "quantiles"
        ``quantiles``: equal counts (mapclassify ``Quantiles``; when the lowest value,
        typically 0, is shared by more units than one class would hold, it gets a class
        of its own and the rest is split into ``k - 1`` quantiles); ``natural_breaks``:
        Fisher-Jenks optimal breaks (``FisherJenks``; above 800 values it is run on
        800 evenly spaced order statistics, which is deterministic and fast without
        numba); ``fixed``: the user's ``bins`` (``UserDefined``).
    k : int, default 5
        Number of classes (fewer when the data have fewer distinct values).
    bins : sequence of float, optional
        Upper bounds for ``scheme="fixed"``, strictly increasing; the data maximum is
        appended when it lies above the last bound.
    diverging : bool, default False
        Insert 0 as a break when the values straddle it, so no class mixes signs.

    Returns
    -------
    ndarray
        Strictly increasing upper bounds; the last one is at least the maximum. Empty
        when there is no finite value.
    """
    import mapclassify

    if scheme not in SCHEMES:
        raise UnknownValueError(f"unknown classification scheme {scheme!r}; valid schemes: {', '.join(SCHEMES)}")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise UnknownValueError(f"k must be a whole number of classes >= 1, got {k!r}")
    y = np.asarray(values, dtype=float)
    y = y[np.isfinite(y)]
    if scheme == "fixed":
        if bins is None or len(bins) == 0:
            raise UnknownValueError("scheme='fixed' needs bins: the upper bounds of the classes, e.g. bins=[1, 2, 5]")
        user = np.asarray(bins, dtype=float)
        if not np.all(np.isfinite(user)) or np.any(np.diff(user) <= 0):
            raise UnknownValueError(f"bins must be finite and strictly increasing, got {list(bins)!r}")
        out = user if y.size == 0 or y.max() <= user[-1] else np.append(user, y.max())
    elif y.size == 0:
        return np.array([], dtype=float)
    else:
        distinct = np.unique(y)
        k_eff = int(min(k, distinct.size))
        if k_eff <= 1:
            out = np.array([distinct[-1]])
        else:
            with warnings.catch_warnings():
                # mapclassify warns about duplicate quantiles and missing numba; both handled here.
                warnings.simplefilter("ignore")
                low = y.min()
                if scheme == "quantiles" and np.sum(y == low) > y.size / k_eff and k_eff > 2:
                    # A value shared by more units than one class holds (typically 0: no service)
                    # gets a class of its own; the others are split into k-1 quantiles.
                    rest = y[y > low]
                    k_rest = int(min(k_eff - 1, np.unique(rest).size))
                    upper = mapclassify.Quantiles(rest, k=k_rest).bins if k_rest > 1 else [rest.max()]
                    out = np.append([low], np.asarray(upper, dtype=float))
                elif scheme == "quantiles":
                    out = np.asarray(mapclassify.Quantiles(y, k=k_eff).bins, dtype=float)
                else:
                    sample = np.sort(y)
                    if sample.size > _JENKS_MAX_N:
                        idx = np.unique(np.linspace(0, sample.size - 1, _JENKS_MAX_N).round().astype(int))
                        sample = sample[idx]
                    k_sample = int(min(k_eff, np.unique(sample).size))
                    out = np.asarray(mapclassify.FisherJenks(sample, k=k_sample).bins, dtype=float)
            out = np.unique(out)
            out[-1] = max(out[-1], y.max())
    if diverging and y.size and y.min() < 0 < y.max() and not np.any(out == 0):
        out = np.unique(np.append(out, 0.0))
    return out


def _colors(cmap: str | Sequence[str] | None, breaks: np.ndarray, diverging: bool) -> list[str]:
    """One hex colour per class; diverging schemes are centred on 0."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    n = len(breaks)
    if n == 0:
        return []
    if cmap is not None and not isinstance(cmap, str):
        colours = [to_hex(c) for c in cmap]
        if len(colours) < n:
            raise UnknownValueError(f"cmap lists {len(colours)} colours but the map has {n} classes")
        return colours[:n]
    name = cmap or (DEFAULT_DIVERGING_CMAP if diverging else DEFAULT_SEQUENTIAL_CMAP)
    try:
        scale = colormaps[name]
    except KeyError:
        raise UnknownValueError(f"unknown colour map {name!r}; use a matplotlib colour map name "
                                "(e.g. 'YlGnBu', 'RdBu') or a list of colours") from None
    if not diverging:
        positions = np.linspace(0.15, 0.95, n) if n > 1 else np.array([0.6])
        return [to_hex(scale(p)) for p in positions]
    # Classes ending at or below 0 take the low half of the scale, the others the high half;
    # the class nearest to 0 on each side is the palest, so 0 sits at the centre of the scale.
    n_neg = int(np.sum(breaks <= 0)) if breaks[0] <= 0 else 0
    n_pos = n - n_neg
    steps = max(n_neg, n_pos)
    depth = lambda j: 0.12 + 0.36 * (j / max(steps - 1, 1))  # noqa: E731
    neg = [to_hex(scale(0.5 - depth(n_neg - 1 - i))) for i in range(n_neg)]
    pos = [to_hex(scale(0.5 + depth(i))) for i in range(n_pos)]
    return neg + pos


# --------------------------------------------------------------------------- geometry

def _to_wgs84(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise UnknownValueError(f"{what} must be a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise UnknownValueError(f"{what} has no CRS; set it first, e.g. {what}.set_crs('EPSG:4326')")
    return frame if frame.crs.equals(CRS_WGS84) else frame.to_crs(CRS_WGS84)


def simplify_units(units: gpd.GeoDataFrame, tolerance_m: float | None = None) -> gpd.GeoDataFrame:
    """Simplify polygon borders for a web map without gaps or overlaps between neighbours.

    Uses ``shapely.coverage_simplify`` (shared edges are simplified once, identically for
    both neighbours) in EPSG:5514. When the polygons are not a valid coverage (they
    overlap or their shared edges do not match), each polygon is simplified on its own
    with ``preserve_topology``, which may open hairline gaps but never drops a polygon.

    Parameters
    ----------
    units : GeoDataFrame
        Polygons in any CRS.
    tolerance_m : float, optional
        Simplification tolerance in metres; 0 keeps the geometry. Default: 1/3 000 of
        the larger side of the extent (about 160 m for all of CZ, 30 m for a kraj), i.e.
        about a third of a screen pixel when the whole extent is shown.

    Returns
    -------
    GeoDataFrame
        A copy in EPSG:4326 with simplified geometry.
    """
    frame = _to_wgs84(units, "units")
    if frame.empty:
        return frame.copy()
    metric = frame.geometry.to_crs(CRS_METRIC)
    if tolerance_m is None:
        minx, miny, maxx, maxy = metric.total_bounds
        tolerance_m = max(maxx - minx, maxy - miny) / 3000.0
    if tolerance_m < 0 or not math.isfinite(tolerance_m):
        raise UnknownValueError(f"tolerance_m must be >= 0 metres, got {tolerance_m!r}")
    out = frame.copy()
    if tolerance_m == 0:
        return out
    geoms = np.asarray(metric.array, dtype=object)
    if bool(shapely.coverage_is_valid(geoms)):
        simplified = shapely.coverage_simplify(geoms, tolerance_m)
    else:
        simplified = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    out = out.set_geometry(gpd.GeoSeries(simplified, index=frame.index, crs=CRS_METRIC).to_crs(CRS_WGS84))
    return out


def _encode_ints(values: np.ndarray) -> str:
    """Google's encoded-polyline characters for a flat array of signed integers."""
    chars = []
    for value in values.tolist():
        v = ~(value << 1) if value < 0 else value << 1
        while v >= 0x20:
            chars.append(chr((0x20 | (v & 0x1F)) + 63))
            v >>= 5
        chars.append(chr(v + 63))
    return "".join(chars)


def _encode_path(coords: np.ndarray, closed: bool) -> str | None:
    """One ring or line as an encoded polyline of (lon, lat) deltas on a 10^-4 degree grid.

    The grid (~7-11 m in CZ) is finer than any simplified choropleth border needs;
    rounding is per vertex, so a border shared by two polygons stays identical.
    Repeated points and a ring's closing point are dropped (Leaflet closes rings).
    Characters are 63-126: never ``<``, ``>`` or ``&``.
    """
    grid = np.round(np.asarray(coords)[:, :2] * 10 ** _COORD_DECIMALS).astype(np.int64)
    keep = np.ones(len(grid), dtype=bool)
    keep[1:] = np.any(grid[1:] != grid[:-1], axis=1)
    grid = grid[keep]
    if closed and len(grid) > 1 and np.all(grid[0] == grid[-1]):
        grid = grid[:-1]
    if len(grid) < (3 if closed else 2):
        return None
    deltas = np.diff(grid, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return _encode_ints(deltas.ravel())


def _polygon_coords(geom: object) -> list | None:
    """A (Multi)Polygon as [[shell, hole, ...], ...] of encoded rings; None when nothing is drawable."""
    if geom is None or shapely.is_empty(geom):
        return None
    polygons = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon":
            continue  # points or lines left by a GeometryCollection have no area to fill
        shell = _encode_path(part.exterior.coords, closed=True)
        if shell is None:
            continue
        holes = [r for r in (_encode_path(i.coords, closed=True) for i in part.interiors) if r is not None]
        polygons.append([shell, *holes])
    return polygons or None


def _line_coords(geom: object) -> list[str]:
    """The lines of a (Multi)LineString as encoded polylines."""
    lines = []
    for part in shapely.get_parts(geom):
        if part.geom_type in ("LineString", "LinearRing"):
            encoded = _encode_path(part.coords, closed=False)
            if encoded is not None:
                lines.append(encoded)
    return lines


def _bounds(frame: gpd.GeoDataFrame) -> list[list[float]]:
    minx, miny, maxx, maxy = frame.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


# --------------------------------------------------------------------------- page elements

_STYLE = """
<style>
.kpss-legend, .kpss-source, .kpss-note {background: rgba(255,255,255,.92); padding: 6px 9px;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.35); font: 12px/1.35 "Helvetica Neue", Arial, sans-serif;
  color: #222;}
.kpss-legend {max-width: 280px;}
.kpss-legend .kpss-legend-title {font-weight: bold; margin-bottom: 2px;}
.kpss-legend .kpss-legend-unit {color: #555; margin-bottom: 4px;}
.kpss-legend table {border-collapse: collapse;}
.kpss-legend td {padding: 1px 4px 1px 0; vertical-align: middle; white-space: nowrap;}
.kpss-legend .kpss-n {color: #666; text-align: right;}
.kpss-swatch {display: inline-block; width: 18px; height: 12px; border: 1px solid #888;}
.kpss-hatch-swatch {background: repeating-linear-gradient(45deg, #c2185b 0 2px, transparent 2px 6px);
  border: 2px solid #c2185b; width: 16px; height: 10px;}
.kpss-source {font-size: 11px; color: #444; max-width: 60vw;}
.kpss-note {font-size: 11px; color: #8a1c1c;}
.kpss-title {flex: 0 0 auto; order: -1; padding: 7px 14px; background: #fff; border-bottom: 1px solid #bbb;
  font: bold 17px/1.3 "Helvetica Neue", Arial, sans-serif; color: #111;}
.kpss-tip {font: 12px/1.35 "Helvetica Neue", Arial, sans-serif;}
.kpss-tip .kpss-code {color: #666; font-weight: normal;}
.kpss-tip table, .kpss-popup table {border-collapse: collapse; margin-top: 3px;}
.kpss-tip th, .kpss-popup th {text-align: left; font-weight: normal; color: #555; padding: 0 8px 0 0;
  vertical-align: top;}
.kpss-tip td {text-align: right; font-weight: bold;}
.kpss-tip .kpss-unit {font-weight: normal; color: #555;}
.kpss-popup {font: 12px/1.4 "Helvetica Neue", Arial, sans-serif; min-width: 220px;}
.kpss-popup .kpss-provider {color: #444;}
.kpss-marker span {display: block; width: 12px; height: 12px; border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 0 2px rgba(0,0,0,.8);}
.kpss-cluster div {width: 30px; height: 30px; border-radius: 50%; border: 2px solid #fff; color: #fff;
  box-shadow: 0 0 3px rgba(0,0,0,.7); text-align: center; font: bold 12px/26px Arial, sans-serif;
  text-shadow: 0 0 2px #000;}
.kpss-dot {display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 3px;
  border: 1px solid #fff; box-shadow: 0 0 1px #000;}
.kpss-white-spot {fill: url(#kpss-hatch);}
</style>
"""


_RUNTIME = """
<script>
/* kpss map runtime: decoders of the compact layer payloads written by kpss_lib.maps. */
var kpss = {
    // Google encoded polyline of (lon, lat) deltas on a 1e-4 degree grid -> [[lat, lon], ...]
    decode: function (s) {
        var pts = [], i = 0, x = 0, y = 0;
        while (i < s.length) {
            var v = [0, 0];
            for (var k = 0; k < 2; k++) {
                var shift = 0, res = 0, b;
                do { b = s.charCodeAt(i++) - 63; res |= (b & 31) << shift; shift += 5; } while (b >= 32);
                v[k] = (res & 1) ? ~(res >> 1) : (res >> 1);
            }
            x += v[0]; y += v[1];
            pts.push([y / 1e4, x / 1e4]);
        }
        return pts;
    },
    polygons: function (parts) {
        return parts.map(function (rings) { return rings.map(kpss.decode); });
    },
    pane: function (map, name, z, interactive) {
        if (name && !map.getPane(name)) {
            map.createPane(name).style.zIndex = z;
            if (!interactive) { map.getPane(name).style.pointerEvents = 'none'; }
        }
        return name || 'overlayPane';
    },
    row: function (k, v) { return '<tr><th>' + k + '</th><td>' + v + '</td></tr>'; }
};
</script>
"""


class _KpssStyle(MacroElement):
    """The stylesheet and the small runtime of kpss' layers; added once per map."""

    _template = Template("""
        {% macro header(this, kwargs) %}""" + _STYLE + _RUNTIME + """{% endmacro %}
    """)


def _ensure_style(m: folium.Map) -> None:
    if "kpss_style" not in m._children:
        m.add_child(_KpssStyle(), name="kpss_style")


class _HtmlControl(MacroElement):
    """A Leaflet control holding escaped HTML (legend, source line, notes).

    When ``layer`` names a layer, the box hides while that layer is switched off.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
            {%- if this.layer %}
            var layer = {{ this.layer }};
            map.on('overlayadd', function (e) { if (e.layer === layer) { control.addTo(map); } });
            map.on('overlayremove', function (e) { if (e.layer === layer) { control.remove(); } });
            {%- endif %}
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str, *, position: str, css_class: str, layer: str | None = None):
        super().__init__()
        self._name = "KpssControl"
        self.html_json = _js_json(html_text)
        self.position = position
        self.css_class = css_class
        self.layer = layer


class _TitleBar(MacroElement):
    """A title bar above the map (not over it, so it never hides the layer control).

    The page becomes a column: the title, then the map filling the rest of the height.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
        body {display: flex; flex-direction: column;}
        .folium-map {flex: 1 1 auto; min-height: 0; height: auto !important;}
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}<div class="kpss-title">{{ this.text }}</div>{% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "KpssTitle"
        self.text = text  # escaped by the caller


class _LeafletAssets(JSCSSMixin):
    """Leaflet itself (replaces folium's longer default list: jQuery, Bootstrap, awesome-markers)."""

    default_js = [("leaflet", LEAFLET_JS_URL)]
    default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    _template = Template("")


class _PolygonLayer(Layer):
    """Polygons from a compact payload: per feature [class, texts, encoded rings].

    ``payload`` keys: ``r`` rows, ``s`` style per class, ``l`` tooltip labels (escaped),
    ``u`` unit shown after the indicator, ``v`` index of the indicator among the labels,
    ``h`` hover style, ``i`` interactive, ``p`` pane, ``z`` its z-index, ``c`` CSS class.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this._parent.get_name() }};
            var d = {{ this.payload }};
            var pane = kpss.pane(map, d.p, d.z, d.i);
            {%- if this.hatch %}
            if (!document.getElementById('kpss-hatch')) {
                var ns = 'http://www.w3.org/2000/svg';
                var svg = document.createElementNS(ns, 'svg');
                svg.setAttribute('width', '0'); svg.setAttribute('height', '0');
                svg.style.position = 'absolute';
                svg.innerHTML = '<defs><pattern id="kpss-hatch" patternUnits="userSpaceOnUse" width="7" height="7" '
                    + 'patternTransform="rotate(45)"><rect width="7" height="7" fill="#ffffff" fill-opacity="0.25"/>'
                    + '<line x1="0" y1="0" x2="0" y2="7" stroke="{{ this.hatch }}" stroke-width="2.5"/></pattern></defs>';
                document.body.appendChild(svg);
            }
            {%- endif %}
            function tip(t) {
                var h = '<div class="kpss-tip"><b>' + t[0] + '</b>';
                if (t[1]) { h += ' <span class="kpss-code">(' + t[1] + ')</span>'; }
                h += '<table>';
                for (var i = 0; i < d.l.length; i++) {
                    h += kpss.row(d.l[i], t[i + 2] + (i === d.v && d.u ? ' <span class="kpss-unit">' + d.u + '</span>' : ''));
                }
                return h + '</table></div>';
            }
            var layer = L.featureGroup();
            d.r.forEach(function (r) {
                var style = Object.assign({pane: pane, interactive: d.i}, d.s[r[0]]);
                if (d.c) { style.className = d.c; }
                var shape = L.polygon(kpss.polygons(r[2]), style);
                if (d.i) {
                    shape.bindTooltip(function () { return tip(r[1]); },
                                      {sticky: true, className: 'kpss-tooltip', direction: 'top', offset: [0, -8]});
                    shape.on('mouseover', function () { shape.setStyle(d.h); shape.bringToFront(); });
                    shape.on('mouseout', function () { shape.setStyle(d.s[r[0]]); });
                }
                layer.addLayer(shape);
            });
            return layer;
        })();
        {% endmacro %}
    """)

    def __init__(self, payload: dict, *, name: str, show: bool = True, control: bool = True,
                 hatch: str | None = None):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "KpssPolygons"
        self.payload = _js_json(payload)
        self.hatch = hatch


class _LineLayer(Layer):
    """Non-interactive outlines (region, ORP) in their own pane above the polygons."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.payload }};
            var pane = kpss.pane({{ this._parent.get_name() }}, 'kpss-outlines', 450, false);
            return L.polyline(d.lines.map(kpss.decode), Object.assign({pane: pane, interactive: false}, d.style));
        })();
        {% endmacro %}
    """)

    def __init__(self, payload: dict, *, name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "KpssOutlines"
        self.payload = _js_json(payload)


class _MarkerLayer(JSCSSMixin, Layer):
    """Markers of one service type, clustered with Leaflet.markercluster when asked.

    ``payload``: ``m`` markers as [lat, lon, name, provider, type, [[form, capacity], ...],
    address] (texts escaped), ``c`` colour, ``k`` cluster or not. Popups are built
    when opened, so their labels are written once per page, not once per marker.
    """

    default_js = [("leaflet.markercluster", MARKERCLUSTER_JS_URL)]
    default_css = [("markercluster_css", MARKERCLUSTER_CSS_URL)]
    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.payload }};
            var group = d.k ? L.markerClusterGroup({
                showCoverageOnHover: false, maxClusterRadius: 40, disableClusteringAtZoom: 15,
                iconCreateFunction: function (cluster) {
                    return L.divIcon({
                        html: '<div style="background:' + d.c + '">' + cluster.getChildCount() + '</div>',
                        className: 'kpss-cluster', iconSize: L.point(34, 34)});
                }}) : L.featureGroup();
            var icon = L.divIcon({className: 'kpss-marker', html: '<span style="background:' + d.c + '"></span>',
                                  iconSize: [16, 16], iconAnchor: [8, 8], popupAnchor: [0, -8]});
            function popup(r) {
                var h = '<div class="kpss-popup"><b>' + r[2] + '</b>';
                if (r[3]) { h += '<div class="kpss-provider">' + r[3] + '</div>'; }
                h += '<table>';
                if (r[4]) { h += kpss.row('Druh', r[4]); }
                r[5].forEach(function (fc) {
                    if (fc[0]) { h += kpss.row('Forma', fc[0]); }
                    if (fc[1]) { h += kpss.row('Kapacita', fc[1]); }
                });
                if (r[6]) { h += kpss.row('Adresa', r[6]); }
                return h + '</table></div>';
            }
            d.m.forEach(function (r) {
                group.addLayer(new L.Marker([r[0], r[1]], {icon: icon})
                    .bindPopup(function () { return popup(r); }, {maxWidth: 340}));
            });
            return group;
        })();
        {% endmacro %}
    """)

    def __init__(self, payload: dict, *, name: str, show: bool = True):
        Layer.__init__(self, name=name, overlay=True, control=True, show=show)
        self._name = "KpssMarkers"
        self.payload = _js_json(payload)
        if not payload.get("k"):
            self.default_js = []
            self.default_css = []


class _FitBounds(MacroElement):
    """Open the map on ``bounds`` with no zoom animation.

    folium's ``L.map`` starts at ``zoom_start`` (8), so Leaflet animates a plain
    ``fitBounds`` whenever the fitted zoom is at most 4 levels away (its
    ``zoomAnimationThreshold``); e.g. an ORP at 1280×800 px fits at zoom 12. The animation
    starts in the next frame, after our layers have created their SVG renderers, and
    gives those SVGs the transition's transform (``scale(16)`` for 8 → 12). The SVGs
    carry ``will-change: transform`` (leaflet.css), and Chromium rasterised them at that
    passing scale and kept that raster once the transform was back at 1: polygons and
    outlines were cut off below a line (seemingly as far as the 16× raster fitted its
    tile memory), or drawn resampled at smaller scale steps. Fitting without
    animation puts the map at its final view before any layer exists.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "KpssFitBounds"
        self.bounds = bounds


def _finish(m: folium.Map) -> folium.Map:
    """Keep one layer control, last among the map's children (it must follow the layers it lists)."""
    for key in [k for k, child in m._children.items() if isinstance(child, folium.LayerControl)]:
        del m._children[key]
    n_layers = sum(1 for child in m._children.values() if isinstance(child, Layer) and child.control)
    m.add_child(folium.LayerControl(position="topright", collapsed=n_layers > 9))
    return m


def base_map(
    bounds: gpd.GeoDataFrame | Sequence[Sequence[float]],
    *,
    tiles: str | None = DEFAULT_TILES,
    title: str | None = None,
) -> folium.Map:
    """An empty map fitted to ``bounds`` that loads Leaflet only (no jQuery, Bootstrap, icon fonts).

    Parameters
    ----------
    bounds : GeoDataFrame or [[south, west], [north, east]]
        What the map opens on (degrees, EPSG:4326 for a list).
    tiles : str or None, default "OpenStreetMap"
        Base tiles, any name or URL template folium accepts; ``None`` for an offline map
        with a plain background.
    title : str, optional
        Title of the HTML document (browser tab); escaped here.
    """
    if isinstance(bounds, gpd.GeoDataFrame):
        frame = _to_wgs84(bounds, "bounds")
        if frame.empty:
            raise UnknownValueError("cannot fit a map to an empty GeoDataFrame")
        box = _bounds(frame)
    else:
        box = [[float(bounds[0][0]), float(bounds[0][1])], [float(bounds[1][0]), float(bounds[1][1])]]
    center = [(box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2]
    # maxZoom must be set on the map itself: markercluster needs it and an offline map has no tiles to give it.
    m = folium.Map(location=center, zoom_start=8, tiles=None, control_scale=True, zoom_snap=0.25)
    m.options.update(minZoom=5, maxZoom=18)
    # Instance attributes shadow folium's class-level list of CDN assets.
    m.default_js = list(_LeafletAssets.default_js)
    m.default_css = list(_LeafletAssets.default_css)
    if tiles is not None:
        folium.TileLayer(tiles, name="Podkladová mapa", control=False).add_to(m)
    m.add_child(_FitBounds(box), name="kpss_fit_bounds")
    if title:
        m.get_root().title = _esc(title)
    _ensure_style(m)
    return m


def add_title(m: folium.Map, title: str | None = None, source: str | None = None) -> folium.Map:
    """Add a title (top centre) and a source line (bottom left); both escaped.

    Parameters
    ----------
    title : str, optional
        e.g. ``"Domovy pro seniory – Zlínský kraj"``.
    source : str, optional
        Data sources and dates, e.g. ``"Zdroj: MPSV registr poskytovatelů sociálních
        služeb (9/2026), ČSÚ 31. 12. 2020, ČÚZK RÚIAN"``.
    """
    _ensure_style(m)
    if title:
        m.get_root()._children.pop("kpss_title", None)
        m.get_root().add_child(_TitleBar(_esc(title)), name="kpss_title")
        if not m.get_root().title:
            m.get_root().title = _esc(title)
    if source:
        for key in [k for k, c in m._children.items() if k.startswith("kpss_source")]:
            del m._children[key]
        m.add_child(_HtmlControl(_esc(source), position="bottomleft", css_class="kpss-source"), name="kpss_source")
    return m


# --------------------------------------------------------------------------- choropleth

def _pick(frame: pd.DataFrame, given: str | None, candidates: Sequence[str], what: str) -> str | None:
    if given is not None:
        if given not in frame.columns:
            raise UnknownValueError(f"{what} {given!r} is not a column of units; columns: {', '.join(map(str, frame.columns))}")
        return given
    return next((c for c in candidates if c in frame.columns), None)


def _format_column(series: pd.Series, decimals: int | None = None) -> list[str]:
    """Escaped display texts of a column: numbers the Czech way, text as is."""
    if pd.api.types.is_bool_dtype(series):
        return ["ano" if bool(v) else "ne" for v in series.fillna(False)]
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        places = _auto_decimals(values) if decimals is None else decimals
        return [format_number(v, places) for v in values]
    return [_esc(v) for v in series]


def _tooltip_spec(frame: pd.DataFrame, tooltip_columns: Sequence[str] | Mapping[str, str] | None,
                  exclude: Sequence[str | None]) -> list[tuple[str, str]]:
    if tooltip_columns is None:
        wanted = [c for c in ("pop_total",) if c in frame.columns]
        pairs = [(c, COLUMN_LABELS.get(c, c)) for c in wanted]
    elif isinstance(tooltip_columns, Mapping):
        pairs = [(str(c), str(label)) for c, label in tooltip_columns.items()]
    else:
        pairs = [(str(c), COLUMN_LABELS.get(str(c), str(c))) for c in tooltip_columns]
    missing = [c for c, _ in pairs if c not in frame.columns]
    if missing:
        raise UnknownValueError(f"tooltip column(s) {', '.join(map(repr, missing))} are not columns of units; "
                                f"columns: {', '.join(map(str, frame.columns))}")
    return [(c, label) for c, label in pairs if c not in exclude]


def choropleth_map(
    units: gpd.GeoDataFrame,
    column: str,
    *,
    label: str,
    unit: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str | Sequence[str] | None = None,
    diverging: bool = False,
    tooltip_columns: Sequence[str] | Mapping[str, str] | None = None,
    title: str | None = None,
    source: str | None = None,
    m: folium.Map | None = None,
    tiles: str | None = DEFAULT_TILES,
    name_column: str | None = None,
    code_column: str | None = None,
    decimals: int | None = None,
    simplify_m: float | None = None,
    show: bool = True,
) -> folium.Map:
    """Choropleth of one indicator over obce, ORP or any polygons, with a Czech legend.

    Parameters
    ----------
    units : GeoDataFrame
        One row per unit with ``column`` and polygons in any CRS.
    column : str
        Numeric indicator column; NaN (and ±inf) are drawn grey as "bez dat".
    label : str
        Czech name of the indicator for the legend, tooltip and layer control,
        e.g. ``"Lůžka na 1 000 obyvatel 65+"``.
    unit : str, optional
        Unit shown under the legend title and after the value in tooltips.
    scheme : {"quantiles", "natural_breaks", "fixed"}, default "quantiles"
        Class breaks, see :func:`class_breaks`.
    k : int, default 5
        Number of classes.
    bins : sequence of float, optional
        Upper bounds of the classes for ``scheme="fixed"``.
    cmap : str or list of colours, optional
        matplotlib colour map name or explicit colours (one per class). Default
        ``"YlGnBu"`` (sequential, for rates) or ``"RdBu"`` when ``diverging``.
    diverging : bool, default False
        For deviations: 0 becomes a class break, negative classes take the red half of
        the scale and positive ones the blue half.
    tooltip_columns : list of str or {column: label}, optional
        Extra rows of the tooltip after the unit's name and code. Default: ``pop_total``
        when present. Labels of a plain list come from :data:`COLUMN_LABELS`.
    title, source : str, optional
        Map title and source line (see :func:`add_title`).
    m : folium.Map, optional
        Add to this map instead of a new one.
    tiles : str or None, default "OpenStreetMap"
        Base tiles of a new map; ``None`` for offline use.
    name_column, code_column : str, optional
        Unit name and code shown at the top of the tooltip; default the first of
        ``obec_name, orp_name, okres_name, kraj_name`` / ``obec_code, orp_code, ...``.
    decimals : int, optional
        Decimals of the indicator in legend and tooltip; default from the values' size.
    simplify_m : float, optional
        Border simplification tolerance in metres (:func:`simplify_units`); 0 keeps the
        borders as given (use it when they are simplified already).
    show : bool, default True
        Whether the layer is switched on when the map opens.

    Returns
    -------
    folium.Map
    """
    if column not in units.columns:
        raise UnknownValueError(f"column {column!r} is not in units; columns: {', '.join(map(str, units.columns))}")
    if not pd.api.types.is_numeric_dtype(units[column]) or pd.api.types.is_bool_dtype(units[column]):
        raise UnknownValueError(f"column {column!r} must be numeric, got dtype {units[column].dtype}")
    frame = simplify_units(units, simplify_m)
    if frame.empty:
        raise UnknownValueError("units is empty: nothing to map")
    name_col = _pick(frame, name_column, _NAME_COLUMNS, "name_column")
    code_col = _pick(frame, code_column, _CODE_COLUMNS, "code_column")
    extra = _tooltip_spec(frame, tooltip_columns, exclude=[column, name_col, code_col])

    values = frame[column].to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(values)
    breaks = class_breaks(values, scheme, k, bins, diverging)
    colours = _colors(cmap, breaks, diverging)
    classes = np.full(len(values), len(breaks), dtype=int)  # index len(breaks) = no data
    if len(breaks):
        classes[finite] = np.minimum(np.searchsorted(breaks, values[finite], side="left"), len(breaks) - 1)

    places = decimals if decimals is not None else _auto_decimals(np.append(values[finite], breaks))
    if decimals is None and len(breaks):
        while places < 4 and len({format_number(b, places) for b in breaks}) < len(breaks):
            places += 1  # distinct breaks must read as distinct

    n_units = len(frame)
    stroke_weight = 0.3 if n_units > 2000 else 0.6 if n_units > 300 else 1.0
    base_style = {"color": "#555555", "weight": stroke_weight, "opacity": 0.6, "fillOpacity": 0.78}
    styles = [dict(base_style, fillColor=c) for c in colours] + [dict(base_style, fillColor=NO_DATA_COLOR)]

    names = _format_column(frame[name_col]) if name_col else ["" for _ in range(n_units)]
    codes = _format_column(frame[code_col].astype("string")) if code_col else ["" for _ in range(n_units)]
    value_texts = [format_number(v, places) for v in values]
    extra_texts = [_format_column(frame[c]) for c, _ in extra]
    labels = [_esc(label)] + [_esc(lbl) for _, lbl in extra]

    rows = []
    for i, geom in enumerate(frame.geometry.values):
        coords = _polygon_coords(geom)
        if coords is None:
            continue  # an empty geometry has nothing to draw; its value still counts in the legend
        texts = [names[i], codes[i], value_texts[i], *(col[i] for col in extra_texts)]
        rows.append([int(classes[i]), texts, coords])

    payload = {"r": rows, "s": styles, "l": labels, "u": _esc(unit) if unit else "", "v": 0,
               "h": {"weight": 2.5, "color": "#111111", "opacity": 1}, "i": True, "p": "", "z": 400, "c": ""}
    if m is None:
        m = base_map(frame, tiles=tiles, title=title)
    _ensure_style(m)
    layer = _PolygonLayer(payload, name=_esc(label), show=show)
    m.add_child(layer)

    # Legend: one row per class with its range and how many units fall in it.
    counts = np.bincount(classes, minlength=len(breaks) + 1)
    lower = float(np.nanmin(values[finite])) if finite.any() else math.nan
    legend_rows = []
    # Counts (whole numbers) get exact, non-overlapping ranges: "0", "1 – 5", "6 – 12".
    whole = bool(finite.any()) and bool(np.all(values[finite] == np.round(values[finite]))) and places == 0 \
        and bool(np.all(breaks == np.round(breaks)))
    for i, upper in enumerate(breaks):
        low = lower if i == 0 else breaks[i - 1] + (1 if whole else 0)
        low = min(low, upper) if math.isfinite(low) else upper
        if format_number(low, places) == format_number(upper, places):
            text = format_number(upper, places)
        elif i > 0 and not whole and legend_rows and legend_rows[-1][1] == format_number(low, places):
            # The previous class is the single value `low` (e.g. all zeros): say this one excludes it.
            text = f"nad {format_number(low, places)} do {format_number(upper, places)}"
        else:
            text = f"{format_number(low, places)} – {format_number(upper, places)}"
        legend_rows.append((colours[i], text, int(counts[i])))
    if counts[len(breaks)]:
        legend_rows.append((NO_DATA_COLOR, NO_DATA_LABEL, int(counts[len(breaks)])))
    rows_html = "".join(
        f'<tr><td><span class="kpss-swatch" style="background:{c}"></span></td><td>{t}</td>'
        f'<td class="kpss-n">({n})</td></tr>' for c, t, n in legend_rows)
    legend_html = (f'<div class="kpss-legend-title">{_esc(label)}</div>'
                   + (f'<div class="kpss-legend-unit">{_esc(unit)}</div>' if unit else "")
                   + f"<table>{rows_html}</table>")
    m.add_child(_HtmlControl(legend_html, position="bottomright", css_class="kpss-legend", layer=layer.get_name()))
    add_title(m, title, source)
    return _finish(m)


# --------------------------------------------------------------------------- other layers

def white_spots_layer(
    units: gpd.GeoDataFrame,
    m: folium.Map,
    *,
    column: str | None = None,
    name: str = "Bílá místa",
    description: str | None = None,
    simplify_m: float | None = None,
    color: str = WHITE_SPOT_COLOR,
) -> folium.Map:
    """Hatch and outline the units flagged as white spots (e.g. obce no service reaches).

    The layer does not catch the mouse, so the choropleth's tooltip still shows below it.

    Parameters
    ----------
    units : GeoDataFrame
        Units; all of them are white spots unless ``column`` is given.
    m : folium.Map
        The map to add to.
    column : str, optional
        Boolean column: only rows where it is true are drawn.
    name : str, default "Bílá místa"
        Layer and legend name.
    description : str, optional
        What makes a white spot, shown in the legend (e.g. ``"žádná pečovatelská služba
        do 15 km"``).
    simplify_m : float, optional
        See :func:`simplify_units`; pass 0 when ``units`` are simplified already.
    color : str, default "#c2185b"
        Outline and hatch colour.
    """
    frame = _to_wgs84(units, "units")
    if column is not None:
        if column not in frame.columns:
            raise UnknownValueError(f"column {column!r} is not in units; columns: {', '.join(map(str, frame.columns))}")
        flags = frame[column]
        if not pd.api.types.is_bool_dtype(flags):
            raise UnknownValueError(f"column {column!r} must be boolean (true = white spot), got dtype {flags.dtype}")
        frame = frame[flags.fillna(False).to_numpy(dtype=bool)]
    frame = simplify_units(frame, simplify_m)
    rows = [[0, [], c] for c in (_polygon_coords(g) for g in frame.geometry.values) if c is not None]
    style = {"color": color, "weight": 2.2, "opacity": 0.95, "fillColor": color, "fillOpacity": 0.9}
    payload = {"r": rows, "s": [style], "l": [], "u": "", "v": 0, "h": {}, "i": False,
               "p": "kpss-white-spots", "z": 420, "c": "kpss-white-spot"}
    _ensure_style(m)
    layer = _PolygonLayer(payload, name=f'<span class="kpss-dot" style="background:{_esc(color)}"></span>{_esc(name)}',
                          hatch=_esc(color))
    m.add_child(layer)
    text = (f'<table><tr><td><span class="kpss-swatch kpss-hatch-swatch"></span></td>'
            f"<td>{_esc(name)} ({len(rows)})</td></tr></table>"
            + (f'<div class="kpss-legend-unit">{_esc(description)}</div>' if description else ""))
    m.add_child(_HtmlControl(text, position="bottomright", css_class="kpss-legend", layer=layer.get_name()))
    return _finish(m)


def outline_layer(
    units: gpd.GeoDataFrame,
    m: folium.Map,
    *,
    by: str | None = None,
    name: str = "Hranice",
    color: str = "#222222",
    weight: float = 1.5,
    dash: str | None = None,
    simplify_m: float | None = None,
) -> folium.Map:
    """Outlines of groups of units (ORP of a kraj's obce, the whole region), not clickable.

    Groups are dissolved from ``units`` themselves (``shapely.coverage_union_all``),
    so the lines lie exactly on the choropleth's borders when both use the same
    simplified units.

    Parameters
    ----------
    units : GeoDataFrame
        Polygons in any CRS.
    m : folium.Map
        The map to add to.
    by : str, optional
        Column to dissolve by (e.g. ``"orp_code"``); None dissolves everything into
        one outline.
    name : str, default "Hranice"
        Layer name in the layer control.
    color : str, default "#222222"
    weight : float, default 1.5
        Line width in pixels.
    dash : str, optional
        SVG dash pattern, e.g. ``"4 3"``.
    simplify_m : float, optional
        See :func:`simplify_units`; pass 0 when ``units`` are simplified already.
    """
    frame = simplify_units(units, simplify_m)
    if by is not None and by not in frame.columns:
        raise UnknownValueError(f"column {by!r} is not in units; columns: {', '.join(map(str, frame.columns))}")
    groups = [frame.geometry.values] if by is None else [g.geometry.values for _, g in frame.groupby(by, sort=True)]
    lines: list = []
    for geoms in groups:
        parts = np.asarray(geoms, dtype=object)
        try:
            merged = shapely.coverage_union_all(parts) if bool(shapely.coverage_is_valid(parts)) \
                else shapely.union_all(parts)
        except shapely.errors.GEOSException:
            merged = shapely.union_all(parts)
        lines.extend(_line_coords(shapely.boundary(merged)))
    style = {"color": color, "weight": weight, "opacity": 0.9}
    if dash:
        style["dashArray"] = dash
    m.add_child(_LineLayer({"lines": lines, "style": style}, name=_esc(name)))
    return _finish(m)


def _qualitative(n: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    palette = [to_hex(c) for c in colormaps["tab10"].colors] + [to_hex(c) for c in colormaps["Dark2"].colors]
    return [palette[i % len(palette)] for i in range(n)]


def _marker_row(group: pd.DataFrame) -> list:
    """One service at one place: [lat, lon, name, provider, type, [[form, capacity], ...], address], escaped."""
    first = group.iloc[0]
    get = lambda col: first[col] if col in group.columns else None  # noqa: E731
    name = _esc(get("service_name")) or "Služba bez názvu"
    provider = _esc(get("provider_name"))
    if provider and _esc(get("provider_ico")):
        provider += f" (IČO {_esc(get('provider_ico'))})"
    kind = _esc(get("type_name"))
    if _esc(get("paragraph")):
        kind = f"{kind} ({_esc(get('paragraph'))})" if kind else _esc(get("paragraph"))
    lines: list[list[str]] = []
    for _, r in group.iterrows():
        form = r.get("form") if "form" in group.columns else None
        form_text = _esc(_FORM_CODES.get(str(form), form))
        cap = capacity_text(r.get("capacity"), r.get("capacity_unit")) if "capacity" in group.columns else ""
        try:
            n_places = int(r.get("n_places")) if "n_places" in group.columns else 1
        except (TypeError, ValueError):
            n_places = 1
        if cap and n_places > 1:
            # The register gives one capacity per service and form, shared by all its places.
            cap += f" (celá služba, {n_places} {'místa' if n_places <= 4 else 'míst'})"
        line = [form_text, _esc(cap)]
        if line not in lines:
            lines.append(line)
    address = _esc(get("address")) or _esc(get("obec_name"))
    return [round(float(first["_lat"]), 5), round(float(first["_lon"]), 5), name, provider, kind, lines, address]


def service_markers(
    places: pd.DataFrame,
    m: folium.Map,
    *,
    by: str = "type_name",
    cluster: bool = True,
    colors: Mapping[str, str] | None = None,
    show: bool = True,
) -> folium.Map:
    """Service locations as markers, one toggleable layer per service type.

    Rows of one service at one place (several forms or capacity units) share one
    marker whose popup lists each form with its capacity. Rows without coordinates
    cannot be placed: their number per layer is shown in a note on the map (never
    dropped silently).

    Parameters
    ----------
    places : DataFrame
        ``ServiceData.places`` or ``.services`` (or any table with ``lon``, ``lat`` in
        degrees and the ``by`` column). Used when present: ``service_id, service_name,
        provider_name, provider_ico, type_name, paragraph, form, capacity,
        capacity_unit, n_places, address, obec_name``.
    m : folium.Map
        The map to add to (e.g. from :func:`choropleth_map`).
    by : str, default "type_name"
        Column whose values become the layers.
    cluster : bool, default True
        Cluster nearby markers (Leaflet.markercluster) until zoom 15.
    colors : {value: colour}, optional
        Marker colour per layer; default a qualitative palette.
    show : bool, default True
        Whether the layers are switched on when the map opens.
    """
    required = ["lon", "lat", by]
    missing = [c for c in required if c not in places.columns]
    if missing:
        raise UnknownValueError(f"places lacks column(s) {', '.join(map(repr, missing))}; "
                                f"columns: {', '.join(map(str, places.columns))}")
    frame = places.copy()
    frame["_lon"] = pd.to_numeric(frame["lon"], errors="coerce")
    frame["_lat"] = pd.to_numeric(frame["lat"], errors="coerce")
    placeable = frame["_lon"].between(-180, 180) & frame["_lat"].between(-90, 90)
    frame["_layer"] = frame[by].astype("string").fillna("neuvedeno")
    order = frame["_layer"].value_counts(sort=True)
    palette = dict(zip(order.index, _qualitative(len(order))))
    if colors:
        palette.update({str(k): v for k, v in colors.items()})
    _ensure_style(m)
    unplaced = []
    key_cols = [c for c in ("service_id",) if c in frame.columns] + ["_lat", "_lon"]
    for value in order.index:
        rows = frame[frame["_layer"] == value]
        ok = rows[placeable.loc[rows.index]]
        n_unplaced = int(len(rows) - len(ok))
        markers = []
        for (_, group) in ok.groupby(key_cols, sort=False, dropna=False):
            markers.append(_marker_row(group))
        n_services = rows["service_id"].nunique() if "service_id" in rows.columns else len(markers)
        colour = palette[value]
        label = (f'<span class="kpss-dot" style="background:{_esc(colour)}"></span>{_esc(value)} '
                 f"({format_number(n_services)})")
        m.add_child(_MarkerLayer({"m": markers, "c": _esc(colour), "k": bool(cluster)}, name=label, show=show))
        if n_unplaced:
            unplaced.append(f"{_esc(value)}: {format_number(n_unplaced)}")
    if unplaced:
        note = "Bez souřadnic, na mapě nejsou (záznamů): " + "; ".join(unplaced)
        m.add_child(_HtmlControl(note, position="bottomleft", css_class="kpss-note"))
    return _finish(m)


# --------------------------------------------------------------------------- the whole map

def coverage_map(
    units: gpd.GeoDataFrame,
    column: str,
    *,
    label: str,
    unit: str | None = None,
    places: pd.DataFrame | None = None,
    white_spots: str | None = None,
    white_spots_description: str | None = None,
    outline_by: str | None = "orp_code",
    outline_label: str = "Hranice ORP",
    region_label: str = "Hranice území",
    title: str | None = None,
    source: str | None = None,
    tiles: str | None = DEFAULT_TILES,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str | Sequence[str] | None = None,
    diverging: bool = False,
    tooltip_columns: Sequence[str] | Mapping[str, str] | None = None,
    services_by: str = "type_name",
    cluster: bool = True,
    simplify_m: float | None = None,
) -> folium.Map:
    """The complete coverage map: choropleth, white spots, outlines, services, title, source.

    Borders are simplified once (:func:`simplify_units`) and shared by every layer, so
    the outlines lie exactly on the choropleth's borders.

    Parameters
    ----------
    units, column, label, unit, scheme, k, bins, cmap, diverging, tooltip_columns, title, source, tiles
        As in :func:`choropleth_map`.
    places : DataFrame, optional
        Service places for :func:`service_markers`.
    white_spots : str, optional
        Boolean column of ``units`` flagging white spots (:func:`white_spots_layer`).
    white_spots_description : str, optional
        What a white spot means, for the legend.
    outline_by : str or None, default "orp_code"
        Column of ``units`` whose groups are outlined (skipped when missing or when every
        unit is its own group, e.g. an ORP-level map).
    outline_label, region_label : str
        Layer names of the group outlines and of the region's outline.
    services_by, cluster
        As in :func:`service_markers`.
    simplify_m : float, optional
        Border tolerance in metres, default automatic.
    """
    simple = simplify_units(units, simplify_m)
    m = choropleth_map(simple, column, label=label, unit=unit, scheme=scheme, k=k, bins=bins, cmap=cmap,
                       diverging=diverging, tooltip_columns=tooltip_columns, title=title, source=source,
                       tiles=tiles, simplify_m=0)
    if white_spots is not None:
        white_spots_layer(simple, m, column=white_spots, description=white_spots_description, simplify_m=0)
    if outline_by is not None and outline_by in simple.columns and simple[outline_by].nunique() < len(simple):
        outline_layer(simple, m, by=outline_by, name=outline_label, color="#333333", weight=1.4, simplify_m=0)
    outline_layer(simple, m, by=None, name=region_label, color="#000000", weight=2.6, simplify_m=0)
    if places is not None:
        service_markers(places, m, by=services_by, cluster=cluster)
    return m


def source_line(places: pd.DataFrame) -> str:
    """Czech source line with the dates of the inputs, e.g. "Zdroj: MPSV … (9/2026), ČSÚ 31. 12. 2020, ČÚZK RÚIAN"."""
    from kpss_lib.load.territory import POPULATION_FILE

    services = "MPSV, registr poskytovatelů sociálních služeb"
    sources = places["source"].dropna().astype(str).unique() if "source" in places.columns else []
    dates = sorted({f"{int(m.group(2))}/{m.group(1)}" for s in sources
                    if (m := re.search(r"(20\d\d)-(\d\d)", s))})
    if dates:
        services += f" ({', '.join(dates)})"
    year = re.search(r"(\d{4})", POPULATION_FILE)
    population = f"ČSÚ, obyvatelstvo k 31. 12. {year.group(1)}" if year else "ČSÚ, obyvatelstvo"
    return f"Zdroj: {services}; {population}; hranice ČÚZK RÚIAN"


def region_map(region_query: str, *, level: str = "obec", services: list[str] | None = None,
              population: str | None = None, indicator: str | None = None, scheme: str = "quantiles",
              k: int = 5, bins: list[float] | None = None, white_spots_km: float | None = None,
              markers: bool = True, offline: bool = False, title: str | None = None, data=None):
    """The coverage map of one region as ``kpss map`` draws it; returns ``(folium.Map, Region)``.

    Loads the data, selects the services, computes the indicator with
    :func:`kpss_lib.indicators.coverage.coverage_table` (and white spots with
    :func:`~kpss_lib.indicators.coverage.white_spots`) and draws :func:`coverage_map`.

    Parameters
    ----------
    region_query : str
        Region name or code (``find_region``), e.g. ``"Zlínský kraj"``.
    level : {"obec", "orp"}, default "obec"
        Units of the choropleth.
    services : list of str, optional
        Kinds of service (MPSV codes, names, §); default every kind.
    population : str, optional
        ``total``, ``0-14``, ``15-64``, ``65+``, ``80+``; default from the kinds of service.
    indicator : str, optional
        Column of the coverage table; default the ``per_1000_*`` column of the measure
        with the largest registered capacity.
    scheme, k, bins
        Class breaks (:func:`class_breaks`).
    white_spots_km : float, optional
        Hatch obce with no selected service within this distance (obec level only).
    markers : bool, default True
        Draw the selected services of the region.
    offline : bool, default False
        No base tiles.
    title : str, optional
        Default: "<selection> – <region>, podle obcí|ORP".
    data : (obce, ServiceData), optional
        Already loaded inputs, so a loop over kraje loads them once.

    Examples
    --------
    >>> m, region = region_map("Zlínský kraj", services=["domovy pro seniory"])  # doctest: +SKIP
    >>> save_map(m, "outputs/zlinsky_kraj.html")  # doctest: +SKIP
    """
    from kpss_lib.indicators.coverage import coverage_table, default_measure, white_spots
    from kpss_lib.indicators.selection import default_population, select_services
    from kpss_lib.load.services import load_services
    from kpss_lib.load.territory import POPULATION_LABELS, find_region, load_obce, units_of

    if level not in MAP_LEVELS:
        raise UnknownValueError(f"unknown level {level!r}; valid levels: {', '.join(MAP_LEVELS)}")
    obce, service_data = data if data is not None else (load_obce(), load_services())
    region = find_region(region_query)
    selected = select_services(service_data.places, types=services)
    population = population or default_population(services)
    table = coverage_table(obce, selected, region, level, population)
    if indicator is None:
        measure = default_measure(table)
        indicator = f"per_1000_{measure}" if measure else "n_services"
    if indicator not in table.columns:
        raise UnknownValueError(f"unknown indicator {indicator!r}; columns of the coverage table: "
                                f"{', '.join(c for c in table.columns if c not in ('unit_code', 'unit_name', 'level'))}")
    key = f"{level}_code"
    units = units_of(region, level)
    values = table.drop(columns=[key], errors="ignore").rename(columns={"unit_code": key})
    keep = [c for c in values.columns if c not in units.columns or c == key]
    merged = units.merge(values[keep], on=key, how="left", validate="1:1")
    white_column = None
    if white_spots_km is not None:
        if level != "obec":
            raise UnknownValueError("--white-spots-km needs --level obec (white spots are obce)")
        spots = white_spots(obce, selected, region, radius_km=white_spots_km, population=population)
        merged["white_spot"] = merged["obec_code"].isin(spots["obec_code"])
        white_column = "white_spot"
    pop_text = POPULATION_LABELS.get(population, population).replace("obyvatelé", "obyvatel")
    label, unit = indicator_label(indicator, pop_text)
    selection_text = selected.attrs.get("selection") or "všechny sociální služby"
    title = title or f"{selection_text[:1].upper()}{selection_text[1:]} – {region.name}, {_LEVEL_TITLES[level]}"
    tooltip = {c: COLUMN_LABELS.get(c, c) for c in ("pop_total", "population", "n_services") if c in merged}
    if "population" in tooltip:
        tooltip["population"] = f"Cílová populace ({pop_text.replace('obyvatel ', '')})"
    region_places = selected[selected["obec_code"].isin(region.obce)] if markers else None
    m = coverage_map(
        merged, indicator, label=label, unit=unit, places=region_places, white_spots=white_column,
        white_spots_description=(f"žádná vybraná služba do {format_number(white_spots_km, 0)} km"
                                 if white_column else None),
        outline_by="orp_code" if level == "obec" else None, title=title, source=source_line(selected),
        tiles=None if offline else DEFAULT_TILES, scheme=scheme, k=k, bins=bins, tooltip_columns=tooltip)
    return m, region

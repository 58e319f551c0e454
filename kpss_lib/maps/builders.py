"""Map builders: GeoDataFrame in, :class:`folium.Map` out, no indicator maths.

The indicators are computed in :mod:`kpss_lib.indicators` and handed in as columns.
Every builder reprojects to EPSG:4326 inside, accepts ``m=None`` (or ``m``) to add its
layers to an existing map, and returns the map. Save a map with
:func:`kpss_lib.mapio.save_map`, which embeds Leaflet so the file opens with no network;
show it in a notebook with :func:`kpss_lib.maps.show`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kpss_lib.errors import UnknownValueError
from kpss_lib.maps.basemap import base_map, vector_base_layer
from kpss_lib.maps.elements import _ensure_style, _finish, _HtmlControl, _LineLayer, _PolygonLayer, _TitleBar
from kpss_lib.maps.geometry import _encode_point, _line_coords, _polygon_coords, _to_wgs84, simplify_units
from kpss_lib.maps.markers import service_markers
from kpss_lib.maps.styles import (_SCHEME_NOTES, DEFAULT_TILES, NO_DATA_COLOR, SHARED_BREAKS_NOTE, WHITE_SPOT_COLOR,
                                  _colors, class_breaks, legend_table)
from kpss_lib.maps.text import _CODE_COLUMNS, _NAME_COLUMNS, _auto_decimals, _esc
from kpss_lib.vocabulary import BOOLEAN, column_label, format_number


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
        return [BOOLEAN[bool(v)] for v in series.fillna(False)]
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        places = _auto_decimals(values) if decimals is None else decimals
        return [format_number(v, places) for v in values]
    return [_esc(v) for v in series]


def _tooltip_spec(frame: pd.DataFrame, tooltip_columns: Sequence[str] | Mapping[str, str] | None,
                  exclude: Sequence[str | None]) -> list[tuple[str, str]]:
    if tooltip_columns is None:
        wanted = [c for c in ("pop_total",) if c in frame.columns]
        pairs = [(c, column_label(c)) for c in wanted]
    elif isinstance(tooltip_columns, Mapping):
        pairs = [(str(c), str(label)) for c, label in tooltip_columns.items()]
    else:
        pairs = [(str(c), column_label(str(c))) for c in tooltip_columns]
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
    breaks: Sequence[float] | None = None,
    breaks_note: str | None = None,
    labels: bool = True,
    class_labels: Sequence[str] | None = None,
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
        when present. Labels of a plain list come from :func:`kpss_lib.vocabulary.column_label`.
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
    breaks : sequence of float, optional
        Given class upper bounds, e.g. from :func:`shared_breaks` over the whole territory
        of a run, so every map of the run shares its classes (``scheme``, ``k`` and
        ``bins`` are then ignored). Values above the last bound fall in the last class.
    breaks_note : str, optional
        What the classes are, shown under the legend. Default: "společné pro všechny mapy
        běhu" with ``breaks``, else how they were computed for this map.
    labels : bool, default True
        Show unit names on the map where a unit is wide enough on screen for its name.
    class_labels : list of str, optional
        Legend text of each class instead of its range (one per class), e.g. travel bands.

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
    if breaks is not None:
        given = np.asarray(breaks, dtype=float)
        if given.size == 0 or not np.all(np.isfinite(given)) or np.any(np.diff(given) <= 0):
            raise UnknownValueError(f"breaks must be finite and strictly increasing, got {list(breaks)!r}")
        bounds = given
    else:
        bounds = class_breaks(values, scheme, k, bins, diverging)
    colours = _colors(cmap, bounds, diverging)
    classes = np.full(len(values), len(bounds), dtype=int)  # index len(bounds) = no data
    if len(bounds):
        classes[finite] = np.minimum(np.searchsorted(bounds, values[finite], side="left"), len(bounds) - 1)

    places = decimals if decimals is not None else _auto_decimals(np.append(values[finite], bounds))
    if decimals is None and len(bounds):
        while places < 4 and len({format_number(b, places) for b in bounds}) < len(bounds):
            places += 1  # distinct breaks must read as distinct

    n_units = len(frame)
    stroke_weight = 0.3 if n_units > 2000 else 0.6 if n_units > 300 else 1.0
    base_style = {"color": "#555555", "weight": stroke_weight, "opacity": 0.6, "fillOpacity": 0.78}
    styles = [dict(base_style, fillColor=c) for c in colours] + [dict(base_style, fillColor=NO_DATA_COLOR)]

    names = _format_column(frame[name_col]) if name_col else ["" for _ in range(n_units)]
    codes = _format_column(frame[code_col].astype("string")) if code_col else ["" for _ in range(n_units)]
    value_texts = [format_number(v, places) for v in values]
    extra_texts = [_format_column(frame[c]) for c, _ in extra]
    labels_html = [_esc(label)] + [_esc(lbl) for _, lbl in extra]

    # A label point inside each unit (point_on_surface: inside even for a crescent-shaped obec).
    at = shapely.point_on_surface(np.asarray(frame.geometry.array, dtype=object)) if labels and name_col else None
    rows = []
    for i, geom in enumerate(frame.geometry.values):
        coords = _polygon_coords(geom)
        if coords is None:
            continue  # an empty geometry has nothing to draw; its value still counts in the legend
        texts = [names[i], codes[i], value_texts[i], *(col[i] for col in extra_texts)]
        row = [int(classes[i]), texts, coords]
        if at is not None and names[i]:
            row.append(_encode_point(shapely.get_x(at[i]), shapely.get_y(at[i])))
        rows.append(row)

    # Hover: a thick black outline and a slightly stronger fill; the fill keeps its colour, so
    # a highlighted unit never reads as pale (a white spot).
    payload = {"r": rows, "s": styles, "l": labels_html, "u": _esc(unit) if unit else "", "v": 0,
               "h": {"weight": 3, "color": "#000000", "opacity": 1, "fillOpacity": 0.92}, "i": True, "p": "",
               "z": 400, "c": "", "n": at is not None}
    if m is None:
        m = base_map(frame, tiles=tiles, title=title)
    _ensure_style(m)
    layer = _PolygonLayer(payload, name=_esc(label), show=show)
    m.add_child(layer)

    if breaks_note is None:
        breaks_note = (SHARED_BREAKS_NOTE if breaks is not None
                       else _SCHEME_NOTES.get("fixed" if bins is not None and scheme == "fixed" else scheme, ""))
    legend_html = legend_table(values, classes, bounds, colours, places, label=label, unit=unit,
                               given=breaks is not None, note=breaks_note, class_labels=class_labels)
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
    m.add_child(_LineLayer({"g": [[lines, style]]}, name=_esc(name)))
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
    breaks: Sequence[float] | None = None,
    breaks_note: str | None = None,
    name_column: str | None = None,
    code_column: str | None = None,
    base: bool = True,
    roads: gpd.GeoDataFrame | None = None,
    decimals: int | None = None,
    class_labels: Sequence[str] | None = None,
) -> folium.Map:
    """The complete coverage map: choropleth, white spots, outlines, offline base, services, title, source.

    Borders are simplified once (:func:`simplify_units`) and shared by every layer, so
    the outlines lie exactly on the choropleth's borders.

    Parameters
    ----------
    units, column, label, unit, scheme, k, bins, cmap, diverging, tooltip_columns, title, source, tiles
        As in :func:`choropleth_map`.
    decimals, class_labels
        Decimals of the values and the legend text of each class, see :func:`choropleth_map`.
    breaks, breaks_note
        Class bounds shared by several maps (:func:`shared_breaks`), see :func:`choropleth_map`.
    name_column, code_column : str, optional
        The unit's own name and code for the tooltip, e.g. ``unit_name``/``unit_code`` of a
        comparison table; default the first of ``unit_name, obec_name, orp_name, ...``.
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
    base : bool, default True
        Add the offline vector base (:func:`vector_base_layer`: main roads, neighbouring
        ORP); its roads start switched off over online tiles.
    roads : GeoDataFrame, optional
        Road segments for the base; default :func:`kpss_lib.load.roads.load_roads` when present.
    """
    simple = simplify_units(units, simplify_m)
    m = choropleth_map(simple, column, label=label, unit=unit, scheme=scheme, k=k, bins=bins, cmap=cmap,
                       diverging=diverging, tooltip_columns=tooltip_columns, title=title, source=source,
                       tiles=tiles, simplify_m=0, breaks=breaks, breaks_note=breaks_note,
                       name_column=name_column, code_column=code_column, decimals=decimals,
                       class_labels=class_labels)
    if white_spots is not None:
        white_spots_layer(simple, m, column=white_spots, description=white_spots_description, simplify_m=0)
    if outline_by is not None and outline_by in simple.columns and simple[outline_by].nunique() < len(simple):
        outline_layer(simple, m, by=outline_by, name=outline_label, color="#333333", weight=1.4, simplify_m=0)
    outline_layer(simple, m, by=None, name=region_label, color="#000000", weight=2.6, simplify_m=0)
    if base:
        vector_base_layer(m, simple, roads=roads, show_roads=tiles is None)
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


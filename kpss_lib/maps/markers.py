"""Service places as markers: one toggleable layer per kind of service, one fixed colour per kind."""
from __future__ import annotations

from collections.abc import Mapping

import folium
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.maps.elements import _ensure_style, _finish, _HtmlControl, _MarkerLayer
from kpss_lib.maps.styles import service_color
from kpss_lib.load.services import FORMS
from kpss_lib.maps.text import _esc
from kpss_lib.vocabulary import capacity_text, format_number


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
        form_text = _esc(FORMS.get(str(form), form))
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


def _places_word(n: int) -> str:
    return "místo" if n == 1 else "místa" if 2 <= n <= 4 else "míst"


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
        Marker colour per layer; default the kind's fixed colour (:func:`service_color`
        of the rows' ``type_code``, else of the value), the same on every map.
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
    codes = (frame.dropna(subset=["type_code"]).groupby("_layer")["type_code"].first()
             if "type_code" in frame.columns else pd.Series(dtype=object))
    palette = {value: service_color(codes.get(value), value) for value in order.index}
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
        colour = palette[value]
        # The count is of the places drawn, so it matches what the reader can count on the map.
        label = (f'<span class="kpss-dot" style="background:{_esc(colour)}"></span>{_esc(value)} '
                 f"({format_number(len(markers))} {_places_word(len(markers))})")
        m.add_child(_MarkerLayer({"m": markers, "c": _esc(colour), "k": bool(cluster)}, name=label, show=show))
        if n_unplaced:
            unplaced.append(f"{_esc(value)}: {format_number(n_unplaced)}")
    if unplaced:
        note = "Bez souřadnic, na mapě nejsou (záznamů): " + "; ".join(unplaced)
        m.add_child(_HtmlControl(note, position="bottomleft", css_class="kpss-note"))
    return _finish(m)


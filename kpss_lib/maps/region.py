"""``region_map``: load, compute and draw one region as ``kpss map`` does.

Being replaced by the analysis core's study path; kept working, not extended.
"""
from __future__ import annotations

from kpss_lib.errors import UnknownValueError
from kpss_lib.maps.builders import COLUMN_LABELS, coverage_map, source_line
from kpss_lib.maps.styles import DEFAULT_TILES
from kpss_lib.maps.text import format_number, indicator_label

#: Unit levels :func:`region_map` draws.
MAP_LEVELS = ("obec", "orp")
_LEVEL_TITLES = {"obec": "podle obcí", "orp": "podle ORP"}
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

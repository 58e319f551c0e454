"""Czech names of the indicators a map can show, of the kinds of distance, and of travel bands.

``kpss map --indicator "dostupnost 2SFCA"`` names an indicator the way a coordinator
does; :func:`map_indicator` turns the name into its key. A key ending in ``_`` is a
family of columns, one per capacity measure (``per_1000_`` → ``per_1000_residential_beds``),
that :func:`kpss_lib.study_maps.study_map` completes with the measure of the selection.
"""
from __future__ import annotations

import difflib
import re

from kpss_lib.errors import UnknownValueError
from kpss_lib.vocabulary.numbers import format_number

#: Czech name → key of every indicator ``kpss map`` draws; the first names are the usual ones.
MAP_INDICATORS: dict[str, str] = {
    "kapacita na 1 000": "per_1000_",
    "dostupnost 2SFCA": "access_per_1000_",
    "vzdálenost k nejbližší službě": "distance",
    "dojezd": "travel_band",
    "kapacita": "capacity_",
    "počet služeb": "n_services",
    "počet poskytovatelů": "n_providers",
    "počet míst poskytování": "n_places",
    "cílová populace": "population",
    "podíl 65+": "share_65_plus",
    "podíl 80+": "share_80_plus",
    "největší vzdálenost k nejbližší službě": "max_distance_km",
    "bílá místa": "n_white_spots",
    "podíl cílové populace v bílých místech": "share_population_white_spots",
}

#: The kind of distance of ``Settings.cost`` as a legend says it.
COST_KINDS: dict[str, str] = {
    "straight": "vzdušná vzdálenost",
    "road": "vzdálenost po silnicích",
    "drive": "jízdní doba po silnicích",
}


def _normal(text: str) -> str:
    """Lower case, one plain space, "1000" and "1 000" alike (users type either)."""
    text = re.sub(r"[\s\u00a0]+", " ", text.strip().lower())
    return re.sub(r"(\d) (\d{3})\b", r"\1\2", text)


def map_indicator(name: str) -> str:
    """The key of an indicator named in Czech (or already a key / column name).

    Parameters
    ----------
    name : str
        e.g. ``"dostupnost 2SFCA"``, ``"kapacita na 1000"`` (case and spaces do not
        matter), or a column of the coverage table such as ``per_1000_residential_beds``.

    Returns
    -------
    str
        A key of :data:`MAP_INDICATORS`, or ``name`` itself when it looks like a column
        name (lower-case ASCII with underscores); the map then checks that the column exists.

    Raises
    ------
    UnknownValueError
        naming what came, the closest Czech names and all of them.
    """
    wanted = _normal(name)
    for czech, key in MAP_INDICATORS.items():
        if wanted in (_normal(czech), key.rstrip("_")):
            return key
    if re.fullmatch(r"[a-z0-9_]+", name.strip()):
        return name.strip()
    raise UnknownValueError(unknown_indicator(name))


def unknown_indicator(name: str, columns: "list[str] | None" = None) -> str:
    """The message for an indicator nobody knows: the closest names, then every Czech name."""
    choices = [*MAP_INDICATORS, *(columns or [])]
    close = difflib.get_close_matches(_normal(name), choices, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ";"
    return (f"unknown indicator {name!r}{hint} expected one of: {', '.join(repr(c) for c in MAP_INDICATORS)}"
            + (" or a column of the table: " + ", ".join(columns) if columns else " (or a column of the coverage table)"))


def travel_band_labels(bounds: tuple[float, ...], unit: str) -> list[str]:
    """Legend rows of travel bands: ``(10, 20, 30)``, "min" → "do 10 min", "10–20 min", "20–30 min", "nad 30 min"."""
    text = [format_number(b, 0 if float(b).is_integer() else 1) for b in bounds]
    rows = [f"do {text[0]} {unit}"]
    rows += [f"{low}–{high} {unit}" for low, high in zip(text, text[1:])]
    return rows + [f"nad {text[-1]} {unit}"]

"""Class breaks and colours: what a colour means on every map kpss makes.

Choropleth classes come from :func:`class_breaks` (one map) or :func:`shared_breaks`
(one set of breaks for all maps of a run, so two reports compare by eye). Kinds of
service get one fixed colour each, keyed by the MPSV code (:data:`SERVICE_COLORS`).
"""
from __future__ import annotations

import warnings
import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.maps.text import _esc

#: Class-break schemes of :func:`choropleth_map`.
SCHEMES = ("quantiles", "natural_breaks", "fixed")
NO_DATA_COLOR = "#c8c8c8"
DEFAULT_SEQUENTIAL_CMAP = "YlGnBu"
#: Red below zero, blue above: deviations below the benchmark read as a shortfall.
DEFAULT_DIVERGING_CMAP = "RdBu"
WHITE_SPOT_COLOR = "#c2185b"
DEFAULT_TILES = "OpenStreetMap"
# Above this many values the exact Fisher-Jenks optimisation (O(k n²), pure Python
# without numba) is run on evenly spaced order statistics instead of all values.
_JENKS_MAX_N = 800
# Neighbouring breaks closer than this share of the value range are merged: classes like
# "38,8 – 38,9" on a 0–80 scale separate nothing a reader can see.
_MIN_CLASS_SHARE = 1 / 40

#: One fixed colour per kind of social service, keyed by its MPSV code (the code list
#: ``DruhSocialniSluzby``: 1, 3–35), so a kind has the same colour on every map kpss makes.
#: Residential care for seniors is red, home care green; none is the white-spot magenta.
SERVICE_COLORS: dict[str, str] = {
    "1": "#17becf", "3": "#9467bd", "4": "#2ca02c", "5": "#bcbd22", "6": "#8c6d31", "7": "#637939",
    "8": "#ff7f0e", "9": "#8c564b", "10": "#e377c2", "11": "#7570b3", "12": "#393b79", "13": "#d62728",
    "14": "#1f77b4", "15": "#1b9e77", "16": "#7f7f7f", "17": "#e6ab02", "18": "#aec7e8", "19": "#c49c94",
    "20": "#843c39", "21": "#ad494a", "22": "#a55194", "23": "#d95f02", "24": "#6b6ecf", "25": "#66a61e",
    "26": "#5254a3", "27": "#7b4173", "28": "#e7ba52", "29": "#98df8a", "30": "#a6761d", "31": "#ce6dbd",
    "32": "#ff9896", "33": "#9edae5", "34": "#e7298a", "35": "#8ca252",
}
# For values with no MPSV code (partners, projects, an unknown kind): picked by a hash of
# the text, so the same text gets the same colour on every map too.
_OTHER_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2", "#edc948", "#bab0ac")
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
        Number of classes. When there are at most ``k`` distinct values, each value is a
        class of its own; computed breaks closer than 1/40 of the value range are merged.
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
        if distinct.size <= k:
            # Few distinct values (or all equal): each value is a class of its own, except
            # values too close to tell apart (38,7 and 38,9 on a 0–39 scale), merged below.
            out = _merge_close(distinct, y) if distinct.size > 1 else distinct.copy()
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
            out = _merge_close(np.unique(out), y)
    if diverging and y.size and y.min() < 0 < y.max() and not np.any(out == 0):
        out = np.unique(np.append(out, 0.0))
    return out


def _merge_close(breaks: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Drop breaks closer to the previous one than a visible share of the range; the last is the maximum."""
    top = float(y.max())
    min_gap = (top - float(y.min())) * _MIN_CLASS_SHARE
    kept: list[float] = []
    for b in breaks[:-1]:
        if not kept or b - kept[-1] >= min_gap:
            kept.append(float(b))
    while kept and top - kept[-1] < min_gap:
        kept.pop()  # the maximum closes the last class; a break just below it would isolate a sliver
    return np.array([*kept, max(top, float(breaks[-1]))])


def shared_breaks(
    values: pd.Series | np.ndarray | Sequence[pd.Series | np.ndarray],
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    diverging: bool = False,
) -> np.ndarray:
    """Class breaks for every map of a run, computed once over the run's whole territory.

    Pass the result as ``breaks=`` to :func:`~kpss_lib.maps.choropleth_map` or
    :func:`~kpss_lib.maps.coverage_map` of each region: a colour then means the same
    value range in every report of the run, so two reports compare by eye.

    Parameters
    ----------
    values : Series, array, or a sequence of them
        The indicator over the whole territory of the run (e.g. all obce of the kraje
        the run maps), or one Series/array per map, which are pooled.
    scheme, k, bins, diverging
        As in :func:`class_breaks`.

    Returns
    -------
    ndarray
        Strictly increasing upper bounds of the classes.

    Examples
    --------
    >>> shared_breaks([[0, 1, 2, 3], [10, 20, 30, 40]], k=2).tolist()
    [6.5, 40.0]
    """
    if isinstance(values, (pd.Series, np.ndarray)):
        pooled = np.asarray(values, dtype=float).ravel()
    else:
        parts = [np.asarray(v, dtype=float).ravel() for v in values]
        pooled = np.concatenate(parts) if parts else np.array([], dtype=float)
    return class_breaks(pooled, scheme, k, bins, diverging)


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

def service_color(code: object = None, text: object = None) -> str:
    """The fixed colour of a kind of service: by MPSV code, else a stable pick by its text.

    Parameters
    ----------
    code : str or int, optional
        MPSV code of the kind (``"13"``, ``13``, ``"13.0"``), see :data:`SERVICE_COLORS`.
    text : str, optional
        The layer's text, used when the code is missing or unknown.

    Returns
    -------
    str
        Hex colour; the same inputs give the same colour in every map and run.
    """
    try:
        key = str(int(float(code)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        key = None
    if key in SERVICE_COLORS:
        return SERVICE_COLORS[key]
    return _OTHER_COLORS[zlib.crc32(str(text if text is not None else code).encode("utf-8")) % len(_OTHER_COLORS)]


#: Legend note of classes given to a map (:func:`shared_breaks`).
SHARED_BREAKS_NOTE = "Třídy jsou společné pro všechny mapy tohoto běhu: stejná barva znamená stejné hodnoty."
_SCHEME_NOTES = {
    "quantiles": "Třídy: kvantily hodnot tohoto území (nesrovnávejte barvy mezi mapami).",
    "natural_breaks": "Třídy: přirozené zlomy hodnot tohoto území (nesrovnávejte barvy mezi mapami).",
    "fixed": "Třídy: pevně zadané hranice.",
}


def legend_table(
    values: np.ndarray,
    classes: np.ndarray,
    bounds: np.ndarray,
    colours: Sequence[str],
    places: int,
    *,
    label: str,
    unit: str | None,
    given: bool,
    note: str | None,
    class_labels: Sequence[str] | None = None,
) -> str:
    """Escaped legend HTML: one row per class with its range and how many units fall in it.

    Parameters
    ----------
    values : ndarray
        The indicator per unit (NaN = no data).
    classes : ndarray of int
        Class index per unit; ``len(bounds)`` means no data.
    bounds : ndarray
        Upper bounds of the classes.
    colours : list of str
        Fill per class.
    places : int
        Decimals of the numbers.
    label, unit : str
        Title and unit line (plain text; escaped here).
    given : bool
        The bounds were given for several maps (ranges from the bounds: "do 10", "nad 10
        do 50"), not computed from these values (ranges from the values: "0", "1 – 5").
    note : str, optional
        Line under the table saying what the classes are (plain text).
    class_labels : list of str, optional
        The text of each class instead of its range, e.g. "do 10 min" (plain text).
    """
    from kpss_lib.vocabulary import NO_DATA_LABEL, format_number

    finite = np.isfinite(values)
    counts = np.bincount(classes, minlength=len(bounds) + 1)
    fmt = lambda v: format_number(v, places)  # noqa: E731
    # Counts (whole numbers) get exact, non-overlapping ranges: "0", "1 – 5", "6 – 12".
    whole = (bool(finite.any()) and bool(np.all(values[finite] == np.round(values[finite]))) and places == 0
             and bool(np.all(bounds == np.round(bounds))))
    rows = []
    for i, upper in enumerate(bounds):
        in_class = values[finite & (classes == i)]
        if given:
            text = (f"do {fmt(upper)}" if i == 0 else
                    f"{fmt(bounds[i - 1] + 1)} – {fmt(upper)}" if whole else f"nad {fmt(bounds[i - 1])} do {fmt(upper)}")
            if whole and fmt(bounds[i - 1] + 1) == fmt(upper):
                text = fmt(upper)
        else:
            low = (float(in_class.min()) if in_class.size else upper) if i == 0 else \
                bounds[i - 1] + (1 if whole else 0)
            if fmt(low) == fmt(upper) or (in_class.size and np.all(in_class == upper)):
                text = fmt(upper)  # a class of one value (few distinct values, or a tied minimum)
            elif i > 0 and not whole and rows and rows[-1][1] == fmt(low):
                # The previous class is the single value `low` (e.g. all zeros): say this one excludes it.
                text = f"nad {fmt(low)} do {fmt(upper)}"
            else:
                text = f"{fmt(low)} – {fmt(upper)}"
        rows.append((colours[i], _esc(class_labels[i]) if class_labels is not None else text, int(counts[i])))
    if counts[len(bounds)]:
        rows.append((NO_DATA_COLOR, NO_DATA_LABEL, int(counts[len(bounds)])))
    rows_html = "".join(
        f'<tr><td><span class="kpss-swatch" style="background:{c}"></span></td><td>{t}</td>'
        f'<td class="kpss-n">({n})</td></tr>' for c, t, n in rows)
    return (f'<div class="kpss-legend-title">{_esc(label)}</div>'
            + (f'<div class="kpss-legend-unit">{_esc(unit)}</div>' if unit else "")
            + f"<table>{rows_html}</table>"
            + (f'<div class="kpss-legend-note">{_esc(note)}</div>' if note else ""))

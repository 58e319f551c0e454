"""The network of services ("síť sociálních služeb"): which kinds each unit has, lacks, and how far.

For a region, per unit (ORP or obec) and per working group of the plan (a set of
kinds, :func:`kpss_lib.load.services.working_groups`): which kinds are present in
the unit, which are missing, and how far the nearest place of each kind is.

Supply is **presence**: any table of places with ``type_code`` and EPSG:5514
``x``/``y`` (metres) and the unit's code column: ``ServiceData.places`` of the
register or the catalogue, or ``FacilityData.facilities`` of a kraj catalogue
(which has no capacity). Nothing here adds capacities.

Distance is a parameter (``distance``): by default the straight line
(:func:`kpss_lib.indicators.distance.nearest_distance_km`). Any function with the
same signature, ``distance(origins, destinations) -> Series`` of km indexed like
``origins`` (``inf`` when there is no destination), can replace it, e.g. a road
distance or drive time when one exists; the output then names what it measured
through ``distance_label``.

Origins are the obce's definition points. A unit's ``nearest_km`` is 0 when the kind
is present in the unit, else the shortest distance from any of its obce to a place
of the kind (anywhere in the supply table: services beyond the region's border
count); ``worst_obec_km`` is the distance of the unit's worst-off obec.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.distance import nearest_distance_km, require_columns

__all__ = ["DistanceFunction", "LEVELS", "NETWORK_LABELS", "network_by_kind", "network_summary", "obec_nearest_km"]

#: ``distance(origins, destinations) -> Series`` of km indexed like ``origins``.
DistanceFunction = Callable[[pd.DataFrame, pd.DataFrame], pd.Series]
#: Unit levels of the network and their code/name columns.
LEVELS = {"orp": ("orp_code", "orp_name"), "obec": ("obec_code", "obec_name")}


def obec_nearest_km(obce: pd.DataFrame, supply: pd.DataFrame, type_codes: Sequence[str],
                    distance: DistanceFunction = nearest_distance_km) -> pd.DataFrame:
    """Distance from every obec to the nearest place of each kind.

    Parameters
    ----------
    obce : DataFrame
        ``obec_code`` and EPSG:5514 ``x``, ``y`` (metres) of the origins.
    supply : DataFrame
        Places with ``type_code``, ``x``, ``y``.
    type_codes : sequence of str
        Kinds to measure.
    distance : callable, default straight line
        See the module docstring.

    Returns
    -------
    DataFrame
        Indexed like ``obce``, one float column per kind (km; ``inf`` when the supply
        has no place of the kind).
    """
    require_columns(supply, ["type_code", "x", "y"], "supply")
    return pd.DataFrame({code: distance(obce, supply[supply["type_code"] == code]) for code in type_codes},
                        index=obce.index)


def network_by_kind(
    obce: pd.DataFrame,
    supply: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    level: str = "orp",
    type_names: Mapping[str, str] | None = None,
    distance: DistanceFunction = nearest_distance_km,
) -> pd.DataFrame:
    """One row per unit × working group × kind: present or not, how many places, how far.

    Parameters
    ----------
    obce : DataFrame
        The region's obce: ``obec_code, obec_name, orp_code, orp_name, x, y``
        (e.g. ``region_obce(region)``); every unit of ``level`` among them gets rows.
    supply : DataFrame
        Places with ``type_code``, ``x``, ``y`` and ``obec_code``/``orp_code``; may
        reach beyond the region (the nearest place can be across the border).
    groups : {working group: [type_code, ...]}
        From :func:`kpss_lib.load.services.working_groups`; a kind may sit in several groups.
    level : {"orp", "obec"}, default "orp"
    type_names : {type_code: name}, optional
        Names for the ``type_name`` column; default the codes.
    distance : callable, default straight line
        See the module docstring.

    Returns
    -------
    DataFrame
        ``unit_code, unit_name, working_group, type_code, type_name``, ``in_input``
        (whether the supply has the kind anywhere: a catalogue of seniors' services
        has no azylové domy, which says nothing about reality), ``n_places`` (places
        of the kind in the unit), ``present`` (bool), ``nearest_km`` (0 when present;
        ``inf`` when not in the input), ``worst_obec_km`` (km, the unit's obec
        farthest from the kind).
    """
    if level not in LEVELS:
        raise UnknownValueError(f"level: expected one of {', '.join(LEVELS)}, got {level!r}")
    if not groups:
        raise UnknownValueError("groups: expected at least one working group with its kinds, got none")
    code_col, name_col = LEVELS[level]
    require_columns(obce, ["obec_code", code_col, name_col, "x", "y"], "obce")
    require_columns(supply, ["type_code", "x", "y", code_col], "supply")
    kinds = list(dict.fromkeys(code for members in groups.values() for code in members))
    per_obec = obec_nearest_km(obce, supply, kinds, distance)
    per_obec[code_col] = obce[code_col].to_numpy()
    nearest = per_obec.groupby(code_col)[kinds].agg(["min", "max"])
    counts = supply[supply[code_col].isin(obce[code_col])].groupby([code_col, "type_code"]).size()
    in_input = set(supply["type_code"])
    units = obce[[code_col, name_col]].drop_duplicates(code_col).sort_values(code_col)
    names = type_names or {}
    rows = []
    for unit_code, unit_name in zip(units[code_col], units[name_col]):
        for group, members in groups.items():
            for code in members:
                n = int(counts.get((unit_code, code), 0))
                rows.append({"unit_code": unit_code, "unit_name": unit_name, "working_group": group,
                             "type_code": code, "type_name": names.get(code, code), "in_input": code in in_input,
                             "n_places": n, "present": n > 0, "nearest_km": 0.0 if n else float(nearest.at[unit_code, (code, "min")]),
                             "worst_obec_km": float(nearest.at[unit_code, (code, "max")])})
    return pd.DataFrame(rows)


def network_summary(by_kind: pd.DataFrame) -> pd.DataFrame:
    """One row per unit × working group from :func:`network_by_kind`.

    Returns
    -------
    DataFrame
        ``unit_code, unit_name, working_group, n_kinds`` (kinds of the group),
        ``n_in_input`` (of them, kinds the supply input has at all), ``n_present``,
        ``n_missing`` (in the input but not in the unit), ``share_present`` (0–1, of the
        kinds in the input; NaN when the input has none of the group), ``missing``
        (``"; "``-joined names of the missing kinds, nearest first, each with its
        distance in km), ``not_in_input`` (names of the kinds the input lacks: unknown,
        not absent), ``farthest_missing_km`` (km to the nearest place of the worst-served
        missing kind; NaN when none is missing).
    """
    def one(part: pd.DataFrame) -> pd.Series:
        known = part[part["in_input"]]
        missing = known[~known["present"]].sort_values("nearest_km")
        text = "; ".join(f"{name} ({_km(km)})"
                         for name, km in zip(missing["type_name"], missing["nearest_km"]))
        return pd.Series({"n_kinds": len(part), "n_in_input": len(known), "n_present": int(known["present"].sum()),
                          "n_missing": len(missing),
                          "share_present": known["present"].mean() if len(known) else np.nan,
                          "missing": text, "not_in_input": "; ".join(part.loc[~part["in_input"], "type_name"]),
                          "farthest_missing_km": missing["nearest_km"].max() if len(missing) else np.nan})

    keys = ["unit_code", "unit_name", "working_group"]
    order = list(dict.fromkeys(by_kind["working_group"]))
    summary = (by_kind.groupby(keys, sort=False)[["type_name", "in_input", "present", "nearest_km"]]
               .apply(one).reset_index())
    summary["working_group"] = pd.Categorical(summary["working_group"], order, ordered=True)
    return summary.sort_values(["unit_code", "working_group"]).reset_index(drop=True).assign(
        working_group=lambda f: f["working_group"].astype(str))


def _km(value: float) -> str:
    """Czech decimal comma: 12.4 → "12,4 km"."""
    return f"{value:.1f} km".replace(".", ",")


#: Czech column labels of :func:`network_by_kind` and :func:`network_summary` (tables, notebooks).
NETWORK_LABELS = {
    "unit_code": "Kód jednotky", "unit_name": "Jednotka", "working_group": "Pracovní skupina",
    "type_code": "Kód druhu", "type_name": "Druh služby", "in_input": "Druh ve vstupu",
    "n_places": "Počet míst v jednotce", "present": "V jednotce je", "nearest_km": "Nejbližší (km)",
    "worst_obec_km": "Nejhůře dostupná obec (km)", "n_kinds": "Druhů ve skupině",
    "n_in_input": "Druhů ve vstupu", "n_present": "Druhů v jednotce", "n_missing": "Chybějících druhů",
    "share_present": "Podíl přítomných druhů", "missing": "Chybí (vzdálenost k nejbližšímu)",
    "not_in_input": "Vstup neobsahuje (nelze posoudit)", "farthest_missing_km": "Nejvzdálenější chybějící (km)",
}

"""Czech labels of the indicator tables' columns, their number formats, legends; tables relabelled."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.coverage import FORM_KEYS, UNIT_KEYS
from kpss_lib.load.datapaq import DATAPAQ_INDICATORS
from kpss_lib.load.territory import LEVEL_LABELS, POPULATION_LABELS
from kpss_lib.vocabulary.numbers import _NBSP, BOOLEAN, format_value

OUTPUT_FORMATS = (".csv", ".xlsx", ".parquet")

_STATIC = {
    "unit_code": "Kód jednotky", "unit_name": "Územní jednotka", "level": "Úroveň",
    "region_code": "Kód území", "region_name": "Území", "region_level": "Úroveň území",
    "obec_code": "Kód obce", "obec_name": "Obec", "pou_code": "Kód POU", "pou_name": "POU",
    "orp_code": "Kód ORP", "orp_name": "ORP", "okres_code": "Kód okresu", "okres_name": "Okres",
    "okres_csu_code": "Kód okresu (ČSÚ)", "kraj_code": "Kód kraje (NUTS3)", "kraj_name": "Kraj",
    "kraj_csu_code": "Kód kraje (ČSÚ)", "n_okresy": "Počet okresů", "n_orp": "Počet ORP",
    "x": "X (S-JTSK, m)", "y": "Y (S-JTSK, m)",
    "n_obce": "Počet obcí", "partial": "Jen část jednotky v území",
    "pop_total": "Obyvatelé celkem", "pop_0_14": "Obyvatelé 0–14", "pop_15_64": "Obyvatelé 15–64",
    "pop_65_plus": "Obyvatelé 65+", "pop_80_plus": "Obyvatelé 80+",
    "population_zero": "Nulová cílová populace",
    "n_services": "Počet služeb", "n_providers": "Počet poskytovatelů", "n_places": "Počet míst poskytování",
    "share_population": "Podíl na cílové populaci území",
    "share_65_plus": "Podíl obyvatel 65+", "share_80_plus": "Podíl obyvatel 80+",
    "mean_distance_km": "Průměrná vzdálenost k nejbližší službě (km, vážený průměr)",
    "max_distance_km": "Největší vzdálenost k nejbližší službě (km)",
    "n_white_spots": "Obce bez služby v dosahu (bílá místa)",
    "share_population_white_spots": "Podíl cílové populace v bílých místech",
    "terrain_reach": "Dosah terénních služeb",
    "distance_km": "Vzdálenost k nejbližší službě (km)",
    "distance_fixed_km": "Vzdálenost k nejbližší pobytové či ambulantní službě (km)",
    "nearest_service_id": "ID nejbližší služby", "nearest_service_name": "Nejbližší služba",
    "nearest_obec_name": "Obec nejbližší služby",
    "n_terrain_reaching": "Počet terénních služeb s dosahem do obce",
    "covered": "V dosahu služby", "white_spot": "Bílé místo",
    "n_ranked": "Počet jednotek v pořadí", "n_peers": "Počet sociálně podobných ORP",
    "peer_names": "Sociálně podobné ORP (DataPAQ)",
    "service_id": "ID služby", "service_name": "Služba", "provider_name": "Poskytovatel",
    "provider_ico": "IČO", "type_name": "Druh služby", "form": "Forma", "capacity_unit": "Jednotka kapacity",
    "type_code": "Druh služby (kód)", "capacity": "Kapacita", "date_from": "Poskytováno od",
    "date_to": "Poskytováno do", "status": "Stav",
    # planning forward (gap, scenarios, siting: kpss_lib.planning_forward)
    "measure": "Ukazatel kapacity", "norm": "Norma", "norm_per_1000": "Norma na 1 000 cílové populace",
    "per_1000": "Kapacita na 1 000 cílové populace", "needed": "Potřebná kapacita podle normy",
    "gap": "Chybějící kapacita", "surplus": "Kapacita nad normou",
    "balance": "Bilance (kapacita − potřeba, jen informativně)",
    "n_units_gap": "Jednotky pod normou", "n_units_surplus": "Jednotky nad normou",
    "n_units_no_norm": "Jednotky bez normy", "scenario": "Scénář", "change": "Změna",
    "rank": "Pořadí", "k": "Počet nových služeb", "method": "Metoda",
    "newly_covered": "Nově v dosahu (cílová populace)", "cost_saved": "Úspora (osoby × km/min)",
    "sites": "Navržené obce", "population_white_spots_before": "Cílová populace v bílých místech – před",
    "population_white_spots_after": "Cílová populace v bílých místech – po",
    "mean_cost_before": "Průměrná vzdálenost k nejbližší službě – před",
    "mean_cost_after": "Průměrná vzdálenost k nejbližší službě – po",
}
_SUFFIXES = {
    "_vs_kraj": "rozdíl proti kraji", "_vs_cz": "rozdíl proti ČR", "_vs_peers": "rozdíl proti podobným ORP",
    "_kraj": "kraj", "_cz": "ČR", "_okres": "okres", "_peers": "sociálně podobné ORP",
    "_before": "před", "_after": "po", "_change": "změna",
}
_FORMS_CZ = {key: form for form, key in FORM_KEYS.items()}
_UNITS_CZ = {key: unit for unit, key in UNIT_KEYS.items()}
_MEASURES = {f"{fk}_{uk}": f"{_FORMS_CZ[fk]}, {_UNITS_CZ[uk]}" for fk in _FORMS_CZ for uk in _UNITS_CZ}
def measure_label(key: str) -> str:
    """Czech name of a capacity measure: "residential_beds" → "pobytová, lůžka"."""
    try:
        return _MEASURES[key]
    except KeyError:
        raise UnknownValueError(f"unknown measure {key!r}; expected one of {', '.join(_MEASURES)}") from None


def _population_phrase(population: str | None) -> str:
    label = POPULATION_LABELS.get(population or "", "cílové populace")
    return label.replace("obyvatelé", "obyv.")


def _measure_label(name: str, population: str | None) -> str | None:
    per = _population_phrase(population)
    for prefix, template in (("capacity_", "Kapacita – {m}"),
                             ("access_per_1000_", "Dostupnost 2SFCA – {m} na 1 000 " + per),
                             ("per_1000_", "Kapacita – {m} na 1 000 " + per),
                             ("share_", "Podíl na kapacitě území – {m}")):
        if name.startswith(prefix) and name[len(prefix):] in _MEASURES:
            return template.format(m=_MEASURES[name[len(prefix):]])
    return None


def column_label(name: str, population: str | None = None) -> str:
    """Czech label of a column; unknown names come back unchanged.

    Parameters
    ----------
    name : str
        Column name, e.g. ``"per_1000_residential_beds"``, ``"rank_mean_distance_km"``.
    population : str, optional
        Target population key ("65+", …) named in per-1 000 labels.
    """
    if name in _STATIC:
        return _STATIC[name]
    if name == "population":
        return f"Cílová populace ({POPULATION_LABELS.get(population or '', 'cílová skupina')})"
    if name == "population_white_spots":
        return "Cílová populace v bílých místech"
    if name in DATAPAQ_INDICATORS:
        _, label, year = DATAPAQ_INDICATORS[name]
        return f"{label[:-4]} ({year}, %)" if label.endswith(" (%)") else label
    measure = _measure_label(name, population)
    if measure:
        return measure
    if name.startswith("rank_"):
        return f"Pořadí (v kraji; kraje v ČR) – {column_label(name[5:], population)}"
    for suffix, text in _SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            base_label = column_label(base, population)
            if base_label != base:
                return f"{base_label} – {text}"
    return name


def number_format(name: str) -> str | None:
    """Excel number format of a column (``#,##0.0`` style), None for text."""
    if name.startswith("rank_") or name.startswith("n_") or name.startswith("pop_") \
            or name in ("population", "population_white_spots"):
        return "#,##0"
    if name.startswith("share_") and not name.endswith(("_vs_kraj", "_vs_cz", "_vs_peers")):
        return "0.0%"
    if "share_" in name:
        return "+0.0%;-0.0%;0.0%" if "_vs_" in name else "0.0%"
    if "_vs_" in name:
        return "+#,##0.00;-#,##0.00;0.00"
    if name.startswith(("per_1000_", "access_per_1000_")):
        return "#,##0.00"
    if name.startswith("capacity_") or "distance_km" in name:
        return "#,##0.0"
    if any(name.startswith(key) for key in DATAPAQ_INDICATORS):
        return "0.0"
    if name in ("x", "y"):
        return "0"
    return None


def to_czech(frame: pd.DataFrame, population: str | None = None) -> pd.DataFrame:
    """A copy with Czech column labels, Czech level names, ano/ne and no infinities.

    ``population`` defaults to ``frame.attrs["population"]``.
    """
    population = population or frame.attrs.get("population")
    out = pd.DataFrame(frame).copy()
    if "geometry" in out.columns:
        out = pd.DataFrame(out.drop(columns="geometry"))
    for column in ("level", "region_level"):
        if column in out.columns:
            out[column] = out[column].map(lambda v: LEVEL_LABELS.get(v, v))
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = out[column].map(BOOLEAN)
        elif pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].replace([np.inf, -np.inf], np.nan)
    labels = [column_label(str(c), population) for c in out.columns]
    duplicates = {label for label in labels if labels.count(label) > 1}
    out.columns = [f"{label} [{c}]" if label in duplicates else label for label, c in zip(labels, out.columns)]
    out.attrs = dict(frame.attrs)
    return out


def table_description(table: pd.DataFrame, *, region: str | None = None, level: str | None = None) -> dict:
    """Czech description of an indicator table for the "Popis" sheet: what, how, from which data.

    Settings come from ``table.attrs`` (as the indicator functions and
    :mod:`kpss_lib.study` sets them); ``region`` and ``level`` override.
    """
    from kpss_lib.config import INPUT_FILES

    attrs = table.attrs
    settings = attrs.get("settings", {})
    population = attrs.get("population")
    radius, catchment = settings.get("radius_km"), settings.get("catchment_km")
    unit = settings.get("unit", "km")  # the basis stores radii in its cost's unit (km or min)
    reach = settings.get("terrain_attribution", "base")
    sources = [f"{name}: {info['source']}" for name, info in INPUT_FILES.items()
               if name.endswith((".csv", ".geojson"))]
    return {
        "Území": region or attrs.get("region", "–"),
        "Úroveň": LEVEL_LABELS.get(level or attrs.get("level", ""), level or attrs.get("level", "–")),
        "Výběr služeb": attrs.get("selection") or settings.get("selection") or "všechny služby",
        "Cílová populace": POPULATION_LABELS.get(population, population) if population else "–",
        "Bílé místo": (f"žádná pobytová ani ambulantní služba do {radius:g} {unit} a žádná terénní služba s dosahem"
                       if radius else "nepočítáno"),
        "Dosah terénních služeb": settings.get("terrain_reach", "–"),
        "Kapacita terénních služeb": ("rozdělena mezi obce v dosahu podle cílové populace" if reach == "reach"
                                      else "započtena v místě poskytování"),
        "Spádová vzdálenost 2SFCA": f"{catchment:g} {unit}" if catchment else "nepočítáno",
        "Výpočet na 1 000": "součet kapacit / součet cílové populace × 1 000 (ne průměr podílů)",
        "Vzdálenosti": "vzdušnou čarou mezi definičním bodem obce a místem poskytování (S-JTSK, EPSG:5514)",
        "Upozornění": attrs.get("warnings") or [],
        "Zdroje dat": sources,
    }


_SHORT_FORMS = {"residential": "pob.", "ambulatory": "amb.", "field": "ter."}
_SHORT = {
    "unit_name": "Jednotka", "region_name": "Území", "population": "Cílová pop.", "pop_total": "Obyv.",
    "n_services": "Služby", "n_providers": "Poskyt.", "n_places": "Místa", "share_65_plus": "65+ podíl",
    "share_80_plus": "80+ podíl", "mean_distance_km": "Prům. km", "max_distance_km": "Max. km",
    "n_white_spots": "Bílá místa", "share_population_white_spots": "Pop. v bílých m.",
    "population_white_spots": "Pop. v bílých m.", "distance_km": "km", "nearest_service_name": "Nejbližší služba",
    "n_ranked": "Jednotek", "distraint_pct": "Exekuce %", "living_allowance_pct": "Přísp. na živ. %",
}


def short_label(name: str, population: str | None = None) -> str:
    """A short Czech header for printing in a terminal (falls back to :func:`column_label`)."""
    if name in _SHORT:
        return _SHORT[name]
    for prefix, template in (("access_per_1000_", "2SFCA {m}/1000"), ("per_1000_", "{m}/1000"),
                             ("capacity_", "{m}"), ("rank_per_1000_", "pořadí {m}/1000")):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            vs = ""
            for suffix, text in (("_vs_kraj", " −kraj"), ("_vs_cz", " −ČR")):
                if rest.endswith(suffix):
                    rest, vs = rest[: -len(suffix)], text
            if rest in _MEASURES:
                form, unit = rest.split("_", 1)
                return template.format(m=f"{_SHORT_FORMS[form]} {_UNITS_CZ[unit]}") + vs
    return column_label(name, population)


_MAIN = ("unit_name", "region_name", "obec_name", "orp_name", "population", "pop_total", "n_services",
         "n_providers", "mean_distance_km", "n_white_spots", "share_population_white_spots", "distance_km",
         "nearest_service_name", "share_65_plus", "share_80_plus", "n_ranked", "distraint_pct",
         "living_allowance_pct")


def main_columns(table: pd.DataFrame) -> list[str]:
    """The columns worth showing at a glance: who, how many, how much, how far, rank, need.

    Capacity, per-1 000 and 2SFCA columns of every measure, ranks of the per-1 000
    figures and their differences from the kraj and CZ; reference values themselves
    and peer comparisons stay in the full table.
    """
    keep = []
    for column in table.columns:
        if column in _MAIN:
            keep.append(column)
        elif column.startswith(("capacity_", "per_1000_", "access_per_1000_", "rank_per_1000_")):
            if column.endswith(("_kraj", "_cz", "_peers")) and not (
                    column.startswith("per_1000_") and column.endswith(("_vs_kraj", "_vs_cz"))):
                continue
            keep.append(column)
    if {"orp_name", "obec_name", "unit_name"} <= set(keep):
        keep.remove("orp_name")
    return keep


def to_czech_text(frame: pd.DataFrame, population: str | None = None, *, short: bool = False) -> pd.DataFrame:
    """A copy for printing: Czech labels (``short`` ones for a terminal), numbers as Czech text."""
    formats = {str(c): number_format(str(c)) for c in frame.columns}
    text = pd.DataFrame(frame.drop(columns="geometry") if "geometry" in frame.columns else frame).copy()
    for column in text.columns:
        text[column] = [format_value(v, formats[str(column)]) for v in text[column]]
    text.attrs = dict(frame.attrs)
    population = population or frame.attrs.get("population")
    czech = to_czech(text, population)
    if short:
        czech.columns = [short_label(str(c), population) for c in text.columns]
    return czech


_FORM_ADJECTIVES = {"residential": "pobytových", "ambulatory": "ambulantních", "field": "terénních"}
_UNIT_NOUNS = {"beds": ("Lůžka", "lůžek"), "clients": ("Klienti", "klientů"), "contacts": ("Kontakty", "kontaktů"),
               "interventions": ("Intervence", "intervencí"), "calls": ("Hovory", "hovorů")}
_LEGEND_LABELS = {
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
        How the target population reads after "na 1 000", e.g. ``"obyvatel 65+"``
        (:func:`target_phrase`).

    Returns
    -------
    (label, unit)
        e.g. ``("Lůžka pobytových služeb na 1 000 obyvatel 65+", "lůžek na 1 000 obyvatel 65+")``;
        unknown columns give ``(column, None)``.
    """
    if column in _LEGEND_LABELS:
        return _LEGEND_LABELS[column]
    match = re.fullmatch(r"(per_1000|capacity|access_per_1000)_(residential|ambulatory|field)_(\w+)", column)
    if match and match.group(3) in _UNIT_NOUNS:
        kind, form, unit = match.groups()
        noun, genitive = _UNIT_NOUNS[unit]
        adjective = _FORM_ADJECTIVES[form]
        if kind == "capacity":
            return f"Kapacita {adjective} služeb ({noun.lower()})", genitive
        if kind == "per_1000":
            return (f"{noun} {adjective} služeb na 1{_NBSP}000 {population_label}",
                    f"{genitive} na 1{_NBSP}000 {population_label}")
        return (f"Dostupnost (2SFCA): {noun.lower()} {adjective} služeb na 1{_NBSP}000 {population_label}",
                f"{genitive} na 1{_NBSP}000 {population_label}")
    return column, None


def target_phrase(population: str) -> str:
    """The target population as it reads after "na 1 000": "65+" → "obyvatel 65+"."""
    return POPULATION_LABELS[population].replace("obyvatelé", "obyvatel")


#: Czech labels of the notebook parameters (run overview, technical section).
PARAMETER_LABELS = {
    "region": "Území", "regions": "Srovnávaná území", "within": "Jednotky v území", "level": "Jednotky tabulky",
    "services": "Druhy služeb", "forms": "Formy", "categories": "Kategorie", "target_groups": "Cílové skupiny",
    "capacity_units": "Jednotky kapacity", "population": "Cílová populace",
    "radius_km": "Bílé místo: vzdálenost (km)", "terrain_radius_km": "Dosah terénní služby (km)",
    "catchment_km": "Spádová vzdálenost 2SFCA (km)", "radius_min": "Bílé místo: doba jízdy (min)",
    "terrain_radius_min": "Dosah terénní služby (min)", "catchment_min": "Spádová doba 2SFCA (min)",
    "cost": "Druh vzdálenosti", "on": "K datu", "terrain_attribution": "Kapacita terénních služeb",
    "services_file": "Vstup služeb", "indicator": "Ukazatel",
}

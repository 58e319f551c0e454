"""The Czech words of kpss: column labels, units, number formats, texts of rejected records.

Indicator tables use English column names (``per_1000_residential_beds``) and
shares as 0–1; users read Czech ("Kapacita – pobytová, lůžka na 1 000 obyv. 65+",
"12,3 %"). Every table, report, XLSX, map legend and CLI message takes its words
from here:

- :func:`column_label` names any column of the indicator, comparison, need,
  white-spot and distance tables, including the generated ones
  (``capacity_<measure>``, ``rank_<indicator>``, ``<indicator>_vs_kraj`` …);
  :func:`short_label` for a terminal; :func:`indicator_label` for a map legend;
  :data:`POPULATION_LABELS` and :data:`LEVEL_LABELS` for populations and levels.
- :func:`format_number` is the one Czech number format (``1 234,5``, true minus);
  :func:`format_value` applies a column's Excel format (:func:`number_format`) on
  top of it; :func:`capacity_text` says ``32 lůžek``.
- :func:`to_czech` / :func:`to_czech_text` relabel a whole table;
  :func:`table_description` describes it (sheet "Popis" of the XLSX, written by
  :func:`kpss_lib.fileio.write_table`).
- :func:`rejected_line`, :data:`REJECTED_LABELS`, :func:`rejected_reason` speak about
  the records of the services input that were rejected.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators.coverage import FORM_KEYS, UNIT_KEYS
from kpss_lib.indicators.planning import STATE_ORDER, state_key
from kpss_lib.load.datapaq import DATAPAQ_INDICATORS
from kpss_lib.load.services import CATALOGUE_FILE
from kpss_lib.load.territory import LEVEL_LABELS, POPULATION_LABELS

__all__ = ["BOOLEAN", "LEVEL_LABELS", "NO_DATA_LABEL", "OUTPUT_FORMATS", "POPULATION_LABELS", "REJECTED_LABELS",
           "capacity_text", "column_label", "datapaq_source_text", "format_number", "format_value",
           "indicator_label", "main_columns", "measure_label", "number_format", "rejected_line",
           "rejected_in_czech", "rejected_reason", "services_input_text", "short_label", "table_description", "target_phrase",
           "to_czech", "to_czech_planning", "to_czech_text", "PLANNING_LABELS"]

OUTPUT_FORMATS = (".csv", ".xlsx", ".parquet")
#: What a map legend or a number shows for a missing value.
NO_DATA_LABEL = "bez dat"
_NBSP = "\u00a0"
_MINUS = "\u2212"

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
}
_SUFFIXES = {
    "_vs_kraj": "rozdíl proti kraji", "_vs_cz": "rozdíl proti ČR", "_vs_peers": "rozdíl proti podobným ORP",
    "_kraj": "kraj", "_cz": "ČR", "_okres": "okres", "_peers": "sociálně podobné ORP",
}
_FORMS_CZ = {key: form for form, key in FORM_KEYS.items()}
_UNITS_CZ = {key: unit for unit, key in UNIT_KEYS.items()}
_MEASURES = {f"{fk}_{uk}": f"{_FORMS_CZ[fk]}, {_UNITS_CZ[uk]}" for fk in _FORMS_CZ for uk in _UNITS_CZ}
BOOLEAN = {True: "ano", False: "ne"}


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
    :mod:`kpss_lib.analysis` set them); ``region`` and ``level`` override.
    """
    from kpss_lib.config import INPUT_FILES

    attrs = table.attrs
    settings = attrs.get("settings", {})
    population = attrs.get("population")
    radius, catchment = settings.get("radius_km"), settings.get("catchment_km")
    reach = settings.get("terrain_attribution", "base")
    sources = [f"{name}: {info['source']}" for name, info in INPUT_FILES.items()
               if name.endswith((".csv", ".geojson"))]
    return {
        "Území": region or attrs.get("region", "–"),
        "Úroveň": LEVEL_LABELS.get(level or attrs.get("level", ""), level or attrs.get("level", "–")),
        "Výběr služeb": attrs.get("selection") or settings.get("selection") or "všechny služby",
        "Cílová populace": POPULATION_LABELS.get(population, population) if population else "–",
        "Bílé místo": (f"žádná pobytová ani ambulantní služba do {radius:g} km a žádná terénní služba s dosahem"
                       if radius else "nepočítáno"),
        "Dosah terénních služeb": settings.get("terrain_reach", "–"),
        "Kapacita terénních služeb": ("rozdělena mezi obce v dosahu podle cílové populace" if reach == "reach"
                                      else "započtena v místě poskytování"),
        "Spádová vzdálenost 2SFCA": f"{catchment:g} km" if catchment else "nepočítáno",
        "Výpočet na 1 000": "součet kapacit / součet cílové populace × 1 000 (ne průměr podílů)",
        "Vzdálenosti": "vzdušnou čarou mezi definičním bodem obce a místem poskytování (S-JTSK, EPSG:5514)",
        "Upozornění": attrs.get("warnings") or [],
        "Zdroje dat": sources,
    }


def format_value(value: object, fmt: str | None) -> str:
    """A table value as Czech text for printing (1 234,5; 12,3 %; ano/ne), following an Excel format.

    Numbers go through :func:`format_number`; ``fmt`` (from :func:`number_format`)
    gives the decimals, a percentage (×100, " %") and a leading "+" for positive
    differences. Missing values give "–", text is returned as it is.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return BOOLEAN[bool(value)]
    if not isinstance(value, (int, float, np.integer, np.floating)) or fmt is None:
        return str(value)
    value = float(value)
    if math.isinf(value):
        return "∞"
    head = fmt.split(";")[0]
    percent = fmt.endswith("%") or "%;" in fmt
    number = value * 100 if percent else value
    decimals = len(head.split(".")[1].rstrip("%")) if "." in head else 0
    sign = "+" if fmt.startswith("+") and round(number, decimals) > 0 else ""
    return f"{sign}{format_number(number, decimals)}{' %' if percent else ''}"


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


# --------------------------------------------------------------------------- numbers and units

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


# --------------------------------------------------------------------------- inputs and rejected records

#: Czech column labels of the rejected-records table (CSV/XLSX and notebooks).
REJECTED_LABELS = {"file": "Soubor", "record": "Záznam", "column": "Sloupec", "reason": "Důvod",
                   "value": "Hodnota", "n_records": "Počet záznamů"}


# The loader's reasons (English, as in its error messages) in Czech; details "(expected …)" follow.
_REJECTED_REASONS = {
    "missing service id": "chybí ID služby",
    "IČO must be 8 digits": "IČO musí mít 8 číslic",
    "unknown service type": "neznámý druh služby",
    "unknown form of provision": "neznámá forma poskytování",
    "unknown capacity unit": "neznámá jednotka kapacity",
    "capacity missing or not a number": "kapacita chybí nebo není číslo",
    "negative capacity": "záporná kapacita",
    "unknown or missing obec code": "neznámý nebo chybějící kód obce",
    "not a date": "není datum",
    "the provision ends before it starts": "poskytování končí dřív, než začne",
    "unknown status": "neznámý stav",
    "duplicate record of the same service, form, capacity unit and place":
        "duplicitní záznam téže služby, formy, jednotky kapacity a místa",
    "duplicated service id with a different provider or type than its first record":
        "opakované ID služby s jiným poskytovatelem nebo druhem než v jejím prvním záznamu",
    "the same service, form and unit has different capacities at different places":
        "táž služba, forma a jednotka kapacity má na různých místech různou kapacitu",
}
_REJECTED_DETAILS = (
    ("expected an MPSV DruhSocialniSluzby code, a § or a name of z. 108/2006 Sb.",
     "očekávám kód druhu služby MPSV (DruhSocialniSluzby), § nebo název podle z. 108/2006 Sb."),
    ("expected a 6-digit KOD_OBEC of an existing obec", "očekávám šestimístný kód existující obce (KOD_OBEC)"),
    ("expected YYYY-MM-DD or D. M. YYYY", "očekávám RRRR-MM-DD nebo D. M. RRRR"),
    ("expected one of ", "očekávám jednu z hodnot "),
)


def rejected_reason(reason: object, *, short: bool = False) -> str:
    """A loader's reason for rejecting a record, in Czech (``short``: without the "(očekávám …)" details).

    A reason this vocabulary does not know comes back as it is.
    """
    gist, _, detail = str(reason).partition(" (")
    czech = _REJECTED_REASONS.get(gist, gist)
    if short or not detail:
        return czech
    for english, text in _REJECTED_DETAILS:
        detail = detail.replace(english, text)
    return f"{czech} ({detail}"


def rejected_in_czech(rejected: pd.DataFrame) -> pd.DataFrame:
    """The rejected records with Czech reasons and column names (headers stay; see :data:`REJECTED_LABELS`)."""
    out = rejected.copy()
    if len(out):
        out["reason"] = out["reason"].map(rejected_reason)
        out["column"] = out["column"].map(lambda name: column_label(str(name)))
    return out


def rejected_line(rejected: pd.DataFrame, hint: str | None = None) -> str:
    """One Czech line about rejected records, e.g. "vyřazeno 59 záznamů vstupu služeb: 41× …; 18× …".

    Parameters
    ----------
    rejected : DataFrame
        ``ServiceData.rejected`` (``file, record, column, reason, value``).
    hint : str, optional
        How to get them all, appended after a semicolon (e.g. "celý seznam: --rejected SOUBOR.csv").
    """
    if rejected.empty:
        return "vstup služeb: žádný záznam nebyl vyřazen"
    # Count by reason over all input files: the line is a gist, the counts table has the files.
    keys = (rejected["column"].map(lambda name: column_label(str(name))) + ": "
            + rejected["reason"].map(lambda reason: rejected_reason(reason, short=True)))
    reasons = "; ".join(f"{n}× {key}" for key, n in keys.value_counts(sort=False).sort_values(ascending=False,
                                                                                             kind="stable").items())
    n = len(rejected)
    # Czech agreement: vyřazen 1 záznam, vyřazeny 2–4 záznamy, vyřazeno 5 záznamů
    verb, noun = ("vyřazen", "záznam") if n == 1 else ("vyřazeny", "záznamy") if n <= 4 else ("vyřazeno", "záznamů")
    line = f"{verb} {n} {noun} vstupu služeb ({'není' if n == 1 else 'nejsou'} v žádném ukazateli): {reasons}"
    return f"{line}; {hint}" if hint else line


def services_input_text(chosen: "str | Path | None | list[str | Path | None]") -> str:
    """Czech description of a services input (as :func:`kpss_lib.study.services_input` gives it).

    E.g. "katalog služeb pro seniory z registru poskytovatelů MPSV
    (socialni_sluzby_seniori_2026-09.csv; …)" or "katalog … + soubor planovane.xlsx".
    """
    parts = chosen if isinstance(chosen, list) else [chosen]
    texts = [f"katalog služeb pro seniory z registru poskytovatelů MPSV ({CATALOGUE_FILE}; jen služby "
             "s cílovou skupinou senioři)" if part is None else f"soubor {Path(part).name}" for part in parts]
    return " + ".join(texts)


def datapaq_source_text() -> str:
    """Czech source line of the DataPAQ indicators with their reference years (from the loader's columns)."""
    items = [f"{label.removesuffix(' (%)').lower()} {year}" for _, label, year in DATAPAQ_INDICATORS.values()]
    return "DataPAQ (PAQ Research): " + ", ".join(items)


# --------------------------------------------------------------------------- planning tables

#: Czech labels of the columns of the planning tables (this module's results and the
#: loaders' tables), for reports and exported files. Columns of the territory (``orp_code``,
#: ``obec_name`` …) are left to :func:`to_czech`.
PLANNING_LABELS = {
    "project_id": "ID projektu", "name": "Název", "programme": "Program", "start": "Začátek", "end": "Konec",
    "total_czk": "Celkové náklady [Kč]", "note": "Poznámka", "population": "Obyvatelé území",
    "czk_per_inhabitant": "Kč na obyvatele", "czk_per_inhabitant_per_year": "Kč na obyvatele a rok",
    "year": "Rok", "months": "Měsíců", "share": "Podíl [%]", "amount_czk": "Částka [Kč]",
    "source_kind": "Druh zdroje",
    "file": "Soubor", "record": "Záznam", "column": "Sloupec", "reason": "Důvod", "value": "Hodnota",
    "partner_id": "ID partnera", "kind": "Druh", "triad_role": "Role v triádě", "ico": "IČO", "country": "Stát",
    "role_in_project": "Role v projektu", "member_note": "Poznámka k účasti", "n_members": "Počet partnerů",
    "participates": "Účastní se", "n_partners": "Počet partnerů", "partners": "Partneři", "projects": "Projekty",
    "target_group_id": "ID cílové skupiny", "target_group_name": "Cílová skupina", "goal_id": "ID cíle",
    "goal_name": "Cíl", "measure_id": "ID opatření", "measure_name": "Opatření", "start_year": "Od roku",
    "end_year": "Do roku", "state": "Stav", "state_previous": "Stav v předchozím roce", "changed": "Změna stavu",
    "problem": "Problém", "indicator_name": "Ukazatel", "target_value": "Cílová hodnota", "unit": "Jednotka",
    "actual": "Skutečná hodnota", "actual_previous": "Skutečná hodnota v předchozím roce",
    "actual_change": "Změna skutečné hodnoty", "spent_czk": "Čerpáno [Kč]",
    "spent_previous": "Čerpáno v předchozím roce [Kč]", "attainment": "Plnění ukazatele [%]",
    "indicator_attainment": "Průměrné plnění ukazatelů [%]", "n_measures": "Počet opatření",
    "n_indicators": "Opatření s ukazatelem", "n_goals": "Počet cílů", "n_service_kind": "Opatření o druhu služby",
    "service_type": "Druh služby", "form": "Forma", "capacity_unit": "Jednotka kapacity", "capacity": "Kapacita",
    "n_services": "Počet služeb", "coverage": "Pokrytí vstupními daty",
    **{f"n_{state_key(s)}": f"Opatření: {s}" for s in STATE_ORDER},
    **{f"share_{state_key(s)}": f"Podíl opatření: {s} [%]" for s in STATE_ORDER},
}


def _is_share(name: str) -> bool:
    return name in ("share", "attainment", "indicator_attainment") or name.startswith("share_") \
        or name.endswith(" [podíl]")


def to_czech_planning(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a planning table for people: Czech column labels, shares as percentages.

    Shares (``share``, ``share_*``, ``<kind> [podíl]``, ``attainment``,
    ``indicator_attainment``; 0–1) become percentages rounded to 0.1 (``0.7999997`` →
    ``80.0`` under a label ending ``[%]``); amounts in Kč are rounded to the haléř.
    Other columns keep their values; names not in :data:`PLANNING_LABELS` keep their
    names (territory columns are labelled by :func:`to_czech`, which
    :func:`kpss_lib.fileio.write_table` applies on its own).
    """
    out = pd.DataFrame(frame).copy()
    labels = {}
    for column in out.columns:
        name = str(column)
        if _is_share(name):
            out[column] = (pd.to_numeric(out[column], errors="coerce") * 100).round(1)
        elif (name.endswith(("_czk", "[Kč]")) or name.startswith("czk_")) and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(2)
        if name.endswith(" [podíl]"):
            labels[column] = name[: -len(" [podíl]")] + " – podíl [%]"
        else:
            labels[column] = PLANNING_LABELS.get(name, column)
    out = out.rename(columns=labels)
    out.attrs = dict(frame.attrs)
    return out

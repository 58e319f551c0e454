"""Czech column labels and number formats for tables that users open (CSV, XLSX, printouts).

Indicator tables use English column names (``per_1000_residential_beds``); users
read Czech ("Pobytová, lůžka na 1 000 obyv. 65+"). :func:`column_label` names any
column of the indicator, comparison, need, white-spot and distance tables,
including the generated ones (``capacity_<measure>``, ``rank_<indicator>``,
``<indicator>_vs_kraj`` …); :func:`number_format` gives its Excel number format;
:func:`to_czech` relabels a whole table (and translates level names and yes/no);
:func:`write_table` writes CSV (Czech labels, ``;`` and decimal comma, UTF-8 with
BOM, as Czech Excel expects), XLSX (Czech labels, number formats, a sheet
"Popis" describing the table) or Parquet (English names, exact values), always
atomically.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.fileio import atomic_path, spreadsheet_safe
from kpss_lib.indicators.coverage import FORM_KEYS, UNIT_KEYS
from kpss_lib.load.datapaq import DATAPAQ_INDICATORS
from kpss_lib.load.territory import LEVEL_LABELS, POPULATION_LABELS

__all__ = ["OUTPUT_FORMATS", "column_label", "format_number", "main_columns", "measure_label", "number_format",
           "short_label", "table_description", "to_czech", "to_czech_text", "write_table"]

OUTPUT_FORMATS = (".csv", ".xlsx", ".parquet")

_STATIC = {
    "unit_code": "Kód jednotky", "unit_name": "Územní jednotka", "level": "Úroveň",
    "region_code": "Kód území", "region_name": "Území", "region_level": "Úroveň území",
    "obec_code": "Kód obce", "obec_name": "Obec", "pou_code": "Kód POU", "pou_name": "POU",
    "orp_code": "Kód ORP", "orp_name": "ORP", "okres_code": "Kód okresu", "okres_name": "Okres",
    "okres_csu_code": "Kód okresu (ČSÚ)", "kraj_code": "Kód kraje", "kraj_name": "Kraj",
    "kraj_csu_code": "Kód kraje (ČSÚ)", "x": "X (S-JTSK, m)", "y": "Y (S-JTSK, m)",
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
}
_SUFFIXES = {
    "_vs_kraj": "rozdíl proti kraji", "_vs_cz": "rozdíl proti ČR", "_vs_peers": "rozdíl proti podobným ORP",
    "_kraj": "kraj", "_cz": "ČR", "_okres": "okres", "_peers": "sociálně podobné ORP",
}
_FORMS_CZ = {key: form for form, key in FORM_KEYS.items()}
_UNITS_CZ = {key: unit for unit, key in UNIT_KEYS.items()}
_MEASURES = {f"{fk}_{uk}": f"{_FORMS_CZ[fk]}, {_UNITS_CZ[uk]}" for fk in _FORMS_CZ for uk in _UNITS_CZ}
_BOOLEAN = {True: "ano", False: "ne"}


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
            out[column] = out[column].map(_BOOLEAN)
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


def _atomic(path: Path, write) -> Path:
    with atomic_path(path) as temporary:
        write(temporary)
    return path


def _describe_rows(metadata: Mapping[str, object]) -> pd.DataFrame:
    rows = []
    for key, value in metadata.items():
        if isinstance(value, (list, tuple)):
            value = "; ".join(str(v) for v in value) if value else "–"
        rows.append({"Položka": key, "Hodnota": "" if value is None else str(value)})
    return pd.DataFrame(rows, columns=["Položka", "Hodnota"])


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    population: str | None = None,
    metadata: Mapping[str, object] | None = None,
    sheet_name: str = "Ukazatele",
) -> Path:
    """Write a table by the file's suffix, atomically (a failed write leaves nothing behind).

    Parameters
    ----------
    frame : DataFrame
        English column names (as the indicator functions return them).
    path : str or Path
        ``.csv``: Czech labels, ``;`` separated, decimal comma, UTF-8 with BOM;
        ``.xlsx``: Czech labels and number formats, frozen header, plus a sheet
        "Popis" with ``metadata``; ``.parquet``: English names, exact values.
    population : str, optional
        Target population key for the labels (default ``frame.attrs["population"]``).
    metadata : mapping, optional
        Czech key → value lines describing the table (region, selection, sources…).
    sheet_name : str, default "Ukazatele"

    Raises
    ------
    UnknownValueError
        for another suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise UnknownValueError(
            f"output {str(path)!r}: unsupported file type {suffix or '(none)'!r}; expected one of "
            f"{', '.join(OUTPUT_FORMATS)}")
    population = population or frame.attrs.get("population")
    plain = pd.DataFrame(frame.drop(columns="geometry") if "geometry" in frame.columns else frame)
    if suffix == ".parquet":
        def write(tmp: Path) -> None:
            table = plain.copy()
            table.attrs = {}
            table.to_parquet(tmp, index=False)
        return _atomic(path, write)

    czech = spreadsheet_safe(to_czech(plain, population))  # text from data must not run as an Excel formula
    floats = [c for c in czech.columns if pd.api.types.is_float_dtype(czech[c])]
    if suffix == ".csv":
        def write(tmp: Path) -> None:
            rounded = czech.copy()
            rounded[floats] = rounded[floats].round(6)
            rounded.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig")
        return _atomic(path, write)

    formats = [number_format(str(c)) for c in plain.columns]

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            czech.to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes = "A2"
            for position, (label, fmt) in enumerate(zip(czech.columns, formats), start=1):
                letter = sheet.cell(row=1, column=position).column_letter
                values = czech.iloc[:, position - 1].astype(str).str.len()
                width = max([min(len(str(label)), 40), *(values.head(200).tolist() or [0])])
                sheet.column_dimensions[letter].width = min(max(10, width + 2), 60)
                if fmt:
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                        cell.number_format = fmt
            if metadata:
                spreadsheet_safe(_describe_rows(metadata)).to_excel(writer, sheet_name="Popis", index=False)
                writer.sheets["Popis"].column_dimensions["A"].width = 28
                writer.sheets["Popis"].column_dimensions["B"].width = 100
    return _atomic(path, write)


def format_number(value: object, fmt: str | None) -> str:
    """A value as Czech text for printing (1 234,5; 12,3 %), following an Excel format."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return _BOOLEAN[bool(value)]
    if not isinstance(value, (int, float, np.integer, np.floating)) or fmt is None:
        return str(value)
    value = float(value)
    if math.isinf(value):
        return "∞"
    percent = fmt.endswith("%") or "%;" in fmt
    number = value * 100 if percent else value
    decimals = len(fmt.split(";")[0].split(".")[1].rstrip("%")) if "." in fmt.split(";")[0] else 0
    sign = "+" if fmt.startswith("+") and number > 0 else ""
    text = f"{number:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    return f"{sign}{text}{' %' if percent else ''}"


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
        text[column] = [format_number(v, formats[str(column)]) for v in text[column]]
    text.attrs = dict(frame.attrs)
    population = population or frame.attrs.get("population")
    czech = to_czech(text, population)
    if short:
        czech.columns = [short_label(str(c), population) for c in text.columns]
    return czech

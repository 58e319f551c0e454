"""Registered social services: one tidy table from the MPSV register, its catalogue
derivative, or an analyst's own list.

Three readers produce the same *long* records (one per service × form × capacity
unit × place); :func:`standardize` validates them, joins the territory and returns
:class:`ServiceData`:

``services``
    one row per service and form of provision (and capacity unit, for the few forms
    registered with two units), seat place's obec and point;
``places``
    one row per service × form × unit × place, with ``capacity_share``: the
    capacity split equally over the places, so sums over places never double-count
    (210 services of the catalogue list the same capacity at several places);
``rejected``
    one row per rejected record: ``file, record, column, reason, value`` and what it
    carried (service id and name, kind, form, capacity unit and capacity, kraj where
    known) with ``capacity_fate``: ``moved`` when the same service, form and unit is
    loaded at another of its places (the capacity is counted there), ``lost`` when no
    place of it was loaded (the capacity is in no figure: see :meth:`ServiceData.unplaced`);
``excluded``
    services not provided on the reference date of :meth:`ServiceData.on` (ended or
    not yet started), with the reason; empty until a date is applied.

Every load knows the date its input describes (``data_date``, e.g. 2026-09-04 for the
catalogue): indicators count the services provided on that date by default
(``load_services(...).on()``), and :func:`kpss_lib.load.supply.dates_note` says when
the population an indicator divides by is more than a year older or newer.

Capacities of different units or forms are never added up anywhere in kpss.
"""
from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import numpy as np
import pandas as pd
from pyproj import Transformer

from kpss_lib.config import CRS_METRIC, CRS_WGS84, INPUT_FILES, PROJECT_DATA_DIR, input_path
from kpss_lib.errors import DataFileError, UnknownCodeWarning, UnknownValueError
from kpss_lib.fileio import write_table_atomic
from kpss_lib.load.cache import cached
from kpss_lib.load.records import ICO_REASON, ico_valid_mask, normalize_code_column
from kpss_lib.load.tables import (normalize_ico, normalize_ico_column, parse_date, parse_number,
                                  parse_number_column_lenient, read_table, read_table_header, read_text)
from kpss_lib.load.territory import HIERARCHY_FILE, normalize_name, read_hierarchy

CATALOGUE_FILE = "socialni_sluzby_seniori_2026-09.csv"
SERVICE_TYPES_FILE = PROJECT_DATA_DIR / "service_types.csv"

FORMS = {"pob": "pobytová", "amb": "ambulantní", "ter": "terénní"}
CAPACITY_UNITS = {"luzka": "lůžka", "klient": "klienti", "kontakt": "kontakty",
                  "interv": "intervence", "hovor": "hovory"}
CATEGORIES = ("sociální poradenství", "služby sociální péče", "služby sociální prevence")
TARGET_GROUPS = ("senioři", "osoby se zdravotním postižením", "rodiny s dětmi",
                 "osoby ohrožené sociálním vyloučením")
#: Registered points farther than this from their obec's definition point are not trusted.
MAX_POINT_OFFSET_KM = 25.0

LONG_COLUMNS = ["service_id", "service_name", "provider_name", "provider_ico", "type_code",
                "form", "capacity_unit", "capacity", "date_from", "date_to", "place_id",
                "obec_code", "address", "lon", "lat", "status", "target_groups", "scope_orp_codes", "source", "record"]
SERVICE_COLUMNS = ["service_id", "service_name", "provider_name", "provider_ico", "type_code", "type_name",
                   "paragraph", "category", "form", "capacity", "capacity_unit", "date_from", "date_to",
                   "status", "target_groups", "scope_orp_codes", "obec_code", "obec_name", "orp_code", "okres_code", "kraj_code",
                   "lon", "lat", "x", "y", "point_source", "n_places", "source"]
REJECTED_COLUMNS = ["file", "record", "column", "reason", "value"]
#: What a rejected record carried, so its capacity is reported as capacity (see the module docstring).
REJECTED_CARRIED = ["service_id", "service_name", "type_code", "form", "capacity_unit", "capacity",
                    "kraj_code", "kraj_source", "capacity_fate"]
EXCLUDED_COLUMNS = ["service_id", "service_name", "type_code", "type_name", "form", "capacity_unit", "capacity",
                    "obec_code", "obec_name", "orp_code", "kraj_code", "date_from", "date_to", "reason"]


@dataclass(frozen=True)
class ServiceData:
    """The tables of a services load; see the module docstring.

    ``data_date`` is the date the input describes (None when unknown, e.g. an analyst's
    own list); ``reference_date`` the date :meth:`on` applied (None: not applied yet).
    """

    services: pd.DataFrame
    places: pd.DataFrame
    rejected: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED_COLUMNS))
    data_date: pd.Timestamp | None = None
    reference_date: pd.Timestamp | None = None

    def __repr__(self) -> str:
        on = f", on {self.reference_date:%Y-%m-%d}: {len(self.excluded)} excluded" if self.reference_date else ""
        return (f"ServiceData({self.services['service_id'].nunique()} services, {len(self.services)} "
                f"service-form rows, {len(self.places)} places, {len(self.rejected)} rejected{on})")

    def on(self, date: str | pd.Timestamp | None = None) -> "ServiceData":
        """The services provided on ``date``; the others move to ``excluded`` with the reason.

        Parameters
        ----------
        date : str or Timestamp, optional
            Reference date (ISO ``YYYY-MM-DD`` or Czech ``D. M. YYYY``). Default: the
            input's own date (``data_date``, e.g. 2026-09-04 for the catalogue).

        Raises
        ------
        UnknownValueError
            when no date is given and the input's date is unknown, or ``date`` is not a date.
        """
        from kpss_lib.load.supply import on_date  # supply builds on this module: import when called

        return on_date(self, date)

    def unplaced(self) -> pd.DataFrame:
        """Capacity in no figure because no place of the service could be placed in the territory.

        One row per service × form × capacity unit whose every record was rejected for
        its obec (``capacity_fate == "lost"``): ``service_id, service_name, type_code,
        type_name, form, capacity_unit, capacity, kraj_code, kraj_source`` (``kraj_source``:
        ``obec`` or ``poskytovatel`` when the provider's other services all lie in one
        kraj; empty when unknown). A national total adds it with a note; a kraj total
        may add the rows of its kraj (:func:`kpss_lib.load.supply.capacity_total`).
        """
        from kpss_lib.load.supply import unplaced_capacity

        return unplaced_capacity(self.rejected)


# --------------------------------------------------------------------------- code list

def service_types() -> pd.DataFrame:
    """Every kind of social service of z. 108/2006 Sb. (§ 37–70).

    Columns: ``type_code`` (MPSV code list ``DruhSocialniSluzby/N`` number as text,
    empty where not known to kpss), ``type_name``, ``paragraph``, ``category``,
    ``default_population`` (a key of ``POPULATION_GROUPS`` a per-capita indicator
    uses by default), ``target_groups`` (``;``-separated), ``registered`` (whether it
    is registered as a service of its own), ``aliases`` (``;``-separated other names
    accepted for the kind, e.g. the pre-2024 name of § 52).
    """
    return _service_types_of(SERVICE_TYPES_FILE, _file_version(SERVICE_TYPES_FILE)).copy()


def _file_version(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=4)
def _service_types_of(path: Path, version: tuple[int, int]) -> pd.DataFrame:
    """The code list as read from ``path`` (remembered per version: every selection asks for it, often)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    # Kinds whose MPSV code kpss does not know yet get a code of their own from the §,
    # so analysts can still list them; the register's own codes never start with "§".
    own_code = "§" + table["paragraph"].str.replace("§", "").str.replace(" odst. ", "-").str.strip()
    table["type_code"] = table["mpsv_code"].where(table["mpsv_code"] != "", own_code)
    table["registered"] = table["registered"] == "ano"
    return table[["type_code", "mpsv_code", "type_name", "paragraph", "category", "default_population",
                  "target_groups", "registered", "aliases"]]


def service_type_names() -> dict[str, str]:
    """Normalised name or alias of every kind (see ``normalize_name``) → its ``type_code``."""
    return dict(_type_names_of(SERVICE_TYPES_FILE, _file_version(SERVICE_TYPES_FILE)))


@functools.lru_cache(maxsize=4)
def _type_names_of(path: Path, version: tuple[int, int]) -> dict[str, str]:
    types = service_types()
    index = {normalize_name(n): c for n, c in zip(types["type_name"], types["type_code"])}
    for aliases, code in zip(types["aliases"], types["type_code"]):
        index.update({normalize_name(a): code for a in aliases.split(";") if a.strip()})
    return index


def resolve_service_type(value: str) -> pd.Series:
    """One row of :func:`service_types` by MPSV code ("13"), name or § ("§ 49", "49").

    Raises
    ------
    UnknownValueError
        listing the closest valid names.
    """
    import difflib

    types = service_types()
    text = str(value).strip()
    key = normalize_name(text).replace("druhsocialnisluzby/", "")
    paragraph = key.replace("§", "").strip()
    by_name = service_type_names().get(key)
    hits = types[(types["type_code"] == key) | (types["type_code"] == "§" + paragraph)
                 | (types["type_code"] == by_name)
                 | ((types["paragraph"] != "") & (types["paragraph"].str.replace("§", "").str.strip() == paragraph))]
    if len(hits) == 1:
        return hits.iloc[0]
    names = types["type_name"].tolist() + [a for v in types["aliases"] for a in v.split(";") if a]
    close = difflib.get_close_matches(text.lower(), names, n=5, cutoff=0.5)
    hint = f"closest: {', '.join(close)}" if close else f"valid names: {', '.join(names)}"
    raise UnknownValueError(f"unknown service type {value!r}; give an MPSV code, a § or a name ({hint})")


WORKING_GROUPS_FILE = PROJECT_DATA_DIR / "working_groups.csv"


def working_groups(path: str | Path | None = None) -> dict[str, list[str]]:
    """The working groups of a plan, each a list of kinds (``type_code``), in file order.

    Parameters
    ----------
    path : str or Path, optional
        CSV (or XLSX) with columns ``working_group`` and ``type_code`` (an MPSV code,
        a § or a name of a kind; ``type_name`` is informative). Default
        ``data/working_groups.csv``: senioři, osoby se zdravotním postižením, rodiny
        s dětmi, osoby ohrožené sociálním vyloučením.

    Raises
    ------
    DataFileError
        naming the row of a kind that is not a kind of social service, or of an empty group.
    """
    path = Path(path) if path else WORKING_GROUPS_FILE
    raw = read_table(path, ["working_group", "type_code"])
    groups: dict[str, list[str]] = {}
    for row, group, kind in zip(raw.attrs["source_rows"], raw["working_group"], raw["type_code"]):
        if not isinstance(group, str) or not group.strip():
            raise DataFileError(path, "empty working group", row=row, column="working_group",
                                expected="the name of a working group", got=group)
        try:
            code = resolve_service_type(kind)["type_code"]
        except UnknownValueError as exc:
            raise DataFileError(path, "unknown kind of service", row=row, column="type_code",
                                expected="an MPSV code, a § or a name of a kind", got=kind) from exc
        members = groups.setdefault(group.strip(), [])
        if code not in members:
            members.append(code)
    return groups


# --------------------------------------------------------------------------- readers

def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Long records with the same column types whatever the input, zero rows included.

    Codes and text are ``string``; ``capacity`` is float64 when every value is a finite
    number (or empty), otherwise the values as given (object), so that a rejected
    capacity is reported with the text the user typed; ``lon``/``lat`` are float64.
    """
    out = frame[LONG_COLUMNS].copy()
    for column in ("service_id", "provider_ico", "type_code", "obec_code", "place_id", "record", "source"):
        out[column] = out[column].astype("string")
    out["provider_ico"] = normalize_ico_column(out["provider_ico"])
    out["obec_code"] = normalize_code_column(out["obec_code"])
    parsed = parse_number_column_lenient(out["capacity"])
    unreadable = (parsed.isna() | (parsed.abs() > MAX_CAPACITY)) & out["capacity"].notna()
    out["capacity"] = out["capacity"].astype(object).where(unreadable, parsed.astype(object)) if unreadable.any() \
        else parsed
    for column in ("lon", "lat"):
        out[column] = parse_number_column_lenient(out[column])
    return out


def read_catalogue(path: str | Path | None = None) -> pd.DataFrame:
    """Long records from the MPSV catalogue CSV of services for seniors (PROVENANCE.md)."""
    path = Path(path) if path else input_path(CATALOGUE_FILE)
    required = ["misto_id", "kod_obce", "lat", "lng", "sluzba_id", "nazev", "poskytovatel_nazev",
                "poskytovatel_ico", "druh_kod", "forma", "kapacita_typ", "kapacita_pocet", "datum_od", "datum_do"]
    raw = read_table(path, required)
    address = raw["obec"] if "obec" in raw.columns else pd.Series(pd.NA, index=raw.index)
    return _typed(pd.DataFrame({
        "service_id": raw["sluzba_id"], "service_name": raw["nazev"], "provider_name": raw["poskytovatel_nazev"],
        "provider_ico": raw["poskytovatel_ico"], "type_code": raw["druh_kod"], "form": raw["forma"],
        "capacity_unit": raw["kapacita_typ"], "capacity": raw["kapacita_pocet"],
        "date_from": raw["datum_od"], "date_to": raw["datum_do"], "place_id": raw["misto_id"],
        "obec_code": raw["kod_obce"], "address": address, "lon": raw["lng"], "lat": raw["lat"],
        "status": "registrovaná", "target_groups": "senioři", "scope_orp_codes": pd.NA, "source": path.name,
        "record": _records(raw, "misto_id"),
    }))


def _records(raw: pd.DataFrame, id_column: str) -> pd.Series:
    """``row N (id)`` for each row, N being the row as Excel shows it (header = row 1)."""
    rows = pd.Series(raw.attrs["source_rows"], index=raw.index, dtype="int64").astype("string")
    return "row " + rows + " (" + raw[id_column].astype("string").fillna("") + ")"


# Code-list prefixes: the register writes FormaSocialniSluzby/pob in some exports and the
# code list FormaSocSluzby/pob; both mean the same form.
_PREFIXES = {"form": ("FormaSocialniSluzby", "FormaSocSluzby"), "unit": ("TypKapacitySocialniSluzby",),
             "type": ("DruhSocialniSluzby",), "obec": ("Obec",), "group": ("CilovaSkupinaOsoby",)}


def _id_suffix(ref: object, kind: str) -> str | None:
    """The code of a reference ``{"id": "Prefix/code"}`` (or the bare text); None when absent."""
    if isinstance(ref, dict):
        ref = ref.get("id")
    if isinstance(ref, (int, float)) and not isinstance(ref, bool):
        ref = str(ref)
    if not isinstance(ref, str) or not ref:
        return None
    prefix, _, code = ref.partition("/")
    return code if code and prefix in _PREFIXES[kind] else ref


def _address(facility: dict) -> str:
    street = (facility.get("ulice") or {}).get("nazev") if isinstance(facility.get("ulice"), dict) else None
    number = facility.get("cisloDomovni")
    orientation = facility.get("cisloOrientacni")
    parts = [p for p in (street, f"{number}/{orientation}" if number and orientation else number) if p]
    text = " ".join(str(p) for p in parts)
    return ", ".join(str(p) for p in (text, facility.get("psc")) if p) or ""


def _json_list(value: object, path: Path, record: str, key: str) -> list:
    """``value`` when it is a list (None → []); DataFileError naming the item and key otherwise."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataFileError(path, f"{record}: wrong JSON type", column=key, expected="a list (JSON array)",
                            got=type(value).__name__)
    return value


def _json_object(value: object, path: Path, record: str, key: str) -> dict:
    """``value`` when it is an object (None → {}); DataFileError naming the item and key otherwise."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataFileError(path, f"{record}: wrong JSON type", column=key, expected="an object (JSON {...})",
                            got=type(value).__name__)
    return value


def read_rpss_json(path: str | Path) -> pd.DataFrame:
    """Long records from the official MPSV register file ``rpss.json`` (RPSS_FORMAT.md).

    Only the fields kpss uses are read; personal data (``statutarniOrgany``,
    facility managers) is never copied out of the reader. The file has no
    coordinates: points come from the obec (``point_source == "obec"``). Any text
    encoding is read (UTF-8 with or without BOM, UTF-16). Target groups are named
    from the MPSV code list; a code the list lacks (a newer group) is kept as
    ``CilovaSkupinaOsoby/<code>`` and reported in a warning.

    Raises
    ------
    DataFileError
        when the file is empty, not JSON, nested too deeply, or an item or one of its
        ``formy``/``kapacity``/``zarizeni``/``poskytovatel`` has the wrong JSON type.
    """
    path = Path(path)
    text = read_text(path, expected="the rpss.json format (a JSON object with the key 'polozky')")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"not valid JSON ({exc.msg})", row=exc.lineno, expected="the rpss.json format") from None
    except RecursionError:
        raise DataFileError(path, "JSON nested too deeply", expected="the rpss.json format") from None
    items = document.get("polozky") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise DataFileError(path, "no list of services", column="polozky",
                            expected="a JSON object with the key 'polozky' (a list)",
                            got=type(document).__name__ if not isinstance(document, dict) else list(document)[:5])
    groups_named = _target_group_names()
    unknown_groups: set[str] = set()
    records = []
    for position, item in enumerate(items):
        where = f"polozky[{position}]"
        item = _json_object(item, path, where, "polozky")
        service_id = item.get("id") or item.get("identifikator")
        record = f"{where} (id {service_id})"
        provider = _json_object(item.get("poskytovatel"), path, record, "poskytovatel")
        groups = [_id_suffix(g, "group") for g in _json_list(item.get("ciloveSkupiny"), path, record, "ciloveSkupiny")]
        unknown_groups.update(g for g in groups if g and g not in groups_named)
        base = {
            "service_id": f"mpsv-{service_id}" if service_id is not None and not str(service_id).startswith("mpsv-")
            else service_id,
            "service_name": item.get("nazev") or provider.get("nazev"),
            "provider_name": provider.get("nazev"), "provider_ico": provider.get("ico"),
            "type_code": _id_suffix(item.get("druhSocialniSluzby"), "type"),
            "date_from": item.get("datumPoskytovaniOd"), "date_to": item.get("datumPoskytovaniDo"),
            "scope_orp_codes": _scope_orp(item.get("rozsirenePusobnostiVKraji")),
            "status": "registrovaná",
            "target_groups": ";".join(groups_named.get(g, f"CilovaSkupinaOsoby/{g}") for g in groups if g),
            "source": path.name, "record": record,
        }
        facilities = [_json_object(f, path, record, "zarizeni")
                      for f in _json_list(item.get("zarizeni"), path, record, "zarizeni")] or [{}]
        for form_entry in _json_list(item.get("formy"), path, record, "formy") or [{}]:
            form_entry = _json_object(form_entry, path, record, "formy")
            form = _id_suffix(form_entry.get("forma"), "form")
            for capacity in _json_list(form_entry.get("kapacity"), path, record, "formy.kapacity") or [{}]:
                capacity = _json_object(capacity, path, record, "formy.kapacity")
                for number, facility in enumerate(facilities):
                    address_code = facility.get("kodAdresnihoMista")
                    records.append({
                        **base, "form": form,
                        "capacity_unit": _id_suffix(capacity.get("typ"), "unit"),
                        "capacity": capacity.get("pocet"),
                        "place_id": f"misto-{address_code}" if address_code else f"misto-bezadresy-{service_id}-{number}",
                        "obec_code": _id_suffix(facility.get("obec"), "obec"),
                        "address": _address(facility), "lon": None, "lat": None,
                    })
    if unknown_groups:
        warnings.warn(f"{path}: target group code(s) not in the MPSV code list {TARGET_GROUPS_FILE}: "
                      f"{', '.join(sorted(unknown_groups))}; kept as CilovaSkupinaOsoby/<code>",
                      UnknownCodeWarning, stacklevel=2)
    return _typed(pd.DataFrame(records, columns=LONG_COLUMNS))


TARGET_GROUPS_FILE = "mpsv_ciselnik_cilove_skupiny.csv"


def _target_group_names() -> dict[str, str]:
    """CilovaSkupinaOsoby code → name, from the MPSV code list in KPSS_DATA_DIR (PROVENANCE.md).

    The names kpss has always used for the four groups of services for seniors come
    first ("senioři", not the code list's longer wording), so existing outputs keep them.
    """
    names: dict[str, str] = {}
    path = input_path(TARGET_GROUPS_FILE)
    if path.is_file():
        table = read_table(path, ["kod", "nazev"])
        names = dict(zip(table["kod"], table["nazev"]))
    return {**names, **_TARGET_GROUP_CODES}


def _scope_orp(scope: object) -> str | None:
    """ORP references (``Orp/<code>``) anywhere in ``rozsirenePusobnostiVKraji``, ``;``-joined.

    The register's territorial scope lists the ORP areas a service serves. Its inner
    layout is not documented in RPSS_FORMAT.md, so every ``{"id": "Orp/N"}`` found at any
    depth counts (walked with a stack: deep nesting cannot exhaust the recursion limit).
    MPSV code lists use RÚIAN codes: :func:`standardize` maps them to ČSÚ ORP codes.
    """
    found: list[str] = []
    stack = [scope]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, str) and node.startswith("Orp/"):
            found.append(node.split("/", 1)[1])
    return ";".join(dict.fromkeys(found)) or None


# CilovaSkupinaOsoby codes seen in the register (RPSS_FORMAT.md), with the names kpss uses.
_TARGET_GROUP_CODES = {"24": "senioři", "26": "pečující osoby", "27": "osoby s potřebou paliativní péče",
                       "30": "osoby žijící s demencí"}

#: Columns of the analysts' template (Czech headers) → long record columns.
TEMPLATE_COLUMNS = {
    "id_sluzby": "service_id", "nazev_sluzby": "service_name", "poskytovatel": "provider_name",
    "ico": "provider_ico", "druh": "type_code", "forma": "form", "kapacita": "capacity",
    "jednotka_kapacity": "capacity_unit", "kod_obce": "obec_code", "adresa": "address",
    "lat": "lat", "lon": "lon", "datum_od": "date_from", "datum_do": "date_to", "stav": "status",
}
TEMPLATE_REQUIRED = ["id_sluzby", "nazev_sluzby", "poskytovatel", "druh", "forma", "kapacita",
                     "jednotka_kapacity", "kod_obce"]
TEMPLATE_STATUSES = ("registrovaná", "neregistrovaná", "plánovaná")


def read_services_template(path: str | Path) -> pd.DataFrame:
    """Long records from an analyst's own list (CSV or XLSX written by ``kpss template services``).

    ``druh`` may be the MPSV code, the § or the name of the kind; ``forma`` and
    ``jednotka_kapacity`` may be the Czech words (pobytová, lůžka) or the register's codes.
    """
    path = Path(path)
    raw = read_table(path, TEMPLATE_REQUIRED)
    frame = pd.DataFrame({target: raw[source] if source in raw.columns else pd.NA
                          for source, target in TEMPLATE_COLUMNS.items()})
    types = service_types()
    by_name = {normalize_name(n): c for n, c in zip(types["type_name"], types["type_code"])}
    by_paragraph = {p.replace("§", "").strip(): c for p, c in zip(types["paragraph"], types["type_code"])}
    by_paragraph.update({c.replace("§", ""): c for c in types["type_code"]})

    def type_code(value: object) -> object:
        if not isinstance(value, str):
            return value
        key = normalize_name(value).replace("§", "").strip()
        return by_name.get(key) or by_paragraph.get(key) or value

    frame["type_code"] = frame["type_code"].map(type_code)
    frame["form"] = frame["form"].map(lambda v: _code_for(v, FORMS))
    frame["capacity_unit"] = frame["capacity_unit"].map(lambda v: _code_for(v, CAPACITY_UNITS))
    frame["status"] = frame["status"].map(lambda v: _vocabulary(v, TEMPLATE_STATUSES, default="neregistrovaná"))
    frame["place_id"] = f"{path.name}:" + pd.Series(raw.attrs["source_rows"], index=raw.index).astype("string")
    frame["target_groups"] = ""
    frame["scope_orp_codes"] = pd.NA
    frame["source"] = path.name
    frame["record"] = _records(raw, "id_sluzby")
    return _typed(frame)


def _vocabulary(value: object, allowed: tuple[str, ...], default: str) -> object:
    """The allowed spelling of ``value`` (case and diacritics forgiven); ``default`` when empty.

    Anything else comes back unchanged, for :func:`standardize` to reject.
    """
    if not isinstance(value, str) or not value.strip():
        return default
    return next((a for a in allowed if normalize_name(a) == normalize_name(value)), value)


def _code_for(value: object, codes: dict[str, str]) -> object:
    if not isinstance(value, str):
        return value
    key = normalize_name(value)
    for code, label in codes.items():
        if key in (code, normalize_name(label)):
            return code
    return value


def write_services_template(path: str | Path, example: bool = False) -> Path:
    """Write the analysts' services template (CSV or XLSX by suffix), atomically.

    The columns are documented in ``data/README.md``. With ``example=True`` one
    illustrative row shows the expected formats (it would load as a real service,
    so it is off by default).
    """
    path = Path(path)
    rows = []
    if example:
        rows.append({"id_sluzby": "vlastni-1", "nazev_sluzby": "Odlehčovací služba (plánovaná)",
                     "poskytovatel": "Charita Otrokovice", "ico": "46276262", "druh": "odlehčovací služby",
                     "forma": "terénní", "kapacita": "12", "jednotka_kapacity": "klienti",
                     "kod_obce": "585599", "adresa": "Otrokovice", "lat": "", "lon": "",
                     "datum_od": "2027-01-01", "datum_do": "", "stav": "plánovaná"})
    frame = pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS))
    write_table_atomic(frame, path)
    return path


def read_services_file(path: str | Path) -> pd.DataFrame:
    """Long records from any supported file: ``rpss.json``, the catalogue CSV, or the template."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return read_rpss_json(path)
    if "sluzba_id" in read_table_header(path):
        return read_catalogue(path)
    return read_services_template(path)


# --------------------------------------------------------------------------- validation

def _reject(rejected: list, frame: pd.DataFrame, mask: pd.Series, column: str, reason: str) -> pd.DataFrame:
    for _, row in frame[mask].iterrows():
        value = row[column] if column in row.index else None
        rejected.append({"file": row["source"], "record": row["record"], "column": column, "reason": reason,
                         "value": _text_or_none(value),
                         "service_id": _text_or_none(row["service_id"]),
                         "service_name": _text_or_none(row["service_name"]),
                         "type_code": _text_or_none(row["type_code"]),
                         "form": FORMS.get(row["form"], _text_or_none(row["form"])),
                         "capacity_unit": CAPACITY_UNITS.get(row["capacity_unit"], _text_or_none(row["capacity_unit"])),
                         "capacity": _to_float(row["capacity"]),
                         "obec_code": _text_or_none(row["obec_code"]),
                         "provider_ico": _text_or_none(row["provider_ico"]),
                         "form_code": row["form"], "unit_code": row["capacity_unit"]})
    return frame[~mask]


def _text_or_none(value: object) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _rejected_table(rejected: list[dict], loaded: pd.DataFrame, hierarchy: pd.DataFrame) -> pd.DataFrame:
    """The rejected records with their kraj where known and the fate of their capacity.

    ``loaded`` holds the accepted records (codes ``form``/``capacity_unit``, ``kraj_code``).
    A record's kraj is its obec's; else, when every accepted place of the same provider
    (IČO) lies in one kraj, that kraj (``kraj_source == "poskytovatel"``): the catalogue
    has records without any address, and a national total still wants them by kraj.
    """
    table = pd.DataFrame(rejected, columns=REJECTED_COLUMNS + REJECTED_CARRIED
                         + ["obec_code", "provider_ico", "form_code", "unit_code"])
    by_obec = table["obec_code"].map(hierarchy.set_index("obec_code")["kraj_code"])
    provider_kraje = loaded.groupby("provider_ico")["kraj_code"].agg(lambda k: k.iloc[0] if k.nunique() == 1 else None)
    by_provider = table["provider_ico"].map(provider_kraje)
    table["kraj_code"] = [o if isinstance(o, str) else p for o, p in zip(by_obec, by_provider)]
    table["kraj_source"] = ["obec" if isinstance(o, str) else "poskytovatel" if isinstance(p, str) else None
                            for o, p in zip(by_obec, by_provider)]
    kept = set(zip(loaded["service_id"], loaded["form"], loaded["capacity_unit"]))
    moved = [key in kept for key in zip(table["service_id"], table["form_code"], table["unit_code"])]
    table["capacity_fate"] = np.where(moved, "moved", "lost")
    # A capacity that could not be read stays as typed (the reason of its rejection).
    numeric = pd.to_numeric(table["capacity"], errors="coerce")
    table["capacity"] = numeric if numeric.notna().sum() == table["capacity"].notna().sum() \
        else table["capacity"].astype(object).where(numeric.isna(), numeric)
    return table[REJECTED_COLUMNS + REJECTED_CARRIED]


#: No registered service has a capacity near this (the catalogue's largest is 9 000):
#: larger values are typing errors (``1e308``) and are treated as not a number.
MAX_CAPACITY = 1_000_000.0


def _to_float(value: object) -> float:
    """A capacity as float; NaN when empty, not a finite number, or above :data:`MAX_CAPACITY`."""
    try:
        parsed = parse_number(value)
    except ValueError:
        return np.nan
    return np.nan if parsed is None or abs(parsed) > MAX_CAPACITY else parsed


def _parse_date(value: object) -> pd.Timestamp | None:
    """ISO (the register) or Czech D. M. YYYY (analysts' Excel) date; None when empty or unreadable."""
    try:
        return parse_date(value)
    except ValueError:
        return None


def standardize(long: pd.DataFrame, hierarchy: pd.DataFrame | None = None) -> ServiceData:
    """Validate long records, join the territory, and build :class:`ServiceData`.

    Rejected (reported, not loaded): unknown or empty obec code, unknown service type,
    form or capacity unit, capacity that is missing, not a number or negative,
    malformed IČO or date, an end date before the start date, an unknown status, a record repeated for the same service, form, unit and
    place, and a service id whose provider or type contradicts its first record.
    Facility names differ per place in the register: they are kept as ``place_name``
    and the service takes the name of its first record.
    Points: the registered coordinates when they lie within MAX_POINT_OFFSET_KM of
    the obec, else the obec's definition point (``point_source``).
    """
    hierarchy = read_hierarchy() if hierarchy is None else hierarchy
    frame = long.copy()
    rejected: list[dict] = []
    types = service_types()
    known_types = set(types["type_code"])

    frame = _reject(rejected, frame, frame["service_id"].isna() | (frame["service_id"].astype(str).str.strip() == ""),
                    "service_id", "missing service id")
    frame["provider_ico"] = frame["provider_ico"].map(normalize_ico)
    frame = _reject(rejected, frame, frame["provider_ico"].notna() & ~ico_valid_mask(frame["provider_ico"]),
                    "provider_ico", ICO_REASON)
    frame["type_code"] = frame["type_code"].astype("string").str.strip()
    frame = _reject(rejected, frame, ~frame["type_code"].isin(known_types), "type_code",
                    "unknown service type (expected an MPSV DruhSocialniSluzby code, a § or a name of z. 108/2006 Sb.)")
    frame = _reject(rejected, frame, ~frame["form"].isin(list(FORMS)), "form",
                    f"unknown form of provision (expected one of {', '.join(FORMS.values())})")
    frame = _reject(rejected, frame, ~frame["capacity_unit"].isin(list(CAPACITY_UNITS)), "capacity_unit",
                    f"unknown capacity unit (expected one of {', '.join(CAPACITY_UNITS.values())})")
    # Rejected before conversion, so the report carries the text the user typed ("inf", "1e400").
    capacity = frame["capacity"].map(_to_float).astype("float64")
    frame = _reject(rejected, frame, capacity.isna(), "capacity", "capacity missing or not a number")
    frame["capacity"] = capacity[frame.index]
    frame = _reject(rejected, frame, frame["capacity"] < 0, "capacity", "negative capacity")
    frame["obec_code"] = frame["obec_code"].astype("string").str.strip()
    frame = _reject(rejected, frame, ~frame["obec_code"].isin(hierarchy["obec_code"]), "obec_code",
                    "unknown or missing obec code (expected a 6-digit KOD_OBEC of an existing obec)")
    for column in ("date_from", "date_to"):
        parsed = frame[column].map(_parse_date)
        frame = _reject(rejected, frame, frame[column].notna() & parsed.isna(), column,
                        "not a date (expected YYYY-MM-DD or D. M. YYYY)")
        frame[column] = pd.to_datetime(frame[column].map(_parse_date))
    frame = _reject(rejected, frame, frame["date_to"].notna() & frame["date_from"].notna()
                    & (frame["date_to"] < frame["date_from"]), "date_to",
                    "the provision ends before it starts (datum_do < datum_od)")
    frame = _reject(rejected, frame, ~frame["status"].isin(TEMPLATE_STATUSES), "status",
                    f"unknown status (expected one of {', '.join(TEMPLATE_STATUSES)})")

    key = ["service_id", "form", "capacity_unit", "place_id"]
    frame = _reject(rejected, frame, frame.duplicated(key), "service_id",
                    "duplicate record of the same service, form, capacity unit and place")
    first = frame.drop_duplicates("service_id").set_index("service_id")
    conflicts = pd.Series(False, index=frame.index)
    # Names differ per facility in the register (a place name); provider and type may not.
    for column in ("provider_name", "type_code"):
        reference = frame["service_id"].map(first[column])
        conflicts |= frame[column].fillna("") != reference.fillna("")
    frame = _reject(rejected, frame, conflicts, "service_id",
                    "duplicated service id with a different provider or type than its first record")
    capacity_conflict = frame.groupby(["service_id", "form", "capacity_unit"])["capacity"].transform("nunique") > 1
    frame = _reject(rejected, frame, capacity_conflict, "capacity",
                    "the same service, form and unit has different capacities at different places")

    frame["scope_orp_codes"] = _scope_to_csu(frame["scope_orp_codes"], hierarchy)
    frame = frame.merge(hierarchy[["obec_code", "obec_name", "orp_code", "orp_name", "okres_code", "kraj_code",
                                   "kraj_name", "x", "y"]].rename(columns={"x": "obec_x", "y": "obec_y"}),
                        on="obec_code", how="left")
    rejected_frame = _rejected_table(rejected, frame, hierarchy)
    frame = trusted_points(frame, hierarchy)
    frame["place_name"] = frame["service_name"]
    frame["service_name"] = frame["service_id"].map(first["service_name"])
    frame = frame.merge(types[["type_code", "type_name", "paragraph", "category"]], on="type_code", how="left")
    frame["form_code"] = frame["form"]
    frame["form"] = frame["form"].map(FORMS)
    frame["capacity_unit"] = frame["capacity_unit"].map(CAPACITY_UNITS)
    group = ["service_id", "form", "capacity_unit"]
    frame["n_places"] = frame.groupby(group)["place_id"].transform("size")
    frame["capacity_share"] = frame["capacity"] / frame["n_places"]
    frame["provider_ico"] = frame["provider_ico"].astype("string")
    places = frame.drop(columns=["obec_x", "obec_y", "record"]).reset_index(drop=True)
    services = places.drop_duplicates(group)[SERVICE_COLUMNS].reset_index(drop=True)
    return ServiceData(services, places, rejected_frame)


def _scope_to_csu(scope: pd.Series, hierarchy: pd.DataFrame) -> pd.Series:
    """Map ``;``-lists of RÚIAN ORP codes (or ČSÚ ones) to ČSÚ ORP codes; unknown codes are dropped."""
    ruian = dict(zip(hierarchy["orp_ruian_code"], hierarchy["orp_code"]))
    csu = set(hierarchy["orp_code"])

    def convert(value: object) -> object:
        if not isinstance(value, str) or not value:
            return pd.NA
        codes = [ruian.get(c) or (c if c in csu else None) for c in value.split(";")]
        return ";".join(c for c in dict.fromkeys(codes) if c) or pd.NA

    return scope.map(convert)


def trusted_points(frame: pd.DataFrame, hierarchy: pd.DataFrame) -> pd.DataFrame:
    """Set ``x, y, lon, lat, point_source`` from ``lon``/``lat`` (degrees) or the obec's point.

    ``frame`` needs ``obec_code``, ``lon``, ``lat`` and the obec's definition point
    ``obec_x``/``obec_y`` (EPSG:5514, m). A point farther than ``MAX_POINT_OFFSET_KM``
    from it, or missing, is replaced by it (``point_source`` ``obec``, else ``adresa``).
    """
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    x, y = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True).transform(lon.to_numpy(), lat.to_numpy())
    offset_km = np.hypot(x - frame["obec_x"].to_numpy(), y - frame["obec_y"].to_numpy()) / 1000
    trusted = np.isfinite(offset_km) & (offset_km <= MAX_POINT_OFFSET_KM)
    to_obec = hierarchy.set_index("obec_code")
    frame["x"] = np.where(trusted, x, frame["obec_x"])
    frame["y"] = np.where(trusted, y, frame["obec_y"])
    frame["lon"] = np.where(trusted, lon, frame["obec_code"].map(to_obec["lon"]))
    frame["lat"] = np.where(trusted, lat, frame["obec_code"].map(to_obec["lat"]))
    frame["point_source"] = np.where(trusted, "adresa", "obec")
    return frame


def combine(*parts: ServiceData) -> ServiceData:
    """Stack several loads (the register and an analyst's own list); ids must not collide."""
    services = pd.concat([p.services for p in parts], ignore_index=True)
    clash = services.duplicated(["service_id", "form", "capacity_unit"], keep=False)
    if clash.any():
        ids = sorted(services.loc[clash, "service_id"].unique())[:5]
        raise DataFileError(None, "the same service id comes from several sources", column="service_id",
                            expected="distinct ids (prefix your own, e.g. 'vlastni-1')", got=ids)
    dates = [p.data_date for p in parts if p.data_date is not None]
    references = {p.reference_date for p in parts}
    return ServiceData(services, pd.concat([p.places for p in parts], ignore_index=True),
                       pd.concat([p.rejected for p in parts], ignore_index=True),
                       pd.concat([p.excluded for p in parts], ignore_index=True),
                       # The register's date stands for the whole: an analyst's own list has none.
                       data_date=dates[0] if dates else None,
                       reference_date=references.pop() if len(references) == 1 else None)


ServicesInput = Union[str, Path, None, Sequence[Union[str, Path, None]]]


def load_services(path: ServicesInput = None, *, use_cache: bool = True) -> ServiceData:
    """Load services from one file or several (default: the MPSV catalogue in ``KPSS_DATA_DIR``).

    Parameters
    ----------
    path : str, Path, None, or a list of them
        ``rpss.json`` (official MPSV register), the catalogue CSV, or an analyst's
        template (CSV/XLSX); None means the catalogue ``socialni_sluzby_seniori_2026-09.csv``.
        A list combines several inputs, e.g. ``[None, "vlastni_sluzby.xlsx"]`` = the
        register plus an analyst's own (unregistered or planned) services; their
        service ids must not collide (see :func:`combine`).
    use_cache : bool, default True
        Cache each file's tables as Parquet keyed by the files' content.
    """
    if isinstance(path, (list, tuple)):
        if not path:
            raise UnknownValueError("no services input given: expected a file, None (the catalogue) or a list")
        return combine(*(load_services(part, use_cache=use_cache) for part in path))
    source = Path(path) if path else input_path(CATALOGUE_FILE)
    if not source.is_file():
        raise DataFileError(source, "file not found", expected="rpss.json, the catalogue CSV or a services template")
    sources = [source, input_path(HIERARCHY_FILE), SERVICE_TYPES_FILE]
    built: dict[str, ServiceData] = {}

    def build(part: str):
        def run() -> pd.DataFrame:
            if "data" not in built:
                built["data"] = standardize(read_services_file(source))
            return getattr(built["data"], part)
        return run

    # One cache entry per input file, so alternating inputs do not evict each other.
    tag = re.sub(r"[^a-z0-9]+", "-", source.name.lower())
    return ServiceData(*(cached(f"services-{part}-{tag}", sources, build(part), use_cache=use_cache)
                         for part in ("services", "places", "rejected")), data_date=input_date(source))


def input_date(path: str | Path) -> pd.Timestamp | None:
    """The date a services input describes: the ``as_of`` of a known input (``kpss data``), else None.

    The catalogue ``socialni_sluzby_seniori_2026-09.csv`` → 2026-09-04 (the register's
    date). An ``rpss.json`` or an analyst's list carries no date of its own that kpss
    could trust (a file's modification time is when it was copied): give one to
    :meth:`ServiceData.on`.
    """
    as_of = INPUT_FILES.get(Path(path).name, {}).get("as_of", "")
    found = re.match(r"\d{4}-\d{2}-\d{2}", as_of)
    return pd.Timestamp(found.group(0)) if found else None

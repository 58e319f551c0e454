"""Kraj open-data catalogues of social-service facilities (the Královéhradecký schema).

Such a catalogue says which kinds of service a facility provides where, by **name**,
with no capacity, form of provision, target group or dates: it is supply of
*presence*. It serves the network of services (which kinds exist in which unit, how
far the nearest one is, white spots by kind), never capacity per 1 000: a consumer
must state that capacity is not available for this input (``FacilityData.has_capacity``
is False), never compute it as 0.

The file is taken as published (``data/khk_poskytovatele_socialnich_sluzeb.json``,
PROVENANCE.md) and every defect is reported in ``FacilityData.issues`` (file,
record, field, expected, got, action); nothing is dropped in silence.

Placement rule (the codes of a record can contradict each other):

1. the obec code exists and its ORP is the record's ORP code → that obec;
2. the obec code exists, its ORP differs from the record's ORP code, and the
   coordinates fall in an obec of the record's ORP → that obec (two independent
   fields outvote the code; in the KHK file all 8 such records name Broumov or Jičín
   with the ORP Broumov/Jičín and their points lie there, while the code is Trutnov's
   or Nové Město's); otherwise the obec's ORP wins. Reported either way;
3. the obec code does not exist → the obec whose polygon holds the coordinates,
   reported; without such a polygon the record is rejected (reported, not loaded).

Points: the WGS 84 latitude/longitude fields; ``zapis_vektorove_geometrie`` is
``POINT(lat lon)``, latitude first against the WKT convention, and is used only when
the fields are empty. As for registered services, a point farther than
``MAX_POINT_OFFSET_KM`` from its obec is replaced by the obec's definition point.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from kpss_lib.config import input_path
from kpss_lib.errors import DataFileError
from kpss_lib.load.services import service_type_names, service_types, trusted_points
from kpss_lib.load.tables import ico_is_valid, normalize_ico
from kpss_lib.load.territory import load_obce, normalize_name, read_hierarchy

KHK_FILE = "khk_poskytovatele_socialnich_sluzeb.json"

#: Field names of the Královéhradecký schema → kpss columns.
KHK_FIELDS = {
    "jedinecny_identifikator_v_katalogu_otevrenych_dat_data_khk": "facility_id",
    "nazev_zarizeni": "facility_name",
    "nazev_poskytovatele": "provider_name",
    "ico": "provider_ico",
    "typ_socialni_sluzby_dle_1082006_sb": "kinds",
    "kod_obce_dle_ciselniku_csu": "obec_code",
    "nazev_obce": "obec_name_given",
    "kod_spravniho_obvodu_obce_s_rozsirenou_pusobnosti_dle_ciselniku_csu": "orp_code_given",
    "zemepisna_sirka_v_souradnicovem_systemu_wgs84": "lat",
    "zemepisna_delka_v_souradnicovem_systemu_wgs84": "lon",
    "zapis_vektorove_geometrie": "wkt",
}
FACILITY_COLUMNS = ["facility_id", "facility_name", "provider_name", "provider_ico", "type_code", "type_name",
                    "obec_code", "obec_name", "orp_code", "orp_name", "kraj_code", "lon", "lat", "x", "y",
                    "point_source", "placement", "source"]
ISSUE_COLUMNS = ["file", "record", "field", "expected", "got", "action"]
_WKT_POINT = re.compile(r"^\s*POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class FacilityData:
    """A facilities catalogue: one row per facility × kind, and every defect found.

    ``facilities`` has :data:`FACILITY_COLUMNS` (``placement``: ``kód obce``,
    ``souřadnice`` when the obec came from the point); ``issues`` has
    :data:`ISSUE_COLUMNS`, one row per defect (a record can have several), with the
    action taken (``opraveno``, ``umístěno podle souřadnic``, ``druh vynechán``,
    ``záznam vyřazen``). ``has_capacity`` is always False: presence only.
    """

    facilities: pd.DataFrame
    issues: pd.DataFrame
    source: str
    has_capacity: bool = False

    def __repr__(self) -> str:
        return (f"FacilityData({self.facilities['facility_id'].nunique()} facilities, {len(self.facilities)} "
                f"facility-kind rows, {len(self.issues)} issues, no capacity)")

    @property
    def rejected_records(self) -> list[str]:
        """Records left out entirely (named in ``issues`` with action ``záznam vyřazen``)."""
        return sorted(set(self.issues.loc[self.issues["action"] == "záznam vyřazen", "record"]))


def read_kraj_facilities(path: str | Path | None = None) -> FacilityData:
    """Read a kraj open-data catalogue of facilities as published (default: Královéhradecký kraj).

    Parameters
    ----------
    path : str or Path, optional
        A JSON list of records in the Královéhradecký schema (:data:`KHK_FIELDS`);
        default ``khk_poskytovatele_socialnich_sluzeb.json`` in ``KPSS_DATA_DIR``.

    Raises
    ------
    DataFileError
        when the file is not JSON, not a list of records, or lacks a field of the schema.
    """
    path = Path(path) if path else input_path(KHK_FILE)
    raw = _read_records(path)
    issues: list[dict] = []

    def issue(record: str, field: str, expected: str, got: object, action: str) -> None:
        issues.append({"file": path.name, "record": record, "field": field, "expected": expected,
                       "got": None if got is None else str(got), "action": action})

    frame = raw.rename(columns=KHK_FIELDS)[list(KHK_FIELDS.values())].copy()
    frame["source"] = path.name
    frame["provider_ico"] = _restore_ico(frame, issue)
    frame["lon"], frame["lat"] = zip(*(_coordinates(row, issue) for row in frame.itertuples()))
    frame = _place(frame, issue)
    long = _kinds(frame, issue)
    long = trusted_points(long.assign(obec_x=long["obec_code"].map(_hierarchy()["x"]),
                               obec_y=long["obec_code"].map(_hierarchy()["y"])), read_hierarchy())
    return FacilityData(long[FACILITY_COLUMNS].reset_index(drop=True),
                        pd.DataFrame(issues, columns=ISSUE_COLUMNS), path.name)


def _hierarchy() -> pd.DataFrame:
    return read_hierarchy().set_index("obec_code")


def _read_records(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataFileError(path, "file not found", expected="a kraj open-data catalogue of facilities (JSON)")
    try:
        with path.open(encoding="utf-8-sig") as handle:
            records = json.load(handle)
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"not valid JSON ({exc.msg})", row=exc.lineno,
                            expected="a JSON list of facility records") from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DataFileError(path, "not a list of records", expected="a JSON list of objects",
                            got=type(records).__name__)
    frame = pd.DataFrame(records, dtype=object)
    missing = [f for f in KHK_FIELDS if f not in frame.columns]
    if missing:
        raise DataFileError(path, "fields missing", column=missing[0],
                            expected=f"the Královéhradecký schema ({', '.join(KHK_FIELDS)})",
                            got=list(frame.columns)[:8])
    return frame


def _restore_ico(frame: pd.DataFrame, issue) -> pd.Series:
    """IČO as 8 digits: the catalogue strips leading zeros (``190217`` is ``00190217``)."""
    restored = frame["provider_ico"].map(normalize_ico)
    for record, given, ico in zip(frame["facility_id"], frame["provider_ico"], restored):
        if ico is None:
            issue(record, "ico", "an 8-digit IČO", given, "ponecháno prázdné")
        elif not ico_is_valid(ico):
            issue(record, "ico", "an 8-digit IČO passing the mod-11 checksum", given, "ponecháno, jak je")
        elif ico != str(given).strip():
            issue(record, "ico", "8 digits with leading zeros", given, f"opraveno na {ico}")
    return restored


def _coordinates(row, issue) -> tuple[float, float]:
    """(lon, lat) from the fields, else from the lat-first WKT; NaN when neither is readable."""
    def number(value: object) -> float:
        try:
            return float(str(value).replace(",", "."))
        except (TypeError, ValueError):
            return float("nan")

    lat, lon = number(row.lat), number(row.lon)
    if pd.notna(lat) and pd.notna(lon):
        return lon, lat
    found = _WKT_POINT.match(str(row.wkt or ""))
    if found:  # POINT(lat lon): latitude first in this catalogue
        return float(found.group(2)), float(found.group(1))
    issue(row.facility_id, "zemepisna_sirka/delka", "WGS 84 degrees (or POINT(lat lon))",
          f"{row.lat!r}, {row.lon!r}, {row.wkt!r}", "bez souřadnic")
    return float("nan"), float("nan")


def _obec_at(frame: pd.DataFrame) -> pd.Series:
    """The obec whose polygon holds each point (NaN outside every polygon or without a point)."""
    has = frame["lon"].notna() & frame["lat"].notna()
    points = gpd.GeoDataFrame(index=frame.index[has],
                              geometry=gpd.points_from_xy(frame.loc[has, "lon"], frame.loc[has, "lat"]),
                              crs="EPSG:4326")
    joined = gpd.sjoin(points, load_obce()[["obec_code", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    return joined["obec_code"].reindex(frame.index)


def _place(frame: pd.DataFrame, issue) -> pd.DataFrame:
    """Apply the placement rule of the module docstring; rejected records leave the frame."""
    hierarchy = _hierarchy()
    at_point = _obec_at(frame)
    code = frame["obec_code"].astype(str).str.strip()
    exists = code.isin(hierarchy.index)
    code_orp = code.map(hierarchy["orp_code"])
    given_orp = frame["orp_code_given"].astype(str).str.strip()
    point_orp = at_point.map(hierarchy["orp_code"])
    placement = []  # (obec code or None, how it was placed)
    for i in frame.index:
        record, name = frame.at[i, "facility_id"], frame.at[i, "obec_name_given"]
        point_here = f"{at_point[i]} {hierarchy.at[at_point[i], 'obec_name']}" if pd.notna(at_point[i]) else None
        if exists[i] and code_orp[i] == given_orp[i]:
            placement.append((code[i], "kód obce"))
        elif exists[i]:
            got = (f"obec {code[i]} ({hierarchy.at[code[i], 'obec_name']}, ORP {code_orp[i]}) "
                   f"vs ORP {given_orp[i]} ({name})")
            if point_here and point_orp[i] == given_orp[i]:
                issue(record, "kod_obce_dle_ciselniku_csu", "the obec code of an obec in the record's ORP", got,
                      f"umístěno podle souřadnic do obce {point_here} (ORP {given_orp[i]}: kód ORP a souřadnice "
                      "se shodují proti kódu obce)")
                placement.append((at_point[i], "souřadnice"))
            else:
                issue(record, "kod_spravniho_obvodu_obce_s_rozsirenou_pusobnosti_dle_ciselniku_csu",
                      "the ORP of the obec code", got, f"platí ORP obce ({code_orp[i]})")
                placement.append((code[i], "kód obce"))
        elif point_here:
            issue(record, "kod_obce_dle_ciselniku_csu", "an existing 6-digit obec code", f"{code[i]} ({name})",
                  f"umístěno podle souřadnic do obce {point_here}")
            placement.append((at_point[i], "souřadnice"))
        else:
            issue(record, "kod_obce_dle_ciselniku_csu", "an existing obec code or a point inside an obec",
                  f"{code[i]} ({name})", "záznam vyřazen")
            placement.append((None, None))
    placed, how = zip(*placement) if placement else ((), ())
    keep = [obec is not None for obec in placed]
    frame = frame.assign(obec_code=list(placed), placement=list(how))[keep]
    joined = hierarchy.loc[frame["obec_code"], ["obec_name", "orp_code", "orp_name", "kraj_code"]]
    return pd.concat([frame.reset_index(drop=True), joined.reset_index(drop=True)], axis=1)


def _kinds(frame: pd.DataFrame, issue) -> pd.DataFrame:
    """One row per facility × kind; kinds are matched by name (case, diacritics and old names forgiven)."""
    by_name = service_type_names()
    names = service_types().set_index("type_code")["type_name"]
    rows = []
    for row in frame.to_dict("records"):
        value = row["kinds"]
        texts = [v for v in value.values()] if isinstance(value, dict) else [value]
        kinds = [k.strip() for text in texts if isinstance(text, str) for k in text.split(", ") if k.strip()]
        found = []
        for kind in kinds:
            code = by_name.get(normalize_name(kind))
            if code is None:
                issue(row["facility_id"], "typ_socialni_sluzby_dle_1082006_sb",
                      "a kind of social service of z. 108/2006 Sb.", kind, "druh vynechán (není registrovaná služba)")
            elif normalize_name(kind) != normalize_name(names[code]):
                issue(row["facility_id"], "typ_socialni_sluzby_dle_1082006_sb", f"the current name {names[code]!r}",
                      kind, f"přijat starší název druhu {code}")
            if code is not None and code not in found:
                found.append(code)
        if not found:
            issue(row["facility_id"], "typ_socialni_sluzby_dle_1082006_sb", "at least one kind of social service",
                  value, "záznam vyřazen")
        rows.extend({**row, "type_code": code, "type_name": names[code]} for code in found)
    return pd.DataFrame(rows)


PRESENCE_REPORT_COLUMNS = ["file", "record", "column", "problem", "value", "action"]


@dataclass(frozen=True)
class Presence:
    """Where which kinds of service are, from any supported input, for the network of services.

    ``places``: one row per place × kind with ``type_code, type_name, obec_code,
    orp_code, kraj_code, lon, lat, x, y`` and a ``name``; ``reported``: every record
    that is left out or was corrected (:data:`PRESENCE_REPORT_COLUMNS`, Czech
    ``action``); ``description``: the input in Czech; ``has_capacity``: whether the
    input states capacities at all; ``reference_date``: the date applied to registered
    services (None for a kraj catalogue, which has no dates).
    """

    places: pd.DataFrame
    reported: pd.DataFrame
    description: str
    has_capacity: bool
    reference_date: pd.Timestamp | None


def load_presence(source: str | Path | None = None, date: str | pd.Timestamp | None = None) -> Presence:
    """Supply of presence from a kraj catalogue of facilities, the register catalogue or ``rpss.json``.

    Parameters
    ----------
    source : str or Path, optional
        ``"khk"`` or a JSON list of records in the Královéhradecký schema → the kraj
        catalogue (:func:`read_kraj_facilities`); None or ``""`` → the MPSV catalogue of
        services for seniors; any other path → :func:`kpss_lib.load.services.load_services`
        (``rpss.json``, the catalogue CSV, an analyst's template).
    date : str or Timestamp, optional
        Registered services are counted when provided on this date (default: the
        input's own date; required for an input without one, such as ``rpss.json``).
        Ended ones are reported. Ignored for a kraj catalogue (it has no dates).
    """
    from kpss_lib.load.services import CATALOGUE_FILE, load_services

    text = str(source).strip() if source is not None else ""
    if text.lower() == "khk" or (text.lower().endswith(".json") and _is_record_list(Path(text))):
        data = read_kraj_facilities(None if text.lower() == "khk" else text)
        reported = data.issues.rename(columns={"field": "column", "expected": "problem", "got": "value"})
        places = data.facilities.rename(columns={"facility_name": "name"})
        return Presence(places, reported[PRESENCE_REPORT_COLUMNS], f"katalog zařízení Královéhradeckého kraje "
                        f"(otevřená data, {data.source}; bez kapacit)", False, None)
    loaded = load_services(text or None)
    current = loaded.on(date)
    fate = {"moved": "kapacita započtena na jiném místě téže služby", "lost": "vyřazeno (kapacita v žádném údaji)"}
    rejected = pd.DataFrame({"file": current.rejected["file"], "record": current.rejected["record"],
                             "column": current.rejected["column"], "problem": current.rejected["reason"],
                             "value": current.rejected["value"],
                             "action": current.rejected["capacity_fate"].map(fate)})
    excluded = pd.DataFrame({"file": Path(text or CATALOGUE_FILE).name, "record":
                             current.excluded["service_id"], "column": "date_from/date_to",
                             "problem": current.excluded["reason"],
                             "value": current.excluded["service_name"], "action": "mimo nabídku k datu"})
    places = current.places.rename(columns={"service_name": "name"})
    description = (f"registr poskytovatelů sociálních služeb MPSV ({Path(text).name if text else 'katalog služeb pro seniory'}"
                   f"), služby poskytované ke dni {current.reference_date:%-d. %-m. %Y}")
    return Presence(places, pd.concat([rejected, excluded], ignore_index=True)[PRESENCE_REPORT_COLUMNS],
                    description, True, current.reference_date)


def _is_record_list(path: Path) -> bool:
    """Whether a JSON file is a list of records (a kraj catalogue) rather than ``rpss.json`` (an object)."""
    with path.open(encoding="utf-8-sig") as handle:
        head = handle.read(64).lstrip()
    return head.startswith("[")

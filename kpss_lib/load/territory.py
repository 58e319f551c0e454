"""Territory: kraje → okresy → ORP → obce with polygons and population by age.

Sources (in ``KPSS_DATA_DIR``): ``obce_hierarchie.csv`` (codes and definition
points), ``*_polygony.geojson`` (ČÚZK boundaries), ``obyvatelstvo_obce_2020.csv``
(ČSÚ population, 31 Dec 2020). Population of ORP, okresy and kraje is always summed
from the obce, so totals agree across levels by construction.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import yaml
from pyproj import Transformer
from shapely.validation import make_valid

from kpss_lib.config import CRS_METRIC, CRS_WGS84, PROJECT_DATA_DIR, input_path
from kpss_lib.errors import DataFileError, GeometryRepairedWarning, RegionNotFoundError, UnknownValueError
from kpss_lib.load.cache import cached

HIERARCHY_FILE = "obce_hierarchie.csv"
POPULATION_FILE = "obyvatelstvo_obce_2020.csv"
POLYGON_FILES = {
    "obec": "obce_polygony.geojson",
    "orp": "orp_polygony.geojson",
    "okres": "okresy_polygony.geojson",
    "kraj": "kraje_polygony.geojson",
}
MICRO_REGIONS_FILE = PROJECT_DATA_DIR / "micro_regions.yml"

LEVELS = ("cz", "kraj", "okres", "orp", "obec")
LEVEL_LABELS = {"cz": "Česká republika", "kraj": "kraj", "okres": "okres", "orp": "ORP",
                "obec": "obec", "mikroregion": "mikroregion"}

#: Target populations an indicator can use: key → column in the obce table.
POPULATION_GROUPS = {
    "total": "pop_total",
    "0-14": "pop_0_14",
    "15-64": "pop_15_64",
    "65+": "pop_65_plus",
    "80+": "pop_80_plus",
}
#: Czech labels of the target populations, for tables and maps.
POPULATION_LABELS = {
    "total": "obyvatelé celkem",
    "0-14": "obyvatelé 0–14 let",
    "15-64": "obyvatelé 15–64 let",
    "65+": "obyvatelé 65+",
    "80+": "obyvatelé 80+",
}
FIVE_YEAR_GROUPS = [f"{a}_{a + 4}" for a in range(0, 85, 5)] + ["85_plus"]
POPULATION_COLUMNS = list(POPULATION_GROUPS.values()) + [f"pop_{g}" for g in FIVE_YEAR_GROUPS]

_HIERARCHY_COLUMNS = {
    "KOD_OBEC": "obec_code", "NAZ_OBEC": "obec_name", "KOD_POU": "pou_code", "NAZ_POU": "pou_name",
    "KOD_ORP": "orp_code", "KOD_ORP_RUIAN": "orp_ruian_code", "NAZ_ORP": "orp_name", "KOD_OKRES": "okres_csu_code",
    "KOD_LAU1": "okres_code", "NAZ_LAU1": "okres_name", "KOD_KRAJ": "kraj_csu_code",
    "KOD_CZNUTS3": "kraj_code", "NAZ_CZNUTS3": "kraj_name", "lon": "lon", "lat": "lat",
}
_CODE_PATTERNS = {"obec_code": r"\d{6}", "orp_code": r"\d{4}", "okres_code": r"CZ0\d{2}[0-9A-C]",
                  "kraj_code": r"CZ0\d{2}"}


def population_column(group: str) -> str:
    """Column of the obce table for a target population key ("total", "0-14", "15-64", "65+", "80+")."""
    try:
        return POPULATION_GROUPS[group]
    except KeyError:
        raise UnknownValueError(
            f"unknown population group {group!r}; expected one of {', '.join(POPULATION_GROUPS)}"
        ) from None


# --------------------------------------------------------------------------- readers

def _check_columns(frame: pd.DataFrame, path: Path, required: list[str]) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {', '.join(missing)}",
                            expected=f"columns {', '.join(required)}", got=list(frame.columns))


def _check_codes(frame: pd.DataFrame, path: Path, column: str, source_column: str) -> None:
    pattern = _CODE_PATTERNS[column]
    bad = ~frame[column].fillna("").str.fullmatch(pattern)
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFileError(path, "malformed code", row=position + 2, column=source_column,
                            expected=f"a code matching {pattern}", got=frame[column].iloc[position])


def read_hierarchy(path: Path | None = None) -> pd.DataFrame:
    """The code hierarchy of every obec, with its definition point (WGS84 and EPSG:5514)."""
    path = path or input_path(HIERARCHY_FILE)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    _check_columns(raw, path, list(_HIERARCHY_COLUMNS))
    frame = raw[list(_HIERARCHY_COLUMNS)].rename(columns=_HIERARCHY_COLUMNS)
    for column, source in (("obec_code", "KOD_OBEC"), ("orp_code", "KOD_ORP"),
                           ("okres_code", "KOD_LAU1"), ("kraj_code", "KOD_CZNUTS3")):
        _check_codes(frame, path, column, source)
    duplicated = frame["obec_code"].duplicated()
    if duplicated.any():
        position = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataFileError(path, "duplicated obec code", row=position + 2, column="KOD_OBEC",
                            expected="each obec once", got=frame["obec_code"].iloc[position])
    for column in ("lon", "lat"):
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any():
            position = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataFileError(path, "not a coordinate", row=position + 2, column=column,
                                expected="a decimal degree", got=frame[column].iloc[position])
        frame[column] = values
    x, y = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True).transform(
        frame["lon"].to_numpy(), frame["lat"].to_numpy())
    frame["x"], frame["y"] = x, y
    return frame


def read_population(path: Path | None = None) -> pd.DataFrame:
    """Population of every obec (both sexes), columns ``obec_code`` and ``pop_*`` (people)."""
    path = path or input_path(POPULATION_FILE)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    source_columns = ["celkem", "v0_14", "v15_64", "v65_plus", "v80_plus"] + [f"v{g}" for g in FIVE_YEAR_GROUPS]
    _check_columns(raw, path, ["KOD_OBEC", "pohlavi"] + source_columns)
    both = raw[raw["pohlavi"] == "celkem"]
    if both.empty:
        raise DataFileError(path, "no rows for both sexes", column="pohlavi", expected="rows with 'celkem'")
    frame = pd.DataFrame({"obec_code": both["KOD_OBEC"].to_numpy()})
    for source, target in zip(source_columns, POPULATION_COLUMNS):
        values = pd.to_numeric(both[source], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            index = both.index[bad.to_numpy()][0]
            raise DataFileError(path, "not a population count", row=int(index) + 2, column=source,
                                expected="a whole number ≥ 0", got=both.at[index, source])
        frame[target] = values.to_numpy().astype("int64")
    broad = frame["pop_0_14"] + frame["pop_15_64"] + frame["pop_65_plus"]
    if (broad != frame["pop_total"]).any():
        position = int(np.flatnonzero((broad != frame["pop_total"]).to_numpy())[0])
        raise DataFileError(path, "age groups do not add up to the total", row=int(both.index[position]) + 2,
                            column="celkem", expected=f"v0_14 + v15_64 + v65_plus = {int(broad.iloc[position])}",
                            got=int(frame["pop_total"].iloc[position]))
    return frame


def _read_polygons(level: str, key_source: str, key: str) -> gpd.GeoDataFrame:
    path = input_path(POLYGON_FILES[level])
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:
        raise DataFileError(path, f"cannot read the boundaries ({exc})", expected="GeoJSON polygons") from exc
    _check_columns(frame, path, [key_source])
    if frame.crs is None or not frame.crs.equals(CRS_WGS84):
        frame = frame.set_crs(CRS_WGS84, allow_override=False) if frame.crs is None else frame.to_crs(CRS_WGS84)
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        position = int(np.flatnonzero(empty.to_numpy())[0])
        raise DataFileError(path, "feature without geometry", row=position + 1, column="geometry",
                            expected="a polygon", got=frame[key_source].iloc[position])
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        # Generalised boundaries can carry touching rings; make_valid keeps the area.
        frame.loc[invalid, "geometry"] = frame.geometry[invalid].apply(make_valid)
        codes = frame.loc[invalid, key_source].astype(str).tolist()
        warnings.warn(f"{path}: repaired {len(codes)} invalid geometr{'y' if len(codes) == 1 else 'ies'} "
                      f"with make_valid (column {key_source}: {', '.join(codes[:10])})",
                      GeometryRepairedWarning, stacklevel=2)
    return frame[[key_source, "geometry"]].rename(columns={key_source: key})


# --------------------------------------------------------------------------- tables

def _population_sums(obce: pd.DataFrame, key: str) -> pd.DataFrame:
    return obce.groupby(key, sort=True)[POPULATION_COLUMNS].sum()


def _build_obce() -> gpd.GeoDataFrame:
    hierarchy = read_hierarchy()
    population = read_population()
    missing = sorted(set(hierarchy["obec_code"]) - set(population["obec_code"]))
    if missing:
        raise DataFileError(input_path(POPULATION_FILE), f"{len(missing)} obce have no population",
                            column="KOD_OBEC", expected="every obec of obce_hierarchie.csv", got=missing[:5])
    polygons = _read_polygons("obec", "KOD_OBEC", "obec_code")
    frame = hierarchy.merge(population, on="obec_code", how="left", validate="1:1")
    unmatched = sorted(set(frame["obec_code"]) - set(polygons["obec_code"]))
    if unmatched:
        raise DataFileError(input_path(POLYGON_FILES["obec"]), f"{len(unmatched)} obce have no polygon",
                            column="KOD_OBEC", expected="every obec of obce_hierarchie.csv", got=unmatched[:5])
    frame = frame.merge(polygons, on="obec_code", how="left", validate="1:1")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_WGS84)


def load_obce(*, use_cache: bool = True) -> gpd.GeoDataFrame:
    """Every obec (6 258) with its codes, definition point, population by age and polygon.

    Columns: ``obec_code, obec_name, pou_code, pou_name, orp_code, orp_name,
    okres_csu_code, okres_code`` (LAU1, e.g. ``CZ0724``), ``okres_name, kraj_csu_code,
    kraj_code`` (NUTS3, e.g. ``CZ072``), ``kraj_name, lon, lat`` (definition point,
    WGS84), ``x, y`` (the same in EPSG:5514, metres), ``pop_*`` (people, 31 Dec 2020)
    and ``geometry`` (EPSG:4326).
    """
    sources = [input_path(HIERARCHY_FILE), input_path(POPULATION_FILE), input_path(POLYGON_FILES["obec"])]
    return cached("obce", sources, _build_obce, use_cache=use_cache)


def _build_level(level: str, obce: pd.DataFrame) -> gpd.GeoDataFrame:
    key = f"{level}_code"
    attributes = {
        "orp": ["orp_code", "orp_name", "kraj_code", "kraj_name"],
        "okres": ["okres_code", "okres_csu_code", "okres_name", "kraj_code", "kraj_name"],
        "kraj": ["kraj_code", "kraj_csu_code", "kraj_name"],
    }[level]
    table = obce[attributes].drop_duplicates(key).set_index(key).sort_index()
    table["n_obce"] = obce.groupby(key).size()
    if level == "kraj":
        table["n_orp"] = obce.groupby(key)["orp_code"].nunique()
    if level == "orp":
        # An ORP may span several okresy (5109 Turnov spans three).
        table["okres_codes"] = obce.groupby(key)["okres_code"].agg(lambda s: ";".join(sorted(set(s))))
    table = table.join(_population_sums(obce, key))
    source_key = {"orp": "KOD_ORP", "okres": "KOD_LAU1", "kraj": "KOD_CZNUTS3"}[level]
    polygons = _read_polygons(level, source_key, key).set_index(key)
    missing = sorted(set(table.index) - set(polygons.index))
    if missing:
        raise DataFileError(input_path(POLYGON_FILES[level]), f"{len(missing)} units have no polygon",
                            column=source_key, expected=f"every {level} of obce_hierarchie.csv", got=missing[:5])
    table = table.join(polygons).reset_index()
    return gpd.GeoDataFrame(table, geometry="geometry", crs=CRS_WGS84)


def _load_level(level: str, use_cache: bool) -> gpd.GeoDataFrame:
    sources = [input_path(HIERARCHY_FILE), input_path(POPULATION_FILE), input_path(POLYGON_FILES[level])]

    def build() -> gpd.GeoDataFrame:
        obce = pd.DataFrame(load_obce(use_cache=use_cache).drop(columns="geometry"))
        return _build_level(level, obce)

    return cached(level, sources, build, use_cache=use_cache)


def load_orp(*, use_cache: bool = True) -> gpd.GeoDataFrame:
    """Every ORP (206, Praha = 1000) with ``n_obce``, ``okres_codes``, population and polygon."""
    return _load_level("orp", use_cache)


def load_okresy(*, use_cache: bool = True) -> gpd.GeoDataFrame:
    """Every okres (77) keyed by LAU1 ``okres_code``, with population and polygon."""
    return _load_level("okres", use_cache)


def load_kraje(*, use_cache: bool = True) -> gpd.GeoDataFrame:
    """Every kraj (14) keyed by NUTS3 ``kraj_code``, with ``n_orp``, ``n_obce``, population and polygon."""
    return _load_level("kraj", use_cache)


def load_level(level: str, *, use_cache: bool = True) -> gpd.GeoDataFrame:
    """The units of one level: "obec", "orp", "okres" or "kraj"."""
    loaders = {"obec": load_obce, "orp": load_orp, "okres": load_okresy, "kraj": load_kraje}
    if level not in loaders:
        raise UnknownValueError(f"unknown level {level!r}; expected one of {', '.join(loaders)}")
    return loaders[level](use_cache=use_cache)


# --------------------------------------------------------------------------- regions

@dataclass(frozen=True)
class Region:
    """A territory an analysis is about: an administrative unit, all of CZ, or a micro-region.

    ``obce`` holds the codes of the member obce (sorted); ``kraj_codes`` the kraje they lie in.
    """

    level: str
    code: str
    name: str
    obce: tuple[str, ...] = field(repr=False)
    kraj_codes: tuple[str, ...] = field(default=(), repr=False)

    @property
    def label(self) -> str:
        """Czech label, e.g. "ORP Otrokovice (7205)"."""
        if self.level in ("cz", "kraj"):
            return self.name
        return f"{LEVEL_LABELS[self.level]} {self.name} ({self.code})" if self.level != "mikroregion" \
            else f"mikroregion {self.name}"

    def __str__(self) -> str:
        return self.label


def normalize_name(text: str) -> str:
    """Lower case, no diacritics, single spaces: "Zlínský  kraj" → "zlinsky kraj"."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped).strip().lower()


_LEVEL_PREFIXES = {"kraj": "kraj", "okres": "okres", "orp": "orp", "obec": "obec", "mesto": "obec",
                   "mikroregion": "mikroregion"}


@lru_cache(maxsize=4)
def _region_index(data_key: tuple) -> pd.DataFrame:
    obce = pd.DataFrame(load_obce().drop(columns="geometry"))
    frames = [pd.DataFrame({"level": "cz", "code": "CZ", "name": "Česká republika",
                            "alias": ["cesko", "ceska republika", "cr"], "extra_code": ""})]
    for level, name_col, extra_col in (("kraj", "kraj_name", "kraj_csu_code"),
                                       ("okres", "okres_name", "okres_csu_code"),
                                       ("orp", "orp_name", None), ("obec", "obec_name", None)):
        units = obce.drop_duplicates(f"{level}_code")
        frames.append(pd.DataFrame({
            "level": level, "code": units[f"{level}_code"].to_numpy(), "name": units[name_col].to_numpy(),
            "alias": units[name_col].map(normalize_name).to_numpy(), "kraj_name": units["kraj_name"].to_numpy(),
            "extra_code": units[extra_col].to_numpy() if extra_col else "",
        }))
    names = list(load_micro_regions())
    frames.append(pd.DataFrame({"level": "mikroregion", "code": names, "name": names,
                                "alias": [normalize_name(n) for n in names], "extra_code": ""}))
    return pd.concat(frames, ignore_index=True)


def _index() -> pd.DataFrame:
    # Key the memo by the inputs' identity so a changed KPSS_DATA_DIR is not served stale.
    hierarchy = input_path(HIERARCHY_FILE)
    return _region_index((str(hierarchy), hierarchy.stat().st_mtime_ns))


def _obce_table() -> pd.DataFrame:
    return pd.DataFrame(load_obce().drop(columns="geometry"))


def _region_from_unit(level: str, code: str, name: str) -> Region:
    obce = _obce_table()
    if level == "cz":
        members = obce
    elif level == "mikroregion":
        return micro_region(name, list(load_micro_regions()[name]["obce"]))
    else:
        members = obce[obce[f"{level}_code"] == code]
    return Region(level, code, name, tuple(sorted(members["obec_code"])),
                  tuple(sorted(members["kraj_code"].unique())))


def _describe(candidates: pd.DataFrame) -> list[str]:
    out = []
    for _, c in candidates.iterrows():
        where = f", {c['kraj_name']}" if isinstance(c.get("kraj_name"), str) and c["level"] != "kraj" else ""
        out.append(f"{c['name']} ({LEVEL_LABELS[c['level']]} {c['code']}{where})")
    return out


#: Name of a micro-region given as a list of obce (``"585599, 585513"``).
AD_HOC_NAME = "vlastní mikroregion"


def find_region(query: "str | Region | list[str]", level: str | None = None) -> Region:
    """Look a region up by code or name, forgiving case and diacritics.

    Accepts codes (obec ``585599``, ORP ``7205``, okres ``CZ0724`` or ``40851``, kraj
    ``CZ072`` or ``3131``, ``CZ`` for the whole country), names (``Zlínský kraj``,
    ``zlinsky kraj``), names with a level prefix (``ORP Otrokovice``, ``obec Otrokovice``,
    ``okres Zlín``), the names of micro-regions in ``data/micro_regions.yml``, and
    a list of obce (codes or unambiguous names, as a list or a text separated by
    commas or semicolons: ``"585599, Napajedla, 585858"``), which makes an ad-hoc
    micro-region, so one can be given wherever a region is accepted (CLI, run files).

    Parameters
    ----------
    query : str or Region
        The code or name; a Region is returned as it is.
    level : str, optional
        Restrict the search to one level: "kraj", "okres", "orp", "obec", "mikroregion".

    Raises
    ------
    RegionNotFoundError
        when nothing or several regions match; the message lists the closest
        candidates with their level and code.
    """
    if isinstance(query, Region):
        return query
    if isinstance(query, (list, tuple)) or (isinstance(query, str) and ("," in query or ";" in query)):
        members = query if isinstance(query, (list, tuple)) else re.split(r"[,;]", query)
        members = [str(m).strip() for m in members if str(m).strip()]
        if len(members) > 1:
            return micro_region(AD_HOC_NAME, members)
        query = members[0] if members else ""
    if level is not None and level not in LEVELS + ("mikroregion",):
        raise UnknownValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}, mikroregion")
    index = _index()
    text = str(query).strip()
    if not text:
        raise RegionNotFoundError(text, "empty region name; expected a code or a name such as 'Zlínský kraj'")
    upper = text.upper()
    by_code = index[(index["code"].str.upper() == upper) | (index["extra_code"] == text)]
    if level:
        by_code = by_code[by_code["level"] == level]
    by_code = by_code.drop_duplicates(["level", "code"])
    if len(by_code) > 1:
        # ČSÚ kraj codes (e.g. 3107) can equal ORP codes; a unit's own code wins over an alias.
        primary = by_code[by_code["code"].str.upper() == upper]
        by_code = primary if len(primary) == 1 else by_code
    if len(by_code) == 1:
        row = by_code.iloc[0]
        return _region_from_unit(row["level"], row["code"], row["name"])

    alias = normalize_name(text)
    wanted_level = level
    first, _, rest = alias.partition(" ")
    if first in _LEVEL_PREFIXES and rest and wanted_level is None:
        prefixed = index[(index["alias"] == rest) & (index["level"] == _LEVEL_PREFIXES[first])]
        if len(prefixed) == 1:
            row = prefixed.iloc[0]
            return _region_from_unit(row["level"], row["code"], row["name"])
    matches = index[index["alias"] == alias]
    if wanted_level:
        matches = matches[matches["level"] == wanted_level]
    matches = matches.drop_duplicates(["level", "code"])
    if len(matches) == 1:
        row = matches.iloc[0]
        return _region_from_unit(row["level"], row["code"], row["name"])
    if len(matches) > 1:
        listed = _describe(matches.head(12))
        more = f" and {len(matches) - 12} more" if len(matches) > 12 else ""
        raise RegionNotFoundError(
            text,
            f"region {text!r} is ambiguous: it matches {len(matches)} regions: {'; '.join(listed)}{more}. "
            "Give the code, or prefix the level (e.g. 'ORP Otrokovice', 'obec Otrokovice'), "
            "or pass level=.",
            listed,
        )
    pool = index if not wanted_level else index[index["level"] == wanted_level]
    close = difflib.get_close_matches(alias, pool["alias"].unique().tolist(), n=6, cutoff=0.6)
    candidates = pool[pool["alias"].isin(close)].drop_duplicates(["level", "code"])
    candidates = candidates.assign(_rank=candidates["alias"].map({a: i for i, a in enumerate(close)}))
    listed = _describe(candidates.sort_values("_rank").head(8))
    hint = f" Closest: {'; '.join(listed)}." if listed else ""
    scope = f" at level {wanted_level!r}" if wanted_level else ""
    raise RegionNotFoundError(text, f"no region{scope} matches {text!r}.{hint}", listed)


def load_micro_regions(path: Path | None = None) -> dict[str, dict]:
    """Micro-regions defined in ``data/micro_regions.yml``: name → {source, obce: {code: name}}."""
    path = path or MICRO_REGIONS_FILE
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        content = yaml.safe_load(handle) or {}
    for name, spec in content.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("obce"), dict) or not spec["obce"]:
            raise DataFileError(path, f"micro-region {name!r} has no obce", column="obce",
                                expected="a mapping of obec code → name")
        spec["obce"] = {str(code): member for code, member in spec["obce"].items()}
    return content


def micro_region(name: str, obce: list[str]) -> Region:
    """A region that is not an administrative unit, from a list of obce (codes or names).

    Raises
    ------
    RegionNotFoundError
        when a member is unknown or its name is ambiguous (there are many obce named Lhota:
        give the code).
    """
    members = []
    for member in obce:
        region = find_region(str(member), level="obec")
        members.append(region.code)
    table = _obce_table()
    kraje = table.loc[table["obec_code"].isin(members), "kraj_code"].unique()
    return Region("mikroregion", name, name, tuple(sorted(set(members))), tuple(sorted(kraje)))


def region_obce(region: "Region | str") -> gpd.GeoDataFrame:
    """The obce of a region (rows of :func:`load_obce`)."""
    region = find_region(region)
    obce = load_obce()
    return obce[obce["obec_code"].isin(region.obce)].reset_index(drop=True)


def region_population(region: "Region | str") -> pd.Series:
    """Population of a region by age group (sum over its obce)."""
    return region_obce(region)[POPULATION_COLUMNS].sum()


def units_of(region: "Region | str", level: str) -> gpd.GeoDataFrame:
    """The units of ``level`` that make up a region (e.g. the 13 ORP of Zlínský kraj).

    For a micro-region or a level finer than the region's units, units are those
    with at least one member obec in the region.
    """
    region = find_region(region)
    obce = _obce_table()
    members = obce[obce["obec_code"].isin(region.obce)]
    units = load_level(level)
    return units[units[f"{level}_code"].isin(members[f"{level}_code"].unique())].reset_index(drop=True)


def territory_summary() -> pd.DataFrame:
    """One row per kraj plus a CZ total: ORP, obce, population by broad age group."""
    obce = _obce_table()
    rows = obce.groupby(["kraj_code", "kraj_name"]).agg(
        n_okresy=("okres_code", "nunique"), n_orp=("orp_code", "nunique"), n_obce=("obec_code", "size"),
        **{col: (col, "sum") for col in POPULATION_GROUPS.values()}).reset_index()
    total = {"kraj_code": "CZ", "kraj_name": "Česká republika", "n_okresy": obce["okres_code"].nunique(),
             "n_orp": obce["orp_code"].nunique(), "n_obce": len(obce)}
    total.update({col: int(obce[col].sum()) for col in POPULATION_GROUPS.values()})
    return pd.concat([rows, pd.DataFrame([total])], ignore_index=True)

"""Where data and outputs live, and constants shared by every layer.

Settings come from the environment so that notebooks, papermill runs and the CLI
agree without passing paths around:

``KPSS_DATA_DIR``
    folder with the big public inputs (ČÚZK boundaries, ČSÚ population, MPSV
    services, DataPAQ). The Makefile and ``.ci/run`` default it to ``../shared/data``.
``KPSS_OUTPUT_DIR``
    where generated files go; default ``outputs/`` in the current directory.
``KPSS_CACHE_DIR``
    the GeoParquet cache of converted inputs; default ``<output dir>/.cache``.
"""
from __future__ import annotations

import os
from pathlib import Path

from kpss_lib.errors import ConfigError

#: Projected CRS for distances and areas: S-JTSK / Krovak East North, metres.
CRS_METRIC = "EPSG:5514"
#: Geographic CRS of the inputs and of web maps.
CRS_WGS84 = "EPSG:4326"

#: The project's own small data (seed facts, code lists) shipped in the repository.
PROJECT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: Input files expected in KPSS_DATA_DIR: what they hold, the date the data describe
#: (``as_of``, from PROVENANCE.md) and where to get a fresh copy.
INPUT_FILES: dict[str, dict] = {
    "obce_hierarchie.csv": {
        "as_of": "2024-06 (RÚIAN)",
        "what": "code hierarchy obec → POU → ORP → okres → kraj with definition points",
        "source": "ČÚZK RÚIAN (https://vdp.cuzk.cz/), ČSÚ číselníky 43/65/101/100",
    },
    "obce_polygony.geojson": {
        "as_of": "2021-12 (generalised ČÚZK boundaries)",
        "what": "municipality polygons (EPSG:4326)",
        "source": "ČÚZK RÚIAN / Data50 (https://geoportal.cuzk.cz/)",
    },
    "orp_polygony.geojson": {
        "as_of": "2024-06 (RÚIAN)",
        "what": "ORP district polygons (EPSG:4326)",
        "source": "ČÚZK RÚIAN (https://vdp.cuzk.cz/)",
    },
    "okresy_polygony.geojson": {
        "as_of": "2024-06 (RÚIAN)",
        "what": "okres polygons (EPSG:4326)",
        "source": "ČÚZK RÚIAN (https://vdp.cuzk.cz/)",
    },
    "kraje_polygony.geojson": {
        "as_of": "2024-06 (RÚIAN)",
        "what": "kraj polygons (EPSG:4326)",
        "source": "ČÚZK RÚIAN (https://vdp.cuzk.cz/)",
    },
    "obyvatelstvo_obce_2020.csv": {
        "as_of": "2020-12-31",
        "what": "population of every obec by sex and five-year age group, 31 Dec 2020",
        "source": "ČSÚ, Počet obyvatel v obcích podle věku (https://csu.gov.cz/)",
    },
    "socialni_sluzby_seniori_2026-09.csv": {
        "as_of": "2026-09-04 (register), 2026-07-31 (address points)",
        "what": "registered social services for seniors, geocoded (MPSV register, Sept 2026)",
        "source": "MPSV open data rpss.json (https://data.mpsv.cz/od/soubory/rpss/rpss.json)",
    },
    "datapaq_orp_indikatory.csv": {
        "as_of": "2020–2021 (indicator years)",
        "what": "DataPAQ social-exclusion indicators per ORP",
        "source": "DataPAQ, PAQ Research (https://datapaq.cz/)",
    },
    "mpsv_druhy_socialnich_sluzeb_castecny.csv": {
        "as_of": "code list as of 2026",
        "what": "partial MPSV code list DruhSocialniSluzby",
        "source": "MPSV (https://data.mpsv.cz/od/soubory/ciselniky/druhy-socialni-sluzby.json)",
    },
    "mpsv_ciselnik_druhy_socialnich_sluzeb.csv": {
        "as_of": "2024-07-24 (valid from)",
        "what": "full MPSV code list: kinds of social service (34, DruhSocialniSluzby)",
        "source": "MPSV open data code lists, via urbantadeas/BCThesis_Chatbot Support/ @c218414",
        "optional": True,
    },
    "mpsv_ciselnik_cilove_skupiny.csv": {
        "as_of": "2024-12-04 (valid from)",
        "what": "full MPSV code list: target groups (27, CilovaSkupinaOsoby)",
        "source": "MPSV open data code lists, via urbantadeas/BCThesis_Chatbot Support/ @c218414",
        "optional": True,
    },
    "mpsv_ciselnik_formy_poskytovani.csv": {
        "as_of": "code list as of 2025-08",
        "what": "full MPSV code list: forms of provision (3)",
        "source": "MPSV open data code lists, via urbantadeas/BCThesis_Chatbot Support/ @c218414",
        "optional": True,
    },
    "mpsv_ciselnik_typy_kapacity.csv": {
        "as_of": "code list as of 2025-08",
        "what": "full MPSV code list: capacity types (5)",
        "source": "MPSV open data code lists, via urbantadeas/BCThesis_Chatbot Support/ @c218414",
        "optional": True,
    },
    "mpsv_ciselnik_vekove_skupiny.csv": {
        "as_of": "code list as of 2025-08",
        "what": "full MPSV code list: age groups (10)",
        "source": "MPSV open data code lists, via urbantadeas/BCThesis_Chatbot Support/ @c218414",
        "optional": True,
    },
    "khk_poskytovatele_socialnich_sluzeb.json": {
        "as_of": "not stated (before 2024)",
        "what": "Královéhradecký kraj open data: 315 facilities of all kinds of service (no capacities)",
        "source": "data.khk.cz Poskytovatelé sociálních služeb, via 4I-SPOS/hackathon2024 app/a.json @16d7e55",
        "optional": True,
    },
    "silnice_arccr500.geojson": {
        "as_of": "about 2016–2018 (ArcČR 500)",
        "what": "road network by class, 18 979 segments (EPSG:4326); optional: road km and drive times",
        "source": "ArcČR 500 © ARCDATA PRAHA, ZÚ, ČSÚ (CC BY 4.0), via jlacko/RCzechia data-backup/Silnice.rds @807b773",
        "optional": True,
    },
}


def data_dir() -> Path:
    """The folder of the big inputs, from ``KPSS_DATA_DIR``.

    Raises
    ------
    ConfigError
        when the setting is missing or names no folder; the message says which
        setting to set and which files are expected there.
    """
    value = os.environ.get("KPSS_DATA_DIR")
    expected = ", ".join(INPUT_FILES)
    if not value:
        found = [p for p in _default_data_dirs() if p.is_dir()]
        hint = (f"export KPSS_DATA_DIR={found[0]}, the folder beside the checkout that the Makefile uses"
                if found else "e.g. export KPSS_DATA_DIR=../shared/data")
        raise ConfigError(
            f"KPSS_DATA_DIR is not set: set it to the folder with the input data ({hint}); "
            f"expected files: {expected}. See data/README.md for where to get them."
        )
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"KPSS_DATA_DIR={value!r} is not a folder: set KPSS_DATA_DIR to the folder "
            f"with the input data; expected files: {expected}. See data/README.md."
        )
    return path


def _default_data_dirs() -> list[Path]:
    """Where the Makefile looks (``../shared/data``), from the checkout and from the current folder."""
    candidates = [PROJECT_DATA_DIR.parent.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    return list(dict.fromkeys(p.resolve() for p in candidates))


def input_path(name: str) -> Path:
    """Path of one input file in the data directory; raises ConfigError when it is missing."""
    path = data_dir() / name
    if not path.is_file():
        info = INPUT_FILES.get(name, {})
        hint = f" ({info['what']}; get it from {info['source']})" if info else ""
        raise ConfigError(
            f"input file {name!r} is missing from KPSS_DATA_DIR={str(data_dir())!r}{hint}. "
            "Set KPSS_DATA_DIR to the folder that holds it; see data/README.md."
        )
    return path


def output_dir() -> Path:
    """The folder for generated files, from ``KPSS_OUTPUT_DIR`` (default ``outputs``)."""
    return Path(os.environ.get("KPSS_OUTPUT_DIR", "outputs")).expanduser()


def cache_dir() -> Path:
    """The GeoParquet cache folder, from ``KPSS_CACHE_DIR`` (default ``<output dir>/.cache``)."""
    value = os.environ.get("KPSS_CACHE_DIR")
    return Path(value).expanduser() if value else output_dir() / ".cache"

"""Checks of the planning notebooks' parameters, so that a bad value fails before any work.

The coverage notebooks check theirs in :func:`kpss_lib.study.open_study`. Messages
are Czech and name the parameter, what was expected and what came.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpss_lib.errors import ConfigError, UnknownValueError
from kpss_lib.load.territory import Region, find_region

__all__ = ["check_files", "only_projects", "participation_area", "plan_year", "project_ids"]


def check_files(**files: str) -> None:
    """Every non-empty file parameter names an existing file.

    Raises
    ------
    ConfigError
        "parametr partners_file: soubor 'x.csv' neexistuje".
    """
    for name, value in files.items():
        if value and not Path(value).is_file():
            raise ConfigError(f"parametr {name}: soubor {value!r} neexistuje")


def project_ids(text: str) -> list[str] | None:
    """Project ids from comma-separated text; None (all projects) when empty."""
    return [part.strip() for part in str(text or "").split(",") if part.strip()] or None


def only_projects(frame: pd.DataFrame, ids: list[str] | None, *, note: str = "") -> pd.DataFrame:
    """The rows of ``frame`` whose ``project_id`` is in ``ids`` (all rows when ``ids`` is None).

    Raises
    ------
    UnknownValueError
        for ids the frame lacks, listing the known ones (``note`` says why one may be missing).
    """
    if not ids:
        return frame
    unknown = sorted(set(ids) - set(frame["project_id"]))
    if unknown:
        raise UnknownValueError(f"projekty {', '.join(unknown)} v datech nejsou{note}; známé: "
                                f"{', '.join(sorted(frame['project_id'].unique()))}")
    return frame[frame["project_id"].isin(ids)]


def participation_area(region: str, level: str) -> Region:
    """The region whose units (``level`` "orp" or "obec") show participation in planning.

    Raises
    ------
    UnknownValueError
        for another level, or ORP units of a region that is one ORP or obec.
    RegionNotFoundError
        for an unknown region (with the closest names).
    """
    if level not in ("orp", "obec"):
        raise UnknownValueError(f"parametr level={level!r}: očekávám 'orp' nebo 'obec'")
    area = find_region(region)
    if level == "orp" and area.level in ("orp", "obec"):
        raise UnknownValueError(f"území {area.label} je jediné ORP nebo obec: pro level='orp' zadejte kraj, "
                                "okres nebo mikroregion, nebo použijte level='obec'")
    return area


def plan_year(plan, year: object) -> int:
    """The evaluated year: 0 (the last year with a record, decided later) or a year of the plan.

    Raises
    ------
    UnknownValueError
        for a value that is not a whole number or a year outside the plan.
    """
    if not isinstance(year, int) or isinstance(year, bool):
        raise UnknownValueError(f"parametr year={year!r}: očekávám celé číslo (0 = poslední rok se záznamem)")
    if year and not plan.start_year <= year <= plan.end_year:
        raise UnknownValueError(f"parametr year={year}: plán {plan.plan_id} platí {plan.start_year}–{plan.end_year}")
    return year

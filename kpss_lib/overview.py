"""The run overview: what each report notebook leaves in ``summary.json`` and what ``index.html`` makes of it.

Schema of ``summary.json`` (the phase-2 contract)::

    {"title": str,
     "region": {"code": str, "name": str, "level": str},
     "figures": [{"key": str, "label": str (Czech), "value": number | null, "unit": str,
                  "format": "int" | "dec1" | "dec2" | "pct"}],
     "notes": [str],
     "obce": [{"obec_code": str, "obec_name": str, "white_spot": bool, "value": number | null}]}

The overview page (:func:`kpss_lib.report.render_index`) shows one row per job
with its figures, ranked by ``per_1000`` when the jobs report it, and one map of
every obec of the run (:func:`overview_map`).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from kpss_lib.errors import DataFileError, ValidationError
from kpss_lib.fileio import write_text_atomic
from kpss_lib.vocabulary import format_number

__all__ = ["FIGURE_FORMATS", "SUMMARY_NAME", "figure_text", "local_time", "overview_map",
           "overview_rows", "read_summary", "write_summary"]

SUMMARY_NAME = "summary.json"
FIGURE_FORMATS = {"int": 0, "dec1": 1, "dec2": 2, "pct": 1}
_TIMEZONE = "Europe/Prague"


def _check(summary: Any, where: str) -> dict:
    def bad(what: str, came: Any) -> ValidationError:
        return ValidationError(f"{where}: {what}, got {came!r}"[:400])

    if not isinstance(summary, dict) or not isinstance(summary.get("title"), str):
        raise bad("expected an object with a text 'title'", summary if not isinstance(summary, dict)
                  else summary.get("title"))
    region = summary.get("region")
    if not isinstance(region, dict) or not {"code", "name", "level"} <= set(region):
        raise bad("'region' expected {code, name, level}", region)
    for i, figure in enumerate(summary.get("figures", [])):
        if (not isinstance(figure, dict) or not {"key", "label", "value", "unit", "format"} <= set(figure)
                or figure["format"] not in FIGURE_FORMATS
                or not (figure["value"] is None or isinstance(figure["value"], (int, float)))):
            raise bad(f"figures[{i}] expected key, label, value (number or null), unit, format "
                      f"({', '.join(FIGURE_FORMATS)})", figure)
    for i, obec in enumerate(summary.get("obce", [])):
        if not isinstance(obec, dict) or not {"obec_code", "white_spot"} <= set(obec):
            raise bad(f"obce[{i}] expected obec_code, obec_name, white_spot, value", obec)
    return summary


def write_summary(output_dir: str | os.PathLike, summary: dict) -> Path:
    """Check ``summary`` against the schema and write it to ``<output_dir>/summary.json`` atomically.

    Raises
    ------
    ValidationError
        naming the part of the summary that does not fit the schema.
    """
    _check(summary, "summary")
    text = json.dumps(summary, ensure_ascii=False, indent=1, allow_nan=False)
    return write_text_atomic(text + "\n", Path(output_dir) / SUMMARY_NAME)


def read_summary(folder: str | os.PathLike) -> dict | None:
    """The ``summary.json`` of a job folder; None when the job left none.

    Raises
    ------
    DataFileError
        for a file that is not JSON or does not fit the schema.
    """
    path = Path(folder) / SUMMARY_NAME
    if not path.is_file():
        return None
    try:
        return _check(json.loads(path.read_text(encoding="utf-8")), str(path))
    except (ValueError, ValidationError) as exc:
        raise DataFileError(path, f"not a kpss summary: {exc}") from None


def figure_text(figure: dict) -> str:
    """A figure as Czech text: ``22,4``, ``1 234``, ``12,5 %``; "–" without a value."""
    value = figure.get("value")
    if value is None:
        return "–"
    fmt = figure.get("format", "dec1")
    shown = format_number(value * 100 if fmt == "pct" else value, FIGURE_FORMATS.get(fmt, 1))
    return f"{shown} %" if fmt == "pct" else shown


def local_time(iso: str | None) -> str:
    """An ISO time as Czech local time (Europe/Prague): ``8. 12. 2026 2:05``; "–" when missing."""
    from zoneinfo import ZoneInfo

    if not iso:
        return "–"
    try:
        moment = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(_TIMEZONE))
    return f"{moment.day}. {moment.month}. {moment.year} {moment.hour}:{moment:%M}"


def overview_rows(manifest: dict, root: str | os.PathLike) -> tuple[list[dict], list[dict]]:
    """One row per job (its summary, or None) and the figure columns shared by the summaries.

    Rows carry ``job`` (the manifest entry), ``summary`` and ``cells`` (figure key →
    text and sort value); ``rank`` orders the jobs by capacity per 1 000 (1 = most).
    """
    rows = []
    for job in manifest["jobs"]:
        summary = read_summary(Path(root) / job["name"]) if job["status"] == "ok" else None
        rows.append({"job": job, "summary": summary,
                     "cells": {f["key"]: f for f in (summary or {}).get("figures", [])}})
    columns: dict[str, dict] = {}
    for row in rows:
        for key, figure in row["cells"].items():
            columns.setdefault(key, {"key": key, "label": figure["label"], "unit": figure["unit"]})
    ranked = sorted((r for r in rows if r["cells"].get("per_1000", {}).get("value") is not None),
                    key=lambda r: -r["cells"]["per_1000"]["value"])
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    return rows, list(columns.values())


def overview_map(summaries: list[dict]):
    """Every obec of the summaries on one map: 2SFCA value (``value``) as colour, white spots hatched.

    Returns None when no summary lists obce.
    """
    import pandas as pd

    from kpss_lib import maps
    from kpss_lib.load.territory import load_obce

    listed = pd.DataFrame([obec for s in summaries for obec in s.get("obce", [])])
    if listed.empty:
        return None
    listed = listed.drop_duplicates("obec_code")
    listed["value"] = pd.to_numeric(listed["value"], errors="coerce")
    obce = load_obce()
    units = obce[["obec_code", "obec_name", "orp_code", "geometry"]].merge(
        listed.drop(columns=["obec_name"], errors="ignore"), on="obec_code")
    units["white_spot"] = units["white_spot"].astype(bool)
    return maps.coverage_map(
        units, "value", label="Dostupnost 2SFCA na 1 000", white_spots="white_spot",
        white_spots_description="bez jakékoli vybrané služby v dosahu", outline_by="orp_code",
        title="Přehled běhu: dostupnost a bílá místa", name_column="obec_name", code_column="obec_code",
        tooltip_columns={"obec_name": "Obec"}, cluster=False)

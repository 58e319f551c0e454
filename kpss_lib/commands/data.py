"""``kpss data``: what inputs the project sees, with dates, rows, hashes and provenance."""
from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

import pandas as pd

from kpss_lib.config import INPUT_FILES, PROJECT_DATA_DIR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "data", help="list the input files kpss sees (date, rows, hash, provenance) and what is missing",
        description="Lists every input in KPSS_DATA_DIR and the project's own data/ files: modification "
                    "date, row count, SHA-256 and where the file comes from; missing files with where to get them.")
    parser.set_defaults(func=run)


def _rows(path: Path) -> int | None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("rb") as handle:
            return max(sum(1 for _ in handle) - 1, 0)
    if suffix in (".geojson", ".json"):
        import pyogrio

        try:
            return int(pyogrio.read_info(path)["features"])
        except Exception:
            return None
    if suffix in (".yml", ".yaml"):
        return None
    return None


def _absent(info: dict) -> str:
    """Status of a file that is not there: optional inputs (e.g. the road file) are not missing."""
    return "optional" if info.get("optional") else "MISSING"


def inventory() -> pd.DataFrame:
    """One row per expected input and per project data file (the files a run's manifest hashes).

    Columns: status ("ok", "MISSING", or "optional" for a missing optional input such
    as the road file), ``modified`` (the file's date), rows, sha256 (first 16 hex digits),
    ``as_of`` (the date the data describe), what, source, ``optional`` (bool).
    """
    from kpss_lib.runner.manifest import input_data_hashes

    hashes = input_data_hashes()
    folder = Path(hashes["data_dir"]) if hashes["data_dir"] else None
    rows = []
    for entry in hashes["files"]:
        if entry["source"] == "project":
            name = entry["name"].removeprefix("data/")
            path, where = PROJECT_DATA_DIR / name, "data/"
            info = {"as_of": "", "what": "project data (see data/README.md)", "source": "data/README.md"}
        else:
            name, where = entry["name"], "KPSS_DATA_DIR"
            path, info = folder / name, INPUT_FILES[name]
        present = not entry.get("missing")
        rows.append({
            "file": name, "where": where, "status": "ok" if present else _absent(info),
            "modified": dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d") if present else "",
            "rows": _rows(path) if present else None,
            "sha256": (entry["sha256"] or "")[:16],
            "as_of": info["as_of"], "what": info["what"], "source": info["source"],
            "optional": bool(info.get("optional")),
        })
    if folder is None:  # no folder: every input is missing
        rows[:0] = [{"file": name, "where": "KPSS_DATA_DIR", "status": _absent(info), "modified": "", "rows": None,
                     "sha256": "", "as_of": info["as_of"], "what": info["what"], "source": info["source"],
                     "optional": bool(info.get("optional"))}
                    for name, info in INPUT_FILES.items()]
    table = pd.DataFrame(rows)
    table.attrs["folder_error"] = hashes["error"]
    table.attrs["folder"] = str(folder) if folder else None
    return table


def run(args: argparse.Namespace) -> int:
    table = inventory()
    folder = table.attrs["folder"]
    print(f"KPSS_DATA_DIR = {os.environ.get('KPSS_DATA_DIR', '(not set)')}" + (f" → {folder}" if folder else ""))
    if table.attrs["folder_error"]:
        print(f"! {table.attrs['folder_error']}")
    for where, part in table.groupby("where", sort=False):
        print(f"\n{where}:")
        for _, row in part.iterrows():
            rows = "" if pd.isna(row["rows"]) else f"{int(row['rows']):>7} rows"
            print(f"  [{row['status']:>8}] {row['file']:<44} {row['modified']:<10} {rows:<12} "
                  f"sha256:{row['sha256'] or '-':<16}  {row['what']}"
                  + (f"; data as of {row['as_of']}" if row["as_of"] else "")
                  + ("; optional input" if row.get("optional") and row["status"] == "ok" else ""))
            if row["status"] != "ok":
                print(f"             get it from: {row['source']}")
            elif row.get("optional"):
                print(f"             source: {row['source']}")
    missing = table[table["status"] == "MISSING"]
    if len(missing):
        print(f"\n{len(missing)} input(s) missing. Set KPSS_DATA_DIR to the folder that holds them; "
              "see data/README.md for each file's source.")
        return 1
    print("\nAll inputs found. Provenance of each: data/README.md.")
    return 0

"""``kpss territory``: the territory summary table (kraje with ORP, obce, population)."""
from __future__ import annotations

import argparse
from pathlib import Path

from kpss_lib.config import output_dir
from kpss_lib.fileio import write_table
from kpss_lib.load.territory import territory_summary
from kpss_lib.vocabulary import to_czech_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "territory", help="write the territory summary (kraje, ORP, obce, population 31 Dec 2020)",
        description="Summary of the territory per kraj and for CZ: okresy, ORP, obce and population by age "
                    "group (ČSÚ, 31. 12. 2020). Written to -o (Czech labels in CSV/XLSX) or printed.")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output file (.csv, .xlsx or .parquet); default: print, or "
                             "KPSS_OUTPUT_DIR/territory_summary.csv with --save")
    parser.add_argument("--save", action="store_true", help="write to KPSS_OUTPUT_DIR/territory_summary.csv")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    table = territory_summary()
    path = args.output or (output_dir() / "territory_summary.csv" if args.save else None)
    if path is None:
        print(to_czech_text(table).to_string(index=False))
        return 0
    write_table(table, Path(path), sheet_name="Území")
    print(f"written {path}")
    return 0

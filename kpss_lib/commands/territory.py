"""``kpss territory``: the territory summary table (kraje with ORP, obce, population)."""
from __future__ import annotations

import argparse
from pathlib import Path

from kpss_lib.config import output_dir
from kpss_lib.fileio import write_table_atomic
from kpss_lib.load.territory import territory_summary

CZECH_LABELS = {
    "kraj_code": "Kód kraje (NUTS3)", "kraj_name": "Kraj", "n_okresy": "Počet okresů", "n_orp": "Počet ORP",
    "n_obce": "Počet obcí", "pop_total": "Obyvatelé celkem", "pop_0_14": "0–14 let", "pop_15_64": "15–64 let",
    "pop_65_plus": "65+ let", "pop_80_plus": "80+ let",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "territory", help="write the territory summary (kraje, ORP, obce, population 31 Dec 2020)",
        description="Summary of the territory per kraj and for CZ: okresy, ORP, obce and population by age "
                    "group (ČSÚ, 31. 12. 2020). Written as CSV (Czech labels) to -o or printed.")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output file (.csv or .xlsx); default: print, or "
                             "KPSS_OUTPUT_DIR/territory_summary.csv with --save")
    parser.add_argument("--save", action="store_true", help="write to KPSS_OUTPUT_DIR/territory_summary.csv")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    table = territory_summary()
    path = args.output or (output_dir() / "territory_summary.csv" if args.save else None)
    if path is None:
        print(table.to_string(index=False))
        return 0
    write_table_atomic(table.rename(columns=CZECH_LABELS), Path(path))
    print(f"written {path}")
    return 0

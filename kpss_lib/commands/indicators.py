"""``kpss indicators``: coverage, white spots, distances, 2SFCA and comparison tables."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from kpss_lib import study as studies
from kpss_lib.commands.options import add_study_arguments, open_study_of, report_rejected, writing
from kpss_lib.errors import RegionNotFoundError, UnknownValueError
from kpss_lib.fileio import write_table
from kpss_lib.indicators.coverage import LEVEL_COLUMNS
from kpss_lib.sections import input_description
from kpss_lib.vocabulary import (OUTPUT_FORMATS, POPULATION_LABELS, main_columns, table_description, target_phrase,
                                 to_czech_text)

TABLES = ("units", "white-spots", "obce", "need")

EPILOG = """\
Příklady:
  kpss indicators --region "Zlínský kraj" --level orp --services "domovy pro seniory" --population 65+
  kpss indicators --region "Zlínský kraj" --services "domovy pro seniory" -o zlinsky_ds.xlsx
  kpss indicators --region "ORP Otrokovice" --level obec --services "pečovatelská služba" --forms terénní
  kpss indicators --region Otrokovicko --level obec --services 13,14 --table white-spots --radius-km 5
  kpss indicators --region "Jihomoravský kraj" --categories "služby sociální péče" --target-group senioři
  kpss indicators --compare "Zlínský kraj" "Jihomoravský kraj" --services "domovy pro seniory"
  kpss indicators --compare-within "Zlínský kraj" --level orp --services 13 -o srovnani_orp.xlsx

Regions: a kraj, okres, ORP, obec or micro-region (data/micro_regions.yml) by name or code
("Zlínský kraj", "CZ072", "ORP Otrokovice", "7205", "obec Otrokovice", "585599", "Otrokovicko",
"CZ"). A bare name shared by an ORP and an obec (Otrokovice) must be prefixed with the level.
Services: kind by MPSV code (13), § (49, "§ 49") or name ("domovy pro seniory", also a unique
part: "pečovatelská"); several separated by commas or by repeating the flag. Unknown names
exit with code 2 and the closest valid names.

Figures: capacity per 1 000 = summed capacity / summed target population × 1 000 (never an
average of ratios); capacities of different forms and units are separate columns; a unit
with zero target population is reported, not divided by. White spots: obce with no
pobytová/ambulantní place of the selection within --radius (the white-spots table lists them
with "terrain_reached": reached by a terrain service; the units' count of white spots has
neither); terrain reach: the register's territorial scope when the input has it, otherwise
--terrain-radius around the base; the column "Dosah terénních služeb" says which.

Distances (--cost): by default drive minutes along the ArcČR 500 roads at assumed speeds
(--speeds), from the obec's definition point; 2SFCA becomes E2SFCA with Luo & Qi's zones
(0–10, 10–20, 20–30 min). Without the road file: straight lines in km, with a note on stderr.
--cost straight reproduces the straight-line figures; --radius-km/--catchment-km/
--terrain-radius-km still work and mean straight lines unless --cost road is given.
  kpss indicators --region "ORP Otrokovice" --level obec --services 13 --cost drive --radius 20
  kpss indicators --region "ORP Otrokovice" --level obec --services 13 --cost straight --radius 10
  kpss indicators --region "Zlínský kraj" --services 13 --speeds "dálnice=120, silnice I. třídy=80"

Reference date (--on 2026-01-01): only services provided that day count (default: the
input's own date, e.g. 4. 9. 2026 for the catalogue; rpss.json or an own list without a date
is not filtered). stderr says how much capacity of the selection is left out and why
(rejected records without an obec, services outside the date).

Comparing the units within a micro-region (--compare-within Otrokovicko): a unit only partly
inside it is a row for those obce only, named so ("Kroměříž (část: 1 obec z 46)", column
"Jen část jednotky v území" = ano); it gets no rank, no DataPAQ values and no socially
similar ORP, since those describe the whole unit (a warning says so).

Rejected records: records of the services input the loader rejects (no obec, duplicates, ...)
are in no figure; a one-line count by reason goes to stderr, and --rejected FILE writes them all
(file, record, column, reason, value).

Output: .csv (Czech labels, ';' separator, decimal comma, UTF-8 with BOM for Czech Excel),
.xlsx (Czech labels, number formats, sheet "Popis" with the selection and sources) or
.parquet (English column names, exact values); written atomically. Without -o the main
columns are printed. Exit codes: 0 done; 2 error (unknown region, service or value, bad
arguments, missing or malformed input data, an output that cannot be written: the message
names it and the closest valid names).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kpss indicators`` to the ``kpss`` command."""
    parser = subparsers.add_parser(
        "indicators", help="indicator table of a region: services, capacity per 1 000, white spots, 2SFCA",
        description="Coverage indicators of a region for a selection of social services and a target "
                    "population, per unit of a level (obec, POU, ORP, okres, kraj), or a comparison of "
                    "regions with ranks, kraj/CZ values, DataPAQ socially similar ORP and need indicators.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_argument_group("territory")
    where.add_argument("--region", help='region name or code, e.g. "Zlínský kraj", "ORP Otrokovice", "7205"')
    where.add_argument("--level", default="orp", choices=list(LEVEL_COLUMNS),
                       help="units of the rows (default: orp)")
    where.add_argument("--compare", nargs="+", metavar="REGION",
                       help='compare these regions, e.g. --compare "Zlínský kraj" "Jihomoravský kraj"')
    where.add_argument("--compare-within", metavar="REGION",
                       help='compare every unit of --level within this region, e.g. "Zlínský kraj"')
    add_study_arguments(parser)
    how = parser.add_argument_group("indicators")
    how.add_argument("--radius-km", type=float, default=None,
                     help="white spot radius in km (default 10); with --cost auto it means --cost straight, "
                          "as before drive times existed")
    how.add_argument("--terrain-radius-km", type=float, default=None,
                     help="assumed reach of a terrain service around its base when the input has no "
                          "territorial scope (km, default 15; with --cost auto it means --cost straight)")
    how.add_argument("--catchment-km", type=float, default=None,
                     help="2SFCA catchment radius (km, default 20; with --cost auto it means --cost straight)")
    how.add_argument("--no-access", action="store_true", help="leave the 2SFCA columns out")
    how.add_argument("--terrain-attribution", choices=("base", "reach"), default="base",
                     help="count terrain capacity where the service is based (default) or spread it over "
                          "the obce it reaches, by target population")
    out = parser.add_argument_group("output")
    out.add_argument("--table", choices=TABLES, default="units",
                     help="units: indicators per unit (default); white-spots: obce without a service; "
                          "obce: every obec with its nearest service and 2SFCA; need: ageing and DataPAQ")
    out.add_argument("--total", action=argparse.BooleanOptionalAction, default=True,
                     help="append a row for the whole region (units table; default: yes)")
    out.add_argument("-o", "--output", type=Path, metavar="FILE",
                     help="write to FILE (.csv, .xlsx or .parquet) instead of printing")
    out.add_argument("--all-columns", action="store_true", help="print every column, not only the main ones")
    parser.set_defaults(func=run)


def _study(args: argparse.Namespace) -> studies.Study:
    given_km = {name: getattr(args, name) for name in ("radius_km", "terrain_radius_km", "catchment_km")
                if getattr(args, name) is not None}
    if given_km and args.cost == "auto":  # the km flags predate drive times: they keep meaning straight lines
        args.cost = "straight"
    settings = studies.Settings(terrain_attribution=args.terrain_attribution, **given_km)
    if args.no_access or args.table == "white-spots":  # the white-spots table has no 2SFCA columns
        settings = replace(settings, catchment_km=None, catchment_min=None)
    if args.compare or args.compare_within:
        if args.region:
            raise UnknownValueError("--region cannot be combined with --compare/--compare-within")
        return open_study_of(args, None, level=args.level, settings=settings, regions=args.compare,
                             within=args.compare_within)
    if not args.region:
        raise UnknownValueError('give --region (e.g. --region "Zlínský kraj"), --compare or --compare-within')
    return open_study_of(args, args.region, level=args.level, settings=settings)


def _table(args: argparse.Namespace, study: studies.Study) -> pd.DataFrame:
    if study.regions:
        return studies.compare_table(study)
    if args.table == "units":
        return studies.coverage_table(study, total=args.total)
    if args.table == "white-spots":
        return studies.white_spots_table(study)
    if args.table == "obce":
        return studies.nearest_table(study)
    table = studies.need_for(study)
    table.attrs["region"] = args.region
    return table


def run(args: argparse.Namespace) -> int:
    """Handler of ``kpss indicators``; returns the exit code."""
    for flag, target in (("-o", args.output), ("--rejected", args.rejected)):
        if target is not None and target.suffix.lower() not in OUTPUT_FORMATS:
            print(f"kpss indicators: error: {flag} {target}: expected a file name ending in "
                  f"{', '.join(OUTPUT_FORMATS)}", file=sys.stderr)
            return 2
    try:
        study = _study(args)
        table = _table(args, study)
    except (RegionNotFoundError, UnknownValueError) as exc:
        print(f"kpss indicators: error: {exc}", file=sys.stderr)
        return 2
    for warning in table.attrs.get("warnings", []):
        print(f"upozornění: {warning}", file=sys.stderr)
    metadata = table_description(table, level=args.level)
    if args.table != "need" or args.rejected is not None:  # the need table uses no services
        report_rejected(study, args.rejected)
        metadata = input_description(study, table, level=args.level)
    if args.output is not None:
        with writing(args.output, "table"):
            path = write_table(table, args.output, metadata=metadata)
        print(f"zapsáno: {path} ({len(table)} řádků)")
        return 0
    shown = table if args.all_columns else table[main_columns(table)]
    population = table.attrs.get("population")
    per = f"na 1 000 {target_phrase(population)}" if population in POPULATION_LABELS else None
    header = " | ".join(str(v) for v in (table.attrs.get("region"), table.attrs.get("selection"), per) if v)
    if header:
        print(header)
    if table.empty:
        print("(žádné řádky)")
        return 0
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.max_colwidth", 40):
        print(to_czech_text(shown, table.attrs.get("population"), short=not args.all_columns)
              .to_string(index=False))
    return 0

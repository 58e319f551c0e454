"""``kpss indicators``: coverage, white spots, distances, 2SFCA and comparison tables."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from kpss_lib import analysis
from kpss_lib.errors import OutputError, RegionNotFoundError, UnknownValueError
from kpss_lib.indicators.coverage import LEVEL_COLUMNS
from kpss_lib.indicators.selection import Selection
from kpss_lib.labels import OUTPUT_FORMATS, main_columns, table_description, to_czech_text, write_table
from kpss_lib.load.territory import POPULATION_GROUPS, POPULATION_LABELS

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
pobytová/ambulantní place of the selection within --radius-km and no terrain service reaching
them (terrain reach: the register's territorial scope when the input has it, otherwise
--terrain-radius-km around the base; the column "Dosah terénních služeb" says which).
Distances are straight lines (EPSG:5514) from the obec's definition point.

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


@contextmanager
def writing(path: Path, what: str = "output") -> Iterator[None]:
    """Turn an ``OSError`` while writing ``path`` into :class:`OutputError` naming the path.

    The writers are atomic, so nothing half-written is left behind either way.
    """
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{path}: cannot write the {what}: {reason}") from exc


def report_rejected(rejected: pd.DataFrame, target: Path | None) -> None:
    """Write the rejected records to ``target`` (if given) and print one line about them on stderr."""
    if target is not None:
        with writing(target, "rejected records"):
            analysis.write_rejected(rejected, target)
        print(f"vyřazené záznamy: {target} ({len(rejected)} řádků)", file=sys.stderr)
    elif not rejected.empty:
        hint = "celý seznam zapíše volba --rejected SOUBOR.csv"
        print(f"upozornění: {analysis.rejected_line(rejected, hint)}", file=sys.stderr)


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
    what = parser.add_argument_group("selection of services")
    what.add_argument("--services", action="append", metavar="KIND",
                      help='kind of service: code, § or name, e.g. "domovy pro seniory", 13, "§ 49" '
                           "(repeat or separate by commas; default: every service of the input)")
    what.add_argument("--categories", action="append", metavar="CATEGORY",
                      help='"sociální poradenství", "služby sociální péče", "služby sociální prevence"')
    what.add_argument("--forms", action="append", metavar="FORM", help="pobytová, ambulantní, terénní")
    what.add_argument("--target-group", action="append", metavar="GROUP", dest="target_groups",
                      help='target group, e.g. senioři, "osoby se zdravotním postižením"')
    what.add_argument("--capacity-units", action="append", metavar="UNIT",
                      help="lůžka, klienti, kontakty, intervence, hovory")
    what.add_argument("--services-file", action="append", metavar="PATH",
                      help="services input: rpss.json, the catalogue CSV or a kpss template (default: the "
                           "catalogue in KPSS_DATA_DIR); repeat to combine several, '' stands for the catalogue, "
                           "e.g. --services-file '' --services-file planovane.xlsx")
    how = parser.add_argument_group("indicators")
    how.add_argument("--population", choices=list(POPULATION_GROUPS),
                     help="target population (default: by the kind of service, e.g. 65+ for domovy pro "
                          "seniory; total for a mixed selection)")
    how.add_argument("--radius-km", type=float, default=10.0,
                     help="white spot: no service within this distance (km, default 10)")
    how.add_argument("--terrain-radius-km", type=float, default=15.0,
                     help="assumed reach of a terrain service around its base when the input has no "
                          "territorial scope (km, default 15)")
    how.add_argument("--catchment-km", type=float, default=20.0,
                     help="2SFCA catchment radius (km, default 20)")
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
    out.add_argument("--rejected", type=Path, metavar="FILE",
                     help="write the records of the services input that were rejected (no obec, duplicates, ...) "
                          "to FILE (.csv, .xlsx or .parquet); without it a one-line count goes to stderr")
    parser.set_defaults(func=run)


def _selection(args: argparse.Namespace) -> Selection:
    return Selection.from_text(args.services, args.categories, args.forms, args.target_groups,
                               args.capacity_units)


def _table(args: argparse.Namespace, selection: Selection) -> pd.DataFrame:
    catchment = None if args.no_access else args.catchment_km
    common = dict(selection=selection, population=args.population, services_file=args.services_file)
    if args.compare or args.compare_within:
        if args.region:
            raise UnknownValueError("--region cannot be combined with --compare/--compare-within")
        return analysis.compare_for(args.compare, within=args.compare_within, level=args.level,
                                    radius_km=args.radius_km, terrain_radius_km=args.terrain_radius_km,
                                    catchment_km=catchment, terrain_attribution=args.terrain_attribution,
                                    **common)
    if not args.region:
        raise UnknownValueError('give --region (e.g. --region "Zlínský kraj"), --compare or --compare-within')
    if args.table == "units":
        return analysis.coverage_table(args.region, args.level, radius_km=args.radius_km,
                                       terrain_radius_km=args.terrain_radius_km, catchment_km=catchment,
                                       terrain_attribution=args.terrain_attribution, total=args.total, **common)
    if args.table == "white-spots":
        return analysis.white_spots_for(args.region, radius_km=args.radius_km,
                                        terrain_radius_km=args.terrain_radius_km, **common)
    if args.table == "obce":
        return analysis.nearest_for(args.region, radius_km=args.radius_km, terrain_radius_km=args.terrain_radius_km,
                                    catchment_km=catchment, **common)
    table = analysis.need_for(args.region, args.level)
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
        table = _table(args, _selection(args))
    except (RegionNotFoundError, UnknownValueError) as exc:
        print(f"kpss indicators: error: {exc}", file=sys.stderr)
        return 2
    for warning in table.attrs.get("warnings", []):
        print(f"upozornění: {warning}", file=sys.stderr)
    metadata = table_description(table, level=args.level)
    if args.table != "need" or args.rejected is not None:  # the need table uses no services
        rejected = analysis.rejected_services(args.services_file)
        report_rejected(rejected, args.rejected)
        metadata.update({"Vstup služeb": analysis.services_input_text(args.services_file),
                         "Vyřazené záznamy vstupu": analysis.rejected_line(rejected)})
    if args.output is not None:
        with writing(args.output, "table"):
            path = write_table(table, args.output, metadata=metadata)
        print(f"zapsáno: {path} ({len(table)} řádků)")
        return 0
    shown = table if args.all_columns else table[main_columns(table)]
    population = POPULATION_LABELS.get(table.attrs.get("population", ""))
    per = f"na 1 000 {population.replace('obyvatelé', 'obyvatel')}" if population else None
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

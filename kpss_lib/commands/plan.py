"""``kpss plan gap|scenario|siting``: planning forward from the command line (:mod:`kpss_lib.planning_forward`)."""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from kpss_lib import planning_forward as forward
from kpss_lib.commands.options import add_study_arguments, open_study_of, report_rejected, writing
from kpss_lib.errors import UnknownValueError
from kpss_lib.fileio import write_table
from kpss_lib.indicators.coverage import LEVEL_COLUMNS
from kpss_lib.indicators.gap import NORMS
from kpss_lib.sections import input_description
from kpss_lib.study import Settings, Study
from kpss_lib.vocabulary import to_czech_text

EPILOG = """\
Příklady:
  kpss plan gap --region "Zlínský kraj" --services "domovy pro seniory" --norm cr
  kpss plan gap --region "Zlínský kraj" --services 13 --norm 25 -o chybi_luzka.xlsx
  kpss plan scenario --region "Zlínský kraj" --services "domovy pro seniory" \\
      --scenario data/scenarios/zlinsky_kraj_domovy.csv
  kpss plan scenario --region "ORP Uherský Brod" --level obec --services 13 --scenario plan.xlsx -o scenar.xlsx
  kpss plan siting --region "Zlínský kraj" --services "domovy pro seniory" --k 1 2 3
  kpss plan siting --region "Zlínský kraj" --services 13 --method median --shortlist 40 --k 2

gap: capacity needed to reach the norm per unit, the gap (missing capacity) and, separately, the
surplus, in the measure's own unit (lůžka, klienti, …); the last row sums gaps and surpluses
separately (never netted). Norms: kraj, cr (ČR), median (median of the kraj's units), peers
(DataPAQ socially similar ORP; --level orp) or a number per 1 000 of the target population.

scenario: a file in the services template (kpss template services): a new service (new
id_sluzby, stav "plánovaná"), a capacity change (existing id_sluzby and the new kapacita) or a
closure (existing id_sluzby with kapacita 0 or stav "zrušená"). The register input is never
modified. Repeat --scenario to compare several side by side. Columns: each indicator before,
after and the change (capacity, per 1 000, 2SFCA, white spots, people in white spots).

siting: the obce where k new services would bring most people of the target population out of
white spots (maximal covering; --method median: the smallest population-weighted distance,
p-median on the --shortlist candidates that save most alone). Candidates: every obec of the
region, or --candidates CODES, or obce with at least --min-population inhabitants.

Exit codes: 0 done; 2 error (unknown region or service, a bad scenario file: the message names
file, row, column and value; an output that cannot be written).
"""


def _add_common(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("territory")
    where.add_argument("--region", required=True, help='region name or code, e.g. "Zlínský kraj", "ORP Uherský Brod"')
    where.add_argument("--level", default="orp", choices=list(LEVEL_COLUMNS), help="units of the rows (default: orp)")
    add_study_arguments(parser)
    how = parser.add_argument_group("settings")
    how.add_argument("--radius-km", type=float, default=10.0,
                     help="white spot: no service within this distance (km, default 10)")
    how.add_argument("--terrain-radius-km", type=float, default=15.0,
                     help="assumed reach of a terrain service (km, default 15)")
    how.add_argument("--catchment-km", type=float, default=20.0, help="2SFCA catchment radius (km, default 20)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE (.csv, .xlsx or .parquet) instead of printing")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kpss plan`` with its three sub-commands to the ``kpss`` command."""
    parser = subparsers.add_parser(
        "plan", help="planning forward: capacity gap, scenarios of changes, siting of new services",
        description="Plánování dopředu: kolik kapacity chybí proti normě, co změní plánované služby "
                    "a kde by nová služba pomohla nejvíc.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = parser.add_subparsers(dest="question", metavar="QUESTION", required=True)
    gap = kinds.add_parser("gap", help="chybějící kapacita proti normě (a zvlášť kapacita nad normou)",
                           epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(gap)
    gap.add_argument("--norm", default="kraj", help=f"{', '.join(NORMS)} or a number per 1 000 (default: kraj)")
    gap.add_argument("--measure", help="measure key, e.g. residential_beds (default: the largest capacity)")
    gap.set_defaults(func=run_gap)
    scenario = kinds.add_parser("scenario", help="ukazatele před a po změnách ze souboru scénáře",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(scenario)
    scenario.add_argument("--scenario", action="append", required=True, type=Path, metavar="FILE",
                          help="scenario file in the services template (.csv/.xlsx); repeat for several")
    scenario.set_defaults(func=run_scenario)
    siting = kinds.add_parser("siting", help="nejlepší obce pro k nových služeb",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(siting)
    siting.add_argument("--k", type=int, nargs="+", default=[1, 2, 3], help="numbers of new services (default 1 2 3)")
    siting.add_argument("--method", choices=list(forward.METHODS), default="coverage",
                        help="coverage: maximal covering (default); median: p-median on the shortlist")
    siting.add_argument("--shortlist", type=int, default=40,
                        help="p-median: candidates that save most on their own (default 40)")
    siting.add_argument("--candidates", nargs="+", metavar="OBEC_CODE", help="only these obce may get a service")
    siting.add_argument("--min-population", type=float, help="only obce with at least this many inhabitants")
    siting.set_defaults(func=run_siting)


def _study(args: argparse.Namespace) -> Study:
    settings = Settings(radius_km=args.radius_km, terrain_radius_km=args.terrain_radius_km,
                        catchment_km=args.catchment_km)
    study = open_study_of(args, args.region, level=args.level, settings=settings)
    report_rejected(study.rejected, args.rejected)
    return study


def _finish(args: argparse.Namespace, study: Study, table: pd.DataFrame, shown: list[str]) -> int:
    if args.output is not None:
        with writing(args.output, "table"):
            path = write_table(table, args.output, metadata=input_description(study, table, level=args.level))
        print(f"zapsáno: {path} ({len(table)} řádků)")
        return 0
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.max_colwidth", 40):
        # Printed for reading: one decimal (the written files keep exact values).
        print(to_czech_text(table[[c for c in shown if c in table.columns]].round(1), study.population)
              .to_string(index=False))
    return 0


def _norm(text: str) -> "str | float":
    try:
        return float(text)
    except ValueError:
        return text


def run_gap(args: argparse.Namespace) -> int:
    """Handler of ``kpss plan gap``."""
    study = _study(args)
    table = forward.gap_for(study, _norm(args.norm), args.measure)
    print(f"{study.region.label} | {study.selection_text} | {table['form'].iloc[0]}, {table['capacity_unit'].iloc[0]}"
          f" | norma: {table['norm'].iloc[0]}")
    return _finish(args, study, table, ["unit_name", "population", "capacity", "per_1000", "norm_per_1000",
                                        "needed", "gap", "surplus"])


def run_scenario(args: argparse.Namespace) -> int:
    """Handler of ``kpss plan scenario``."""
    study = _study(args)
    scenarios = {}
    for path in args.scenario:
        if path.stem in scenarios:
            raise UnknownValueError(f"--scenario {path}: two scenario files named {path.stem!r}; rename one")
        scenarios[path.stem] = forward.read_scenario_of(study, path)
    table = forward.scenario_table(study, scenarios)
    measure = next((c[len("per_1000_"):-len("_before")] for c in table.columns
                    if c.startswith("per_1000_") and c.endswith("_before")), "")
    shown = ["scenario", "unit_name", *[f"{base}_{when}" for base in (f"per_1000_{measure}",
                                                                       f"access_per_1000_{measure}",
                                                                       "population_white_spots")
                                        for when in ("before", "after", "change")]]
    return _finish(args, study, table, shown)


def run_siting(args: argparse.Namespace) -> int:
    """Handler of ``kpss plan siting``."""
    study = _study(args)
    problem = forward.siting_problem_of(study, candidates=args.candidates, min_population=args.min_population)
    if args.method == "median":
        problem = forward.shortlist(problem, args.shortlist)
    sites, summary = forward.siting_table(problem, args.k, args.method)
    _, _, unit = forward.siting_cost(study)
    print(f"{study.region.label} | {study.selection_text} | dosah {problem.catchment:g} {unit}")
    print(to_czech_text(summary, study.population).to_string(index=False))
    return _finish(args, study, sites, ["k", "rank", "obec_name", "orp_name", "population", "newly_covered",
                                        "cost_saved"])

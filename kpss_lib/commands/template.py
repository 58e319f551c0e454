"""``kpss template``: write an empty template for an analyst's own data (CSV or XLSX)."""
from __future__ import annotations

import argparse
from pathlib import Path

KINDS = {
    "services": "own list of social services (services the register lacks, planned services)",
    "partners": "partners of planning projects (one row per partner × project)",
    "projects": "projects with their period, total cost and funding by source",
    "monitoring": "monitoring of a plan: one row per measure × year, state, actual value, money spent",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "template", help="write a CSV/XLSX template for an analyst's own data",
        description="Write a template that analysts fill in (Czech column labels, described in data/README.md): "
                    + "; ".join(f"{k} = {v}" for k, v in KINDS.items()) + ". "
                    "The file type follows the suffix of -o (.csv in UTF-8 for Czech Excel, or .xlsx).")
    parser.add_argument("kind", choices=list(KINDS), help="which template")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output file, .csv or .xlsx")
    parser.add_argument("--plan", default="zlin_2008_2012",
                        help="plan for the monitoring template: a name in data/plans/ or a YAML path "
                             "(default: zlin_2008_2012)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kpss_lib.errors import UnknownValueError

    suffix = args.output.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnknownValueError(f"unsupported output {args.output.name!r}; expected a .csv or .xlsx file name")
    if args.kind == "services":
        from kpss_lib.load.services import write_services_template

        write_services_template(args.output)
    elif args.kind == "partners":
        from kpss_lib.load.partners import write_partners_template

        write_partners_template(args.output)
    elif args.kind == "projects":
        from kpss_lib.load.projects import write_projects_template

        write_projects_template(args.output)
    else:
        from kpss_lib.load.plans import load_plan, write_monitoring_template

        plan = load_plan(args.plan)
        write_monitoring_template(args.output, plan)
        print(f"{len(plan.measures)} measures × {len(plan.years)} years ({plan.start_year}–{plan.end_year})")
    print(f"written {args.output}")
    return 0

"""Options that ``kpss indicators`` and ``kpss map`` share, parsed once into a :class:`~kpss_lib.study.Study`.

:func:`add_study_arguments` adds the selection (``--services``, ``--categories``,
``--forms``, ``--target-group``, ``--capacity-units``), ``--population``,
``--services-file`` and ``--rejected``; :func:`open_study_of` opens the study from
them; :func:`report_rejected` tells the user about the rejected records.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from kpss_lib.errors import OutputError
from kpss_lib.indicators.selection import Selection
from kpss_lib.load.territory import POPULATION_GROUPS
from kpss_lib.study import Settings, Study, open_study
from kpss_lib.vocabulary import rejected_line


def add_study_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the selection of services, the target population, the services input and ``--rejected``."""
    what = parser.add_argument_group("selection of services")
    what.add_argument("--services", action="extend", nargs="+", metavar="KIND",
                      help='kind of service: code, § or name, e.g. "domovy pro seniory", 13, "§ 49" '
                           "(several, repeated or separated by commas; default: every service of the input)")
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
    what.add_argument("--population", choices=list(POPULATION_GROUPS),
                      help="target population (default: by the kind of service, e.g. 65+ for domovy pro "
                           "seniory; total for a mixed selection)")
    what.add_argument("--rejected", type=Path, metavar="FILE",
                      help="write the records of the services input that were rejected (no obec, duplicates, ...) "
                           "to FILE (.csv, .xlsx or .parquet); without it a one-line count goes to stderr")


def selection_of(args: argparse.Namespace) -> Selection:
    """The selection the flags of :func:`add_study_arguments` describe."""
    return Selection.from_text(args.services, args.categories, args.forms, args.target_groups, args.capacity_units)


def open_study_of(args: argparse.Namespace, region: "str | None", *, level: str,
                  settings: Settings | None = None, **comparison) -> Study:
    """The study of the parsed flags (``comparison``: ``regions=``, ``within=`` of ``open_study``)."""
    return open_study(region, level=level, selection=selection_of(args), population=args.population,
                      services_file=args.services_file, settings=settings, **comparison)


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
    from kpss_lib.sections import write_rejected

    if target is not None:
        with writing(target, "rejected records"):
            write_rejected(rejected, target)
        print(f"vyřazené záznamy: {target} ({len(rejected)} řádků)", file=sys.stderr)
    elif not rejected.empty:
        hint = "celý seznam zapíše volba --rejected SOUBOR.csv"
        print(f"upozornění: {rejected_line(rejected, hint)}", file=sys.stderr)

"""Options that ``kpss indicators`` and ``kpss map`` share, parsed once into a :class:`~kpss_lib.study.Study`.

:func:`add_study_arguments` adds the selection (``--services``, ``--categories``,
``--forms``, ``--target-group``, ``--capacity-units``), ``--population``,
``--services-file`` and ``--rejected``, and the distance kind and reference date
(``--cost``, ``--radius``, ``--catchment``, ``--terrain-radius``, ``--speeds``,
``--on``); :func:`open_study_of` opens the study from them; :func:`report_rejected`
tells the user about the rejected records, the capacity left out and the distance kind.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pandas as pd

from kpss_lib.errors import OutputError
from kpss_lib.indicators.selection import Selection
from kpss_lib.load.roads import roads_available
from kpss_lib.load.supply import left_out_line
from kpss_lib.load.territory import POPULATION_GROUPS
from kpss_lib.study import COST_CHOICES, Settings, Study, open_study
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
    cost = parser.add_argument_group(
        "distance and date", "Distances are drive minutes along roads by default (where the road file "
        "silnice_arccr500.geojson is in the data folder; otherwise straight-line km, with a note). "
        'E.g. --cost drive --radius 20; --cost straight --radius 10; --speeds "dálnice=120"; --on 2026-01-01.')
    cost.add_argument("--cost", choices=COST_CHOICES, default="auto",
                      help="distance kind: auto (default: drive where the road file is present, else straight), "
                           "straight (km as the crow flies), road (km along roads), drive (minutes by car)")
    cost.add_argument("--radius", type=float, metavar="N",
                      help="white spot: no residential/day service within N in the cost's unit "
                           "(default 15 min by car, 10 km otherwise)")
    cost.add_argument("--terrain-radius", type=float, metavar="N",
                      help="assumed reach of a terrain service without a registered scope, in the cost's unit "
                           "(default 20 min, 15 km)")
    cost.add_argument("--catchment", type=float, metavar="N",
                      help="2SFCA catchment in the cost's unit (default 30 min with Luo & Qi's zones "
                           "0–10–20–30 min, 20 km otherwise)")
    cost.add_argument("--speeds", metavar="TEXT",
                      help='road speeds in km/h replacing the defaults, e.g. "dálnice=120, silnice I. třídy=80"')
    cost.add_argument("--on", metavar="DATE",
                      help="reference date YYYY-MM-DD: only services provided that day count (default: the "
                           "input's own date; an input without a date is not filtered)")


def selection_of(args: argparse.Namespace) -> Selection:
    """The selection the flags of :func:`add_study_arguments` describe."""
    return Selection.from_text(args.services, args.categories, args.forms, args.target_groups, args.capacity_units)


def settings_of(args: argparse.Namespace, settings: Settings | None = None) -> Settings:
    """``settings`` (default :class:`Settings`) with the distance and date flags of the command line.

    ``--radius``, ``--terrain-radius`` and ``--catchment`` are in the unit of ``--cost``:
    minutes for drive time (also "auto" where the road file is present), km otherwise.
    A ``settings`` without a catchment (no accessibility) keeps none.
    """
    settings = settings or Settings()
    cost = getattr(args, "cost", None) or "auto"
    minutes = cost == "drive" or (cost == "auto" and roads_available())
    changes: dict = {"cost": cost, "on": getattr(args, "on", None), "speeds": getattr(args, "speeds", None)}
    for flag, km, mins in (("radius", "radius_km", "radius_min"),
                           ("terrain_radius", "terrain_radius_km", "terrain_radius_min"),
                           ("catchment", "catchment_km", "catchment_min")):
        value = getattr(args, flag, None)
        if value is not None:
            changes[mins if minutes else km] = value
    if settings.catchment_km is None:
        changes.update(catchment_km=None, catchment_min=None)
    return replace(settings, **changes)


def open_study_of(args: argparse.Namespace, region: "str | None", *, level: str,
                  settings: Settings | None = None, **comparison) -> Study:
    """The study of the parsed flags (``comparison``: ``regions=``, ``within=`` of ``open_study``)."""
    return open_study(region, level=level, selection=selection_of(args), population=args.population,
                      services_file=args.services_file, settings=settings_of(args, settings), **comparison)


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


def report_rejected(rejected: "pd.DataFrame | Study", target: Path | None) -> None:
    """Write the rejected records to ``target`` (if given) and print one line about them on stderr.

    Given the :class:`Study`, also print the capacity of its selection left out and
    why, the distance kind and the study's notes (e.g. no road file: straight lines).
    """
    from kpss_lib.sections import write_rejected

    study = rejected if isinstance(rejected, Study) else None
    if study is not None:
        rejected = study.rejected
    if target is not None:
        with writing(target, "rejected records"):
            write_rejected(rejected, target)
        print(f"vyřazené záznamy: {target} ({len(rejected)} řádků)", file=sys.stderr)
    elif not rejected.empty:
        hint = "celý seznam zapíše volba --rejected SOUBOR.csv"
        print(f"upozornění: {rejected_line(rejected, hint)}", file=sys.stderr)
    if study is not None:
        print(f"kapacita: {left_out_line(study.services, study.selection)}", file=sys.stderr)
        print(f"vzdálenost: {study.cost_note}", file=sys.stderr)
        for note in study.notes:
            print(f"poznámka: {note}", file=sys.stderr)

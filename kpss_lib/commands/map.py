"""``kpss map``: a shareable, self-contained HTML map of service coverage in a region.

Example::

    kpss map --region "Zlínský kraj" --level obec --services "domovy pro seniory" \\
        --population 65+ --indicator "dostupnost 2SFCA" -o outputs/mapa.html

``--each-kraj`` writes one map per kraj into the folder given by ``-o``.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from kpss_lib.commands.options import add_study_arguments, open_study_of, report_rejected, writing
from kpss_lib.config import output_dir
from kpss_lib.errors import UnknownValueError
from kpss_lib.fileio import slugify
from kpss_lib.study import Settings, with_region
from kpss_lib.study_maps import MAP_LEVELS, study_map
from kpss_lib.vocabulary import MAP_INDICATORS, map_indicator

EPILOG = """\
Indicator (--indicator, Czech names):
  "kapacita na 1 000"               capacity per 1 000 of the target population (the default)
  "dostupnost 2SFCA"                accessibility (two-step floating catchment) per 1 000
  "vzdálenost k nejbližší službě"   distance or drive time to the nearest service
  "dojezd"                          obce in fixed bands: do 10 / 10–20 / 20–30 / nad 30 min
                                    (in km: do 5 / 5–10 / 10–20 / nad 20 km); obec level
  "kapacita", "počet služeb", "počet poskytovatelů", "počet míst poskytování", "cílová populace",
  "podíl 65+", "podíl 80+", "největší vzdálenost k nejbližší službě", "bílá místa",
  "podíl cílové populace v bílých místech"
Capacity, per-1 000 and 2SFCA figures are of the measure (form and capacity unit)
with the largest total capacity in the region: beds for domovy pro seniory, terrain clients for
pečovatelská služba (the same rule as the notebooks). A column name of the coverage table
(per_1000_field_clients) chooses another measure.

Rejected records: records of the services input the loader rejects (no obec, duplicates, ...) are
on no map; a one-line count by reason goes to stderr, and --rejected FILE writes them all.

Exit codes: 0 done; 2 error (unknown region, service, indicator or value, bad arguments, an output
that cannot be written).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "map", help="write a self-contained HTML map of service coverage (choropleth, services, white spots)",
        description="Computes a coverage indicator of the selected services per obec or ORP of a region and "
                    "writes one HTML map that opens without network (Leaflet embedded; base tiles optional).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region", help='region name or code, e.g. "Zlínský kraj", "CZ072", "ORP Otrokovice"')
    parser.add_argument("--each-kraj", action="store_true",
                        help="one map per kraj (14 files) into the folder given by -o (default KPSS_OUTPUT_DIR/mapy)")
    parser.add_argument("--level", choices=MAP_LEVELS, default="obec", help="units of the choropleth (default obec)")
    parser.add_argument("--indicator", default=None, metavar="NÁZEV",
                        help="what to map, in Czech: " + ", ".join(f'"{name}"' for name in MAP_INDICATORS)
                             + ' (default "kapacita na 1 000"; see below)')
    parser.add_argument("--scheme", choices=("quantiles", "natural_breaks", "fixed"), default="quantiles",
                        help="class breaks (default quantiles)")
    parser.add_argument("-k", type=int, default=5, help="number of classes (default 5)")
    parser.add_argument("--bins", default=None,
                        help="upper class bounds for --scheme fixed (required with it, refused without it), "
                             "comma-separated, e.g. 5,10,20,40")
    parser.add_argument("--white-spots-km", type=float, default=None, metavar="KM",
                        help="hatch obce with no selected service within KM km (obec level only; with --cost auto it means "
                             "--cost straight; for drive minutes use --radius with --cost drive)")
    parser.add_argument("--no-markers", action="store_true", help="leave out the service markers")
    parser.add_argument("--offline", action="store_true", help="no base tiles (the map needs no network at all)")
    parser.add_argument("--title", default=None, help="map title (default from the selection and region)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output file ending in .html (default KPSS_OUTPUT_DIR/mapa_<region>_<level>.html); "
                             "with --each-kraj a folder")
    add_study_arguments(parser)
    parser.set_defaults(func=run)


def _slug(text: str) -> str:
    return slugify(text).replace("-", "_") or "mapa"


def _bins_arg(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part.replace(",", ".")) for part in re.split(r"[;,\s]+(?=\S)", text.strip()) if part]
    except ValueError:
        raise UnknownValueError(f"--bins must be numbers separated by commas, e.g. 5,10,20; got {text!r}") from None


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse contradicting or malformed arguments before any data is loaded.

    Raises
    ------
    UnknownValueError
        naming the flag, what was expected and what came.
    """
    from kpss_lib.vocabulary import OUTPUT_FORMATS

    if args.indicator is not None:
        map_indicator(args.indicator)  # an unknown name fails before any data is loaded
    if bool(args.region) == bool(args.each_kraj):
        raise UnknownValueError("give either --region NAME or --each-kraj")
    if args.bins is not None and args.scheme != "fixed":
        raise UnknownValueError(f"--bins gives the class bounds of --scheme fixed; got --scheme {args.scheme} "
                                "(add --scheme fixed, or leave --bins out)")
    if args.scheme == "fixed" and args.bins is None:
        raise UnknownValueError("--scheme fixed needs --bins, e.g. --bins 5,10,20,40")
    if args.output is not None:
        is_html = args.output.suffix.lower() == ".html"
        if args.each_kraj and is_html:
            raise UnknownValueError(f"with --each-kraj, -o is a folder, got {args.output}")
        if not args.each_kraj and not is_html:
            raise UnknownValueError(f"-o {args.output}: expected a file name ending in .html")
    if args.rejected is not None and args.rejected.suffix.lower() not in OUTPUT_FORMATS:
        raise UnknownValueError(f"--rejected {args.rejected}: expected a file name ending in "
                                f"{', '.join(OUTPUT_FORMATS)}")


def _save(m, path: Path) -> Path:
    from kpss_lib.mapio import save_map

    with writing(path, "map"):
        path = save_map(m, path)
    print(f"written {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return path


def run(args: argparse.Namespace) -> int:
    from kpss_lib.load.territory import load_kraje

    check_arguments(args)
    key = map_indicator(args.indicator) if args.indicator is not None else ""
    # 2SFCA only for a 2SFCA map: without it the basis is quicker (nearest places and white spots).
    catchment = Settings.catchment_km if key.startswith("access_per_1000_") else None
    settings = Settings(radius_km=args.white_spots_km or Settings.radius_km, catchment_km=catchment)
    if args.white_spots_km is not None and args.cost == "auto":  # a radius in km means straight lines
        args.cost = "straight"
    options = dict(indicator=args.indicator, scheme=args.scheme, k=args.k, bins=_bins_arg(args.bins),
                   white_spots=args.white_spots_km is not None, markers=not args.no_markers, offline=args.offline)
    if args.each_kraj:
        folder = args.output or output_dir() / "mapy"
        codes = load_kraje()["kraj_code"].sort_values().tolist()
        study = open_study_of(args, codes[0], level=args.level, settings=settings)
        for code in codes:
            study = with_region(study, code)
            _save(study_map(study, **options), folder / f"mapa_{_slug(study.region.name)}_{args.level}.html")
    else:
        study = open_study_of(args, args.region, level=args.level, settings=settings)
        _save(study_map(study, title=args.title, **options),
              args.output or output_dir() / f"mapa_{_slug(study.region.name)}_{args.level}.html")
    report_rejected(study, args.rejected)
    return 0

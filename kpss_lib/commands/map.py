"""``kpss map``: a shareable, self-contained HTML map of service coverage in a region.

Example::

    kpss map --region "Zlínský kraj" --level obec --services "domovy pro seniory" \\
        --population 65+ --indicator per_1000_residential_beds -o outputs/mapa.html

``--each-kraj`` writes one map per kraj into the folder given by ``-o``.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from kpss_lib import analysis
from kpss_lib.commands.indicators import report_rejected, writing
from kpss_lib.config import output_dir
from kpss_lib.errors import UnknownValueError
from kpss_lib.fileio import slugify
from kpss_lib.maps import MAP_LEVELS as LEVELS

EPILOG = """\
Indicator: without --indicator the map shows capacity per 1 000 of the target population of the
measure (form and capacity unit) with the largest total capacity in the region: beds for domovy pro
seniory, terrain clients for pečovatelská služba (the same rule as the notebooks).

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
    parser.add_argument("--level", choices=LEVELS, default="obec", help="units of the choropleth (default obec)")
    parser.add_argument("--services", nargs="+", default=None, metavar="TYPE",
                        help='kinds of service: MPSV codes, names or §, e.g. 13 "pečovatelská služba" '
                             "(comma-separated also works); default every kind")
    parser.add_argument("--services-file", action="append", metavar="PATH",
                        help="services input: rpss.json, the catalogue CSV or a kpss template (default: the "
                             "catalogue in KPSS_DATA_DIR); repeat to combine several, '' stands for the catalogue")
    parser.add_argument("--population", default=None,
                        help="target population: total, 0-14, 15-64, 65+, 80+ (default from the kinds of service)")
    parser.add_argument("--indicator", default=None,
                        help="column of the coverage table to map, e.g. per_1000_residential_beds, n_services "
                             "(default: per_1000_* of the measure with the largest total capacity in the region)")
    parser.add_argument("--scheme", choices=("quantiles", "natural_breaks", "fixed"), default="quantiles",
                        help="class breaks (default quantiles)")
    parser.add_argument("-k", type=int, default=5, help="number of classes (default 5)")
    parser.add_argument("--bins", default=None,
                        help="upper class bounds for --scheme fixed (required with it, refused without it), "
                             "comma-separated, e.g. 5,10,20,40")
    parser.add_argument("--white-spots-km", type=float, default=None, metavar="KM",
                        help="hatch obce with no selected service within KM km (obec level only)")
    parser.add_argument("--no-markers", action="store_true", help="leave out the service markers")
    parser.add_argument("--offline", action="store_true", help="no base tiles (the map needs no network at all)")
    parser.add_argument("--title", default=None, help="map title (default from the selection and region)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output file ending in .html (default KPSS_OUTPUT_DIR/mapa_<region>_<level>.html); "
                             "with --each-kraj a folder")
    parser.add_argument("--rejected", type=Path, metavar="FILE",
                        help="write the records of the services input that were rejected (no obec, duplicates, "
                             "...) to FILE (.csv, .xlsx or .parquet); without it a one-line count goes to stderr")
    parser.set_defaults(func=run)


def _slug(text: str) -> str:
    return slugify(text).replace("-", "_") or "mapa"


def _services_arg(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    items = [part.strip() for value in values for part in value.split(",")]
    return [item for item in items if item]


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
    from kpss_lib.labels import OUTPUT_FORMATS

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
    from kpss_lib.load.territory import load_kraje, load_obce
    from kpss_lib.maps import region_map

    check_arguments(args)
    options = dict(level=args.level, services=_services_arg(args.services), population=args.population,
                   indicator=args.indicator, scheme=args.scheme, k=args.k, bins=_bins_arg(args.bins),
                   white_spots_km=args.white_spots_km, markers=not args.no_markers, offline=args.offline)
    services = analysis.service_data(args.services_file)
    data = (load_obce(), services)
    if args.each_kraj:
        folder = args.output or output_dir() / "mapy"
        for code in load_kraje()["kraj_code"].sort_values():
            m, region = region_map(code, data=data, **options)
            _save(m, folder / f"mapa_{_slug(region.name)}_{args.level}.html")
    else:
        m, region = region_map(args.region, data=data, title=args.title, **options)
        _save(m, args.output or output_dir() / f"mapa_{_slug(region.name)}_{args.level}.html")
    report_rejected(services.rejected, args.rejected)
    return 0

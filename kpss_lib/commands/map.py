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

from kpss_lib.config import output_dir
from kpss_lib.errors import UnknownValueError
from kpss_lib.maps import MAP_LEVELS as LEVELS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "map", help="write a self-contained HTML map of service coverage (choropleth, services, white spots)",
        description="Computes a coverage indicator of the selected services per obec or ORP of a region and "
                    "writes one HTML map that opens without network (Leaflet embedded; base tiles optional).")
    parser.add_argument("--region", help='region name or code, e.g. "Zlínský kraj", "CZ072", "ORP Otrokovice"')
    parser.add_argument("--each-kraj", action="store_true",
                        help="one map per kraj (14 files) into the folder given by -o (default KPSS_OUTPUT_DIR/mapy)")
    parser.add_argument("--level", choices=LEVELS, default="obec", help="units of the choropleth (default obec)")
    parser.add_argument("--services", nargs="+", default=None, metavar="TYPE",
                        help='kinds of service: MPSV codes, names or §, e.g. 13 "pečovatelská služba" '
                             "(comma-separated also works); default every kind")
    parser.add_argument("--population", default=None,
                        help="target population: total, 0-14, 15-64, 65+, 80+ (default from the kinds of service)")
    parser.add_argument("--indicator", default=None,
                        help="column of the coverage table to map, e.g. per_1000_residential_beds, n_services "
                             "(default: the first per_1000_* column)")
    parser.add_argument("--scheme", choices=("quantiles", "natural_breaks", "fixed"), default="quantiles",
                        help="class breaks (default quantiles)")
    parser.add_argument("-k", type=int, default=5, help="number of classes (default 5)")
    parser.add_argument("--bins", default=None,
                        help="upper class bounds for --scheme fixed, comma-separated, e.g. 5,10,20,40")
    parser.add_argument("--white-spots-km", type=float, default=None, metavar="KM",
                        help="hatch obce with no selected service within KM km (obec level only)")
    parser.add_argument("--no-markers", action="store_true", help="leave out the service markers")
    parser.add_argument("--offline", action="store_true", help="no base tiles (the map needs no network at all)")
    parser.add_argument("--title", default=None, help="map title (default from the selection and region)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output .html (default KPSS_OUTPUT_DIR/mapa_<region>_<level>.html)")
    parser.set_defaults(func=run)


def _slug(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "mapa"


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


def run(args: argparse.Namespace) -> int:
    from kpss_lib.load.services import load_services
    from kpss_lib.load.territory import load_kraje, load_obce
    from kpss_lib.maps import region_map
    from kpss_lib.mapio import save_map

    if bool(args.region) == bool(args.each_kraj):
        raise UnknownValueError("give either --region NAME or --each-kraj")
    options = dict(level=args.level, services=_services_arg(args.services), population=args.population,
                   indicator=args.indicator, scheme=args.scheme, k=args.k, bins=_bins_arg(args.bins),
                   white_spots_km=args.white_spots_km, markers=not args.no_markers, offline=args.offline)
    data = (load_obce(), load_services())
    if args.each_kraj:
        folder = args.output or output_dir() / "mapy"
        if folder.suffix.lower() == ".html":
            raise UnknownValueError(f"with --each-kraj, -o is a folder, got {folder}")
        for code in load_kraje()["kraj_code"].sort_values():
            m, region = region_map(code, data=data, **options)
            path = save_map(m, folder / f"mapa_{_slug(region.name)}_{args.level}.html")
            print(f"written {path} ({path.stat().st_size / 1e6:.2f} MB)")
        return 0
    m, region = region_map(args.region, data=data, title=args.title, **options)
    path = args.output or output_dir() / f"mapa_{_slug(region.name)}_{args.level}.html"
    path = save_map(m, path)
    print(f"written {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0

"""What the coverage and comparison notebooks (and the commands) show, one call per step.

Notebooks hold parameters, Czech narrative and calls; the sentences with figures,
the small derived tables, the maps of a study and the rejected-records section
live here. Every text from the data or the parameters that goes into Markdown
passes :func:`kpss_lib.escaping.markdown_text` (a file named
``x[a](javascript:alert(1)).csv`` stays text, never a link); tables are displayed
as DataFrames, whose HTML pandas escapes.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpss_lib.escaping import markdown_text
from kpss_lib.fileio import write_table
from kpss_lib.load.services import REJECTED_COLUMNS
from kpss_lib.study import Study, region_geometries, services_input
from kpss_lib.vocabulary import (POPULATION_LABELS, REJECTED_LABELS, datapaq_source_text, distance_text, format_number,
                                 indicator_label, rejected_in_czech, rejected_line,
                                 services_input_text)

__all__ = ["access_map", "comparison_map", "comparison_summary", "distance_bands",
           "input_description", "output_folder", "rejected_counts", "rejected_examples", "services_text",
           "show_rejected", "study_summary", "write_rejected"]

#: Distance bands of the nearest-service table (km, upper bounds) and their Czech names.
#: Bands of the distance (km) or drive time (min) to the nearest service.
DISTANCE_BANDS = {"km": ([0, 2, 5, 10, 20, float("inf")], ["do 2 km", "2–5 km", "5–10 km", "10–20 km", "nad 20 km"]),
                  "min": ([0, 10, 20, 30, float("inf")], ["do 10 min", "10–20 min", "20–30 min", "nad 30 min"])}


def output_folder(output_dir: str | Path) -> Path:
    """The notebook's output folder, created when missing."""
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _title(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}"


def study_summary(study: Study) -> str:
    """Plain lines naming the region, the selection, the target population and the services input."""
    lines = [f"Území: {study.region.label}"] if study.region is not None else []
    lines += [f"Služby: {study.selection_text}", f"Cílová populace: {POPULATION_LABELS[study.population]}",
              f"Vstup služeb: {services_text(study)}"]
    return "\n".join(lines)


def services_text(study: Study) -> str:
    """Czech description of the study's services input (plain text, not escaped)."""
    return services_input_text(services_input(study.services_file))


def input_description(study: Study, table: pd.DataFrame, *, level: str | None = None) -> dict:
    """The "Popis" sheet of a table: :func:`~kpss_lib.vocabulary.table_description` plus the services input."""
    from kpss_lib.vocabulary import table_description

    description = table_description(table, level=level or study.level)
    description.update({"Vstup služeb": services_text(study),
                        "Vyřazené záznamy vstupu": rejected_line(study.rejected)})
    return description


def rejected_counts(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected records counted by file, column and reason (most frequent first).

    Returns
    -------
    DataFrame
        ``file, column, reason, n_records``.
    """
    if rejected.empty:
        return pd.DataFrame(columns=["file", "column", "reason", "n_records"])
    counts = (rejected.groupby(["file", "column", "reason"], dropna=False).size().rename("n_records")
              .reset_index().sort_values(["n_records", "file", "column"], ascending=[False, True, True]))
    return counts.reset_index(drop=True)


def rejected_examples(rejected: pd.DataFrame, per_reason: int = 3) -> pd.DataFrame:
    """The first ``per_reason`` rejected records of every (file, column, reason), for a short listing.

    Every reason and every input file shows up, also a reason with one record at
    the end of a long list (an analyst's own file after the register's rejections).
    """
    if rejected.empty:
        return rejected
    return rejected.groupby(["file", "column", "reason"], sort=False, dropna=False).head(per_reason)


def write_rejected(rejected: pd.DataFrame, path: str | Path) -> Path:
    """Write the rejected records: CSV/XLSX with Czech headers, Parquet with English ones (atomically)."""
    path = Path(path)
    table = pd.DataFrame(rejected, columns=REJECTED_COLUMNS)
    if path.suffix.lower() != ".parquet":
        table = rejected_in_czech(table).rename(columns=REJECTED_LABELS)
    return write_table(table, path, sheet_name="Vyřazené záznamy")


def show_rejected(study: Study) -> None:
    """The notebook section "Vyřazené záznamy": one line, counts by reason, three examples of each."""
    from IPython.display import Markdown, display

    line = rejected_line(study.rejected)
    display(Markdown(markdown_text(line[:1].upper() + line[1:]) + "."))
    rejected = rejected_in_czech(study.rejected)
    if len(rejected):
        display(rejected_counts(rejected).rename(columns=REJECTED_LABELS))
        display(rejected_examples(rejected).rename(columns=REJECTED_LABELS))


# --------------------------------------------------------------------------- coverage of one region

def distance_bands(obce_table: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Target population by distance (do 2 km, …) or drive time (do 10 min, …) to the nearest service, shares in %."""
    edges, names = DISTANCE_BANDS[study.settings.unit]
    bands = obce_table.groupby(pd.cut(obce_table["cost"], edges, include_lowest=True, labels=names),
                               observed=False)[["population"]].sum()
    bands["podíl (%)"] = (100 * bands["population"] / bands["population"].sum()).round(1)
    bands.index.name = "jízdní doba" if study.settings.unit == "min" else "vzdálenost"
    return bands.rename(columns={"population": f"cílová populace ({study.target})"})


def access_map(study: Study, obce_table: pd.DataFrame, column: str, *, breaks=None, white_spots: str = "white_spot"):
    """The obce of the region coloured by ``column`` (2SFCA), white spots hatched, services as markers.

    ``breaks`` (e.g. :func:`kpss_lib.findings.kraj_breaks`) are noted "společné pro kraj";
    ``white_spots`` names the boolean column hatched.
    """
    from kpss_lib import maps

    label, unit = indicator_label(column, study.target)
    return maps.coverage_map(
        obce_table, column, label=label, unit=unit, places=study.region_places,
        white_spots=white_spots, breaks=breaks, breaks_note="společné pro kraj" if breaks is not None else None,
        white_spots_description=(
            ("žádná pobytová ani ambulantní služba do " if white_spots == "white_spot"
             else "žádná služba výběru (ani terénní) v dosahu; pobytová a ambulantní do ")
            + distance_text(study.settings.radius, study.settings.unit)),
        outline_by="orp_code", title=f"{_title(study.selection_text)} – {study.region.name}",
        source=maps.source_line(study.places),
        tooltip_columns={"population": f"Cílová populace ({study.target})", "cost": f"Nejbližší služba ({study.settings.unit})"})


# --------------------------------------------------------------------------- comparison of regions

def comparison_map(study: Study, table: pd.DataFrame, indicator: str):
    """The compared regions coloured by ``indicator``."""
    from kpss_lib import maps

    shapes = region_geometries(study, table.attrs["regions"])
    compared = shapes.merge(table.drop(columns=["region_name"]), on="region_code")
    label, unit = indicator_label(indicator, study.target)
    return maps.coverage_map(
        compared, indicator, label=label, unit=unit, k=min(5, len(compared)), outline_by=None,
        title=f"{_title(study.selection_text)} – srovnání území", source=maps.source_line(study.services.places),
        tooltip_columns={"region_name": "Území", "population": f"Cílová populace ({study.target})",
                         "n_services": "Počet služeb"})


def comparison_summary(study: Study, table: pd.DataFrame, indicator: str) -> str:
    """Markdown: the regions with the highest and lowest capacity per 1 000, CZ, the input and sources."""
    from kpss_lib.maps import source_line

    best, worst = table.loc[table[indicator].idxmax()], table.loc[table[indicator].idxmin()]
    target = markdown_text(study.target)
    return f"""
Nejvyšší kapacitu na 1 000 {target} má **{markdown_text(best['region_name'])}**
({format_number(best[indicator], 1)}), nejnižší **{markdown_text(worst['region_name'])}**
({format_number(worst[indicator], 1)}); Česko {format_number(table[f'{indicator}_cz'].iloc[0], 1)}.

**Vstup služeb:** {markdown_text(services_text(study))}; vyřazených záznamů {len(study.rejected)} (viz níže).
**{markdown_text(source_line(study.services.places))}; {markdown_text(datapaq_source_text())}.**
"""

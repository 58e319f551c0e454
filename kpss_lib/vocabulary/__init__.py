"""The Czech words of kpss: column labels, units, number formats, texts of rejected records.

Indicator tables use English column names (``per_1000_residential_beds``) and
shares as 0–1; users read Czech ("Kapacita – pobytová, lůžka na 1 000 obyv. 65+",
"12,3 %"). Every table, report, XLSX, map legend and CLI message takes its words
from here:

- :func:`column_label` names any column of the indicator, comparison, need,
  white-spot and distance tables, including the generated ones
  (``capacity_<measure>``, ``rank_<indicator>``, ``<indicator>_vs_kraj`` …);
  :func:`short_label` for a terminal; :func:`indicator_label` for a map legend;
  :data:`POPULATION_LABELS` and :data:`LEVEL_LABELS` for populations and levels.
- :func:`format_number` is the one Czech number format (``1 234,5``, true minus);
  :func:`format_value` applies a column's Excel format (:func:`number_format`) on
  top of it; :func:`capacity_text` says ``32 lůžek``.
- :func:`to_czech` / :func:`to_czech_text` relabel a whole table;
  :func:`table_description` describes it (sheet "Popis" of the XLSX, written by
  :func:`kpss_lib.fileio.write_table`).
- :func:`rejected_line`, :data:`REJECTED_LABELS`, :func:`rejected_reason` speak about
  the records of the services input that were rejected.
- :data:`MAP_INDICATORS` / :func:`map_indicator` name what a map shows ("dostupnost
  2SFCA"); :data:`COST_KINDS` and :func:`travel_band_labels` the distance kinds and bands.
"""
from kpss_lib.vocabulary.numbers import BOOLEAN, NO_DATA_LABEL, capacity_text, distance_text, format_number, format_value
from kpss_lib.vocabulary.columns import (
    LEVEL_LABELS,
    OUTPUT_FORMATS,
    PARAMETER_LABELS,
    POPULATION_LABELS,
    column_label,
    indicator_label,
    main_columns,
    measure_label,
    number_format,
    short_label,
    table_description,
    target_phrase,
    to_czech,
    to_czech_text,
)
from kpss_lib.vocabulary.records import (
    REJECTED_LABELS,
    datapaq_source_text,
    rejected_in_czech,
    rejected_line,
    rejected_reason,
    services_input_text,
)
from kpss_lib.vocabulary.indicators import COST_KINDS, MAP_INDICATORS, map_indicator, travel_band_labels
from kpss_lib.vocabulary.planning import PLANNING_LABELS, to_czech_planning

__all__ = [
    "BOOLEAN",
    "COST_KINDS",
    "LEVEL_LABELS",
    "MAP_INDICATORS",
    "NO_DATA_LABEL",
    "OUTPUT_FORMATS",
    "PLANNING_LABELS", "PARAMETER_LABELS",
    "POPULATION_LABELS",
    "REJECTED_LABELS",
    "capacity_text",
    "column_label",
    "datapaq_source_text",
    "format_number", "distance_text",
    "format_value",
    "indicator_label",
    "main_columns",
    "map_indicator",
    "measure_label",
    "number_format",
    "rejected_in_czech",
    "rejected_line",
    "rejected_reason",
    "services_input_text",
    "short_label",
    "table_description",
    "target_phrase",
    "to_czech",
    "to_czech_planning",
    "to_czech_text",
    "travel_band_labels",
]

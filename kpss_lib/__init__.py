"""kpss: the analyst's toolkit for Czech community planning of social services (KPSS).

``import kpss_lib as kpss`` gives the public API: ``kpss.open_study(...)`` resolves
and loads a region, a selection of services and its target population once;
``kpss.coverage_table(study)``, ``kpss.white_spots_table(study)``, … compute from it;
``kpss.show_rejected(study)``, ``kpss.write_table(...)``, ``kpss.plots.*`` show and
save the results.

The rooms, with imports flowing one way (load → indicators → study → maps/sections/report):

- ``kpss_lib.load``: reading inputs (territory, services, DataPAQ, planning data), cached.
- ``kpss_lib.indicators``: pure functions over DataFrames (coverage, distances, 2SFCA, comparison, need, planning).
- ``kpss_lib.study``: :func:`open_study` and the tables of a :class:`Study` (the one way to assemble an analysis).
- ``kpss_lib.vocabulary``: every Czech word: column labels, units, number formats, rejected-record texts.
- ``kpss_lib.maps`` / ``kpss_lib.mapio``: folium map builders (draw only) and map files;
  ``kpss_lib.study_maps``: :func:`study_map`, the map of a study (``kpss map``).
- ``kpss_lib.sections`` / ``kpss_lib.plots``: what notebooks show: Markdown sentences, derived tables, charts.
- ``kpss_lib.fileio`` / ``kpss_lib.escaping``: atomic writes (the one table writer) and text neutralising.
- ``kpss_lib.runner`` / ``kpss_lib.report`` / ``kpss_lib.cli`` with ``kpss_lib.commands``: ``kpss run`` and the CLI.
"""
from kpss_lib import plots
from kpss_lib.errors import (
    ConfigError,
    DataFileError,
    KpssError,
    RegionNotFoundError,
    UnknownValueError,
    ValidationError,
)
from kpss_lib.escaping import html_text, markdown_text
from kpss_lib.fileio import write_table
from kpss_lib.load.partners import load_partners
from kpss_lib.load.plans import load_monitoring, load_plan
from kpss_lib.load.projects import load_projects, project_area_population
from kpss_lib.load.records import rejected_error
from kpss_lib.indicators.access import (
    default_step_weights,
    enhanced_two_step_fca,
    gaussian_weights,
    step_weights,
    supply_points,
    supply_ratios,
    two_step_fca,
)
from kpss_lib.indicators.costs import COST_KINDS, COST_UNITS, cost_table, describe_cost, nearest_cost, pairs_within_cost
from kpss_lib.indicators.coverage import default_measure
from kpss_lib.indicators.roads import DEFAULT_SPEEDS_KMH, RoadNetwork, road_network
from kpss_lib.indicators.distance import nearest_distance_km, pairwise_distance_km, within_radius
from kpss_lib.indicators.selection import Selection
from kpss_lib.load.services import (
    ServiceData,
    load_services,
    resolve_service_type,
    service_types,
    write_services_template,
)
from kpss_lib.load.territory import (
    POPULATION_GROUPS,
    POPULATION_LABELS,
    Region,
    find_region,
    load_kraje,
    load_obce,
    load_okresy,
    load_orp,
    micro_region,
    population_column,
    region_obce,
    region_population,
    territory_summary,
    units_of,
)
from kpss_lib.mapio import save_map
from kpss_lib.parameters import check_files, only_projects, participation_area, plan_year, project_ids
from kpss_lib.sections import (
    access_map,
    comparison_map,
    comparison_summary,
    distance_bands,
    input_description,
    output_folder,
    show_rejected,
    study_summary,
    write_rejected,
)
from kpss_lib.load.roads import load_road_edges, roads_available
from kpss_lib.load.supply import capacity_total, dates_note, left_out_capacity, left_out_line
from kpss_lib.study import (
    Settings,
    Study,
    compare_table,
    coverage_table,
    need_for,
    nearest_table,
    open_study,
    region_geometries,
    study_network,
    white_spots_table,
    with_region,
)
from kpss_lib.study_maps import MAP_LEVELS, study_map
from kpss_lib.vocabulary import (
    column_label,
    format_number,
    format_value,
    main_columns,
    measure_label,
    to_czech,
    to_czech_planning,
    to_czech_text,
)

__all__ = [
    "plots",
    "default_step_weights", "enhanced_two_step_fca", "gaussian_weights", "step_weights", "supply_points",
    "supply_ratios", "two_step_fca", "nearest_distance_km", "pairwise_distance_km", "within_radius",
    "default_measure", "Selection",
    "ConfigError", "DataFileError", "KpssError", "RegionNotFoundError", "UnknownValueError", "ValidationError",
    "html_text", "markdown_text", "write_table", "save_map",
    "ServiceData", "load_services", "resolve_service_type", "service_types", "write_services_template",
    "POPULATION_GROUPS", "POPULATION_LABELS", "Region", "find_region", "load_kraje", "load_obce", "load_okresy",
    "load_orp", "micro_region", "population_column", "region_obce", "region_population", "territory_summary", "units_of",
    "Settings", "Study", "compare_table", "coverage_table", "need_for", "nearest_table", "open_study",
    "region_geometries", "white_spots_table", "with_region", "study_network", "MAP_LEVELS", "study_map",
    "COST_KINDS", "COST_UNITS", "cost_table", "describe_cost", "nearest_cost", "pairs_within_cost",
    "DEFAULT_SPEEDS_KMH", "RoadNetwork", "road_network", "load_road_edges", "roads_available",
    "capacity_total", "dates_note", "left_out_capacity", "left_out_line",
    "access_map", "comparison_map", "comparison_summary", "distance_bands",
    "input_description", "output_folder", "show_rejected", "study_summary", "write_rejected",
    "column_label", "format_number", "format_value", "main_columns", "measure_label", "to_czech", "to_czech_planning",
    "to_czech_text",
    "load_projects", "project_area_population", "load_partners", "load_plan", "load_monitoring", "rejected_error",
    "check_files", "only_projects", "participation_area", "plan_year", "project_ids",
]

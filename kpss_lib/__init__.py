"""kpss: the analyst's toolkit for Czech community planning of social services (KPSS).

Layers, with imports flowing one way: ``kpss_lib.load`` (territory, services,
planning data) → ``kpss_lib.indicators`` (pure functions over DataFrames) →
``kpss_lib.maps`` and ``kpss_lib.runner`` (folium maps, papermill reports).
"""
from kpss_lib.errors import (
    ConfigError,
    DataFileError,
    KpssError,
    RegionNotFoundError,
    UnknownValueError,
    ValidationError,
)
from kpss_lib.indicators.access import (
    default_step_weights,
    enhanced_two_step_fca,
    gaussian_weights,
    step_weights,
    supply_points,
    supply_ratios,
    two_step_fca,
)
from kpss_lib.indicators.distance import nearest_distance_km, pairwise_distance_km, within_radius
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
    region_obce,
    region_population,
    territory_summary,
    units_of,
)

__all__ = [
    "default_step_weights", "enhanced_two_step_fca", "gaussian_weights", "step_weights", "supply_points",
    "supply_ratios", "two_step_fca", "nearest_distance_km", "pairwise_distance_km", "within_radius",
    "ConfigError", "DataFileError", "KpssError", "RegionNotFoundError", "UnknownValueError", "ValidationError",
    "ServiceData", "load_services", "resolve_service_type", "service_types", "write_services_template",
    "POPULATION_GROUPS", "POPULATION_LABELS", "Region", "find_region", "load_kraje", "load_obce", "load_okresy",
    "load_orp", "micro_region", "region_obce", "region_population", "territory_summary", "units_of",
]

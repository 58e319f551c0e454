"""Transition shim: planning data now lives in one module per noun.

- :mod:`kpss_lib.load.projects` – projects and their funding,
- :mod:`kpss_lib.load.partners` – partners and their membership in projects,
- :mod:`kpss_lib.load.plans` – plans and their monitoring,
- :mod:`kpss_lib.load.records` – the rejected-row report and field validators they share.

The notebooks still import ``from kpss_lib.load import planning``; new code imports
the modules above. Nothing is defined here.
"""
from __future__ import annotations

from kpss_lib.load.partners import (KIND_NOT_STATED, MEMBER_COLUMNS, PARTNER_COLUMNS, PARTNER_KINDS, PROJECT_ROLES,
                                    TRIAD_ROLES, PartnerData, load_partners, write_partners_template)
from kpss_lib.load.plans import (MONITORING_COLUMNS, MONITORING_STATES, MonitoringData, Plan, load_monitoring,
                                 load_plan, monitoring_frame, plan_path, write_monitoring_template)
from kpss_lib.load.projects import (AREA_LEVELS, FUNDING_COLUMNS, FUNDING_TEMPLATE_COLUMNS, LEFT_OUT_COLUMNS,
                                    PROJECT_COLUMNS, SOURCE_KINDS, ProjectData, load_projects, months_between,
                                    months_per_year, project_area_obce, project_area_population,
                                    write_projects_template)
from kpss_lib.load.records import REJECTED_COLUMNS, rejected_error

__all__ = [
    "AREA_LEVELS", "FUNDING_COLUMNS", "FUNDING_TEMPLATE_COLUMNS", "KIND_NOT_STATED", "LEFT_OUT_COLUMNS",
    "MEMBER_COLUMNS", "MONITORING_COLUMNS", "MONITORING_STATES", "PARTNER_COLUMNS", "PARTNER_KINDS",
    "PROJECT_COLUMNS", "PROJECT_ROLES", "REJECTED_COLUMNS", "SOURCE_KINDS", "TRIAD_ROLES", "MonitoringData",
    "PartnerData", "Plan", "ProjectData", "load_monitoring", "load_partners", "load_plan", "load_projects",
    "monitoring_frame", "months_between", "months_per_year", "plan_path", "project_area_obce",
    "project_area_population", "rejected_error", "write_monitoring_template", "write_partners_template",
    "write_projects_template",
]

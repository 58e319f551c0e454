"""Czech labels of the planning tables (projects, funding, partners, plans, monitoring)."""
from __future__ import annotations

import pandas as pd

from kpss_lib.indicators.planning import STATE_ORDER, state_key

#: Czech labels of the columns of the planning tables (this module's results and the
#: loaders' tables), for reports and exported files. Columns of the territory (``orp_code``,
#: ``obec_name`` …) are left to :func:`to_czech`.
PLANNING_LABELS = {
    "project_id": "ID projektu", "name": "Název", "programme": "Program", "start": "Začátek", "end": "Konec",
    "total_czk": "Celkové náklady [Kč]", "note": "Poznámka", "population": "Obyvatelé území",
    "czk_per_inhabitant": "Kč na obyvatele", "czk_per_inhabitant_per_year": "Kč na obyvatele a rok",
    "year": "Rok", "months": "Měsíců", "share": "Podíl [%]", "amount_czk": "Částka [Kč]",
    "source_kind": "Druh zdroje",
    "file": "Soubor", "record": "Záznam", "column": "Sloupec", "reason": "Důvod", "value": "Hodnota",
    "partner_id": "ID partnera", "kind": "Druh", "triad_role": "Role v triádě", "ico": "IČO", "country": "Stát",
    "role_in_project": "Role v projektu", "member_note": "Poznámka k účasti", "n_members": "Počet partnerů",
    "participates": "Účastní se", "n_partners": "Počet partnerů", "partners": "Partneři", "projects": "Projekty",
    "target_group_id": "ID cílové skupiny", "target_group_name": "Cílová skupina", "goal_id": "ID cíle",
    "goal_name": "Cíl", "measure_id": "ID opatření", "measure_name": "Opatření", "start_year": "Od roku",
    "end_year": "Do roku", "state": "Stav", "state_previous": "Stav v předchozím roce", "changed": "Změna stavu",
    "problem": "Problém", "indicator_name": "Ukazatel", "target_value": "Cílová hodnota", "unit": "Jednotka",
    "actual": "Skutečná hodnota", "actual_previous": "Skutečná hodnota v předchozím roce",
    "actual_change": "Změna skutečné hodnoty", "spent_czk": "Čerpáno [Kč]",
    "spent_previous": "Čerpáno v předchozím roce [Kč]", "attainment": "Plnění ukazatele [%]",
    "indicator_attainment": "Průměrné plnění ukazatelů [%]", "n_measures": "Počet opatření",
    "n_indicators": "Opatření s ukazatelem", "n_goals": "Počet cílů", "n_service_kind": "Opatření o druhu služby",
    "service_type": "Druh služby", "form": "Forma", "capacity_unit": "Jednotka kapacity", "capacity": "Kapacita",
    "n_services": "Počet služeb", "coverage": "Pokrytí vstupními daty",
    **{f"n_{state_key(s)}": f"Opatření: {s}" for s in STATE_ORDER},
    **{f"share_{state_key(s)}": f"Podíl opatření: {s} [%]" for s in STATE_ORDER},
}


def _is_share(name: str) -> bool:
    return name in ("share", "attainment", "indicator_attainment") or name.startswith("share_") \
        or name.endswith(" [podíl]")


def to_czech_planning(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a planning table for people: Czech column labels, shares as percentages.

    Shares (``share``, ``share_*``, ``<kind> [podíl]``, ``attainment``,
    ``indicator_attainment``; 0–1) become percentages rounded to 0.1 (``0.7999997`` →
    ``80.0`` under a label ending ``[%]``); amounts in Kč are rounded to the haléř.
    Other columns keep their values; names not in :data:`PLANNING_LABELS` keep their
    names (territory columns are labelled by :func:`to_czech`, which
    :func:`kpss_lib.fileio.write_table` applies on its own).
    """
    out = pd.DataFrame(frame).copy()
    labels = {}
    for column in out.columns:
        name = str(column)
        if _is_share(name):
            out[column] = (pd.to_numeric(out[column], errors="coerce") * 100).round(1)
        elif (name.endswith(("_czk", "[Kč]")) or name.startswith("czk_")) and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(2)
        if name.endswith(" [podíl]"):
            labels[column] = name[: -len(" [podíl]")] + " – podíl [%]"
        else:
            labels[column] = PLANNING_LABELS.get(name, column)
    out = out.rename(columns=labels)
    out.attrs = dict(frame.attrs)
    return out

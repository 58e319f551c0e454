"""Czech texts about the services input: rejected records (reasons in full), the input, DataPAQ sources."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpss_lib.load.datapaq import DATAPAQ_INDICATORS
from kpss_lib.load.services import CATALOGUE_FILE
from kpss_lib.vocabulary.columns import column_label


#: Czech column labels of the rejected-records table (CSV/XLSX and notebooks).
REJECTED_LABELS = {"file": "Soubor", "record": "Záznam", "column": "Sloupec", "reason": "Důvod",
                   "value": "Hodnota", "n_records": "Počet záznamů"}


# The loader's reasons (English, as in its error messages) in Czech; details "(expected …)" follow.
_REJECTED_REASONS = {
    "missing service id": "chybí ID služby",
    "IČO must be 8 digits": "IČO musí mít 8 číslic",
    "unknown service type": "neznámý druh služby",
    "unknown form of provision": "neznámá forma poskytování",
    "unknown capacity unit": "neznámá jednotka kapacity",
    "capacity missing or not a number": "kapacita chybí nebo není číslo",
    "negative capacity": "záporná kapacita",
    "unknown or missing obec code": "neznámý nebo chybějící kód obce",
    "not a date": "není datum",
    "the provision ends before it starts": "poskytování končí dřív, než začne",
    "unknown status": "neznámý stav",
    "duplicate record of the same service, form, capacity unit and place":
        "duplicitní záznam téže služby, formy, jednotky kapacity a místa",
    "duplicated service id with a different provider or type than its first record":
        "opakované ID služby s jiným poskytovatelem nebo druhem než v jejím prvním záznamu",
    "the same service, form and unit has different capacities at different places":
        "táž služba, forma a jednotka kapacity má na různých místech různou kapacitu",
}
_REJECTED_DETAILS = (
    ("expected an MPSV DruhSocialniSluzby code, a § or a name of z. 108/2006 Sb.",
     "očekávám kód druhu služby MPSV (DruhSocialniSluzby), § nebo název podle z. 108/2006 Sb."),
    ("expected a 6-digit KOD_OBEC of an existing obec", "očekávám šestimístný kód existující obce (KOD_OBEC)"),
    ("expected YYYY-MM-DD or D. M. YYYY", "očekávám RRRR-MM-DD nebo D. M. RRRR"),
    ("expected one of ", "očekávám jednu z hodnot "),
)


def rejected_reason(reason: object, *, short: bool = False) -> str:
    """A loader's reason for rejecting a record, in Czech (``short``: without the "(očekávám …)" details).

    A reason this vocabulary does not know comes back as it is.
    """
    gist, _, detail = str(reason).partition(" (")
    czech = _REJECTED_REASONS.get(gist, gist)
    if short or not detail:
        return czech
    for english, text in _REJECTED_DETAILS:
        detail = detail.replace(english, text)
    return f"{czech} ({detail}"


def rejected_in_czech(rejected: pd.DataFrame) -> pd.DataFrame:
    """The rejected records with Czech reasons and column names (headers stay; see :data:`REJECTED_LABELS`)."""
    out = rejected.copy()
    if len(out):
        out["reason"] = out["reason"].map(rejected_reason)
        out["column"] = out["column"].map(lambda name: column_label(str(name)))
    return out


def rejected_line(rejected: pd.DataFrame, hint: str | None = None) -> str:
    """One Czech line about rejected records, e.g. "vyřazeno 59 záznamů vstupu služeb: 41× …; 18× …".

    Parameters
    ----------
    rejected : DataFrame
        ``ServiceData.rejected`` (``file, record, column, reason, value``).
    hint : str, optional
        How to get them all, appended after a semicolon (e.g. "celý seznam: --rejected SOUBOR.csv").
    """
    if rejected.empty:
        return "vstup služeb: žádný záznam nebyl vyřazen"
    # Count by reason over all input files: the line is a gist, the counts table has the files.
    keys = (rejected["column"].map(lambda name: column_label(str(name))) + ": "
            + rejected["reason"].map(lambda reason: rejected_reason(reason, short=True)))
    reasons = "; ".join(f"{n}× {key}" for key, n in keys.value_counts(sort=False).sort_values(ascending=False,
                                                                                             kind="stable").items())
    n = len(rejected)
    # Czech agreement: vyřazen 1 záznam, vyřazeny 2–4 záznamy, vyřazeno 5 záznamů
    verb, noun = ("vyřazen", "záznam") if n == 1 else ("vyřazeny", "záznamy") if n <= 4 else ("vyřazeno", "záznamů")
    line = f"{verb} {n} {noun} vstupu služeb ({'není' if n == 1 else 'nejsou'} v žádném ukazateli): {reasons}"
    return f"{line}; {hint}" if hint else line


def services_input_text(chosen: "str | Path | None | list[str | Path | None]") -> str:
    """Czech description of a services input (as :func:`kpss_lib.study.services_input` gives it).

    E.g. "katalog služeb pro seniory z registru poskytovatelů MPSV
    (socialni_sluzby_seniori_2026-09.csv; …)" or "katalog … + soubor planovane.xlsx".
    """
    parts = chosen if isinstance(chosen, list) else [chosen]
    texts = [f"katalog služeb pro seniory z registru poskytovatelů MPSV ({CATALOGUE_FILE}; jen služby "
             "s cílovou skupinou senioři)" if part is None else f"soubor {Path(part).name}" for part in parts]
    return " + ".join(texts)


def datapaq_source_text() -> str:
    """Czech source line of the DataPAQ indicators with their reference years (from the loader's columns)."""
    items = [f"{label.removesuffix(' (%)').lower()} {year}" for _, label, year in DATAPAQ_INDICATORS.values()]
    return "DataPAQ (PAQ Research): " + ", ".join(items)

"""Czech texts of the maps: numbers, capacities, indicator labels, and HTML/JSON escaping.

Everything that comes from the data passes :func:`_esc` (HTML) or :func:`_js_json`
(a ``<script>`` block) before it reaches a page.
"""
from __future__ import annotations

import html
import json
import math
import re

import numpy as np
import pandas as pd

_NBSP = "\u00a0"
_MINUS = "\u2212"
#: Legend and tooltip text for units without a value.
NO_DATA_LABEL = "bez dat"
#: Czech labels of common columns, used when ``tooltip_columns`` is a plain list.
COLUMN_LABELS: dict[str, str] = {
    "pop_total": "Obyvatel celkem",
    "pop_0_14": "Obyvatel 0–14 let",
    "pop_15_64": "Obyvatel 15–64 let",
    "pop_65_plus": "Obyvatel 65+",
    "pop_80_plus": "Obyvatel 80+",
    "population": "Obyvatel (cílová skupina)",
    "n_services": "Počet služeb",
    "n_obce": "Počet obcí",
    "orp_name": "ORP",
    "okres_name": "Okres",
    "kraj_name": "Kraj",
}
_NAME_COLUMNS = ("unit_name", "region_name", "obec_name", "orp_name", "okres_name", "kraj_name", "name", "nazev")
_CODE_COLUMNS = ("unit_code", "region_code", "obec_code", "orp_code", "okres_code", "kraj_code", "code", "kod")

# Czech plural forms (1 / 2-4 / 5+) of the capacity units of the MPSV register.
_CAPACITY_FORMS: dict[str, tuple[str, str, str]] = {
    "lůžka": ("lůžko", "lůžka", "lůžek"),
    "klienti": ("klient", "klienti", "klientů"),
    "kontakty": ("kontakt", "kontakty", "kontaktů"),
    "intervence": ("intervence", "intervence", "intervencí"),
    "hovory": ("hovor", "hovory", "hovorů"),
}
_CAPACITY_CODES = {"luzka": "lůžka", "klient": "klienti", "kontakt": "kontakty", "interv": "intervence",
                   "hovor": "hovory"}
_FORM_CODES = {"pob": "pobytová", "amb": "ambulantní", "ter": "terénní"}


# --------------------------------------------------------------------------- text

def _esc(value: object) -> str:
    """HTML-escape any value for the page; missing values become an empty string.

    Braces become character references too: branca re-reads every rendered script as a
    Jinja template, so a ``{{ ... }}`` in the data would otherwise be evaluated.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def _js_json(obj: object) -> str:
    """JSON for a <script> block that neither HTML nor branca's second Jinja pass can misread.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes (no tag can close the block
    or form in it); a ``{`` that would open a Jinja tag (``{{``, ``{%``, ``{#``) can
    only be inside a string, where ``\\u007b`` means the same to JavaScript.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _JINJA_OPENER.sub(lambda _: "\\u007b", text)


def format_number(value: object, decimals: int = 0) -> str:
    """Format a number the Czech way: ``1 234,5`` (no-break space, decimal comma).

    Parameters
    ----------
    value : number
        The value; ``None``, NaN and infinities give :data:`NO_DATA_LABEL`.
    decimals : int, default 0
        Digits after the decimal comma.

    Returns
    -------
    str
        e.g. ``format_number(1234.5, 1) == "1\\u00a0234,5"``, ``format_number(-3, 0) == "−3"``
        (a true minus sign).
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return NO_DATA_LABEL
    if not math.isfinite(number):
        return NO_DATA_LABEL
    rounded = round(number, decimals)
    text = f"{abs(rounded):,.{decimals}f}".replace(",", _NBSP).replace(".", ",")
    return (_MINUS + text) if rounded < 0 else text


def _auto_decimals(values: np.ndarray) -> int:
    """Decimals that show a column's typical magnitude: 0 for counts and large values."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or np.all(finite == np.round(finite)):
        return 0
    nonzero = np.abs(finite[finite != 0])
    typical = float(np.median(nonzero)) if nonzero.size else 0.0
    if typical >= 100:
        return 0
    if typical >= 1:
        return 1
    if typical >= 0.1:
        return 2
    return 3


def capacity_text(capacity: object, unit: object) -> str:
    """Registered capacity with its unit in Czech: ``32 lůžek``, ``1 klient``, ``3 hovory``.

    Parameters
    ----------
    capacity : number
        Registered maximum capacity; missing gives ``"kapacita neuvedena"``.
    unit : str
        ``lůžka``, ``klienti``, ``kontakty``, ``intervence``, ``hovory`` (or the MPSV codes
        ``luzka``, ``klient``, ...); any other unit gives ``"Kapacita: 32 (unit)"``.

    Returns
    -------
    str
        Plain text (not escaped).
    """
    try:
        number = float(capacity)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        return "kapacita neuvedena"
    unit_text = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit).strip()
    unit_text = _CAPACITY_CODES.get(unit_text, unit_text)
    forms = _CAPACITY_FORMS.get(unit_text)
    if forms is None or number != int(number):
        shown = format_number(number, 0 if number == int(number) else 1)
        return f"Kapacita: {shown} ({unit_text})" if unit_text else f"Kapacita: {shown}"
    whole = int(number)
    form = forms[0] if whole == 1 else forms[1] if 2 <= whole <= 4 else forms[2]
    return f"{format_number(whole)} {form}"


_FORM_ADJECTIVES = {"residential": "pobytových", "ambulatory": "ambulantních", "field": "terénních"}
_UNIT_NOUNS = {"beds": ("Lůžka", "lůžek"), "clients": ("Klienti", "klientů"), "contacts": ("Kontakty", "kontaktů"),
               "interventions": ("Intervence", "intervencí"), "calls": ("Hovory", "hovorů")}
_PLAIN_LABELS = {
    "n_services": ("Počet služeb", "služeb"),
    "n_providers": ("Počet poskytovatelů", "poskytovatelů"),
    "n_places": ("Počet míst poskytování", "míst"),
    "n_white_spots": ("Počet bílých míst (obcí)", "obcí"),
    "population": ("Cílová populace", "obyvatel"),
    "mean_distance_km": ("Průměrná vzdálenost k nejbližší službě", "km"),
    "max_distance_km": ("Největší vzdálenost k nejbližší službě", "km"),
    "distance_km": ("Vzdálenost k nejbližší službě", "km"),
    "share_65_plus": ("Podíl obyvatel 65+", "%"),
    "share_80_plus": ("Podíl obyvatel 80+", "%"),
}


def indicator_label(column: str, population_label: str = "obyvatel") -> tuple[str, str | None]:
    """Czech legend title and unit for a column of the coverage tables.

    Parameters
    ----------
    column : str
        e.g. ``per_1000_residential_beds``, ``capacity_field_clients``, ``n_services``.
    population_label : str, default "obyvatel"
        How the target population reads after "na 1 000", e.g. ``"obyvatel 65+"``.

    Returns
    -------
    (label, unit)
        e.g. ``("Lůžka pobytových služeb na 1 000 obyvatel 65+", "lůžek na 1 000 obyvatel 65+")``;
        unknown columns give ``(column, None)``.
    """
    if column in _PLAIN_LABELS:
        return _PLAIN_LABELS[column]
    match = re.fullmatch(r"(per_1000|capacity|access_per_1000)_(residential|ambulatory|field)_(\w+)", column)
    if match and match.group(3) in _UNIT_NOUNS:
        kind, form, unit = match.groups()
        noun, genitive = _UNIT_NOUNS[unit]
        adjective = _FORM_ADJECTIVES[form]
        if kind == "capacity":
            return f"Kapacita {adjective} služeb ({noun.lower()})", genitive
        if kind == "per_1000":
            return (f"{noun} {adjective} služeb na 1\u00a0000 {population_label}",
                    f"{genitive} na 1\u00a0000 {population_label}")
        return (f"Dostupnost (2SFCA): {noun.lower()} {adjective} služeb na 1\u00a0000 {population_label}",
                f"{genitive} na 1\u00a0000 {population_label}")
    return column, None

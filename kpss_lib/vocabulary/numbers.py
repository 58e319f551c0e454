"""Czech numbers: ``1 234,5`` with a true minus, Excel formats for printing, capacities with their unit."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

NO_DATA_LABEL = "bez dat"
_NBSP = "\u00a0"
_MINUS = "\u2212"
BOOLEAN = {True: "ano", False: "ne"}


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


def format_value(value: object, fmt: str | None) -> str:
    """A table value as Czech text for printing (1 234,5; 12,3 %; ano/ne), following an Excel format.

    Numbers go through :func:`format_number`; ``fmt`` (from :func:`number_format`)
    gives the decimals, a percentage (×100, " %") and a leading "+" for positive
    differences. Missing values give "–", text is returned as it is.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return BOOLEAN[bool(value)]
    if not isinstance(value, (int, float, np.integer, np.floating)) or fmt is None:
        return str(value)
    value = float(value)
    if math.isinf(value):
        return "∞"
    head = fmt.split(";")[0]
    percent = fmt.endswith("%") or "%;" in fmt
    number = value * 100 if percent else value
    decimals = len(head.split(".")[1].rstrip("%")) if "." in head else 0
    sign = "+" if fmt.startswith("+") and round(number, decimals) > 0 else ""
    return f"{sign}{format_number(number, decimals)}{' %' if percent else ''}"


def distance_text(value: object, unit: str = "km") -> str:
    """A distance or travel time as Czech text: "10 km", "15 min"; missing → "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{format_number(value, 1 if float(value) % 1 else 0)} {unit}"

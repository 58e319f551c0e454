"""Text on the maps' pages: HTML/JSON escaping and how many decimals a column shows.

Everything that comes from the data passes :func:`_esc` (HTML) or :func:`_js_json`
(a ``<script>`` block) before it reaches a page. The Czech words and number formats
themselves (``format_number``, ``capacity_text``, ``indicator_label``, column labels)
come from :mod:`kpss_lib.vocabulary`, the one vocabulary of kpss.
"""
from __future__ import annotations

import html
import json
import math
import re

import numpy as np
import pandas as pd

_NAME_COLUMNS = ("unit_name", "region_name", "obec_name", "orp_name", "okres_name", "kraj_name", "name", "nazev")
_CODE_COLUMNS = ("unit_code", "region_code", "obec_code", "orp_code", "okres_code", "kraj_code", "code", "kod")


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

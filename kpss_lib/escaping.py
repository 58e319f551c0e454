"""Neutralise text from data or parameters for the context it lands in.

One place for every output context kpss writes text into:

- :func:`html_text` – HTML element content and attribute values.
- :func:`markdown_text` – Markdown cells of notebooks (rendered to HTML in reports):
  no link, image, emphasis, heading or raw HTML can be formed from the text.
- :func:`spreadsheet_cell` – a cell of an XLSX or a CSV meant for Excel: text that
  Excel would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR; OWASP "CSV
  injection") gets a leading apostrophe.

Numbers, dates and missing values pass :func:`spreadsheet_cell` unchanged, so
numeric columns stay numeric.
"""
from __future__ import annotations

import html
import re

#: Characters that make Excel (and LibreOffice) read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Every character that Markdown (CommonMark + GFM tables) gives a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:&$\"'])")


def html_text(value: object) -> str:
    """HTML-escape any value for element content or a quoted attribute; None → ``""``."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def markdown_text(value: object) -> str:
    """Text that renders literally in Markdown, with no link, image, HTML or formatting.

    Every character Markdown gives a meaning to is backslash-escaped, and ``<``/``>``/``&``
    (which backslashes do not neutralise inside every renderer) become HTML entities;
    line breaks become spaces so that a value cannot start a heading or a list.
    """
    if value is None:
        return ""
    text = " ".join(str(value).splitlines())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text.replace("\\<", "&lt;").replace("\\>", "&gt;").replace("\\&", "&amp;")


def spreadsheet_cell(value: object) -> object:
    """A value safe for a spreadsheet cell: formula-like text gets a leading apostrophe.

    Non-text values (numbers, dates, booleans, missing values) are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
